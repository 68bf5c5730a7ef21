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
public sealed partial class LedgerNode : IAsyncDisposable
{
    public const string SystemName = "ledger";
    public const string AccountRegion = "account";
    public const string ReferenceRegion = "reference";
    public const string IndexRegion = "deliver-order-index";

    private readonly RecycleCutoffClock _cutoffClock;
    private DataFolder? _dataFolder;

    private LedgerNode(ActorSystem system, ClusterLedger ledger, LedgerNodeOptions options, ILoggerFactory? loggerFactory)
    {
        System = system;
        Ledger = ledger;
        Journal = ledger;
        Explainer = ledger;
        JournalTable = ledger.JournalTable;
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

    /// <summary>This node's explanations of deliver orders; the same object as <see cref="Ledger"/>.</summary>
    public Explain.IDeliverOrderExplainer Explainer { get; }

    /// <summary>The journal table of this node's store, as its read side reads it (null on the in-memory store).</summary>
    public JournalTable? JournalTable { get; }

    public LedgerNodeOptions Options { get; }

    /// <summary>This node's metrics (its own meter) and settlement log.</summary>
    public LedgerTelemetry Telemetry { get; }

    /// <summary>This node's readiness checks: cluster membership Up, journal answering.</summary>
    public INodeHealth Health { get; }

    /// <summary>This node's cluster address, for other nodes to use as a seed.</summary>
    public string Address => Akka.Cluster.Cluster.Get(System).SelfAddress.ToString();

    /// <summary>Every bounded context's part of this node, started (a context's gateway is found on its own type).</summary>
    public IReadOnlyList<IClusterContext> Contexts { get; private init; } = [];

    /// <summary>The ledger id of this node's data folder (embedded SQLite); null on a server store.</summary>
    public string? LedgerId => _dataFolder?.LedgerId;

    /// <exception cref="StoreStartException">The data folder is held by another node, holds traces of an earlier ledger, or is unusable; or the database server cannot be reached.</exception>
    public static async Task<LedgerNode> StartAsync(LedgerNodeOptions options, ILoggerFactory? loggerFactory, CancellationToken ct)
    {
        var storeLog = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Ledger.Store");
        var (folder, watch) = await OpenStoreAsync(options, storeLog, ct);
        ActorSystem system;
        try
        {
            // Akka's own logs go to this node's factory (MicrosoftLoggingBridge), not to a process-wide one.
            var setup = Akka.Actor.BootstrapSetup.Create().WithConfig(BuildConfig(options));
            system = loggerFactory is null
                ? ActorSystem.Create(SystemName, setup)
                : ActorSystem.Create(SystemName, setup.And(new NodeLoggerFactorySetup(loggerFactory)));
        }
        catch
        {
            folder?.Dispose();
            throw;
        }
        try
        {
            if (watch is not null) StoreHealth.Get(system).Watch(watch);
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
            var journal = options.Store == "memory" ? null : JournalTable.Of(new StoreSettings(options.Store, options.Connection, options.DataDir));
            // Every bounded context starts its own part (ClusterContexts finds them by type).
            var contexts = ClusterContexts.Create()
                .Where(c => c is SettlementContext || options.Contexts is null || options.Contexts.Contains(c.Name)).ToArray();
            var start = new ClusterContextStart(system, options, sharding, settings, extractor, journal, telemetry,
                loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance) { Contexts = contexts };
            foreach (var context in contexts) await context.StartAsync(start, ct);
            var ledger = contexts.OfType<SettlementContext>().Single().Ledger!;
            return new LedgerNode(system, ledger, options, loggerFactory) { _dataFolder = folder, Contexts = contexts };
        }
        catch
        {
            await system.Terminate();
            folder?.Dispose();
            throw;
        }
    }

    /// <summary>The embedded SQLite file of <paramref name="options"/>; null for a server store or an in-memory database.</summary>
    public static string? SqliteFile(LedgerNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Store != StoreConfig.Sqlite) return null;
        if (string.IsNullOrWhiteSpace(options.Connection)) return Path.Combine(Path.GetFullPath(options.DataDir), StoreConfig.SqliteFileName);
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(options.Connection);
        return builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:" ? null : Path.GetFullPath(builder.DataSource);
    }

    /// <summary>
    /// Before the actor system: on SQLite, the data folder locked, checked and its ledger created or
    /// adopted; on a server store, the server reached within seconds. Then what the store watch looks at.
    /// </summary>
    private static async Task<(DataFolder? Folder, StoreWatch? Watch)> OpenStoreAsync(LedgerNodeOptions options, ILogger log, CancellationToken ct)
    {
        if (options.Store == "memory") return (null, null);
        var settings = new StoreSettings(options.Store, options.Connection, options.DataDir);
        if (SqliteFile(options) is not { } file)
        {
            if (options.Store == StoreConfig.Sqlite) return (null, null);
            var connection = StoreConfig.ConnectionStringFor(settings);
            await StoreProbe.CheckServerAtStartAsync(options.Store, connection, ct);
            return (null, new StoreWatch(options.Store, connection));
        }
        var folder = DataFolder.Open(file);
        try
        {
            switch (folder.Start)
            {
                case DataFolderStart.Created:
                    log.LogInformation("Created a new ledger {LedgerId} in {Folder}", folder.LedgerId, folder.Folder);
                    break;
                case DataFolderStart.Adopted:
                    log.LogInformation("The ledger in {Folder} was written by an earlier release; it is ledger {LedgerId} from now on", folder.Folder, folder.LedgerId);
                    break;
                default:
                    log.LogInformation("Opened ledger {LedgerId} in {Folder}", folder.LedgerId, folder.Folder);
                    break;
            }
            var connection = NoCreate(StoreConfig.ConnectionStringFor(settings));
            StoreConfig.PrepareSqlite(connection);
            await StoreProbe.EnsureTableAsync(StoreConfig.Sqlite, connection, ct);
            return (folder, new StoreWatch(StoreConfig.Sqlite, connection, folder.DatabaseFile, folder.DatabaseIdentity));
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>The SQLite connection string that opens the file only if it exists: a node never recreates a store file removed under it.</summary>
    private static string NoCreate(string connection)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection);
        if (builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate) builder.Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite;
        return builder.ToString();
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
            // The file exists now; the journal opens it without creating one, so a file removed
            // under a running node is an error, never a new empty ledger.
            if (SqliteFile(options) is not null) settings = settings with { Connection = NoCreate(StoreConfig.ConnectionStringFor(settings)) };
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
        _dataFolder?.Dispose();
    }
}
