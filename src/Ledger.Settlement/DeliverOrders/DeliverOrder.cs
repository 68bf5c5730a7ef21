namespace Ledger.Settlement;

/// <summary>
/// An instruction to move <see cref="Shares"/> of <see cref="Cusip"/> from the deliverer to the
/// receiver against <see cref="Amount"/> (valued), or for nothing (free, amount zero).
/// <see cref="ReclaimOf"/> names the deliver order a reclaim undoes.
/// </summary>
public sealed record DeliverOrder(
    DeliverOrderId Id,
    ParticipantId Deliverer,
    ParticipantId Receiver,
    Cusip Cusip,
    long Shares,
    Money Amount,
    string ReasonCode,
    DeliverOrderId? ReclaimOf = null)
{
    /// <summary>The most shares one deliver order or deposit may move: ten billion.</summary>
    public const long SharesMax = 10_000_000_000;

    public const int ReasonCodeLengthMax = 16;

    public bool IsValued => Amount.Cents > 0;

    public bool IsReclaim => ReclaimOf is not null;

    /// <summary>
    /// The fields that make two submissions "the same deliver order": a resubmission with the
    /// same id must carry exactly these.
    /// </summary>
    public string Fingerprint =>
        $"{Deliverer.Value}|{Receiver.Value}|{Cusip.Value}|{Shares}|{Amount.Cents}|{ReasonCode}|{ReclaimOf?.Value}";
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
