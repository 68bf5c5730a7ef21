using Ledger.Journal;
using Ledger.Lending;
using Ledger.Lending.Events;
using BusinessDayCloseStarted = Ledger.Settlement.Events.BusinessDayCloseStarted;

namespace Ledger.Cluster.Lending;

/// <summary>A 10c-1a report read from the journal, or why there is none yet.</summary>
public sealed record TenC1aOutcome(TenC1aReportFile? File, LendingError? Error);

/// <summary>
/// The 10c-1a report of lending.md section 5, built from the journal only: the node's
/// <c>GET /v1/participants/{id}/reports/10c-1a/{date}</c> and <c>ledger report 10c-1a</c> (which
/// reads a store offline) both call <see cref="TenC1aAsync"/> on the same rows, so they give the
/// same bytes, before and after a restart. What it reads:
/// - <c>lending-day-DATE</c>: the report exists once that day's close is recorded (every book
///   accrued DATE; an event a book records later goes to the next date's report);
/// - <c>reference</c>: the next business date as the close of DATE fixed it (the late deadline);
/// - <c>loan-book-directory</c> and the journals of the reporting party's books.
/// </summary>
public sealed class LendingReports
{
    /// <summary>The persistence id of settlement's reference data (its business-day closes).</summary>
    public const string ReferencePersistenceId = "reference";

    private readonly JournalTable? _journal;

    public LendingReports(JournalTable? journal, LendingRules rules)
    {
        _journal = journal;
        Rules = rules;
    }

    public LendingRules Rules { get; }

    /// <summary>Whether this node's store can be read back (a memory store cannot: it has no report to give).</summary>
    public bool Readable => _journal is not null;

    public Task<TenC1aOutcome> TenC1aAsync(ParticipantId reportingParty, DateOnly businessDate, CancellationToken ct) =>
        TenC1aAsync(_journal ?? throw new NotSupportedException("this node's store has no read journal"), reportingParty, businessDate, Rules, ct);

    /// <summary><paramref name="reportingParty"/>'s report of <paramref name="businessDate"/> from <paramref name="table"/>; refused <c>report-date-closed</c> until the lending day recorded its close.</summary>
    public static async Task<TenC1aOutcome> TenC1aAsync(JournalTable table, ParticipantId reportingParty, DateOnly businessDate, LendingRules rules, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rules);
        var closed = false;
        await foreach (var stored in table.EventsAsync(LendingDayState.PersistenceId(businessDate), long.MaxValue, ct))
        {
            if (stored.Event is LendingDayClosed) closed = true;
        }
        DateOnly? next = null;
        if (closed)
        {
            var date = LendingDates.Format(businessDate);
            await foreach (var stored in table.EventsAsync(ReferencePersistenceId, long.MaxValue, ct))
            {
                if (stored.Event is BusinessDayCloseStarted c && c.BusinessDate == date) next = LendingDates.Parse(c.NextDate);
            }
        }
        if (next is not { } nextDate)
        {
            return new TenC1aOutcome(null, new LendingError(LendingRejection.ReportDateClosed, "date",
                $"the close of {LendingDates.Format(businessDate)} is not recorded: its 10c-1a report is written once every loan book has closed that business date"));
        }
        var books = new LoanBookDirectoryState();
        await foreach (var stored in table.EventsAsync(LoanBookDirectoryState.PersistenceId, long.MaxValue, ct))
        {
            if (stored.Event is LoanBookDirectoryEvent e) books.Apply(e);
        }
        var journals = new List<(LoanBookId, IEnumerable<LoanBookEvent>)>();
        foreach (var book in books.BooksOf(reportingParty))
        {
            var events = new List<LoanBookEvent>();
            await foreach (var stored in table.EventsAsync(book.PersistenceId, long.MaxValue, ct))
            {
                if (stored.Event is LoanBookEvent e) events.Add(e);
            }
            journals.Add((book, events));
        }
        return new TenC1aOutcome(TenC1aReport.Build(reportingParty, businessDate, journals, rules, nextDate), null);
    }

    /// <summary>Every participant party to a loan book, in id order: the reporting parties <c>ledger report 10c-1a</c> writes when no participant is named.</summary>
    public static async Task<IReadOnlyList<ParticipantId>> PartiesAsync(JournalTable table, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        var parties = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var stored in table.EventsAsync(LoanBookDirectoryState.PersistenceId, long.MaxValue, ct))
        {
            if (stored.Event is LoanBookRegistered e && LoanBookId.TryParse(e.Book, out var book))
            {
                parties.Add(book.First.Value);
                parties.Add(book.Second.Value);
            }
        }
        return parties.Select(p => new ParticipantId(p)).ToList();
    }
}
