using System.Globalization;
using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>One change to the memo line an entitlement was fixed on: what made it, when, by how much, and the line after it.</summary>
public sealed record MemoLineChangeView(
    string Kind,
    string Id,
    string? TransactionType,
    string? ReasonCode,
    string? CompletedBy,
    string? BusinessDate,
    long SharesChange,
    long LineAfter,
    DateTimeOffset At);

/// <summary>
/// Why an income entry is what it is (<c>ledger explain --income ENTRY</c>): the record-date memo
/// line (or position) it was fixed on, the completed deliver orders and adjustments that made that
/// line since it was last zero, and the arithmetic. Built from the participant's own memo journal
/// only, so it never shows a counterparty's figures.
/// </summary>
public sealed record IncomeEntryExplanation(
    string Participant,
    string EntryId,
    string Kind,
    string Outcome,
    string DistributionId,
    string DistributionType,
    string Cusip,
    string? Counterparty,
    string RecordDate,
    string PayableDate,
    string? PostedOn,
    long Shares,
    decimal RatePerShare,
    decimal ExactAmount,
    decimal Amount,
    long? OwnRecordDateShares,
    IReadOnlyList<MemoLineChangeView> Changes,
    int ChangesNotListed,
    long SharesNotListed,
    IReadOnlyList<string> Lines)
{
    /// <summary>The rounding rule every income amount follows.</summary>
    public const string Rounding = "half away from zero, to the cent, per memo line or position";
}

public static class IncomeExplanations
{
    /// <summary>
    /// Explains <paramref name="entryId"/> from <paramref name="participant"/>'s memo journal (an
    /// entry posted to it, or an entitlement of it that was skipped); refused
    /// (<c>income-entry-known</c>) when its journal holds no such entry.
    /// </summary>
    public static (IncomeEntryExplanation? Explanation, IncomeError? Error) Explain(ParticipantId participant, IReadOnlyList<MemoAccountEvent> events, string entryId, IncomeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        IncomeEntryData? entry = null;
        SkippedEntitlementData? skipped = null;
        IncomePostingRecorded? posting = null;
        foreach (var p in events.OfType<IncomePostingRecorded>())
        {
            entry = p.Entries.FirstOrDefault(e => e.EntryId == entryId);
            skipped = entry is null ? p.Skipped.FirstOrDefault(s => s.EntryId == entryId) : null;
            if (entry is null && skipped is null) continue;
            posting = p;
            break;
        }
        if (posting is null)
            return (null, new IncomeError(IncomeRejection.UnknownIncomeEntry, "entryId", $"{participant} has no income entry {entryId}"));

        var kind = entry?.Kind ?? IncomeKind.StockLoanIncome.Name();
        var cusip = entry?.Cusip ?? skipped!.Cusip;
        var recordDate = entry?.RecordDate ?? skipped!.RecordDate;
        var counterparty = entry is not null ? entry.Counterparty
            : skipped!.Lender == participant.Value ? skipped.Borrower : skipped.Lender;
        var shares = entry?.Shares ?? skipped!.Shares;
        var rate = entry?.RatePerShare ?? skipped!.RatePerShare;
        var lines = new List<string>();
        var changes = new List<MemoLineChangeView>();
        long? ownShares = null;

        // Replay up to this participant's record-date report: the lines then are the lines at that close.
        var state = new MemoAccountState(participant, settings);
        var key = counterparty is null ? (LineKey?)null : new LineKey(new ParticipantId(counterparty), new Cusip(cusip));
        RecordDateFixed? report = null;
        foreach (var e in events)
        {
            if (e is RecordDateFixed fixedAt && fixedAt.RecordDate == recordDate && fixedAt.PostingDate == posting.PostingDate)
            {
                report = fixedAt;
                break;
            }
            var before = key is { } k ? state.LineShares(k.Counterparty, k.Cusip) : 0;
            var day = state.BusinessDate;
            state.Apply(e);
            if (key is not { } lineKey) continue;
            var after = state.LineShares(lineKey.Counterparty, lineKey.Cusip);
            if (after == before) continue;
            changes.Add(Change(e, after - before, after, day));
            if (after == 0) changes.Clear(); // what made the record-date line started after it was last zero
        }

        var exact = IncomeArithmetic.ExactDollars(shares, rate);
        var amount = IncomeArithmetic.Amount(shares, rate);
        var signed = entry is not null ? new Money(entry.AmountCents) : Money.Zero;
        var distribution = $"distribution {entry?.DistributionId ?? skipped!.DistributionId} ({entry?.DistributionType ?? TypeOf(report, cusip, skipped!.DistributionId)}) on {cusip}, record date {recordDate}, payable {entry?.PayableDate ?? skipped!.PayableDate}";
        if (kind == IncomeKind.HolderOfRecord.Name())
        {
            lines.Add($"holder-of-record credit of {distribution}");
            lines.Add($"{participant} held {shares:N0} shares at the close of {recordDate}, as settlement reported its position");
        }
        else
        {
            var lender = skipped?.Lender ?? (entry!.AmountCents >= 0 ? participant.Value : counterparty!);
            var borrower = skipped?.Borrower ?? (entry!.AmountCents >= 0 ? counterparty! : participant.Value);
            lines.Add($"stock-loan income of {distribution}");
            lines.Add($"{lender} had lent {shares:N0} shares to {borrower} at the close of {recordDate}: the lender's memo line fixes the entitlement");
            if (report is not null && key is { } k)
            {
                ownShares = report.Lines.FirstOrDefault(l => l.Counterparty == k.Counterparty.Value && l.Cusip == k.Cusip.Value)?.Shares ?? 0;
                var expected = participant.Value == lender ? shares : -shares;
                lines.Add(ownShares == expected
                    ? $"{participant}'s own memo line with {counterparty} at that close: {ownShares:N0} shares"
                    : $"{participant}'s own memo line with {counterparty} at that close was {ownShares:N0} shares, not {expected:N0}: the lender's line decides, and the difference is a change that reached one party before its close and the other after");
            }
        }
        lines.Add($"{shares:N0} x {rate.ToString("0.######", CultureInfo.InvariantCulture)} = {exact.ToString("0.########", CultureInfo.InvariantCulture)} dollars; rounded {IncomeEntryExplanation.Rounding}: {amount}");
        string outcome;
        if (skipped is not null)
        {
            outcome = skipped.Reason;
            lines.Add(skipped.Reason == SkipReason.Halted.Name()
                ? $"not paid: {skipped.Borrower} had halted its transfers to {skipped.Lender} by {posting.BusinessDate}"
                : $"not paid: the ledger no longer acts for {(skipped.Lender == participant.Value ? skipped.Borrower : skipped.Lender)} (or for {participant}); income is no longer allocated to or from it");
        }
        else
        {
            outcome = signed.IsNegative ? "debited" : "credited";
            lines.Add($"{outcome} {new Money(Math.Abs(signed.Cents))} to {participant} at the open of {posting.BusinessDate} (posting {posting.PostingId})");
        }
        var listed = changes.TakeLast(IncomeLimits.ExplanationChangesMax).ToList();
        var notListed = changes.Count - listed.Count;
        var sharesNotListed = changes.Take(notListed).Sum(c => c.SharesChange);
        if (notListed > 0) lines.Add($"{notListed:N0} earlier changes, {sharesNotListed:N0} shares in all, are not listed one by one");
        foreach (var c in listed)
            lines.Add($"{c.BusinessDate ?? "?"} {c.Kind} {c.Id}{(c.TransactionType is null ? "" : $" ({c.TransactionType}, {c.ReasonCode}, {c.CompletedBy})")}: {c.SharesChange:+#,0;-#,0} -> {c.LineAfter:N0}");

        return (new IncomeEntryExplanation(participant.Value, entryId, kind, outcome, entry?.DistributionId ?? skipped!.DistributionId,
            entry?.DistributionType ?? TypeOf(report, cusip, skipped!.DistributionId), cusip, counterparty, recordDate, entry?.PayableDate ?? skipped!.PayableDate,
            posting.BusinessDate, shares, rate, exact, signed.Dollars, ownShares, listed, notListed, sharesNotListed, lines), null);
    }

    private static string TypeOf(RecordDateFixed? report, string cusip, string distributionId) =>
        report?.Distributions.FirstOrDefault(d => d.Cusip == cusip && d.DistributionId == distributionId)?.Type ?? "";

    private static MemoLineChangeView Change(MemoAccountEvent e, long change, long after, DateOnly? day)
    {
        var open = day is { } d ? IncomeDates.ToText(d) : null;
        return e switch
        {
            StockLoanDeliverOrderApplied a => new("deliver-order", a.DeliverOrderId, a.TransactionType, a.ReasonCode, a.CompletedBy, a.CompletedOn, change, after, a.At),
            MemoAdjustmentApplied a => new("adjustment", a.AdjustmentId, null, null, null, a.AffirmedOn, change, after, a.At),
            CounterpartyMergeApplied m => new("counterparty-merged", $"{m.From}->{m.To}", null, null, null, open, change, after, m.At),
            MergedLinesReceived m => new("merged-in", m.From, null, null, null, open, change, after, m.At),
            CounterpartyTerminationApplied t => new("counterparty-terminated", t.Terminated, null, null, null, t.TerminatedOn, change, after, t.At),
            _ => new(e.GetType().Name, "", null, null, null, open, change, after, e.At),
        };
    }
}
