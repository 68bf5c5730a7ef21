using Akka.Cluster.Sharding;
using Ledger.Income;

namespace Ledger.Cluster.Income;

/// <summary>A message for one income entity; <paramref name="EntityId"/> is its persistence id (<see cref="IncomeManifests.PersistenceId"/>).</summary>
public sealed record IncomeEnvelope(string EntityId, object Message)
{
    public static IncomeEnvelope To(IncomeAddress address, object message) => new(IncomeManifests.PersistenceId(address), message);
}

/// <summary>What an income entity answers a command with, once its events are persisted: the refusal, or null.</summary>
public sealed record IncomeAnswer(IncomeError? Rejection);

/// <summary>
/// A read of an income entity's state, decided in turn with its commands (so it never shows what a
/// write in flight has not made durable). A function, so it stays on the node that asks: the
/// income region runs on every node of a one-node ledger (see the README's limits).
/// </summary>
public sealed record IncomeQuery(Func<object, object?> Read);

/// <summary>Settlement answered an income posting sent to it.</summary>
internal sealed record SettlementPostingAnswered(string PostingId, object Answer);

internal sealed record IncomeResendTick
{
    public static readonly IncomeResendTick Instance = new();
}

/// <summary>The income region's shards: by entity id (the persistence id).</summary>
public sealed class IncomeMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string EntityId(object message) => message is IncomeEnvelope e ? e.EntityId : null!;

    public override object EntityMessage(object message) => message is IncomeEnvelope e ? e.Message : message;
}
