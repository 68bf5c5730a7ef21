using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>lending.md section 6: price $100, margin 1.02, L lends B 1,000 X.</summary>
public sealed class WorkedScenarioTests
{
    private static Fixture Opened()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m));
        return book;
    }

    [Fact]
    public void Scenario_1_a_completed_SL_deliver_order_opens_one_loan_holding_its_amount_as_collateral()
    {
        var book = Opened();

        var loan = Assert.Single(LoanViews.ForParticipant([book.State], L));
        Assert.Equal(("DO-1", B, "lender", "open", 1_000L, 1_000L), (loan.Id, loan.Counterparty!.Value, loan.Side, loan.State, loan.Shares, loan.OpenShares));
        Assert.Equal(Money.FromDollars(102_000.00m), loan.Collateral);
        Assert.Equal(1.02m, loan.CollateralMargin);
        Assert.Equal(0.045m, loan.RebateRate);
        Assert.Equal(D, loan.OpenedOn);
        Assert.Equal(L, Assert.Single(LoanViews.ForParticipant([book.State], B)).Counterparty);
    }

    [Fact]
    public void Scenario_2_a_rise_to_105_marks_5100_owed_by_the_borrower_and_its_completion_raises_collateral_to_107100()
    {
        var book = Opened();

        var marks = book.Run(MarksAt(D.AddDays(1), (X, 105m)));

        var request = Assert.Single(marks.PaymentOrders);
        Assert.Equal((B, L, Money.FromDollars(5_100.00m), 0L, "MARK"), (request.Payer, request.Payee, request.Amount, request.Shares, request.ReasonCode));
        Assert.Equal("MK-20261208-DO-1", request.Id.Value);
        var requested = Assert.Single(marks.Events.OfType<MarkRequested>());
        Assert.Equal((10_710_000L, 10_200_000L, 510_000L), (requested.RequiredCents, requested.HeldCents, requested.MarkCents));

        book.Run(Outcome(request, PaymentOrderStatus.Completed));

        Assert.Equal(Money.FromDollars(107_100.00m), book.State.Loans["DO-1"].CollateralHeld);
        Assert.Equal("completed", Assert.Single(MarkViews.OfDay([book.State], B, D.AddDays(1))).Status);
    }

    [Fact]
    public void Scenario_3_the_close_accrues_one_night_at_4_5_percent_on_107100_as_13_3875_owed_by_the_lender()
    {
        var book = Opened();
        var marks = book.Run(MarksAt(D.AddDays(1), (X, 105m)));
        book.Run(Outcome(marks.PaymentOrders[0], PaymentOrderStatus.Completed));

        var close = book.Run(Close(D.AddDays(1)));

        var accrual = Assert.Single(close.Events.OfType<RebateAccrued>());
        Assert.Equal((1, 10_710_000L, 133_875L), (accrual.Days, accrual.HeldCents, accrual.AccrualCentHundredths));
        Assert.Equal(13.3875m, Rebates.ToDollars(accrual.AccrualCentHundredths));
        var line = Assert.Single(RebateStatements.For(book.State, new StatementMonth(2026, 12)).Loans);
        Assert.Equal((L, B), (line.Payer, line.Payee));
    }

    [Fact]
    public void Scenario_4_a_recall_of_400_is_due_the_next_day_and_a_return_of_400_closes_it_leaving_600_on_loan()
    {
        var book = Opened();

        book.Run(Recall("R-400", L, B, 400, date: D.AddDays(1)));
        var recall = Assert.Single(RecallViews.ForParticipant([book.State], L, D.AddDays(1)));
        Assert.Equal(("open", D.AddDays(2), 400L), (recall.State, recall.DueOn, recall.OpenShares));

        book.Run(Slr("RET-1", B, L, 400, 40_800m, date: D.AddDays(2)));

        recall = Assert.Single(RecallViews.ForParticipant([book.State], L, D.AddDays(2)));
        Assert.Equal(("closed", 0L), (recall.State, recall.OpenShares));
        Assert.Equal(600, book.State.Loans["DO-1"].OpenShares);
    }

    [Fact]
    public void Scenario_5_a_recall_not_met_by_its_due_date_is_overdue_the_day_after_with_buy_in_from_the_third_business_day_after_due()
    {
        var book = Opened();
        book.Run(Recall("R-300", L, B, 300));

        Assert.Equal("open", RecallViews.ForParticipant([book.State], B, D.AddDays(1)).Single().State);
        var overdue = Assert.Single(RecallViews.ForParticipant([book.State], B, D.AddDays(2), RecallStatus.Overdue));

        Assert.Equal(D.AddDays(1), overdue.DueOn);
        Assert.Equal(D.AddDays(4), overdue.BuyInFrom);
        Assert.Equal(At(D.AddDays(2), 12), overdue.BuyInNoticeBy);
        Assert.Equal(At(D.AddDays(4), 9, 30), overdue.CloseOutBy);
    }
}
