using Akka.Cluster.Sharding;
using Akka.Util;
using Ledger.Settlement;

namespace Ledger.Cluster;

/// <summary>
/// A message that may cross from one node to another: serialized by <see cref="ProtocolSerializer"/>
/// (bound to this interface in ledger.conf), never by Akka's default JSON serializer.
/// </summary>
public interface IProtocolMessage;

/// <summary>A message for one participant account, routed by sharding on the participant id.</summary>
public sealed record AccountEnvelope(string ParticipantId, object Message) : IProtocolMessage;

/// <summary>A message for the reference data (one entity for the whole ledger).</summary>
public sealed record ReferenceEnvelope(object Message) : IProtocolMessage;

/// <summary>A message for one bucket of the deliver-order index.</summary>
public sealed record IndexEnvelope(int Bucket, object Message) : IProtocolMessage;

/// <summary>Several commands for one account, decided in order and persisted together; answered by <see cref="AccountReplies"/>.</summary>
public sealed record AccountCommands(IReadOnlyList<AccountCommand> Commands) : IProtocolMessage;

public sealed record AccountReplies(IReadOnlyList<AccountReply?> Replies) : IProtocolMessage;

/// <summary>Asks for the account view; answered with <see cref="AccountView"/>, or <see cref="Rejected"/> when the account is not set up.</summary>
public sealed record GetAccountView : IProtocolMessage
{
    public static readonly GetAccountView Instance = new();
}

/// <summary>A deliver order as its deliverer holds it.</summary>
public sealed record DeliverySnapshot(DeliverOrder Order, DeliveryStage Stage, PendReason? PendReason, CompletedBy? CompletedBy);

/// <summary>A receive as its receiver holds it; <see cref="Stage"/> is null when the receiver has not heard of it.</summary>
public sealed record ReceiveSnapshot(ReceiveStage? Stage, PendReason? PendReason, CompletedBy? CompletedBy) : IProtocolMessage;

public sealed record GetDelivery(DeliverOrderId Id) : IProtocolMessage;

/// <summary>Answer to <see cref="GetDelivery"/>; <see cref="Delivery"/> is null when the account has no such delivery.</summary>
public sealed record DeliveryFound(DeliverySnapshot? Delivery) : IProtocolMessage;

public sealed record GetReceive(DeliverOrderId Id) : IProtocolMessage;

public sealed record GetInFlightCount : IProtocolMessage
{
    public static readonly GetInFlightCount Instance = new();
}

public sealed record InFlightCount(string Participant, int Deliveries) : IProtocolMessage;

/// <summary>
/// Asks an account which events of its journal explain <see cref="Ids"/> (a deliver order and its
/// look-ahead partners; <see cref="BusinessDate"/>: the day the first was registered on, when known);
/// answered with <see cref="DeliverOrderEvents"/>. Decided in turn like any command, so the answer
/// names only events already durable.
/// </summary>
public sealed record GetDeliverOrderEvents(IReadOnlyList<DeliverOrderId> Ids, DateOnly? BusinessDate) : IProtocolMessage;

/// <summary>Answer to <see cref="GetDeliverOrderEvents"/> (see <see cref="IndexedEvents"/>).</summary>
public sealed record DeliverOrderEvents(IReadOnlyList<long> SequenceNrs, bool Retained) : IProtocolMessage;

/// <summary>Asks for the reference snapshot; answered with <see cref="ReferenceSnapshot"/>.</summary>
public sealed record GetReference : IProtocolMessage
{
    public static readonly GetReference Instance = new();
}

/// <summary>Registers deliver orders in one index bucket; answered with <see cref="RegistrationOutcomes"/>, one per order.</summary>
public sealed record RegisterDeliverOrders(IReadOnlyList<DeliverOrder> Orders, DateOnly BusinessDate) : IProtocolMessage;

/// <summary>One outcome per order, with the business date each id was first registered on (null for journals older than that record).</summary>
public sealed record RegistrationOutcomes(IReadOnlyList<RegistrationOutcome> Outcomes, IReadOnlyList<DateOnly?> RegisteredOn) : IProtocolMessage;

public sealed record FindDeliverOrder(DeliverOrderId Id) : IProtocolMessage;

/// <summary>Answer to <see cref="FindDeliverOrder"/>; null when the id was never registered.</summary>
public sealed record DeliverOrderLocation(IndexEntry? Entry) : IProtocolMessage;

/// <summary>The business rule said no; carried back to the gateway as a value, never as an exception.</summary>
public sealed record Busy(string Reason) : IProtocolMessage;

/// <summary>Routes envelopes to entities. The shard count is fixed for the life of a cluster (about ten times the largest node count).</summary>
public sealed class LedgerMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public const int ShardCountDefault = 100;

    public override string EntityId(object message) => message switch
    {
        AccountEnvelope e => e.ParticipantId,
        ReferenceEnvelope => "reference",
        IndexEnvelope e => e.Bucket.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null!,
    };

    public override object EntityMessage(object message) => message switch
    {
        AccountEnvelope e => e.Message,
        ReferenceEnvelope e => e.Message,
        IndexEnvelope e => e.Message,
        _ => message,
    };
}

public static class IndexBuckets
{
    /// <summary>Buckets of the deliver-order index; fixed for the life of a ledger, since ids are found by it.</summary>
    public const int Count = 64;

    public static int Of(DeliverOrderId id) => (int)(unchecked((uint)MurmurHash.StringHash(id.Value)) % Count);
}
