using Ledger.Cluster;
using Microsoft.Extensions.Logging;

namespace Ledger.Host;

/// <summary>A running ledger: the gateway to call, and the node to dispose when the host stops.</summary>
public sealed record StartedLedger(ILedger Ledger, IAsyncDisposable Node);

/// <summary>How the host gets a ledger. The program passes <see cref="LedgerNodeStartup.StartAsync"/>; tests may pass their own.</summary>
public delegate Task<StartedLedger> StartLedger(LedgerNodeOptions options, ILoggerFactory loggerFactory, CancellationToken ct);

/// <summary>
/// The one place the host starts the real node. It is compiled in when LEDGER_NODE is defined,
/// which Ledger.Host.csproj does as soon as src/Ledger.Cluster/LedgerNode.cs exists.
/// </summary>
public static class LedgerNodeStartup
{
#if LEDGER_NODE
    public static bool IsAvailable => true;
#else
    public static bool IsAvailable => false;
#endif

    public static async Task<StartedLedger> StartAsync(LedgerNodeOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
#if LEDGER_NODE
        var node = await LedgerNode.StartAsync(options, loggerFactory, ct);
        return new StartedLedger(node.Ledger, node);
#else
        await Task.CompletedTask;
        throw new InvalidOperationException(
            "this build of ledger has no node: src/Ledger.Cluster/LedgerNode.cs did not exist when it was compiled");
#endif
    }
}
