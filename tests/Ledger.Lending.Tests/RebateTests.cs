using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>Rebates: Act/360 at each close for the calendar days to the next business date, on the collateral held then, in hundredths of a cent; statements and reconciliation.</summary>
public sealed class RebateTests
{
    private static readonly DateOnly Friday = new(2026, 12, 11);

    [Theory]
    [InlineData(10_710_000L, "0.045", 1, 133_875L)]
    [InlineData(10_710_000L, "0.045", 3, 401_625L)]
    [InlineData(180L, "0.01", 1, 1L)]
    [InlineData(180L, "-0.01", 1, -1L)]
    [InlineData(179L, "0.01", 1, 0L)]
    [InlineData(10_000_000L, "-0.25", 1, -694_444L)]
    [InlineData(10_000_000L, "0", 3, 0L)]
    [InlineData(0L, "0.05", 1, 0L)]
    [InlineData(100_000_000_000_000L, "1", 4, 111_111_111_111_111L)]
    public void Act_360_accrual_is_kept_to_a_hundredth_of_a_cent_half_away_from_zero(long heldCents, string rate, int days, long expected) =>
        Assert.Equal(expected, Rebates.AccrualCentHundredths(new Money(heldCents), decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture), days));

    [Theory]
    [InlineData(1_338_750L, 13_388L)]
    [InlineData(1_338_749L, 13_387L)]
    [InlineData(-50L, -1L)]
    [InlineData(-49L, 0L)]
    public void An_accrual_is_rounded_to_the_cent_only_when_billed(long centHundredths, long billedCents) =>
        Assert.Equal(billedCents, Rebates.Billed(centHundredths).Cents);

    [Fact]
    public void A_Friday_close_accrues_three_days()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 107_100m, rate: 0.045m, date: Friday));
        var accrual = book.Run(Close(Friday)).Events.OfType<RebateAccrued>().Single();
        Assert.Equal((3, "2026-12-14", 401_625L), (accrual.Days, accrual.NextDate, accrual.AccrualCentHundredths));
    }

    [Fact]
    public void A_close_before_a_holiday_accrues_to_the_next_business_date_of_the_calendar()
    {
        var thanksgiving = new BusinessCalendar([new Holiday(new DateOnly(2026, 11, 26), "Thanksgiving Day")]);
        var wednesday = new DateOnly(2026, 11, 25);
        var book = new Fixture(L, B, calendar: thanksgiving);
        book.Run(Sl("DO-1", L, B, 1_000, 107_100m, rate: 0.045m, date: wednesday));

        var accrual = book.Run(Close(wednesday)).Events.OfType<RebateAccrued>().Single();

        Assert.Equal((2, "2026-11-27"), (accrual.Days, accrual.NextDate));
    }

    [Fact]
    public void A_loan_opened_and_returned_the_same_day_accrues_nothing()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m));
        book.Run(Slr("RET-1", B, L, 1_000, 102_000m));
        var close = book.Run(Close(D));
        Assert.Empty(close.Events.OfType<RebateAccrued>());
        Assert.Equal(0, close.Events.OfType<BookDayClosed>().Single().LoansAccrued);
    }

    [Fact]
    public void A_loan_without_a_rate_accrues_nothing_and_one_at_zero_accrues_zero_for_its_days()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        book.Run(Sl("DO-2", L, B, 1_000, 102_000m, rate: 0m));
        var accrual = book.Run(Close(D)).Events.OfType<RebateAccrued>().Single();
        Assert.Equal(("DO-2", 0L), (accrual.LoanId, accrual.AccrualCentHundredths));
    }

    [Fact]
    public void A_negative_rate_is_a_fee_owed_by_the_borrower_to_the_lender()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 100_000m, rate: -0.25m));
        book.Run(Close(D));

        var line = RebateStatements.For(book.State, new StatementMonth(2026, 12)).Loans.Single();

        Assert.Equal((-694_444L, -6_944L, B, L), (line.AccrualCentHundredths, line.Amount.Cents, line.Payer, line.Payee));
    }

    [Fact]
    public void A_close_runs_once_per_date()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m));
        var first = book.Run(Close(D));
        var again = book.Run(Close(D));
        Assert.Empty(again.Events);
        Assert.Same(first.Events.OfType<BookDayClosed>().Single(), Assert.IsType<CloseDone>(again.Reply).Summary);
        Assert.Single(book.State.Loans["DO-1"].Accruals);
    }

    [Fact]
    public void A_close_first_accrues_the_closes_the_book_missed_since_its_loans_opened()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m));

        var close = book.Run(Close(Friday));

        Assert.Equal(["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"], close.Events.OfType<BookDayClosed>().Select(c => c.ClosedDate));
        Assert.Equal([1, 1, 1, 1, 3], close.Events.OfType<RebateAccrued>().Select(a => a.Days));
    }

    [Fact]
    public void A_book_that_missed_a_close_accrues_it_at_its_next_mark_run()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m));

        var marks = book.Run(MarksAt(D.AddDays(1), (X, 100m)));

        var accrual = marks.Events.OfType<RebateAccrued>().Single();
        Assert.Equal(("2026-12-07", 1), (accrual.BusinessDate, accrual.Days));
        Assert.Equal(D, book.State.LastClosedDate);
        Assert.Empty(book.Run(Close(D)).Events);
    }

    [Fact]
    public void An_accrual_over_a_month_end_splits_by_the_calendar_days_of_each_month_and_adds_up_exactly()
    {
        var octoberFriday = new DateOnly(2026, 10, 30);
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 100_001m, rate: 0.05m, date: octoberFriday));
        var accrual = book.Run(Close(octoberFriday)).Events.OfType<RebateAccrued>().Single();
        Assert.Equal(3, accrual.Days);

        var october = RebateStatements.For(book.State, new StatementMonth(2026, 10)).Loans.Single();
        var november = RebateStatements.For(book.State, new StatementMonth(2026, 11)).Loans.Single();

        Assert.Equal((2, 1), (october.Days, november.Days));
        Assert.Equal(Rebates.AccrualCentHundredths(Money.FromDollars(100_001m), 0.05m, 2), october.AccrualCentHundredths);
        Assert.Equal(accrual.AccrualCentHundredths, october.AccrualCentHundredths + november.AccrualCentHundredths);
        Assert.Empty(RebateStatements.For(book.State, new StatementMonth(2026, 12)).Loans);
    }

    [Fact]
    public void A_statement_lists_each_loan_with_its_days_and_accrual_and_the_net_the_pair_owes()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 107_100m, rate: 0.045m));
        book.Run(Sl("DO-2", B, L, 1_000, 100_000m, rate: 0.01m));
        book.Run(Close(D));
        book.Run(Close(D.AddDays(1)));

        var statement = RebateStatements.ForParticipant([book.State], B, new StatementMonth(2026, 12), L).Single();

        Assert.Equal(["DO-1", "DO-2"], statement.Loans.Select(l => l.LoanId));
        var first = statement.Loans[0];
        Assert.Equal((2, 267_750L, 2_678L, L, B), (first.Days, first.AccrualCentHundredths, first.Amount.Cents, first.Payer, first.Payee));
        var second = statement.Loans[1];
        Assert.Equal((2, 55_556L, 556L, B, L), (second.Days, second.AccrualCentHundredths, second.Amount.Cents, second.Payer, second.Payee));
        Assert.Equal((L, B, 2_122L), (statement.NetPayer, statement.NetPayee, statement.NetAmount.Cents));
    }

    [Fact]
    public void Reconciliation_lists_every_loan_where_the_statements_differ_including_loans_on_one_side_only()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 107_100m, rate: 0.045m));
        book.Run(Sl("DO-2", L, B, 1_000, 100_000m, rate: 0.01m));
        book.Run(Sl("DO-3", L, B, 1_000, 100_000m, rate: 0.02m));
        book.Run(Close(D));
        var ours = RebateStatements.For(book.State, new StatementMonth(2026, 12));
        Assert.Equal([1_339L, 278L, 556L], ours.Loans.Select(l => l.Amount.Cents));

        var differences = RebateStatements.Reconcile(ours,
        [
            new CounterpartyStatementLine("DO-1", new Money(1_339)),
            new CounterpartyStatementLine("DO-2", new Money(277)),
            new CounterpartyStatementLine("DO-9", new Money(100)),
        ]);

        Assert.Equal(
            [new StatementDifference("DO-2", new Money(278), new Money(277)), new StatementDifference("DO-3", new Money(556), null), new StatementDifference("DO-9", null, new Money(100))],
            differences);
        Assert.Equal(-1, differences[0].Difference.Cents);
        Assert.Empty(RebateStatements.Reconcile(ours, ours.Loans.Select(l => new CounterpartyStatementLine(l.LoanId, l.Amount)).ToList()));
    }

    [Fact]
    public void A_loans_accrued_rebate_is_shown_with_four_decimals()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 107_100m, rate: 0.045m));
        book.Run(Close(D));
        Assert.Equal(13.3875m, LoanViews.ForParticipant([book.State], L).Single().AccruedRebate);
    }
}
