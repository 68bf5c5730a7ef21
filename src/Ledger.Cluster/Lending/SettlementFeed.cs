using Ledger.Lending;
using Ledger.Settlement;
using LendingPaymentOrder = Ledger.Lending.PaymentOrderRequest;
using SettlementPaymentOrder = Ledger.Settlement.PaymentOrderRequest;

namespace Ledger.Cluster.Lending;

/// <summary>
/// What passes between settlement and the lending context, translated both ways (pure): a published
/// settlement fact as the lending input it is, and a loan book's payment-order request as
/// settlement's. The lending feed (a consumer of <see cref="SettlementPublication.Tag"/>) hands
/// each translated record to <see cref="LendingRouting.BookOf(CompletedDeliverOrder)"/>'s book; a
/// completion is published by both parties, so a book sees each twice and deduplicates on the id.
/// </summary>
public static class SettlementFeed
{
    /// <summary>
    /// A completed deliver order as a <see cref="CompletedDeliverOrder"/> (its loan terms included), a
    /// completed or dropped payment order as a <see cref="PaymentOrderOutcome"/>; null for anything
    /// else (a business day's close).
    /// </summary>
    public static object? ToLending(SettlementFact fact) => fact switch
    {
        DeliverOrderSettled { Order: { Shares: 0, ReasonCode: Ledger.Settlement.PaymentOrders.ReasonCode } o } s =>
            new PaymentOrderOutcome(new DeliverOrderId(o.Id), new ParticipantId(o.Receiver), new ParticipantId(o.Deliverer),
                PaymentOrderStatus.Completed, AccountState.ParseDate(s.BusinessDate), s.At),
        DeliverOrderSettled { Order: var o } s =>
            new CompletedDeliverOrder(new DeliverOrderId(o.Id), new ParticipantId(o.Deliverer), new ParticipantId(o.Receiver), new Cusip(o.Cusip),
                o.Shares, new Money(o.AmountCents), o.ReasonCode, AccountState.ParseDate(s.BusinessDate), s.At,
                o.RebateRate, o.CollateralMargin, o.ReclaimOf is null ? null : new DeliverOrderId(o.ReclaimOf)),
        PaymentOrderDropped d =>
            new PaymentOrderOutcome(new DeliverOrderId(d.Order.Id), new ParticipantId(d.Payer), new ParticipantId(d.Payee),
                PaymentOrderStatus.Dropped, AccountState.ParseDate(d.BusinessDate), d.At),
        _ => null,
    };

    /// <summary>A loan book's request for a mark's payment order, as settlement takes it.</summary>
    public static SettlementPaymentOrder ToSettlement(LendingPaymentOrder request) =>
        new(request.Id.Value, request.Payer.Value, request.Payee.Value, request.Cusip.Value, request.Amount.Dollars, request.BusinessDate);

    /// <summary>
    /// What settlement's answer to a payment order tells the book at once: only a request for a
    /// closed day that was never entered (answered <c>dropped</c>, not accepted) is an outcome now;
    /// every other outcome comes through the feed, where it is published.
    /// </summary>
    public static PaymentOrderOutcome? OutcomeOfAnswer(LendingPaymentOrder request, SubmitResult answer, DateTimeOffset at) =>
        answer is { Accepted: false, Status: "dropped" }
            ? new PaymentOrderOutcome(request.Id, request.Payer, request.Payee, PaymentOrderStatus.Dropped, request.BusinessDate, at)
            : null;
}
