using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>The deliverer may cancel a deliver order that is still pending (atp-rules.md section 4), and only then.</summary>
public sealed class CancelTests
{
    private static InMemoryLedger Ledger() =>
        NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 0m).Participant(C, 1_000_000m, 1_000_000m);

    [Fact]
    public void Deliverer_cancels_a_deliver_order_pending_at_the_deliverer_at_once()
    {
        var ledger = Ledger().Holds(A, 500);
        Expect(ledger.Settle("DO-1", A, C, 1_000, 100_000m), "pending", "position");

        var result = ledger.Cancel(Id("DO-1"), At(15));

        Assert.Equal(CancelOutcome.Cancelled, result.Outcome);
        Expect(result.DeliverOrder!, "cancelled");
        Assert.True(ledger.IsQuiet); // the receiver never heard of it
        Assert.Empty(ledger.View(A).Pending);
        Assert.Single(ledger.EventsOf<DeliveryCancelled>(A));
        Assert.DoesNotContain(ledger.Journal(P(C)), e => e is ReceiveCancelled or ReceivePended);

        // The shares it waited for no longer go anywhere.
        ledger.Holds(A, 500);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "cancelled");
        Assert.Equal(1_000, ledger.Position(A));
    }

    [Fact]
    public void Deliverer_cancels_a_deliver_order_pending_at_the_receiver_once_the_receiver_agrees()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "net-debit-cap");
        Assert.Equal(1_000, ledger.Reserved(A));

        var result = ledger.Cancel(Id("DO-1"), At(15));

        Assert.Equal(CancelOutcome.Requested, result.Outcome);
        Assert.IsType<CancelReceive>(Assert.Single(ledger.Messages).Command);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "cancelled");
        Assert.Equal(0, ledger.Reserved(A));
        Assert.Equal(1_000, ledger.Position(A));
        Assert.Empty(ledger.View(B).Pending);
        Assert.Single(ledger.EventsOf<ReceiveCancelled>(B));
        Assert.Single(ledger.EventsOf<DeliveryCancelled>(A));

        // A later headroom gain at B does not revive it.
        ledger.Wires(B, 1_000_000m);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "cancelled");
        Assert.Equal(0, ledger.Position(B));
    }

    [Fact]
    public void Cancel_of_a_completed_deliver_order_is_refused_and_changes_nothing()
    {
        var ledger = Ledger().Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, C, 1_000, 100_000m), "completed");
        var events = ledger.EventCount();

        var result = ledger.Cancel(Id("DO-1"), At(15));
        ledger.DeliverAll();

        Assert.Equal(CancelOutcome.NotPending, result.Outcome);
        Expect(ledger.Order("DO-1"), "completed");
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(1_000, ledger.Position(C));
    }

    [Fact]
    public void Cancel_of_a_dropped_deliver_order_is_refused()
    {
        var ledger = Ledger();
        Expect(ledger.Settle("DO-1", A, C, 1_000, 100_000m), "pending", "position");
        Ok(ledger.Cutoff(At(20, 10)));

        Assert.Equal(CancelOutcome.NotPending, ledger.Cancel(Id("DO-1"), At(21)).Outcome);
        Expect(ledger.Order("DO-1"), "dropped");
    }

    [Fact]
    public void Cancel_of_an_unknown_deliver_order_is_not_found()
    {
        Assert.Equal(CancelOutcome.NotFound, Ledger().Cancel(Id("DO-NONE"), At(15)).Outcome);
    }

    [Fact]
    public void Cancel_that_reaches_the_receiver_after_it_completed_ends_completed_at_both()
    {
        // The request to receive is in the network when the cancel is asked for: the receiver decides first.
        var ledger = Ledger().Holds(A, 1_000);
        Expect(ledger.Submit("DO-1", A, C, 1_000, 100_000m), "accepted");

        Assert.Equal(CancelOutcome.Requested, ledger.Cancel(Id("DO-1"), At(15)).Outcome);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "completed");
        Assert.Equal(DeliveryStage.Completed, ledger.StateOf(P(A)).Deliveries[Id("DO-1")].Stage);
        Assert.Equal(ReceiveStage.Completed, ledger.StateOf(P(C)).Receives[Id("DO-1")].Stage);
        Assert.Equal(1_000, ledger.Position(C));
    }

    [Fact]
    public void Cancel_that_overtakes_the_request_to_receive_cancels_at_both()
    {
        var ledger = Ledger().Holds(A, 1_000);
        ledger.Submit("DO-1", A, C, 1_000, 100_000m);
        ledger.Cancel(Id("DO-1"), At(15));
        var request = ledger.Messages.Single(m => m.Command is RequestReceive);
        var cancel = ledger.Messages.Single(m => m.Command is CancelReceive);

        ledger.Deliver(cancel.Id);   // the receiver writes the cancel down before it ever sees the request
        ledger.Deliver(request.Id);  // and answers the late request from that record
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "cancelled");
        Assert.Equal(0, ledger.Position(C));
        Assert.Equal(1_000, ledger.Position(A));
        Assert.Equal(0, ledger.Reserved(A));
        Assert.Empty(ledger.EventsOf<ReceiveCompleted>(C));
    }
}
