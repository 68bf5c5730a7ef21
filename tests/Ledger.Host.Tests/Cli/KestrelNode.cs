using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;
using Serilog;

namespace Ledger.Host.Tests.Verbs;

/// <summary>
/// The real node and the very app <c>ledger serve</c> runs, on Kestrel at a free loopback port: the
/// CLI verbs talk to it over real HTTP, as they would to a node started by hand.
/// </summary>
public sealed class KestrelNode : IAsyncDisposable
{
    private readonly StartedLedger _ledger;
    private readonly WebApplication _app;

    private KestrelNode(StartedLedger ledger, WebApplication app, string url)
    {
        _ledger = ledger;
        _app = app;
        Url = url;
        Client = new LedgerClient(new Uri(url));
    }

    public string Url { get; }

    public LedgerClient Client { get; }

    /// <param name="deliverOrdersInFlightMax">The node's admission limit (<see cref="LedgerNodeOptions.DeliverOrdersInFlightMax"/>); null: the default.</param>
    public static async Task<KestrelNode> StartAsync(string dataDir, int? deliverOrdersInFlightMax = null)
    {
        var options = new LedgerNodeOptions
        {
            DataDir = dataDir,
            ResendInterval = TimeSpan.FromMilliseconds(200),
            DeliverOrdersInFlightMax = deliverOrdersInFlightMax ?? LedgerNodeOptions.DeliverOrdersInFlightMaxDefault,
        };
        var started = await LedgerNodeStartup.StartAsync(options, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            var logger = new LoggerConfiguration().MinimumLevel.Warning().CreateLogger();
            var app = LedgerApi.Build(new ApiOptions { Urls = "http://127.0.0.1:0", Tokens = TokenStore.Demo(), Contexts = started.Contexts }, started.Ledger, logger);
            await app.StartAsync();
            return new KestrelNode(started, app, app.Urls.First());
        }
        catch
        {
            await started.Node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every given account as the node shows it, as one text: equal texts, equal accounts (the version counts events).</summary>
    public async Task<string> AccountsAsync(IEnumerable<string> participants)
    {
        var texts = new List<string>();
        foreach (var id in participants)
        {
            var answer = await Client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{id}/account", TokenStore.DemoOperatorToken, null, true, CancellationToken.None);
            Assert.True(answer.Ok, answer.Describe());
            texts.Add(answer.Value.ToString());
        }
        return string.Join("\n", texts);
    }

    /// <summary>Asks until <paramref name="done"/> holds, for at most 20 seconds.</summary>
    public async Task<DeliverOrderAnswer> EventuallyAsync(string id, Func<DeliverOrderAnswer, bool> done)
    {
        DeliverOrderAnswer? last = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var answer = await Client.DeliverOrderAsync(TokenStore.DemoOccToken, id, CancellationToken.None);
            if (answer.Ok && done(last = answer.Value!)) return last;
        }
        throw new Xunit.Sdk.XunitException($"{id} did not get there within 20 s; last answer: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
        await _ledger.Node.DisposeAsync();
    }
}

/// <summary>A folder for a test's files, removed afterwards.</summary>
public sealed class TestFiles : IDisposable
{
    private readonly TempFolder _folder = new();

    public string Path => _folder.Path;

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => _folder.Dispose();
}
