using Ledger.Lending;

namespace Ledger.Cluster.Lending;

/// <summary>
/// The lending gateway's reads of recalls and exception records (lending.md section 4, issue 15
/// "Bad input"): each book's view is built in turn with its commands (a typed query: the book may live on
/// another node), from the books the directory lists for the participant, so a participant is never given another pair's book.
/// </summary>
public static class LendingRecallQueries
{
    /// <summary>
    /// The recalls on loans <paramref name="participant"/> is party to, as they stand on the node's
    /// business date (open turns overdue once the business date is past the due date), optionally of
    /// one state; by deadline: due date, then when made available, then control number.
    /// </summary>
    public static async Task<IReadOnlyList<RecallView>> RecallsOfAsync(this LendingGateway lending, ParticipantId participant, RecallStatus? state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lending);
        var businessDate = (await lending.ReferenceAsync(ct)).BusinessDate;
        var books = await lending.BooksAsync(participant, ct);
        var views = await Task.WhenAll(books.Select(b => lending.BookQueryAsync<RecallList>(b, new GetRecallsOf(participant, businessDate, state), ct)));
        return views.SelectMany(v => v.Recalls)
            .OrderBy(v => v.DueOn).ThenBy(v => v.RecalledAt).ThenBy(v => v.ControlNumber, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every exception record that concerns <paramref name="participant"/>, in the order recorded.</summary>
    public static async Task<IReadOnlyList<LendingExceptionView>> ExceptionsOfAsync(this LendingGateway lending, ParticipantId participant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lending);
        var books = await lending.BooksAsync(participant, ct);
        var views = await Task.WhenAll(books.Select(b => lending.BookQueryAsync<LendingExceptionList>(b, new GetExceptionsOf(participant), ct)));
        return views.SelectMany(v => v.Exceptions).OrderBy(v => v.At).ThenBy(v => v.InputId, StringComparer.Ordinal).ToList();
    }
}
