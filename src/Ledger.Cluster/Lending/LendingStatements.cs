using Ledger.Lending;

namespace Ledger.Cluster.Lending;

/// <summary>
/// Rebate statements and their reconciliation (lending.md section 3), read from the loan books'
/// states through the <see cref="LendingGateway"/>. Nothing here writes: a reconciliation compares
/// the counterparty's lines with the statement and answers the differences.
/// </summary>
public static class LendingStatements
{
    /// <summary><paramref name="participant"/>'s statements of <paramref name="month"/>, one per counterparty with a line (only <paramref name="counterparty"/>'s when given), by book id.</summary>
    public static async Task<IReadOnlyList<RebateStatement>> StatementsAsync(this LendingGateway lending, ParticipantId participant, StatementMonth month, ParticipantId? counterparty, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lending);
        IReadOnlyList<LoanBookId> books = await lending.BooksAsync(participant, ct);
        if (counterparty is { } c) books = books.Where(b => b == LoanBookId.Of(participant, c)).ToList();
        var statements = (await Task.WhenAll(books.Select(b => lending.BookQueryAsync<RebateStatementFound>(b, new GetRebateStatement(month), ct)))).Select(f => f.Statement);
        return statements.Where(s => s.Loans.Count > 0).OrderBy(s => LoanBookId.Of(s.First, s.Second).Value, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The pair's statement of <paramref name="month"/> (empty when the pair has no book) compared
    /// with the counterparty's lines: every loan where the two differ, by loan id.
    /// </summary>
    public static async Task<(RebateStatement Ours, IReadOnlyList<StatementDifference> Differences)> ReconcileAsync(
        this LendingGateway lending, ParticipantId participant, ParticipantId counterparty, StatementMonth month, IReadOnlyList<CounterpartyStatementLine> theirs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lending);
        var book = LoanBookId.Of(participant, counterparty);
        var ours = await lending.HasBookAsync(book, ct)
            ? (await lending.BookQueryAsync<RebateStatementFound>(book, new GetRebateStatement(month), ct)).Statement
            : RebateStatements.For(new LoanBookState(book), month);
        return (ours, RebateStatements.Reconcile(ours, theirs));
    }
}
