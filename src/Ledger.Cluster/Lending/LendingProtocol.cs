using Ledger.Lending;

namespace Ledger.Cluster.Lending;

/// <summary>
/// Everything of the lending context that crosses nodes besides the core's commands and replies:
/// the envelope, the step, typed queries and the answers they read. Bound to
/// <see cref="LendingProtocolSerializer"/> by this marker (hocon/contexts/lending.conf), so a new one
/// can never fall back to a CLR type name. Every read of an entity is one of the typed queries
/// below, never a function of its state (which could be answered only on the node that asks).
/// </summary>
public interface ILendingMessage
{
}

/// <summary>
/// A read of a lending entity's state as plain data: the entity answers it in turn with its
/// commands (so it never shows what a write in flight has not made durable) with
/// <see cref="Answer"/>, on whichever node it lives.
/// </summary>
public abstract record LendingTypedQuery : ILendingMessage
{
    /// <summary>The answer from <paramref name="state"/>; <see cref="LendingQueryNotAnswered"/> when it is another kind of entity's state.</summary>
    public abstract ILendingMessage Answer(object state);

    protected LendingQueryNotAnswered NotAnswered(object state) => new(GetType().Name, state.GetType().Name);
}

/// <summary>An entity was asked a query of another kind of entity: a bug of the asker, answered as such (never a timeout).</summary>
public sealed record LendingQueryNotAnswered(string Query, string State) : ILendingMessage;

// ---------------------------------------------------------------- directory

/// <summary>The books <paramref name="Participant"/> is party to, or every book (null): answered with <see cref="LoanBookList"/>.</summary>
public sealed record GetLoanBooks(ParticipantId? Participant) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookDirectoryState d
        ? new LoanBookList(Participant is { } p ? d.BooksOf(p).ToList() : d.All().ToList())
        : NotAnswered(state);
}

public sealed record LoanBookList(IReadOnlyList<LoanBookId> Books) : ILendingMessage;

/// <summary>Whether the directory holds <paramref name="Book"/>: answered with <see cref="LoanBookKnown"/>.</summary>
public sealed record HasLoanBook(LoanBookId Book) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookDirectoryState d ? new LoanBookKnown(d.Contains(Book)) : NotAnswered(state);
}

public sealed record LoanBookKnown(bool Known) : ILendingMessage;

// ---------------------------------------------------------------- loan book

/// <summary>The book's loans <paramref name="Participant"/> is party to, optionally of one state: answered with <see cref="LoanList"/>.</summary>
public sealed record GetLoansOf(ParticipantId Participant, LoanStateFilter? State) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s
        ? new LoanList(LoanViews.ForParticipant([s], Participant, State))
        : NotAnswered(state);
}

public sealed record LoanList(IReadOnlyList<LoanView> Loans) : ILendingMessage;

/// <summary>The marks of <paramref name="MarkDate"/> on the book's loans <paramref name="Participant"/> is party to, with each loan's opening time: answered with <see cref="MarkList"/>.</summary>
public sealed record GetMarksOf(ParticipantId Participant, DateOnly MarkDate) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s
        ? new MarkList(MarkViews.OfDay([s], Participant, MarkDate).Select(m => new LoanMark(s.Loans[m.LoanId].OpenedAt, m)).ToList())
        : NotAnswered(state);
}

/// <summary>A mark and when its loan opened (the order the gateway lists marks in).</summary>
public sealed record LoanMark(DateTimeOffset LoanOpenedAt, MarkView Mark);

public sealed record MarkList(IReadOnlyList<LoanMark> Marks) : ILendingMessage;

/// <summary>One loan as <paramref name="Viewer"/> (null: staff) may see it: answered with <see cref="LoanFound"/>.</summary>
public sealed record GetLoan(string LoanId, ParticipantId? Viewer) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s ? new LoanFound(LoanViews.One(s, LoanId, Viewer)) : NotAnswered(state);
}

public sealed record LoanFound(LoanDetailView? View) : ILendingMessage;

/// <summary>The CUSIPs the book marks on <paramref name="MarkDate"/>: answered with <see cref="CusipList"/>.</summary>
public sealed record GetCusipsToMark(DateOnly MarkDate) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s
        ? new CusipList(s.CusipsToMark(MarkDate).OrderBy(c => c.Value, StringComparer.Ordinal).ToList())
        : NotAnswered(state);
}

public sealed record CusipList(IReadOnlyList<Cusip> Cusips) : ILendingMessage;

// ---------------------------------------------------------------- lending day

/// <summary>The close prices the day froze for <paramref name="Cusips"/>: answered with <see cref="ClosePriceList"/>.</summary>
public sealed record GetClosePrices(IReadOnlyList<Cusip> Cusips) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LendingDayState d
        ? new ClosePriceList(d.PricesFor(Cusips).OrderBy(p => p.Key.Value, StringComparer.Ordinal).Select(p => new SecurityClosePrice(p.Key, p.Value)).ToList())
        : NotAnswered(state);
}

public sealed record SecurityClosePrice(Cusip Cusip, Money Price);

public sealed record ClosePriceList(IReadOnlyList<SecurityClosePrice> Prices) : ILendingMessage
{
    public IReadOnlyDictionary<Cusip, Money> ToDictionary() => Prices.ToDictionary(p => p.Cusip, p => p.Price);
}

/// <summary>What the day still asks of books, and how far it is: answered with <see cref="LendingDayProgress"/>.</summary>
public sealed record GetLendingDayProgress : LendingTypedQuery
{
    public static readonly GetLendingDayProgress Instance = new();

    public override ILendingMessage Answer(object state)
    {
        if (state is not LendingDayState d) return NotAnswered(state);
        var unsent = LendingDayDecider.Unsent(d).ToList();
        return new LendingDayProgress(unsent.OfType<MarkBook>().ToList(), unsent.OfType<CloseBook>().ToList(), d.MarksFinished, d.Closed);
    }
}

public sealed record LendingDayProgress(IReadOnlyList<MarkBook> MarkBooks, IReadOnlyList<CloseBook> CloseBooks, bool MarksFinished, bool Closed) : ILendingMessage;

// ---------------------------------------------------------------- recalls, exceptions, statements

/// <summary>The book's recalls <paramref name="Participant"/> is party to as they stand on <paramref name="BusinessDate"/>, optionally of one state: answered with <see cref="RecallList"/>.</summary>
public sealed record GetRecallsOf(ParticipantId Participant, DateOnly BusinessDate, RecallStatus? State) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s
        ? new RecallList(RecallViews.ForParticipant([s], Participant, BusinessDate, State))
        : NotAnswered(state);
}

public sealed record RecallList(IReadOnlyList<RecallView> Recalls) : ILendingMessage;

/// <summary>The book's exception records that concern <paramref name="Participant"/>: answered with <see cref="LendingExceptionList"/>.</summary>
public sealed record GetExceptionsOf(ParticipantId Participant) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s
        ? new LendingExceptionList(ExceptionViews.For([s], Participant))
        : NotAnswered(state);
}

public sealed record LendingExceptionList(IReadOnlyList<LendingExceptionView> Exceptions) : ILendingMessage;

/// <summary>The book's rebate statement of <paramref name="Month"/>: answered with <see cref="RebateStatementFound"/>.</summary>
public sealed record GetRebateStatement(StatementMonth Month) : LendingTypedQuery
{
    public override ILendingMessage Answer(object state) => state is LoanBookState s
        ? new RebateStatementFound(RebateStatements.For(s, Month))
        : NotAnswered(state);
}

public sealed record RebateStatementFound(RebateStatement Statement) : ILendingMessage;
