using Ledger.Settlement.Events;

namespace Ledger.Settlement.Events
{

/// <summary>
/// One income entry as settlement journals it: a holder-of-record credit (money from the paying
/// agent, <see cref="Counterparty"/> null) or one side of a stock-loan income transfer (the
/// lender's credit or the borrower's debit). Coded with kind, distribution, counterparty, CUSIP,
/// shares and rate, so the account's activity tells it from other money.
/// </summary>
public sealed record IncomeEntryPosted(
    string EntryId,
    string Kind,
    string Cusip,
    string DistributionId,
    string? Counterparty,
    long Shares,
    decimal RatePerShare,
    long AmountCents,
    string PayableDate);

}

namespace Ledger.Settlement
{
/// <summary>
/// Income tracking asks settlement to apply one posting to this account's settlement balance,
/// once per <paramref name="PostingId"/>: a resend is answered <see cref="Acknowledged"/> and
/// changes nothing. The entries are the ledger's own: not subject to the collateral monitor or
/// the net debit cap (income-tracking.md section 3).
/// </summary>
public sealed record ApplyIncomePosting(string PostingId, IReadOnlyList<IncomeEntryPosted> Entries, DateTimeOffset At) : AccountCommand(At)
{
    public bool Equals(ApplyIncomePosting? other) =>
        other is not null && At == other.At && PostingId == other.PostingId && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => HashCode.Combine(PostingId, Entries.Count);
}

/// <summary>Rules for income postings at one account (the decider's <see cref="ApplyIncomePosting"/> case).</summary>
public static class IncomePostingRules
{
    /// <summary>Income postings remembered per account, at most: one per posting date, for about four years.</summary>
    public const int RememberedMax = 1_000;

    public static void Decide(AccountState state, ApplyIncomePosting c, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(decision);
        if (!state.HasIncomePosting(c.PostingId))
        {
            var e = new IncomePostingApplied(c.PostingId, c.Entries.Sum(x => x.AmountCents), c.Entries, c.At);
            state.Apply(e);
            decision.Events.Add(e);
        }
        decision.Reply = Acknowledged.Instance;
    }
}
}
