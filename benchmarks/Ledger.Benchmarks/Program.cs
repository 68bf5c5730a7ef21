using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Running;
using Ledger.Benchmarks;
using Ledger.Benchmarks.Crash;

// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- load --store sqlite|postgres [--connection CS] --dos N [--rate R] [--mix all-settle|realistic] [--drain S] [--no-verify] [--no-raw] [--recovery] [--snapshot-every EVENTS] [--in-flight-max N] [--resend-refused] [--contexts settlement,income,recalls,lending] [--out FILE]
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- micro [--filter *Replay*]
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- decide [ROUNDS] [DOS]
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- explain [EVENTS ...]
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- crash [--seed N] [--cycles N] [--clients N] (or deploy/crash-test.sh)
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- recalls [--messages N] [--subscribers N] [--in-flight N]
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- payable-date [--participants N] [--borrowers-each N] [--cusips N] [--no-holders]
// dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- lending-open [--participants N] [--borrowers-each N] [--loans-each N] [--cusips N]
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: load --store sqlite|postgres [--connection CS] --dos N [--rate R] [--mix all-settle|realistic] [--warmup N] [--drain SECONDS] [--no-verify] [--no-raw] [--recovery] [--snapshot-every EVENTS] [--in-flight-max N] [--resend-refused] [--contexts settlement,income,recalls,lending] [--out FILE]");
    Console.WriteLine("       micro [BenchmarkDotNet options, e.g. --filter *Replay*]");
    Console.WriteLine("       decide [ROUNDS] [DOS]   (decide + evolve of whole DOs, no actors or store, in ROUNDS rounds of DOS; default 20 x 100,000)");
    Console.WriteLine("       replay [EVENTS]   (one account's journal of EVENTS events replayed from SQLite, as ledger replay does)");
    Console.WriteLine("       snapshot [LOANS] [--save FILE]  (OCC's account after LOANS Market Loans: snapshot taken, serialized, read back and restored, against its whole journal)");
    Console.WriteLine("       snapshot-read FILE [RUNS]  (a snapshot saved by snapshot --save, read back and restored RUNS times)");
    Console.WriteLine("       explain [EVENTS ...]   (explanations read by key on a node whose OCC journal holds EVENTS other events; default 1000 1000000)");
    Console.WriteLine("       crash [--seed N] [--cycles N] [--clients N] [--pause-ms N] [--abandon-rate R] [--ledger PATH] [--work-dir DIR] [--keep]");
    Console.WriteLine("             (ledger serve as a separate process, killed with SIGKILL N times under load; exit 0 PASS, 1 FAIL)");
    Console.WriteLine("       recalls [--messages N] [--subscribers N] [--in-flight N]   (the recall hub: durable sends acknowledged/s, retrieval latency)");
    Console.WriteLine("       payable-date [--participants N] [--borrowers-each N] [--cusips N] [--no-holders]");
    Console.WriteLine("             (the close that posts a payable date over N x borrowers x CUSIPs memo lines, durable on SQLite; default 10,000 x 5 x 2 = 100,000)");
    Console.WriteLine("       lending-open [--participants N] [--borrowers-each N] [--loans-each N] [--cusips N]");
    Console.WriteLine("             (the open of a business day marking N x borrowers x loans open loans, marks settled as payment orders, durable on SQLite; default 1,000 x 5 x 20 = 100,000)");
    return 2;
}

if (args[0] == "crash")
{
    return await CrashCommand.RunAsync(args[1..]);
}

if (args[0] == "recalls")
{
    var recalls = new RecallsBenchmark.Options();
    for (var i = 1; i < args.Length; i++)
    {
        int Number() => i + 1 < args.Length ? int.Parse(args[++i], CultureInfo.InvariantCulture) : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--messages": recalls = recalls with { Messages = Number() }; break;
            case "--subscribers": recalls = recalls with { Subscribers = Number() }; break;
            case "--in-flight": recalls = recalls with { InFlight = Number() }; break;
            default: Console.Error.WriteLine($"unknown option '{args[i]}'"); return 2;
        }
    }
    return await RecallsBenchmark.RunAsync(recalls);
}

if (args[0] == "payable-date")
{
    var payable = new PayableDateBenchmark.Options();
    for (var i = 1; i < args.Length; i++)
    {
        int Number() => i + 1 < args.Length ? int.Parse(args[++i], CultureInfo.InvariantCulture) : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--participants": payable = payable with { Participants = Number() }; break;
            case "--borrowers-each": payable = payable with { BorrowersEach = Number() }; break;
            case "--cusips": payable = payable with { Cusips = Number() }; break;
            case "--no-holders": payable = payable with { Holders = false }; break;
            default: Console.Error.WriteLine($"unknown option '{args[i]}'"); return 2;
        }
    }
    return await PayableDateBenchmark.RunAsync(payable);
}

if (args[0] == "lending-open")
{
    var open = new LendingOpenBenchmark.Options();
    for (var i = 1; i < args.Length; i++)
    {
        int Number() => i + 1 < args.Length ? int.Parse(args[++i], CultureInfo.InvariantCulture) : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--participants": open = open with { Participants = Number() }; break;
            case "--borrowers-each": open = open with { BorrowersEach = Number() }; break;
            case "--loans-each": open = open with { LoansEach = Number() }; break;
            case "--cusips": open = open with { Cusips = Number() }; break;
            default: Console.Error.WriteLine($"unknown option '{args[i]}'"); return 2;
        }
    }
    return await LendingOpenBenchmark.RunAsync(open);
}

if (args[0] == "decide")
{
    return DecideLoop.Run(args[1..]);
}

if (args[0] == "micro")
{
    BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length > 1 ? args[1..] : ["--filter", "*"], MicroBenchmarks.Config());
    return 0;
}

if (args[0] == "replay")
{
    // dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- replay [EVENTS]
    return await StoreReplay.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000);
}

if (args[0] == "snapshot")
{
    // dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- snapshot [LOANS] [--save FILE]
    var save = Array.IndexOf(args, "--save");
    return SnapshotBenchmark.Run(args.Length > 1 && args[1] != "--save" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 700_000,
        save > 0 && save + 1 < args.Length ? args[save + 1] : null);
}

if (args[0] == "snapshot-read")
{
    // dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- snapshot-read FILE [RUNS]
    return SnapshotBenchmark.ReadRuns(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
}

if (args[0] == "explain")
{
    // dotnet run -c Release --project benchmarks/Ledger.Benchmarks -- explain [EVENTS ...]
    return await ExplainBenchmark.RunAsync(args.Length > 1 ? args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToList() : [1_000, 1_000_000]);
}

if (args[0] != "load")
{
    Console.Error.WriteLine($"unknown command '{args[0]}': load, micro, replay, snapshot, snapshot-read, explain, crash, recalls or payable-date");
    return 2;
}

var options = new LoadOptions();
string? output = null;
for (var i = 1; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--store": options = options with { Store = Value() }; break;
        case "--connection": options = options with { Connection = Value() }; break;
        case "--dos": options = options with { Dos = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
        case "--rate": options = options with { Rate = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
        case "--mix": options = options with { Mix = Value() }; break;
        case "--participants": options = options with { Participants = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
        case "--drain": options = options with { Drain = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
        case "--warmup": options = options with { Warmup = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
        case "--no-verify": options = options with { Verify = false }; break;
        case "--no-raw": options = options with { RawInsert = false }; break;
        case "--in-flight-max": options = options with { InFlightMax = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
        case "--resend-refused": options = options with { ResendRefused = true }; break;
        case "--recovery": options = options with { Recovery = true }; break;
        case "--snapshot-every": options = options with { SnapshotEveryEvents = long.Parse(Value(), CultureInfo.InvariantCulture) }; break;
        case "--contexts": options = options with { Contexts = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet() }; break;
        case "--out": output = Value(); break;
        default: Console.Error.WriteLine($"unknown option '{args[i]}'"); return 2;
    }
}

var report = await LoadDriver.RunAsync(options, CancellationToken.None);
Console.WriteLine();
Console.WriteLine($"store {report.Store}, mix {report.Mix}, {report.Dos:N0} DOs offered at {report.OfferedPerSecond:N0}/s (sent at {report.AchievedSendPerSecond:N0}/s)");
Console.WriteLine($"completed {report.Completed:N0} in {report.RunSeconds:0.00} s = {report.CompletedPerSecond:N0} DOs/s; never completed {report.NeverCompleted}, rejected {report.Rejected}, busy {report.Busy}");
Console.WriteLine($"latency intended-send -> completed (ms): p50 {report.P50Ms:0.0}  p90 {report.P90Ms:0.0}  p99 {report.P99Ms:0.0}  p99.9 {report.P999Ms:0.0}  max {report.MaxMs:0.0}");
Console.WriteLine($"submit acknowledged (ms, per batch): p50 {report.AckP50Ms:0.0}  p99 {report.AckP99Ms:0.0}");
Console.WriteLine($"journal: {report.LedgerEvents:N0} events = {report.EventsPerSecond:N0}/s, {report.EventsPerDo:0.00} per DO; raw insert {report.RawInsertRowsPerSecond:N0} rows/s; ratio {report.RatioToRawInsert:0.000}");
Console.WriteLine($"events by persistence id: {string.Join(", ", report.EventsByAccount.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
Console.WriteLine($"process: cpu {report.Process.CpuSeconds:0.0} s over {report.Process.WallSeconds:0.0} s = {report.Process.CpuUtilisation:P0} of {report.Machine.Cores} cores; GC gen0/1/2 {report.Process.Gen0}/{report.Process.Gen1}/{report.Process.Gen2}, pause {report.Process.GcPauseMs:0} ms, allocated {report.Process.AllocatedMb:N0} MB, peak working set {report.Process.PeakWorkingSetMb:N0} MB");
if (report.WalPeakMb is { } walPeak) Console.WriteLine($"write-ahead log: peak {walPeak:N1} MB, {report.WalAtEndMb:N1} MB at the end of the run; database {report.DatabaseMb:N1} MB");
Console.WriteLine($"load average before {report.LoadAverageBefore}, after {report.LoadAverageAfter}; {report.Machine.Cpu}, {report.Machine.Os}, {report.Machine.Dotnet}");

var json = JsonSerializer.Serialize(report, new JsonSerializerOptions
{
    WriteIndented = true,
    PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
});
var dir = Path.Combine(RepoRoot(), "benchmarks", "results");
Directory.CreateDirectory(dir);
var latest = output ?? Path.Combine(dir, "latest.json");
await File.WriteAllTextAsync(latest, json);
await File.WriteAllTextAsync(Path.Combine(dir, $"{report.Store}-{report.Mix}-{report.OfferedPerSecond:0}per-s-{report.Dos}.json"), json);
Console.WriteLine($"wrote {latest}");
return report.NeverCompleted == 0 ? 0 : 1;

static string RepoRoot()
{
    for (var d = new DirectoryInfo(Environment.CurrentDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Ledger.sln"))) return d.FullName;
    }
    return Environment.CurrentDirectory;
}
