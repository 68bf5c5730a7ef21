using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using Ledger.Cluster;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Ledger.TestSupport;

namespace Ledger.Benchmarks;

/// <summary>What the load driver is asked to do.</summary>
public sealed record LoadOptions
{
    /// <summary>sqlite or postgres.</summary>
    public string Store { get; init; } = "sqlite";

    /// <summary>For postgres: an existing database to use; null starts a throwaway server.</summary>
    public string? Connection { get; init; }

    /// <summary>Deliver orders to submit in all (a Market Loan is two).</summary>
    public int Dos { get; init; } = 20_000;

    /// <summary>Offered deliver orders per second.</summary>
    public int Rate { get; init; } = 2_000;

    /// <summary>all-settle or realistic.</summary>
    public string Mix { get; init; } = "all-settle";

    public int Participants { get; init; } = 100;

    public int Cusips { get; init; } = 1_000;

    /// <summary>How long after the last send the driver waits for completions before it gives up.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Check every deliver order's final status through <see cref="ILedger.DeliverOrderAsync"/> after the run.</summary>
    public bool Verify { get; init; } = true;

    /// <summary>Measure the store's raw batched-insert rate after the run.</summary>
    public bool RawInsert { get; init; } = true;

    /// <summary>Deliver orders sent (at the same rate) and completed before the measured run, to warm the node up.</summary>
    public int Warmup { get; init; } = 2_000;

    public TextWriter Log { get; init; } = Console.Out;

    /// <summary>After the run, restart the node and time OCC's account recovering, from its snapshot and from its whole journal.</summary>
    public bool Recovery { get; init; }

    /// <summary>Overrides <c>ledger.snapshots.every-events</c> for the run (null: the configured limit).</summary>
    public long? SnapshotEveryEvents { get; init; }

    /// <summary>The node's admission limit, <c>--in-flight-max</c> (null: <see cref="LedgerNodeOptions.DeliverOrdersInFlightMaxDefault"/>).</summary>
    public int? InFlightMax { get; init; }

    /// <summary>
    /// <c>--resend-refused</c>: send items the node refused at the door (<c>deliver-orders-in-flight-max</c>,
    /// nothing taken) again after a pause that doubles each time (<see cref="ResendPause"/> up to <see cref="ResendPauseMax"/>), as a client would, until taken; their
    /// latency still counts from the first intended send. Off: they count as rejected and never complete.
    /// </summary>
    public bool ResendRefused { get; init; }

    /// <summary>The first pause before refused items go again; it doubles on each refusal, up to <see cref="ResendPauseMax"/>.</summary>
    public static readonly TimeSpan ResendPause = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest pause between two sends of the same refused items (a fixed short pause makes every waiting batch ask ~20 times a second).</summary>
    public static readonly TimeSpan ResendPauseMax = TimeSpan.FromSeconds(1);

    /// <summary>The bounded contexts the node starts (<c>--contexts settlement,income</c>); null: every one, as a served node does.</summary>
    public IReadOnlySet<string>? Contexts { get; init; }
}

/// <summary>What a load run measured.</summary>
public sealed record LoadReport
{
    public required string Store { get; init; }
    public required string Mix { get; init; }
    public required int Dos { get; init; }
    public required double OfferedPerSecond { get; init; }
    public required double AchievedSendPerSecond { get; init; }
    public required double CompletedPerSecond { get; init; }
    public required int Completed { get; init; }
    public required int NeverCompleted { get; init; }
    public required int Rejected { get; init; }
    public required int Busy { get; init; }
    public required IReadOnlyList<string> NeverCompletedSample { get; init; }
    public required double P50Ms { get; init; }
    public required double P90Ms { get; init; }
    public required double P99Ms { get; init; }
    public required double P999Ms { get; init; }
    public required double MaxMs { get; init; }
    public required double AckP50Ms { get; init; }
    public required double AckP99Ms { get; init; }
    public required double RunSeconds { get; init; }
    public required long LedgerEvents { get; init; }
    public required double EventsPerSecond { get; init; }
    public required double EventsPerDo { get; init; }
    public RawInsertResult? RawInsert { get; init; }
    public double? RawInsertRowsPerSecond => RawInsert?.RowsPerSecond;
    public double? RatioToRawInsert => RawInsert is { RowsPerSecond: > 0 } r ? EventsPerSecond / r.RowsPerSecond : null;
    public required IReadOnlyDictionary<string, long> EventsByAccount { get; init; }
    public required IReadOnlyDictionary<string, long> EventsByManifest { get; init; }
    public required int VerifiedCompleted { get; init; }
    public required IReadOnlyDictionary<string, int> VerifiedStatuses { get; init; }
    public required ProcessFigures Process { get; init; }
    public required MachineInfo Machine { get; init; }
    public required string LoadAverageBefore { get; init; }
    public required string LoadAverageAfter { get; init; }
    public required string StartedUtc { get; init; }

    /// <summary>SQLite: the write-ahead log's largest size seen (sampled every 50 ms from the node's start to its stop), in MB.</summary>
    public double? WalPeakMb { get; init; }

    /// <summary>SQLite: the write-ahead log's size when the run ended (before the node stopped), in MB.</summary>
    public double? WalAtEndMb { get; init; }

    /// <summary>SQLite: the database file's size when the run ended, in MB.</summary>
    public double? DatabaseMb { get; init; }

    /// <summary>With <c>--recovery</c>: OCC's account recovering after the run.</summary>
    public RecoveryResult? Recovery { get; init; }
}

public sealed record ProcessFigures(double CpuSeconds, double WallSeconds, double CpuUtilisation, int Gen0, int Gen1, int Gen2,
    double GcPauseMs, double AllocatedMb, double SetupSeconds, double PeakWorkingSetMb = 0);

/// <summary>
/// The open-loop load driver: a real node in-process, reference data, then deliver orders sent
/// through <see cref="ILedger.SubmitAsync"/> (the entry the HTTP API uses) at a fixed offered rate,
/// each timed from its intended send time to the moment the driver sees it completed in the
/// journal. Sending never waits for answers, so a slow ledger cannot slow the offered load
/// (no coordinated omission).
/// </summary>
public static class LoadDriver
{
    public static readonly ParticipantId Occ = new("0900");
    public static readonly Money Price = Money.FromDollars(10m);
    public const decimal Haircut = 0.1m;
    private const long DepositShares = 1_000_000_000;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan SppInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<LoadReport> RunAsync(LoadOptions o, CancellationToken ct)
    {
        if (o.Store is not ("sqlite" or "postgres")) throw new ArgumentException($"--store must be sqlite or postgres, not '{o.Store}'");
        if (o.Mix is not ("all-settle" or "realistic")) throw new ArgumentException($"--mix must be all-settle or realistic, not '{o.Mix}'");
        if (o.Participants is < 4 or > 800) throw new ArgumentException("participants must be 4..800");
        var log = o.Log;
        var loadBefore = Machine.LoadAverage();
        log.WriteLine($"load average before: {loadBefore}");

        PostgresServer? pg = null;
        string? tempDir = null;
        string connection;
        if (o.Store == "sqlite")
        {
            tempDir = Path.Combine(Path.GetTempPath(), "ledger-bench-" + Guid.NewGuid().ToString("N")[..12]);
            connection = StoreConfig.SqliteConnectionString(tempDir);
        }
        else if (o.Connection is { } given)
        {
            connection = given;
        }
        else
        {
            pg = await PostgresServer.StartOrConnectAsync(ct);
            log.WriteLine($"postgres: {pg.Description}");
            connection = await pg.CreateDatabaseAsync("ledger_bench", ct);
        }

        try
        {
            var options = new LedgerNodeOptions
            {
                Store = o.Store,
                Connection = connection,
                DataDir = tempDir ?? "./data",
                RecycleCutoffLocalTime = null,
                ExtraConfig = o.SnapshotEveryEvents is { } every ? $"{Snapshots.EveryEventsKey} = {every}" : null,
                Contexts = o.Contexts,
                DeliverOrdersInFlightMax = o.InFlightMax ?? LedgerNodeOptions.DeliverOrdersInFlightMaxDefault,
            };
            var setup = Stopwatch.StartNew();
            var node = await LedgerNode.StartAsync(options, null, ct);
            RunFigures run;
            using var walWatch = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var wal = tempDir is null ? null : WalPeakAsync(Path.Combine(tempDir, StoreConfig.SqliteFileName), walWatch.Token);
            double? walAtEndMb = null, databaseMb = null;
            try
            {
                var plan = new Plan(o);
                await SetUpReferenceAsync(node.Ledger, plan, log, ct);
                setup.Stop();
                log.WriteLine($"reference data set up in {setup.Elapsed.TotalSeconds:0.0} s");
                await using var journal = JournalDb.Open(o.Store, connection);
                if (o.Warmup > 0)
                {
                    // JIT, shard and entity start-up, connection pools: not part of the measured run.
                    log.WriteLine($"warm-up: {o.Warmup:N0} DOs at {o.Rate:N0}/s (not measured)");
                    var warm = await DriveAsync(node.Ledger, journal, plan, plan.Orders("W", o.Warmup, 101 + o.Dos / o.Cusips), o with { Verify = false }, ct);
                    log.WriteLine($"warm-up: {warm.Completed:N0} completed, {warm.NeverCompleted.Count:N0} not");
                }
                run = await DriveAsync(node.Ledger, journal, plan, plan.Orders("", o.Dos, 100), o, ct);
                run = run with { SetupSeconds = setup.Elapsed.TotalSeconds };
                if (tempDir is not null)
                {
                    var db = Path.Combine(tempDir, StoreConfig.SqliteFileName);
                    walAtEndMb = FileMb(db + "-wal");
                    databaseMb = FileMb(db);
                }
            }
            finally
            {
                await node.DisposeAsync();
                await walWatch.CancelAsync();
            }
            var walPeakMb = wal is null ? (double?)null : await wal;
            if (walPeakMb is { } peak) log.WriteLine($"write-ahead log: peak {peak:N1} MB, {walAtEndMb:N1} MB at the end; database {databaseMb:N1} MB");

            RecoveryResult? recovery = null;
            if (o.Recovery) recovery = await RecoveryMeasure.MeasureAsync(options, log, ct);

            RawInsertResult? raw = null;
            if (o.RawInsert)
            {
                log.WriteLine("raw batched insert (node stopped, same store) ...");
                raw = await RawInsert.MeasureAsync(o.Store, connection, rows: 30_000, batch: 100, ct);
                log.WriteLine($"raw insert: {raw.RowsPerSecond:N0} rows/s ({raw.Settings})");
            }

            var loadAfter = Machine.LoadAverage();
            return run.ToReport(o, raw, loadBefore, loadAfter) with { WalPeakMb = walPeakMb, WalAtEndMb = walAtEndMb, DatabaseMb = databaseMb, Recovery = recovery };
        }
        finally
        {
            if (pg is not null) await pg.DisposeAsync();
            if (tempDir is not null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try { Directory.Delete(tempDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    private static double FileMb(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? info.Length / 1e6 : 0;
    }

    /// <summary>Samples the size of <paramref name="database"/>'s write-ahead log every 50 ms until cancelled; the largest seen, in MB.</summary>
    private static async Task<double> WalPeakAsync(string database, CancellationToken ct)
    {
        var peak = 0.0;
        try
        {
            while (true)
            {
                peak = Math.Max(peak, FileMb(database + "-wal"));
                await Task.Delay(50, ct);
            }
        }
        catch (OperationCanceledException)
        {
            return peak;
        }
    }

    /// <summary>Who delivers what: participants 1..n/2 lend (hold every CUSIP i with i % lenders == their index), the rest borrow.</summary>
    internal sealed class Plan
    {
        public Plan(LoadOptions o)
        {
            Options = o;
            Participants = Enumerable.Range(1, o.Participants).Select(i => new ParticipantId(i.ToString("D4", CultureInfo.InvariantCulture))).ToArray();
            Lenders = Participants[..(o.Participants / 2)];
            Borrowers = Participants[(o.Participants / 2)..];
            Cusips = Enumerable.Range(0, o.Cusips).Select(MakeCusip).ToArray();
            // realistic: one borrower in ten has a small cap, so some receives pend and recycle after SPPs.
            Tight = o.Mix == "realistic" ? Borrowers.Where((_, i) => i % 10 == 0).ToHashSet() : [];
        }

        public LoadOptions Options { get; }
        public ParticipantId[] Participants { get; }
        public ParticipantId[] Lenders { get; }
        public ParticipantId[] Borrowers { get; }
        public Cusip[] Cusips { get; }
        public HashSet<ParticipantId> Tight { get; }

        /// <summary>The cap of a small-cap borrower: about two loans.</summary>
        public static readonly Money TightCap = Money.FromDollars(1_000m);

        /// <summary>
        /// What a small-cap borrower pays in every <see cref="SppInterval"/>: 110 % of what it is
        /// expected to receive meanwhile (0.35 x rate loans/s of ~$530 and 0.15 x rate ordinary DOs/s
        /// of $50, shared by the borrowers), so its receives keep pending on the cap and recycling.
        /// </summary>
        public Money SppAmount
        {
            get
            {
                var perBorrowerPerSecond = (0.35m * Options.Rate * 530m + 0.15m * Options.Rate * 50m) / Borrowers.Length;
                return Money.FromDollars(decimal.Round(Math.Max(100m, 1.1m * (decimal)SppInterval.TotalSeconds * perBorrowerPerSecond), 2));
            }
        }

        public ParticipantId LenderOf(int cusipIndex) => Lenders[cusipIndex % Lenders.Length];

        public static Cusip MakeCusip(int i)
        {
            var first8 = "LDG" + i.ToString("D5", CultureInfo.InvariantCulture);
            return new Cusip(first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>
        /// The deliver orders in send order. A loan's two legs are adjacent (lender -> OCC, OCC -> borrower),
        /// with terms unique among loans (CUSIP k % cusips, shares 100 + k / cusips) so look-ahead pairs the intended legs.
        /// </summary>
        public List<DeliverOrderRequest> Orders(string prefix, int count, int sharesBase)
        {
            var o = Options;
            var list = new List<DeliverOrderRequest>(count + 1);
            var loan = 0;
            var plain = 0;
            var rng = new Random(42);
            while (list.Count < count)
            {
                var isLoan = o.Mix == "all-settle" || rng.NextDouble() < 0.7;
                if (isLoan && list.Count + 2 <= count)
                {
                    var k = loan++;
                    var c = k % Cusips.Length;
                    var shares = sharesBase + k / Cusips.Length;
                    var amount = shares * 5m;
                    var lender = LenderOf(c);
                    var borrower = Borrowers[(int)((k * 31L + c) % Borrowers.Length)];
                    var cusip = Cusips[c].Value;
                    list.Add(new DeliverOrderRequest($"{prefix}L{k}-a", lender.Value, Occ.Value, cusip, shares, amount, "LOAN"));
                    list.Add(new DeliverOrderRequest($"{prefix}L{k}-b", Occ.Value, borrower.Value, cusip, shares, amount, "LOAN"));
                }
                else
                {
                    var j = plain++;
                    var c = rng.Next(Cusips.Length);
                    var deliverer = LenderOf(c);
                    var receiver = rng.NextDouble() < 0.5
                        ? Borrowers[rng.Next(Borrowers.Length)]
                        : Lenders[(Array.IndexOf(Lenders, deliverer) + 1 + rng.Next(Lenders.Length - 1)) % Lenders.Length];
                    list.Add(new DeliverOrderRequest($"{prefix}D{j}", deliverer.Value, receiver.Value, Cusips[c].Value, 10, 50m, "TRADE"));
                }
            }
            return list;
        }
    }

    private static async Task SetUpReferenceAsync(ILedger ledger, Plan plan, TextWriter log, CancellationToken ct)
    {
        static void Ok(CommandResult r, string what)
        {
            if (!r.Ok) throw new InvalidOperationException($"{what}: {r.Error?.Message ?? r.Message ?? r.Rejection?.ToString()}");
        }

        // Securities before participants: listing a security fans out to every known account.
        foreach (var chunk in plan.Cusips.Chunk(100))
        {
            var results = await Task.WhenAll(chunk.Select(c => ledger.PutSecurityAsync(c, Price, Haircut, ct)));
            foreach (var r in results) Ok(r, "security");
        }
        Ok(await ledger.PutParticipantAsync(new ParticipantRecord(Occ, "OCC", Money.Zero, Money.Zero, MarketLoanProgram: true, CentralCounterparty: true), ct), "OCC");
        var participants = await Task.WhenAll(plan.Participants.Select(p => ledger.PutParticipantAsync(new ParticipantRecord(p, "Participant " + p.Value,
            plan.Tight.Contains(p) ? Plan.TightCap : Money.FromDollars(10_000_000_000m),
            Money.FromDollars(1_000_000_000m), MarketLoanProgram: true, CentralCounterparty: false), ct)));
        foreach (var r in participants) Ok(r, "participant");
        foreach (var chunk in Enumerable.Range(0, plan.Cusips.Length).Chunk(200))
        {
            var results = await Task.WhenAll(chunk.Select(c => ledger.DepositAsync(plan.LenderOf(c), plan.Cusips[c], DepositShares, ct)));
            foreach (var r in results) Ok(r, "deposit");
        }
        log.WriteLine($"reference: OCC + {plan.Participants.Length} participants ({plan.Tight.Count} with a small cap), {plan.Cusips.Length} CUSIPs, {plan.Cusips.Length} deposits");
    }

    internal sealed record RunFigures
    {
        public required double OfferedPerSecond { get; init; }
        public required double AchievedSendPerSecond { get; init; }
        public required double RunSeconds { get; init; }
        public required int Completed { get; init; }
        public required List<string> NeverCompleted { get; init; }
        public required int Rejected { get; init; }
        public required int Busy { get; init; }
        public required LongHistogram Latency { get; init; }
        public required LongHistogram Ack { get; init; }
        public required long Events { get; init; }
        public required Dictionary<string, long> ByAccount { get; init; }
        public required Dictionary<string, long> ByManifest { get; init; }
        public required int VerifiedCompleted { get; init; }
        public required Dictionary<string, int> VerifiedStatuses { get; init; }
        public required ProcessFigures Process { get; init; }
        public double SetupSeconds { get; init; }
        public required string StartedUtc { get; init; }

        public LoadReport ToReport(LoadOptions o, RawInsertResult? raw, string before, string after)
        {
            static double Ms(LongHistogram h, double p) => h.TotalCount == 0 ? double.NaN : h.GetValueAtPercentile(p) / 1000.0;
            return new LoadReport
            {
                Store = o.Store,
                Mix = o.Mix,
                Dos = o.Dos,
                OfferedPerSecond = OfferedPerSecond,
                AchievedSendPerSecond = AchievedSendPerSecond,
                CompletedPerSecond = RunSeconds > 0 ? Completed / RunSeconds : 0,
                Completed = Completed,
                NeverCompleted = NeverCompleted.Count,
                NeverCompletedSample = NeverCompleted.Take(20).ToList(),
                Rejected = Rejected,
                Busy = Busy,
                P50Ms = Ms(Latency, 50),
                P90Ms = Ms(Latency, 90),
                P99Ms = Ms(Latency, 99),
                P999Ms = Ms(Latency, 99.9),
                MaxMs = Latency.TotalCount == 0 ? double.NaN : Latency.GetMaxValue() / 1000.0,
                AckP50Ms = Ms(Ack, 50),
                AckP99Ms = Ms(Ack, 99),
                RunSeconds = RunSeconds,
                LedgerEvents = Events,
                EventsPerSecond = RunSeconds > 0 ? Events / RunSeconds : 0,
                EventsPerDo = Completed > 0 ? (double)Events / Completed : 0,
                RawInsert = raw,
                EventsByAccount = ByAccount,
                EventsByManifest = ByManifest,
                VerifiedCompleted = VerifiedCompleted,
                VerifiedStatuses = VerifiedStatuses,
                Process = Process with { SetupSeconds = SetupSeconds },
                Machine = Machine.Describe(),
                LoadAverageBefore = before,
                LoadAverageAfter = after,
                StartedUtc = StartedUtc,
            };
        }
    }

    private static async Task<RunFigures> DriveAsync(ILedger ledger, JournalDb journal, Plan plan, List<DeliverOrderRequest> orders, LoadOptions o, CancellationToken ct)
    {
        var log = o.Log;
        // Intended send time of each DO, in Stopwatch ticks from the run's start; completion time likewise.
        var intended = new long[orders.Count];
        var index = new Dictionary<string, int>(orders.Count, StringComparer.Ordinal);
        for (var i = 0; i < orders.Count; i++) index[orders[i].Id!] = i;
        var done = new bool[orders.Count];
        var outstanding = orders.Count;
        var latency = new LongHistogram(TimeSpan.FromHours(1).Ticks / 10, 3); // microseconds
        var ack = new LongHistogram(TimeSpan.FromHours(1).Ticks / 10, 3);
        var ackLock = new object();
        var rejected = 0;
        var busy = 0;
        var refusedAtDoor = 0;
        var sentAgain = 0;
        var paymentsUnanswered = 0;
        var firstRejection = (string?)null;

        var startOrdering = await journal.MaxOrderingAsync(ct);
        var gc0 = GC.CollectionCount(0);
        var gc1 = GC.CollectionCount(1);
        var gc2 = GC.CollectionCount(2);
        var pause0 = GC.GetTotalPauseDuration();
        var alloc0 = GC.GetTotalAllocatedBytes();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var startedUtc = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        long ToMicros(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long lastCompletionTicks = 0;

        // The tail: reads completion events from the journal as they become durable, each row once.
        var tail = Task.Run(async () =>
        {
            var seen = new HashSet<long>();
            var contiguous = startOrdering; // every ordering <= this has been read
            var gapSince = TimeSpan.Zero;
            while (Volatile.Read(ref outstanding) > 0 && !stop.IsCancellationRequested)
            {
                var rows = await journal.RowsSinceAsync(contiguous, stop.Token);
                var now = clock.ElapsedTicks;
                foreach (var row in rows)
                {
                    if (!seen.Add(row.Ordering) || row.Payload is null) continue;
                    foreach (var id in CompletedIds(row.Manifest, row.Payload))
                    {
                        if (!index.TryGetValue(id, out var i) || done[i]) continue;
                        var sent = Volatile.Read(ref intended[i]);
                        if (sent == 0) continue; // cannot happen: completed before it was sent
                        done[i] = true;
                        latency.RecordValue(Math.Max(0, ToMicros(now - sent)));
                        lastCompletionTicks = now;
                        Interlocked.Decrement(ref outstanding);
                    }
                }
                var before = contiguous;
                while (seen.Remove(contiguous + 1)) contiguous++;
                if (seen.Count == 0 || contiguous != before) gapSince = clock.Elapsed;
                else if (clock.Elapsed - gapSince > JournalDb.GapPatience)
                {
                    // A gap that never fills (a rolled-back insert): step over it.
                    contiguous = seen.Min() - 1;
                    gapSince = clock.Elapsed;
                }
                await Task.Delay(5, stop.Token).ConfigureAwait(false);
            }
        }, stop.Token);

        // Settlement progress payments for the small-cap borrowers (realistic mix).
        var spp = plan.Tight.Count == 0 ? Task.CompletedTask : Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && Volatile.Read(ref outstanding) > 0)
            {
                await Task.Delay(SppInterval, stop.Token).ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(plan.Tight.Select(p => ledger.SettlementProgressPaymentAsync(p, plan.SppAmount, stop.Token)));
                }
                catch (Exception e) when (e is TimeoutException or Akka.Actor.AskTimeoutException or LedgerBusyException)
                {
                    // A payment not answered in time under load: pay again next round; stopping here
                    // would leave every receive pending on a cap for good.
                    Interlocked.Increment(ref paymentsUnanswered);
                }
            }
        }, stop.Token);

        // The sender: every tick, everything whose intended time has come, in one SubmitAsync call.
        var submits = new List<Task>();
        var ticksPerDo = (double)Stopwatch.Frequency / o.Rate;
        var next = 0;
        while (next < orders.Count)
        {
            var now = clock.ElapsedTicks;
            var due = Math.Min(orders.Count, (int)(now / ticksPerDo) + 1);
            if (due > next)
            {
                // Keep a loan's legs together in a batch.
                if (due < orders.Count && orders[due - 1].Id!.EndsWith("-a", StringComparison.Ordinal)) due++;
                var batch = orders.GetRange(next, due - next);
                for (var i = next; i < due; i++) Volatile.Write(ref intended[i], Math.Max(1, (long)(i * ticksPerDo)));
                var firstIntended = intended[next];
                next = due;
                submits.Add(Task.Run(async () =>
                {
                    try
                    {
                        var results = await ledger.SubmitAsync(batch, ct);
                        var t = clock.ElapsedTicks;
                        lock (ackLock) ack.RecordValue(Math.Max(0, ToMicros(t - firstIntended)));
                        var pause = LoadOptions.ResendPause;
                        while (true)
                        {
                            var again = new List<DeliverOrderRequest>();
                            for (var k = 0; k < results.Count; k++)
                            {
                                var r = results[k];
                                if (r.Accepted) continue;
                                if (r.Error?.Rule == EntryRejection.DeliverOrdersInFlightMax)
                                {
                                    Interlocked.Increment(ref refusedAtDoor);
                                    if (o.ResendRefused)
                                    {
                                        again.Add(batch[k]);
                                        continue;
                                    }
                                }
                                Interlocked.Increment(ref rejected);
                                Interlocked.CompareExchange(ref firstRejection, $"{r.Id}: {r.Error?.Field} {r.Error?.Message}", null);
                            }
                            if (again.Count == 0) break;
                            // Nothing of these was taken: the same items again, in their order, once the node has room.
                            await Task.Delay(pause, ct);
                            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LoadOptions.ResendPauseMax.Ticks));
                            Interlocked.Add(ref sentAgain, again.Count);
                            batch = again;
                            results = await ledger.SubmitAsync(batch, ct);
                        }
                    }
                    catch (LedgerBusyException)
                    {
                        Interlocked.Add(ref busy, batch.Count);
                    }
                    catch (Exception e) when (e is TimeoutException or Akka.Actor.AskTimeoutException)
                    {
                        Interlocked.Add(ref busy, batch.Count);
                    }
                }, ct));
            }
            var wait = TimeSpan.FromTicks(Math.Max(0, (long)(next * ticksPerDo) - clock.ElapsedTicks) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            await Task.Delay(wait < Tick ? wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1) : Tick, ct);
        }
        var sendSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine($"sent {orders.Count:N0} DOs in {sendSeconds:0.00} s (offered {o.Rate:N0}/s); waiting for completions ...");

        var deadline = clock.Elapsed + o.Drain;
        var lastReport = clock.Elapsed;
        while (Volatile.Read(ref outstanding) > 0 && clock.Elapsed < deadline && !tail.IsCompleted)
        {
            await Task.Delay(50, ct);
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(5))
            {
                lastReport = clock.Elapsed;
                log.WriteLine($"  {clock.Elapsed.TotalSeconds:0} s: {orders.Count - Volatile.Read(ref outstanding):N0} completed, {Volatile.Read(ref outstanding):N0} outstanding");
            }
        }
        await stop.CancelAsync();
        try { await tail; } catch (OperationCanceledException) { }
        try { await spp; } catch (OperationCanceledException) { }
        await Task.WhenAll(submits);
        if (firstRejection is not null) log.WriteLine($"first rejection: {firstRejection}");

        var runSeconds = (lastCompletionTicks > 0 ? lastCompletionTicks : clock.ElapsedTicks) / (double)Stopwatch.Frequency;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var process = new ProcessFigures(cpu.TotalSeconds, runSeconds, cpu.TotalSeconds / runSeconds / Environment.ProcessorCount,
            GC.CollectionCount(0) - gc0, GC.CollectionCount(1) - gc1, GC.CollectionCount(2) - gc2,
            (GC.GetTotalPauseDuration() - pause0).TotalMilliseconds, (GC.GetTotalAllocatedBytes() - alloc0) / 1e6, 0,
            // The whole process's peak (node and driver together) since it started, set-up included.
            Process.GetCurrentProcess().PeakWorkingSet64 / 1e6);

        var (events, byAccount, byManifest) = await journal.CountSinceAsync(startOrdering, ct);
        var never = Enumerable.Range(0, orders.Count).Where(i => !done[i]).Select(i => orders[i].Id!).ToList();
        log.WriteLine($"completed {orders.Count - never.Count:N0}, never completed {never.Count:N0}, rejected {rejected}, busy/timeouts {busy}; settlement progress payment rounds unanswered in time {paymentsUnanswered}");
        log.WriteLine($"refused at the door (deliver-orders-in-flight-max, limit {o.InFlightMax ?? LedgerNodeOptions.DeliverOrdersInFlightMaxDefault:N0}): {refusedAtDoor:N0} answers" +
            (o.ResendRefused ? $", {sentAgain:N0} items sent again" : ", not sent again (--resend-refused sends them again)"));

        var verified = 0;
        var statuses = new ConcurrentDictionary<string, int>();
        if (o.Verify)
        {
            var gate = new SemaphoreSlim(32);
            await Task.WhenAll(orders.Select(async r =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    var view = await ledger.DeliverOrderAsync(new DeliverOrderId(r.Id!), ct);
                    var status = view?.Status ?? "unknown";
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (status == "completed") Interlocked.Increment(ref verified);
                }
                finally
                {
                    gate.Release();
                }
            }));
            log.WriteLine($"verified through DeliverOrderAsync: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value:N0}"))}");
        }

        return new RunFigures
        {
            OfferedPerSecond = o.Rate,
            AchievedSendPerSecond = orders.Count / sendSeconds,
            RunSeconds = runSeconds,
            Completed = orders.Count - never.Count,
            NeverCompleted = never,
            Rejected = rejected,
            Busy = busy,
            Latency = latency,
            Ack = ack,
            Events = events,
            ByAccount = byAccount,
            ByManifest = byManifest,
            VerifiedCompleted = verified,
            VerifiedStatuses = new Dictionary<string, int>(statuses),
            Process = process,
            StartedUtc = startedUtc.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// The deliver orders an event completes, as <see cref="DeliverOrderViews.Combine(Delivery, Receive?)"/> counts
    /// completion: the receiver's ReceiveCompleted, a look-ahead pair's LookAheadCompleted (both legs),
    /// and the deliverer's DeliveryCompleted (whichever the driver sees first).
    /// </summary>
    internal static IEnumerable<string> CompletedIds(string manifest, byte[] payload)
    {
        switch (Upcast.ToCurrent(LedgerSerializer.FromUtf8Json(payload, manifest)))
        {
            case ReceiveCompleted r: yield return r.Order.Id; break;
            case LookAheadCompleted l: yield return l.ReceiveId; yield return l.DeliveryId; break;
            case DeliveryCompleted d: yield return d.DeliverOrderId; break;
        }
    }
}
