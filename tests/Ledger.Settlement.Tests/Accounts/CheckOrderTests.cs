using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>The pend reason is the first check that fails: position, then collateral (deliverer, then receiver), then net debit cap.</summary>
public sealed class CheckOrderTests
{
    [Fact]
    public void Delivery_short_of_shares_and_of_collateral_pends_with_reason_position()
    {
        // A holds 999 X (CV $89,910) and nothing else: a free delivery of 1,000 would also leave its CM at -$90.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 0m, 0m).Holds(A, 999);

        Expect(ledger.Settle("DO-1", A, B, 1_000, 0m), "pending", "position");

        var inputs = Assert.Single(ledger.EventsOf<DeliveryPended>(A)).Inputs;
        Assert.Equal("position", inputs.Rule);
        Assert.True(inputs.CollateralMonitorCents + inputs.CollateralDeltaCents < 0, "the collateral check would have failed too");
    }

    [Fact]
    public void Deliverer_short_of_collateral_pends_before_the_receivers_cap_is_checked()
    {
        // A's CM is $80,000; delivering 1,000 X (CV $90,000) for $5,000 leaves it at -$5,000. B's cap of zero would refuse too.
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 1_000_000m, 0m).Participant(C, 0m, 0m)
            .Holds(A, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-Y", C, A, 1_000, 100_000m, Y), "completed");

        Expect(ledger.Settle("DO-1", A, B, 1_000, 5_000m), "pending", "collateral");

        Assert.Equal("deliver", Assert.Single(ledger.View(A).Pending).Side);
        Assert.Empty(ledger.EventsOf<ReceivePended>(B));
    }

    [Fact]
    public void Receiver_short_of_collateral_and_over_its_cap_pends_with_reason_collateral()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 5_000m, 0m).Holds(A, 1_000);

        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "collateral");

        var inputs = Assert.Single(ledger.EventsOf<ReceivePended>(B)).Inputs;
        Assert.Equal("collateral", inputs.Rule);
        Assert.True(inputs.SettlementBalanceCents - 10_000_000 < -inputs.NetDebitCapCents, "the cap check would have failed too");
    }

    [Fact]
    public void Pend_reason_follows_the_first_failing_check_as_headroom_grows()
    {
        // B fails collateral and cap; a payment of $5,000 mends the collateral only, so the reason becomes the cap.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 5_000m, 90_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "collateral");

        ledger.Wires(B, 5_000m);
        ledger.DeliverAll();

        // Still pending. The recorded reason is the one it first pended for; the recycle decides afresh each time.
        Assert.Equal("pending", ledger.Order("DO-1").Status);
        var check = Checks.Receiver(ledger.StateOf(P(B)), ledger.StateOf(P(A)).Deliveries[Id("DO-1")].Order, ledger.StateOf(P(A)).Deliveries[Id("DO-1")].Terms);
        Assert.Equal(PendReason.NetDebitCap, check.Failed);

        ledger.Wires(B, 5_000m);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");
    }

    [Fact]
    public void Central_counterparty_bypasses_the_collateral_monitor_but_not_its_zero_cap()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m, marketLoanProgram: true).Participant(Occ, 0m, 0m, centralCounterparty: true)
            .Holds(A, 2_000).Holds(Occ, 1_000);

        // OCC receives for nothing: collateral is not checked (it could not fail here) and the cap is not touched.
        Expect(ledger.Settle("DO-1", A, Occ, 1_000, 0m), "completed");
        // OCC delivers 2,000 X for nothing: its CM would fall by $180,000 below zero, but OCC bypasses the monitor.
        Expect(ledger.Settle("DO-2", Occ, A, 2_000, 0m), "completed");
        Assert.True(Assert.Single(ledger.EventsOf<DeliveryReserved>(Occ)).Inputs.CollateralMonitorBypassed);
        // A valued receive into OCC pends on its zero cap.
        Expect(ledger.Settle("DO-3", A, Occ, 1_000, 0.01m), "pending", "net-debit-cap");
    }
}
