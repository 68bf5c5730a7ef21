namespace Ledger.Settlement;

public sealed record PositionView(string Cusip, long Shares, long ReservedShares);

public sealed record PendingView(string DeliverOrderId, string Side, string Reason, string Counterparty, string Cusip, long Shares, decimal Amount);

/// <summary>An account as the public contract shows it. Money in dollars, exact to the cent.</summary>
public sealed record AccountView(
    string Participant,
    string Name,
    string BusinessDate,
    bool CutoffReached,
    decimal SettlementBalance,
    decimal NetDebit,
    decimal NetDebitCap,
    decimal ParticipantsFund,
    decimal CollateralMonitor,
    bool MarketLoanProgram,
    bool CentralCounterparty,
    IReadOnlyList<PositionView> Positions,
    IReadOnlyList<PendingView> Pending,
    long Version)
{
    public static AccountView Of(AccountState s) => new(
        s.Participant.Value,
        s.Name,
        AccountState.FormatDate(s.BusinessDate),
        s.CutoffReached,
        s.SettlementBalance.Dollars,
        s.NetDebit.Dollars,
        s.NetDebitCap.Dollars,
        s.ParticipantsFund.Dollars,
        Money.ToDollars(s.CollateralMonitorCents),
        s.MarketLoanProgram,
        s.CentralCounterparty,
        s.Positions.Keys.Union(s.ReservedShares.Keys)
            .OrderBy(c => c.Value, StringComparer.Ordinal)
            .Select(c => new PositionView(c.Value, s.Position(c), s.ReservedShares.GetValueOrDefault(c)))
            .ToList(),
        s.PendingDeliveries.Select(d => new PendingView(d.Order.Id.Value, "deliver", d.PendReason!.Value.Name(), d.Order.Receiver.Value, d.Order.Cusip.Value, d.Order.Shares, d.Order.Amount.Dollars))
            .Concat(s.PendingReceives.Concat(s.PairedReceives).Select(r => new PendingView(r.Order!.Id.Value, "receive", r.PendReason!.Value.Name(), r.Order.Deliverer.Value, r.Order.Cusip.Value, r.Order.Shares, r.Order.Amount.Dollars)))
            .OrderBy(p => p.DeliverOrderId, StringComparer.Ordinal)
            .ToList(),
        s.Version);
}

/// <summary>A deliver order as the public contract shows it.</summary>
public sealed record DeliverOrderView(
    string Id,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    decimal Amount,
    string ReasonCode,
    string Status,
    string? PendingReason,
    string? CompletedBy,
    string? ReclaimOf)
{
    /// <summary>A stock loan's rebate rate as submitted; absent when not given.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public decimal? RebateRate { get; init; }

    /// <summary>A stock loan's collateral margin as submitted; absent when not given.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public decimal? CollateralMargin { get; init; }

    /// <summary>A payment order's payer (the receiver of its deliver order); absent on any other deliver order.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Payer { get; init; }

    /// <summary>A payment order's payee (the deliverer of its deliver order); absent on any other deliver order.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Payee { get; init; }
}

public static class DeliverOrderViews
{
    /// <summary>
    /// Combines the deliverer's record with the receiver's (null when the receiver has not heard
    /// of it yet). The receiver's completion is decisive: the protocol guarantees the deliverer
    /// commits it.
    /// </summary>
    public static DeliverOrderView Combine(Delivery delivery, Receive? receive) =>
        Combine(delivery.Order, delivery.Stage, delivery.PendReason, delivery.CompletedBy, receive?.Stage, receive?.PendReason, receive?.CompletedBy);

    /// <summary>As above, from the bare facts each party reports.</summary>
    public static DeliverOrderView Combine(
        DeliverOrder o,
        DeliveryStage deliveryStage,
        PendReason? deliveryPendReason,
        CompletedBy? deliveryCompletedBy,
        ReceiveStage? receiveStage,
        PendReason? receivePendReason,
        CompletedBy? receiveCompletedBy)
    {
        var (status, reason, by) = deliveryStage switch
        {
            DeliveryStage.PendingAtDeliverer => (DeliverOrderStatus.Pending, deliveryPendReason, (CompletedBy?)null),
            DeliveryStage.Completed => (DeliverOrderStatus.Completed, null, deliveryCompletedBy),
            DeliveryStage.Dropped => (DeliverOrderStatus.Dropped, null, null),
            DeliveryStage.Cancelled => (DeliverOrderStatus.Cancelled, null, null),
            _ => receiveStage switch
            {
                ReceiveStage.Pending or ReceiveStage.LookAhead => (DeliverOrderStatus.Pending, receivePendReason, null),
                ReceiveStage.Completed => (DeliverOrderStatus.Completed, null, receiveCompletedBy),
                ReceiveStage.Dropped => (DeliverOrderStatus.Dropped, null, null),
                ReceiveStage.Cancelled => (DeliverOrderStatus.Cancelled, null, null),
                _ => (DeliverOrderStatus.Accepted, (PendReason?)null, (CompletedBy?)null),
            },
        };
        return new DeliverOrderView(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Dollars,
            o.ReasonCode, status.Name(), reason?.Name(), by?.Name(), o.ReclaimOf?.Value)
        {
            RebateRate = o.RebateRate,
            CollateralMargin = o.CollateralMargin,
            Payer = o.IsPaymentOrder ? PaymentOrders.Payer(o).Value : null,
            Payee = o.IsPaymentOrder ? PaymentOrders.Payee(o).Value : null,
        };
    }
}
