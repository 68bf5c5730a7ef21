using Ledger.Cluster;

namespace Ledger.Cluster.Tests;

/// <summary>The resend schedule: when a deliverer asks its receiver again, in resend ticks.</summary>
public sealed class ResendScheduleTests
{
    /// <summary>The ticks, up to <paramref name="until"/>, at which a message first sent at tick 0 and never answered is asked about again.</summary>
    private static List<int> AsksUntil(int until, bool receiverSaidPending)
    {
        var schedule = new ResendSchedule<string>();
        schedule.Sent("DO-1");
        var asks = new List<int>();
        while (schedule.Now < until)
        {
            var tick = schedule.Tick();
            if (!schedule.Due("DO-1", receiverSaidPending)) continue;
            asks.Add(tick);
            schedule.Sent("DO-1");
        }
        return asks;
    }

    [Fact]
    public void An_unanswered_request_is_asked_again_after_2_then_4_8_and_at_most_12_ticks()
    {
        // Waits of 2, 4, 8, 12, 12, 12 ticks.
        Assert.Equal([2, 6, 14, 26, 38, 50], AsksUntil(50, receiverSaidPending: false));
    }

    [Fact]
    public void The_wait_doubles_per_attempt_and_never_exceeds_12_ticks()
    {
        Assert.Equal([2, 4, 8, 12, 12, 12], Enumerable.Range(0, 6).Select(ResendSchedule<string>.TicksBeforeResend));
        Assert.Equal(12, ResendSchedule<string>.TicksBeforeResend(int.MaxValue));
        Assert.Equal(2, ResendSchedule<string>.TicksBeforeResend(-1));
    }

    [Fact]
    public void A_request_its_receiver_said_is_pending_is_asked_about_every_12th_tick()
    {
        Assert.Equal([12, 24, 36, 48], AsksUntil(50, receiverSaidPending: true));
    }

    [Fact]
    public void A_request_never_sent_here_is_due_at_once_and_a_fresh_send_is_not_due_on_the_next_tick()
    {
        var schedule = new ResendSchedule<string>();
        Assert.True(schedule.Due("DO-7", receiverSaidPending: false));
        schedule.Tick();
        schedule.Sent("DO-7");
        schedule.Tick();
        // Sent just before this tick: not late yet.
        Assert.False(schedule.Due("DO-7", receiverSaidPending: false));
        schedule.Tick();
        Assert.True(schedule.Due("DO-7", receiverSaidPending: false));
    }

    [Fact]
    public void Settled_requests_are_forgotten_and_start_over_if_sent_again()
    {
        var schedule = new ResendSchedule<string>();
        schedule.Sent("DO-1");
        schedule.Sent("DO-2");
        for (var i = 0; i < 3; i++) schedule.Sent("DO-1"); // three resends: the next wait is 12
        schedule.KeepOnly(new HashSet<string> { "DO-2" });
        Assert.Equal(1, schedule.Count);
        schedule.Sent("DO-1");
        schedule.Tick();
        schedule.Tick();
        Assert.True(schedule.Due("DO-1", receiverSaidPending: false));
    }
}
