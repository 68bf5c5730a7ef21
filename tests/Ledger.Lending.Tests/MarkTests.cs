using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>Daily marks: required = shares x price x margin (half away from zero), mark = required - held, sent as a payment order once per loan and day, settled at most once.</summary>
public sealed class MarkTests
{
    private static readonly DateOnly D1 = D.AddDays(1);
    private static readonly DateOnly D2 = D.AddDays(2);

    [Theory]
    [InlineData(1L, "0.25", "1.02", 26L)]
    [InlineData(3L, "0.25", "1.02", 77L)]
    [InlineData(1L, "0.25", "1.00", 25L)]
    [InlineData(1_000L, "105", "1.02", 10_710_000L)]
    [InlineData(1L, "0.01", "1.10", 1L)]
    [InlineData(1L, "0.05", "1.10", 6L)]
    [InlineData(0L, "100", "1.02", 0L)]
    [InlineData(10_000_000_000L, "10000000", "1.10", 11_000_000_000_000_000_000L)]
    public void Required_collateral_rounds_half_away_from_zero_to_the_cent(long shares, string price, string margin, decimal expected) =>
        Assert.Equal(expected, Marks.RequiredCents(shares, Money.FromDollars(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)),
            decimal.Parse(margin, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void A_fall_in_price_is_a_mark_owed_by_the_lender_to_the_borrower()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));

        var request = Assert.Single(book.Run(MarksAt(D1, (X, 95m))).PaymentOrders);

        Assert.Equal((L, B, Money.FromDollars(5_100m)), (request.Payer, request.Payee, request.Amount));
        Assert.Equal(-510_000, book.State.Marks[request.Id.Value].Amount.Cents);
        book.Run(Outcome(request, PaymentOrderStatus.Completed));
        Assert.Equal(Money.FromDollars(96_900m), book.State.Loans["DO-1"].CollateralHeld);
    }

    [Fact]
    public void A_mark_of_zero_is_not_sent()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var decision = book.Run(MarksAt(D1, (X, 100m)));
        Assert.Empty(decision.PaymentOrders);
        Assert.Equal((1, 0, 1), (decision.Events.OfType<MarksComputed>().Single().LoansMarked, decision.Events.OfType<MarksComputed>().Single().MarksRequested, decision.Events.OfType<MarksComputed>().Single().MarksZero));
    }

    [Theory]
    [InlineData("99.99", 0)]
    [InlineData("100.00", 1)]
    [InlineData("100.01", 1)]
    public void A_mark_below_the_configured_minimum_is_not_sent(string markDollars, int sent)
    {
        var book = new Fixture(L, B, Rules.With(markMinimum: Money.FromDollars(100m)));
        // 1 share at margin 1.00 requires its price; held $1,000.00, so the mark is price - 1,000.
        book.Run(Sl("DO-1", L, B, 1, 1_000m, margin: 1.00m));
        var price = 1_000m + decimal.Parse(markDollars, System.Globalization.CultureInfo.InvariantCulture);
        var decision = book.Run(MarksAt(D1, (X, price)));
        Assert.Equal(sent, decision.PaymentOrders.Count);
        Assert.Equal(1 - sent, decision.Events.OfType<MarksComputed>().Single().MarksBelowMinimum);
    }

    [Fact]
    public void A_loan_opened_on_the_mark_date_is_first_marked_the_next_open()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, date: D1));
        Assert.Empty(book.Run(MarksAt(D1, (X, 105m))).PaymentOrders);
        Assert.Single(book.Run(MarksAt(D2, (X, 105m))).PaymentOrders);
    }

    [Fact]
    public void A_loan_whose_security_has_no_close_price_is_counted_and_named_not_marked()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        book.Run(Sl("DO-2", L, B, 1_000, 102_000m, cusip: Y));

        var summary = book.Run(MarksAt(D1, (X, 105m))).Events.OfType<MarksComputed>().Single();

        Assert.Equal((1, 1, 1), (summary.MarksRequested, summary.LoansWithoutPrice, summary.CusipsWithoutPrice.Count));
        Assert.Equal(Y.Value, summary.CusipsWithoutPrice[0]);
    }

    [Fact]
    public void A_mark_is_computed_once_per_loan_per_business_day_however_often_the_open_is_sent()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var first = book.Run(MarksAt(D1, (X, 105m)));

        var again = book.Run(MarksAt(D1, (X, 110m)));

        Assert.Empty(again.Events);
        Assert.Empty(again.PaymentOrders);
        Assert.Same(first.Events.OfType<MarksComputed>().Single(), Assert.IsType<MarksDone>(again.Reply).Summary);
        Assert.Single(book.State.Marks);
    }

    [Fact]
    public void A_mark_run_for_a_date_the_book_has_passed_marks_nothing()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        book.Run(MarksAt(D2, (X, 105m)));

        var stale = book.Run(MarksAt(D1, (X, 110m)));

        Assert.Empty(stale.PaymentOrders);
        Assert.Equal((D1, 0), (LendingDates.Parse(Assert.IsType<MarksDone>(stale.Reply).Summary.MarkDate), Assert.IsType<MarksDone>(stale.Reply).Summary.LoansMarked));
        Assert.Equal(D2, book.State.LastMarkedDate);
        Assert.Single(book.State.Marks);
    }

    [Fact]
    public void A_mark_settles_at_most_once_whatever_outcomes_arrive_after_the_first()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var request = book.Run(MarksAt(D1, (X, 105m))).PaymentOrders.Single();

        book.Run(Outcome(request, PaymentOrderStatus.Completed));
        Assert.Empty(book.Run(Outcome(request, PaymentOrderStatus.Completed)).Events);
        Assert.Empty(book.Run(Outcome(request, PaymentOrderStatus.Dropped)).Events);

        Assert.Equal(Money.FromDollars(107_100m), book.State.Loans["DO-1"].CollateralHeld);
    }

    [Fact]
    public void A_dropped_mark_changes_nothing_and_the_next_open_computes_a_new_mark_from_the_new_price()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var dropped = book.Run(MarksAt(D1, (X, 105m))).PaymentOrders.Single();
        book.Run(Outcome(dropped, PaymentOrderStatus.Dropped));
        Assert.Equal(Money.FromDollars(102_000m), book.State.Loans["DO-1"].CollateralHeld);

        var next = book.Run(MarksAt(D2, (X, 106m))).PaymentOrders.Single();

        Assert.Equal(("MK-20261209-DO-1", Money.FromDollars(6_120m)), (next.Id.Value, next.Amount));
        book.Run(Outcome(next, PaymentOrderStatus.Completed));
        Assert.Equal(Money.FromDollars(108_120m), book.State.Loans["DO-1"].CollateralHeld);
        Assert.Equal(["dropped"], MarkViews.OfDay([book.State], L, D1).Select(m => m.Status));
    }

    [Fact]
    public void The_next_open_waits_while_an_earlier_mark_has_no_outcome_so_a_move_is_never_paid_twice()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var request = book.Run(MarksAt(D1, (X, 105m))).PaymentOrders.Single();

        var refused = book.Run(MarksAt(D2, (X, 105m)));

        Assert.Equal("marks-unresolved", Assert.IsType<Refused>(refused.Reply).Error.RuleName);
        Assert.Empty(refused.Events);
        book.Run(Outcome(request, PaymentOrderStatus.Completed));
        var summary = Assert.IsType<MarksDone>(book.Run(MarksAt(D2, (X, 105m))).Reply).Summary;
        Assert.Equal((0, 1), (summary.MarksRequested, summary.MarksZero));
    }

    [Fact]
    public void An_outcome_for_no_mark_of_the_book_or_with_other_parties_is_refused()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var request = book.Run(MarksAt(D1, (X, 105m))).PaymentOrders.Single();

        var unknown = book.Run(Outcome(request with { Id = new DeliverOrderId("MK-20261208-DO-9") }, PaymentOrderStatus.Completed));
        var swapped = book.Run(Outcome(request with { Payer = request.Payee, Payee = request.Payer }, PaymentOrderStatus.Completed));

        Assert.Equal("mark-known", Assert.IsType<Refused>(unknown.Reply).Error.RuleName);
        Assert.Equal("mark-parties", Assert.IsType<Refused>(swapped.Reply).Error.RuleName);
        Assert.Equal(MarkStatus.Requested, book.State.Marks[request.Id.Value].Status);
    }

    [Fact]
    public void A_Market_Loan_marks_as_two_legs_through_OCC_for_the_same_amount()
    {
        var lenderSide = new Fixture(L, Occ);
        var borrowerSide = new Fixture(Occ, B);
        lenderSide.Run(Sl("ML-1-L", L, Occ, 1_000, 102_000m));
        borrowerSide.Run(Sl("ML-1-B", Occ, B, 1_000, 102_000m));

        var toLender = lenderSide.Run(MarksAt(D1, (X, 105m))).PaymentOrders.Single();
        var fromBorrower = borrowerSide.Run(MarksAt(D1, (X, 105m))).PaymentOrders.Single();

        Assert.Equal((B, Occ), (fromBorrower.Payer, fromBorrower.Payee));
        Assert.Equal((Occ, L), (toLender.Payer, toLender.Payee));
        Assert.Equal(fromBorrower.Amount, toLender.Amount);
    }

    [Fact]
    public void A_mark_id_names_the_loan_and_date_and_a_long_loan_id_is_hashed_within_64_characters()
    {
        Assert.Equal("MK-20261208-DO-1", MarkIds.For("DO-1", D1).Value);
        var longId = new string('A', 64);
        var hashed = MarkIds.For(longId, D1).Value;
        Assert.Equal("MK-20261208-".Length + 1 + 40, hashed.Length);
        Assert.StartsWith("MK-20261208-H", hashed, StringComparison.Ordinal);
        Assert.True(DeliverOrderId.IsValid(hashed));
        Assert.Equal(hashed, MarkIds.For(longId, D1).Value);
        Assert.NotEqual(hashed, MarkIds.For(new string('A', 63) + "B", D1).Value);
        Assert.True(DeliverOrderId.IsValid(MarkIds.For(new string('A', 52), D1).Value));
        Assert.Equal(64, MarkIds.For(new string('A', 52), D1).Value.Length);
    }

    [Fact]
    public void A_mark_larger_than_any_payment_is_counted_not_sent()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 10_000_000_000, 1_000m));
        var summary = book.Run(MarksAt(D1, (X, 10_000_000m))).Events.OfType<MarksComputed>().Single();
        Assert.Equal((0, 1), (summary.MarksRequested, summary.MarksAboveMaximum));
    }

    [Fact]
    public void Marks_without_an_outcome_are_sent_again_with_the_same_ids_until_settled()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        book.Run(Sl("DO-2", L, B, 500, 51_000m));
        var sent = book.Run(MarksAt(D1, (X, 105m))).PaymentOrders;

        var again = LoanBookDecider.Unsent(book.State, At(D1, 11)).PaymentOrders;
        Assert.Equal(sent.Select(p => (p.Id, p.Payer, p.Payee, p.Amount)), again.Select(p => (p.Id, p.Payer, p.Payee, p.Amount)));

        book.Run(Outcome(sent[0], PaymentOrderStatus.Completed));
        Assert.Equal([sent[1].Id], LoanBookDecider.Unsent(book.State, At(D1, 12)).PaymentOrders.Select(p => p.Id));
    }

    [Fact]
    public void A_mark_run_needs_a_business_day_and_an_earlier_price_date()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var saturday = new DateOnly(2026, 12, 12);
        Assert.Equal("business-day", Assert.IsType<Refused>(book.Run(new ComputeMarks(saturday, D, new Dictionary<Cusip, Money>(), At(D, 7))).Reply).Error.RuleName);
        Assert.Equal("price-date-before-mark-date", Assert.IsType<Refused>(book.Run(new ComputeMarks(D1, D1, new Dictionary<Cusip, Money>(), At(D, 7))).Reply).Error.RuleName);
        Assert.Empty(book.Journal.OfType<MarksComputed>());
    }

    [Fact]
    public void A_partly_returned_loan_is_marked_on_its_open_shares_and_the_collateral_left()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        book.Run(Slr("RET-1", B, L, 400, 40_800m));

        var mark = book.Run(MarksAt(D1, (X, 105m))).Events.OfType<MarkRequested>().Single();

        Assert.Equal((600L, 6_426_000L, 6_120_000L, 306_000L), (mark.Shares, mark.RequiredCents, mark.HeldCents, mark.MarkCents));
    }
}
