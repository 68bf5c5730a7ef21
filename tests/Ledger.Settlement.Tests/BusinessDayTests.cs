using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>The recycle cutoff and the end of day (atp-rules.md sections 4 and 7).</summary>
public sealed class BusinessDayTests
{
    private static InMemoryLedger Ledger(DateOnly? date = null) =>
        NewLedger(date).Participant(A, 0m, 0m).Participant(B, 1_000_000m, 0m).Participant(C, 1_000_000m, 1_000_000m);

    [Fact]
    public void Cutoff_drops_every_pending_deliver_order_and_releases_what_it_held()
    {
        var ledger = Ledger().Holds(A, 1_000).Holds(C, 100);
        Expect(ledger.Settle("DO-CAP", A, B, 1_000, 100_000m), "pending", "net-debit-cap");   // held at B, shares reserved at A
        Expect(ledger.Settle("DO-POS", C, A, 1_000, 0m), "pending", "position");              // free, held at C
        Expect(ledger.Settle("DO-POS2", C, B, 500, 50_000m), "pending", "position");          // valued, held at C
        Assert.Equal(1_000, ledger.Reserved(A));

        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        Expect(ledger.Order("DO-CAP"), "dropped");
        Expect(ledger.Order("DO-POS"), "dropped");
        Expect(ledger.Order("DO-POS2"), "dropped");
        Assert.Equal(0, ledger.Reserved(A));
        Assert.Equal(1_000, ledger.Position(A));
        Assert.All(new[] { A, B, C }, p => Assert.Empty(ledger.View(p).Pending));
        Assert.Single(ledger.EventsOf<ReceiveDropped>(B));
        Assert.Single(ledger.EventsOf<DeliveryDropped>(A));
        Assert.True(ledger.View(A).CutoffReached);
    }

    [Fact]
    public void After_cutoff_a_valued_deliver_order_short_of_shares_drops_at_once()
    {
        var ledger = Ledger();
        Ok(ledger.Cutoff(At(20, 10)));

        Expect(ledger.Settle("DO-1", A, C, 1_000, 100_000m), "dropped");
        Assert.Empty(ledger.View(A).Pending);
    }

    [Fact]
    public void After_cutoff_a_valued_deliver_order_over_the_receivers_cap_drops_at_once()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Ok(ledger.Cutoff(At(20, 10)));

        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "dropped");
        Assert.Equal(0, ledger.Reserved(A));
        Assert.Equal("net-debit-cap", Assert.Single(ledger.EventsOf<ReceivePended>(B)).Reason); // why it dropped stays in the journal
    }

    [Fact]
    public void After_cutoff_a_deliver_order_that_passes_its_checks_completes()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Ok(ledger.Cutoff(At(20, 10)));

        Expect(ledger.Settle("DO-1", A, C, 1_000, 100_000m), "completed");
    }

    [Fact]
    public void After_cutoff_a_free_deliver_order_failing_a_check_pends_until_the_close()
    {
        // atp-rules.md drops at once only valued deliver orders after the cutoff; a free one recycles until the day ends.
        var ledger = Ledger();
        Ok(ledger.Cutoff(At(20, 10)));

        Expect(ledger.Settle("DO-1", A, C, 1_000, 0m), "pending", "position");

        ledger.Holds(A, 1_000);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");

        Expect(ledger.Settle("DO-2", A, C, 1_000, 0m), "pending", "position");
        Ok(ledger.Close(At(22)));
        Expect(ledger.Order("DO-2"), "dropped");
    }

    [Fact]
    public void Close_settles_every_balance_to_zero_and_carries_positions_over()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, C, 1_000, 100_000m), "completed");
        ledger.Wires(B, 12_345.67m);

        Ok(ledger.Close(At(22)));

        Assert.All(new[] { A, B, C }, p => Assert.Equal(0m, ledger.View(p).SettlementBalance));
        Assert.Equal(1_000, ledger.Position(C));
        Assert.Equal(0, ledger.Position(A));
        Assert.Equal(100_000_00, Assert.Single(ledger.EventsOf<BusinessDayClosed>(A)).SettledBalanceCents);
        Assert.Equal(-100_000_00, Assert.Single(ledger.EventsOf<BusinessDayClosed>(C)).SettledBalanceCents);
        Assert.Equal(12_345_67, Assert.Single(ledger.EventsOf<BusinessDayClosed>(B)).SettledBalanceCents);
        // The collateral monitor starts the new day with the fund and the positions.
        Assert.Equal(1_000_000m + 90_000m, ledger.View(C).CollateralMonitor);
        Assert.False(ledger.View(C).CutoffReached);
    }

    [Fact]
    public void Close_on_a_friday_opens_the_monday_after()
    {
        var ledger = Ledger(Friday);

        Ok(ledger.Close(At(22)));

        Assert.Equal(Monday, ledger.Reference.BusinessDate);
        Assert.All(new[] { A, B, C }, p => Assert.Equal("2025-01-06", ledger.View(p).BusinessDate));
        Assert.False(ledger.Reference.Closing);
    }

    [Fact]
    public void Close_on_a_thursday_opens_the_friday()
    {
        var ledger = Ledger(Thursday);
        Ok(ledger.Close(At(22)));
        Assert.Equal(Friday, ledger.Reference.BusinessDate);
    }

    [Fact]
    public void Close_is_refused_while_a_delivery_is_in_flight_and_succeeds_once_it_settles()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Expect(ledger.Submit("DO-1", A, C, 1_000, 100_000m), "accepted");

        var refused = ledger.Close(At(22));

        Assert.False(refused.Ok);
        Assert.Equal(AccountRejection.DeliveriesInFlight, refused.Rejection);
        Assert.Equal(Thursday, ledger.Reference.BusinessDate);
        Assert.Empty(ledger.Journal(P(A)).OfType<BusinessDayClosed>());
        // While closing, no new deliver order is taken.
        Assert.Equal(EntryRejection.BusinessDayClosing, ledger.Submit(Request("DO-2", A, C, 1, 1m), At(22)).Error!.Rule);

        ledger.DeliverAll();
        Ok(ledger.Close(At(22, 5)));

        Expect(ledger.Order("DO-1"), "completed"); // it completed on the day it was entered, so its money settled that day
        Assert.Equal(100_000_00, Assert.Single(ledger.EventsOf<BusinessDayClosed>(A)).SettledBalanceCents);
        Assert.Equal(Friday, ledger.Reference.BusinessDate);
        Assert.True(ledger.Submit(Request("DO-2", A, C, 1, 1m), At(23)).Accepted);
    }

    [Fact]
    public void Close_drops_what_is_pending_and_the_receivers_answers_must_arrive_first()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "net-debit-cap");

        // The close drops B's pending receive, but A holds the delivery until B's answer reaches it.
        Assert.Equal(AccountRejection.DeliveriesInFlight, ledger.Close(At(22)).Rejection);
        ledger.DeliverAll();
        Ok(ledger.Close(At(22, 5)));

        Expect(ledger.Order("DO-1"), "dropped");
        Assert.Equal(1_000, ledger.Position(A));
        Assert.Equal(0, ledger.Reserved(A));
    }

    [Fact]
    public void New_business_day_starts_the_net_debit_cap_afresh()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 100_000m).Holds(A, 2_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        Expect(ledger.Settle("DO-2", A, B, 1_000, 0.01m), "pending", "net-debit-cap");
        Assert.False(ledger.Close(At(22)).Ok);
        ledger.DeliverAll();
        Ok(ledger.Close(At(22)));
        Expect(ledger.Order("DO-2"), "dropped");

        Expect(ledger.Settle("DO-3", A, B, 1_000, 100_000m), "completed");
        Assert.Equal(100_000m, ledger.View(B).NetDebit);
    }

    [Fact]
    public void Close_after_cutoff_drops_a_free_receive_still_pending()
    {
        // B's CM goes below zero when X halves; after the cutoff a free receive into B pends on collateral
        // (only valued ones drop at once). The close must still drop it, or C's delivery stays in flight forever.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 10_000m, 1_000_000m).Participant(C, 0m, 0m)
            .Holds(A, 1_000).Holds(C, 100, Y);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        Ok(ledger.List(new Cusip(X), Usd(50), 0.10m, At(15)));
        Assert.Equal(-45_000m, ledger.View(B).CollateralMonitor);
        Ok(ledger.Cutoff(At(20, 10)));
        Expect(ledger.Settle("DO-2", C, B, 100, 0m, Y), "pending", "collateral");

        Assert.Equal(AccountRejection.DeliveriesInFlight, ledger.Close(At(22)).Rejection);
        ledger.DeliverAll();
        Ok(ledger.Close(At(22, 5)));

        Expect(ledger.Order("DO-2"), "dropped");
        Assert.Equal(100, ledger.Position(C, Y));
        Assert.Equal(Friday, ledger.Reference.BusinessDate);
    }
}
