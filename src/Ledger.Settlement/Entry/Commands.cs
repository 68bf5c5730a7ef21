namespace Ledger.Settlement;

/// <summary>What an account is asked to do. Every command carries its business time.</summary>
public abstract record AccountCommand(DateTimeOffset At);

public sealed record ConfigureParticipant(
    string Name,
    Money NetDebitCap,
    Money ParticipantsFund,
    bool MarketLoanProgram,
    bool CentralCounterparty,
    DateOnly BusinessDate,
    DateTimeOffset At) : AccountCommand(At);

public sealed record ApplySecurityTerms(Cusip Cusip, SecurityTerms Terms, DateTimeOffset At) : AccountCommand(At);

/// <summary>Shares deposited into position; with an <paramref name="Id"/>, a retry of it takes effect once (see <see cref="AccountState.IdempotentRequestOf"/>).</summary>
public sealed record DepositShares(Cusip Cusip, long Shares, SecurityTerms Terms, DateTimeOffset At, IdempotencyId? Id = null) : AccountCommand(At);

/// <summary>Money the participant wires in; with an <paramref name="Id"/>, a retry of it takes effect once.</summary>
public sealed record ReceiveSettlementProgressPayment(Money Amount, DateTimeOffset At, IdempotencyId? Id = null) : AccountCommand(At);

/// <summary>A new deliver order, at its deliverer.</summary>
public sealed record SubmitDelivery(DeliverOrder Order, SecurityTerms Terms, DateTimeOffset At) : AccountCommand(At);

/// <summary>The deliverer asks the receiver to receive a reserved delivery. Sent again until answered finally.</summary>
public sealed record RequestReceive(DeliverOrder Order, SecurityTerms Terms, bool PendedBefore, DateTimeOffset At, bool LookAhead = false) : AccountCommand(At);

/// <summary>The receiver tells the deliverer where a receive stands.</summary>
public sealed record ReportReceiveOutcome(
    DeliverOrderId DeliverOrderId,
    ParticipantId Receiver,
    ReceiveStage Stage,
    CompletedBy? CompletedBy,
    PendReason? PendReason,
    DateTimeOffset At) : AccountCommand(At);

/// <summary>Cancel a pending deliver order, at its deliverer.</summary>
public sealed record CancelDelivery(DeliverOrderId DeliverOrderId, DateTimeOffset At) : AccountCommand(At);

/// <summary>The deliverer asks the receiver to cancel a receive that is still pending.</summary>
public sealed record CancelReceive(DeliverOrderId DeliverOrderId, ParticipantId Deliverer, DateTimeOffset At) : AccountCommand(At);

public sealed record ReachRecycleCutoff(DateOnly BusinessDate, DateTimeOffset At) : AccountCommand(At);

/// <summary>Drops every pending deliver order, valued and free: the first step of the close.</summary>
public sealed record DropAllPending(DateOnly BusinessDate, DateTimeOffset At) : AccountCommand(At);

public sealed record CloseBusinessDay(DateOnly ClosedDate, DateOnly NextDate, DateTimeOffset At) : AccountCommand(At);

/// <summary>A command for another account, to be sent once the events that justify it are persisted.</summary>
public sealed record Outbound(ParticipantId To, AccountCommand Command);

/// <summary>Why an account refused a command. Numbers are never reused.</summary>
public enum AccountRejection
{
    NotConfigured = 1,
    NotTheDeliverer = 2,
    DeliveriesInFlight = 3,
    UnknownDeliverOrder = 4,
    NotPending = 5,
    PositionAboveMaximum = 6,
    BusinessDateMismatch = 7,
    PaymentNotPositive = 8,
    ReclaimOfUnknown = 9,
    ReclaimOfIncomplete = 10,
    AlreadyReclaimed = 11,
    ReclaimOfEarlierDay = 12,
    ReclaimMismatch = 13,
    /// <summary>A deposit or payment under an idempotency id the account holds for another request.</summary>
    IdempotencyIdOtherPayload = 14,
    /// <summary>A deposit or payment under the idempotency id of one made on an earlier business day.</summary>
    IdempotencyIdOfEarlierDay = 15,
    /// <summary>A cancel of a payment order: it completes or drops, never anything else.</summary>
    PaymentOrderNotCancellable = 16,
}

/// <summary>The answer to a command that has one.</summary>
public abstract record AccountReply;

public sealed record Acknowledged : AccountReply
{
    public static readonly Acknowledged Instance = new();
}

public sealed record Rejected(AccountRejection Rejection, string Message) : AccountReply;

/// <summary>A deliver order's standing as its deliverer sees it.</summary>
public sealed record DeliveryStatusReply(
    DeliverOrderId DeliverOrderId,
    DeliveryStage Stage,
    PendReason? PendReason,
    CompletedBy? CompletedBy) : AccountReply;

/// <summary>The result of a command: events to persist, then messages and a reply to let out.</summary>
public sealed class Decision
{
    // Room for one of each from the start: most commands decide one event and at most one
    // message (a deliver order's three steps do), and a list of four would be three slots unused.
    public List<Events.AccountEvent> Events { get; } = new(1);
    public List<Outbound> Messages { get; } = new(1);
    public AccountReply? Reply { get; set; }
}
