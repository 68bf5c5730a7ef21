using Ledger.Cluster;

namespace Ledger.Benchmarks;

/// <summary>The set-up of a benchmarked node, which is not timed.</summary>
internal static class SetupSteps
{
    /// <summary>
    /// Runs <paramref name="step"/> until it succeeds, again while the node answers busy or times out
    /// (thousands of set-up requests at once fill its mailboxes), at most 20 times 200 ms apart.
    /// </summary>
    public static async Task Until(Func<Task<CommandResult>> step, string what)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await step();
                if (result.Ok) return;
                if (attempt >= 20) throw new InvalidOperationException($"{what}: {result.Message ?? result.Error?.Message}");
            }
            catch (Exception e) when (e is TimeoutException or Akka.Actor.AskTimeoutException or LedgerBusyException && attempt < 20)
            {
            }
            await Task.Delay(200);
        }
    }
}
