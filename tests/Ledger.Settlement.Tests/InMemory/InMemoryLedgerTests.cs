using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// The network between accounts is unreliable: messages arrive late, twice or never, and accounts
/// restart from their journals. Each message is identified by its deliver order, so none of that
/// changes the outcome.
/// </summary>
public sealed class InMemoryLedgerTests
{
    private static InMemoryLedger Ledger() =>
        NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 0m).Participant(C, 1_000_000m, 1_000_000m).Holds(A, 1_000);

    [Fact]
    public void Messages_wait_in_the_network_until_delivered_oldest_first()
    {
        var ledger = Ledger();
        ledger.Submit("DO-1", A, C, 1_000, 100_000m);

        var request = Assert.Single(ledger.Messages);
        Assert.Equal((P(A), P(C)), (request.From, request.To));
        Assert.IsType<RequestReceive>(request.Command);
        Assert.Empty(ledger.Journal(P(C)).OfType<ReceiveCompleted>());

        Assert.True(ledger.DeliverNext());
        var report = Assert.Single(ledger.Messages);
        Assert.Equal(ReceiveStage.Completed, Assert.IsType<ReportReceiveOutcome>(report.Command).Stage);
        Expect(ledger.Order("DO-1"), "completed"); // the receiver's completion is decisive for the view
        Assert.Equal(0m, ledger.View(A).SettlementBalance);

        Assert.True(ledger.DeliverNext());
        Assert.False(ledger.DeliverNext());
        Assert.Equal(100_000m, ledger.View(A).SettlementBalance);
    }

    [Fact]
    public void Duplicated_request_to_receive_has_one_effect()
    {
        var ledger = Ledger();
        ledger.Submit("DO-1", A, C, 1_000, 100_000m);
        ledger.Duplicate(ledger.Messages[0].Id);

        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "completed");
        Assert.Single(ledger.EventsOf<ReceiveCompleted>(C));
        Assert.Single(ledger.EventsOf<DeliveryCompleted>(A));
        Assert.Equal(1_000, ledger.Position(C));
        Assert.Equal(-100_000m, ledger.View(C).SettlementBalance);
        Assert.Equal(100_000m, ledger.View(A).SettlementBalance);
    }

    [Fact]
    public void Duplicated_report_has_one_effect()
    {
        var ledger = Ledger();
        ledger.Submit("DO-1", A, C, 1_000, 100_000m);
        ledger.DeliverNext();
        ledger.Duplicate(ledger.Messages[0].Id);

        ledger.DeliverAll();

        Assert.Single(ledger.EventsOf<DeliveryCompleted>(A));
        Assert.Equal(100_000m, ledger.View(A).SettlementBalance);
        Assert.Equal(0, ledger.Position(A));
    }

    [Fact]
    public void Lost_request_to_receive_is_sent_again_after_the_deliverer_restarts()
    {
        var ledger = Ledger();
        ledger.Submit("DO-1", A, C, 1_000, 100_000m);
        ledger.Drop(ledger.Messages[0].Id);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-1"), "accepted");

        ledger.Restart(P(A), At(15));
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "completed");
        Assert.Equal(1_000, ledger.Position(C));
    }

    [Fact]
    public void Lost_report_is_recovered_by_a_resend_answered_from_the_receivers_records()
    {
        var ledger = Ledger();
        ledger.Submit("DO-1", A, C, 1_000, 100_000m);
        ledger.DeliverNext();
        ledger.Drop(ledger.Messages[0].Id);
        Assert.Equal(DeliveryStage.InFlight, ledger.StateOf(P(A)).Deliveries[Id("DO-1")].Stage);

        ledger.Resend(P(A), At(15));
        ledger.DeliverAll();

        Assert.Equal(DeliveryStage.Completed, ledger.StateOf(P(A)).Deliveries[Id("DO-1")].Stage);
        Assert.Single(ledger.EventsOf<ReceiveCompleted>(C));
        Assert.Equal(0, ledger.Position(A));
        Assert.Equal(1_000, ledger.Position(C));
    }

    [Fact]
    public void Lost_cancel_is_sent_again_after_the_deliverer_restarts()
    {
        var ledger = Ledger();
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "net-debit-cap");
        Assert.Equal(CancelOutcome.Requested, ledger.Cancel(Id("DO-1"), At(15)).Outcome);
        ledger.Drop(ledger.Messages[0].Id);

        ledger.Restart(P(A), At(16));
        Assert.IsType<CancelReceive>(Assert.Single(ledger.Messages).Command);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "cancelled");
        Assert.Equal(0, ledger.Reserved(A));
    }

    [Fact]
    public void Receiver_restarted_with_a_pending_receive_still_completes_it_by_recycle()
    {
        var ledger = Ledger();
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "net-debit-cap");

        ledger.Restart(P(B), At(15));
        Assert.True(ledger.IsQuiet); // a receiver has nothing to resend: the deliverer drives
        ledger.Participant(B, 1_000_000m, 100_000m);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");
    }

    [Fact]
    public void Restart_rebuilds_exactly_the_state_the_account_had()
    {
        var ledger = Ledger().Holds(A, 1_000, Y);
        ledger.Settle("DO-1", A, C, 1_000, 100_000m);
        ledger.Settle("DO-2", A, B, 1_000, 50_000m, Y);
        ledger.Wires(C, 1_234.56m);
        var before = ledger.Participants.ToDictionary(p => p, p => Json(ledger.Account(p)!));

        foreach (var p in ledger.Participants.ToList()) ledger.Restart(p, At(15));

        foreach (var p in ledger.Participants) Assert.Equal(before[p], Json(ledger.Account(p)!));
        ledger.DeliverAll();
        foreach (var p in ledger.Participants) Assert.Equal(before[p], Json(ledger.Account(p)!));
    }

    [Fact]
    public void Unknown_message_id_is_refused()
    {
        var ledger = Ledger();
        Assert.Throws<KeyNotFoundException>(() => ledger.Deliver(42));
        Assert.Throws<KeyNotFoundException>(() => ledger.Duplicate(42));
        Assert.Throws<KeyNotFoundException>(() => ledger.Drop(42));
    }

    [Fact]
    public void Same_calls_give_the_same_journals()
    {
        static InMemoryLedger Run()
        {
            var ledger = Ledger().Holds(A, 500, Y);
            ledger.Submit("DO-1", A, C, 1_000, 100_000m);
            ledger.Submit("DO-2", A, B, 500, 0m, Y);
            ledger.Duplicate(ledger.Messages[1].Id);
            ledger.Deliver(ledger.Messages[1].Id);
            ledger.Restart(P(A), At(15));
            ledger.DeliverAll();
            return ledger;
        }

        var first = Run();
        var second = Run();

        foreach (var p in first.Participants) Assert.Equal(Json(first.Journal(p)), Json(second.Journal(p)));
    }

    [Fact]
    public void Unknown_participant_has_no_account_view() =>
        Assert.Null(Ledger().Account(P("0999")));

    [Fact]
    public void Execute_runs_reference_commands_through_to_the_accounts()
    {
        var ledger = new InMemoryLedger(Thursday, Morning);
        Ok(ledger.Execute(new ListSecurity(new Cusip(X), Usd(100), 0.10m, Morning)));
        Ok(ledger.Execute(new RegisterParticipant(new ParticipantRecord(P(A), "A", Usd(0), Usd(5), false, false), Morning)));
        Ok(ledger.Execute(new FinishClose(Morning))); // no close in progress: nothing to finish

        Assert.Equal(5m, ledger.View(A).ParticipantsFund);
        Assert.Equal("2025-01-02", ledger.View(A).BusinessDate);

        Ok(ledger.Execute(new StartRecycleCutoff(At(20))));
        Assert.True(ledger.View(A).CutoffReached);
        Assert.True(ledger.Reference.CutoffReached);

        Ok(ledger.Execute(new StartClose(At(22))));
        Assert.Equal(Friday, ledger.Reference.BusinessDate);
        Assert.Equal("2025-01-03", ledger.View(A).BusinessDate);
    }

    [Fact]
    public void Reference_data_and_operator_commands_are_checked_at_entry()
    {
        var ledger = Ledger();
        var events = ledger.EventCount();

        Assert.Equal(EntryRejection.InvalidParticipantId, ledger.Configure(new ParticipantRecord(P("12"), "x", Usd(0), Usd(0), false, false), Morning).Error!.Rule);
        Assert.Equal(EntryRejection.AmountNegative, ledger.Configure(new ParticipantRecord(P(C), "C", Usd(-1), Usd(0), false, false), Morning).Error!.Rule);
        Assert.Equal(EntryRejection.InvalidName, ledger.Configure(new ParticipantRecord(P(C), "", Usd(0), Usd(0), false, false), Morning).Error!.Rule);
        Assert.Equal(EntryRejection.InvalidCusip, ledger.List(new Cusip("037833101"), Usd(1), 0m, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.InvalidHaircut, ledger.List(new Cusip(Z), Usd(1), 1.5m, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.PriceNotPositive, ledger.List(new Cusip(Z), Money.Zero, 0m, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.UnknownParticipant, ledger.Deposit(P("0999"), new Cusip(X), 1, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.UnknownSecurity, ledger.Deposit(P(A), new Cusip(Z), 1, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.SharesNotPositive, ledger.Deposit(P(A), new Cusip(X), 0, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.UnknownParticipant, ledger.Pay(P("0999"), Usd(1), Morning).Error!.Rule);

        Assert.Equal(events, ledger.EventCount());
        Assert.False(ledger.Reference.Securities.ContainsKey(new Cusip(Z)));
    }
}
