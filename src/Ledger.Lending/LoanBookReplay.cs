using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>A book rebuilt from its journal, whole or as it stood at a moment.</summary>
public static class LoanBookReplay
{
    /// <summary>
    /// The book after its journal; with <paramref name="asOf"/>, only the events up to the first
    /// whose business time passes it (journal order is the truth; business times of notices from
    /// other contexts need not grow).
    /// </summary>
    public static LoanBookState Replay(LoanBookId book, IEnumerable<LoanBookEvent> journal, DateTimeOffset? asOf = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var state = new LoanBookState(book);
        foreach (var e in journal)
        {
            if (asOf is { } t && e.At > t) break;
            state.Apply(e);
        }
        return state;
    }
}
