namespace Ledger.Income.Events;

// Stored events of income tracking: immutable records of primitives (ids and dates as strings,
// dates "yyyy-MM-dd", money in long cents, rates as decimal dollars per share), no logic. A field
// is only ever added (optional, with a default), never changed; the proposed manifests are in
// the project's README.

/// <summary>Every income event carries the business time it happened at (UTC).</summary>
public abstract record IncomeEvent(DateTimeOffset At);

/// <summary>One memo line: shares the holder has lent to <see cref="Counterparty"/> (negative: borrowed from it).</summary>
public sealed record MemoLineData(string Counterparty, string Cusip, long Shares);

/// <summary>A position at the close of a record date, as settlement reported it.</summary>
public sealed record PositionData(string Cusip, long Shares);

/// <summary>A distribution's terms as fixed when it was announced.</summary>
/// <param name="PostingDate">The business date its money moves: the payable date, or the first business day after it when it is not one, and never before the business day after the record date.</param>
public sealed record DistributionData(
    string Cusip,
    string DistributionId,
    string Type,
    decimal RatePerShare,
    string RecordDate,
    string PayableDate,
    string PostingDate);

/// <summary>
/// One income entry at one participant: money in (positive) or out (negative). A stock-loan
/// income transfer is two entries with the same <see cref="EntryId"/>, the lender's credit and
/// the borrower's debit; <see cref="Counterparty"/> is null for a holder-of-record credit.
/// </summary>
public sealed record IncomeEntryData(
    string EntryId,
    string Kind,
    string Cusip,
    string DistributionId,
    string DistributionType,
    string? Counterparty,
    long Shares,
    decimal RatePerShare,
    long AmountCents,
    string RecordDate,
    string PayableDate);

/// <summary>An entitlement fixed at the record date that moved no money, and why (halted, terminated).</summary>
public sealed record SkippedEntitlementData(
    string EntryId,
    string Reason,
    string Cusip,
    string DistributionId,
    string Lender,
    string Borrower,
    long Shares,
    decimal RatePerShare,
    long AmountCents,
    string RecordDate,
    string PayableDate);

/// <summary>A halt letter: no stock-loan income transfer from <see cref="Instructing"/> to <see cref="Counterparty"/> from <see cref="EffectiveDate"/> on.</summary>
public sealed record HaltData(string Instructing, string Counterparty, string EffectiveDate);

// ---------------------------------------------------------------- memo account (one per participant)

public abstract record MemoAccountEvent(DateTimeOffset At) : IncomeEvent(At);

/// <summary>
/// A completed stock-loan deliver order (or a reclaim of one) changed this account's line with
/// <see cref="Counterparty"/> in <see cref="Cusip"/> by <see cref="SharesChange"/>. The counterparty
/// is the other party as this account knows it now (a merged participant's successor).
/// </summary>
public sealed record StockLoanDeliverOrderApplied(
    string DeliverOrderId,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    long AmountCents,
    string ReasonCode,
    string TransactionType,
    string? ReclaimOf,
    string CompletedBy,
    string CompletedOn,
    string Counterparty,
    long SharesChange,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>A completed deliver order this account records without a memo change: a reclaim whose original it has not seen (it applies when the original does), or one between this account and itself after a merger.</summary>
public sealed record StockLoanDeliverOrderNoted(
    string DeliverOrderId,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    long AmountCents,
    string ReasonCode,
    string? ReclaimOf,
    string CompletedBy,
    string CompletedOn,
    string Reason,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>An affirmed adjustment changed this account's line by <see cref="SharesChange"/>.</summary>
public sealed record MemoAdjustmentApplied(
    string AdjustmentId,
    string EnteredBy,
    string Counterparty,
    string Cusip,
    long SharesChange,
    string AffirmedOn,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The memo day <see cref="ClosedDate"/> closed; what follows belongs to <see cref="NextDate"/>. The lines right after this event are the lines "as at the close" of every date from ClosedDate up to the day before NextDate.</summary>
public sealed record MemoDayClosed(string ClosedDate, string NextDate, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>
/// At the close of <see cref="RecordDate"/> this account's nonzero lines and positive positions in
/// the CUSIPs of <see cref="Distributions"/> (all posting on <see cref="PostingDate"/>) were fixed
/// and reported to that date's payable-date run. Open until a posting of that run resolves it.
/// </summary>
public sealed record RecordDateFixed(
    string RecordDate,
    string PostingDate,
    IReadOnlyList<DistributionData> Distributions,
    IReadOnlyList<MemoLineData> Lines,
    IReadOnlyList<PositionData> Positions,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The payable-date run has the report; it is not sent again.</summary>
public sealed record RecordDateReportAcknowledged(string RecordDate, string PostingDate, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>A payable-date run posted these entries to this participant; they go to its settlement account under <see cref="PostingId"/>.</summary>
public sealed record IncomePostingRecorded(
    string PostingId,
    string PostingDate,
    string BusinessDate,
    IReadOnlyList<IncomeEntryData> Entries,
    IReadOnlyList<SkippedEntitlementData> Skipped,
    IReadOnlyList<string> ResolvedRecordDates,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The settlement account applied the posting; it is not sent again.</summary>
public sealed record IncomePostingSettled(string PostingId, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>An adjustment entered by <see cref="EnteredBy"/> awaits this account's affirmation; <see cref="SharesChange"/> is what it would do to this account's line.</summary>
public sealed record AdjustmentAwaitingNoted(
    string AdjustmentId,
    string EnteredBy,
    string Cusip,
    long SharesChange,
    string EnteredOn,
    string ExpiresOn,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The adjustment no longer awaits this account (affirmed, cancelled or expired).</summary>
public sealed record AdjustmentAwaitingCleared(string AdjustmentId, string Status, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>Notification: <see cref="Instructing"/> filed a halt of its transfers to this participant.</summary>
public sealed record HaltNoted(string Instructing, string EffectiveDate, string FiledOn, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The ledger ceased to act for <see cref="Terminated"/>: this account's lines against it are zeroed (<see cref="LinesClosed"/> as they were). Also a notification.</summary>
public sealed record CounterpartyTerminationApplied(string Terminated, string TerminatedOn, IReadOnlyList<MemoLineData> LinesClosed, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary><see cref="From"/> merged into <see cref="To"/>: this account's lines against From moved onto its lines against To (<see cref="LinesMoved"/> as they were against From).</summary>
public sealed record CounterpartyMergeApplied(string From, string To, IReadOnlyList<MemoLineData> LinesMoved, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>This participant merged into <see cref="To"/>: its lines moved there and are zero here; <see cref="Counterparties"/> are told.</summary>
public sealed record MemoAccountMerged(string To, string MergedOn, IReadOnlyList<MemoLineData> LinesMoved, IReadOnlyList<string> Counterparties, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>
/// <see cref="From"/> (and its own <see cref="Predecessors"/>) merged into this participant:
/// <see cref="Lines"/> were added to this account's lines, except those against this participant,
/// which cancel with this account's lines against From (<see cref="LinesCancelled"/>, as they were).
/// </summary>
public sealed record MergedLinesReceived(string From, IReadOnlyList<string> Predecessors, IReadOnlyList<MemoLineData> Lines, IReadOnlyList<MemoLineData> LinesCancelled, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The successor has the lines this account merged into it.</summary>
public sealed record MergedLinesAcknowledged(string To, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>After a merger, a deliver order or adjustment naming this participant arrived: it goes on to the successor (an id of a deliver order or adjustment).</summary>
public sealed record MemoChangeForwarded(
    string ChangeId,
    string Kind,
    string To,
    CompletedDeliverOrderData? DeliverOrder,
    ForwardedAdjustmentData? Adjustment,
    DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The successor applied a forwarded change.</summary>
public sealed record MemoChangeForwardAcknowledged(string ChangeId, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>A completed deliver order as forwarded (primitives of <c>CompletedDeliverOrder</c>).</summary>
public sealed record CompletedDeliverOrderData(
    string Id,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    long AmountCents,
    string ReasonCode,
    string? ReclaimOf,
    string CompletedBy,
    string BusinessDate);

/// <summary>An affirmed adjustment as forwarded.</summary>
public sealed record ForwardedAdjustmentData(string AdjustmentId, string EnteredBy, string Participant, string Counterparty, string Cusip, long SharesChange, string AffirmedOn);

/// <summary>After a termination or merger, a counterparty not yet told is to be told (a deliver order with it arrived late).</summary>
public sealed record CounterpartyNoticeQueued(string Counterparty, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The counterparty applied the termination or merger notice.</summary>
public sealed record CounterpartyNoticeAcknowledged(string Counterparty, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The participant retired: every line was zero and no entitlement open.</summary>
public sealed record MemoAccountRetired(string RetiredOn, DateTimeOffset At) : MemoAccountEvent(At);

/// <summary>The ledger ceased to act for this participant: its lines are zeroed (<see cref="LinesClosed"/> as they were) and <see cref="Counterparties"/> are told.</summary>
public sealed record MemoAccountTerminated(string TerminatedOn, IReadOnlyList<MemoLineData> LinesClosed, IReadOnlyList<string> Counterparties, DateTimeOffset At) : MemoAccountEvent(At);

// ---------------------------------------------------------------- adjustment (one per id)

public abstract record AdjustmentEvent(DateTimeOffset At) : IncomeEvent(At);

/// <summary><see cref="EnteredBy"/> proposes to change its own line with <see cref="Counterparty"/> by <see cref="Shares"/> (the counterparty's by the opposite).</summary>
public sealed record AdjustmentEntered(
    string AdjustmentId,
    string EnteredBy,
    string Counterparty,
    string Cusip,
    long Shares,
    string EnteredOn,
    string ExpiresOn,
    DateTimeOffset At) : AdjustmentEvent(At);

public sealed record AdjustmentAffirmed(string AffirmedOn, DateTimeOffset At) : AdjustmentEvent(At);

public sealed record AdjustmentCancelled(string CancelledBy, string CancelledOn, DateTimeOffset At) : AdjustmentEvent(At);

public sealed record AdjustmentExpired(string ExpiredOn, DateTimeOffset At) : AdjustmentEvent(At);

/// <summary>A memo account acknowledged a notice of this adjustment (<see cref="Notice"/>: awaiting, applied, cleared).</summary>
public sealed record AdjustmentNoticeAcknowledged(string Participant, string Notice, DateTimeOffset At) : AdjustmentEvent(At);

// ---------------------------------------------------------------- halt register (one for the ledger)

public abstract record HaltRegisterEvent(DateTimeOffset At) : IncomeEvent(At);

public sealed record HaltFiled(string Instructing, string Counterparty, string EffectiveDate, string FiledOn, DateTimeOffset At) : HaltRegisterEvent(At);

/// <summary>The counterparty's memo account recorded the notification of the halt.</summary>
public sealed record HaltNoticeAcknowledged(string Instructing, string Counterparty, DateTimeOffset At) : HaltRegisterEvent(At);

// ---------------------------------------------------------------- distribution schedule (one for the ledger)

public abstract record DistributionScheduleEvent(DateTimeOffset At) : IncomeEvent(At);

public sealed record DistributionAnnounced(
    string Cusip,
    string DistributionId,
    string Type,
    decimal RatePerShare,
    string RecordDate,
    string PayableDate,
    string PostingDate,
    string AnnouncedOn,
    DateTimeOffset At) : DistributionScheduleEvent(At);

// ---------------------------------------------------------------- payable-date run (one per posting date)

public abstract record PayableDateEvent(DateTimeOffset At) : IncomeEvent(At);

/// <summary>A memo account's lines and positions at the close of <see cref="RecordDate"/>, for this run's distributions.</summary>
public sealed record RecordDateReported(
    string Participant,
    string RecordDate,
    IReadOnlyList<MemoLineData> Lines,
    IReadOnlyList<PositionData> Positions,
    DateTimeOffset At) : PayableDateEvent(At);

/// <summary>The run posted on <see cref="BusinessDate"/>, with these distributions, the halts in effect and the participants the ledger no longer acts for; a report that comes later is posted at once with the same.</summary>
public sealed record PayableDatePosted(
    string PostingDate,
    string BusinessDate,
    IReadOnlyList<DistributionData> Distributions,
    IReadOnlyList<HaltData> Halts,
    IReadOnlyList<string> TerminatedParticipants,
    DateTimeOffset At) : PayableDateEvent(At);

/// <summary>What the run posts to one participant under <see cref="PostingId"/>, and which of its record-date reports that resolves.</summary>
public sealed record IncomePostingDecided(
    string PostingId,
    string Participant,
    string BusinessDate,
    IReadOnlyList<IncomeEntryData> Entries,
    IReadOnlyList<SkippedEntitlementData> Skipped,
    IReadOnlyList<string> ResolvedRecordDates,
    DateTimeOffset At) : PayableDateEvent(At);

/// <summary>The participant's memo account recorded the posting; it is not sent again.</summary>
public sealed record IncomePostingAcknowledged(string PostingId, DateTimeOffset At) : PayableDateEvent(At);
