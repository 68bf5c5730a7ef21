using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Ledger.Settlement.Events;
using Ledger.TestSupport;
using Npgsql;

namespace Ledger.Journal.Tests;

/// <summary>
/// The PostgreSQL COPY writer under <see cref="GroupCommitJournal"/>, on a real server: the rows
/// it writes are, column for column and byte for byte (tags included), the rows the plugin writes
/// for the same events, and the plugin's recovery reads them back; and when a combined write fails
/// (a sequence number already taken), every caller in it hears of the failure and none of its
/// rows is in the table.
/// </summary>
[Collection(PostgresFixture.Collection)]
public sealed class PostgresJournalWriterTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private const string RowsSql = """
        SELECT persistence_id, sequence_number, message, manifest, identifier, tags, deleted
        FROM journal WHERE persistence_id LIKE 'account-%' ORDER BY persistence_id, sequence_number
        """;

    [SkippableFact]
    public async Task Copied_rows_are_the_plugins_rows_and_the_plugin_recovers_them()
    {
        // Every account event type the ledger stores; the published ones are tagged by the settlement tagger.
        var events = SampleEvents.ByType.Values.OfType<AccountEvent>().Select(e => (object)e).ToList();
        Assert.Contains(events, e => e is AccountEvent a && Settlement.SettlementPublication.IsPublished(a));

        var byPlugin = await WriteAllAsync(await StoreAsync(), events, ledgerWriter: false);
        var byCopy = await WriteAllAsync(await StoreAsync(), events, ledgerWriter: true);

        Assert.Equal(0, byPlugin.CopyRows);
        Assert.True(byCopy.CopyRows >= events.Count * 3, $"COPY wrote {byCopy.CopyRows} rows");
        Assert.Equal(byPlugin.Rows.Count, byCopy.Rows.Count);
        Assert.Contains(byCopy.Rows, r => ((string)r[5]).Contains(Settlement.SettlementPublication.Tag, StringComparison.Ordinal));
        for (var i = 0; i < byPlugin.Rows.Count; i++) Assert.Equal(byPlugin.Rows[i], byCopy.Rows[i]);
    }

    [SkippableFact]
    public async Task A_failed_copy_fails_every_write_in_it_and_writes_none_of_its_rows()
    {
        var store = await StoreAsync();
        var events = SampleEvents.Stream(4).Select(e => (object)e).ToList();
        var name = "copy-failure-" + Guid.NewGuid().ToString("N");
        var copyRows = new ConcurrentBag<long>();
        using var listener = JournalWriterProbe.Listen(name, "postgres-copy", copyRows);
        var system = ActorSystem.Create(name, Config(store, ledgerWriter: true));
        try
        {
            await JournalWriterProbe.WarmUpAsync(system, copyRows, Timeout);
            var ids = Enumerable.Range(0, 30).Select(i => $"account-{i:0000}").Append("account-0666").ToList();
            var writers = ids.Select(id => system.ActorOf(Props.Create(() => new JournalWriterProbe.Writer(id)))).ToList();
            // Recovered (empty) before the row below goes in: account-0666 will write its events from number 1.
            Assert.All(await Task.WhenAll(writers.Select(w => w.Ask<string>("ready?", Timeout))), a => Assert.Equal("ready", a));
            // account-0666's first sequence number is taken meanwhile: a COPY holding its event fails as a whole.
            await using (var db = new NpgsqlConnection(store.Connection))
            {
                await db.OpenAsync();
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
                    SELECT created, deleted, 'account-0666', sequence_number, message, tags, manifest, identifier, writer_uuid
                    FROM journal WHERE persistence_id = 'warm-up' AND sequence_number = 1
                    """, db);
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
            // Held back behind a table lock, so that the writes reach the journal together and share COPYs.
            await using var locker = new NpgsqlConnection(store.Connection);
            await locker.OpenAsync();
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE journal IN EXCLUSIVE MODE", locker, transaction)) await lockTable.ExecuteNonQueryAsync();
            var answers = writers.Select(w => w.Ask<string>(events, Timeout)).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await transaction.RollbackAsync();
            var outcomes = (await Task.WhenAll(answers)).Zip(ids, (outcome, id) => (Outcome: outcome, Id: id)).ToList();

            Assert.Equal("failed", outcomes.Single(o => o.Id == "account-0666").Outcome);
            await using var db2 = new NpgsqlConnection(store.Connection);
            await db2.OpenAsync();
            foreach (var (outcome, id) in outcomes)
            {
                await using var count = new NpgsqlCommand("SELECT count(*) FROM journal WHERE persistence_id = @id", db2);
                count.Parameters.AddWithValue("id", id);
                var rows = (long)(await count.ExecuteScalarAsync())!;
                // All of a write or none of it: a caller told it failed has no rows (0666 keeps only the row put there).
                Assert.Equal(outcome == "written" ? events.Count : id == "account-0666" ? 1 : 0, rows);
            }
            Assert.Contains(outcomes, o => o.Outcome == "written");
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }
    }

    private async Task<StoreSettings> StoreAsync()
    {
        var store = new StoreSettings(StoreConfig.Postgres, await postgres.CreateDatabaseAsync("ledger_copy"), DataDir: "unused-for-postgres");
        StoreConfig.Prepare(store);
        return store;
    }

    private static async Task<(List<object[]> Rows, long CopyRows)> WriteAllAsync(StoreSettings store, IReadOnlyList<object> events, bool ledgerWriter)
    {
        var name = "copy-rows-" + Guid.NewGuid().ToString("N");
        var copyRows = new ConcurrentBag<long>();
        using var listener = JournalWriterProbe.Listen(name, "postgres-copy", copyRows);
        var system = ActorSystem.Create(name, Config(store, ledgerWriter));
        try
        {
            if (ledgerWriter) await JournalWriterProbe.WarmUpAsync(system, copyRows, Timeout);
            var before = copyRows.Sum();
            var writers = Enumerable.Range(0, 3).Select(i => system.ActorOf(Props.Create(() => new JournalWriterProbe.Writer($"account-{i:0000}")))).ToList();
            var outcomes = await Task.WhenAll(writers.Select(w => w.Ask<string>(events, Timeout)));
            Assert.All(outcomes, o => Assert.Equal("written", o));
            var copied = copyRows.Sum() - before;

            // The plugin's own recovery reads every row back as the event written.
            foreach (var id in new[] { "account-0000", "account-0002" })
            {
                var done = new TaskCompletionSource<List<object>>(TaskCreationOptions.RunContinuationsAsynchronously);
                system.ActorOf(Props.Create(() => new JournalWriterProbe.Reader(id, done)));
                Assert.Equal(events, await done.Task.WaitAsync(Timeout));
            }

            await using var db = new NpgsqlConnection(store.Connection);
            await db.OpenAsync();
            await using var command = new NpgsqlCommand(RowsSql, db);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<object[]>();
            while (await reader.ReadAsync())
            {
                var row = new object[reader.FieldCount];
                reader.GetValues(row);
                rows.Add(row);
            }
            return (rows, copied);
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }
    }

    private static async Task WarmUpAsync(ActorSystem system, ConcurrentBag<long> copyRows)
    {
        var warmUp = system.ActorOf(Props.Create(() => new JournalWriterProbe.Writer("warm-up")));
        for (var i = 0; copyRows.IsEmpty; i++)
        {
            Assert.True(i < 200, "no write went through COPY");
            Assert.Equal("written", await warmUp.Ask<string>(new List<object> { SampleEvents.Stream(1)[0] }, Timeout));
        }
    }

    private static Config Config(StoreSettings store, bool ledgerWriter) =>
        ConfigurationFactory.ParseString($"""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.persistence.journal.sql.ledger-writer = {(ledgerWriter ? "on" : "off")}
            """)
            .WithFallback(StoreConfig.BuildWithLedgerDefaults(store));
}
