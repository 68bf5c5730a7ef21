using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>Which side of a deliver order a published completion is.</summary>
public enum SettledSide
{
    /// <summary>The deliverer's delivery completed: its shares left, the amount came in.</summary>
    Delivery = 1,

    /// <summary>The receiver's receive completed: the shares came in, the amount went out.</summary>
    Receive = 2,
}

/// <summary>
/// What settlement publishes to the other contexts: a completed deliver order at one of its
/// parties, or the close of a business day at one participant. Read from the tagged events of that
/// participant's own journal, in journal order, so that a participant's completions of a date
/// always come before its close of that date.
/// </summary>
public abstract record SettlementFact(string Participant, DateTimeOffset At);

/// <param name="Participant">The party whose journal published it.</param>
/// <param name="Side">Which of its sides: the deliverer publishes <see cref="SettledSide.Delivery"/>, the receiver <see cref="SettledSide.Receive"/>.</param>
/// <param name="Order">The deliver order's terms: parties, CUSIP, shares, amount in cents, reason code, reclaim-of.</param>
/// <param name="CompletedBy">direct, recycle, look-ahead or reclaim-override.</param>
/// <param name="BusinessDate">The settlement business date it completed on, "yyyy-MM-dd".</param>
/// <param name="At">The business time it completed (UTC).</param>
public sealed record DeliverOrderSettled(string Participant, SettledSide Side, DeliverOrderData Order, string CompletedBy, string BusinessDate, DateTimeOffset At)
    : SettlementFact(Participant, At)
{
    /// <summary>What a consumer counts a completion by: one per deliver order and party.</summary>
    public string Key => $"{Order.Id}|{Participant}";
}

/// <summary>
/// A payment order that dropped (at the recycle cutoff or the close, or its payer's check failed
/// after the cutoff): published by the payee's account (the deliverer of its deliver order), so
/// one per payment order; a central counterparty's two legs are each dropped at their own payee.
/// </summary>
/// <param name="Participant">The payee whose journal published it.</param>
/// <param name="Order">The payment order: deliverer = payee, receiver = payer, shares 0, reason code MARK.</param>
/// <param name="BusinessDate">The business date it dropped on, "yyyy-MM-dd".</param>
/// <param name="At">The business time it dropped (UTC).</param>
public sealed record PaymentOrderDropped(string Participant, DeliverOrderData Order, string BusinessDate, DateTimeOffset At)
    : SettlementFact(Participant, At)
{
    public string Payer => Order.Receiver;

    public string Payee => Order.Deliverer;
}

/// <param name="Participant">The participant whose day closed.</param>
/// <param name="ClosedDate">The business date closed, "yyyy-MM-dd".</param>
/// <param name="NextDate">The business date opened.</param>
/// <param name="SettledBalanceCents">The participant's settlement balance at the close.</param>
/// <param name="At">The business time of the close (UTC).</param>
public sealed record BusinessDayClosedAt(string Participant, string ClosedDate, string NextDate, long SettledBalanceCents, DateTimeOffset At)
    : SettlementFact(Participant, At);

/// <summary>
/// Settlement's published events: which account events are published (tagged <see cref="Tag"/> in
/// the journal), what they carry, and how a consumer reads them back as <see cref="SettlementFact"/>s.
/// Tags are a column of the journal row, never part of the payload: stored manifests and
/// persistence ids do not change, and an account's recovery reads the same events as before.
/// </summary>
public static class SettlementPublication
{
    /// <summary>The journal tag of every published settlement event.</summary>
    public const string Tag = "settlement-published";

    /// <summary>Whether <paramref name="e"/> is published: completions at either party, business-day closes, and a payment order's drop at its payee (once <see cref="Complete"/> has filled it in).</summary>
    public static bool IsPublished(AccountEvent e) =>
        e is DeliveryCompleted or ReceiveCompleted or LookAheadCompleted or BusinessDayClosed or DeliveryDropped { Order: not null };

    /// <summary>
    /// The prefix of a published event's kind tags (<see cref="KindsOf"/>): written beside
    /// <see cref="Tag"/> so that a consumer can read only the kinds it takes, in the journal's own
    /// query, without decoding the rest. A row with no kind tag (written before kinds were tagged)
    /// is read by every consumer, which then filters on the decoded facts as before.
    /// </summary>
    public const string KindPrefix = "kind.";

    /// <summary>The kind tag of a business day's close.</summary>
    public const string CloseKind = KindPrefix + "close";

    /// <summary>The kind tag of a completion or drop of a reclaim (an order with <c>ReclaimOf</c>).</summary>
    public const string ReclaimKind = KindPrefix + "reclaim";

    /// <summary>
    /// The kind tag of a completion or drop of an order with reason code <paramref name="reasonCode"/>
    /// (letters, digits, '-' and '_': '_' is written '.', which a reason code cannot hold, so two
    /// codes never share a tag).
    /// </summary>
    public static string ReasonKind(string reasonCode)
    {
        ArgumentNullException.ThrowIfNull(reasonCode);
        return KindPrefix + "rc." + reasonCode.Replace('_', '.');
    }

    /// <summary>
    /// The kind tags of a published event (<see cref="IsPublished"/>, after <see cref="Complete"/>):
    /// the reason code of each order it completes or drops, and <see cref="ReclaimKind"/> when one
    /// is a reclaim; <see cref="CloseKind"/> for a close. Every fact <see cref="Read"/> gives of the
    /// event is about an order (or close) these tags name, so a reader that takes the rows tagged
    /// with the kinds it wants (and rows with no kind tag) sees every fact it would take.
    /// </summary>
    public static IReadOnlyList<string> KindsOf(AccountEvent e) => e switch
    {
        DeliveryCompleted { Order: { } order } => OrderKinds(order, null),
        ReceiveCompleted r => OrderKinds(r.Order, null),
        LookAheadCompleted { ReceiveOrder: { } received, DeliveryOrder: { } delivered } => OrderKinds(received, delivered),
        DeliveryDropped { Order: { } order } => OrderKinds(order, null),
        BusinessDayClosed => [CloseKind],
        _ => [],
    };

    private static List<string> OrderKinds(DeliverOrderData first, DeliverOrderData? second)
    {
        var kinds = new List<string>(3) { ReasonKind(first.ReasonCode) };
        if (second is not null && second.ReasonCode != first.ReasonCode) kinds.Add(ReasonKind(second.ReasonCode));
        if (first.ReclaimOf is not null || second?.ReclaimOf is not null) kinds.Add(ReclaimKind);
        return kinds;
    }

    /// <summary>
    /// <paramref name="e"/> with what it publishes filled in from <paramref name="state"/> (the
    /// account's state after the decision that emitted it): the deliverer's completion carries its
    /// order, and every completion its business date. Other events come back unchanged. Pure: the
    /// account entity calls it on each event before sealing it.
    /// </summary>
    public static AccountEvent Complete(AccountState state, AccountEvent e)
    {
        ArgumentNullException.ThrowIfNull(state);
        var date = AccountState.FormatDate(state.BusinessDate);
        return e switch
        {
            DeliveryCompleted d when d.Order is null && state.Deliveries.TryGetValue(new DeliverOrderId(d.DeliverOrderId), out var delivery) =>
                d with { Order = AccountState.ToData(delivery.Order), BusinessDate = date },
            ReceiveCompleted r when r.BusinessDate is null => r with { BusinessDate = date },
            // A payment order's drop is published (the lending context learns its mark did not
            // settle), on the date the order was entered on: pending lasts one day, so that is the
            // day it dropped, also when the close dropped it and the state is already on the next.
            DeliveryDropped d when d.Order is null && state.Deliveries.TryGetValue(new DeliverOrderId(d.DeliverOrderId), out var dropped)
                && dropped.Order.IsPaymentOrder =>
                d with { Order = AccountState.ToData(dropped.Order), BusinessDate = AccountState.FormatDate(dropped.BusinessDate) },
            LookAheadCompleted l when l.DeliveryOrder is null
                && state.Deliveries.TryGetValue(new DeliverOrderId(l.DeliveryId), out var delivery)
                && state.Receives.TryGetValue(new DeliverOrderId(l.ReceiveId), out var receive) && receive.Order is { } received =>
                l with { ReceiveOrder = AccountState.ToData(received), DeliveryOrder = AccountState.ToData(delivery.Order), BusinessDate = date },
            _ => e,
        };
    }

    /// <summary>
    /// The facts a published event of <paramref name="participant"/>'s journal tells: one
    /// completion for a delivery or a receive, two for a look-ahead (the receive and the delivery
    /// it completed together), one close. Nothing for an event that is not published or was
    /// written before completions carried their order.
    /// </summary>
    public static IReadOnlyList<SettlementFact> Read(string participant, object e) => e switch
    {
        DeliveryCompleted { Order: { } order, BusinessDate: { } date } d =>
            [new DeliverOrderSettled(participant, SettledSide.Delivery, order, d.CompletedBy, date, d.At)],
        ReceiveCompleted { BusinessDate: { } date } r =>
            [new DeliverOrderSettled(participant, SettledSide.Receive, r.Order, r.CompletedBy, date, r.At)],
        LookAheadCompleted { ReceiveOrder: { } received, DeliveryOrder: { } delivered, BusinessDate: { } date } l =>
        [
            new DeliverOrderSettled(participant, SettledSide.Receive, received, CompletedBy.LookAhead.Name(), date, l.At),
            new DeliverOrderSettled(participant, SettledSide.Delivery, delivered, CompletedBy.LookAhead.Name(), date, l.At),
        ],
        BusinessDayClosed c => [new BusinessDayClosedAt(participant, c.ClosedDate, c.NextDate, c.SettledBalanceCents, c.At)],
        DeliveryDropped { Order: { } order, BusinessDate: { } date } d => [new PaymentOrderDropped(participant, order, date, d.At)],
        _ => [],
    };
}
