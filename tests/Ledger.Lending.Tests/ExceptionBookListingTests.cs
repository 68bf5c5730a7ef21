using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>
/// A pair that never had a loan still has its exception records listed for its parties: a return
/// with no open loan, or a recall where nothing is owed, asks the directory to list the book (until
/// it confirms), as a first loan does; an input that is only a duplicate asks nothing.
/// </summary>
public sealed class ExceptionBookListingTests
{
    [Fact]
    public void A_return_without_a_loan_lists_the_book_with_the_directory()
    {
        var book = new Fixture();
        var decision = book.Run(Slr("R-1", B, L, 50, 5_000m));
        Assert.Equal("return-without-open-loan", Assert.Single(decision.Events.OfType<DeliverOrderExcepted>()).Rule);
        Assert.Equal(book.State.Book, decision.Registration!.Book);
        Assert.NotNull(LoanBookDecider.Unsent(book.State, At(D, 12)).Registration);

        Assert.Null(book.Run(Slr("R-1", B, L, 50, 5_000m)).Registration); // the same return again: a duplicate, nothing written
        book.Run(new ConfirmRegistration(At(D, 12)));
        Assert.Null(LoanBookDecider.Unsent(book.State, At(D, 13)).Registration);
        Assert.Null(book.Run(Slr("R-2", B, L, 10, 1_000m)).Registration);
    }

    [Fact]
    public void A_recall_where_nothing_is_owed_lists_the_book_too()
    {
        var book = new Fixture();
        var decision = book.Run(Recall("0002000000000001", L, B, 100));
        Assert.Equal("recall-without-open-loan", Assert.Single(decision.Events.OfType<RecallExcepted>()).Rule);
        Assert.Equal(book.State.Book, decision.Registration!.Book);
    }
}
