using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>Recalls: opened by an MT 526 on the pair's loans oldest first for what is owed, due T+1 (or the named later date), met by returns, cancelled by an MT 592, overdue with buy-in and close-out clocks.</summary>
public sealed class RecallTests
{
    private static Fixture WithLoans(params (string Id, long Shares, int Hour)[] loans)
    {
        var book = new Fixture();
        foreach (var (id, shares, hour) in loans) book.Run(Sl(id, L, B, shares, shares * 102m, hour: hour));
        return book;
    }

    [Theory]
    [InlineData(9, 0, 0, "2026-12-07", "2026-12-08")]
    [InlineData(23, 59, 0, "2026-12-07", "2026-12-08")]
    [InlineData(23, 59, 30, "2026-12-08", "2026-12-09")]
    public void A_recall_is_due_one_business_day_after_its_date_or_after_the_next_when_made_after_the_cutoff(int hour, int minute, int second, string countsFrom, string due)
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 100, hour: hour, minute: minute, second: second));
        var recall = book.State.Recalls["R-1"];
        Assert.Equal((countsFrom, due), (LendingDates.Format(recall.CountsFrom), LendingDates.Format(recall.DueOn)));
    }

    [Fact]
    public void The_recall_cutoff_and_the_settlement_cycle_are_configurable()
    {
        var book = new Fixture(L, B, Rules.With(settlementCycleBusinessDays: 2, recallCutoffLocalTime: new TimeOnly(16, 0)));
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, hour: 8));
        book.Run(Recall("R-1", L, B, 100, hour: 16, minute: 1));
        Assert.Equal((D.AddDays(1), D.AddDays(3)), (book.State.Recalls["R-1"].CountsFrom, book.State.Recalls["R-1"].DueOn));
    }

    [Fact]
    public void A_Friday_recall_is_due_on_Monday()
    {
        var friday = new DateOnly(2026, 12, 11);
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 100, date: friday));
        Assert.Equal(new DateOnly(2026, 12, 14), book.State.Recalls["R-1"].DueOn);
    }

    [Theory]
    [InlineData("2026-12-10", "2026-12-10")]
    [InlineData("2026-12-08", "2026-12-08")]
    [InlineData("2026-12-07", "2026-12-08")]
    [InlineData("2026-12-12", "2026-12-14")]
    public void A_named_return_date_later_than_the_cycle_is_the_due_date_moved_to_a_business_day(string returnDate, string due)
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 100, returnDate: LendingDates.Parse(returnDate)));
        Assert.Equal(due, LendingDates.Format(book.State.Recalls["R-1"].DueOn));
    }

    [Theory]
    [InlineData("2026-12-04")]
    [InlineData("2027-12-09")]
    public void A_return_date_before_the_recall_or_more_than_a_year_after_it_is_an_exception(string returnDate)
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        var decision = book.Run(Recall("R-1", L, B, 100, returnDate: LendingDates.Parse(returnDate)));
        Assert.Equal(("return-date-range", "returnDate"), (decision.Events.OfType<RecallExcepted>().Single().Rule, decision.Events.OfType<RecallExcepted>().Single().Field));
        Assert.Empty(book.State.Recalls);
    }

    [Fact]
    public void A_recall_names_the_pairs_loans_oldest_first_and_a_second_recall_only_shares_not_yet_recalled()
    {
        var book = WithLoans(("DO-B", 500, 9), ("DO-A", 300, 8));

        book.Run(Recall("R-1", L, B, 400, hour: 10));
        book.Run(Recall("R-2", L, B, 300, hour: 11));

        Assert.Equal([("DO-A", 300L), ("DO-B", 100L)], book.State.Recalls["R-1"].Loans.Select(l => (l.LoanId, l.Shares)));
        Assert.Equal([("DO-B", 300L)], book.State.Recalls["R-2"].Loans.Select(l => (l.LoanId, l.Shares)));
        Assert.Equal(["DO-A", "DO-B"], RecallViews.ForParticipant([book.State], L, D).First().LoanIds);
    }

    [Fact]
    public void A_recall_for_more_than_is_owed_opens_for_what_is_owed_and_the_excess_is_reported()
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-0", L, B, 200, hour: 9));

        var decision = book.Run(Recall("R-1", L, B, 1_500, hour: 10));

        var opened = decision.Events.OfType<RecallOpened>().Single();
        Assert.Equal((1_500L, 800L), (opened.RequestedShares, opened.Shares));
        Assert.Equal("recall-exceeds-owed", Assert.IsType<Excepted>(decision.Reply).Rule);
        var exception = ExceptionViews.For([book.State], B).Single();
        Assert.Equal(("recall-exceeds-owed", 700L), (exception.Rule, exception.Shares));
    }

    [Fact]
    public void A_recall_when_nothing_is_owed_opens_nothing_and_is_an_exception()
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        var wrongWay = book.Run(Recall("R-1", B, L, 100));
        var otherCusip = book.Run(Recall("R-2", L, B, 100, cusip: Y));
        Assert.Equal("recall-without-open-loan", wrongWay.Events.OfType<RecallExcepted>().Single().Rule);
        Assert.Equal("recall-without-open-loan", otherCusip.Events.OfType<RecallExcepted>().Single().Rule);
        Assert.Empty(book.State.Recalls);
    }

    [Theory]
    [InlineData("037833101", 100L, "cusip-check-digit")]
    [InlineData("037833100", 0L, "shares-positive")]
    [InlineData("037833100", -5L, "shares-positive")]
    [InlineData("037833100", 10_000_000_001L, "shares-maximum")]
    public void A_recall_with_a_bad_field_is_an_exception(string cusip, long shares, string rule)
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        var decision = book.Run(Recall("R-1", L, B, shares, cusip: new Cusip(cusip)));
        Assert.Equal(rule, decision.Events.OfType<RecallExcepted>().Single().Rule);
    }

    [Fact]
    public void A_control_number_is_taken_once_and_reused_with_other_fields_is_an_exception_once()
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 100));
        Assert.Empty(book.Run(Recall("R-1", L, B, 100)).Events);
        Assert.Equal("control-number-unique", book.Run(Recall("R-1", L, B, 200)).Events.OfType<RecallExcepted>().Single().Rule);
        Assert.Empty(book.Run(Recall("R-1", L, B, 200)).Events);
        Assert.Equal(100, book.State.Recalls["R-1"].OpenShares);
        Assert.Equal("control-number-format", Assert.IsType<Refused>(book.Run(Recall("R 1", L, B, 100)).Reply).Error.RuleName);
    }

    [Fact]
    public void Returns_reduce_a_recall_partially_and_close_it_at_zero_never_below()
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 300));

        book.Run(Slr("RET-1", B, L, 100, 10_200m));
        Assert.Equal((RecallState.Open, 200L), (book.State.Recalls["R-1"].State, book.State.Recalls["R-1"].OpenShares));

        book.Run(Slr("RET-2", B, L, 500, 51_000m, hour: 12));
        Assert.Equal((RecallState.Closed, 0L), (book.State.Recalls["R-1"].State, book.State.Recalls["R-1"].OpenShares));
        Assert.Equal(400, book.State.Loans["DO-1"].OpenShares);
    }

    [Fact]
    public void A_return_meets_a_recall_on_another_loan_of_the_pair_when_the_loan_it_closes_was_not_recalled()
    {
        var book = WithLoans(("DO-A", 100, 8), ("DO-B", 100, 9));
        book.Run(Recall("R-0", L, B, 100, hour: 9, minute: 30));
        book.Run(Recall("R-1", L, B, 100, hour: 9, minute: 45));
        book.Run(Cancel("C-0", "R-0", L, B, hour: 10));
        Assert.Equal("DO-B", book.State.Recalls["R-1"].Loans.Single().LoanId);

        book.Run(Slr("RET-1", B, L, 100, 10_200m));

        Assert.Equal(LoanState.Closed, book.State.Loans["DO-A"].State);
        Assert.Equal(RecallState.Closed, book.State.Recalls["R-1"].State);
    }

    [Fact]
    public void A_return_that_completed_before_a_recall_was_made_available_does_not_meet_it_whatever_order_they_arrive_in()
    {
        var inOrder = WithLoans(("DO-1", 1_000, 8));
        inOrder.Run(Slr("RET-1", B, L, 400, 40_800m, hour: 10));
        inOrder.Run(Recall("R-1", L, B, 400, hour: 10, minute: 5));

        var reordered = WithLoans(("DO-1", 1_000, 8));
        reordered.Run(Recall("R-1", L, B, 400, hour: 10, minute: 5));
        reordered.Run(Slr("RET-1", B, L, 400, 40_800m, hour: 10));

        foreach (var book in new[] { inOrder, reordered })
        {
            Assert.Equal((RecallState.Open, 400L), (book.State.Recalls["R-1"].State, book.State.Recalls["R-1"].OpenShares));
            Assert.Equal(600, book.State.Loans["DO-1"].OpenShares);
        }
    }

    [Fact]
    public void A_late_recall_shrinks_to_fit_when_an_earlier_return_closes_the_loan_it_named()
    {
        var book = WithLoans(("DO-A", 100, 8), ("DO-B", 100, 9));
        book.Run(Recall("R-1", L, B, 200, hour: 10, minute: 5));
        book.Run(Slr("RET-1", B, L, 100, 10_200m, hour: 10));

        Assert.Equal(100, book.State.Recalls["R-1"].OpenShares);
        Assert.Equal(0, book.State.Recalls["R-1"].SharesOn("DO-A"));
    }

    [Fact]
    public void An_MT_592_closes_what_is_open_and_is_taken_once()
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 300));
        book.Run(Slr("RET-1", B, L, 100, 10_200m));

        var cancel = book.Run(Cancel("C-1", "R-1", L, B));

        Assert.Equal(200, cancel.Events.OfType<RecallCancelled>().Single().OpenSharesCancelled);
        Assert.Equal((RecallState.Cancelled, 0L), (book.State.Recalls["R-1"].State, book.State.Recalls["R-1"].OpenShares));
        Assert.Empty(book.Run(Cancel("C-1", "R-1", L, B)).Events);
        Assert.Equal("cancelled", RecallViews.ForParticipant([book.State], B, D, RecallStatus.Cancelled).Single().State);
    }

    [Theory]
    [InlineData("R-9", "0001", "recall-known")]
    [InlineData("R-1", "0002", "recall-cancel-by-lender")]
    [InlineData("R-CLOSED", "0001", "recall-open")]
    public void An_MT_592_that_cancels_nothing_is_an_exception(string recall, string lender, string rule)
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-1", L, B, 100));
        book.Run(Recall("R-CLOSED", L, B, 100));
        book.Run(Cancel("C-0", "R-CLOSED", L, B, hour: 10));
        var sender = new ParticipantId(lender);

        var decision = book.Run(Cancel("C-1", recall, sender, sender == L ? B : L));

        Assert.Equal(rule, decision.Events.OfType<RecallCancelExcepted>().Single().Rule);
        Assert.Equal(RecallState.Open, book.State.Recalls["R-1"].State);
        Assert.Empty(book.Run(Cancel("C-1", recall, sender, sender == L ? B : L)).Events);
    }

    [Fact]
    public void An_overdue_recall_shows_its_buy_in_date_notice_and_close_out_counted_over_weekends_and_holidays()
    {
        // Due Wednesday 23 December; Christmas Friday 25 is a holiday: buy-in from Tuesday 29,
        // notice by Wednesday 24 noon, close-out at Tuesday 29 market open.
        var christmas = new BusinessCalendar([new Holiday(new DateOnly(2026, 12, 25), "Christmas Day")]);
        var monday = new DateOnly(2026, 12, 21);
        var book = new Fixture(L, B, calendar: christmas);
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, date: monday, hour: 8));
        book.Run(Recall("R-1", L, B, 300, date: monday.AddDays(1)));

        Assert.Empty(RecallViews.ForParticipant([book.State], L, new DateOnly(2026, 12, 23), RecallStatus.Overdue));
        var overdue = RecallViews.ForParticipant([book.State], L, new DateOnly(2026, 12, 24), RecallStatus.Overdue).Single();

        Assert.Equal(new DateOnly(2026, 12, 23), overdue.DueOn);
        Assert.Equal(new DateOnly(2026, 12, 29), overdue.BuyInFrom);
        Assert.Equal(At(new DateOnly(2026, 12, 24), 12), overdue.BuyInNoticeBy);
        Assert.Equal(At(new DateOnly(2026, 12, 29), 9, 30), overdue.CloseOutBy);
    }

    [Fact]
    public void Recall_lists_filter_by_state_and_sort_by_deadline_and_show_clocks_only_when_overdue()
    {
        var book = WithLoans(("DO-1", 1_000, 8));
        book.Run(Recall("R-LATE", L, B, 100, returnDate: D.AddDays(10)));
        book.Run(Recall("R-SOON", L, B, 100, hour: 10));
        book.Run(Recall("R-MET", L, B, 100, hour: 11));
        book.Run(Cancel("C-1", "R-MET", L, B));

        var all = RecallViews.ForParticipant([book.State], B, D);
        Assert.Equal(["R-SOON", "R-MET", "R-LATE"], all.Select(r => r.ControlNumber));
        Assert.All(all, r => Assert.Null(r.BuyInFrom));
        Assert.Equal(["R-SOON", "R-LATE"], RecallViews.ForParticipant([book.State], B, D, RecallStatus.Open).Select(r => r.ControlNumber));
        var twoDaysOn = RecallViews.ForParticipant([book.State], B, D.AddDays(2));
        Assert.Equal(["overdue", "cancelled", "open"], twoDaysOn.Select(r => r.State));
        Assert.NotNull(twoDaysOn[0].BuyInFrom);
        Assert.Equal((L, "borrower"), (twoDaysOn[0].Counterparty!.Value, twoDaysOn[0].Side));
    }
}
