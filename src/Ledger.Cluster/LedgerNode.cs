using System.Globalization;
using System.Net;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Ledger.Cluster.Replay;
using Ledger.Cluster.Telemetry;
using Ledger.Journal;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>
/// A running ledger node: an actor system in the cluster, the sharded account, reference and
/// index entities, and the <see cref="ILedger"/> gateway onto them. The embedded default is a
/// one-node cluster that joins itself, on SQLite in the data folder.
/// </summary>
public sealed class LedgerNode : IAsyncDisposable
{
    public const string SystemName = "ledger";
    public const string AccountRegion = "account";
    public const string ReferenceRegion = "reference";
    public const string IndexRegion = "deliver-order-index";

    private readonly RecycleCutoffClock _cutoffClock;

    private LedgerNode(ActorSystem system, ClusterLedger ledger, LedgerNodeOptions options, ILoggerFactory? loggerFactory)
    {
        System = system;
        Ledger = ledger;
        Journal = ledger;
        Options = options;
        Telemetry = LedgerTelemetry.Of(system);
        Health = new NodeHealth(system);
        var logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Ledger.BusinessDay");
        _cutoffClock = new RecycleCutoffClock(ledger, options, logger);
    }

    public ActorSystem System { get; }

    public ILedger Ledger { get; }

    /// <summary>The read side of this node's journal (the account at a moment, its stored events); the same object as <see cref="Ledger"/>.</summary>
    public IJournalReader Journal { get; }

    public LedgerNodeOptions Options { get; }

    /// <summary>This node's metrics (its own meter) and settlement log.</summary>
    public LedgerTelemetry Telemetry { get; }

    /// <summary>This node's readiness checks: cluster membership Up, journal answering.</summary>
    public INodeHealth Health { get; }

    /// <summary>This node's cluster address, for other nodes to use as a seed.</summary>
    public string Address => Akka.Cluster.Cluster.Get(System).SelfAddress.ToString();

    public static async Task<LedgerNode> StartAsync(LedgerNodeOptions options, ILoggerFactory? loggerFactory, CancellationToken ct)
    {
        if (loggerFactory is not null) MicrosoftLoggingBridge.Factory = loggerFactory;
        var system = ActorSystem.Create(SystemName, BuildConfig(options));
        try
        {
            // Before any account starts, so that every settlement line reaches this node's log.
            var telemetry = LedgerTelemetry.Of(system);
            if (loggerFactory is not null) telemetry.UseLoggerFactory(loggerFactory);
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (options.SeedNodes.Count == 0)
            {
                await cluster.JoinAsync(cluster.SelfAddress, ct);
            }
            else
            {
                await cluster.JoinSeedNodesAsync(options.SeedNodes.Select(Akka.Actor.Address.Parse), ct);
            }

            var sharding = ClusterSharding.Get(system);
            var settings = ClusterShardingSettings.Create(system);
            var extractor = new LedgerMessageExtractor(LedgerMessageExtractor.ShardCountDefault);
            var regions = new RegionHolder();
            regions.Accounts = await sharding.StartAsync(AccountRegion,
                participant => AccountActor.Props(participant, regions.Accounts!, options.Clock, options.ResendInterval, options.ReclaimRules), settings, extractor);
            var reference = await sharding.StartAsync(ReferenceRegion, _ => ReferenceActor.Props(), settings, extractor);
            var index = await sharding.StartAsync(IndexRegion, bucket => DeliverOrderIndexActor.Props(bucket, options.Clock), settings, extractor);

            var journal = options.Store == "memory" ? null : new JournalReader(JournalTable.Of(new StoreSettings(options.Store, options.Connection, options.DataDir)), options.ReclaimRules);
            var ledger = new ClusterLedger(regions.Accounts, reference, index, options, journal, telemetry);
            try
            {
                await ledger.OpenFirstBusinessDayAsync(ct);
            }
            catch (JournalDamagedException e)
            {
                // The node still serves what does not need the reference data (the status of deliver
                // orders); everything else answers that the reference journal is damaged, and so does readiness.
                (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Ledger.Journal")
                    .LogError("{Damage}: the node starts without its reference data; run `ledger verify`", e.Message);
            }
            return new LedgerNode(system, ledger, options, loggerFactory);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    private sealed class RegionHolder
    {
        public IActorRef? Accounts { get; set; }
    }

    /// <summary>The node's configuration: overrides made in code (HOCON here cannot read the environment), the store, then ledger.conf.</summary>
    public static Config BuildConfig(LedgerNodeOptions options)
    {
        var seeds = string.Join(", ", options.SeedNodes.Select(s => "\"" + s + "\""));
        var overrides = ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $$"""
            akka.remote.dot-netty.tcp.hostname = "{{options.Hostname}}"
            akka.remote.dot-netty.tcp.public-hostname = "{{AdvertisedHostname(options)}}"
            akka.remote.dot-netty.tcp.port = {{options.Port}}
            akka.cluster.seed-nodes = [{{seeds}}]
            akka.loggers = ["Ledger.Cluster.MicrosoftLoggingBridge, Ledger.Cluster"]
            """));
        Config store;
        if (options.Store == "memory")
        {
            store = ConfigurationFactory.ParseString("""
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                akka.cluster.sharding.journal-plugin-id = "akka.persistence.journal.inmem"
                akka.cluster.sharding.snapshot-plugin-id = "akka.persistence.snapshot-store.inmem"
                """);
        }
        else
        {
            var settings = new StoreSettings(options.Store, options.Connection, options.DataDir);
            StoreConfig.Prepare(settings);
            store = StoreConfig.Build(settings);
        }
        var extra = ConfigurationFactory.ParseString(options.ExtraConfig ?? "");
        return extra
            .WithFallback(overrides)
            .WithFallback(store)
            .WithFallback(StoreConfig.LoadEmbedded("ledger.conf"))
            .WithFallback(ClusterSharding.DefaultConfig());
    }

    /// <summary>
    /// The host name in this node's address: <see cref="LedgerNodeOptions.PublicHostname"/> when given;
    /// otherwise the bind address, unless that is a wildcard, which no other node can dial: then the
    /// machine's host name (a container's own name).
    /// </summary>
    public static string AdvertisedHostname(LedgerNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.PublicHostname)) return options.PublicHostname;
        return IsWildcard(options.Hostname) ? Dns.GetHostName() : options.Hostname;
    }

    /// <summary>True for the addresses that bind every interface: 0.0.0.0 and ::.</summary>
    public static bool IsWildcard(string? hostname) =>
        IPAddress.TryParse(hostname, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));

    public async ValueTask DisposeAsync()
    {
        await _cutoffClock.DisposeAsync();
        var cluster = Akka.Cluster.Cluster.Get(System);
        try
        {
            // A node that already left (or whose system stopped) has nothing to leave, and no answer would come.
            if (!cluster.IsTerminated && !System.WhenTerminated.IsCompleted) await cluster.LeaveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // A node that cannot leave gracefully is downed by the others; stopping it is still safe.
        }
        await System.Terminate();
    }
}
