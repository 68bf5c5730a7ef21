using System.Globalization;
using Ledger.Benchmarks.Crash;
using Ledger.Host.Tests.Support;
using Xunit.Abstractions;

namespace Ledger.Host.Tests;

/// <summary>
/// <c>ledger serve</c> as a separate process on SQLite, killed with SIGKILL at random moments
/// (LEDGER_CRASH_CYCLES, default 5) while three clients submit Market Loan pairs and deliver
/// orders over HTTP, and started again on the same data folder each time: nothing acknowledged is
/// lost and every invariant holds (the harness is benchmarks/Ledger.Benchmarks/Crash; a person runs
/// it with deploy/crash-test.sh). After the end of day under a kill, the operator moves every price
/// and the next close is killed just after it opened the next day, while the open's marks settle
/// (CrashMarks.cs). The seed is fixed (LEDGER_CRASH_SEED overrides it). It takes about 60 s on a
/// quiet machine and longer on a busy one: each of its eight starts of the process costs a few
/// seconds (the kill while marks settle adds about 15 s).
/// </summary>
[Collection("real-node")]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int SeedDefault = 20261123;
    private const int CyclesDefault = 5;

    [Fact]
    public async Task Ledger_serve_killed_with_sigkill_under_load_loses_no_acknowledged_deliver_order_and_keeps_every_invariant()
    {
        var seed = FromEnvironment("LEDGER_CRASH_SEED") ?? SeedDefault;
        var cycles = FromEnvironment("LEDGER_CRASH_CYCLES") ?? CyclesDefault;
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var log = TextWriter.Synchronized(text);
        CrashReport report;
        try
        {
            report = await CrashTest.RunAsync(new CrashOptions
            {
                Seed = seed,
                Cycles = cycles,
                Clients = 3,
                KillAfterAcknowledgedMax = 40,
                RunMax = TimeSpan.FromMinutes(10),
                Log = log,
            }, CancellationToken.None);
        }
        finally
        {
            output.WriteLine(text.ToString());
        }

        Assert.True(report.Failure is null, $"seed {seed} (rerun with LEDGER_CRASH_SEED={seed}): {report.Failure}");
        Assert.Equal(cycles, report.Cycles.Count);
        Assert.All(report.Cycles, c => Assert.Equal(LedgerProcess.SigkillExitCode, c.ExitCode));
        // The first cycle always kills under load, after at least KillAfterAcknowledgedMin acknowledgements.
        Assert.StartsWith("under load", report.Cycles[0].Moment, StringComparison.Ordinal);
        Assert.True(report.Cycles[0].AcknowledgedDuring >= 5, $"cycle 1 acknowledged only {report.Cycles[0].AcknowledgedDuring}");
        Assert.True(report.Unanswered > 0, "no request went unanswered: the kills never met a client");
        // Nine invariants after recovery and again after the cutoff; the recall hub's two; recovery at rest; five after a kill during the close, and
        // income's three (memo lines mirrored, the payable date paid once, nothing missed); lending's seven after a kill while the open's
        // marks settle (the kill, marks computed once, paid once, collateral = opening + marks, balances = marks, shares, controls); the hash chains.
        Assert.Equal(2 * 9 + 2 + 1 + 5 + 3 + 7 + 1, report.Checks.Count);
        Assert.Contains(report.Checks, c => c.Name == "marks-computed-once" && c.Passed && !c.Detail.StartsWith("no loan", StringComparison.Ordinal));
        Assert.All(report.Checks, c => Assert.True(c.Passed, $"seed {seed}: {c}"));
        Assert.True(report.Passed);
    }

    private static int? FromEnvironment(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
