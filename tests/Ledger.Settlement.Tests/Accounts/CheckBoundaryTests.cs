using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>Each check of atp-rules.md section 2 at its edge: one cent or one share either side, and exactly on it.</summary>
public sealed class CheckBoundaryTests
{
    // ---- net debit cap: B's balance is zero, its collateral is ample, its cap $100,000.

    private static InMemoryLedger CapOf100000() =>
        NewLedger().Participant(A, 0m, 0m).Participant(B, 10_000_000m, 100_000m).Holds(A, 1_000);

    [Fact]
    public void Receive_one_cent_under_net_debit_cap_completes()
    {
        var ledger = CapOf100000();
        Expect(ledger.Settle("DO-1", A, B, 1_000, 99_999.99m), "completed");
        Assert.Equal(99_999.99m, ledger.View(B).NetDebit);
    }

    [Fact]
    public void Receive_exactly_at_net_debit_cap_completes()
    {
        var ledger = CapOf100000();
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000.00m), "completed");
        Assert.Equal(100_000.00m, ledger.View(B).NetDebit);
    }

    [Fact]
    public void Receive_over_net_debit_cap_by_one_cent_pends_with_reason_net_debit_cap()
    {
        var ledger = CapOf100000();
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000.01m), "pending", "net-debit-cap");
        Assert.Equal(0m, ledger.View(B).NetDebit);
        var pended = Assert.Single(ledger.EventsOf<ReceivePended>(B));
        Assert.Equal("net-debit-cap", pended.Inputs.Rule);
        Assert.Equal(10_000_000, pended.Inputs.NetDebitCapCents);
    }

    [Fact]
    public void Receive_at_a_cap_of_zero_pends_unless_free()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 10_000_000m, 0m).Holds(A, 2_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 0.01m), "pending", "net-debit-cap");
        Expect(ledger.Settle("DO-2", A, B, 1_000, 0m), "completed");
    }

    [Fact]
    public void Net_debit_cap_counts_the_debit_already_run_up()
    {
        var ledger = CapOf100000().Holds(A, 1_000, Y);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 60_000.00m), "completed");
        Expect(ledger.Settle("DO-2", A, B, 1_000, 40_000.01m, Y), "pending", "net-debit-cap");
        ledger.Wires(B, 0.01m);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-2"), "completed", completedBy: "recycle");
        Assert.Equal(100_000.00m, ledger.View(B).NetDebit);
    }

    // ---- collateral monitor at the receiver: CM after = fund - $10,000 (amount $100,000, collateral value $90,000).

    [Theory]
    [InlineData("9999.99", "pending", "collateral")]
    [InlineData("10000.00", "completed", null)]
    [InlineData("10000.01", "completed", null)]
    public void Receiver_collateral_monitor_ending_below_zero_pends_with_reason_collateral(string fund, string status, string? reason)
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, Dollars(fund), 1_000_000m).Holds(A, 1_000);

        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), status, reason);

        Assert.Equal(status == "completed" ? Dollars(fund) - 10_000m : Dollars(fund), ledger.View(B).CollateralMonitor);
        Assert.True(ledger.View(B).CollateralMonitor >= 0m);
    }

    // ---- collateral monitor at the deliverer. A holds 1,000 X and 1,000 Y (each CV $90,000) and no fund;
    // it received the Y from C for (180,000 - monitor) dollars, so its CM is exactly `monitor`.

    private static InMemoryLedger DelivererWithMonitor(decimal monitor)
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 0m, 0m).Participant(C, 0m, 0m)
            .Holds(A, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-Y", C, A, 1_000, 180_000m - monitor, Y), "completed");
        Assert.Equal(monitor, ledger.View(A).CollateralMonitor);
        return ledger;
    }

    [Theory]
    [InlineData("89999.99", "pending", "collateral")]
    [InlineData("90000.00", "completed", null)]
    [InlineData("90000.01", "completed", null)]
    public void Free_delivery_is_checked_for_the_deliverers_collateral_too(string monitor, string status, string? reason)
    {
        // Delivering 1,000 X for nothing costs A its $90,000 collateral value.
        var ledger = DelivererWithMonitor(Dollars(monitor));

        Expect(ledger.Settle("DO-1", A, B, 1_000, 0m), status, reason);

        if (status == "pending")
        {
            // Pended by the deliverer's own check: the receiver is never asked, nothing is reserved.
            Assert.Equal("deliver", Assert.Single(ledger.View(A).Pending).Side);
            Assert.Empty(ledger.View(B).Pending);
            Assert.Equal(0, ledger.Reserved(A));
            Assert.Equal(Dollars(monitor), ledger.View(A).CollateralMonitor);
        }
        else
        {
            Assert.Equal(Dollars(monitor) - 90_000m, ledger.View(A).CollateralMonitor);
        }
    }

    [Theory]
    [InlineData("4999.99", "pending", "collateral")]
    [InlineData("5000.00", "completed", null)]
    [InlineData("5000.01", "completed", null)]
    public void Delivery_for_less_than_its_collateral_value_is_checked_for_the_deliverers_collateral(string monitor, string status, string? reason)
    {
        // Delivering 1,000 X (CV $90,000) for $85,000 costs A $5,000.
        var ledger = DelivererWithMonitor(Dollars(monitor));

        Expect(ledger.Settle("DO-1", A, C, 1_000, 85_000m), status, reason);

        Assert.Equal(status == "completed" ? Dollars(monitor) - 5_000m : Dollars(monitor), ledger.View(A).CollateralMonitor);
    }

    [Fact]
    public void Collateral_held_for_an_in_flight_delivery_is_not_granted_twice()
    {
        var ledger = DelivererWithMonitor(179_999.99m);

        // DO-1 (free, costs $90,000) waits for B's answer, holding its cost; DO-2 would cost another $90,000.
        Expect(ledger.Submit("DO-1", A, B, 1_000, 0m), "accepted");
        Expect(ledger.Submit("DO-2", A, B, 1_000, 0m, Y), "pending", "collateral");
        var pended = Assert.Single(ledger.EventsOf<DeliveryPended>(A));
        Assert.Equal(8_999_999m, pended.Inputs.CollateralMonitorCents); // $179,999.99 less the $90,000 held

        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "completed");
        Expect(ledger.Order("DO-2"), "pending", "collateral");
        Assert.Equal(89_999.99m, ledger.View(A).CollateralMonitor);
    }

    // ---- position

    [Fact]
    public void Delivery_of_exactly_the_position_completes()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        Assert.Equal(0, ledger.Position(A));
        Assert.Equal(1_000, ledger.Position(B));
    }

    [Fact]
    public void Delivery_one_share_over_the_position_pends_with_reason_position()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m).Holds(A, 999);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "position");
        Assert.Equal(999, ledger.Position(A));
        Assert.Equal(0, ledger.Reserved(A));
        Assert.Equal(0, ledger.Position(B));

        ledger.Holds(A, 1);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");
    }

    [Fact]
    public void Shares_promised_to_an_in_flight_delivery_do_not_count_for_another()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 0m).Participant(C, 1_000_000m, 1_000_000m).Holds(A, 1_000);

        // DO-1 passes A's checks and is reserved while B has not answered yet.
        Expect(ledger.Submit("DO-1", A, B, 1_000, 100_000m), "accepted");
        Expect(ledger.Submit("DO-2", A, C, 1_000, 100_000m), "pending", "position");
        Assert.Equal(1_000, ledger.Reserved(A));

        // B pends it on its zero cap: the shares stay promised.
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "pending", "net-debit-cap");
        Expect(ledger.Order("DO-2"), "pending", "position");

        // Once DO-1 is cancelled the shares are free, and DO-2 recycles.
        Assert.Equal(CancelOutcome.Requested, ledger.Cancel(Id("DO-1"), Morning).Outcome);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "cancelled");
        Expect(ledger.Order("DO-2"), "completed", completedBy: "recycle");
        Assert.Equal(0, ledger.Position(A));
        Assert.Equal(0, ledger.Position(B));
        Assert.Equal(1_000, ledger.Position(C));
    }

    [Fact]
    public void Deliverers_collateral_monitor_never_ends_below_zero_through_rounding()
    {
        // Z at 3 cents with a 50% haircut: each share is worth 1.5 cents of collateral. A holds 2 (worth 3 cents,
        // bought for 2, so its CM is 1 cent). Delivering 1 leaves 1 share worth 1 cent: the delivery costs A
        // 2 cents, not the 1 cent that rounding the delivered share's value down would say.
        var ledger = NewLedger().Participant(A, 0m, 1_000m).Participant(B, 0m, 0m).Participant(C, 0m, 0m);
        Ok(ledger.List(new Cusip(Z), Usd(0.03m), 0.5m, Morning));
        ledger.Holds(C, 2, Z);
        Expect(ledger.Settle("DO-Z", C, A, 2, 0.02m, Z), "completed");
        Assert.Equal(0.01m, ledger.View(A).CollateralMonitor);

        Expect(ledger.Settle("DO-1", A, B, 1, 0m, Z), "pending", "collateral");

        Assert.Equal(0.01m, ledger.View(A).CollateralMonitor);
        ledger.Wires(A, 0.01m);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");
        Assert.Equal(0m, ledger.View(A).CollateralMonitor); // balance -0.01 + the 1 share left, worth 1 cent
    }
}
