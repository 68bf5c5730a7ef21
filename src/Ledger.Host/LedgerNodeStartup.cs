using Ledger.Cluster;
using Ledger.Cluster.Telemetry;
using Microsoft.Extensions.Logging;

namespace Ledger.Host;

/// <summary>
/// A running ledger: the gateway to call, and the node to dispose when the host stops. A real
/// node also brings its readiness checks and its telemetry (the meter the host exports).
/// </summary>
public sealed record StartedLedger(ILedger Ledger, IAsyncDisposable Node)
{
    public INodeHealth? Health { get; init; }

    public LedgerTelemetry? Telemetry { get; init; }

    /// <summary>The node's bounded contexts, started: the host hands each to its endpoints by type.</summary>
    public IReadOnlyList<IClusterContext> Contexts { get; init; } = [];

    /// <summary>Completes if the node stops by itself (downed by the split-brain resolver); the host then exits.</summary>
    public Task? Stopped { get; init; }
}

/// <summary>How the host gets a ledger. The program passes <see cref="LedgerNodeStartup.StartAsync"/>; tests may pass their own.</summary>
public delegate Task<StartedLedger> StartLedger(LedgerNodeOptions options, ILoggerFactory loggerFactory, CancellationToken ct);

/// <summary>The one place the host starts the real node.</summary>
public static class LedgerNodeStartup
{
    public static async Task<StartedLedger> StartAsync(LedgerNodeOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var node = await LedgerNode.StartAsync(options, loggerFactory, ct);
        return new StartedLedger(node.Ledger, node) { Health = node.Health, Telemetry = node.Telemetry, Stopped = node.System.WhenTerminated, Contexts = node.Contexts };
    }
}
