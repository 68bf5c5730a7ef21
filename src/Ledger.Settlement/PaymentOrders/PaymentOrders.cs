namespace Ledger.Settlement;

/// <summary>
/// A payment order as another context asks for one (the lending context, to settle a loan's daily
/// mark): <paramref name="Payer"/> pays <paramref name="Amount"/> dollars to <paramref name="Payee"/>
/// on <paramref name="BusinessDate"/>. <paramref name="Cusip"/> is the loan's security: it moves no
/// shares, but a Market Loan's two legs pair at OCC on it, as a loan's deliver orders do.
/// </summary>
public sealed record PaymentOrderRequest(string? Id, string? Payer, string? Payee, string? Cusip, decimal? Amount, DateOnly BusinessDate);

/// <summary>Where a payment order goes after its entry checks.</summary>
public enum PaymentOrderRoute
{
    /// <summary>For the open business day: entered as a deliver order (registered, then its payee's account decides).</summary>
    Enter = 1,

    /// <summary>
    /// For a business day already closed (or closing): never entered. If its id was taken, the
    /// records answer (it completed or dropped that day); if not, it is reported dropped, and nothing moved.
    /// </summary>
    ClosedDay = 2,
}

/// <summary>
/// Payment orders in the ATP (lending.md section 2): money-only instructions, shares 0, reason code
/// <see cref="ReasonCode"/>, ids starting <see cref="IdPrefix"/>. A payment order is a deliver order
/// from the payee to the payer of zero shares against the amount, so it runs through every rule a
/// valued deliver order does: the payer is checked as a receiver (collateral monitor, then net debit
/// cap), pends, recycles with the deliver orders (valued, largest first, non-blocking), drops at the
/// recycle cutoff, and at a central counterparty pairs by look-ahead on the amount. The payee's side
/// only gains money, so it passes every check, except at a central counterparty, where money paid in
/// waits for the matching payment out (OCC's balance never moves on its own).
/// </summary>
public static class PaymentOrders
{
    public const string ReasonCode = "MARK";

    public const string IdPrefix = "MK-";

    /// <summary>The rule a central counterparty's side of an unpaired payment order pends under: it waits for its look-ahead partner.</summary>
    public const string AwaitsPairRule = "look-ahead-match";

    /// <summary>Whether <paramref name="id"/> is one only payment orders may take.</summary>
    public static bool IsReservedId(string? id) => id is not null && id.StartsWith(IdPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The payer of a payment order: the receiver of its deliver order.</summary>
    public static ParticipantId Payer(DeliverOrder order) => order.Receiver;

    /// <summary>The payee of a payment order: the deliverer of its deliver order.</summary>
    public static ParticipantId Payee(DeliverOrder order) => order.Deliverer;

    /// <summary>
    /// The entry checks of a payment order, in order: id (the <see cref="IdPrefix"/>, then the
    /// deliver-order id format), payer, payee, not the same, the Market Loan Program at a central
    /// counterparty, the security, the amount (positive, whole cents, at most the maximum), and a
    /// business date not after the open one. The order, its route, or why it is refused.
    /// </summary>
    public static (DeliverOrder? Order, PaymentOrderRoute Route, EntryError? Error) Validate(PaymentOrderRequest r, ReferenceSnapshot reference)
    {
        if (r.Id is null) return Fail(EntryRejection.Missing, "id", "id is required");
        if (!IsReservedId(r.Id) || !r.Id.StartsWith(IdPrefix, StringComparison.Ordinal))
            return Fail(EntryRejection.InvalidDeliverOrderId, "id", $"a payment order's id starts {IdPrefix}");
        if (!DeliverOrderId.IsSubmittable(r.Id))
            return Fail(EntryRejection.InvalidDeliverOrderId, "id", $"id must be 1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':'");
        if (EntryRules.ParticipantField(r.Payer, "payer", reference, out var payer) is { } e1) return (null, default, e1);
        if (EntryRules.ParticipantField(r.Payee, "payee", reference, out var payee) is { } e2) return (null, default, e2);
        if (payer!.Id == payee!.Id)
            return Fail(EntryRejection.DelivererIsReceiver, "payee", "payer and payee must be different participants");
        if (payee.CentralCounterparty && !payer.MarketLoanProgram)
            return Fail(EntryRejection.NotInMarketLoanProgram, "payer", $"payer {payer.Id} is not in the Market Loan Program, so it may not pay central counterparty {payee.Id}");
        if (payer.CentralCounterparty && !payee.MarketLoanProgram)
            return Fail(EntryRejection.NotInMarketLoanProgram, "payee", $"payee {payee.Id} is not in the Market Loan Program, so central counterparty {payer.Id} may not pay it");
        if (EntryRules.CusipField(r.Cusip, "cusip", reference, out var cusip) is { } e3) return (null, default, e3);
        if (EntryRules.AmountField(r.Amount, "amount", allowZero: false, out var amount) is { } e4) return (null, default, e4);
        if (r.BusinessDate > reference.BusinessDate)
            return Fail(EntryRejection.PaymentOrderBusinessDate, "businessDate",
                $"businessDate {r.BusinessDate:yyyy-MM-dd} is after the open business day {reference.BusinessDate:yyyy-MM-dd}");
        var order = new DeliverOrder(new DeliverOrderId(r.Id), payee.Id, payer.Id, cusip, 0, amount, ReasonCode);
        var closed = r.BusinessDate < reference.BusinessDate || reference.Closing;
        return (order, closed ? PaymentOrderRoute.ClosedDay : PaymentOrderRoute.Enter, null);
    }

    /// <summary>
    /// The answer to a payment order for a closed business day whose id was never taken: reported
    /// <c>dropped</c> (nothing moved, and nothing ever will), with the reason in the error.
    /// </summary>
    public static EntryError ClosedDay(PaymentOrderRequest r, ReferenceSnapshot reference) =>
        new(EntryRejection.BusinessDayClosing, "businessDate", r.BusinessDate < reference.BusinessDate
            ? $"business day {r.BusinessDate:yyyy-MM-dd} is closed (the open one is {reference.BusinessDate:yyyy-MM-dd}): the payment order is dropped, nothing moved"
            : $"business day {r.BusinessDate:yyyy-MM-dd} is closing: the payment order is dropped, nothing moved");

    /// <summary>The status a payment order for a closed day is reported with when it was never entered.</summary>
    public static string DroppedStatus => DeliverOrderStatus.Dropped.Name();

    private static (DeliverOrder?, PaymentOrderRoute, EntryError?) Fail(EntryRejection rule, string field, string message) =>
        (null, default, new EntryError(rule, field, message));
}
