using Ledger.Cluster;

namespace Ledger.Cluster.Tests;

/// <summary>Each bounded context starts its own part of a node; the node finds them by type, with no central list.</summary>
public sealed class ClusterContextsTests
{
    [Fact]
    public void Every_context_in_the_cluster_is_found_once_by_type_in_start_order_and_fresh_for_each_node()
    {
        var implementations = typeof(IClusterContext).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(IClusterContext).IsAssignableFrom(t)).ToList();

        var first = ClusterContexts.Create();
        var second = ClusterContexts.Create();

        Assert.Equal(implementations.Count, first.Count);
        Assert.Equal(first.Count, first.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(first.OrderBy(c => c.StartOrder).ThenBy(c => c.Name, StringComparer.Ordinal), first);
        // Settlement starts first: the others consume what it publishes.
        Assert.IsType<SettlementContext>(first[0]);
        Assert.All(first.Zip(second), pair => Assert.NotSame(pair.Item1, pair.Item2));
    }
}
