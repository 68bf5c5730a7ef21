using System.Text.Json.Serialization;

namespace Ledger.Settlement;

/// <summary>What the gateway does with a deliver order once its id's index bucket has answered.</summary>
public enum SubmitRoute
{
    /// <summary>A new id, or the same payload again on the day it was taken: the deliverer decides (and answers a resubmission from its records).</summary>
    ToDeliverer = 1,
    /// <summary>The id was taken with another payload: refused, nothing changes.</summary>
    OtherPayload = 2,
    /// <summary>The same payload, taken on an earlier business day: answered from the records, never applied again.</summary>
    FromRecords = 3,
}

/// <summary>What a cancel request came to.</summary>
public enum CancelOutcome
{
    /// <summary>Cancelled: it was pending at the deliverer, or the receiver has agreed.</summary>
    Cancelled = 1,
    /// <summary>The receiver has not answered yet; the cancel stands and completes when it does.</summary>
    Requested = 2,
    /// <summary>The deliver order is already completed or dropped: nothing changed.</summary>
    NotPending = 3,
    NotFound = 4,
}

public sealed record CancelResult(CancelOutcome Outcome, DeliverOrderView? DeliverOrder);

/// <summary>Why a cutoff or close did not do what was asked.</summary>
public enum BusinessDayRefusal
{
    /// <summary>Deliveries were still in flight after the drop: nothing was settled; close again once they have been answered.</summary>
    DeliveriesInFlight = 1,
    /// <summary>An account refused the step.</summary>
    AccountRefused = 2,
    /// <summary>The close named a date that is neither the open business day nor the one closed last.</summary>
    BusinessDate = 3,
}

/// <summary>What a cutoff or close did. <see cref="Refusal"/> says why one was refused; it is not part of the answer's body.</summary>
public sealed record BusinessDayResult(bool Ok, string BusinessDate, string? NextBusinessDate, int Accounts, string? Message)
{
    [JsonIgnore]
    public BusinessDayRefusal? Refusal { get; init; }
}

/// <summary>
/// The gateway's steps, one implementation for every ledger: the cluster's gateway and the
/// in-memory ledger (which what-if and the simulation run) both ask these functions what to do
/// and what to answer, and only carry the messages. Pure: time comes in as an argument.
/// </summary>
public static class SettlementGateway
{
    // ------------------------------------------------------------ deposits and payments at entry

    /// <summary>A deposit checked against the reference data: the command for the participant's account, or why it is refused.</summary>
    public static (DepositShares? Command, EntryError? Error) Deposit(ReferenceSnapshot reference, ParticipantId participant, Cusip cusip, long shares,
        IdempotencyId? id, DateTimeOffset at)
    {
        var error = EntryRules.ParticipantField(participant.Value, "participant", reference, out _)
            ?? EntryRules.IdempotencyIdField(id?.Value, "id")
            ?? EntryRules.CusipField(cusip.Value, "cusip", reference, out _)
            ?? EntryRules.SharesField(shares, "shares");
        return error is null ? (new DepositShares(cusip, shares, reference.Securities[cusip], at, id), null) : (null, error);
    }

    /// <summary>A settlement progress payment checked against the reference data: the command, or why it is refused.</summary>
    public static (ReceiveSettlementProgressPayment? Command, EntryError? Error) Payment(ReferenceSnapshot reference, ParticipantId participant, Money amount,
        IdempotencyId? id, DateTimeOffset at)
    {
        var error = EntryRules.ParticipantField(participant.Value, "participant", reference, out _)
            ?? EntryRules.IdempotencyIdField(id?.Value, "id")
            ?? EntryRules.AmountField(amount.Dollars, "amount", allowZero: false, out _);
        return error is null ? (new ReceiveSettlementProgressPayment(amount, at, id), null) : (null, error);
    }

    // ------------------------------------------------------------ deliver orders

    /// <summary>
    /// Where a deliver order goes once its bucket has answered: <paramref name="registeredOn"/> is
    /// the business date its id was taken on (null from buckets that did not record it, which
    /// counts as an earlier day: the records answer, never the deliverer again).
    /// </summary>
    public static SubmitRoute Route(RegistrationOutcome outcome, DateOnly? registeredOn, DateOnly businessDate) => outcome switch
    {
        RegistrationOutcome.ConflictingPayload => SubmitRoute.OtherPayload,
        RegistrationOutcome.SameAsBefore when registeredOn != businessDate => SubmitRoute.FromRecords,
        _ => SubmitRoute.ToDeliverer,
    };

    public static EntryError OtherPayload(DeliverOrderId id) =>
        new(EntryRejection.SameIdOtherPayload, "id", $"deliver order {id} was already submitted with other details");

    /// <summary>
    /// A resubmission from an earlier business day: answered with the deliver order as the records
    /// show it (<paramref name="view"/>, null once the deliverer has forgotten it: it keeps the
    /// current and the last closed day). Forgotten, it is refused under the id rule: its id stays
    /// taken and it is never applied again.
    /// </summary>
    public static EntryError? FromRecords(DeliverOrderId id, DateOnly? registeredOn, DeliverOrderView? view) => view is not null
        ? null
        : new EntryError(EntryRejection.SameIdOtherPayload, "id", registeredOn is { } day
            ? $"deliver order {id} was taken on business day {day:yyyy-MM-dd}, which is closed and no longer kept; it is not applied again and its id is never reused"
            : $"deliver order {id} was taken on an earlier business day, which is closed and no longer kept; it is not applied again and its id is never reused");

    /// <summary>The status a deliverer's answer gives a deliver order.</summary>
    public static string StatusOf(DeliveryStatusReply reply) => reply.Stage switch
    {
        DeliveryStage.PendingAtDeliverer => DeliverOrderStatus.Pending.Name(),
        DeliveryStage.Completed => DeliverOrderStatus.Completed.Name(),
        DeliveryStage.Dropped => DeliverOrderStatus.Dropped.Name(),
        DeliveryStage.Cancelled => DeliverOrderStatus.Cancelled.Name(),
        _ => DeliverOrderStatus.Accepted.Name(),
    };

    /// <summary>A deliverer that refuses an order the entry checks let through is one that is not set up as that participant.</summary>
    public static EntryError RefusedByDeliverer(Rejected rejected) => new(EntryRejection.UnknownParticipant, "deliverer", rejected.Message);

    // ------------------------------------------------------------ reclaims

    /// <summary>
    /// The reclaim's entry checks, in order: the original is known (its index entry, and its
    /// deliverer still keeps it: <paramref name="original"/>), the reclaimer received it, it is
    /// completed, and the day is not closing. Null: the reclaim goes on to its id's bucket.
    /// </summary>
    public static EntryError? ReclaimEntry(ParticipantId reclaimer, DeliverOrderId originalId, IndexEntry? entry, DeliverOrderView? original,
        ReferenceSnapshot reference)
    {
        if (entry is not { } e || original is null)
            return new EntryError(EntryRejection.UnknownDeliverOrder, "deliverOrderId", $"deliver order {originalId} is not known");
        if (e.Receiver != reclaimer)
            return new EntryError(EntryRejection.NotTheOriginalReceiver, "deliverOrderId", $"only the receiver of {originalId} may reclaim it");
        if (original.Shares == 0 && original.ReasonCode == PaymentOrders.ReasonCode)
            return new EntryError(EntryRejection.ReclaimOfPaymentOrder, "deliverOrderId", $"{originalId} is a payment order: a mark is settled by the next day's mark, never reclaimed");
        if (original.Status != DeliverOrderStatus.Completed.Name())
            return new EntryError(EntryRejection.ReclaimRefused, "deliverOrderId", $"{originalId} is not completed, so there is nothing to reclaim");
        if (reference.Closing)
            return new EntryError(EntryRejection.BusinessDayClosing, "id", $"business day {reference.BusinessDate:yyyy-MM-dd} is closing");
        return null;
    }

    /// <summary>What a reclaim's id is, by its entry in its bucket (null: never taken), before the reclaimer's account hears of it.</summary>
    public static RegistrationOutcome ReclaimIdOutcome(IndexEntry? entry, DeliverOrder reclaim) => entry is not { } known
        ? RegistrationOutcome.Registered
        : known.Fingerprint == reclaim.Fingerprint ? RegistrationOutcome.SameAsBefore : RegistrationOutcome.ConflictingPayload;

    public static EntryError ReclaimOtherPayload(DeliverOrderId reclaimId) =>
        new(EntryRejection.SameIdOtherPayload, "id", $"reclaim {reclaimId} was already made of another deliver order");

    /// <summary>The reclaimer's account refused the reclaim (it decides: completed today, not reclaimed yet).</summary>
    public static EntryError ReclaimRefusedByAccount(Rejected rejected) => new(rejected.Rejection switch
    {
        AccountRejection.AlreadyReclaimed => EntryRejection.AlreadyReclaimed,
        AccountRejection.ReclaimOfEarlierDay => EntryRejection.ReclaimOfEarlierDay,
        AccountRejection.ReclaimOfUnknown => EntryRejection.UnknownDeliverOrder,
        _ => EntryRejection.ReclaimRefused,
    }, "deliverOrderId", rejected.Message);

    // ------------------------------------------------------------ cancels

    /// <summary>What a cancel came to, by the deliver order as it stands after the deliverer (and, where it has answered, the receiver) decided.</summary>
    public static CancelResult CancelOutcomeOf(DeliverOrderView? view) => view switch
    {
        null => new CancelResult(CancelOutcome.NotFound, null),
        { Status: "cancelled" } => new CancelResult(CancelOutcome.Cancelled, view),
        { Status: "completed" or "dropped" } => new CancelResult(CancelOutcome.NotPending, view),
        _ => new CancelResult(CancelOutcome.Requested, view),
    };

    // ------------------------------------------------------------ the business day

    /// <summary>The cutoff's answer from every account's reply.</summary>
    public static BusinessDayResult Cutoff(DateOnly businessDate, IReadOnlyList<AccountReply?> replies)
    {
        var refused = replies.OfType<Rejected>().ToList();
        return refused.Count == 0
            ? new BusinessDayResult(true, AccountState.FormatDate(businessDate), null, replies.Count, "recycle cutoff reached: every pending deliver order dropped")
            : new BusinessDayResult(false, AccountState.FormatDate(businessDate), null, replies.Count, string.Join("; ", refused.Select(r => r.Message)))
            {
                Refusal = BusinessDayRefusal.AccountRefused,
            };
    }

    /// <summary>
    /// A close that names <paramref name="requested"/> (null: whichever day is open), against the
    /// reference data as it stands: null when the open day is to close (or is closing); the answer
    /// the close of that date gave when it is the day closed last (a close sent again closes
    /// nothing twice); refused under rule <c>business-date</c> for any other date.
    /// </summary>
    public static BusinessDayResult? CloseAnswered(ReferenceSnapshot reference, DateOnly? requested)
    {
        if (requested is not { } date || date == reference.BusinessDate) return null;
        if (reference.LastClosed is { } last && last.BusinessDate == date) return Closed(last);
        return new BusinessDayResult(false, AccountState.FormatDate(date), null, 0,
            $"businessDate {date:yyyy-MM-dd} is not the open business day {reference.BusinessDate:yyyy-MM-dd}"
            + (reference.LastClosed is { } closed ? $" nor the one closed last ({closed.BusinessDate:yyyy-MM-dd})" : ""))
        {
            Refusal = BusinessDayRefusal.BusinessDate,
        };
    }

    /// <summary>Whether the reference data, after a close was started for <paramref name="requested"/>, is closing that day (else <see cref="CloseAnswered"/> answers).</summary>
    public static bool IsClosing(ReferenceSnapshot reference, DateOnly? requested) =>
        reference.Closing && (requested is null || requested == reference.BusinessDate);

    /// <summary>Deliveries still in flight once everything pending was dropped: nothing settles while money is moving.</summary>
    public static BusinessDayResult? InFlight(DateOnly closing, int accounts, IReadOnlyList<(ParticipantId Participant, int Deliveries)> inFlight)
    {
        var busy = inFlight.Where(b => b.Deliveries > 0).ToList();
        if (busy.Count == 0) return null;
        return new BusinessDayResult(false, AccountState.FormatDate(closing), null, accounts,
            $"deliveries still in flight at {string.Join(", ", busy.Select(b => $"{b.Participant} ({b.Deliveries})"))}; close again once they are answered")
        {
            Refusal = BusinessDayRefusal.DeliveriesInFlight,
        };
    }

    /// <summary>Every account's answer to settling the day: null when all settled (the reference data then opens the next day), else the refusal.</summary>
    public static BusinessDayResult? AccountsRefused(DateOnly closing, IReadOnlyList<AccountReply?> replies)
    {
        var refused = replies.OfType<Rejected>().ToList();
        if (refused.Count == 0) return null;
        return new BusinessDayResult(false, AccountState.FormatDate(closing), null, replies.Count, string.Join("; ", refused.Select(r => r.Message)))
        {
            Refusal = BusinessDayRefusal.AccountRefused,
        };
    }

    /// <summary>The answer of a close that settled every account; given again, the same, to a close of that date sent again.</summary>
    public static BusinessDayResult Closed(ClosedBusinessDay closed) =>
        new(true, AccountState.FormatDate(closed.BusinessDate), AccountState.FormatDate(closed.NextBusinessDate), closed.Accounts,
            "business day closed: balances settled, positions carried over");
}
