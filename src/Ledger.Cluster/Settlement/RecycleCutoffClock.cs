using Ledger.Settlement;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>
/// Reaches the recycle cutoff by itself once the business date's local cutoff time has passed
/// (atp-rules.md section 7: 15:10 New York by default). The cutoff is idempotent, so every node
/// of a cluster may run this; the operator's command still works at any time.
/// </summary>
public sealed class RecycleCutoffClock : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RecycleCutoffClock(ILedger ledger, LedgerNodeOptions options, ILogger logger)
    {
        _loop = Task.Run(() => RunAsync(ledger, options, logger, _stop.Token));
    }

    private static async Task RunAsync(ILedger ledger, LedgerNodeOptions options, ILogger logger, CancellationToken ct)
    {
        if (options.RecycleCutoffLocalTime is not { } cutoff) return;
        using var timer = new PeriodicTimer(options.CutoffCheckInterval);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            try
            {
                var reference = await ledger.ReferenceAsync(ct).ConfigureAwait(false);
                if (reference.CutoffReached || reference.BusinessDate == default) continue;
                var due = BusinessCalendar.CutoffInstant(reference.BusinessDate, cutoff, options.TimeZone);
                if (options.Clock.GetUtcNow() < due) continue;
                var result = await ledger.CutoffAsync(ct).ConfigureAwait(false);
                logger.LogInformation("Recycle cutoff of {BusinessDate} reached at {Due}: {Message}", result.BusinessDate, due, result.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A slow or restarting account: the next tick tries again.
                logger.LogWarning(e, "The automatic recycle cutoff did not complete; retrying");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
