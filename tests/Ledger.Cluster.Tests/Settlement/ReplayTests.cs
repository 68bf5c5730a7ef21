using System.Text.Json;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Replay from the store equals what the live accounts answered: a short day on a real node on
/// SQLite, a fake clock so that each step's events carry their own distinct business time, and the
/// live views recorded after each step.
/// </summary>
[Collection("cluster")]
public sealed class ReplayTests
{
    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        private long _ticks = now.UtcTicks;

        public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Monday 2026-11-23, 09:00 in New York: well before the 15:10 recycle cutoff.
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);

    private static readonly ParticipantId Lender = new("0001");
    private static readonly ParticipantId Borrower = new("0002");

    /// <summary>AccountView holds lists, so record equality would compare references: compare every field, version included, through JSON.</summary>
    private static void SameView(AccountView? expected, AccountView? actual, string what)
    {
        Assert.NotNull(expected);
        Assert.NotNull(actual);
        Assert.True(JsonSerializer.Serialize(expected, Json) == JsonSerializer.Serialize(actual, Json),
            $"{what}:\nexpected {JsonSerializer.Serialize(expected, Json)}\nactual   {JsonSerializer.Serialize(actual, Json)}");
    }

    private sealed record Moment(DateTimeOffset At, AccountView Lender, AccountView Borrower);

    private static async Task<Moment> Record(ILedger ledger, DateTimeOffset at) => new(at,
        (await ledger.AccountAsync(Lender, Setup.None))!, (await ledger.AccountAsync(Borrower, Setup.None))!);

    /// <summary>Set-up, a receive pended on the net debit cap, then a payment that lets it complete by recycle.</summary>
    private static async Task<List<Moment>> RunDay(LedgerNode node, SettableClock clock)
    {
        var ledger = node.Ledger;
        var moments = new List<Moment>();

        var t1 = Start.AddMinutes(1);
        clock.Set(t1);
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m, marketLoan: true);
        await Setup.Participant(ledger, "0002", 80_000m, 50_000m, marketLoan: true);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await ledger.DepositAsync(Lender, Cusips.Apple, 1_000, Setup.None)).Ok);
        moments.Add(await Record(ledger, t1));

        var t2 = Start.AddMinutes(2);
        clock.Set(t2);
        Assert.True((await ledger.SubmitAsync([Setup.Do("DO-1", "0001", "0002", 1_000, 100_000m)], Setup.None))[0].Accepted);
        Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, "DO-1", "pending")).PendingReason);
        moments.Add(await Record(ledger, t2));
        Assert.Single(moments[^1].Borrower.Pending);

        var t3 = Start.AddMinutes(3);
        clock.Set(t3);
        Assert.True((await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000m), Setup.None)).Ok);
        await Eventually.Status(ledger, "DO-1", "completed");
        await Eventually.Until(async () => (await ledger.AccountAsync(Lender, Setup.None))!.SettlementBalance == 100_000m,
            TimeSpan.FromSeconds(10), "the lender credited");
        moments.Add(await Record(ledger, t3));
        return moments;
    }

    private static LedgerNodeOptions Options(string folder, TimeProvider clock) => new()
    {
        DataDir = folder,
        Clock = clock,
        ResendInterval = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task Replay_to_now_and_to_each_recorded_moment_equals_the_live_account_then()
    {
        using var folder = new TempFolder();
        var clock = new SettableClock(Start);
        await using var node = await LedgerNode.StartAsync(Options(folder.Path, clock), null, Setup.None);
        var moments = await RunDay(node, clock);

        foreach (var (p, live) in new[] { (Lender, moments[^1].Lender), (Borrower, moments[^1].Borrower) })
        {
            SameView(live, await node.Journal.ReplayAsync(p, ReplayBound.Latest, Setup.None), $"{p.Value} now");
            SameView(live, await node.Journal.ReplayAsync(p, ReplayBound.ToEvent(live.Version), Setup.None), $"{p.Value} to its last event");
        }
        foreach (var m in moments)
        {
            SameView(m.Lender, await node.Journal.ReplayAsync(Lender, ReplayBound.ToTime(m.At), Setup.None), $"0001 at {m.At:O}");
            SameView(m.Borrower, await node.Journal.ReplayAsync(Borrower, ReplayBound.ToTime(m.At), Setup.None), $"0002 at {m.At:O}");
            SameView(m.Borrower, await node.Journal.ReplayAsync(Borrower, ReplayBound.ToEvent(m.Borrower.Version), Setup.None), $"0002 to event {m.Borrower.Version}");
        }
        // Just before the first event the account did not exist yet; an unknown participant has no account at all.
        Assert.Null(await node.Journal.ReplayAsync(Borrower, ReplayBound.ToTime(moments[0].At.AddTicks(-1)), Setup.None));
        Assert.Null(await node.Journal.ReplayAsync(new ParticipantId("0077"), ReplayBound.Latest, Setup.None));

        // A separate local reader on the same file, beside the running node (SQLite WAL), reads the same.
        var reader = JournalTable.Of(new StoreSettings(StoreConfig.Sqlite, null, folder.Path));
        var progress = new List<long>();
        var view = await AccountReplay.ReplayAsync(reader, Borrower, ReplayBound.ToTime(moments[1].At), new SyncProgress(progress), Setup.None);
        SameView(moments[1].Borrower, view, "0002 at the second moment, from a separate reader");
        Assert.Equal(moments[1].Borrower.Version, progress[^1]);
        // The node was not disturbed: it still answers as before.
        SameView(moments[^1].Borrower, await node.Ledger.AccountAsync(Borrower, Setup.None), "0002 live after the reader");
    }

    [Fact]
    public async Task The_journal_lists_the_events_in_order_with_their_manifests_and_business_times()
    {
        using var folder = new TempFolder();
        var clock = new SettableClock(Start);
        await using var node = await LedgerNode.StartAsync(Options(folder.Path, clock), null, Setup.None);
        var moments = await RunDay(node, clock);

        var all = (await node.Journal.EventsAsync(Borrower, null, null, Setup.None))!;
        Assert.Equal(Enumerable.Range(1, all.Count).Select(n => (long)n), all.Select(e => e.SequenceNr));
        Assert.Equal(moments[^1].Borrower.Version, all.Count);
        Assert.All(all, e => Assert.Equal(LedgerSerializer.ManifestFor(e.Event.GetType()), e.Manifest));
        Assert.Equal("account.participant-configured.v1", all[0].Manifest);
        Assert.Contains(all, e => e.Manifest == "account.receive-pended.v2" && e.At == moments[1].At);
        Assert.Contains(all, e => e.Manifest == "account.receive-completed.v2" && e.At == moments[2].At);

        var last = (await node.Journal.EventsAsync(Borrower, moments[2].At, moments[2].At, Setup.None))!;
        Assert.NotEmpty(last);
        Assert.Equal(all.Where(e => e.At == moments[2].At).Select(e => e.SequenceNr), last.Select(e => e.SequenceNr));
        Assert.Null(await node.Journal.EventsAsync(new ParticipantId("0077"), null, null, Setup.None));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; this one records at once.</summary>
    private sealed class SyncProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (values) values.Add(value);
        }
    }
}
