using Akka.Actor;
using Akka.Cluster.Sharding;
using Ledger.Cluster.Telemetry;
using Ledger.Journal;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>What a bounded context gets from the node it starts in.</summary>
public sealed record ClusterContextStart(
    ActorSystem System,
    LedgerNodeOptions Options,
    ClusterSharding Sharding,
    ClusterShardingSettings Settings,
    IMessageExtractor Extractor,
    JournalTable? Journal,
    LedgerTelemetry Telemetry,
    ILoggerFactory LoggerFactory)
{
    /// <summary>Every context of the node, in start order: a later one finds an earlier one's gateway here.</summary>
    public IReadOnlyList<IClusterContext> Contexts { get; init; } = [];
}

/// <summary>
/// One bounded context's part of a node, in its own folder of this project: it starts its shard
/// regions (and its consumers of other contexts' published events). Every implementation in this
/// assembly is found by type and started on every node, in <see cref="StartOrder"/>, so adding a
/// context adds its folder and edits no central list. (Its serializers bind themselves in
/// <c>hocon/contexts/&lt;context&gt;.conf</c>; its HTTP routes in the host's <c>Http/&lt;Context&gt;Endpoints.cs</c>.)
/// </summary>
public interface IClusterContext
{
    /// <summary>The context's name: settlement, income, recalls, lending.</summary>
    string Name { get; }

    /// <summary>Lower starts first: a context that consumes another's published events starts after it.</summary>
    int StartOrder { get; }

    Task StartAsync(ClusterContextStart start, CancellationToken ct);
}

public static class ClusterContexts
{
    private static readonly Type[] Types = typeof(IClusterContext).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IClusterContext).IsAssignableFrom(t))
        .ToArray();

    /// <summary>A fresh instance of every context (each node holds its own), in start order, then by name.</summary>
    public static IReadOnlyList<IClusterContext> Create() => Types
        .Select(t => (IClusterContext)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(c => c.StartOrder).ThenBy(c => c.Name, StringComparer.Ordinal)
        .ToArray();
}
