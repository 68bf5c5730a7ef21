using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.Host.Auth;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

/// <summary>How a crash run goes. Every random choice (the world, the clients' orders, the kill moments) comes from <see cref="Seed"/>.</summary>
public sealed record CrashOptions
{
    /// <summary>Null: one is drawn and printed, so that the run can be repeated.</summary>
    public int? Seed { get; init; }

    /// <summary>Kills of the serving process, at least 1 (the requirement asks for 5 or more).</summary>
    public int Cycles { get; init; } = 5;

    /// <summary>Concurrent clients submitting deliver orders.</summary>
    public int Clients { get; init; } = 3;

    /// <summary>A client's mean pause between requests (drawn from 0 to twice this).</summary>
    public int PauseMs { get; init; } = 25;

    /// <summary>Requests per client at most, whatever else happens (a bound on the load).</summary>
    public int OperationsPerClientMax { get; init; } = 5_000;

    /// <summary>Chance that a client gives up on a batch at its first loss rather than sending it until answered.</summary>
    public double AbandonRate { get; init; } = 0.2;

    /// <summary>
    /// A kill under load comes once the clients have had this many deliver orders acknowledged since
    /// the node was ready (drawn uniformly between the two), plus a random delay of up to
    /// <see cref="KillJitterMax"/> so that it lands anywhere in a request. Counting acknowledgements
    /// rather than seconds puts load into every cycle however fast or busy the machine is.
    /// </summary>
    public int KillAfterAcknowledgedMin { get; init; } = 5;
    public int KillAfterAcknowledgedMax { get; init; } = 60;
    public TimeSpan KillJitterMax { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>A kill under load comes at the latest this long after ready, acknowledged or not.</summary>
    public TimeSpan KillWaitMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Chance that a kill comes during start-up and recovery instead: after 20% to 100% of the time
    /// the previous start took to be ready (the node recovers its accounts and resends what is in
    /// flight before it listens).
    /// </summary>
    public double StartupKillRate { get; init; } = 0.2;

    /// <summary>How long the node serves the clients after its last restart before they stop.</summary>
    public TimeSpan FinalRun { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The kill during the end of day comes up to this long after the close is sent.</summary>
    public TimeSpan CloseKillMax { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>The kill while marks settle comes up to this long after the next business day opened (its marks then being computed, submitted and settled).</summary>
    public TimeSpan OpenKillMax { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long the ledger may take to settle and meet every invariant after the clients stop.</summary>
    public TimeSpan SettleMax { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a start may take until <c>/health/ready</c> answers.</summary>
    public TimeSpan ReadyMax { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The whole run at most; past it the clients are stopped and the run fails.</summary>
    public TimeSpan RunMax { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>The ledger.dll to run; null: see <see cref="LedgerProcess.FindLedgerDll"/>.</summary>
    public string? LedgerDll { get; init; }

    /// <summary>Where the data folder and node logs go; null: a new folder in the temp directory.</summary>
    public string? WorkDir { get; init; }

    /// <summary>Keep the work folder after a passing run (a failing run always keeps it).</summary>
    public bool Keep { get; init; }

    public TextWriter Log { get; init; } = TextWriter.Null;
}

/// <summary>One kill: when it came, what the clients had been told by then.</summary>
public sealed record CrashCycle(
    int Number,
    int Pid,
    string Moment,
    double? ReadySeconds,
    double KilledAfterSeconds,
    int ExitCode,
    int AcknowledgedDuring,
    int AcknowledgedTotal,
    int UnansweredDuring,
    int AbandonedTotal);

public sealed record CrashReport(
    int Seed,
    IReadOnlyList<CrashCycle> Cycles,
    IReadOnlyList<CrashCheck> Checks,
    int Acknowledged,
    int Abandoned,
    int Loans,
    int Requests,
    int Unanswered,
    int Resubmitted,
    string WorkDir,
    string? Failure)
{
    public bool Passed => Failure is null && Checks.Count > 0 && Checks.All(c => c.Passed);
}

/// <summary>
/// The crash test: starts <c>ledger serve</c> as a separate process on SQLite, loads reference data,
/// lets several clients submit deliver orders over HTTP, kills the process with SIGKILL at random
/// moments and starts it again on the same data folder, then, once the ledger has settled, checks
/// through the HTTP API that nothing acknowledged was lost and every invariant holds; then again
/// after the recycle cutoff; then that a kill and restart at rest reproduces every account; that a
/// kill during the end of day still closes the day exactly once; and finally that
/// <c>ledger verify</c> finds every journal's hash chain intact.
/// </summary>
public static partial class CrashTest
{
    private const string Operator = TokenStore.DemoOperatorToken;
    private const string Occ = TokenStore.DemoOccToken;
    private const string Risk = TokenStore.DemoRiskToken;
    private const int ReadParallelism = 8;

    private sealed class Run(CrashOptions options, int seed, string workDir, string dataDir, string ledgerDll, Uri url, LedgerClient client)
    {
        public CrashOptions Options { get; } = options;
        public int Seed { get; } = seed;
        public string WorkDir { get; } = workDir;
        public string DataDir { get; } = dataDir;
        public string LedgerDll { get; } = ledgerDll;
        public Uri Url { get; } = url;
        public LedgerClient Client { get; } = client;
        public LedgerProcess? Node { get; set; }
        public int Starts { get; set; }
        public TextWriter Log => Options.Log;
        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public void Say(string line) => Log.WriteLine($"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {line}");
    }

    public static async Task<CrashReport> RunAsync(CrashOptions options, CancellationToken ct)
    {
        if (options.Cycles < 1) throw new ArgumentException("at least one cycle", nameof(options));
        if (options.Clients < 1) throw new ArgumentException("at least one client", nameof(options));
        var seed = options.Seed ?? Random.Shared.Next(1, int.MaxValue);
        var ledgerDll = LedgerProcess.FindLedgerDll(options.LedgerDll);
        var workDir = options.WorkDir ?? Path.Combine(Path.GetTempPath(), $"ledger-crash-{seed}-{Guid.NewGuid():N}"[..40]);
        var dataDir = Path.Combine(workDir, "data");
        Directory.CreateDirectory(dataDir);
        var url = new Uri($"http://127.0.0.1:{LedgerProcess.FreeLoopbackPort()}");
        using var client = new LedgerClient(url, TimeSpan.FromSeconds(30)) { RetryDelay = TimeSpan.FromMilliseconds(100) };
        var run = new Run(options, seed, workDir, dataDir, ledgerDll, url, client);
        using var runMax = CancellationTokenSource.CreateLinkedTokenSource(ct);
        runMax.CancelAfter(options.RunMax);

        run.Say($"crash test: seed {seed} (--seed {seed} repeats the workload and the kill moments), {options.Cycles} kill cycles, {options.Clients} clients");
        run.Say($"ledger: {LedgerProcess.DotnetHost()} {ledgerDll} serve --data-dir {dataDir} --urls {url}");
        run.Say($"work folder (data and node logs): {workDir}");

        var tally = new CrashTally();
        var recallTally = new RecallCrashTally();
        var world = CrashWorld.Generate(new Random(seed));
        var cycles = new List<CrashCycle>();
        var checks = new List<CrashCheck>();
        string? failure = null;
        try
        {
            await RunCyclesAsync(run, world, tally, recallTally, cycles, checks, runMax.Token);
        }
        catch (OperationCanceledException) when (runMax.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            failure = $"the run did not finish within {options.RunMax.TotalMinutes:0} minutes";
        }
        catch (CrashRunException e)
        {
            failure = e.Message;
        }
        catch (LedgerUnreachableException e)
        {
            failure = $"the node stopped answering: {e.Message}; see {LogFile(run)}";
        }
        finally
        {
            if (run.Node is { } node) await node.DisposeAsync();
        }

        var report = new CrashReport(seed, cycles, checks, tally.Acknowledged.Count, tally.Abandoned.Count, tally.Loans.Count,
            tally.Requests, tally.Unanswered, tally.Resubmitted, workDir, failure);
        run.Say($"clients: {N(report.Requests)} requests, {N(report.Unanswered)} unanswered, {N(report.Resubmitted)} resubmitted; " +
                $"{N(report.Acknowledged)} deliver orders acknowledged ({N(report.Loans)} loans started, {N(tally.Reclaims)} reclaims, {N(tally.Redeliveries.Count)} redeliveries), " +
                $"{N(report.Abandoned)} given up on unanswered; payments: {N(tally.AcknowledgedPayments.Count)} acknowledged, {N(tally.PaymentsResent)} sent again under their id, {N(tally.AbandonedPayments.Count)} given up on; cancels: {(tally.Cancels.IsEmpty ? "none" : string.Join(", ", tally.Cancels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")))}");
        run.Say($"recall hub: {N(recallTally.Requests)} requests, {N(recallTally.Unanswered)} unanswered; {N(recallTally.Acknowledged.Count)} messages acknowledged, {N(recallTally.Retrieved.Count)} retrieved");
        run.Say(NodeLogSummary(LogFile(run)));
        foreach (var c in checks) run.Say(c.ToString());
        if (failure is not null) run.Say($"FAIL: {failure}");
        run.Say(report.Passed
            ? $"PASS: seed {seed}, {cycles.Count} SIGKILL cycles, {N(report.Acknowledged)} acknowledged deliver orders all present, every invariant held"
            : $"FAIL: seed {seed}; data and node logs kept in {workDir}");
        if (report.Passed && !options.Keep && options.WorkDir is null)
        {
            try
            {
                Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
                // The folder is in the temp directory; a file still held a moment longer is harmless.
            }
        }
        return report;
    }

    private sealed class CrashRunException(string message) : Exception(message);

    private static async Task RunCyclesAsync(Run run, CrashWorld world, CrashTally tally, RecallCrashTally recallTally, List<CrashCycle> cycles, List<CrashCheck> checks, CancellationToken ct)
    {
        var options = run.Options;
        var random = new Random(unchecked(run.Seed * 7919 + 17));

        var first = await StartAsync(run, ct);
        await SetUpAsync(run, world, ct);
        run.Say($"cycle 1: node pid {run.Node!.Pid} ready in {first:0.0} s; reference data loaded: OCC {world.Occ.Id}, {world.Participants.Count} participants, " +
                $"{world.Securities.Count} securities, {world.Deposits.Count} deposits ({N(world.DepositedShares.Values.Sum())} shares)");

        // stopClients ends the loops (a batch already sent is still sent until answered); killClients ends them at once.
        using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var killClients = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clientsWork = new CrashClients(run.Client, world, options, tally);
        var clientTasks = Enumerable.Range(0, options.Clients)
            .Select(k => Task.Run(() => clientsWork.RunAsync(k, unchecked(run.Seed * 31 + k), stopClients.Token, killClients.Token), ct))
            .ToList();
        // The recall hub's clients (RecallCrash.cs): messages sent and retrieved while the node is killed.
        var recalls = new RecallCrashClients(run.Client, world, recallTally);
        clientTasks.Add(Task.Run(() => recalls.SendAsync(unchecked(run.Seed * 37), stopClients.Token, killClients.Token), ct));
        clientTasks.Add(Task.Run(() => recalls.RetrieveAsync(unchecked(run.Seed * 41), stopClients.Token, killClients.Token), ct));
        try
        {
            int acknowledgedBefore = 0, unansweredBefore = tally.Unanswered;
            var lastReady = first;
            for (var cycle = 1; cycle <= options.Cycles; cycle++)
            {
                double? ready = cycle == 1 ? first : null;
                var duringStartup = cycle > 1 && random.NextDouble() < options.StartupKillRate;
                var acknowledgements = random.Next(options.KillAfterAcknowledgedMin, options.KillAfterAcknowledgedMax + 1);
                var jitter = Between(random, TimeSpan.Zero, options.KillJitterMax);
                var startupFraction = 0.2 + 0.8 * random.NextDouble();
                if (cycle > 1)
                {
                    StartProcess(run);
                    if (!duringStartup)
                    {
                        ready = await WaitReadyAsync(run, ct);
                        lastReady = ready.Value;
                    }
                }
                var node = run.Node!;
                string moment;
                if (duringStartup)
                {
                    var wait = TimeSpan.FromSeconds(startupFraction * lastReady) - node.Age;
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                    if (node.HasExited) throw new CrashRunException($"the node (pid {node.Pid}) ended by itself during start-up with exit code {node.ExitCode}; see {LogFile(run)}");
                    moment = $"in start-up and recovery ({startupFraction:P0} of the previous start's {lastReady:0.0} s)";
                }
                else
                {
                    var baseline = tally.Acknowledged.Count;
                    var readyAt = node.Age;
                    while (tally.Acknowledged.Count - baseline < acknowledgements && node.Age - readyAt < options.KillWaitMax && !node.HasExited)
                    {
                        await Task.Delay(10, ct);
                    }
                    var reached = tally.Acknowledged.Count - baseline;
                    await Task.Delay(jitter, ct);
                    if (node.HasExited) throw new CrashRunException($"the node (pid {node.Pid}) ended by itself with exit code {node.ExitCode}; see {LogFile(run)}");
                    moment = reached >= acknowledgements
                        ? $"under load, {(node.Age - readyAt).TotalSeconds:0.00} s after ready ({acknowledgements} acknowledged + {jitter.TotalMilliseconds:0} ms)"
                        : $"under load, {(node.Age - readyAt).TotalSeconds:0.00} s after ready (only {reached} of {acknowledgements} acknowledged within {options.KillWaitMax.TotalSeconds:0} s)";
                }
                var age = node.Age.TotalSeconds;
                var exit = await node.KillHard();
                await node.DisposeAsync();
                run.Node = null;
                var acknowledged = tally.Acknowledged.Count;
                // Only this process answered during the cycle: acknowledgements mean it was serving when it died.
                if (duringStartup && acknowledged > acknowledgedBefore) moment += ", when it had just begun to serve";
                var c = new CrashCycle(cycle, node.Pid, moment, ready, age, exit, acknowledged - acknowledgedBefore, acknowledged,
                    tally.Unanswered - unansweredBefore, tally.Abandoned.Count);
                cycles.Add(c);
                acknowledgedBefore = acknowledged;
                unansweredBefore = tally.Unanswered;
                run.Say($"cycle {cycle}: pid {c.Pid}{(ready is { } r ? $" ready in {r:0.0} s" : "")}, SIGKILL {moment} ({age:0.0} s after start), exit code {exit}; " +
                        $"acknowledged {N(c.AcknowledgedDuring)} (total {N(acknowledged)}), unanswered requests {N(c.UnansweredDuring)}, given up on {N(tally.Abandoned.Count)} deliver orders so far");
                if (exit != LedgerProcess.SigkillExitCode)
                    throw new CrashRunException($"cycle {cycle}: the node's exit code is {exit}, not {LedgerProcess.SigkillExitCode} (SIGKILL)");
            }

            var recovered = await StartAsync(run, ct);
            run.Say($"recovery: pid {run.Node!.Pid} ready in {recovered:0.0} s on the same data folder; the clients go on for {options.FinalRun.TotalSeconds:0.0} s and then stop (unanswered batches are sent again until answered)");
            await Task.Delay(options.FinalRun, ct);
            await stopClients.CancelAsync();
            await Task.WhenAll(clientTasks);
        }
        finally
        {
            // A run that fails half-way leaves no client running against the next.
            await killClients.CancelAsync();
            try
            {
                await Task.WhenAll(clientTasks);
            }
            catch (OperationCanceledException)
            {
                // Ended by killClients.
            }
        }
        run.Say($"clients stopped: {N(tally.Acknowledged.Count)} deliver orders acknowledged in all, {N(tally.Abandoned.Count)} given up on");

        var expectations = Expect(world, tally);
        var (settled, afterRecovery) = await SettleAndCheckAsync(run, world, expectations, afterCutoff: false, ct);
        checks.AddRange(afterRecovery.Select(c => c with { Name = "after recovery: " + c.Name }));
        run.Say($"after recovery: settled in {settled:0.0} s; {afterRecovery.Count(c => c.Passed)} of {afterRecovery.Count} checks pass");
        var hub = await RecallCrashClients.SettleAndCheckAsync(run.Client, world, recallTally, run.Options.SettleMax, ct);
        checks.AddRange(hub.Select(c => c with { Name = "after recovery: " + c.Name }));

        var cutoff = await run.Client.CutoffAsync(Operator, ct);
        if (!cutoff.Ok || cutoff.Value is not { Ok: true }) throw new CrashRunException($"POST /v1/business-day/cutoff: {cutoff.Describe()} {cutoff.Value?.Message}");
        var (settledCutoff, afterCutoff) = await SettleAndCheckAsync(run, world, expectations, afterCutoff: true, ct);
        checks.AddRange(afterCutoff.Select(c => c with { Name = "after cutoff: " + c.Name }));
        run.Say($"after the recycle cutoff: settled in {settledCutoff:0.0} s; {afterCutoff.Count(c => c.Passed)} of {afterCutoff.Count} checks pass");

        checks.Add(await RecoveryReproducesAccountsAsync(run, world, ct));
        checks.AddRange(await CloseUnderKillAsync(run, world, expectations, random, ct));
        checks.AddRange(await KillWhileMarksSettleAsync(run, world, expectations, random, ct));
        checks.Add(await JournalsVerifyAsync(run, ct));
    }

    private static TimeSpan Between(Random random, TimeSpan min, TimeSpan max) =>
        min + TimeSpan.FromMilliseconds(random.NextDouble() * Math.Max(0, (max - min).TotalMilliseconds));

    private static string LogFile(Run run) => Path.Combine(run.WorkDir, "node.log");

    private static void StartProcess(Run run)
    {
        run.Starts++;
        run.Node = LedgerProcess.Start(run.LedgerDll,
            // The harness's clients use the demo tokens; the node listens on loopback only, where serve allows them.
            // Snapshots every 25 events: each restart after a kill recovers the accounts from snapshots (some taken just before it).
            ["serve", "--demo-tokens", "--data-dir", run.DataDir, "--urls", run.Url.ToString().TrimEnd('/'), "--log-format", "console",
                "--snapshot-every-events", "25"], LogFile(run));
    }

    private static async Task<double> WaitReadyAsync(Run run, CancellationToken ct)
    {
        var node = run.Node!;
        if (!await node.WaitReadyAsync(run.Client, run.Options.ReadyMax, ct))
        {
            var why = node.HasExited ? $"it ended with exit code {node.ExitCode}" : $"it was not ready within {run.Options.ReadyMax.TotalSeconds:0} s";
            throw new CrashRunException($"the node (pid {node.Pid}, start {run.Starts}) did not come back: {why}; see {LogFile(run)}");
        }
        return node.Age.TotalSeconds;
    }

    private static async Task<double> StartAsync(Run run, CancellationToken ct)
    {
        StartProcess(run);
        return await WaitReadyAsync(run, ct);
    }

    private static async Task SetUpAsync(Run run, CrashWorld world, CancellationToken ct)
    {
        var client = run.Client;
        foreach (var s in world.Securities)
            Expect(await client.PutSecurityAsync(Operator, s.Cusip, s.Price, s.Haircut, ct), $"PUT /v1/securities/{s.Cusip}");
        foreach (var p in world.Participants.Prepend(world.Occ))
            Expect(await client.PutParticipantAsync(Operator, p.Id, p.Body, ct), $"PUT /v1/participants/{p.Id}");
        foreach (var d in world.Deposits)
            Expect(await client.DepositAsync(Operator, d.Participant, d.Id, d.Cusip, d.Shares, ct), $"POST /v1/participants/{d.Participant}/deposits");
        await RecallCrashClients.SubscribeAsync(client, world, ct);
    }

    private static void Expect<T>(ApiResult<T> result, string what)
    {
        if (!result.Ok) throw new CrashRunException($"set-up failed: {what}: {result.Describe()}");
    }

    private static CrashExpectations Expect(CrashWorld world, CrashTally tally) => new(
        world.Occ.Id,
        new Dictionary<string, DeliverOrderLine>(tally.Acknowledged, StringComparer.Ordinal),
        new Dictionary<string, DeliverOrderLine>(tally.Abandoned.Where(kv => !tally.Acknowledged.ContainsKey(kv.Key)), StringComparer.Ordinal),
        tally.Loans.Concat(tally.Redeliveries).ToList(),
        world.DepositedShares,
        tally.AcknowledgedPayments.ToList(),
        tally.AbandonedPayments.ToList(),
        tally.Refused.ToList());

    /// <summary>
    /// Waits until the ledger is at rest (every account's event count unchanged between two looks,
    /// no deliver order in flight) and every invariant holds; past <see cref="CrashOptions.SettleMax"/>
    /// the last verdicts stand, failures included.
    /// </summary>
    private static async Task<(double Seconds, IReadOnlyList<CrashCheck> Checks)> SettleAndCheckAsync(
        Run run, CrashWorld world, CrashExpectations expectations, bool afterCutoff, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string? previous = null;
        IReadOnlyList<CrashCheck> verdicts = [new CrashCheck("settled", false, "the ledger never came to rest")];
        var ids = expectations.Acknowledged.Keys.Concat(expectations.Abandoned.Keys).ToList();
        while (true)
        {
            var accounts = await AccountsAsync(run, world, ct);
            var signature = string.Join(",", accounts.Values.Select(a => a.Parsed.Version));
            if (signature == previous)
            {
                var orders = await DeliverOrdersAsync(run, ids, ct);
                var inFlight = orders.Where(o => o.Value?.Status == "accepted").Select(o => o.Key).ToList();
                if (inFlight.Count == 0)
                {
                    var snapshot = new CrashSnapshot(accounts.ToDictionary(a => a.Key, a => a.Value.Parsed), orders, await JournalsAsync(run, world, ct));
                    var again = await AccountsAsync(run, world, ct);
                    // Still at rest after the reads: the snapshot is of one quiescent moment.
                    if (string.Join(",", again.Values.Select(a => a.Parsed.Version)) == signature)
                    {
                        verdicts = CrashInvariants.Check(snapshot, expectations, afterCutoff);
                        if (verdicts.All(v => v.Passed)) return (clock.Elapsed.TotalSeconds, verdicts);
                    }
                }
                else
                {
                    verdicts = [new CrashCheck("settled", false, $"{inFlight.Count} deliver orders still in flight: {string.Join(", ", inFlight.Take(5))}")];
                }
            }
            if (clock.Elapsed > run.Options.SettleMax) return (clock.Elapsed.TotalSeconds, verdicts);
            previous = signature;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private static async Task<SortedDictionary<string, (CrashAccount Parsed, string Text)>> AccountsAsync(Run run, CrashWorld world, CancellationToken ct)
    {
        var accounts = new SortedDictionary<string, (CrashAccount, string)>(StringComparer.Ordinal);
        foreach (var id in world.AccountIds)
        {
            var answer = await run.Client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{id}/account", Operator, null, idempotent: true, ct);
            if (!answer.Ok) throw new CrashRunException($"GET /v1/participants/{id}/account: {answer.Describe()}");
            var text = answer.Value.GetRawText();
            accounts[id] = (answer.Value.Deserialize<CrashAccount>(LedgerClient.Json)!, text);
        }
        return accounts;
    }

    private static async Task<Dictionary<string, DeliverOrderAnswer?>> DeliverOrdersAsync(Run run, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var orders = new System.Collections.Concurrent.ConcurrentDictionary<string, DeliverOrderAnswer?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct }, async (id, token) =>
        {
            var answer = await run.Client.DeliverOrderAsync(Occ, id, token);
            if (answer.Ok) orders[id] = answer.Value;
            else if (answer.Code == 404) orders[id] = null;
            else throw new CrashRunException($"GET /v1/deliver-orders/{id}: {answer.Describe()}");
        });
        return new Dictionary<string, DeliverOrderAnswer?>(orders, StringComparer.Ordinal);
    }

    private static async Task<Dictionary<string, IReadOnlyList<CrashJournalEntry>>> JournalsAsync(Run run, CrashWorld world, CancellationToken ct)
    {
        var journals = new Dictionary<string, IReadOnlyList<CrashJournalEntry>>(StringComparer.Ordinal);
        foreach (var id in world.AccountIds)
        {
            var answer = await run.Client.SendAsync<List<CrashJournalEntry>>(HttpMethod.Get, $"/v1/participants/{id}/journal", Risk, null, idempotent: true, ct);
            if (!answer.Ok || answer.Value is null) throw new CrashRunException($"GET /v1/participants/{id}/journal: {answer.Describe()}");
            journals[id] = answer.Value;
        }
        return journals;
    }

    /// <summary>A kill at rest and a restart: every account reads back exactly as before (recovery reproduces the state, event count included).</summary>
    private static async Task<CrashCheck> RecoveryReproducesAccountsAsync(Run run, CrashWorld world, CancellationToken ct)
    {
        const string name = "recovery-reproduces-accounts";
        var before = await AccountsAsync(run, world, ct);
        var node = run.Node!;
        var exit = await node.KillHard();
        await node.DisposeAsync();
        run.Node = null;
        var ready = await StartAsync(run, ct);
        var after = await AccountsAsync(run, world, ct);
        var changed = before.Keys.Where(id => before[id].Text != after[id].Text).ToList();
        run.Say($"at rest: SIGKILL (exit code {exit}), restarted in {ready:0.0} s; {before.Count - changed.Count} of {before.Count} accounts read back identical");
        if (changed.Count == 0)
            return new CrashCheck(name, exit == LedgerProcess.SigkillExitCode, $"killed at rest (exit code {exit}) and restarted: all {before.Count} accounts read back byte for byte as before");
        var first = changed[0];
        return new CrashCheck(name, false, $"{changed.Count} accounts changed across a kill at rest ({string.Join(", ", changed)}); {first} before: {before[first].Text} after: {after[first].Text}");
    }

    /// <summary>
    /// The end of day with a SIGKILL at a random moment during it (or just after it answered), a
    /// restart, and the close of the same date asked again until it answers: the day must be closed
    /// exactly once (a close that went through before the kill answers the same again and closes
    /// nothing more, since the close names its date).
    /// Then the invariants hold on the new business date.
    /// </summary>
    private static async Task<IReadOnlyList<CrashCheck>> CloseUnderKillAsync(Run run, CrashWorld world, CrashExpectations expectations, Random random, CancellationToken ct)
    {
        var before = await AccountsAsync(run, world, ct);
        var closedDate = before[world.Occ.Id].Parsed.BusinessDate ?? throw new CrashRunException("OCC's account shows no business date");
        if (await CrashIncome.AnnounceAsync(run.Client, world, closedDate, ct) is { } refused) throw new CrashRunException($"the dividend was refused: {refused}");
        var killAfter = Between(random, TimeSpan.Zero, run.Options.CloseKillMax);
        var close = Task.Run(() => run.Client.SendAsync<BusinessDayAnswer>(HttpMethod.Post, "/v1/business-day/close", Operator, new { businessDate = closedDate }, idempotent: false, ct), ct);
        await Task.WhenAny(close, Task.Delay(killAfter, ct));
        var node = run.Node!;
        var exit = await node.KillHard();
        await node.DisposeAsync();
        run.Node = null;
        string first;
        try
        {
            var answer = await close;
            first = answer.Ok && answer.Value is { Ok: true } ? "had answered closed" : $"had answered {answer.Describe()} {answer.Value?.Message}";
        }
        catch (LedgerUnreachableException)
        {
            first = "was cut off";
        }
        var ready = await StartAsync(run, ct);
        // The close names its date, so it is asked again whatever the kill cut off: a close that went
        // through before the kill answers as it did and closes nothing more.
        var dateAfter = await BusinessDateAsync(run, ct);
        var accountsClosed = (await AccountsAsync(run, world, ct)).Values.Count(a => a.Parsed.BusinessDate != closedDate);
        first += $" ({accountsClosed} of {before.Count} accounts had closed the day; the ledger was on {dateAfter})";
        string? next = null;
        var attempts = 0;
        for (var deadline = Stopwatch.StartNew(); next is null && deadline.Elapsed < run.Options.SettleMax;)
        {
            attempts++;
            var answer = await run.Client.SendAsync<BusinessDayAnswer>(HttpMethod.Post, "/v1/business-day/close", Operator, new { businessDate = closedDate }, idempotent: true, ct);
            if (answer.Ok && answer.Value is { Ok: true } done) next = done.NextBusinessDate;
            else await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        var again = next is null
            ? $"the close of {closedDate} asked again {attempts} times without success"
            : $"the close of {closedDate} asked again answered closed (next business date {next}) at attempt {attempts}";
        run.Say($"end of day under a kill: the close of {closedDate} {first} when SIGKILL came {killAfter.TotalMilliseconds:0} ms after it was sent (exit code {exit}); " +
                $"restarted in {ready:0.0} s; {again}");
        if (next is null)
            return [new CrashCheck("close-after-kill", false, $"the close of {closedDate} asked again {attempts} times after a kill during it never succeeded")];
        if (dateAfter != closedDate && next != dateAfter)
            return [new CrashCheck("close-after-kill", false, $"the close of {closedDate} had opened {dateAfter} before the kill, but asked again it answered next business date {next}")];
        if (await BusinessDateAsync(run, ct) is var dateNow && dateNow != next)
            return [new CrashCheck("close-after-kill", false, $"the close of {closedDate} asked again answered next business date {next}, but the ledger is on {dateNow}: a day closed twice or not at all")];

        var ids = expectations.Acknowledged.Keys.Concat(expectations.Abandoned.Keys).ToList();
        CrashSnapshot? snapshot = null;
        string? previous = null;
        for (var settle = Stopwatch.StartNew(); settle.Elapsed < run.Options.SettleMax; await Task.Delay(TimeSpan.FromMilliseconds(500), ct))
        {
            var accounts = await AccountsAsync(run, world, ct);
            var signature = string.Join(",", accounts.Values.Select(a => a.Parsed.Version));
            if (signature == previous)
            {
                snapshot = new CrashSnapshot(accounts.ToDictionary(a => a.Key, a => a.Value.Parsed), await DeliverOrdersAsync(run, ids, ct), await JournalsAsync(run, world, ct));
                break;
            }
            previous = signature;
        }
        if (snapshot is null) return [new CrashCheck("close-after-kill", false, "the ledger did not come to rest after the close")];
        return
        [
            new CrashCheck("close-after-kill", exit == LedgerProcess.SigkillExitCode,
                $"the close {first} when the node was killed (exit code {exit}); after the restart {again}"),
            CrashInvariants.ClosedOnce(snapshot, expectations, closedDate, next!),
            CrashInvariants.AcknowledgedExist(snapshot, expectations),
            CrashInvariants.SharesConserved(snapshot, expectations),
            CrashInvariants.OneEffectBothAgree(snapshot, expectations),
            .. await CrashIncome.ChecksAsync(run.Client, world, closedDate, ct),
        ];
    }

    /// <summary>The business date the node's reference data is on, as <c>/health/ready</c> tells it.</summary>
    private static async Task<string> BusinessDateAsync(Run run, CancellationToken ct)
    {
        var ready = await run.Client.SendAsync<JsonElement>(HttpMethod.Get, "/health/ready", null, null, idempotent: true, ct);
        if (ready.Ok && ready.Value.ValueKind == JsonValueKind.Object && ready.Value.TryGetProperty("businessDate", out var date) && date.GetString() is { } text)
            return text;
        throw new CrashRunException($"GET /health/ready: {ready.Describe()}");
    }

    /// <summary>The node killed once more, then <c>ledger verify</c> over the data folder: every account journal's hash chain must be intact.</summary>
    private static async Task<CrashCheck> JournalsVerifyAsync(Run run, CancellationToken ct)
    {
        const string name = "journal-chains-verify";
        var node = run.Node!;
        var exit = await node.KillHard();
        await node.DisposeAsync();
        run.Node = null;
        ct.ThrowIfCancellationRequested();
        var (code, output) = await LedgerProcess.RunToEndAsync(run.LedgerDll, ["verify", "--data-dir", run.DataDir], run.WorkDir, TimeSpan.FromMinutes(2));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var last = lines.LastOrDefault() ?? "(no output)";
        run.Say($"final SIGKILL (exit code {exit}); ledger verify --data-dir: exit code {code}, \"{last}\"");
        return code == 0
            ? new CrashCheck(name, true, $"ledger verify after the final SIGKILL: {last}")
            : new CrashCheck(name, false, $"ledger verify exit code {code}: {string.Join(" | ", lines.Where(l => !l.StartsWith("OK", StringComparison.Ordinal)).Take(10))}");
    }

    /// <summary>How many error lines the node logged over all its lives, and the first few (for a person reading the run; not a verdict).</summary>
    private static string NodeLogSummary(string logFile)
    {
        if (!File.Exists(logFile)) return "node log: none written";
        using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var errors = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains(" ERR] ", StringComparison.Ordinal) || line.Contains(" FTL] ", StringComparison.Ordinal)) errors.Add(line);
        }
        return errors.Count == 0
            ? $"node log ({logFile}): no error lines"
            : $"node log ({logFile}): {errors.Count} error lines, first: {string.Join(" | ", errors.Take(3))}";
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
