using System.Globalization;
using System.Text.Json;
using Ledger.Benchmarks.Crash;
using Ledger.TestSupport;
using Xunit.Abstractions;

namespace Ledger.Host.Tests;

/// <summary>
/// The benchmark's <c>load</c> verb run small, so that the benchmark cannot rot: the built
/// Ledger.Benchmarks.dll as its own process, exactly as benchmarks/RESULTS.md runs it (argument
/// parsing, the driver on a real SQLite file, the raw insert after the run, the report written),
/// 3,000 deliver orders offered at 1,000/s. It checks only that every deliver order completed (none
/// never completed, rejected or refused busy) and that the report file is there with every field
/// the RESULTS.md tables quote. No timing is asserted: figures come from the benchmark runs, never
/// from tests.
/// </summary>
[Collection("real-node")]
public sealed class LoadVerbSmokeTests(ITestOutputHelper output)
{
    private const int Dos = 3_000;
    private const int RatePerSecond = 1_000;

    /// <summary>Guards against a hung run only: the verb stops by itself within --drain of its last send.</summary>
    private static readonly TimeSpan RunMax = TimeSpan.FromMinutes(3);

    /// <summary>The report's numbers the RESULTS.md load tables quote (camelCase, as the verb writes them).</summary>
    private static readonly string[] QuotedNumbers =
    [
        "offeredPerSecond", "achievedSendPerSecond", "completedPerSecond", "runSeconds",
        "p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs", "ackP50Ms", "ackP99Ms",
        "ledgerEvents", "eventsPerSecond", "eventsPerDo", "rawInsertRowsPerSecond", "ratioToRawInsert",
        "walPeakMb", "walAtEndMb", "databaseMb",
    ];

    /// <summary>The same, of the report's <c>process</c> object (CPU of the cores, GC pause, peak working set).</summary>
    private static readonly string[] QuotedProcessNumbers = ["cpuUtilisation", "gcPauseMs", "allocatedMb", "peakWorkingSetMb", "cpuSeconds", "wallSeconds"];

    [Fact]
    public async Task The_load_verb_completes_every_deliver_order_on_a_sqlite_file_and_writes_its_report()
    {
        // The working folder stands for the repository root: the verb writes benchmarks/results/ under
        // it (no Ledger.sln above a temp folder), so the checkout is left as it was.
        using var work = new TempDirectory("ledger-load-smoke");
        var reportFile = work.Combine("report.json");
        string[] arguments =
        [
            "load", "--store", "sqlite", "--mix", "all-settle",
            "--dos", Dos.ToString(CultureInfo.InvariantCulture), "--rate", RatePerSecond.ToString(CultureInfo.InvariantCulture),
            // A short warm-up still runs the verb's warm-up path; the drain bounds the wait for stragglers.
            "--warmup", "200", "--drain", "30",
            "--out", reportFile,
        ];
        var dll = BenchmarksDll();
        output.WriteLine($"{LedgerProcess.DotnetHost()} {dll} {string.Join(' ', arguments)}");
        var (exitCode, text) = await LedgerProcess.RunToEndAsync(dll, arguments, work.Path, RunMax);
        output.WriteLine(text);

        // The verb exits 0 only when every deliver order completed.
        Assert.True(exitCode == 0, $"the load verb exited {exitCode}");
        Assert.True(File.Exists(reportFile), $"no report at {reportFile}");
        Assert.Contains($"wrote {reportFile}", text, StringComparison.Ordinal);
        // And the copy it files by store, mix, rate and size beside the others.
        Assert.True(File.Exists(work.Combine("benchmarks", "results", $"sqlite-all-settle-{RatePerSecond}per-s-{Dos}.json")),
            "the verb did not write its copy under benchmarks/results");

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(reportFile));
        var root = report.RootElement;
        Assert.Equal("sqlite", root.GetProperty("store").GetString());
        Assert.Equal("all-settle", root.GetProperty("mix").GetString());
        Assert.Equal(Dos, root.GetProperty("dos").GetInt32());
        Assert.Equal(RatePerSecond, root.GetProperty("offeredPerSecond").GetDouble());
        Assert.Equal(0, root.GetProperty("neverCompleted").GetInt32());
        Assert.Equal(0, root.GetProperty("rejected").GetInt32());
        Assert.Equal(0, root.GetProperty("busy").GetInt32());
        Assert.Equal(Dos, root.GetProperty("completed").GetInt32());
        // Read back through the ledger's own API after the run, not only seen in the journal.
        Assert.Equal(Dos, root.GetProperty("verifiedCompleted").GetInt32());

        foreach (var name in QuotedNumbers) AssertFigure(root, name, name);
        var process = root.GetProperty("process");
        foreach (var name in QuotedProcessNumbers) AssertFigure(process, name, "process." + name);
        Assert.True(root.GetProperty("ledgerEvents").GetInt64() >= Dos, "fewer journal events than deliver orders");
        Assert.True(root.GetProperty("rawInsertRowsPerSecond").GetDouble() > 0, "the raw insert measured nothing");
        Assert.True(root.GetProperty("machine").GetProperty("cores").GetInt32() > 0);
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("loadAverageBefore").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("loadAverageAfter").GetString()));
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("startedUtc").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            "startedUtc is not a time");
    }

    /// <summary>A figure is a finite, non-negative number (an empty histogram would be written as the string "NaN").</summary>
    private static void AssertFigure(JsonElement parent, string name, string label)
    {
        Assert.True(parent.TryGetProperty(name, out var element), $"the report has no '{label}'");
        Assert.True(element.ValueKind == JsonValueKind.Number, $"'{label}' is {element.ValueKind} ({element.GetRawText()}), not a number");
        var number = element.GetDouble();
        Assert.True(double.IsFinite(number) && number >= 0, $"'{label}' is {number}");
    }

    /// <summary>
    /// Ledger.Benchmarks.dll as built beside this assembly (the project reference brings it with its
    /// runtimeconfig and deps files), the same build the RESULTS.md commands run.
    /// </summary>
    private static string BenchmarksDll()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Ledger.Benchmarks.dll");
        Assert.True(File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")),
            $"{dll} with its runtimeconfig is not beside the tests: build Ledger.sln (tests/Ledger.Host.Tests references benchmarks/Ledger.Benchmarks)");
        return dll;
    }
}
