using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>What a payable-date run posts to one participant.</summary>
public sealed class ParticipantShare
{
    public List<IncomeEntryData> Entries { get; } = new();
    public List<SkippedEntitlementData> Skipped { get; } = new();
    /// <summary>The participant's own record-date reports this posting settles.</summary>
    public List<DateOnly> ResolvedRecordDates { get; } = new();
}

/// <summary>
/// The arithmetic of a payable date (income-tracking.md section 3), pure and linear in the lines
/// and positions reported: for each distribution, each holder of record at the close of the record
/// date is credited <c>position x rate</c>; for each memo line with <c>memo(P,C,X) = n &gt; 0</c> at that
/// close (the lender's own line decides), the borrower C is debited and the lender P credited
/// <c>n x rate</c> under one entry id, unless C has halted its transfers to P by the posting date or
/// the ledger no longer acts for either. Amounts round half away from zero to the cent, per line.
/// </summary>
public sealed class PayableDateComputation
{
    private PayableDateComputation(SortedDictionary<string, ParticipantShare> participants) => Participants = participants;

    /// <summary>Every participant with something to post or a report to settle, in participant order.</summary>
    public IReadOnlyDictionary<string, ParticipantShare> Participants { get; }

    /// <summary>Every stock-loan income entry of the computation: each transfer appears twice, credit and debit.</summary>
    public IEnumerable<IncomeEntryData> StockLoanIncomeEntries =>
        Participants.Values.SelectMany(p => p.Entries).Where(e => e.Kind == "stock-loan-income");

    public static PayableDateComputation Compute(
        IEnumerable<RecordDateReported> reports,
        IReadOnlyList<Distribution> distributions,
        IReadOnlyList<HaltData> halts,
        IReadOnlyList<string> terminated,
        DateOnly businessDate)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var byRecordDateAndCusip = new Dictionary<(DateOnly, string), List<Distribution>>();
        foreach (var distribution in distributions.OrderBy(x => x.Cusip.Value, StringComparer.Ordinal).ThenBy(x => x.Id, StringComparer.Ordinal))
        {
            var key = (distribution.RecordDate, distribution.Cusip.Value);
            if (!byRecordDateAndCusip.TryGetValue(key, out var list)) byRecordDateAndCusip[key] = list = new List<Distribution>();
            list.Add(distribution);
        }
        var halted = halts.Where(h => IncomeDates.Parse(h.EffectiveDate) <= businessDate)
            .Select(h => (h.Instructing, h.Counterparty)).ToHashSet();
        var gone = terminated.ToHashSet(StringComparer.Ordinal);
        var participants = new SortedDictionary<string, ParticipantShare>(StringComparer.Ordinal);

        ParticipantShare ShareOf(string participant)
        {
            if (!participants.TryGetValue(participant, out var share)) participants[participant] = share = new ParticipantShare();
            return share;
        }

        foreach (var report in reports)
        {
            var participant = report.Participant;
            var recordDate = IncomeDates.Parse(report.RecordDate);
            var own = ShareOf(participant);
            own.ResolvedRecordDates.Add(recordDate);
            foreach (var position in report.Positions)
            {
                if (position.Shares <= 0 || gone.Contains(participant)) continue;
                if (!byRecordDateAndCusip.TryGetValue((recordDate, position.Cusip), out var onCusip)) continue;
                foreach (var x in onCusip)
                {
                    own.Entries.Add(new IncomeEntryData(IncomeIds.HolderOfRecordEntry(x.Cusip.Value, x.Id, participant), IncomeKind.HolderOfRecord.Name(),
                        x.Cusip.Value, x.Id, x.Type.Name(), null, position.Shares, x.RatePerShare,
                        IncomeArithmetic.Amount(position.Shares, x.RatePerShare).Cents, report.RecordDate, IncomeDates.ToText(x.PayableDate)));
                }
            }
            foreach (var line in report.Lines)
            {
                // Only the lender's line fixes an entitlement; the borrower's own (negative) line is its mirror.
                if (line.Shares <= 0) continue;
                if (!byRecordDateAndCusip.TryGetValue((recordDate, line.Cusip), out var onCusip)) continue;
                var lender = participant;
                var borrower = line.Counterparty;
                foreach (var x in onCusip)
                {
                    var amount = IncomeArithmetic.Amount(line.Shares, x.RatePerShare).Cents;
                    var id = IncomeIds.StockLoanIncomeEntry(x.Cusip.Value, x.Id, lender, borrower);
                    SkipReason? skip = gone.Contains(lender) || gone.Contains(borrower) ? SkipReason.Terminated
                        : halted.Contains((borrower, lender)) ? SkipReason.Halted
                        : null;
                    if (skip is { } reason)
                    {
                        var skipped = new SkippedEntitlementData(id, reason.Name(), x.Cusip.Value, x.Id, lender, borrower, line.Shares, x.RatePerShare,
                            amount, report.RecordDate, IncomeDates.ToText(x.PayableDate));
                        own.Skipped.Add(skipped);
                        ShareOf(borrower).Skipped.Add(skipped);
                        continue;
                    }
                    own.Entries.Add(new IncomeEntryData(id, IncomeKind.StockLoanIncome.Name(), x.Cusip.Value, x.Id, x.Type.Name(), borrower,
                        line.Shares, x.RatePerShare, amount, report.RecordDate, IncomeDates.ToText(x.PayableDate)));
                    ShareOf(borrower).Entries.Add(new IncomeEntryData(id, IncomeKind.StockLoanIncome.Name(), x.Cusip.Value, x.Id, x.Type.Name(), lender,
                        line.Shares, x.RatePerShare, -amount, report.RecordDate, IncomeDates.ToText(x.PayableDate)));
                }
            }
        }
        foreach (var share in participants.Values)
        {
            // Each posting lists its entries in one order whatever order the reports came in.
            share.Entries.Sort(EntryOrder);
            share.Skipped.Sort((a, b) => string.CompareOrdinal(a.EntryId, b.EntryId));
        }
        return new PayableDateComputation(participants);
    }

    /// <summary>Holder-of-record first, then by CUSIP, distribution, counterparty and entry id.</summary>
    public static int EntryOrder(IncomeEntryData a, IncomeEntryData b)
    {
        var byKind = (a.Kind == "holder-of-record" ? 0 : 1).CompareTo(b.Kind == "holder-of-record" ? 0 : 1);
        if (byKind != 0) return byKind;
        var c = string.CompareOrdinal(a.Cusip, b.Cusip);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.DistributionId, b.DistributionId);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Counterparty, b.Counterparty);
        return c != 0 ? c : string.CompareOrdinal(a.EntryId, b.EntryId);
    }
}
