using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary><c>GET /v1/stock-loan-adjustments/{id}</c>; <see cref="Shares"/> is the change to the entering party's line.</summary>
public sealed record AdjustmentView(
    string Id,
    string EnteredBy,
    string Counterparty,
    string Cusip,
    long Shares,
    string Status,
    string EnteredOn,
    string ExpiresOn,
    string? ResolvedOn,
    string? CancelledBy)
{
    /// <summary>Null for an id never entered. A pending adjustment past its last day reads as expired.</summary>
    public static AdjustmentView? Of(AdjustmentState state, DateOnly businessDate)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Entered) return null;
        var status = state.StatusOn(businessDate);
        var resolvedOn = state.ResolvedOn ?? (status == AdjustmentStatus.Expired ? state.ExpiresOn : null);
        return new AdjustmentView(state.AdjustmentId, state.EnteredBy.Value, state.Counterparty.Value, state.Cusip.Value, state.Shares,
            status.Name(), IncomeDates.ToText(state.EnteredOn), IncomeDates.ToText(state.ExpiresOn),
            resolvedOn is { } r ? IncomeDates.ToText(r) : null, state.CancelledBy?.Value);
    }
}

/// <summary>One entry of <c>GET /v1/securities/{cusip}/distributions</c>.</summary>
public sealed record DistributionView(
    string Cusip,
    string Id,
    string Type,
    decimal RatePerShare,
    string RecordDate,
    string PayableDate,
    string PostingDate,
    string? AnnouncedOn)
{
    public static DistributionView Of(Distribution d, DateOnly? announcedOn = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Cusip.Value, d.Id, d.Type.Name(), d.RatePerShare, IncomeDates.ToText(d.RecordDate), IncomeDates.ToText(d.PayableDate),
            IncomeDates.ToText(d.PostingDate), announcedOn is { } a ? IncomeDates.ToText(a) : null);
    }

    /// <summary>The announced distributions of a security, by record date then id.</summary>
    public static IReadOnlyList<DistributionView> ForSecurity(DistributionScheduleState state, Cusip cusip)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.ForSecurity(cusip).Select(d => Of(d, state.AnnouncedOn(d.Cusip, d.Id))).ToList();
    }
}

/// <summary>A halt letter as the instructing party and its counterparty see it.</summary>
public sealed record HaltView(string Instructing, string Counterparty, string EffectiveDate, string FiledOn)
{
    public static HaltView Of(Halt h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return new(h.Instructing.Value, h.Counterparty.Value, IncomeDates.ToText(h.EffectiveDate), IncomeDates.ToText(h.FiledOn));
    }
}

/// <summary>
/// A payable-date line on which the two parties' record-date reports disagree: the lender's line
/// (which decided) and the borrower's mirror, null when one side reported nothing. At a quiescent
/// close there are none; one shows a change that reached one party before its close and the other after.
/// </summary>
public sealed record RecordDateMismatch(string RecordDate, string Lender, string Borrower, string Cusip, long? LenderShares, long? BorrowerShares);

/// <summary>What a payable-date run posted, in all: for operators, the demo's checks and the benchmark.</summary>
public sealed record PayableDateSummary(
    string PostingDate,
    string? PostedOn,
    int Reports,
    int Postings,
    int PostingsAcknowledged,
    long HolderOfRecordCents,
    long StockLoanIncomeCreditsCents,
    long StockLoanIncomeDebitsCents,
    int Skipped,
    IReadOnlyList<RecordDateMismatch> Mismatches)
{
    /// <summary>Credits plus debits of stock-loan income: zero, always (income-tracking.md section 3).</summary>
    public long StockLoanIncomeNetCents => StockLoanIncomeCreditsCents + StockLoanIncomeDebitsCents;

    public static PayableDateSummary Of(PayableDateRunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        long holderOfRecord = 0, credits = 0, debits = 0;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var posting in state.Postings.Values)
        {
            foreach (var e in posting.Entries)
            {
                if (e.Kind == IncomeKind.HolderOfRecord.Name()) holderOfRecord += e.AmountCents;
                else if (e.AmountCents >= 0) credits += e.AmountCents;
                else debits += e.AmountCents;
            }
            foreach (var s in posting.Skipped) skipped.Add(s.EntryId);
        }
        return new PayableDateSummary(IncomeDates.ToText(state.PostingDate), state.Posted?.BusinessDate, state.Reports.Count, state.Postings.Count,
            state.Postings.Keys.Count(state.IsAcknowledged), holderOfRecord, credits, debits, skipped.Count, MismatchesOf(state));
    }

    /// <summary>Every line reported by one party of a pair and not mirrored by the other's report of the same record date.</summary>
    public static IReadOnlyList<RecordDateMismatch> MismatchesOf(PayableDateRunState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var lines = new Dictionary<(DateOnly, string, string, string), long>();
        foreach (var ((participant, recordDate), report) in state.Reports)
        {
            foreach (var line in report.Lines) lines[(recordDate, participant, line.Counterparty, line.Cusip)] = line.Shares;
        }
        var mismatches = new List<RecordDateMismatch>();
        foreach (var ((recordDate, holder, counterparty, cusip), shares) in lines)
        {
            var mirrored = lines.TryGetValue((recordDate, counterparty, holder, cusip), out var other);
            if (mirrored && other == -shares) continue;
            // Name each pair once, from its lender's side (or from the only side that reported).
            if (shares < 0 && mirrored && other > 0) continue;
            var (lender, borrower, lenderShares, borrowerShares) = shares > 0
                ? (holder, counterparty, (long?)shares, mirrored ? other : (long?)null)
                : (counterparty, holder, mirrored ? other : (long?)null, (long?)shares);
            mismatches.Add(new RecordDateMismatch(IncomeDates.ToText(recordDate), lender, borrower, cusip, lenderShares, borrowerShares));
        }
        return mismatches.OrderBy(m => m.RecordDate, StringComparer.Ordinal).ThenBy(m => m.Lender, StringComparer.Ordinal)
            .ThenBy(m => m.Borrower, StringComparer.Ordinal).ThenBy(m => m.Cusip, StringComparer.Ordinal).ToList();
    }
}
