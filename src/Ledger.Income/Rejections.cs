namespace Ledger.Income;

/// <summary>Why income tracking refused a request or a command. Numbers are never reused.</summary>
public enum IncomeRejection
{
    Missing = 1,
    InvalidParticipantId = 2,
    UnknownParticipant = 3,
    CounterpartyIsSelf = 4,
    ParticipantNotActive = 5,
    InvalidCusip = 6,
    InvalidDate = 7,
    InvalidDistributionId = 8,
    DistributionIdTaken = 9,
    InvalidDistributionType = 10,
    RateNotPositive = 11,
    RateMoreThanSixDecimals = 12,
    RateAboveMaximum = 13,
    RecordDateInPast = 14,
    RecordDateTooFarAhead = 15,
    PayableDateBeforeRecordDate = 16,
    PayableDateTooFarAhead = 17,
    BusinessDayClosing = 18,
    DistributionsFull = 19,
    InvalidAdjustmentId = 20,
    AdjustmentIdTaken = 21,
    SharesZero = 22,
    SharesAboveMaximum = 23,
    UnknownAdjustment = 24,
    NotPartyToAdjustment = 25,
    AffirmByEnteringParty = 26,
    AdjustmentNotPending = 27,
    HaltNoticeTooShort = 28,
    HaltNamesCentralCounterparty = 29,
    HaltAlreadyFiled = 30,
    HaltTooFarAhead = 31,
    HaltsFull = 32,
    MergeIntoSelf = 33,
    MergeWithDeliverOrdersInFlight = 34,
    MergeWithSettlementBalance = 35,
    MergeWithOpenEntitlements = 36,
    MergeCentralCounterparty = 37,
    MemoLinesOpen = 38,
    AsOfNotClosed = 39,
    BatchTooLarge = 40,
    DeliverOrderIdConflict = 41,
    DeliverOrderOutsideDedupWindow = 42,
    NotAPartyToDeliverOrder = 43,
    ReportConflict = 44,
    NotForThisAccount = 45,
    MemoLineAboveMaximum = 46,
    UnknownIncomeEntry = 47,
}

/// <summary>One open item a refusal names (a memo line, or an entitlement still to be paid).</summary>
public sealed record OpenItem(string Counterparty, string Cusip, long Shares, string? RecordDate = null, string? PostingDate = null);

/// <summary>
/// A refusal: the field at fault, the stable rule it broke (the <c>rule</c> of the problem+json
/// answer), a sentence for people and, for <c>memo-lines-open</c>, the lines and entitlements
/// still open. A refused command changes nothing.
/// </summary>
public sealed record IncomeError(IncomeRejection Rejection, string Field, string Message)
{
    /// <summary>The memo lines and entitlements that keep a retirement or a merger from going ahead.</summary>
    public IReadOnlyList<OpenItem> Open { get; init; } = [];

    /// <summary>The rule's stable name, as income-tracking.md and the host's contract table name it.</summary>
    public string Rule => RuleName(Rejection);

    /// <summary>The HTTP status the host answers with: 400 a malformed or out-of-range value, 403 a party rule, 404 unknown, 409 a state conflict, 413 a batch too large.</summary>
    public int Status => StatusOf(Rejection);

    public static string RuleName(IncomeRejection rejection) => rejection switch
    {
        IncomeRejection.Missing => "required",
        IncomeRejection.InvalidParticipantId => "participant-id-format",
        IncomeRejection.UnknownParticipant => "participant-known",
        IncomeRejection.CounterpartyIsSelf => "counterparty-not-self",
        IncomeRejection.ParticipantNotActive => "participant-active",
        IncomeRejection.InvalidCusip => "cusip-check-digit",
        IncomeRejection.InvalidDate => "date-format",
        IncomeRejection.InvalidDistributionId => "distribution-id-format",
        IncomeRejection.DistributionIdTaken => "distribution-id-unique",
        IncomeRejection.InvalidDistributionType => "distribution-type",
        IncomeRejection.RateNotPositive => "rate-positive",
        IncomeRejection.RateMoreThanSixDecimals => "rate-six-decimals",
        IncomeRejection.RateAboveMaximum => "rate-maximum",
        IncomeRejection.RecordDateInPast => "record-date-not-past",
        IncomeRejection.RecordDateTooFarAhead => "record-date-maximum",
        IncomeRejection.PayableDateBeforeRecordDate => "payable-date-not-before-record-date",
        IncomeRejection.PayableDateTooFarAhead => "payable-date-maximum",
        IncomeRejection.BusinessDayClosing => "business-day-open",
        IncomeRejection.DistributionsFull => "distributions-maximum",
        IncomeRejection.InvalidAdjustmentId => "adjustment-id-format",
        IncomeRejection.AdjustmentIdTaken => "adjustment-id-unique",
        IncomeRejection.SharesZero => "shares-not-zero",
        IncomeRejection.SharesAboveMaximum => "shares-maximum",
        IncomeRejection.UnknownAdjustment => "adjustment-known",
        IncomeRejection.NotPartyToAdjustment => "adjustment-party",
        IncomeRejection.AffirmByEnteringParty => "affirm-by-counterparty",
        IncomeRejection.AdjustmentNotPending => "adjustment-pending",
        IncomeRejection.HaltNoticeTooShort => "halt-notice",
        IncomeRejection.HaltNamesCentralCounterparty => "halt-central-counterparty",
        IncomeRejection.HaltAlreadyFiled => "halt-filed",
        IncomeRejection.HaltTooFarAhead => "halt-effective-date-maximum",
        IncomeRejection.HaltsFull => "halts-maximum",
        IncomeRejection.MergeIntoSelf => "merge-into-self",
        IncomeRejection.MergeWithDeliverOrdersInFlight => "merge-deliver-orders-in-flight",
        IncomeRejection.MergeWithSettlementBalance => "merge-settlement-balance-zero",
        IncomeRejection.MergeWithOpenEntitlements => "entitlements-open",
        IncomeRejection.MergeCentralCounterparty => "merge-central-counterparty",
        IncomeRejection.MemoLinesOpen => "memo-lines-open",
        IncomeRejection.AsOfNotClosed => "as-of-closed-date",
        IncomeRejection.BatchTooLarge => "batch-maximum",
        IncomeRejection.DeliverOrderIdConflict => "deliver-order-id-unique",
        IncomeRejection.DeliverOrderOutsideDedupWindow => "deliver-order-dedup-window",
        IncomeRejection.NotAPartyToDeliverOrder => "deliver-order-party",
        IncomeRejection.ReportConflict => "record-date-report-unique",
        IncomeRejection.NotForThisAccount => "memo-account-party",
        IncomeRejection.MemoLineAboveMaximum => "memo-line-maximum",
        IncomeRejection.UnknownIncomeEntry => "income-entry-known",
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, null),
    };

    public static int StatusOf(IncomeRejection rejection) => rejection switch
    {
        IncomeRejection.NotPartyToAdjustment or IncomeRejection.AffirmByEnteringParty => 403,
        IncomeRejection.UnknownAdjustment or IncomeRejection.UnknownIncomeEntry => 404,
        IncomeRejection.BatchTooLarge => 413,
        IncomeRejection.DistributionIdTaken or IncomeRejection.AdjustmentIdTaken or IncomeRejection.AdjustmentNotPending
            or IncomeRejection.HaltAlreadyFiled or IncomeRejection.HaltsFull or IncomeRejection.DistributionsFull
            or IncomeRejection.MergeWithDeliverOrdersInFlight or IncomeRejection.MergeWithSettlementBalance
            or IncomeRejection.MergeWithOpenEntitlements or IncomeRejection.MemoLinesOpen or IncomeRejection.ParticipantNotActive
            or IncomeRejection.BusinessDayClosing or IncomeRejection.DeliverOrderIdConflict or IncomeRejection.ReportConflict => 409,
        _ => 400,
    };
}
