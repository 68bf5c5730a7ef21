using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>A participant sees only the loans it is party to; staff see all; a loan shows its marks, returns and recalls.</summary>
public sealed class ViewTests
{
    [Fact]
    public void A_participant_sees_only_its_own_loans_and_a_loan_of_another_pair_looks_like_no_loan()
    {
        var mine = new Fixture(L, B);
        var theirs = new Fixture(Occ, B);
        mine.Run(Sl("DO-1", L, B, 100, 10_200m));
        theirs.Run(Sl("DO-2", Occ, B, 100, 10_200m));
        var books = new[] { mine.State, theirs.State };

        Assert.Equal(["DO-1"], LoanViews.ForParticipant(books, L).Select(l => l.Id));
        Assert.Equal(["DO-1", "DO-2"], LoanViews.ForParticipant(books, B).Select(l => l.Id));
        Assert.Null(LoanViews.One(theirs.State, "DO-2", L));
        Assert.Null(LoanViews.One(theirs.State, "DO-404", B));
        Assert.NotNull(LoanViews.One(theirs.State, "DO-2", Occ));
        var staff = LoanViews.One(theirs.State, "DO-2", null)!;
        Assert.Equal(((ParticipantId?)null, (string?)null), (staff.Loan.Counterparty, staff.Loan.Side));
    }

    [Fact]
    public void One_loan_shows_its_marks_returns_and_recalls()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        book.Run(Recall("R-1", L, B, 300, hour: 11));
        book.Run(Slr("RET-1", B, L, 100, 10_200m, hour: 12));
        var mark = book.Run(MarksAt(D.AddDays(1), (X, 105m))).PaymentOrders.Single();

        var detail = LoanViews.One(book.State, "DO-1", B)!;

        Assert.Equal((900L, 200L, "borrower"), (detail.Loan.OpenShares, detail.Loan.RecalledShares, detail.Loan.Side));
        Assert.Equal((mark.Id.Value, "requested", Money.FromDollars(4_590m)), (detail.Marks.Single().DeliverOrderId, detail.Marks.Single().Status, detail.Marks.Single().Amount));
        Assert.Equal(("RET-1", 100L), (detail.Returns.Single().DeliverOrderId, detail.Returns.Single().Shares));
        Assert.Equal(("R-1", 200L, "open"), (detail.Recalls.Single().ControlNumber, detail.Recalls.Single().OpenShares, detail.Recalls.Single().State));
    }

    [Fact]
    public void Loans_filter_by_state_and_marks_by_day()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m));
        book.Run(Sl("DO-2", L, B, 100, 10_200m, minute: 1));
        book.Run(Slr("RET-1", B, L, 100, 10_200m));
        book.Run(MarksAt(D.AddDays(1), (X, 105m)));

        Assert.Equal(["DO-2"], LoanViews.ForParticipant([book.State], L, LoanStateFilter.Open).Select(l => l.Id));
        Assert.Equal(["DO-1"], LoanViews.ForParticipant([book.State], L, LoanStateFilter.Closed).Select(l => l.Id));
        Assert.Single(MarkViews.OfDay([book.State], L, D.AddDays(1)));
        Assert.Empty(MarkViews.OfDay([book.State], L, D.AddDays(2)));
        Assert.Empty(MarkViews.OfDay([book.State], Occ, D.AddDays(1)));
    }

    [Fact]
    public void Exception_records_are_shown_to_the_parties_of_the_input_and_to_staff()
    {
        var book = new Fixture();
        book.Run(Slr("RET-1", B, L, 100, 10_200m));
        Assert.Single(ExceptionViews.For([book.State], L));
        Assert.Single(ExceptionViews.For([book.State], null));
        Assert.Empty(ExceptionViews.For([book.State], Occ));
    }

    [Fact]
    public void A_book_replayed_to_a_moment_is_the_book_as_it_stood_then()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m, hour: 10));
        book.Run(Slr("RET-1", B, L, 40, 4_080m, hour: 12));

        Assert.Equal(100, LoanBookReplay.Replay(book.State.Book, book.Journal, At(D, 11)).Loans["DO-1"].OpenShares);
        Assert.Equal(60, LoanBookReplay.Replay(book.State.Book, book.Journal).Loans["DO-1"].OpenShares);
        Assert.Empty(LoanBookReplay.Replay(book.State.Book, book.Journal, At(D, 9)).Loans);
    }
}
