using System.Text.Json;
using Ledger.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Host.Tests.Support;

[CollectionDefinition("real-node", DisableParallelization = true)]
public sealed class RealNodeCollection;

/// <summary>The real host over the real node, started the way <c>ledger serve</c> starts it, on a SQLite folder.</summary>
public sealed class RealNode : IAsyncDisposable
{
    private readonly StartedLedger _ledger;

    private RealNode(StartedLedger ledger, ApiHost api)
    {
        _ledger = ledger;
        Api = api;
    }

    public ApiHost Api { get; }

    /// <summary>The node itself (its actor system, telemetry and health checks).</summary>
    public LedgerNode Node => (LedgerNode)_ledger.Node;

    public static Task<RealNode> StartAsync(string dataDir) =>
        StartAsync(new LedgerNodeOptions { DataDir = dataDir, ResendInterval = TimeSpan.FromMilliseconds(200) });

    /// <param name="configure">Changes the node's options, for tests that need another cutoff or limit.</param>
    public static Task<RealNode> StartAsync(string dataDir, Func<LedgerNodeOptions, LedgerNodeOptions> configure) =>
        StartAsync(configure(new LedgerNodeOptions { DataDir = dataDir, ResendInterval = TimeSpan.FromMilliseconds(200) }));

    /// <summary>A node as <c>ledger serve</c> builds it: its health checks and telemetry reach the API too.</summary>
    public static async Task<RealNode> StartAsync(LedgerNodeOptions options, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        var started = await LedgerNodeStartup.StartAsync(options, loggerFactory ?? NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            return new RealNode(started, await ApiHost.StartAsync(started.Ledger,
                configure: o => o with { Health = started.Health, Telemetry = started.Telemetry, Node = options, Contexts = started.Contexts }));
        }
        catch
        {
            await started.Node.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await _ledger.Node.DisposeAsync();
    }

    /// <summary>Asks until the answer satisfies <paramref name="done"/>, for at most 20 seconds.</summary>
    public async Task<JsonElement> EventuallyAsync(string path, string token, Func<JsonElement, bool> done, string what)
    {
        JsonElement last = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var response = await Api.SendAsync(HttpMethod.Get, path, token);
            if (!response.IsSuccessStatusCode) continue;
            last = await response.Json();
            if (done(last)) return last;
        }
        throw new Xunit.Sdk.XunitException($"{what} did not happen within 20 s; last answer: {last}");
    }
}

public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ledger-host-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the folder is in the temp directory.
        }
    }
}
