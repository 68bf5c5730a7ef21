using Ledger.Settlement;

namespace Ledger.Cluster;

/// <summary>The answer to one deliver order of a batch: accepted once durable, or refused with the field and rule.</summary>
public sealed record SubmitResult(string? Id, bool Accepted, string? Status, EntryError? Error);

/// <summary>The result of a command that may be refused by the rules of an account or the reference data.</summary>
public sealed record CommandResult(bool Ok, EntryError? Error = null, AccountRejection? Rejection = null, string? Message = null)
{
    public static readonly CommandResult Success = new(true);
}

/// <summary>
/// The one entry into a running ledger: the HTTP API, the CLI and the load driver all go through it.
/// Every method returns only after what it changed is durable.
/// </summary>
public interface ILedger
{
    Task<ReferenceSnapshot> ReferenceAsync(CancellationToken ct);

    Task<CommandResult> PutParticipantAsync(ParticipantRecord participant, CancellationToken ct);

    Task<CommandResult> PutSecurityAsync(Cusip cusip, Money price, decimal haircut, CancellationToken ct);

    /// <summary>
    /// Shares deposited into the participant's position. With an <paramref name="id"/>, the account
    /// applies the deposit once: a retry with the same id and deposit changes nothing and succeeds
    /// again, and the id with another request is refused (<see cref="AccountRejection.IdempotencyIdOtherPayload"/>,
    /// <see cref="AccountRejection.IdempotencyIdOfEarlierDay"/>).
    /// </summary>
    Task<CommandResult> DepositAsync(ParticipantId participant, Cusip cusip, long shares, IdempotencyId? id, CancellationToken ct);

    /// <summary>A deposit without an idempotency id: sent twice, it deposits twice.</summary>
    Task<CommandResult> DepositAsync(ParticipantId participant, Cusip cusip, long shares, CancellationToken ct) =>
        DepositAsync(participant, cusip, shares, null, ct);

    /// <summary>A settlement progress payment; with an <paramref name="id"/>, applied once as a deposit is.</summary>
    Task<CommandResult> SettlementProgressPaymentAsync(ParticipantId participant, Money amount, IdempotencyId? id, CancellationToken ct);

    /// <summary>A payment without an idempotency id: sent twice, it pays twice.</summary>
    Task<CommandResult> SettlementProgressPaymentAsync(ParticipantId participant, Money amount, CancellationToken ct) =>
        SettlementProgressPaymentAsync(participant, amount, null, ct);

    /// <summary>Validates, registers and routes each deliver order; answers each in the order given.</summary>
    Task<IReadOnlyList<SubmitResult>> SubmitAsync(IReadOnlyList<DeliverOrderRequest> orders, CancellationToken ct);

    Task<DeliverOrderView?> DeliverOrderAsync(DeliverOrderId id, CancellationToken ct);

    /// <summary>
    /// The original receiver <see cref="ReclaimId.Reclaimer"/> reclaims completed deliver order
    /// <paramref name="original"/> with a new deliver order back to its deliverer, filed as
    /// <see cref="ReclaimId.DeliverOrderId"/> (the reclaimer's own namespace: it never takes an id
    /// OCC may submit). The answer's id is that filed id.
    /// </summary>
    Task<SubmitResult> ReclaimAsync(ReclaimId id, DeliverOrderId original, CancellationToken ct);

    Task<CancelResult> CancelAsync(DeliverOrderId id, CancellationToken ct);

    Task<AccountView?> AccountAsync(ParticipantId participant, CancellationToken ct);

    Task<BusinessDayResult> CutoffAsync(CancellationToken ct);

    /// <summary>
    /// Declares <paramref name="holiday"/> (or renames the holiday on its date), journaled in the
    /// reference data; refused by <see cref="HolidayRules.CheckDeclare"/> (a date not after the
    /// current business date, a weekend, beyond the horizon, while closing, over the maximum).
    /// Declaring the same holiday again changes nothing and succeeds.
    /// </summary>
    Task<CommandResult> PutHolidayAsync(Holiday holiday, CancellationToken ct);

    /// <summary>Makes the holiday on <paramref name="date"/> a business day again; refused by <see cref="HolidayRules.CheckRemove"/>.</summary>
    Task<CommandResult> DeleteHolidayAsync(DateOnly date, CancellationToken ct);

    /// <summary>
    /// Closes <paramref name="businessDate"/> (null: the open business day). The day closed last,
    /// named again, answers as its close did and closes nothing; any other date than the open one
    /// is refused (<see cref="BusinessDayRefusal.BusinessDate"/>).
    /// </summary>
    Task<BusinessDayResult> CloseAsync(DateOnly? businessDate, CancellationToken ct);

    /// <summary>Closes whichever business day is open.</summary>
    Task<BusinessDayResult> CloseAsync(CancellationToken ct) => CloseAsync(null, ct);
}
