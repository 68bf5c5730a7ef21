using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Ledger.Host.Tests.Support;

/// <summary>The very app <c>ledger serve</c> runs (<see cref="LedgerApi.Build"/>), on a test server, over a given ledger.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, HttpClient client, LogCapture logs)
    {
        _app = app;
        Client = client;
        Logs = logs;
    }

    public HttpClient Client { get; }

    public LogCapture Logs { get; }

    /// <param name="configure">Changes the options last (a real node's health checks and telemetry, say).</param>
    public static async Task<ApiHost> StartAsync(ILedger ledger, TokenStore? tokens = null, int? batchSizeMax = null, long? bodyBytesMax = null,
        Func<ApiOptions, ApiOptions>? configure = null)
    {
        var options = new ApiOptions { Tokens = tokens ?? TokenStore.Demo() };
        if (batchSizeMax is { } b) options = options with { BatchSizeMax = b };
        if (bodyBytesMax is { } m) options = options with { RequestBodyBytesMax = m };
        if (configure is not null) options = configure(options);
        var logs = new LogCapture();
        var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(logs).CreateLogger();
        var app = LedgerApi.Build(options, ledger, logger, builder => builder.WebHost.UseTestServer());
        await app.StartAsync();
        return new ApiHost(app, app.GetTestClient(), logs);
    }

    /// <summary>Every route endpoint the app maps, with its metadata, from its endpoint data source.</summary>
    public IReadOnlyList<RouteEndpoint> RouteEndpoints() => _app.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .ToList();

    /// <summary>Every route the app maps, as "METHOD /pattern", read from its endpoint data source.</summary>
    public IReadOnlyList<string> Routes() => RouteEndpoints()
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
        .Order(StringComparer.Ordinal)
        .ToList();

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}

/// <summary>Keeps every log event, to look for what must never be logged.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly List<LogEvent> _events = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_events) _events.Add(logEvent);
    }

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_events) return _events.ToList();
        }
    }

    /// <summary>Every event as text: message, properties and exception.</summary>
    public string Everything() => string.Join("\n", Events.Select(e =>
        $"{e.RenderMessage()} {string.Join(" ", e.Properties.Select(p => $"{p.Key}={p.Value}"))} {e.Exception}"));
}

public static class Http
{
    public static async Task<JsonElement> Json(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Asserts an RFC 7807 answer with the given status, rule and field, and returns its body.</summary>
    public static async Task<JsonElement> AssertProblem(this HttpResponseMessage response, int status, string rule, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (field is not null) Assert.Equal(field, problem.GetProperty("field").GetString());
        return problem;
    }

    /// <summary>Asserts the headers every answer of the node carries: no caching anywhere, no content sniffing.</summary>
    public static void AssertAnswerHeaders(this HttpResponseMessage response)
    {
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: Cache-Control is '{response.Headers.CacheControl}'");
        Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var sniff) && sniff.SequenceEqual(["nosniff"]),
            $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: X-Content-Type-Options is not nosniff");
    }

    public static async Task<JsonElement> AssertOk(this HttpResponseMessage response, int status = 200)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
