namespace Ledger.Settlement;

/// <summary>A reclaim: the original receiver delivers the same shares back against the same amount.</summary>
public static class Reclaims
{
    public const string ReasonCode = "RECLAIM";

    public static DeliverOrder Of(DeliverOrderId reclaimId, DeliverOrder original) => new(
        reclaimId,
        original.Receiver,
        original.Deliverer,
        original.Cusip,
        original.Shares,
        original.Amount,
        ReasonCode,
        original.Id);
}
