using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Auth;
using Ledger.Host.Http;
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

    /// <summary>The largest request body: 16 MiB holds a full batch of deliver orders several times over.</summary>
    public long RequestBodyBytesMax { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long /health/ready waits for the ledger before it says not ready.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(5);
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
            kestrel.Limits.MaxRequestBodySize = options.RequestBodyBytesMax;
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(logger, dispose: false);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = Json.PropertyNamingPolicy;
            o.SerializerOptions.DictionaryKeyPolicy = Json.PropertyNamingPolicy;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Tokens);
        builder.Services.AddSingleton(ledger);
        // The read side of the journal (?asOf=, /journal) where the ledger has one: the real node's does.
        if (ledger is Ledger.Cluster.Replay.IJournalReader journal) builder.Services.AddSingleton(journal);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseSerilogRequestLogging(o =>
        {
            // Method, path (never the query), status and time: no header, so no token, is ever logged.
            o.Logger = logger;
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetLevel = (http, _, ex) =>
                ex is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose
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
        Endpoints.Map(app);
        return app;
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
        catch (Exception e) when (IsTimeout(e) && !http.Response.HasStarted)
        {
            Logger(http)
                .LogWarning(e, "The ledger did not answer {Method} {Path} in time", http.Request.Method, http.Request.Path.Value);
            http.Response.Clear();
            http.Response.Headers.RetryAfter = "1";
            await Problems.Of(StatusCodes.Status503ServiceUnavailable, "ledger-available", null,
                "the ledger did not answer in time; the request may still take effect, so look before repeating it").ExecuteAsync(http);
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            Logger(http)
                .LogError(e, "{Method} {Path} failed", http.Request.Method, http.Request.Path.Value);
            http.Response.Clear();
            await Problems.Of(StatusCodes.Status500InternalServerError, "internal", null,
                $"the node failed to handle the request; its log has the details under trace id {http.TraceIdentifier}").ExecuteAsync(http);
        }
    }

    private static Microsoft.Extensions.Logging.ILogger Logger(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ledger.Host.Api");

    private static bool IsTimeout(Exception e) => e is TimeoutException or Akka.Actor.AskTimeoutException
        || (e is AggregateException a && a.InnerExceptions.All(IsTimeout));
}
