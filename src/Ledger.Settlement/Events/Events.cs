namespace Ledger.Settlement.Events;

// Stored events: immutable records of primitives, no logic. Their stable names and manifests
// live in Ledger.Journal; a field is only ever added (optional, with a default), never changed.

/// <summary>
/// A deliver order as it is written into a journal. <see cref="RebateRate"/> and
/// <see cref="CollateralMargin"/>, a stock loan's terms, were added later: written only when set,
/// so every order without them keeps the bytes it was stored with.
/// </summary>
public sealed record DeliverOrderData(
    string Id,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    long AmountCents,
    string ReasonCode,
    string? ReclaimOf = null,
    decimal? RebateRate = null,
    decimal? CollateralMargin = null);

/// <summary>The price and haircut a decision used.</summary>
public sealed record TermsData(long PriceCents, decimal Haircut, long Version);

/// <summary>
/// The numbers a risk decision was made on, so that replay alone explains it. Values are those
/// before the deliver order; <see cref="Rule"/> names the check that decided ("passed" when all held).
/// Money is whole cents: collateral values are floored and a delivery's cost ceilinged to the cent
/// before any check compares them (see Checks), so no decision ever rested on a fraction of a cent.
/// Journals written before the ".v2" manifests hold these as JSON decimals; Ledger.Journal reads
/// them with their own types and upcasts them (LegacyEvents).
/// </summary>
public sealed record CheckInputs(
    long AvailableShares,
    long CollateralMonitorCents,
    long CollateralDeltaCents,
    long SettlementBalanceCents,
    long NetDebitCapCents,
    bool CollateralMonitorBypassed,
    string Rule);

public abstract record AccountEvent(DateTimeOffset At)
{
    /// <summary>
    /// Tamper evidence: the hex SHA-256 over the previous event's chain, this event's manifest and
    /// its stored bytes (with this field empty). Set by the account actor as it persists; absent
    /// on events that never went through a journal.
    /// </summary>
    public string? Chain { get; init; }
}

public sealed record ParticipantConfigured(
    string Name,
    long NetDebitCapCents,
    long ParticipantsFundCents,
    bool MarketLoanProgram,
    bool CentralCounterparty,
    string BusinessDate,
    DateTimeOffset At) : AccountEvent(At);

public sealed record SecurityTermsApplied(string Cusip, TermsData Terms, DateTimeOffset At) : AccountEvent(At);

/// <summary>Shares deposited; <see cref="Id"/> is the idempotency id the deposit came with (null without one, and in journals written before ids).</summary>
public sealed record SharesDeposited(string Cusip, long Shares, TermsData Terms, DateTimeOffset At, string? Id = null) : AccountEvent(At);

/// <summary>A settlement progress payment; <see cref="Id"/> is the idempotency id it came with (null without one, and in journals written before ids).</summary>
public sealed record SettlementProgressPaymentReceived(long AmountCents, DateTimeOffset At, string? Id = null) : AccountEvent(At);

/// <summary>The deliverer passed its checks: shares (and any collateral the delivery costs) are reserved and the receiver is asked to receive.</summary>
public sealed record DeliveryReserved(DeliverOrderData Order, TermsData Terms, CheckInputs Inputs, bool PendedBefore, DateTimeOffset At) : AccountEvent(At);

/// <summary>The deliverer failed a check (position or its own collateral); the delivery recycles here.</summary>
public sealed record DeliveryPended(DeliverOrderData Order, TermsData Terms, string Reason, CheckInputs Inputs, DateTimeOffset At) : AccountEvent(At);

public sealed record DeliveryCompleted(string DeliverOrderId, string CompletedBy, DateTimeOffset At) : AccountEvent(At)
{
    /// <summary>Published with the event (SettlementPublication): the order completed. Absent on events written before publication.</summary>
    public DeliverOrderData? Order { get; init; }

    /// <summary>Published with the event: the business date it completed on ("yyyy-MM-dd").</summary>
    public string? BusinessDate { get; init; }
}

public sealed record DeliveryDropped(string DeliverOrderId, DateTimeOffset At) : AccountEvent(At)
{
    /// <summary>Published with the event when the order is a payment order (SettlementPublication): its terms. Absent otherwise, and on events written before.</summary>
    public DeliverOrderData? Order { get; init; }

    /// <summary>Published with a payment order's drop: the business date it dropped on ("yyyy-MM-dd").</summary>
    public string? BusinessDate { get; init; }
}

public sealed record DeliveryCancelRequested(string DeliverOrderId, DateTimeOffset At) : AccountEvent(At);

public sealed record DeliveryCancelled(string DeliverOrderId, DateTimeOffset At) : AccountEvent(At);

public sealed record ReceiveCompleted(DeliverOrderData Order, TermsData Terms, string CompletedBy, CheckInputs Inputs, DateTimeOffset At) : AccountEvent(At)
{
    /// <summary>Published with the event (SettlementPublication): the business date it completed on. Absent on events written before publication.</summary>
    public string? BusinessDate { get; init; }
}

public sealed record ReceivePended(DeliverOrderData Order, TermsData Terms, string Reason, CheckInputs Inputs, DateTimeOffset At) : AccountEvent(At);

public sealed record ReceiveDropped(string DeliverOrderId, DateTimeOffset At) : AccountEvent(At);

/// <summary>A receive cancelled at the deliverer's request; also written for a receive never seen, so that a late request cannot complete it.</summary>
public sealed record ReceiveCancelled(string DeliverOrderId, DateTimeOffset At) : AccountEvent(At);

/// <summary>
/// Look-ahead: a receive pending on this account's net debit cap is paired with this account's
/// delivery of the same security pending on position; the delivery is asked of its receiver, and
/// both complete together when it answers. <see cref="Inputs"/> are this account's numbers for the pair.
/// </summary>
public sealed record LookAheadProposed(string ReceiveId, string DeliveryId, TermsData Terms, CheckInputs Inputs, DateTimeOffset At) : AccountEvent(At);

/// <summary>The paired delivery's receiver completed it: the receive and the delivery complete together.</summary>
public sealed record LookAheadCompleted(string ReceiveId, string DeliveryId, DateTimeOffset At) : AccountEvent(At)
{
    /// <summary>Published with the event (SettlementPublication): the receive's order. Absent on events written before publication.</summary>
    public DeliverOrderData? ReceiveOrder { get; init; }

    /// <summary>Published with the event: the delivery's order.</summary>
    public DeliverOrderData? DeliveryOrder { get; init; }

    /// <summary>Published with the event: the business date both legs completed on.</summary>
    public string? BusinessDate { get; init; }
}

public sealed record RecycleCutoffReached(string BusinessDate, DateTimeOffset At) : AccountEvent(At);

public sealed record BusinessDayClosed(string ClosedDate, string NextDate, long SettledBalanceCents, DateTimeOffset At) : AccountEvent(At);

/// <summary>
/// Income tracking's posting <see cref="PostingId"/> applied to the settlement balance: the
/// entries' sum, <see cref="AmountCents"/>, is credited (negative: debited). Applied once per id.
/// </summary>
public sealed record IncomePostingApplied(string PostingId, long AmountCents, IReadOnlyList<IncomeEntryPosted> Entries, DateTimeOffset At) : AccountEvent(At)
{
    public bool Equals(IncomePostingApplied? other) =>
        other is not null && At == other.At && Chain == other.Chain && PostingId == other.PostingId && AmountCents == other.AmountCents
        && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => HashCode.Combine(PostingId, AmountCents, Entries.Count);
}
