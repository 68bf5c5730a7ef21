using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>atp-rules.md section 4: what triggers a retry, and in which order pending items are retried.</summary>
public sealed class RecycleTests
{
    /// <summary>B at its $100,000 cap, with receives of $60,000 (submitted first) and $80,000 pending on it.</summary>
    private static InMemoryLedger ReceivesOf60000And80000Pending()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(C, 0m, 0m).Participant(B, 10_000_000m, 100_000m)
            .Holds(C, 1_000).Holds(A, 600, Y).Holds(C, 800, Y);
        Expect(ledger.Settle("DO-0", C, B, 1_000, 100_000m), "completed");
        Expect(ledger.Settle("DO-60", A, B, 600, 60_000m, Y), "pending", "net-debit-cap");
        Expect(ledger.Settle("DO-80", C, B, 800, 80_000m, Y), "pending", "net-debit-cap");
        return ledger;
    }

    [Fact]
    public void Recycle_retries_the_largest_pending_receive_first()
    {
        var ledger = ReceivesOf60000And80000Pending();

        ledger.Wires(B, 100_000m); // room for one of them only
        ledger.DeliverAll();

        Expect(ledger.Order("DO-80"), "completed", completedBy: "recycle");
        Expect(ledger.Order("DO-60"), "pending", "net-debit-cap");
    }

    [Fact]
    public void Pending_receive_that_still_fails_blocks_nobody_behind_it()
    {
        var ledger = ReceivesOf60000And80000Pending();

        ledger.Wires(B, 70_000m); // not enough for $80,000, enough for $60,000
        ledger.DeliverAll();

        Expect(ledger.Order("DO-80"), "pending", "net-debit-cap");
        Expect(ledger.Order("DO-60"), "completed", completedBy: "recycle");
    }

    [Theory]
    [InlineData("deposit")]
    [InlineData("payment")]
    [InlineData("price")]
    public void Pending_delivery_is_retried_when_its_account_gains_headroom(string trigger)
    {
        // A's delivery of 1,000 X for $5,000 costs it $85,000 of collateral; its CM is $80,000.
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 1_000_000m, 1_000_000m).Participant(C, 0m, 0m)
            .Holds(A, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-Y", C, A, 1_000, 100_000m, Y), "completed");
        Expect(ledger.Settle("DO-1", A, B, 1_000, 5_000m), "pending", "collateral");

        switch (trigger)
        {
            case "deposit": ledger.Holds(A, 100, Y); break;                            // +$9,000 of collateral value
            case "payment": ledger.Wires(A, 5_000m); break;                           // +$5,000 of balance
            case "price": Ok(ledger.List(new Cusip(Y), Usd(110), 0.10m, Morning)); break; // the Y is worth $9,000 more
        }
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");
        Assert.True(ledger.View(A).CollateralMonitor >= 0m);
    }

    [Fact]
    public void Recycle_retries_valued_deliveries_before_free_ones()
    {
        // Both wait for shares A does not have; the free one came first and is worth far more.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m).Participant(C, 1_000_000m, 1_000_000m);
        Expect(ledger.Settle("DO-FREE", A, C, 1_000, 0m), "pending", "position");
        Expect(ledger.Settle("DO-VALUED", A, B, 1_000, 0.01m), "pending", "position");

        ledger.Holds(A, 1_000);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-VALUED"), "completed", completedBy: "recycle");
        Expect(ledger.Order("DO-FREE"), "pending", "position");
    }

    [Fact]
    public void Recycle_retries_larger_valued_deliveries_first_by_amount()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m);
        Expect(ledger.Settle("DO-10", A, B, 1_000, 10_000m), "pending", "position");
        Expect(ledger.Settle("DO-50", A, B, 1_000, 50_000m), "pending", "position");

        ledger.Holds(A, 1_000);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-50"), "completed", completedBy: "recycle");
        Expect(ledger.Order("DO-10"), "pending", "position");
    }

    [Fact]
    public void Recycle_retries_larger_free_deliveries_first_by_market_value()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m);
        Expect(ledger.Settle("DO-600", A, B, 600, 0m), "pending", "position");
        Expect(ledger.Settle("DO-1000", A, B, 1_000, 0m), "pending", "position");

        ledger.Holds(A, 1_000);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1000"), "completed", completedBy: "recycle");
        Expect(ledger.Order("DO-600"), "pending", "position");
    }

    [Fact]
    public void Received_shares_release_a_delivery_pending_on_position()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m).Participant(C, 1_000_000m, 1_000_000m)
            .Holds(A, 1_000);
        Expect(ledger.Settle("DO-ON", B, C, 1_000, 100_000m), "pending", "position");

        Expect(ledger.Settle("DO-IN", A, B, 1_000, 100_000m), "completed");

        Expect(ledger.Order("DO-ON"), "completed", completedBy: "recycle");
        Assert.Equal(1_000, ledger.Position(C));
        Assert.Equal(0m, ledger.View(B).SettlementBalance);
    }

    [Fact]
    public void Receive_completed_by_recycle_gives_headroom_to_the_receives_tried_before_it()
    {
        // B (fund $5,000, cap 0) has two receives pending: $100,000 for 1,000 X (costs $10,000 of CM: pends
        // collateral) and $50,000 for 1,000 Y (adds $40,000 of CM: pends on the cap). Raising the cap lets the
        // $50,000 one complete; its collateral is headroom the larger one, tried first, was waiting for.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(C, 0m, 0m).Participant(B, 5_000m, 0m)
            .Holds(A, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-100", A, B, 1_000, 100_000m), "pending", "collateral");
        Expect(ledger.Settle("DO-50", C, B, 1_000, 50_000m, Y), "pending", "net-debit-cap");

        ledger.Participant(B, 5_000m, 1_000_000m);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-50"), "completed", completedBy: "recycle");
        Expect(ledger.Order("DO-100"), "completed", completedBy: "recycle");
        Assert.Equal(35_000.00m, ledger.View(B).CollateralMonitor); // 5,000 - 150,000 + 180,000
    }
}
