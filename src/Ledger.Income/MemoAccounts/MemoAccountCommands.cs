using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>A command to one participant's memo account.</summary>
public abstract record MemoAccountCommand(DateTimeOffset At) : IncomeCommand(At);

/// <summary>
/// A completed deliver order naming this participant (from settlement, through the adapter), or
/// one its predecessor forwarded after a merger (<paramref name="ForwardedBy"/>; the successor then
/// acknowledges to it).
/// </summary>
public sealed record ApplyCompletedDeliverOrder(CompletedDeliverOrder Order, DateTimeOffset At, ParticipantId? ForwardedBy = null) : MemoAccountCommand(At);

/// <summary>An affirmed adjustment: change <paramref name="Participant"/>'s line with <paramref name="Counterparty"/> by <paramref name="SharesChange"/>. From the adjustment, or forwarded by a predecessor.</summary>
public sealed record ApplyAdjustment(
    string AdjustmentId,
    ParticipantId EnteredBy,
    ParticipantId Participant,
    ParticipantId Counterparty,
    Cusip Cusip,
    long SharesChange,
    DateOnly AffirmedOn,
    DateTimeOffset At,
    ParticipantId? ForwardedBy = null) : MemoAccountCommand(At);

/// <summary>
/// The close of memo day <paramref name="ClosedDate"/> (after settlement's close of that date, and
/// after every completion of that date at this participant): fixes the lines "as at the close".
/// <paramref name="Distributions"/> are those whose record date falls from ClosedDate up to the day
/// before <paramref name="NextDate"/> (a record date on a holiday takes the close before it);
/// <paramref name="Positions"/> are this participant's positions in their CUSIPs at settlement's close.
/// </summary>
public sealed record CloseMemoDay(
    DateOnly ClosedDate,
    DateOnly NextDate,
    IReadOnlyList<Distribution> Distributions,
    IReadOnlyDictionary<Cusip, long> Positions,
    DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The payable-date run of <paramref name="PostingDate"/> has this account's report of <paramref name="RecordDate"/>.</summary>
public sealed record AcknowledgeRecordDateReport(DateOnly RecordDate, DateOnly PostingDate, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>A payable-date run's posting to this participant.</summary>
public sealed record RecordIncomePosting(
    string PostingId,
    DateOnly PostingDate,
    DateOnly BusinessDate,
    IReadOnlyList<IncomeEntryData> Entries,
    IReadOnlyList<SkippedEntitlementData> Skipped,
    IReadOnlyList<DateOnly> ResolvedRecordDates,
    DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>Settlement applied the posting <paramref name="PostingId"/> to this participant's balance.</summary>
public sealed record AcknowledgeSettlementPosting(string PostingId, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>An adjustment awaits this participant's affirmation; <paramref name="SharesChange"/> is what it would do to this participant's line.</summary>
public sealed record NoteAdjustmentAwaiting(
    string AdjustmentId,
    ParticipantId EnteredBy,
    Cusip Cusip,
    long SharesChange,
    DateOnly EnteredOn,
    DateOnly ExpiresOn,
    DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The adjustment no longer awaits this participant.</summary>
public sealed record ClearAdjustmentAwaiting(string AdjustmentId, AdjustmentStatus Status, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>Notification: <paramref name="Instructing"/> filed a halt against this participant.</summary>
public sealed record NoteHaltFiled(ParticipantId Instructing, DateOnly EffectiveDate, DateOnly FiledOn, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The ledger ceased to act for <paramref name="Terminated"/>: zero this account's lines against it.</summary>
public sealed record NoteCounterpartyTerminated(ParticipantId Terminated, DateOnly TerminatedOn, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary><paramref name="From"/> merged into <paramref name="To"/>: move this account's lines against From onto To.</summary>
public sealed record NoteCounterpartyMerged(ParticipantId From, ParticipantId To, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>To the successor of a merger: <paramref name="From"/>'s lines (and the participants that had merged into From).</summary>
public sealed record ReceiveMergedLines(ParticipantId From, IReadOnlyList<ParticipantId> Predecessors, IReadOnlyList<MemoLineData> Lines, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary><paramref name="Counterparty"/> applied this account's termination or merger notice.</summary>
public sealed record AcknowledgeCounterpartyNotice(ParticipantId Counterparty, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The successor applied the lines this account merged into it.</summary>
public sealed record AcknowledgeMergedLines(ParticipantId To, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The successor applied a change this account forwarded (a deliver order or adjustment id).</summary>
public sealed record AcknowledgeForwardedChange(string ChangeId, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The operator merges this participant into <paramref name="To"/> (income-tracking.md section 6); <paramref name="Facts"/> come from settlement.</summary>
public sealed record MergeInto(ParticipantId To, MergerFacts Facts, ParticipantDirectory Directory, DateOnly BusinessDate, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The operator retires this participant: refused while a line or an entitlement is open.</summary>
public sealed record Retire(DateOnly BusinessDate, DateTimeOffset At) : MemoAccountCommand(At);

/// <summary>The ledger ceases to act for this participant.</summary>
public sealed record Terminate(DateOnly BusinessDate, DateTimeOffset At) : MemoAccountCommand(At);
