using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>Loans open from SL deliver orders, close by SLR returns oldest first, and a reclaim cancels; every input is idempotent by id.</summary>
public sealed class LoanTests
{
    [Fact]
    public void A_Market_Loan_is_two_loans_through_OCC_and_no_loan_names_both_firms()
    {
        var lenderSide = new Fixture(L, Occ);
        var borrowerSide = new Fixture(Occ, B);

        lenderSide.Run(Sl("ML-1-L", L, Occ, 1_000, 102_000m, rate: 0.04m));
        borrowerSide.Run(Sl("ML-1-B", Occ, B, 1_000, 102_000m, rate: 0.045m));

        var books = new[] { lenderSide.State, borrowerSide.State };
        var all = books.SelectMany(b => b.LoansInOrder).ToList();
        Assert.Equal(2, all.Count);
        Assert.DoesNotContain(all, l => (l.Lender == L && l.Borrower == B) || (l.Lender == B && l.Borrower == L));
        Assert.Equal(Occ, Assert.Single(LoanViews.ForParticipant(books, L)).Counterparty);
        Assert.Equal(Occ, Assert.Single(LoanViews.ForParticipant(books, B)).Counterparty);
        Assert.Equal(2, LoanViews.ForParticipant(books, Occ).Count);
    }

    [Fact]
    public void A_loan_without_a_margin_takes_the_default_1_02_and_one_with_1_00_keeps_it()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m));
        book.Run(Sl("DO-2", L, B, 100, 10_000m, margin: 1.00m));

        Assert.Equal(1.02m, book.State.Loans["DO-1"].CollateralMargin);
        Assert.Null(book.State.Loans["DO-1"].RebateRate);
        Assert.Equal(1.00m, book.State.Loans["DO-2"].CollateralMargin);
    }

    [Fact]
    public void A_default_margin_is_configurable()
    {
        var book = new Fixture(L, B, Rules.With(collateralMarginDefault: 1.05m));
        book.Run(Sl("DO-1", L, B, 100, 10_500m));
        Assert.Equal(1.05m, book.State.Loans["DO-1"].CollateralMargin);
    }

    [Fact]
    public void A_completed_SL_with_terms_out_of_range_opens_no_loan_and_is_kept_as_an_exception()
    {
        var book = new Fixture();
        var decision = book.Run(Sl("DO-1", L, B, 100, 10_200m, margin: 1.5m));

        Assert.Empty(book.State.Loans);
        var excepted = Assert.Single(decision.Events.OfType<DeliverOrderExcepted>());
        Assert.Equal(("collateral-margin-range", "collateralMargin"), (excepted.Rule, excepted.Field));
        Assert.Equal("collateral-margin-range", Assert.Single(ExceptionViews.For([book.State], B)).Rule);
        Assert.Empty(book.Run(Sl("DO-1", L, B, 100, 10_200m, margin: 1.5m)).Events);
    }

    [Fact]
    public void The_same_SL_deliver_order_twice_opens_one_loan()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m));
        var again = book.Run(Sl("DO-1", L, B, 100, 10_200m));

        Assert.Empty(again.Events);
        Assert.Equal(Recorded.Again, again.Reply);
        Assert.Single(book.State.Loans);
    }

    [Fact]
    public void A_deliver_order_id_seen_with_other_terms_is_an_exception_once_and_changes_nothing()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m));

        var other = book.Run(Sl("DO-1", L, B, 200, 20_400m));
        var again = book.Run(Sl("DO-1", L, B, 200, 20_400m));

        Assert.Equal("deliver-order-id-unique", Assert.Single(other.Events.OfType<DeliverOrderExcepted>()).Rule);
        Assert.Empty(again.Events);
        Assert.Equal(100, book.State.Loans["DO-1"].Shares);
    }

    [Fact]
    public void A_return_closes_the_pairs_loans_in_that_CUSIP_oldest_first_partially_and_splits_its_amount_by_shares()
    {
        var book = new Fixture();
        book.Run(Sl("DO-NEW", L, B, 1_000, 102_000m, hour: 10, minute: 5));
        book.Run(Sl("DO-OLD", L, B, 300, 30_600m, hour: 10, minute: 0));
        book.Run(Sl("DO-Y", L, B, 500, 51_000m, cusip: Y));

        var decision = book.Run(Slr("RET-1", B, L, 500, 51_000m));

        var applied = Assert.Single(decision.Events.OfType<ReturnApplied>());
        Assert.Equal([new ReturnAllocation("DO-OLD", 300, 3_060_000), new ReturnAllocation("DO-NEW", 200, 2_040_000)], applied.Loans);
        Assert.Equal((LoanState.Closed, 0L, Money.Zero), (book.State.Loans["DO-OLD"].State, book.State.Loans["DO-OLD"].OpenShares, book.State.Loans["DO-OLD"].CollateralHeld));
        Assert.Equal((800L, Money.FromDollars(81_600m)), (book.State.Loans["DO-NEW"].OpenShares, book.State.Loans["DO-NEW"].CollateralHeld));
        Assert.Equal(500, book.State.Loans["DO-Y"].OpenShares);
    }

    [Theory]
    [InlineData(1L, 3L, new long[] { 1, 1, 1 }, new long[] { 0, 0, 1 })]
    [InlineData(100L, 3L, new long[] { 1, 1, 1 }, new long[] { 33, 33, 34 })]
    [InlineData(5L, 2L, new long[] { 1, 1 }, new long[] { 3, 2 })]
    [InlineData(0L, 7L, new long[] { 3, 4 }, new long[] { 0, 0 })]
    [InlineData(100_000_000_000_000L, 10_000_000_000L, new long[] { 3_333_333_333, 6_666_666_667 }, new long[] { 33_333_333_330_000, 66_666_666_670_000 })]
    public void A_returns_amount_splits_half_away_from_zero_and_its_parts_add_up_to_the_cent(long cents, long shares, long[] pieces, long[] expected)
    {
        var split = LoanBookDecider.Split(cents, shares, pieces);
        Assert.Equal(expected, split);
        Assert.Equal(cents, split.Sum());
    }

    [Fact]
    public void A_return_with_no_open_loan_still_counts_as_an_exception_for_both_parties()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m, cusip: Y));

        var decision = book.Run(Slr("RET-1", B, L, 100, 10_200m));

        var excepted = Assert.Single(decision.Events.OfType<DeliverOrderExcepted>());
        Assert.Equal("return-without-open-loan", excepted.Rule);
        Assert.Equal("return-without-open-loan", Assert.Single(ExceptionViews.For([book.State], L)).Rule);
        Assert.Equal("return-without-open-loan", Assert.Single(ExceptionViews.For([book.State], B)).Rule);
        Assert.Empty(book.Run(Slr("RET-1", B, L, 100, 10_200m)).Events);
    }

    [Fact]
    public void A_return_in_the_other_direction_finds_no_loan_of_that_direction()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m));
        var decision = book.Run(Slr("RET-1", L, B, 100, 10_200m));
        Assert.Equal("return-without-open-loan", Assert.IsType<Excepted>(decision.Reply).Rule);
        Assert.Equal(100, book.State.Loans["DO-1"].OpenShares);
    }

    [Fact]
    public void Shares_returned_beyond_every_open_loan_close_them_all_and_the_excess_is_reported()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_000m));

        var decision = book.Run(Slr("RET-1", B, L, 150, 15_000m));

        var applied = Assert.Single(decision.Events.OfType<ReturnApplied>());
        Assert.Equal((50L, 500_000L), (applied.ExcessShares, applied.ExcessAmountCents));
        Assert.Equal("return-exceeds-open-loans", Assert.IsType<Excepted>(decision.Reply).Rule);
        var exception = Assert.Single(ExceptionViews.For([book.State], L));
        Assert.Equal((50L, Money.FromDollars(5_000m)), (exception.Shares, exception.Amount));
        Assert.Equal(LoanState.Closed, book.State.Loans["DO-1"].State);
    }

    [Fact]
    public void A_completed_reclaim_of_the_opening_deliver_order_cancels_the_loan_and_the_recalls_on_it()
    {
        var book = new Fixture();
        var open = Sl("DO-1", L, B, 100, 10_200m);
        book.Run(open);
        book.Run(Recall("R-1", L, B, 60, hour: 11));

        book.Run(Reclaim("RC-1", open));

        var loan = book.State.Loans["DO-1"];
        Assert.Equal((LoanState.Cancelled, 0L, Money.Zero), (loan.State, loan.OpenShares, loan.CollateralHeld));
        Assert.Equal(RecallState.Closed, book.State.Recalls["R-1"].State);
        Assert.Equal("cancelled", Assert.Single(LoanViews.ForParticipant([book.State], L, LoanStateFilter.Cancelled)).State);
        Assert.Empty(book.Run(Reclaim("RC-1", open)).Events);
    }

    [Fact]
    public void A_completed_reclaim_of_a_return_puts_its_shares_collateral_and_recall_back()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_000m));
        book.Run(Recall("R-1", L, B, 100, hour: 9));
        var ret = Slr("RET-1", B, L, 100, 10_000m);
        book.Run(ret);
        Assert.Equal((LoanState.Closed, RecallState.Closed), (book.State.Loans["DO-1"].State, book.State.Recalls["R-1"].State));

        var decision = book.Run(Reclaim("RC-1", ret));

        Assert.Single(decision.Events.OfType<ReturnReversed>());
        var loan = book.State.Loans["DO-1"];
        Assert.Equal((LoanState.Open, 100L, Money.FromDollars(10_000m)), (loan.State, loan.OpenShares, loan.CollateralHeld));
        Assert.Equal((RecallState.Open, 100L), (book.State.Recalls["R-1"].State, book.State.Recalls["R-1"].OpenShares));
        Assert.Equal("RC-1", Assert.Single(LoanViews.One(book.State, "DO-1", L)!.Returns).ReversedBy);
    }

    [Fact]
    public void A_reclaim_of_a_deliver_order_that_is_neither_a_loan_nor_a_return_is_ignored()
    {
        var book = new Fixture();
        var decision = book.Run(Reclaim("RC-1", Sl("DO-9", L, B, 100, 10_000m)));
        Assert.IsType<Ignored>(decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_deliver_order_with_another_reason_code_is_ignored()
    {
        var book = new Fixture();
        var order = Sl("DO-1", L, B, 100, 10_000m);
        var decision = book.Run(new RecordDeliverOrderCompleted(order.Order with { ReasonCode = "DVP" }));
        Assert.IsType<Ignored>(decision.Reply);
        Assert.Empty(book.State.Loans);
    }

    [Fact]
    public void A_deliver_order_of_another_pair_is_refused_and_changes_nothing()
    {
        var book = new Fixture();
        var decision = book.Run(Sl("DO-1", L, Occ, 100, 10_000m));
        Assert.Equal("loan-book-pair", Assert.IsType<Refused>(decision.Reply).Error.RuleName);
        Assert.Empty(decision.Events);
    }

    [Theory]
    [InlineData("037833101", 100L, 1_000, "cusip-check-digit")]
    [InlineData("037833100", 0L, 1_000, "shares-positive")]
    [InlineData("037833100", 10_000_000_001L, 1_000, "shares-maximum")]
    [InlineData("037833100", 100L, -1, "amount-not-negative")]
    public void A_deliver_order_with_a_field_out_of_range_is_kept_as_an_exception(string cusip, long shares, long cents, string rule)
    {
        var book = new Fixture();
        var order = Sl("DO-1", L, B, 1, 1m).Order with { Cusip = new Cusip(cusip), Shares = shares, Amount = new Money(cents) };
        var decision = book.Run(new RecordDeliverOrderCompleted(order));
        Assert.Equal(rule, Assert.Single(decision.Events.OfType<DeliverOrderExcepted>()).Rule);
        Assert.Empty(book.State.Loans);
    }

    [Fact]
    public void The_first_loan_asks_the_directory_to_list_the_book_until_it_confirms()
    {
        var book = new Fixture();
        Assert.Equal(book.State.Book, book.Run(Sl("DO-1", L, B, 100, 10_000m)).Registration!.Book);
        Assert.NotNull(LoanBookDecider.Unsent(book.State, At(D, 12)).Registration);

        book.Run(new ConfirmRegistration(At(D, 12)));

        Assert.Null(LoanBookDecider.Unsent(book.State, At(D, 13)).Registration);
        Assert.Null(book.Run(Sl("DO-2", L, B, 100, 10_000m)).Registration);
    }

    [Fact]
    public void Book_ids_order_the_pair_and_routing_finds_the_book_of_lending_records_only()
    {
        Assert.Equal("0001-0002", LoanBookId.Of(B, L).Value);
        Assert.Equal(LoanBookId.Of(L, B), LoanBookId.Of(B, L));
        Assert.Equal("loan-book-0001-0002", LoanBookId.Of(L, B).PersistenceId);
        Assert.True(LoanBookId.TryParse("0002-0001", out var parsed));
        Assert.Equal(LoanBookId.Of(L, B), parsed);
        Assert.False(LoanBookId.TryParse("0001-0001", out _));
        Assert.False(LoanBookId.TryParse("0001+0002", out _));
        Assert.Throws<ArgumentException>(() => LoanBookId.Of(L, L));

        Assert.Equal(LoanBookId.Of(L, B), LendingRouting.BookOf(Sl("DO-1", L, B, 1, 1m).Order));
        Assert.Equal(LoanBookId.Of(L, B), LendingRouting.BookOf(Reclaim("RC", Sl("DO-1", L, B, 1, 1m)).Order));
        Assert.Null(LendingRouting.BookOf(Sl("DO-1", L, B, 1, 1m).Order with { ReasonCode = "MARK" }));
        Assert.Null(LendingRouting.BookOf(Sl("DO-1", L, B, 1, 1m).Order with { ReasonCode = "" }));
    }
}
