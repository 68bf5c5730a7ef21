using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// The account decider on its own, as the cluster drives it: every message may come twice, so a
/// command about a deliver order the account already decided answers from its records.
/// </summary>
public sealed class AccountDeciderTests
{
    private static readonly SecurityTerms Terms = new(Usd(100), 0.10m, 1);
    private static readonly DeliverOrder Order = new(Id("DO-1"), P(A), P(B), new Cusip(X), 1_000, Usd(100_000), "LOAN");

    private static AccountState Account(string id, decimal fund, decimal cap, long sharesOfX = 0)
    {
        var state = new AccountState(P(id));
        AccountDecider.Decide(state, new ConfigureParticipant($"Participant {id}", Usd(cap), Usd(fund), false, false, Thursday, Morning));
        if (sharesOfX > 0) AccountDecider.Decide(state, new DepositShares(new Cusip(X), sharesOfX, Terms, Morning));
        return state;
    }

    [Fact]
    public void Deliverer_answers_a_second_submission_of_the_same_deliver_order_from_its_records()
    {
        var a = Account(A, 0m, 0m, 1_000);
        var first = AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, Morning));

        var second = AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, At(15)));

        Assert.Single(first.Events.OfType<DeliveryReserved>());
        Assert.Empty(second.Events);
        Assert.Empty(second.Messages);
        Assert.Equal(DeliveryStage.InFlight, Assert.IsType<DeliveryStatusReply>(second.Reply).Stage);
        Assert.Equal(1_000, a.ReservedShares[new Cusip(X)]);
    }

    [Fact]
    public void Deliverer_refuses_a_deliver_order_of_another_deliverer()
    {
        var b = Account(B, 0m, 0m, 1_000);
        var decision = AccountDecider.Decide(b, new SubmitDelivery(Order, Terms, Morning));
        Assert.Equal(AccountRejection.NotTheDeliverer, Assert.IsType<Rejected>(decision.Reply).Rejection);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Receiver_answers_a_repeated_request_from_its_records()
    {
        var b = Account(B, 1_000_000m, 1_000_000m);
        var request = new RequestReceive(Order, Terms, false, Morning);
        var first = AccountDecider.Decide(b, request);

        var again = AccountDecider.Decide(b, request with { At = At(15) });

        Assert.Single(first.Events.OfType<ReceiveCompleted>());
        Assert.Empty(again.Events);
        var report = Assert.IsType<ReportReceiveOutcome>(Assert.Single(again.Messages).Command);
        Assert.Equal(ReceiveStage.Completed, report.Stage);
        Assert.Equal(1_000, b.Position(new Cusip(X)));
    }

    [Fact]
    public void Deliverer_commits_a_completion_reported_twice_once()
    {
        var a = Account(A, 0m, 0m, 1_000);
        AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, Morning));
        var report = new ReportReceiveOutcome(Order.Id, P(B), ReceiveStage.Completed, CompletedBy.Direct, null, Morning);

        var first = AccountDecider.Decide(a, report);
        var again = AccountDecider.Decide(a, report);

        Assert.Single(first.Events.OfType<DeliveryCompleted>());
        Assert.Empty(again.Events);
        Assert.Equal(0, a.Position(new Cusip(X)));
        Assert.Equal(Usd(100_000), a.SettlementBalance);
    }

    [Fact]
    public void Cancel_reaching_the_receiver_first_bars_the_late_request()
    {
        var b = Account(B, 1_000_000m, 1_000_000m);

        var cancel = AccountDecider.Decide(b, new CancelReceive(Order.Id, P(A), Morning));
        var late = AccountDecider.Decide(b, new RequestReceive(Order, Terms, false, At(15)));

        Assert.Single(cancel.Events.OfType<ReceiveCancelled>());
        Assert.Empty(late.Events);
        Assert.Equal(ReceiveStage.Cancelled, Assert.IsType<ReportReceiveOutcome>(Assert.Single(late.Messages).Command).Stage);
        Assert.Equal(0, b.Position(new Cusip(X)));
    }

    [Fact]
    public void Receiver_reporting_another_final_state_than_the_deliverer_holds_is_a_broken_invariant()
    {
        var a = Account(A, 0m, 0m, 1_000);
        AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, Morning));
        AccountDecider.Decide(a, new ReportReceiveOutcome(Order.Id, P(B), ReceiveStage.Completed, CompletedBy.Direct, null, Morning));

        Assert.Throws<InvariantViolation>(() =>
            AccountDecider.Decide(a, new ReportReceiveOutcome(Order.Id, P(B), ReceiveStage.Dropped, null, null, At(15))));
    }

    [Fact]
    public void Account_not_set_up_refuses_commands_and_ignores_messages_until_it_is()
    {
        var a = new AccountState(P(A));

        Assert.Equal(AccountRejection.NotConfigured, Assert.IsType<Rejected>(AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, Morning)).Reply).Rejection);
        var request = AccountDecider.Decide(a, new RequestReceive(Order, Terms, false, Morning));
        Assert.Null(request.Reply);
        Assert.Empty(request.Events);
        Assert.Empty(request.Messages);
    }

    [Fact]
    public void Deliverer_still_knows_a_deliver_order_of_the_day_just_closed()
    {
        var a = Account(A, 0m, 0m, 1_000);
        AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, Morning));
        AccountDecider.Decide(a, new ReportReceiveOutcome(Order.Id, P(B), ReceiveStage.Completed, CompletedBy.Direct, null, Morning));
        AccountDecider.Decide(a, new CloseBusinessDay(Thursday, Friday, At(22)));

        var again = AccountDecider.Decide(a, new SubmitDelivery(Order, Terms, At(23)));

        Assert.Empty(again.Events);
        Assert.Equal(DeliveryStage.Completed, Assert.IsType<DeliveryStatusReply>(again.Reply).Stage);
    }
}
