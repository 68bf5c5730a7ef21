using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>The recycle cutoff comes by itself at 15:10 New York on the business date (atp-rules.md section 7).</summary>
[Collection("cluster")]
public sealed class RecycleCutoffClockTests
{
    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        private long _ticks = now.UtcTicks;

        public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    // Monday 2026-11-23; New York is on standard time (UTC-5), so 15:10 there is 20:10 UTC.
    private static readonly DateOnly Monday = new(2026, 11, 23);

    [Fact]
    public void The_cutoff_instant_is_1510_new_york_time_in_utc_across_daylight_saving()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 20, 10, 0, TimeSpan.Zero), BusinessCalendar.CutoffInstant(Monday, new TimeOnly(15, 10), NewYork.TimeZone).ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 19, 10, 0, TimeSpan.Zero), BusinessCalendar.CutoffInstant(new DateOnly(2026, 7, 1), new TimeOnly(15, 10), NewYork.TimeZone).ToUniversalTime());
    }

    [Fact]
    public async Task Pending_deliver_orders_drop_when_the_clock_passes_1510_and_not_a_second_before()
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 11, 23, 20, 9, 0, TimeSpan.Zero));
        var options = new LedgerNodeOptions
        {
            Store = "memory",
            Clock = clock,
            ResendInterval = TimeSpan.FromMilliseconds(200),
            CutoffCheckInterval = TimeSpan.FromMilliseconds(50),
        };
        await using var node = await LedgerNode.StartAsync(options, null, Setup.None);
        var ledger = node.Ledger;
        Assert.Equal(Monday, (await ledger.ReferenceAsync(Setup.None)).BusinessDate);
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(ledger, "0002", 80_000m, 50_000m);
        await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None);
        await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None);
        await ledger.SubmitAsync([Setup.Do("DO-1", "0001", "0002", 1_000, 100_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-1", "pending");

        clock.Set(new DateTimeOffset(2026, 11, 23, 20, 9, 59, TimeSpan.Zero));
        await Task.Delay(300);
        Assert.False((await ledger.ReferenceAsync(Setup.None)).CutoffReached);
        Assert.Equal("pending", (await ledger.DeliverOrderAsync(new DeliverOrderId("DO-1"), Setup.None))!.Status);

        clock.Set(new DateTimeOffset(2026, 11, 23, 20, 10, 0, TimeSpan.Zero));
        await Eventually.Status(ledger, "DO-1", "dropped");
        Assert.True((await ledger.ReferenceAsync(Setup.None)).CutoffReached);
    }

    [Fact]
    public async Task A_ledger_first_started_after_the_cutoff_opens_the_next_business_day()
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 11, 23, 21, 0, 0, TimeSpan.Zero));
        await using var node = await LedgerNode.StartAsync(new LedgerNodeOptions { Store = "memory", Clock = clock }, null, Setup.None);
        var reference = await node.Ledger.ReferenceAsync(Setup.None);
        Assert.Equal(new DateOnly(2026, 11, 24), reference.BusinessDate);
        Assert.False(reference.CutoffReached);
    }
}
