using Ledger.Cluster.Lending;
using Ledger.Lending;
using Ledger.Settlement;
using SettlementPaymentOrder = Ledger.Settlement.PaymentOrderRequest;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The translation between settlement's published facts and the lending context's inputs, on facts
/// settlement really publishes (an in-memory ledger's journals read as the node reads them): a stock
/// loan with its terms opens a loan with those terms, a mark's payment order completed and dropped
/// reach the book as outcomes, and a book's request is the payment order settlement takes.
/// </summary>
public sealed class SettlementFeedTests
{
    private static readonly DateOnly Day = new(2025, 1, 2);
    private static readonly DateTimeOffset Morning = new(2025, 1, 2, 14, 0, 0, TimeSpan.Zero);
    private const string X = "037833100", L = "0001", B = "0002";

    private static IReadOnlyList<SettlementFact> Published(InMemoryLedger ledger)
    {
        var facts = new List<SettlementFact>();
        foreach (var p in ledger.Participants)
        {
            var state = new AccountState(p);
            foreach (var e in ledger.Journal(p))
            {
                state.Apply(e);
                var completed = SettlementPublication.Complete(state, e);
                if (SettlementPublication.IsPublished(completed)) facts.AddRange(SettlementPublication.Read(p.Value, completed));
            }
        }
        return facts;
    }

    [Fact]
    public void A_loan_opens_from_the_published_completion_with_its_terms_and_its_marks_outcomes_reach_the_book()
    {
        var ledger = new InMemoryLedger(Day, Morning);
        Assert.True(ledger.List(new Cusip(X), Money.FromDollars(100m), 0.10m, Morning).Ok);
        Assert.True(ledger.Configure(new ParticipantRecord(new ParticipantId(L), "L", Money.Zero, Money.Zero, false, false), Morning).Ok);
        Assert.True(ledger.Configure(new ParticipantRecord(new ParticipantId(B), "B", Money.FromDollars(200_000m), Money.FromDollars(150_000m), false, false), Morning).Ok);
        Assert.True(ledger.Deposit(new ParticipantId(L), new Cusip(X), 1_000, Morning).Ok);
        Assert.True(ledger.Submit(new DeliverOrderRequest("SL-1", L, B, X, 1_000, 102_000m, "SL", 0.045m, 1.05m), Morning).Accepted);
        ledger.DeliverAll();
        // The book asks for a mark of $5,100 owed by B; settlement completes it.
        var mark = new Ledger.Lending.PaymentOrderRequest(new DeliverOrderId("MK-20250102-SL-1"), new ParticipantId(B), new ParticipantId(L),
            Money.FromDollars(5_100m), new Cusip(X), "SL-1", Day, Morning);
        Assert.True(ledger.SubmitPaymentOrder(SettlementFeed.ToSettlement(mark), Morning).Accepted);
        ledger.DeliverAll();
        // Another, too large for B's cap, drops at the cutoff.
        Assert.True(ledger.SubmitPaymentOrder(new SettlementPaymentOrder("MK-20250102-SL-9", B, L, X, 500_000m, Day), Morning).Accepted);
        ledger.DeliverAll();
        Assert.True(ledger.Cutoff(Morning.AddHours(6)).Ok);
        ledger.DeliverAll();

        var inputs = Published(ledger).Select(SettlementFeed.ToLending).Where(x => x is not null).ToList();

        var opened = inputs.OfType<CompletedDeliverOrder>().Distinct().ToList();
        var loan = Assert.Single(opened);
        Assert.Equal(("SL-1", L, B, 1_000L, 102_000m, "SL", 0.045m, 1.05m, Day), (loan.Id.Value, loan.Deliverer.Value, loan.Receiver.Value, loan.Shares,
            loan.Amount.Dollars, loan.ReasonCode, loan.RebateRate, loan.CollateralMargin, loan.BusinessDate));
        Assert.Equal(LoanBookId.Of(new ParticipantId(L), new ParticipantId(B)), LendingRouting.BookOf(loan));
        var outcomes = inputs.OfType<PaymentOrderOutcome>().Select(o => (o.Id.Value, o.Payer.Value, o.Payee.Value, o.Status)).Distinct().Order().ToList();
        Assert.Equal([("MK-20250102-SL-1", B, L, PaymentOrderStatus.Completed), ("MK-20250102-SL-9", B, L, PaymentOrderStatus.Dropped)], outcomes);

        // The book opens the loan with the terms settlement carried. The marks here were not computed by
        // this book (it marks at an open, from close prices), so their outcomes change nothing on it.
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var state = new LoanBookState(LoanBookId.Of(new ParticipantId(L), new ParticipantId(B)));
        foreach (var input in inputs)
        {
            LoanBookCommand command = input switch
            {
                CompletedDeliverOrder c => new RecordDeliverOrderCompleted(c),
                PaymentOrderOutcome o => new RecordPaymentOrderOutcome(o),
                _ => throw new InvalidOperationException(),
            };
            // The decider applies its events to the state as it decides (and a completion seen twice, from both parties, is recorded once).
            LoanBookDecider.Decide(state, command, LendingRules.Default(newYork), BusinessCalendar.Weekdays);
        }
        var opened1 = Assert.Single(state.Loans.Values);
        Assert.Equal((1.05m, 0.045m, 102_000m, 1_000L), (opened1.CollateralMargin, opened1.RebateRate, opened1.CollateralHeld.Dollars, opened1.OpenShares));
    }

    [Fact]
    public void Only_a_never_entered_request_for_a_closed_day_is_an_outcome_from_the_answer()
    {
        var request = new Ledger.Lending.PaymentOrderRequest(new DeliverOrderId("MK-1"), new ParticipantId(B), new ParticipantId(L),
            Money.FromDollars(1m), new Cusip(X), "SL-1", Day, Morning);

        var dropped = SettlementFeed.OutcomeOfAnswer(request, new SubmitResult("MK-1", false, "dropped", null), Morning);

        Assert.Equal(new PaymentOrderOutcome(request.Id, request.Payer, request.Payee, PaymentOrderStatus.Dropped, Day, Morning), dropped);
        Assert.Null(SettlementFeed.OutcomeOfAnswer(request, new SubmitResult("MK-1", true, "dropped", null), Morning));
        Assert.Null(SettlementFeed.OutcomeOfAnswer(request, new SubmitResult("MK-1", true, "pending", null), Morning));
        Assert.Null(SettlementFeed.OutcomeOfAnswer(request, new SubmitResult("MK-1", false, "rejected", null), Morning));
    }
}
