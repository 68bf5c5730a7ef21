using Ledger.Benchmarks;
using Xunit.Abstractions;

namespace Ledger.Host.Tests;

/// <summary>
/// The load driver of benchmarks/ end to end on SQLite, small: every deliver order it sends must
/// end completed. No timing is asserted: figures come from the benchmark runs, never from tests.
/// </summary>
public sealed class LoadDriverSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_thousand_deliver_orders_of_the_realistic_mix_all_complete_on_sqlite()
    {
        var log = new StringWriter();
        try
        {
            var report = await LoadDriver.RunAsync(new LoadOptions
            {
                Store = "sqlite",
                Dos = 2_000,
                Rate = 400,
                Mix = "realistic",
                Warmup = 0,
                RawInsert = false,
                Drain = TimeSpan.FromMinutes(3),
                Log = log,
            }, CancellationToken.None);

            Assert.Equal(0, report.Rejected);
            Assert.Equal(0, report.NeverCompleted);
            Assert.Equal(2_000, report.Completed);
            // The driver's journal tail agrees with the API: every DO reads back completed.
            Assert.Equal(2_000, report.VerifiedCompleted);
            Assert.True(report.LedgerEvents > 0);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }
    }
}
