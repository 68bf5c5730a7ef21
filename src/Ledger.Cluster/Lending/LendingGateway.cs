using Akka.Actor;
using Ledger.Journal;
using Ledger.Lending;
using Ledger.Lending.Events;
using Microsoft.Extensions.Logging;
using ReferenceSnapshot = Ledger.Settlement.ReferenceSnapshot;

namespace Ledger.Cluster.Lending;

/// <summary>
/// The gateway the host and the node's steps call for the lending context: it asks the lending
/// entities with the facts only the node has (the calendar, the close prices, the business day)
/// and reads views from the books' states. It decides nothing itself.
/// </summary>
public sealed class LendingGateway
{
    private readonly IActorRef _lending;
    private readonly ClusterLedger _ledger;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _askTimeout;
    private readonly ILogger _log;

    public LendingGateway(IActorRef lending, ClusterLedger ledger, TimeProvider clock, TimeSpan askTimeout, LendingRules rules, ILogger log)
    {
        _lending = lending;
        _ledger = ledger;
        _clock = clock;
        _askTimeout = askTimeout;
        Rules = rules;
        _log = log;
    }

    public LendingRules Rules { get; }

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Settlement's reference data: the business date, the calendar, the participants.</summary>
    public Task<ReferenceSnapshot> ReferenceAsync(CancellationToken ct) => _ledger.ReferenceAsync(ct);

    // ------------------------------------------------------------------ asking entities

    private async Task<object?> Ask(string entityId, object message, CancellationToken ct)
    {
        var answer = await _lending.Ask<object>(new LendingEnvelope(entityId, message), _askTimeout, ct);
        return answer switch
        {
            JournalDamaged damaged => throw new JournalDamagedException(damaged),
            Busy busy => throw new LedgerBusyException(busy.Reason),
            _ => answer,
        };
    }

    /// <summary>Runs <paramref name="command"/> on <paramref name="book"/> with the calendar of the moment.</summary>
    public async Task<LoanBookReply> BookCommandAsync(LoanBookId book, LoanBookCommand command, CancellationToken ct)
    {
        var calendar = (await _ledger.ReferenceAsync(ct)).Calendar;
        var answer = await Ask(LendingEntities.BookEntityId(book), new LendingStep(command, calendar), ct);
        return answer as LoanBookReply ?? throw new InvalidOperationException($"book {book} answered {answer?.GetType().Name}");
    }

    private async Task<LoanBookReply> DayCommandAsync(DateOnly date, LendingDayCommand command, Ledger.Kernel.BusinessCalendar calendar, CancellationToken ct)
    {
        var answer = await Ask(LendingEntities.DayEntityId(date), new LendingStep(command, calendar), ct);
        return answer as LoanBookReply ?? throw new InvalidOperationException($"lending day {date} answered {answer?.GetType().Name}");
    }

    /// <summary>A typed read of one lending entity (it may live on another node): its answer of type <typeparamref name="TAnswer"/>.</summary>
    private async Task<TAnswer> QueryAsync<TAnswer>(string entityId, LendingTypedQuery query, CancellationToken ct)
        where TAnswer : ILendingMessage
    {
        var answer = await Ask(entityId, query, ct);
        return answer is TAnswer typed ? typed : throw new InvalidOperationException($"{entityId} answered {query.GetType().Name} with {answer?.GetType().Name}: {answer}");
    }

    /// <summary>A typed read of <paramref name="book"/>, on whichever node holds it.</summary>
    public Task<TAnswer> BookQueryAsync<TAnswer>(LoanBookId book, LendingTypedQuery query, CancellationToken ct)
        where TAnswer : ILendingMessage => QueryAsync<TAnswer>(LendingEntities.BookEntityId(book), query, ct);

    /// <summary>The books <paramref name="participant"/> is party to, or every book (null), as the directory holds them.</summary>
    public async Task<IReadOnlyList<LoanBookId>> BooksAsync(ParticipantId? participant, CancellationToken ct) =>
        (await QueryAsync<LoanBookList>(LoanBookDirectoryState.PersistenceId, new GetLoanBooks(participant), ct)).Books;

    internal async Task<bool> HasBookAsync(LoanBookId book, CancellationToken ct) =>
        (await QueryAsync<LoanBookKnown>(LoanBookDirectoryState.PersistenceId, new HasLoanBook(book), ct)).Known;

    /// <summary>How far the lending day of <paramref name="date"/> has come with its marks and its close.</summary>
    public Task<LendingDayProgress> DayProgressAsync(DateOnly date, CancellationToken ct) =>
        QueryAsync<LendingDayProgress>(LendingEntities.DayEntityId(date), GetLendingDayProgress.Instance, ct);

    /// <summary>The loans <paramref name="participant"/> is party to, optionally of one state; oldest first (each book's view is built in turn with its commands).</summary>
    public async Task<IReadOnlyList<LoanView>> LoansOfAsync(ParticipantId participant, LoanStateFilter? state, CancellationToken ct)
    {
        var books = await BooksAsync(participant, ct);
        var views = await Task.WhenAll(books.Select(b => BookQueryAsync<LoanList>(b, new GetLoansOf(participant, state), ct)));
        return views.SelectMany(v => v.Loans).OrderBy(v => v.OpenedAt).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The marks of <paramref name="markDate"/> on loans <paramref name="participant"/> is party to, by loan opening order.</summary>
    public async Task<IReadOnlyList<MarkView>> MarksOfAsync(ParticipantId participant, DateOnly markDate, CancellationToken ct)
    {
        var books = await BooksAsync(participant, ct);
        var views = await Task.WhenAll(books.Select(b => BookQueryAsync<MarkList>(b, new GetMarksOf(participant, markDate), ct)));
        return views.SelectMany(v => v.Marks).OrderBy(v => v.LoanOpenedAt).ThenBy(v => v.Mark.LoanId, StringComparer.Ordinal).Select(v => v.Mark).ToList();
    }

    /// <summary>
    /// One loan, found through its opening deliver order's two parties (settlement's index);
    /// null when there is no such loan or <paramref name="viewer"/> (null for staff) is not a party.
    /// </summary>
    public async Task<LoanDetailView?> LoanAsync(string loanId, ParticipantId? viewer, CancellationToken ct)
    {
        if (!DeliverOrderId.IsValid(loanId)) return null;
        if (await _ledger.PartiesOfAsync(new DeliverOrderId(loanId), ct) is not { } parties || parties.Deliverer == parties.Receiver) return null;
        var book = LoanBookId.Of(parties.Deliverer, parties.Receiver);
        if (!(await QueryAsync<LoanBookKnown>(LoanBookDirectoryState.PersistenceId, new HasLoanBook(book), ct)).Known) return null;
        return (await BookQueryAsync<LoanFound>(book, new GetLoan(loanId, viewer), ct)).View;
    }

    // ------------------------------------------------------------------ the day

    /// <summary>
    /// The open of <paramref name="opened"/>: freezes the close prices of <paramref name="closed"/>
    /// (the operator's last price of each security), then has every book in the directory compute
    /// its marks, which leave as payment orders once written. Idempotent: the lending day keeps the
    /// first start's prices and the books that answered, and a book answers a date's run again
    /// with the first run's summary. Returns whether every book has marked.
    /// </summary>
    public async Task<bool> OpenAsync(DateOnly closed, DateOnly opened, ReferenceSnapshot reference, CancellationToken ct)
    {
        var prices = reference.Securities
            .Where(s => s.Value.Price.Cents > 0 && s.Value.Price <= LendingLimits.PriceMax)
            .ToDictionary(s => s.Key, s => s.Value.Price);
        var books = await BooksAsync(null, ct);
        var started = await DayCommandAsync(opened, new StartMarks(opened, closed, prices, books, Now), reference.Calendar, ct);
        if (started is Refused refused)
        {
            _log.LogWarning("The lending day {Date} refused to start its marks: {Rule} ({Message})", opened, refused.Error.Rule, refused.Error.Message);
            return false;
        }
        var requests = (await DayProgressAsync(opened, ct)).MarkBooks;
        await Task.WhenAll(requests.Select(r => MarkBookAsync(r, reference, ct)));
        return (await DayProgressAsync(opened, ct)).MarksFinished;
    }

    private async Task MarkBookAsync(MarkBook request, ReferenceSnapshot reference, CancellationToken ct)
    {
        var cusips = (await BookQueryAsync<CusipList>(request.Book, new GetCusipsToMark(request.Date), ct)).Cusips;
        var prices = (await QueryAsync<ClosePriceList>(LendingEntities.DayEntityId(request.Date), new GetClosePrices(cusips), ct)).ToDictionary();
        var reply = await BookCommandAsync(request.Book, new ComputeMarks(request.Date, request.PriceDate, prices, Now), ct);
        if (reply is MarksDone done)
        {
            if (await DayCommandAsync(request.Date, new RecordBookMarked(request.Book, done.Summary, Now), reference.Calendar, ct) is Refused r)
                _log.LogWarning("The lending day {Date} refused book {Book}'s marks: {Rule}", request.Date, request.Book, r.Error.Rule);
        }
        else if (reply is Refused refused)
        {
            // marks-unresolved: an earlier mark has no outcome yet; the next pass runs it again.
            _log.LogInformation("Book {Book} did not mark {Date} yet: {Rule} ({Message})", request.Book, request.Date, refused.Error.Rule, refused.Error.Message);
        }
    }

    /// <summary>
    /// The close of <paramref name="closed"/>: every book in the directory accrues its rebates
    /// (once per book and date), and the lending day records each, then that the day closed.
    /// </summary>
    public async Task<bool> CloseAsync(DateOnly closed, ReferenceSnapshot reference, CancellationToken ct)
    {
        var books = await BooksAsync(null, ct);
        var started = await DayCommandAsync(closed, new StartClose(closed, books, Now), reference.Calendar, ct);
        if (started is Refused refused)
        {
            _log.LogWarning("The lending day {Date} refused to start its close: {Rule} ({Message})", closed, refused.Error.Rule, refused.Error.Message);
            return false;
        }
        var requests = (await DayProgressAsync(closed, ct)).CloseBooks;
        await Task.WhenAll(requests.Select(async r =>
        {
            var reply = await BookCommandAsync(r.Book, new AccrueRebates(r.Date, Now), ct);
            if (reply is CloseDone done)
                await DayCommandAsync(r.Date, new RecordBookClosed(r.Book, done.Summary, Now), reference.Calendar, ct);
            else if (reply is Refused no)
                _log.LogWarning("Book {Book} refused the close of {Date}: {Rule} ({Message})", r.Book, r.Date, no.Error.Rule, no.Error.Message);
        }));
        return (await DayProgressAsync(closed, ct)).Closed;
    }
}
