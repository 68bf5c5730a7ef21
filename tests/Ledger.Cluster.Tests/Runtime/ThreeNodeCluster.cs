using Akka.Actor;
using Akka.Cluster.Sharding;
using Ledger.TestSupport;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Three ledger nodes on loopback sharing one fresh PostgreSQL database, all three members up on
/// every node, with <see cref="FallbackRecorder"/> noting any ledger message that Akka's default
/// serializer would carry. Disposing stops the nodes, the last started first.
/// </summary>
internal sealed class ThreeNodeCluster : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private const string TestConfig = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = OFF
        """ + "\n" + FallbackRecorder.Config;

    private readonly List<LedgerNode> _nodes = [];

    private ThreeNodeCluster()
    {
    }

    /// <summary>The nodes: the first is the seed.</summary>
    public IReadOnlyList<LedgerNode> Nodes => _nodes;

    /// <summary>What the nodes logged as errors.</summary>
    public ErrorLog Errors { get; } = new();

    /// <summary>Starts the seed on a new database <paramref name="database"/>, then two nodes that join it, and waits until all three are up on every node.</summary>
    public static async Task<ThreeNodeCluster> StartAsync(PostgresFixture postgres, string database)
    {
        var connection = await postgres.CreateDatabaseAsync(database);
        FallbackRecorder.Clear();
        var cluster = new ThreeNodeCluster();
        try
        {
            var seed = await cluster.Start(connection, []);
            cluster._nodes.Add(seed);
            var joining = new[] { cluster.Start(connection, [seed.Address]), cluster.Start(connection, [seed.Address]) };
            try
            {
                await Task.WhenAll(joining);
            }
            finally
            {
                // A node that started is stopped with the others even when its sibling failed to.
                cluster._nodes.AddRange(joining.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
            await Eventually.Until(() => Task.FromResult(cluster._nodes.All(n =>
                Akka.Cluster.Cluster.Get(n.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 3)), Limit, "three members up on every node");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Two Market Loan participants and OCC, each set up through another node: OCC on the first,
    /// <paramref name="lender"/> on the second and <paramref name="borrower"/> on the third (net
    /// debit cap and fund $10,000,000.00 each); <paramref name="cusip"/> listed at $100.00 (10%
    /// haircut) on the first, and 1,000 shares of it deposited to the lender on the second.
    /// </summary>
    public async Task SetUpLenderAndBorrowerAsync(string occ, string lender, string borrower, Cusip cusip)
    {
        var (a, b, c) = (_nodes[0], _nodes[1], _nodes[2]);
        await Setup.Participant(a.Ledger, occ, 0m, 0m, ccp: true);
        await Setup.Participant(b.Ledger, lender, 10_000_000m, 10_000_000m, marketLoan: true);
        await Setup.Participant(c.Ledger, borrower, 10_000_000m, 10_000_000m, marketLoan: true);
        Assert.True((await a.Ledger.PutSecurityAsync(cusip, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await b.Ledger.DepositAsync(new ParticipantId(lender), cusip, 1_000, Setup.None)).Ok);
    }

    /// <summary>The node's service <typeparamref name="T"/> (a context's gateway).</summary>
    public static T Service<T>(LedgerNode node)
        where T : class =>
        ((ClusterLedger)node.Ledger).Services.Find<T>() ?? throw new InvalidOperationException($"the node runs no {typeof(T).Name}");

    /// <summary>Which node (by index) hosts each entity of <paramref name="region"/> now started.</summary>
    public async Task<Dictionary<string, int>> HostsAsync(string region)
    {
        var hosts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _nodes.Count; i++)
        {
            var state = await ClusterSharding.Get(_nodes[i].System).ShardRegion(region)
                .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            foreach (var entity in state.Shards.SelectMany(s => s.EntityIds)) hosts[entity] = i;
        }
        return hosts;
    }

    /// <summary>No ledger message went through Akka's default serializer, and no node logged a serialization error.</summary>
    public void AssertEveryMessageCrossedThroughTheLedgersSerializers()
    {
        Assert.Empty(FallbackRecorder.LedgerTypes);
        Assert.DoesNotContain(Errors.Lines, e => e.Contains("Serializ", StringComparison.OrdinalIgnoreCase));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes)) await node.DisposeAsync();
        _nodes.Clear();
    }

    private Task<LedgerNode> Start(string connection, IReadOnlyList<string> seeds) =>
        LedgerNode.StartAsync(new LedgerNodeOptions
        {
            Store = "postgres",
            Connection = connection,
            Hostname = "127.0.0.1",
            Port = 0,
            SeedNodes = seeds,
            ResendInterval = TimeSpan.FromMilliseconds(300),
            AskTimeout = TimeSpan.FromSeconds(10),
            RecycleCutoffLocalTime = null,
            ExtraConfig = TestConfig,
        }, Errors, Setup.None);
}
