using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>Commands to one lending day (one business date).</summary>
public abstract record LendingDayCommand(DateTimeOffset At);

/// <summary>
/// The open of <paramref name="Date"/>: freeze the close prices of <paramref name="PriceDate"/>
/// and the books to mark (the directory at the open). The first start wins: a start sent again,
/// even with other prices, changes nothing, so every book of the day marks with the same prices
/// and both loans of a Market Loan get the same mark.
/// </summary>
public sealed record StartMarks(DateOnly Date, DateOnly PriceDate, IReadOnlyDictionary<Cusip, Money> ClosePrices, IReadOnlyCollection<LoanBookId> Books, DateTimeOffset At) : LendingDayCommand(At);

/// <summary>A book answered its mark run.</summary>
public sealed record RecordBookMarked(LoanBookId Book, MarksComputed Summary, DateTimeOffset At) : LendingDayCommand(At);

/// <summary>The close of the date: the books to accrue (the directory at the close). The first start wins.</summary>
public sealed record StartClose(DateOnly Date, IReadOnlyCollection<LoanBookId> Books, DateTimeOffset At) : LendingDayCommand(At);

/// <summary>A book answered its close.</summary>
public sealed record RecordBookClosed(LoanBookId Book, BookDayClosed Summary, DateTimeOffset At) : LendingDayCommand(At);

/// <summary>What a lending day sends a book (again, until the book's answer is recorded).</summary>
public abstract record LendingDayRequest(LoanBookId Book);

/// <summary>
/// Ask the book to mark. The book's actor gathers the prices of the CUSIPs it holds
/// (<see cref="LoanBookState.CusipsToMark"/>) from the day (<see cref="LendingDayState.PricesFor"/>)
/// and runs <see cref="ComputeMarks"/>.
/// </summary>
public sealed record MarkBook(LoanBookId Book, DateOnly Date, DateOnly PriceDate) : LendingDayRequest(Book);

/// <summary>Ask the book to run <see cref="AccrueRebates"/> for the date.</summary>
public sealed record CloseBook(LoanBookId Book, DateOnly Date) : LendingDayRequest(Book);

public sealed class LendingDayDecision
{
    public List<LendingDayEvent> Events { get; } = [];
    public List<LendingDayRequest> Requests { get; } = [];
    public LoanBookReply Reply { get; set; } = Recorded.Again;
}

/// <summary>
/// One business date of the lending context: the coordinator of its open (marks) and close
/// (accruals) across every book. It records which books answered, so a crash in the middle of
/// the open resumes with the books that did not (<see cref="LendingDayDecider.Unsent"/>); the
/// books deduplicate on the date.
/// </summary>
public sealed class LendingDayState
{
    /// <summary>The proposed persistence id of a date's lending day: <c>lending-day-2026-12-08</c>.</summary>
    public static string PersistenceId(DateOnly date) => "lending-day-" + LendingDates.Format(date);

    private readonly Dictionary<Cusip, Money> _prices = new();
    private readonly SortedSet<string> _booksToMark = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoanBookMarked> _marked = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _booksToClose = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoanBookClosed> _closed = new(StringComparer.Ordinal);

    public DateOnly? Date { get; private set; }
    public DateOnly? PriceDate { get; private set; }
    public bool MarksStarted { get; private set; }
    public bool MarksFinished { get; private set; }
    public bool CloseStarted { get; private set; }
    public bool Closed { get; private set; }

    public IReadOnlyDictionary<Cusip, Money> Prices => _prices;
    public IReadOnlyCollection<string> BooksToMark => _booksToMark;
    public IReadOnlyDictionary<string, LoanBookMarked> BooksMarked => _marked;
    public IReadOnlyCollection<string> BooksToClose => _booksToClose;
    public IReadOnlyDictionary<string, LoanBookClosed> BooksClosed => _closed;

    /// <summary>The frozen close prices of the given CUSIPs (those without a price are left out).</summary>
    public IReadOnlyDictionary<Cusip, Money> PricesFor(IEnumerable<Cusip> cusips)
    {
        var result = new Dictionary<Cusip, Money>();
        foreach (var c in cusips)
        {
            if (_prices.TryGetValue(c, out var p)) result[c] = p;
        }
        return result;
    }

    public void Apply(LendingDayEvent @event)
    {
        switch (@event)
        {
            case LendingDayMarksStarted e:
                Date = LendingDates.Parse(e.Date);
                PriceDate = LendingDates.Parse(e.PriceDate);
                MarksStarted = true;
                foreach (var p in e.Prices) _prices[new Cusip(p.Cusip)] = new Money(p.PriceCents);
                foreach (var b in e.Books) _booksToMark.Add(b);
                break;
            case LoanBookMarked e: _marked[e.Book] = e; break;
            case LendingDayMarksFinished: MarksFinished = true; break;
            case LendingDayCloseStarted e:
                Date = LendingDates.Parse(e.Date);
                CloseStarted = true;
                foreach (var b in e.Books) _booksToClose.Add(b);
                break;
            case LoanBookClosed e: _closed[e.Book] = e; break;
            case LendingDayClosed: Closed = true; break;
            default: throw new InvalidOperationException($"No apply rule for {@event.GetType().Name}");
        }
    }
}

public static class LendingDayDecider
{
    public static LendingDayDecision Decide(LendingDayState state, LendingDayCommand command, BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(calendar);
        var decision = new LendingDayDecision();
        switch (command)
        {
            case StartMarks c: OnStartMarks(state, c, calendar, decision); break;
            case RecordBookMarked c: OnBookMarked(state, c, decision); break;
            case StartClose c: OnStartClose(state, c, calendar, decision); break;
            case RecordBookClosed c: OnBookClosed(state, c, decision); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return decision;
    }

    /// <summary>The requests still unanswered: sent again after recovery or when a resend timer fires.</summary>
    public static IReadOnlyList<LendingDayRequest> Unsent(LendingDayState state)
    {
        var requests = new List<LendingDayRequest>();
        if (state.MarksStarted && !state.MarksFinished)
        {
            foreach (var b in state.BooksToMark.Where(b => !state.BooksMarked.ContainsKey(b)))
                requests.Add(new MarkBook(Parse(b), state.Date!.Value, state.PriceDate!.Value));
        }
        if (state.CloseStarted && !state.Closed)
        {
            foreach (var b in state.BooksToClose.Where(b => !state.BooksClosed.ContainsKey(b)))
                requests.Add(new CloseBook(Parse(b), state.Date!.Value));
        }
        return requests;
    }

    private static LoanBookId Parse(string book) =>
        LoanBookId.TryParse(book, out var id) ? id : throw new InvariantViolation($"lending day holds book id {book}");

    private static Refused Refuse(LendingRejection rule, string field, string message) => new(new LendingError(rule, field, message));

    private static void Emit(LendingDayState state, LendingDayDecision decision, LendingDayEvent e)
    {
        state.Apply(e);
        decision.Events.Add(e);
    }

    private static LendingError? DateError(LendingDayState state, DateOnly date, BusinessCalendar calendar)
    {
        if (state.Date is { } d && d != date)
            return new LendingError(LendingRejection.DayDateMismatch, "date", $"this lending day is {LendingDates.Format(d)}, not {LendingDates.Format(date)}");
        if (!calendar.IsBusinessDay(date))
            return new LendingError(LendingRejection.NotABusinessDay, "date", $"{LendingDates.Format(date)} is not a business day");
        return null;
    }

    private static void OnStartMarks(LendingDayState state, StartMarks c, BusinessCalendar calendar, LendingDayDecision decision)
    {
        if (DateError(state, c.Date, calendar) is { } dateError)
        {
            decision.Reply = new Refused(dateError);
            return;
        }
        if (state.MarksStarted)
        {
            decision.Requests.AddRange(Unsent(state).OfType<MarkBook>());
            decision.Reply = Recorded.Again;
            return;
        }
        if (c.PriceDate >= c.Date)
        {
            decision.Reply = Refuse(LendingRejection.PriceDateRange, "priceDate", "marks use the close prices of an earlier business date");
            return;
        }
        if (c.ClosePrices.Count > LendingLimits.PricesPerDayMax)
        {
            decision.Reply = Refuse(LendingRejection.PricesMaximum, "prices", $"at most {LendingLimits.PricesPerDayMax} close prices a day");
            return;
        }
        if (c.Books.Count > LendingLimits.BooksPerDayMax)
        {
            decision.Reply = Refuse(LendingRejection.BooksMaximum, "books", $"at most {LendingLimits.BooksPerDayMax} books a day");
            return;
        }
        foreach (var (cusip, price) in c.ClosePrices)
        {
            if (!Cusip.IsValid(cusip.Value))
            {
                decision.Reply = Refuse(LendingRejection.CusipFormat, "prices", $"{cusip.Value} is not a CUSIP with a valid check digit");
                return;
            }
            if (price.Cents <= 0 || price > LendingLimits.PriceMax)
            {
                decision.Reply = Refuse(LendingRejection.PriceRange, "prices", $"the close price of {cusip.Value} must be above $0 and at most {LendingLimits.PriceMax}");
                return;
            }
        }
        var prices = c.ClosePrices.OrderBy(p => p.Key.Value, StringComparer.Ordinal).Select(p => new ClosePrice(p.Key.Value, p.Value.Cents)).ToList();
        var books = c.Books.Select(b => b.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Emit(state, decision, new LendingDayMarksStarted(LendingDates.Format(c.Date), LendingDates.Format(c.PriceDate), prices, books, c.At));
        if (books.Count == 0) Emit(state, decision, new LendingDayMarksFinished(LendingDates.Format(c.Date), c.At));
        decision.Requests.AddRange(Unsent(state).OfType<MarkBook>());
        decision.Reply = Recorded.New;
    }

    private static void OnBookMarked(LendingDayState state, RecordBookMarked c, LendingDayDecision decision)
    {
        if (!state.MarksStarted)
        {
            decision.Reply = Refuse(LendingRejection.DayNotStarted, "book", "the marks of this day have not started");
            return;
        }
        if (c.Summary.MarkDate != LendingDates.Format(state.Date!.Value))
        {
            decision.Reply = Refuse(LendingRejection.DayDateMismatch, "markDate", $"this lending day is {LendingDates.Format(state.Date.Value)}, not {c.Summary.MarkDate}");
            return;
        }
        if (!state.BooksToMark.Contains(c.Book.Value))
        {
            decision.Reply = Refuse(LendingRejection.BookNotInRun, "book", $"book {c.Book} is not marked on this day");
            return;
        }
        if (state.BooksMarked.ContainsKey(c.Book.Value))
        {
            decision.Reply = Recorded.Again;
            return;
        }
        Emit(state, decision, new LoanBookMarked(c.Book.Value, c.Summary.MarksRequested, c.Summary.RequestedTotalCents, c.Summary.LoansWithoutPrice, c.At));
        if (state.BooksMarked.Count == state.BooksToMark.Count) Emit(state, decision, new LendingDayMarksFinished(LendingDates.Format(state.Date.Value), c.At));
        decision.Reply = Recorded.New;
    }

    private static void OnStartClose(LendingDayState state, StartClose c, BusinessCalendar calendar, LendingDayDecision decision)
    {
        if (DateError(state, c.Date, calendar) is { } dateError)
        {
            decision.Reply = new Refused(dateError);
            return;
        }
        if (state.CloseStarted)
        {
            decision.Requests.AddRange(Unsent(state).OfType<CloseBook>());
            decision.Reply = Recorded.Again;
            return;
        }
        if (c.Books.Count > LendingLimits.BooksPerDayMax)
        {
            decision.Reply = Refuse(LendingRejection.BooksMaximum, "books", $"at most {LendingLimits.BooksPerDayMax} books a day");
            return;
        }
        var books = c.Books.Select(b => b.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Emit(state, decision, new LendingDayCloseStarted(LendingDates.Format(c.Date), books, c.At));
        if (books.Count == 0) Emit(state, decision, new LendingDayClosed(LendingDates.Format(c.Date), c.At));
        decision.Requests.AddRange(Unsent(state).OfType<CloseBook>());
        decision.Reply = Recorded.New;
    }

    private static void OnBookClosed(LendingDayState state, RecordBookClosed c, LendingDayDecision decision)
    {
        if (!state.CloseStarted)
        {
            decision.Reply = Refuse(LendingRejection.DayNotStarted, "book", "the close of this day has not started");
            return;
        }
        // A book that already closed a later date answers with that close: the day's close is done in substance.
        if (string.CompareOrdinal(c.Summary.ClosedDate, LendingDates.Format(state.Date!.Value)) < 0)
        {
            decision.Reply = Refuse(LendingRejection.DayDateMismatch, "closedDate", $"this lending day is {LendingDates.Format(state.Date.Value)}, not {c.Summary.ClosedDate}");
            return;
        }
        if (!state.BooksToClose.Contains(c.Book.Value))
        {
            decision.Reply = Refuse(LendingRejection.BookNotInRun, "book", $"book {c.Book} is not closed on this day");
            return;
        }
        if (state.BooksClosed.ContainsKey(c.Book.Value))
        {
            decision.Reply = Recorded.Again;
            return;
        }
        Emit(state, decision, new LoanBookClosed(c.Book.Value, c.Summary.LoansAccrued, c.At));
        if (state.BooksClosed.Count == state.BooksToClose.Count) Emit(state, decision, new LendingDayClosed(LendingDates.Format(state.Date.Value), c.At));
        decision.Reply = Recorded.New;
    }
}
