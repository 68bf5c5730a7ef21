namespace Ledger.Lending;

/// <summary>
/// One loan's line of a monthly rebate statement. <see cref="Amount"/> is the month's accrual
/// billed (rounded to the cent), signed as lending.md section 3 has it whoever reads the
/// statement: positive is owed by the lender to the borrower (a rebate), negative by the borrower
/// to the lender (a fee). <see cref="Payer"/> and <see cref="Payee"/> say the same in words.
/// </summary>
public sealed record RebateStatementLine(
    string LoanId,
    ParticipantId Lender,
    ParticipantId Borrower,
    Cusip Cusip,
    int Days,
    long AccrualCentHundredths,
    Money Amount,
    ParticipantId Payer,
    ParticipantId Payee)
{
    public decimal Accrual => Rebates.ToDollars(AccrualCentHundredths);
}

/// <summary>
/// The rebate statement of one counterparty pair for one month: each loan with accruals in the
/// month, its days, its accrual and its billed amount, and what the pair owes net:
/// <see cref="NetPayer"/> pays <see cref="NetAmount"/> (the sum of the billed lines) to <see cref="NetPayee"/>.
/// </summary>
public sealed record RebateStatement(
    StatementMonth Month,
    ParticipantId First,
    ParticipantId Second,
    IReadOnlyList<RebateStatementLine> Loans,
    ParticipantId NetPayer,
    ParticipantId NetPayee,
    Money NetAmount);

/// <summary>A line of the counterparty's statement, as submitted for reconciliation (signed as <see cref="RebateStatementLine.Amount"/>).</summary>
public sealed record CounterpartyStatementLine(string LoanId, Money Amount);

/// <summary>A loan on which the two statements differ: <see cref="Ours"/> or <see cref="Theirs"/> is null when the loan is on one side only; <see cref="Difference"/> is theirs - ours.</summary>
public sealed record StatementDifference(string LoanId, Money? Ours, Money? Theirs)
{
    public Money Difference => (Theirs ?? Money.Zero) - (Ours ?? Money.Zero);
}

public static class RebateStatements
{
    /// <summary>The statement of the book's pair for <paramref name="month"/>; accruals are split by the calendar month of each day (<see cref="Rebates.ByMonth"/>).</summary>
    public static RebateStatement For(LoanBookState book, StatementMonth month)
    {
        var lines = new List<RebateStatementLine>();
        foreach (var loan in book.LoansInOrder)
        {
            var days = 0;
            long accrual = 0;
            foreach (var e in loan.Accruals)
            {
                foreach (var part in Rebates.ByMonth(e))
                {
                    if (part.Month != month) continue;
                    days += part.Days;
                    accrual += part.CentHundredths;
                }
            }
            if (days == 0) continue;
            var billed = Rebates.Billed(accrual);
            var (payer, payee) = billed.IsNegative ? (loan.Borrower, loan.Lender) : (loan.Lender, loan.Borrower);
            lines.Add(new RebateStatementLine(loan.Id, loan.Lender, loan.Borrower, loan.Cusip, days, accrual, billed, payer, payee));
        }
        // Net from the first party's side: a line it pays counts up, a line it is paid counts down.
        long owedByFirst = 0;
        foreach (var line in lines) owedByFirst += line.Payer == book.Book.First ? Math.Abs(line.Amount.Cents) : -Math.Abs(line.Amount.Cents);
        return owedByFirst >= 0
            ? new RebateStatement(month, book.Book.First, book.Book.Second, lines, book.Book.First, book.Book.Second, new Money(owedByFirst))
            : new RebateStatement(month, book.Book.First, book.Book.Second, lines, book.Book.Second, book.Book.First, new Money(-owedByFirst));
    }

    /// <summary>The statements of <paramref name="subject"/>'s pairs for the month (only the one with <paramref name="counterparty"/> when given), pairs with no line left out.</summary>
    public static IReadOnlyList<RebateStatement> ForParticipant(IEnumerable<LoanBookState> books, ParticipantId subject, StatementMonth month, ParticipantId? counterparty = null) =>
        books.Where(b => b.Book.Contains(subject) && (counterparty is null || b.Book == LoanBookId.Of(subject, counterparty.Value)))
            .OrderBy(b => b.Book.Value, StringComparer.Ordinal)
            .Select(b => For(b, month))
            .Where(s => s.Loans.Count > 0)
            .ToList();

    /// <summary>
    /// Every loan where our statement and the counterparty's differ, by loan id: amounts that
    /// differ by a cent or more, and loans on one side only (a loan id we do not know for this
    /// pair and month is "theirs only": the answer never says whether it exists elsewhere).
    /// </summary>
    public static IReadOnlyList<StatementDifference> Reconcile(RebateStatement ours, IReadOnlyList<CounterpartyStatementLine> theirs)
    {
        var mine = ours.Loans.ToDictionary(l => l.LoanId, l => l.Amount, StringComparer.Ordinal);
        var other = theirs.ToDictionary(l => l.LoanId, l => l.Amount, StringComparer.Ordinal);
        return mine.Keys.Union(other.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(id => new StatementDifference(id, mine.TryGetValue(id, out var o) ? o : null, other.TryGetValue(id, out var t) ? t : null))
            .Where(d => d.Ours != d.Theirs)
            .ToList();
    }
}
