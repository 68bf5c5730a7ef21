namespace Ledger.Income;

/// <summary>
/// The choices income tracking decides by (income-tracking.md marks them [choice]). Configuration,
/// not state: every decision records what it decided, so a changed setting never rewrites history.
/// </summary>
public sealed record IncomeSettings
{
    /// <summary>The defaults of income-tracking.md: loans <c>SL</c>, returns <c>SLR</c>, 20 business days to affirm, 2 business days' notice of a halt.</summary>
    public static readonly IncomeSettings Default = new();

    /// <summary>Reason codes of a deliver order by which the deliverer lends to the receiver.</summary>
    public IReadOnlySet<string> LoanReasonCodes { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "SL" };

    /// <summary>Reason codes of a deliver order by which a borrower returns shares to its lender.</summary>
    public IReadOnlySet<string> ReturnReasonCodes { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "SLR" };

    /// <summary>Business days after its entry date through which an adjustment may still be affirmed; it expires at the close of the last one.</summary>
    public int AdjustmentExpiryBusinessDays { get; init; } = 20;

    /// <summary>Business days a halt letter must be given before its effective date, at least.</summary>
    public int HaltNoticeBusinessDays { get; init; } = 2;

    /// <summary>
    /// Memo-day closes for which a memo account remembers the ids of the deliver orders it applied
    /// (and holds a reclaim whose original it has not seen): a resend from further back is refused,
    /// not counted twice.
    /// </summary>
    public int DeliverOrderDedupCloses { get; init; } = 10;

    /// <summary>Memo-day closes for which a memo account keeps its income postings in state; older ones are read from its journal.</summary>
    public int IncomeRetentionCloses { get; init; } = 260;

    /// <summary>Memo-day closes for which a memo account remembers an adjustment no longer awaiting it, so that a late, stale notice cannot bring it back.</summary>
    public int AdjustmentTombstoneCloses { get; init; } = 30;

    /// <summary>What a reason code makes of a completed deliver order; null when it is not a stock-loan deliver order.</summary>
    public TransactionType? TransactionTypeOf(string reasonCode) =>
        LoanReasonCodes.Contains(reasonCode) ? TransactionType.Loan
        : ReturnReasonCodes.Contains(reasonCode) ? TransactionType.Return
        : null;

    /// <summary>Throws when the settings contradict themselves (a code both a loan and a return, a count out of range).</summary>
    public IncomeSettings Validated()
    {
        if (LoanReasonCodes.Count == 0) throw new ArgumentException("at least one loan reason code is needed", nameof(LoanReasonCodes));
        if (LoanReasonCodes.Overlaps(ReturnReasonCodes))
            throw new ArgumentException($"a reason code may not be both a loan and a return: {string.Join(", ", LoanReasonCodes.Intersect(ReturnReasonCodes))}");
        foreach (var code in LoanReasonCodes.Concat(ReturnReasonCodes))
        {
            if (code.Length is 0 or > IncomeLimits.ReasonCodeLengthMax || !code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                throw new ArgumentException($"reason code '{code}' must be 1 to {IncomeLimits.ReasonCodeLengthMax} letters, digits, '-' or '_'");
        }
        Range(AdjustmentExpiryBusinessDays, 1, 250, nameof(AdjustmentExpiryBusinessDays));
        Range(HaltNoticeBusinessDays, 0, 250, nameof(HaltNoticeBusinessDays));
        Range(DeliverOrderDedupCloses, 2, 1_000, nameof(DeliverOrderDedupCloses));
        Range(IncomeRetentionCloses, 1, 10_000, nameof(IncomeRetentionCloses));
        Range(AdjustmentTombstoneCloses, 1, 1_000, nameof(AdjustmentTombstoneCloses));
        return this;
    }

    private static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max) throw new ArgumentOutOfRangeException(name, value, $"{name} must be {min} to {max}");
    }
}

/// <summary>The limits of income tracking. Each one bounds memory, a journal row or an amount.</summary>
public static class IncomeLimits
{
    /// <summary>Ids of adjustments and distributions: 1 to 64 letters, digits, '-', '_', '.' or ':' (as deliver order ids).</summary>
    public const int IdLengthMax = 64;

    /// <summary>As settlement's reason codes.</summary>
    public const int ReasonCodeLengthMax = 16;

    /// <summary>The most shares one adjustment may move: 100 billion (ten times the largest deliver order, room for an initial load of a large loan).</summary>
    public const long AdjustmentSharesMax = 100_000_000_000;

    /// <summary>
    /// The most shares a memo line may reach either way: one trillion. With <see cref="RatePerShareMax"/>
    /// the largest entitlement is 10^16 dollars, 10^18 cents, inside a long. A line beyond it is a bug.
    /// </summary>
    public const long MemoLineSharesMax = 1_000_000_000_000;

    /// <summary>The largest distribution per share: $10,000.</summary>
    public const decimal RatePerShareMax = 10_000m;

    /// <summary>Decimals a rate per share may carry (income-tracking.md section 1).</summary>
    public const int RateDecimalsMax = 6;

    /// <summary>How far ahead of the current business date a record date may be: two years.</summary>
    public const int RecordDateAheadDaysMax = 731;

    /// <summary>How far after its record date a payable date may be: a year.</summary>
    public const int PayableAfterRecordDaysMax = 366;

    /// <summary>How far ahead of the current business date a halt may take effect: a year.</summary>
    public const int HaltEffectiveAheadDaysMax = 366;

    /// <summary>Distributions the schedule holds, announced and paid together.</summary>
    public const int DistributionsMax = 100_000;

    /// <summary>Halt letters the register holds.</summary>
    public const int HaltsMax = 100_000;

    /// <summary>Lines of an initial load (or any batch of adjustments) validated at once.</summary>
    public const int AdjustmentBatchMax = 10_000;

    /// <summary>Memo lines one memo account may hold open at once; more is a bug, not a business.</summary>
    public const int MemoLinesPerAccountMax = 1_000_000;

    /// <summary>Changes an explanation lists one by one; beyond, it sums the rest.</summary>
    public const int ExplanationChangesMax = 1_000;

    /// <summary>Notifications a notifications view lists, newest first.</summary>
    public const int NotificationsListedMax = 10_000;
}
