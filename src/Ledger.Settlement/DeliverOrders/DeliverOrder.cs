namespace Ledger.Settlement;

/// <summary>
/// An instruction to move <see cref="Shares"/> of <see cref="Cusip"/> from the deliverer to the
/// receiver against <see cref="Amount"/> (valued), or for nothing (free, amount zero).
/// <see cref="ReclaimOf"/> names the deliver order a reclaim undoes. A stock loan (<c>SL</c>) may
/// carry its loan terms, <see cref="RebateRate"/> and <see cref="CollateralMargin"/> (LoanTermRules);
/// settlement only carries them to the published completion, and pairs a Market Loan's legs at the
/// central counterparty only when their margins agree. A payment order (PaymentOrders) is a
/// deliver order of zero shares with reason code <c>MARK</c>: the receiver pays, the deliverer is paid.
/// </summary>
public sealed record DeliverOrder(
    DeliverOrderId Id,
    ParticipantId Deliverer,
    ParticipantId Receiver,
    Cusip Cusip,
    long Shares,
    Money Amount,
    string ReasonCode,
    DeliverOrderId? ReclaimOf = null,
    decimal? RebateRate = null,
    decimal? CollateralMargin = null)
{
    /// <summary>The most shares one deliver order or deposit may move: ten billion.</summary>
    public const long SharesMax = 10_000_000_000;

    public const int ReasonCodeLengthMax = 16;

    public bool IsValued => Amount.Cents > 0;

    public bool IsReclaim => ReclaimOf is not null;

    /// <summary>A money-only instruction: zero shares, reason code <c>MARK</c> (see PaymentOrders).</summary>
    public bool IsPaymentOrder => Shares == 0 && ReasonCode == PaymentOrders.ReasonCode;

    /// <summary>
    /// The fields that make two submissions "the same deliver order": a resubmission with the
    /// same id must carry exactly these. Loan terms count only when given (an order without them
    /// keeps the fingerprint it always had), by value: 1.02 and 1.020 are the same margin.
    /// </summary>
    public string Fingerprint =>
        $"{Deliverer.Value}|{Receiver.Value}|{Cusip.Value}|{Shares}|{Amount.Cents}|{ReasonCode}|{ReclaimOf?.Value}"
        + (RebateRate is null && CollateralMargin is null ? "" : $"|{LoanTermRules.Format(RebateRate)}|{LoanTermRules.Format(CollateralMargin)}");
}

/// <summary>Why a deliver order waits.</summary>
public enum PendReason
{
    Position = 1,
    Collateral = 2,
    NetDebitCap = 3,
}

/// <summary>How a deliver order came to complete.</summary>
public enum CompletedBy
{
    Direct = 1,
    Recycle = 2,
    LookAhead = 3,
    ReclaimOverride = 4,
}

/// <summary>The life of a deliver order as its parties see it.</summary>
public enum DeliverOrderStatus
{
    Accepted = 1,
    Pending = 2,
    Completed = 3,
    Dropped = 4,
    Cancelled = 5,
    Rejected = 6,
}

public static class DomainNames
{
    public static string Name(this PendReason reason) => reason switch
    {
        PendReason.Position => "position",
        PendReason.Collateral => "collateral",
        PendReason.NetDebitCap => "net-debit-cap",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string Name(this CompletedBy by) => by switch
    {
        CompletedBy.Direct => "direct",
        CompletedBy.Recycle => "recycle",
        CompletedBy.LookAhead => "look-ahead",
        CompletedBy.ReclaimOverride => "reclaim-override",
        _ => throw new ArgumentOutOfRangeException(nameof(by), by, null),
    };

    public static string Name(this DeliverOrderStatus status) => status switch
    {
        DeliverOrderStatus.Accepted => "accepted",
        DeliverOrderStatus.Pending => "pending",
        DeliverOrderStatus.Completed => "completed",
        DeliverOrderStatus.Dropped => "dropped",
        DeliverOrderStatus.Cancelled => "cancelled",
        DeliverOrderStatus.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
