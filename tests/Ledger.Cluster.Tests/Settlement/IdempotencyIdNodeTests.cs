using System.Text.Json;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Idempotency ids of deposits and settlement progress payments on a real node on SQLite: they are
/// journaled on the deposit and payment events, survive the node stopping and a new one recovering
/// every account from the file, keep the hash chains, and replay, verify and what-if read them. A
/// journal written before ids (tests/golden-data/release-7f8c477) still verifies and replays.
/// </summary>
[Collection("cluster")]
public sealed class IdempotencyIdNodeTests
{
    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        private long _ticks = now.UtcTicks;

        public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    // Monday 2026-11-23, 09:00 in New York: well before the 15:10 recycle cutoff.
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Monday = new(2026, 11, 23);

    private static readonly ParticipantId Lender = new("0001");
    private static readonly ParticipantId Borrower = new("0002");
    private static readonly IdempotencyId DepositId = new("DEP-2026-11-23-1");
    private static readonly IdempotencyId PaymentId = new("SPP-2026-11-23-1");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static Task<LedgerNode> StartAsync(string folder, TimeProvider clock) =>
        LedgerNode.StartAsync(new LedgerNodeOptions { DataDir = folder, Clock = clock, ResendInterval = TimeSpan.FromMilliseconds(200) }, null, Setup.None);

    private static async Task<string> Accounts(ILedger ledger) =>
        JsonSerializer.Serialize(await ledger.AccountAsync(Lender, Setup.None), Json) + JsonSerializer.Serialize(await ledger.AccountAsync(Borrower, Setup.None), Json);

    /// <summary>Rows of the account journals (the cluster's own sharding journals aside), read beside a running node (WAL).</summary>
    private static long AccountRows(string folder)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'account-%'";
        var rows = (long)count.ExecuteScalar()!;
        connection.Close();
        SqliteConnection.ClearPool(connection);
        return rows;
    }

    [Fact]
    public async Task Ids_survive_a_new_node_recovering_from_the_file_and_replay_verify_and_what_if_read_them()
    {
        using var folder = new TempFolder();
        var clock = new SettableClock(Start.AddMinutes(1));
        string accountsBefore;
        await using (var node = await StartAsync(folder.Path, clock))
        {
            var ledger = node.Ledger;
            await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(ledger, "0002", 80_000m, 50_000m);
            Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await ledger.DepositAsync(Lender, Cusips.Apple, 2_000, DepositId, Setup.None)).Ok);

            clock.Set(Start.AddMinutes(2));
            Assert.True((await ledger.SubmitAsync([Setup.Do("DO-1", "0001", "0002", 1_000, 100_000m)], Setup.None))[0].Accepted);
            Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, "DO-1", "pending")).PendingReason);

            clock.Set(Start.AddMinutes(3));
            Assert.True((await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000m), PaymentId, Setup.None)).Ok);
            Assert.Equal("recycle", (await Eventually.Status(ledger, "DO-1", "completed")).CompletedBy);
            await Eventually.Until(async () => (await ledger.AccountAsync(Lender, Setup.None))!.SettlementBalance == 100_000m,
                TimeSpan.FromSeconds(10), "the lender credited");

            // Sent again on the same node: acknowledged, nothing changes.
            accountsBefore = await Accounts(ledger);
            Assert.True((await ledger.DepositAsync(Lender, Cusips.Apple, 2_000, DepositId, Setup.None)).Ok);
            Assert.True((await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000m), PaymentId, Setup.None)).Ok);
            Assert.Equal(accountsBefore, await Accounts(ledger));
        }
        SqliteConnection.ClearAllPools();
        var rows = AccountRows(folder.Path);

        clock.Set(Start.AddMinutes(4));
        await using (var node = await StartAsync(folder.Path, clock))
        {
            var ledger = node.Ledger;
            Assert.Equal(accountsBefore, await Accounts(ledger));

            // The new node holds the ids from the journal alone.
            Assert.True((await ledger.DepositAsync(Lender, Cusips.Apple, 2_000, DepositId, Setup.None)).Ok);
            Assert.True((await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000m), PaymentId, Setup.None)).Ok);
            var otherAmount = await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000.01m), PaymentId, Setup.None);
            var depositAsPayment = await ledger.SettlementProgressPaymentAsync(Lender, Money.FromDollars(2_000m), DepositId, Setup.None);
            Assert.Equal(AccountRejection.IdempotencyIdOtherPayload, otherAmount.Rejection);
            Assert.Equal(AccountRejection.IdempotencyIdOtherPayload, depositAsPayment.Rejection);
            Assert.Equal(accountsBefore, await Accounts(ledger));
            Assert.Equal(rows, AccountRows(folder.Path));

            clock.Set(Start.AddMinutes(5));
            Assert.True((await ledger.CutoffAsync(Setup.None)).Ok);
            clock.Set(Start.AddMinutes(6));
            Assert.True((await ledger.CloseAsync(Setup.None)).Ok);
            await Eventually.Until(async () => (await ledger.AccountAsync(Borrower, Setup.None))!.BusinessDate != "2026-11-23",
                TimeSpan.FromSeconds(10), "the day closed");

            // The next business day, the payment's id names a payment of a closed day.
            var nextDay = await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000m), PaymentId, Setup.None);
            Assert.Equal(AccountRejection.IdempotencyIdOfEarlierDay, nextDay.Rejection);
            Assert.Contains("2026-11-23", nextDay.Message, StringComparison.Ordinal);
        }
        SqliteConnection.ClearAllPools();

        // One deposit and one payment in the journals, each with its id, however often they were sent.
        var journal = JournalTable.Of(new StoreSettings(StoreConfig.Sqlite, null, folder.Path));
        var lenderEvents = await AccountReplay.EventsAsync(journal, Lender, null, null, Setup.None);
        var borrowerEvents = await AccountReplay.EventsAsync(journal, Borrower, null, null, Setup.None);
        Assert.Equal(DepositId.Value, Assert.Single(lenderEvents.Select(e => e.Event).OfType<SharesDeposited>()).Id);
        Assert.Equal(PaymentId.Value, Assert.Single(borrowerEvents.Select(e => e.Event).OfType<SettlementProgressPaymentReceived>()).Id);
        var replayed = await AccountReplay.ReplayAsync(journal, Lender, ReplayBound.ToTime(Start.AddMinutes(4)), null, Setup.None);
        Assert.Equal(2_000 - 1_000, Assert.Single(replayed!.Positions).Shares);
        SqliteConnection.ClearAllPools();

        Assert.All(await JournalVerifier.VerifyAsync(journal, null, Setup.None), v => Assert.True(v.Ok, $"{v.PersistenceId}: {v.Finding}"));

        var day = await WhatIfReader.ReadStoreDayAsync(new StoreSettings(StoreConfig.Sqlite, null, folder.Path), Monday, null, Setup.None);
        Assert.Equal(DepositId, Assert.Single(day.Inputs.OfType<WhatIfDeposit>()).Id);
        Assert.Equal(PaymentId, Assert.Single(day.Inputs.OfType<WhatIfPayment>()).Id);
        Assert.Empty(WhatIf.Run(day, WhatIfSettings.None).Differences);
        SqliteConnection.ClearAllPools();
    }

    private static string GoldenData(string release)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return Path.Combine(dir.FullName, "tests", "golden-data", release);
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public async Task A_journal_written_before_ids_keeps_every_hash_chain_and_replays_to_what_its_release_answered()
    {
        // The deposit and payment events gained an optional id: an event stored without one must
        // serialize back to exactly its stored bytes, or its chain would break.
        var source = GoldenData("release-7f8c477");
        using var folder = new TempFolder();
        File.Copy(Path.Combine(source, StoreConfig.SqliteFileName), Path.Combine(folder.Path, StoreConfig.SqliteFileName));
        using var answers = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(source, "answers.json")));
        var journal = JournalTable.Of(new StoreSettings(StoreConfig.Sqlite, null, folder.Path));

        var verified = await JournalVerifier.VerifyAsync(journal, null, Setup.None);

        Assert.Equal(11, verified.Count(v => v.PersistenceId.StartsWith("account-", StringComparison.Ordinal)));
        Assert.All(verified, v => Assert.True(v.Ok, $"{v.PersistenceId}: {v.Finding}"));
        var deposits = 0;
        foreach (var answer in answers.RootElement.EnumerateObject().Where(p => p.Name.StartsWith("account/", StringComparison.Ordinal)))
        {
            var participant = new ParticipantId(answer.Name["account/".Length..]);
            var replayed = await AccountReplay.ReplayAsync(journal, participant, ReplayBound.Latest, null, Setup.None);
            using var view = JsonDocument.Parse(JsonSerializer.Serialize(replayed, Json));
            var difference = Difference(answer.Value, view.RootElement, answer.Name);
            Assert.True(difference is null, difference);
            var events = await AccountReplay.EventsAsync(journal, participant, null, null, Setup.None);
            Assert.All(events.Select(e => e.Event).OfType<SharesDeposited>(), d => Assert.Null(d.Id));
            deposits += events.Count(e => e.Event is SharesDeposited);
        }
        Assert.True(deposits > 0, "the release's journal holds deposits");
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Where <paramref name="actual"/> differs from <paramref name="expected"/> (numbers compared as decimals: 1.9 equals 1.90), or null.</summary>
    private static string? Difference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind == JsonValueKind.Number && actual.ValueKind == JsonValueKind.Number)
            return expected.GetDecimal() == actual.GetDecimal() ? null : $"{path}: {expected} != {actual}";
        if (expected.ValueKind != actual.ValueKind) return $"{path}: {expected.ValueKind} != {actual.ValueKind}";
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in expected.EnumerateObject())
                {
                    if (!actual.TryGetProperty(p.Name, out var a)) return $"{path}.{p.Name} missing";
                    if (Difference(p.Value, a, $"{path}.{p.Name}") is { } d) return d;
                }
                return null;
            case JsonValueKind.Array:
                var (e, x) = (expected.EnumerateArray().ToList(), actual.EnumerateArray().ToList());
                if (e.Count != x.Count) return $"{path}: {e.Count} items != {x.Count}";
                for (var i = 0; i < e.Count; i++)
                {
                    if (Difference(e[i], x[i], $"{path}[{i}]") is { } d) return d;
                }
                return null;
            default:
                return expected.ToString() == actual.ToString() ? null : $"{path}: {expected} != {actual}";
        }
    }
}
