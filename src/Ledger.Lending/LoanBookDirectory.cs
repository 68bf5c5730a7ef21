using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>
/// Every loan book that holds or held a loan: what a lending day visits at the open and the
/// close, and which books a participant's views read. One entity for the whole ledger; it is
/// written only when a counterparty pair opens its first loan, so it is never hot.
/// </summary>
public sealed class LoanBookDirectoryState
{
    /// <summary>The proposed persistence id of the directory.</summary>
    public const string PersistenceId = "loan-book-directory";

    private readonly SortedSet<string> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<ParticipantId, SortedSet<string>> _byParticipant = new();

    public IReadOnlyCollection<string> Books => _books;

    public bool Contains(LoanBookId book) => _books.Contains(book.Value);

    /// <summary>Every book, in id order.</summary>
    public IReadOnlyList<LoanBookId> All() => _books.Select(Parse).ToList();

    /// <summary>The books <paramref name="participant"/> is party to, in id order.</summary>
    public IReadOnlyList<LoanBookId> BooksOf(ParticipantId participant) =>
        _byParticipant.TryGetValue(participant, out var set) ? set.Select(Parse).ToList() : [];

    public void Apply(LoanBookDirectoryEvent @event)
    {
        switch (@event)
        {
            case LoanBookRegistered e:
                var book = Parse(e.Book);
                _books.Add(e.Book);
                foreach (var p in new[] { book.First, book.Second })
                {
                    if (!_byParticipant.TryGetValue(p, out var set)) _byParticipant[p] = set = new SortedSet<string>(StringComparer.Ordinal);
                    set.Add(e.Book);
                }
                break;
            default: throw new InvalidOperationException($"No apply rule for {@event.GetType().Name}");
        }
    }

    private static LoanBookId Parse(string book) =>
        LoanBookId.TryParse(book, out var id) ? id : throw new InvariantViolation($"the directory holds book id {book}");
}

public static class LoanBookDirectoryDecider
{
    /// <summary>Lists the book (once: a registration sent again is answered <see cref="Recorded.Again"/>). The book's actor then runs <see cref="ConfirmRegistration"/>.</summary>
    public static (IReadOnlyList<LoanBookDirectoryEvent> Events, LoanBookReply Reply) Decide(LoanBookDirectoryState state, RegisterLoanBook command)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        if (state.Contains(command.Book)) return ([], Recorded.Again);
        if (state.Books.Count >= LendingLimits.BooksMax)
            return ([], new Refused(new LendingError(LendingRejection.BooksMaximum, "book", $"the directory holds {LendingLimits.BooksMax} books")));
        var e = new LoanBookRegistered(command.Book.Value, command.At);
        state.Apply(e);
        return ([e], Recorded.New);
    }
}
