using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>A lending day freezes the close prices once, visits every book of the directory at the open and the close, and resumes with the books that have not answered.</summary>
public sealed class LendingDayTests
{
    private static readonly DateOnly D1 = D.AddDays(1);
    private static readonly LoanBookId Lb = LoanBookId.Of(L, B);
    private static readonly LoanBookId Lo = LoanBookId.Of(L, Occ);

    private static LendingDayDecision Run(LendingDayState state, LendingDayCommand command) =>
        LendingDayDecider.Decide(state, command, BusinessCalendar.Weekdays);

    private static StartMarks Start(decimal price, params LoanBookId[] books) =>
        new(D1, D, new Dictionary<Cusip, Money> { [X] = Money.FromDollars(price) }, books, At(D1, 6));

    [Fact]
    public void The_first_start_freezes_the_prices_and_a_start_sent_again_changes_nothing()
    {
        var day = new LendingDayState();
        var first = Run(day, Start(105m, Lb, Lo));
        var again = Run(day, Start(110m, Lb, Lo));

        Assert.Single(first.Events);
        Assert.Empty(again.Events);
        Assert.Equal(Money.FromDollars(105m), day.PricesFor([X, Y])[X]);
        Assert.False(day.PricesFor([Y]).ContainsKey(Y));
        Assert.Equal([Lb, Lo], first.Requests.Cast<MarkBook>().Select(r => r.Book).OrderBy(b => b.Value, StringComparer.Ordinal));
        Assert.Equal(2, again.Requests.Count);
    }

    [Fact]
    public void A_crash_in_the_open_resumes_with_the_books_that_did_not_answer_and_the_day_finishes_when_all_have()
    {
        var day = new LendingDayState();
        Run(day, Start(105m, Lb, Lo));
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m));
        var summary = Assert.IsType<MarksDone>(book.Run(new ComputeMarks(D1, D, day.PricesFor(book.State.CusipsToMark(D1)), At(D1, 6))).Reply).Summary;

        Run(day, new RecordBookMarked(Lb, summary, At(D1, 6)));
        Assert.Empty(Run(day, new RecordBookMarked(Lb, summary, At(D1, 6))).Events);

        var replayed = new LendingDayState();
        foreach (var e in new[] { new LendingDayMarksStarted("2026-12-08", "2026-12-07", [new ClosePrice(X.Value, 10_500)], [Lb.Value, Lo.Value], At(D1, 6)) }.Cast<LendingDayEvent>()
                     .Append(new LoanBookMarked(Lb.Value, 1, 510_000, 0, At(D1, 6))))
            replayed.Apply(e);
        Assert.Equal([new MarkBook(Lo, D1, D)], LendingDayDecider.Unsent(replayed));

        var last = Run(day, new RecordBookMarked(Lo, summary with { MarksRequested = 0 }, At(D1, 6)));
        Assert.IsType<LendingDayMarksFinished>(last.Events[^1]);
        Assert.Empty(LendingDayDecider.Unsent(day));
    }

    [Fact]
    public void The_close_visits_every_book_once_and_ends_when_all_have_accrued()
    {
        var day = new LendingDayState();
        var start = Run(day, new StartClose(D, [Lb, Lo], At(D, 18)));
        Assert.Equal([new CloseBook(Lb, D), new CloseBook(Lo, D)], start.Requests);

        var closed = new BookDayClosed("2026-12-07", "2026-12-08", 1, At(D, 18));
        Run(day, new RecordBookClosed(Lb, closed, At(D, 18)));
        var last = Run(day, new RecordBookClosed(Lo, closed, At(D, 18)));

        Assert.IsType<LendingDayClosed>(last.Events[^1]);
        Assert.True(day.Closed);
    }

    [Fact]
    public void A_day_with_no_books_finishes_at_once()
    {
        var day = new LendingDayState();
        Assert.IsType<LendingDayMarksFinished>(Run(day, Start(100m)).Events[^1]);
        Assert.IsType<LendingDayClosed>(Run(day, new StartClose(D1, [], At(D1, 18))).Events[^1]);
    }

    [Fact]
    public void Bad_starts_and_answers_are_refused_and_change_nothing()
    {
        var day = new LendingDayState();
        Assert.Equal("lending-day-started", Rule(Run(day, new RecordBookMarked(Lb, new MarksComputed("2026-12-08", "2026-12-07", 0, 0, 0, 0, 0, [], 0, 0, At(D1, 6)), At(D1, 6)))));
        Assert.Equal("business-day", Rule(Run(day, new StartMarks(new DateOnly(2026, 12, 12), D, new Dictionary<Cusip, Money>(), [], At(D1, 6)))));
        Assert.Equal("price-date-before-mark-date", Rule(Run(day, new StartMarks(D1, D1, new Dictionary<Cusip, Money>(), [], At(D1, 6)))));
        Assert.Equal("price-range", Rule(Run(day, new StartMarks(D1, D, new Dictionary<Cusip, Money> { [X] = Money.Zero }, [], At(D1, 6)))));
        Assert.Equal("price-range", Rule(Run(day, new StartMarks(D1, D, new Dictionary<Cusip, Money> { [X] = LendingLimits.PriceMax + new Money(1) }, [], At(D1, 6)))));
        Assert.Equal("cusip-check-digit", Rule(Run(day, new StartMarks(D1, D, new Dictionary<Cusip, Money> { [new Cusip("037833101")] = new Money(100) }, [], At(D1, 6)))));
        Assert.False(day.MarksStarted);

        Run(day, Start(100m, Lb));
        Assert.Equal("lending-day-date", Rule(Run(day, new StartClose(D1.AddDays(1), [], At(D1, 18)))));
        Assert.Equal("book-in-run", Rule(Run(day, new RecordBookMarked(Lo, new MarksComputed("2026-12-08", "2026-12-07", 0, 0, 0, 0, 0, [], 0, 0, At(D1, 6)), At(D1, 6)))));
        Assert.Equal("lending-day-date", Rule(Run(day, new RecordBookMarked(Lb, new MarksComputed("2026-12-09", "2026-12-08", 0, 0, 0, 0, 0, [], 0, 0, At(D1, 6)), At(D1, 6)))));
        Assert.Empty(day.BooksMarked);
    }

    [Fact]
    public void The_directory_lists_a_book_once_and_knows_each_participants_books()
    {
        var directory = new LoanBookDirectoryState();
        var (events, reply) = LoanBookDirectoryDecider.Decide(directory, new RegisterLoanBook(Lb, At(D, 10)));
        var (again, againReply) = LoanBookDirectoryDecider.Decide(directory, new RegisterLoanBook(LoanBookId.Of(B, L), At(D, 11)));
        LoanBookDirectoryDecider.Decide(directory, new RegisterLoanBook(Lo, At(D, 12)));

        Assert.Single(events);
        Assert.Equal(Recorded.New, reply);
        Assert.Empty(again);
        Assert.Equal(Recorded.Again, againReply);
        Assert.Equal([Lb, Lo], directory.BooksOf(L));
        Assert.Equal([Lb], directory.BooksOf(B));
        Assert.Empty(directory.BooksOf(new ParticipantId("0777")));
        Assert.Equal(2, directory.All().Count);
    }

    private static string Rule(LendingDayDecision decision)
    {
        Assert.Empty(decision.Events);
        return Assert.IsType<Refused>(decision.Reply).Error.RuleName;
    }
}
