using Ledger.Cluster;
using Ledger.Host.Auth;
using Serilog.Extensions.Logging;

namespace Ledger.Host;

/// <summary>What <c>ledger serve</c> was asked to do.</summary>
public sealed record ServeOptions
{
    public string Urls { get; init; } = ApiOptions.UrlsDefault;
    public string DataDir { get; init; } = "./data";
    public string Store { get; init; } = "sqlite";
    public string? Connection { get; init; }
    public string? TokensFile { get; init; }

    /// <summary>Serve the public demo tokens (<c>--demo-tokens</c>, and the <c>demo</c> verb); refused unless every listening address is loopback.</summary>
    public bool DemoTokens { get; init; }
    public string Hostname { get; init; } = "127.0.0.1";
    public string? PublicHostname { get; init; }
    public int Port { get; init; }
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    public LogFormat LogFormat { get; init; } = LogFormat.Console;
    public Serilog.Events.LogEventLevel LogLevel { get; init; } = Serilog.Events.LogEventLevel.Information;

    /// <summary>An OTLP/HTTP collector to push metrics to; null pushes none (unless OTEL_EXPORTER_OTLP_ENDPOINT is set).</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Events between two snapshots of an entity (<c>--snapshot-every-events</c>); null: <c>ledger.snapshots.every-events</c>.</summary>
    public long? SnapshotEveryEvents { get; init; }

    /// <summary>Deliver orders the node admits at once (<c>--deliver-orders-in-flight-max</c>); null: <see cref="LedgerNodeOptions.DeliverOrdersInFlightMaxDefault"/>.</summary>
    public int? DeliverOrdersInFlightMax { get; init; }
}

/// <summary>
/// Runs beside a node once its HTTP API listens (<c>ledger demo</c> drives a day through it), given
/// the addresses it listens on. Answers null to go on serving until the process is told to stop,
/// or an exit code to stop now.
/// </summary>
public delegate Task<int?> WhileServing(IReadOnlyList<string> urls, CancellationToken ct);

/// <summary>Runs one node: logging, tokens, the ledger, then the HTTP API until the process is told to stop.</summary>
public static class LedgerServer
{
    public const int ExitOk = 0;
    public const int ExitStartFailed = 1;

    /// <summary>No tokens to serve: none given, a tokens file refused, or demo tokens asked for on an address that is not loopback.</summary>
    public const int ExitBadTokens = 2;

    /// <summary>The node stopped underneath the API (downed by the split-brain resolver): a supervisor should start it again.</summary>
    public const int ExitNodeStopped = 3;

    /// <summary>Another running node holds the data folder (its lock): this one did not start.</summary>
    public const int ExitDataFolderInUse = 4;

    /// <summary>The data folder holds an earlier ledger's traces the node will not start a new ledger over (an orphaned write-ahead log, a marker without its database, another ledger's database).</summary>
    public const int ExitDataFolderRefused = 6;

    private const int Serving = 0, Stopping = 1, NodeStopped = 2;

    /// <summary>
    /// The first of <paramref name="urls"/> (semicolon-separated) whose address and port another
    /// process already listens on; null when each could be bound a moment ago, or cannot be checked
    /// here (a host name, port 0).
    /// </summary>
    public static string? AddressInUse(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (http://*:5080, http://+:5080) are not valid URIs as written.
            var uriText = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
            if (!Uri.TryCreate(uriText, UriKind.Absolute, out var uri) || uri.Port <= 0) continue;
            var host = uri.Host.Trim('[', ']');
            var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? System.Net.IPAddress.Loopback
                : System.Net.IPAddress.TryParse(host, out var ip) ? ip : null;
            if (address is null) continue;
            try
            {
                var listener = new System.Net.Sockets.TcpListener(address, uri.Port);
                listener.Start();
                listener.Stop();
            }
            catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                return url;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Not ours to judge (an address of another machine, no permission): Kestrel will say.
            }
        }
        return null;
    }

    /// <param name="configureLogging">Adds to the logging set-up, for tests that read the log.</param>
    /// <param name="whileServing">Runs once the API listens; see <see cref="WhileServing"/>.</param>
    /// <param name="error">Where a refusal to start is written, as one line: standard error unless a test passes its own.</param>
    public static async Task<int> RunAsync(ServeOptions options, StartLedger startLedger, CancellationToken ct, Action<Serilog.LoggerConfiguration>? configureLogging = null,
        WhileServing? whileServing = null, TextWriter? error = null)
    {
        error ??= Console.Error;
        // Tokens first, before logging or the node start: a node without them must not start at all,
        // and the operator gets one line that says why (no stack trace, no log set-up to wade through).
        TokenStore tokens;
        try
        {
            tokens = ServeTokens.Resolve(options);
        }
        catch (TokenFileException e)
        {
            await error.WriteLineAsync($"ledger: not starting: {e.Message}");
            return ExitBadTokens;
        }

        using var logger = HostLogging.Create(options.LogFormat, configureLogging, options.LogLevel);
        var log = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "Ledger.Host");
        if (tokens.IsDemo)
        {
            // The tokens themselves are not logged, not even these public ones.
            log.Warning("Serving the DEMO tokens listed in the README, on loopback only: they are public and for the embedded demo only; pass --tokens FILE for anything else");
        }
        else
        {
            log.Information("Serving {Count} tokens from {TokensFile}", tokens.Count, options.TokensFile);
        }

        if (AddressInUse(options.Urls) is { } busy)
        {
            // Before the node starts, so that nothing is locked or joined for an API that cannot listen.
            log.Fatal("Not starting: cannot listen on {Url}: the address is already in use", busy);
            return ExitStartFailed;
        }

        var settings = Ledger.Journal.LedgerSettings.Default;
        var nodeOptions = new LedgerNodeOptions
        {
            BatchSizeMax = settings.BatchSizeMax,
            AskTimeout = settings.AskTimeout,
            ResendInterval = settings.ResendInterval,
            ReclaimRules = new Ledger.Settlement.ReclaimRules(settings.ReclaimThreshold, (Ledger.Settlement.ReclaimRegime)settings.ReclaimsRegime),
            RecycleCutoffLocalTime = settings.RecycleCutoffLocalTime,
            TimeZone = settings.TimeZone,
            DefaultHolidays = settings.DefaultHolidays,
            Store = options.Store,
            Connection = options.Connection,
            DataDir = options.DataDir,
            Hostname = options.Hostname,
            PublicHostname = options.PublicHostname,
            Port = options.Port,
            SeedNodes = options.SeedNodes,
            ExtraConfig = options.SnapshotEveryEvents is { } every ? $"{Ledger.Journal.Snapshots.EveryEventsKey} = {every}" : null,
            DeliverOrdersInFlightMax = options.DeliverOrdersInFlightMax ?? LedgerNodeOptions.DeliverOrdersInFlightMaxDefault,
        };
        using var loggerFactory = new SerilogLoggerFactory(logger);
        StartedLedger started;
        try
        {
            log.Information("Starting the ledger node: store {Store}, data dir {DataDir}, remoting on {Hostname}:{Port} as {PublicHostname}, seed nodes {SeedNodes}",
                nodeOptions.Store, Path.GetFullPath(nodeOptions.DataDir), nodeOptions.Hostname, nodeOptions.Port, LedgerNode.AdvertisedHostname(nodeOptions), nodeOptions.SeedNodes);
            started = await startLedger(nodeOptions, loggerFactory, ct);
        }
        catch (Ledger.Journal.StoreStartException e)
        {
            // Conditions an operator fixes, said in one line: no stack trace.
            log.Fatal("Not starting: {Problem}", e.Message);
            return e.Rule switch
            {
                Ledger.Journal.StoreStartException.FolderInUseRule => ExitDataFolderInUse,
                Ledger.Journal.StoreStartException.FolderRefusedRule => ExitDataFolderRefused,
                _ => ExitStartFailed,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Fatal(e, "The ledger node did not start");
            return ExitStartFailed;
        }

        var state = Serving;
        try
        {
            var api = new ApiOptions
            {
                Urls = options.Urls,
                Tokens = tokens,
                BatchSizeMax = nodeOptions.BatchSizeMax,
                Health = started.Health,
                Telemetry = started.Telemetry,
                Node = nodeOptions,
                Contexts = started.Contexts,
                OtlpEndpoint = options.OtlpEndpoint,
            };
            await using var app = LedgerApi.Build(api, started.Ledger, logger);
            // Kestrel:Endpoints in configuration (environment, appsettings.json) replace --urls: the
            // demo tokens must not reach a listener that way either.
            if (tokens.IsDemo && ServeTokens.NotLoopback(app.Configuration.GetSection("Kestrel:Endpoints").GetChildren()
                    .Select(e => e["Url"]).OfType<string>()) is { } configured)
            {
                await error.WriteLineAsync($"ledger: not starting: {ServeTokens.DemoNotOnLoopback($"Kestrel:Endpoints has {configured}").Message}");
                return ExitBadTokens;
            }
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e)
            {
                // Taken between the check above and now. Kestrel's "Failed to bind to address ...: address already in use." says it all.
                log.Fatal("Not starting: cannot listen on {Urls}: {Problem}", options.Urls, e.Message);
                return ExitStartFailed;
            }
            log.Information("Listening on {Urls}", string.Join(", ", app.Urls));
            // A node downed by the split-brain resolver terminates its actor system. Serving on would
            // only answer 503s: stop, and exit with a code that tells the supervisor to start a new member.
            _ = started.Stopped?.ContinueWith(_ =>
            {
                if (Interlocked.CompareExchange(ref state, NodeStopped, Serving) != Serving) return;
                log.Fatal("The ledger node stopped by itself (downed by the split-brain resolver, or its actor system failed); stopping the API");
                try { app.Lifetime.StopApplication(); } catch (ObjectDisposedException) { }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (whileServing is not null)
            {
                // Ctrl+C stops the web host; it stops the work beside it too.
                using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct, app.Lifetime.ApplicationStopping);
                int? exit = null;
                try
                {
                    exit = await whileServing(app.Urls.ToList(), stopping.Token);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    // Told to stop while it ran: stop as serve would.
                }
                if (exit is { } code)
                {
                    Interlocked.CompareExchange(ref state, Stopping, Serving);
                    await app.StopAsync(CancellationToken.None);
                    return code;
                }
            }
            await app.WaitForShutdownAsync(ct);
            Interlocked.CompareExchange(ref state, Stopping, Serving);
        }
        finally
        {
            Interlocked.CompareExchange(ref state, Stopping, Serving);
            log.Information("Stopping the ledger node");
            await started.Node.DisposeAsync();
        }
        return Volatile.Read(ref state) == NodeStopped ? ExitNodeStopped : ExitOk;
    }
}
