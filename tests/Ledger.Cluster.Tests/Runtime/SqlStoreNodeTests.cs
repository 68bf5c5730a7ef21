using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;
using Ledger.TestSupport;

namespace Ledger.Cluster.Tests;

/// <summary>
/// A node on a shared SQL store end to end: it settles, a second node on the same database recovers
/// every account and deliver order, the journal table replays an account to its live state, a
/// pending receive still recycles, and every hash chain verifies. One test body, one subclass per
/// server store.
/// </summary>
public abstract class SqlStoreNodeTests
{
    /// <summary>sqlserver or postgres.</summary>
    protected abstract string Store { get; }

    /// <summary>The connection string of a fresh, empty database; skips the test when the store cannot be had.</summary>
    protected abstract Task<string> CreateDatabaseAsync();

    [SkippableFact]
    public async Task A_node_settles_and_a_restarted_node_recovers_replays_and_verifies_the_accounts()
    {
        // Snapshots every 3 events: the restarted node recovers the accounts from this store's snapshot table.
        var options = new LedgerNodeOptions
        {
            Store = Store,
            Connection = await CreateDatabaseAsync(),
            ResendInterval = TimeSpan.FromMilliseconds(200),
            ExtraConfig = "ledger.snapshots.every-events = 3",
        };
        var borrower = new ParticipantId("0002");

        AccountView before;
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(node.Ledger, "0002", 80_000m, 50_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None)).Ok);
            var results = await node.Ledger.SubmitAsync([Setup.Do("DO-A", "0001", "0002", 100, 5_000m), Setup.Do("DO-B", "0001", "0002", 900, 90_000m)], Setup.None);
            Assert.All(results, r => Assert.True(r.Accepted, r.Error?.Message));
            await Eventually.Status(node.Ledger, "DO-A", "completed");
            Assert.Equal("net-debit-cap", (await Eventually.Status(node.Ledger, "DO-B", "pending")).PendingReason);
            before = (await node.Ledger.AccountAsync(borrower, Setup.None))!;
            Assert.Equal(-5_000m, before.SettlementBalance);
            await Eventually.Until(async () => await SnapshotCountAsync(options.Connection!, "account-0002") == 1,
                TimeSpan.FromSeconds(10), "the borrower's latest snapshot in this store's snapshot table");
        }

        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            var after = (await node.Ledger.AccountAsync(borrower, Setup.None))!;
            AssertSameAccount(before, after);
            Assert.Equal("completed", (await node.Ledger.DeliverOrderAsync(new DeliverOrderId("DO-A"), Setup.None))!.Status);

            // The journal table of this store replays the account to what its actor holds.
            AssertSameAccount(after, (await node.Journal.ReplayAsync(borrower, ReplayBound.Latest, Setup.None))!);
            var events = (await node.Journal.EventsAsync(borrower, null, null, Setup.None))!;
            Assert.Equal(after.Version, events.Count);

            // The receive pending on the cap still recycles after the restart.
            Assert.True((await node.Ledger.SettlementProgressPaymentAsync(borrower, Money.FromDollars(20_000m), Setup.None)).Ok);
            await Eventually.Status(node.Ledger, "DO-B", "completed");

            // An explanation read by key on this store's driver tells what whole journals tell (`ledger explain`).
            var table = JournalTable.Of(new StoreSettings(Store, options.Connection, "unused"));
            foreach (var id in new[] { "DO-A", "DO-B" })
            {
                // (The deliverer journals its completion when the receiver's report reaches it.)
                await Eventually.Until(async () =>
                {
                    var byKey = await node.Explainer.ExplainAsync(new DeliverOrderId(id), null, Setup.None);
                    var whole = await Explain.ExplainReader.ExplainAsync(table, new DeliverOrderId(id), Setup.None);
                    return byKey.Outcome == Explain.ExplainOutcome.Explained
                        && System.Text.Json.JsonSerializer.Serialize(whole) == System.Text.Json.JsonSerializer.Serialize(byKey.Explanation);
                }, TimeSpan.FromSeconds(10), $"{id} explained by key as from whole journals");
            }
            // Keyed reads of more numbers than one query takes, some past the journal's end: exactly the rows there are, in order.
            var highest = await table.HighestSequenceNrAsync("account-0002", Setup.None);
            var asked = Enumerable.Range(1, JournalTable.KeysPerQueryMax + 100).Select(n => (long)n).Reverse().ToList();
            var rows = await table.EventsAtAsync("account-0002", asked, Setup.None);
            Assert.True(highest > 2);
            Assert.Equal(Enumerable.Range(1, (int)highest).Select(n => (long)n), rows.Select(r => r.SequenceNr));

            // Straight from the store's journal table, as `ledger verify` reads it.
            var verified = await JournalVerifier.VerifyAsync(JournalTable.Of(new StoreSettings(Store, options.Connection, "unused")), null, Setup.None);
            Assert.Contains(verified, v => v.PersistenceId == "account-0001");
            Assert.Contains(verified, v => v.PersistenceId == "account-0002");
            Assert.Contains(verified, v => v.PersistenceId == "reference" && v.Checked && v.UnchainedEvents == 0);
            Assert.Contains(verified, v => v.Kind == JournalKind.DeliverOrderIndex && v.Events > 0 && v.UnchainedEvents == 0);
            Assert.All(verified, v => Assert.True(v.Ok, v.Finding?.ToString()));
        }
    }

    /// <summary>Rows of the snapshot table (the plugin's own, default table mapping) for <paramref name="persistenceId"/>.</summary>
    protected abstract Task<long> SnapshotCountAsync(string connection, string persistenceId);

    private static void AssertSameAccount(AccountView expected, AccountView actual)
    {
        Assert.Equal(expected with { Positions = [], Pending = [] }, actual with { Positions = [], Pending = [] });
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.Pending, actual.Pending);
    }
}

/// <summary>On SQL Server (SqlServer.2019), in a fresh database on the server <c>LEDGER_SQLSERVER_CONNECTION</c> names; skips without it.</summary>
[Collection("cluster")]
public sealed class SqlServerNodeTests : SqlStoreNodeTests, IAsyncLifetime
{
    private SqlServerDatabase? _database;

    protected override string Store => "sqlserver";

    protected override async Task<string> CreateDatabaseAsync()
    {
        _database = await SqlServerDatabase.CreateAsync("ledger_node");
        return _database.ConnectionString;
    }

    protected override async Task<long> SnapshotCountAsync(string connection, string persistenceId)
    {
        await using var db = new Microsoft.Data.SqlClient.SqlConnection(connection);
        await db.OpenAsync();
        await using var command = new Microsoft.Data.SqlClient.SqlCommand("SELECT count(*) FROM snapshot WHERE persistence_id = @id", db);
        command.Parameters.AddWithValue("@id", persistenceId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }
}

/// <summary>On PostgreSQL (PostgreSQL.15), on the test process's throwaway server; under CI=true a missing server fails the test.</summary>
[Collection("cluster")]
public sealed class PostgresNodeTests(PostgresFixture postgres) : SqlStoreNodeTests, IClassFixture<PostgresFixture>
{
    protected override string Store => "postgres";

    protected override Task<string> CreateDatabaseAsync() => postgres.CreateDatabaseAsync("ledger_node");

    protected override async Task<long> SnapshotCountAsync(string connection, string persistenceId)
    {
        await using var db = new Npgsql.NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM snapshot WHERE persistence_id = @id", db);
        command.Parameters.AddWithValue("id", persistenceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
