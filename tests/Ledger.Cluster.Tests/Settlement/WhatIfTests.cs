using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Cluster.Tests;

/// <summary>
/// What-if end to end: a small day through a real node on SQLite (a fake clock gives each step its
/// own business time), the node stopped, then the day reconstructed from the store by a read-only
/// reader and re-run with a lower cap. The journal is the same afterwards.
/// </summary>
[Collection("cluster")]
public sealed class WhatIfTests
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

    /// <summary>
    /// B (cap $80,000, fund $50,000): DO-1 $100,000 pends on the cap, DO-2 to C completes, B wires
    /// $30,000 and DO-1 completes by recycle (net debit $70,000), DO-3 $5,000 completes (net debit $75,000).
    /// </summary>
    private static async Task RunDay(string folder)
    {
        var clock = new SettableClock(Start);
        await using var node = await LedgerNode.StartAsync(new LedgerNodeOptions { DataDir = folder, Clock = clock, ResendInterval = TimeSpan.FromMilliseconds(200) },
            null, Setup.None);
        var ledger = node.Ledger;

        clock.Set(Start.AddMinutes(1));
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(ledger, "0002", 80_000m, 50_000m);
        await Setup.Participant(ledger, "0003", 1_000_000m, 50_000m);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await ledger.DepositAsync(Lender, Cusips.Apple, 2_000, Setup.None)).Ok);

        clock.Set(Start.AddMinutes(2));
        Assert.True((await ledger.SubmitAsync([Setup.Do("DO-1", "0001", "0002", 1_000, 100_000m)], Setup.None))[0].Accepted);
        Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, "DO-1", "pending")).PendingReason);

        clock.Set(Start.AddMinutes(3));
        Assert.True((await ledger.SubmitAsync([Setup.Do("DO-2", "0001", "0003", 500, 50_000m)], Setup.None))[0].Accepted);
        await Eventually.Status(ledger, "DO-2", "completed");

        clock.Set(Start.AddMinutes(4));
        Assert.True((await ledger.SettlementProgressPaymentAsync(Borrower, Money.FromDollars(30_000m), Setup.None)).Ok);
        Assert.Equal("recycle", (await Eventually.Status(ledger, "DO-1", "completed")).CompletedBy);

        clock.Set(Start.AddMinutes(5));
        Assert.True((await ledger.SubmitAsync([Setup.Do("DO-3", "0001", "0002", 100, 5_000m)], Setup.None))[0].Accepted);
        Assert.Equal("direct", (await Eventually.Status(ledger, "DO-3", "completed")).CompletedBy);
        await Eventually.Until(async () => (await ledger.AccountAsync(Lender, Setup.None))!.SettlementBalance == 155_000m,
            TimeSpan.FromSeconds(10), "the lender credited");

        clock.Set(Start.AddMinutes(6));
        await ledger.CutoffAsync(Setup.None);
        clock.Set(Start.AddMinutes(7));
        await ledger.CloseAsync(Setup.None);
        await Eventually.Until(async () => (await ledger.AccountAsync(Borrower, Setup.None))!.BusinessDate != "2026-11-23",
            TimeSpan.FromSeconds(10), "the day closed");
    }

    private static List<(string Id, long Highest)> JournalRows(string folder, out long rows)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal";
        rows = (long)count.ExecuteScalar()!;
        using var highest = connection.CreateCommand();
        highest.CommandText = "SELECT persistence_id, MAX(sequence_number) FROM journal GROUP BY persistence_id ORDER BY persistence_id";
        using var reader = highest.ExecuteReader();
        var list = new List<(string, long)>();
        while (reader.Read()) list.Add((reader.GetString(0), reader.GetInt64(1)));
        return list;
    }

    [Fact]
    public async Task A_lower_cap_names_exactly_the_deliver_order_that_would_have_pended_and_the_journal_is_unchanged()
    {
        using var folder = new TempFolder();
        await RunDay(folder.Path);
        var before = JournalRows(folder.Path, out var rowsBefore);
        SqliteConnection.ClearAllPools();

        var settings = new StoreSettings(StoreConfig.Sqlite, null, folder.Path);
        var day = await WhatIfReader.ReadStoreDayAsync(settings, Monday, null, Setup.None);

        Assert.Equal(["DO-1", "DO-2", "DO-3"], day.Actual.Select(a => a.DeliverOrderId).ToList());
        Assert.Equal(new WhatIfEnd("completed", "net-debit-cap", "recycle"), day.Actual[0].End);
        Assert.Equal(new WhatIfEnd("completed", null, "direct"), day.Actual[2].End);
        Assert.Equal(75_000.00m, day.ActualPeaks.Single(p => p.Participant == "0002").Peak);
        Assert.Empty(WhatIf.Run(day, WhatIfSettings.None).Differences);

        // Cap $72,000: DO-1 still completes by recycle ($70,000), DO-3 would take B to $75,000.
        Assert.True(WhatIfSettings.TryParse(["netDebitCap[0002]=72000"], out var changes, out var error), error);
        var report = await WhatIfReader.RunStoreAsync(settings, Monday, changes, Setup.None);

        var d = Assert.Single(report.Differences);
        Assert.Equal("DO-3", d.DeliverOrderId);
        Assert.Equal(new WhatIfEnd("completed", null, "direct"), d.Actual);
        Assert.Equal(new WhatIfEnd("dropped", "net-debit-cap", null), d.WhatIf);
        var b = report.Peaks.Single(p => p.Participant == "0002");
        Assert.Equal((80_000.00m, 75_000.00m, 72_000.00m, 70_000.00m), (b.NetDebitCapBefore, b.PeakBefore, b.NetDebitCapAfter, b.PeakAfter));

        // Cap $60,000: DO-1 would stay pending and drop; DO-3 then completes on B's credit.
        Assert.True(WhatIfSettings.TryParse(["netDebitCap[0002]=60000"], out changes, out error), error);
        report = await WhatIfReader.RunStoreAsync(settings, Monday, changes, Setup.None);
        Assert.Equal(["DO-1"], report.Differences.Select(x => x.DeliverOrderId).ToList());
        Assert.Equal(new WhatIfEnd("dropped", "net-debit-cap", null), report.Differences[0].WhatIf);

        SqliteConnection.ClearAllPools();
        var after = JournalRows(folder.Path, out var rowsAfter);
        Assert.Equal(rowsBefore, rowsAfter);
        Assert.Equal(before, after);
        SqliteConnection.ClearAllPools();
    }
}
