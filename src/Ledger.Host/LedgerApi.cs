using Ledger.Journal;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Ledger.Cluster;
using Ledger.Cluster.Telemetry;
using Ledger.Host.Auth;
using Ledger.Host.Http;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Serilog;
using Serilog.Events;

namespace Ledger.Host;

/// <summary>What the HTTP side of a node needs besides the ledger.</summary>
public sealed record ApiOptions
{
    public const string UrlsDefault = "http://127.0.0.1:5080";

    /// <summary>Semicolon-separated, as ASP.NET Core takes them.</summary>
    public string Urls { get; init; } = UrlsDefault;

    public required TokenStore Tokens { get; init; }

    /// <summary>Deliver orders per request at most; the node's own limit (<see cref="LedgerNodeOptions.BatchSizeMax"/>).</summary>
    public int BatchSizeMax { get; init; } = new LedgerNodeOptions().BatchSizeMax;

    /// <summary>
    /// The largest request body of every route but a deliver-order batch: their bodies are objects
    /// of a few fields, a few hundred bytes. Checked from Content-Length before anything is read,
    /// and while a chunked body is read (<see cref="RequestLimits"/>).
    /// </summary>
    public long RequestBodyBytesMax { get; init; } = 4 * 1024;

    /// <summary>The largest body of <c>POST /v1/deliver-orders</c>: 16 MiB holds a full batch of deliver orders several times over.</summary>
    public long BatchBodyBytesMax { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long /health/ready waits for each check before it says not ready.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The node's own checks for /health/ready (cluster Up, journal answering); without them only the ledger's answer is checked.</summary>
    public INodeHealth? Health { get; init; }

    /// <summary>The node's telemetry; with it the node exports its meter on <see cref="MetricsPath"/> (and by OTLP when asked).</summary>
    public LedgerTelemetry? Telemetry { get; init; }

    /// <summary>Where metrics are pushed by OTLP over HTTP/protobuf (a collector's base URL; <c>/v1/metrics</c> is added when it has no path).</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How often metrics are pushed by OTLP; null: the OpenTelemetry default (60 s, or OTEL_METRIC_EXPORT_INTERVAL).</summary>
    public TimeSpan? OtlpExportInterval { get; init; }

    /// <summary>The node's options where the host runs one: the day's summary (<c>GET /v1/day</c>) reads its recycle cutoff time, time zone and clock.</summary>
    public LedgerNodeOptions? Node { get; init; }

    /// <summary>The node's bounded contexts (<see cref="StartedLedger.Contexts"/>): each is a service its endpoints ask for by type; none with a fake ledger.</summary>
    public IReadOnlyList<IClusterContext> Contexts { get; init; } = [];

    /// <summary>The Prometheus scrape path, served to operator and risk tokens.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Who may scrape <see cref="MetricsPath"/>: the branch's check and the OpenAPI document both read it.</summary>
    public static readonly Role[] MetricsRoles = [Role.Operator, Role.Risk];
}

/// <summary>
/// The HTTP API of a node, built the same way for the program and for tests: the program passes
/// the real node's ledger, tests pass a fake one or the real one and a test server.
/// </summary>
public static class LedgerApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static WebApplication Build(ApiOptions options, ILedger ledger, Serilog.ILogger logger, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = "ledger",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.Urls);
        // The slim builder leaves out Kestrel's HTTPS configuration: with it, an https:// address in
        // --urls takes its certificate from Kestrel:Certificates:Default, and Kestrel:Endpoints from
        // configuration (environment variables, appsettings.json beside the program) work as documented.
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The largest any route takes; RequestLimits lowers it per request to the route's own.
            kestrel.Limits.MaxRequestBodySize = Math.Max(options.RequestBodyBytesMax, options.BatchBodyBytesMax);
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(logger, dispose: false);
        builder.Services.AddProblemDetails();
        ApiContract.AddDocument(builder.Services);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = Json.PropertyNamingPolicy;
            o.SerializerOptions.DictionaryKeyPolicy = Json.PropertyNamingPolicy;
            // Numbers are JSON numbers, never strings, in both directions (bodies are read by hand, and
            // refuse a quoted number): so the OpenAPI document says too.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Tokens);
        builder.Services.AddSingleton(ledger);
        foreach (var context in options.Contexts) builder.Services.AddSingleton(context.GetType(), context);
        var hostMeters = new HostMeters();
        if (options.Telemetry is { } telemetry) AddMetrics(builder, options, telemetry, hostMeters);
        // The read side of the journal (?asOf=, /journal) where the ledger has one: the real node's does.
        if (ledger is Ledger.Cluster.Replay.IJournalReader journal) builder.Services.AddSingleton(journal);
        // Explanations of deliver orders, where the ledger gives them: the real node does.
        if (ledger is Ledger.Cluster.Explain.IDeliverOrderExplainer explainer) builder.Services.AddSingleton(explainer);
        // The other contexts' gateways the node hangs on settlement's (income tracking's, on the real node).
        if (ledger is Ledger.Cluster.ClusterLedger cluster)
        {
            foreach (var (type, service) in cluster.Services.All) builder.Services.AddSingleton(type, service);
        }
        configure?.Invoke(builder);

        var app = builder.Build();
        hostMeters.Factory = app.Services.GetService<IMeterFactory>();
        // First, so that every answer carries them, those of the failure and status-code handlers included.
        app.Use(RequestLimits.AnswerHeaders);
        app.UseSerilogRequestLogging(o =>
        {
            // Method, path (never the query), status and time: no header, so no token, is ever logged.
            o.Logger = logger;
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            // The path as the server decoded it may hold %0A or %1B: escaped, it can neither start a
            // forged log line nor drive the terminal that shows the log.
            o.GetMessageTemplateProperties = (http, path, elapsedMs, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(LogText.Escape(http.Request.Method))),
                new LogEventProperty("RequestPath", new ScalarValue(LogText.Escape(path))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsedMs)),
            ];
            o.GetLevel = (http, _, ex) =>
                // 503 is the node saying it cannot serve now (a store fault, the ledger not answering): its cause is logged once where it is found.
                ex is not null || (http.Response.StatusCode >= 500 && http.Response.StatusCode != 503) ? LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments(ApiOptions.MetricsPath) ? LogEventLevel.Verbose
                : http.Response.StatusCode == 503 ? LogEventLevel.Warning
                : LogEventLevel.Information;
        });
        app.Use(Failures.Middleware);
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var (rule, detail) = http.Response.StatusCode switch
            {
                404 => ("route-known", $"there is no {http.Request.Path} here"),
                405 => ("method-allowed", $"{http.Request.Method} is not allowed on {http.Request.Path}"),
                _ => ("http", "the request was refused"),
            };
            await Problems.Of(http.Response.StatusCode, rule, null, detail).ExecuteAsync(http);
        });
        // After routing (WebApplication routes first), so the limit is the matched route's; before
        // the bearer check, so an oversized body is refused unread whoever sends it.
        app.Use(RequestLimits.BodySize);
        if (options.Telemetry is not null)
        {
            // Not a route handler, so the bearer check goes in front of the exporter in its branch.
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null, predicate: null, path: ApiOptions.MetricsPath,
                configureBranchedPipeline: branch => branch.UseRequireRole(ApiOptions.MetricsRoles), optionsName: null);
        }
        Dashboard.Map(app);
        Endpoints.Map(app);
        ApiContract.MapDocument(app);
        return app;
    }

    /// <summary>
    /// OpenTelemetry metrics: the node's meter and ASP.NET Core's request metrics, scraped by
    /// Prometheus on <see cref="ApiOptions.MetricsPath"/>, and pushed by OTLP when an endpoint is
    /// given (or OTEL_EXPORTER_OTLP_ENDPOINT is set). Only this node's meter and this host's own
    /// meters are exported: other nodes in the same process (tests) have meters of the same names.
    /// </summary>
    private static void AddMetrics(WebApplicationBuilder builder, ApiOptions options, LedgerTelemetry telemetry, HostMeters hostMeters)
    {
        bool Ours(Instrument instrument) =>
            ReferenceEquals(instrument.Meter, telemetry.Meter) || (hostMeters.Factory is { } f && ReferenceEquals(instrument.Meter.Scope, f));

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("ledger"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(LedgerTelemetry.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                    .AddView(instrument => Ours(instrument) ? null : MetricStreamConfiguration.Drop)
                    .AddPrometheusExporter();
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                        // Set in code, the endpoint is used as it is: the signal's path is ours to add.
                        exporter.Endpoint = endpoint.AbsolutePath is "" or "/" ? new Uri(endpoint, "/v1/metrics") : endpoint;
                        if (options.OtlpExportInterval is { } interval)
                            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = checked((int)interval.TotalMilliseconds);
                    });
                }
                else if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
                {
                    // The standard variables (OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, OTEL_METRIC_EXPORT_INTERVAL) configure it.
                    metrics.AddOtlpExporter();
                }
            });
    }

    /// <summary>The host's own meter factory, known once the app is built (ASP.NET Core's meters are created by it).</summary>
    private sealed class HostMeters
    {
        public IMeterFactory? Factory { get; set; }
    }
}

/// <summary>Unexpected failures become problems that tell nothing of the inside.</summary>
internal static class Failures
{
    public static async Task Middleware(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (Damage(e) is { } damage && !http.Response.HasStarted)
        {
            // Logged by the entity itself when it recovered; one line per request would only repeat it.
            http.Response.Clear();
            await JournalIntact(damage).ExecuteAsync(http);
        }
        catch (Exception e) when (IsTimeout(e) && !http.Response.HasStarted)
        {
            Logger(http)
                .LogWarning(e, "The ledger did not answer {Method} {Path} in time", http.Request.Method, LogText.Escape(http.Request.Path.Value ?? ""));
            http.Response.Clear();
            http.Response.Headers.RetryAfter = "1";
            await Problems.Of(StatusCodes.Status503ServiceUnavailable, "ledger-available", null,
                "the ledger did not answer in time; the request may still take effect, so look before repeating it").ExecuteAsync(http);
        }
        catch (Exception e) when (IsBusy(e) && !http.Response.HasStarted)
        {
            // An account's own buffer was full: overload, not a fault. Deliver orders are refused at
            // the gateway's door first (deliver-orders-in-flight-max, per item); this is what else overflows.
            Logger(http)
                .LogWarning("An account was busy for {Method} {Path}", http.Request.Method, LogText.Escape(http.Request.Path.Value ?? ""));
            http.Response.Clear();
            http.Response.Headers.RetryAfter = "1";
            await Problems.Of(StatusCodes.Status503ServiceUnavailable, "ledger-available", null,
                "an account the request needed has more work waiting than it takes; parts of the request may have taken effect, " +
                "so send it again shortly with the same ids (answered from the records)").ExecuteAsync(http);
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            Logger(http)
                .LogError(e, "{Method} {Path} failed", http.Request.Method, LogText.Escape(http.Request.Path.Value ?? ""));
            http.Response.Clear();
            await Problems.Of(StatusCodes.Status500InternalServerError, "internal", null,
                $"the node failed to handle the request; its log has the details under trace id {http.TraceIdentifier}").ExecuteAsync(http);
        }
    }

    private static Microsoft.Extensions.Logging.ILogger Logger(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ledger.Host.Api");

    /// <summary>
    /// 503 <c>journal-intact</c>: an entity the request needed refuses to serve because its journal
    /// is damaged. Answered at once; it will not heal by itself, so no Retry-After.
    /// </summary>
    public static IResult JournalIntact(JournalDamaged damage) =>
        Problems.Of(StatusCodes.Status503ServiceUnavailable, "journal-intact", null,
            $"{JournalDamagedException.Refusal(damage)}. It answers nothing until an operator repairs its journal (see `ledger verify`); " +
            "the rest of the ledger keeps serving. Parts of the request that did not need it may have taken effect: sending it again with the same ids is answered from the records.",
            extensions: new Dictionary<string, object?>
            {
                ["entity"] = damage.PersistenceId,
                ["sequenceNr"] = damage.SequenceNr,
                ["finding"] = damage.Finding,
            });

    private static JournalDamaged? Damage(Exception e) => e switch
    {
        JournalDamagedException d => d.Damage,
        AggregateException a => a.InnerExceptions.Select(Damage).FirstOrDefault(d => d is not null),
        _ => null,
    };

    private static bool IsBusy(Exception e) => e is Ledger.Cluster.LedgerBusyException
        || (e is AggregateException a && a.InnerExceptions.Any(IsBusy));

    private static bool IsTimeout(Exception e) => e is TimeoutException or Akka.Actor.AskTimeoutException
        || (e is AggregateException a && a.InnerExceptions.All(IsTimeout));
}
