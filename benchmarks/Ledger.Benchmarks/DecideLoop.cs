using System.Diagnostics;
using System.Globalization;
using Ledger.Settlement;

namespace Ledger.Benchmarks;

/// <summary>
/// The three decide + evolve steps of one deliver order (as MicroBenchmarks.DecideEvolveFullDo),
/// run in rounds long enough for the JIT to reach its final code: BenchmarkDotNet's short in-process
/// job measures three invocations of 10,000 DOs, much of it before tiered compilation finishes.
/// Each round starts from new accounts, as the micro benchmark's iteration setup does, so the
/// accounts' records grow within a round as they do over a day. Also the loop to profile with perf.
/// </summary>
public static class DecideLoop
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 14, 30, 0, TimeSpan.Zero);
    private static readonly SecurityTerms Terms = new(Money.FromDollars(10m), 0.1m, 1);
    private static readonly Cusip Cusip = LoadDriver.Plan.MakeCusip(1);
    private static readonly ParticipantId D = new("0001");
    private static readonly ParticipantId R = new("0002");

    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var dosPerRound = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var nanosecondsPerDo = new List<double>();
        var bytesPerDo = new List<double>();
        var gcPauseShares = new List<double>();
        var cpuNanosecondsPerDo = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            var deliverer = MicroBenchmarks.Account(D);
            AccountDecider.Decide(deliverer, new DepositShares(Cusip, 1_000_000_000, Terms, At));
            var receiver = MicroBenchmarks.Account(R);
            var orders = new DeliverOrder[dosPerRound];
            for (var i = 0; i < orders.Length; i++)
                orders[i] = new DeliverOrder(new DeliverOrderId("DO" + i.ToString(CultureInfo.InvariantCulture)), D, R, Cusip, 100, Money.FromDollars(500m), "TRADE");

            // The orders and accounts made above are promoted now, not by the first collections of the timed loop.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
            var events = 0;
            var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            var pauseBefore = GC.GetTotalPauseDuration();
            var collectionsBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            foreach (var order in orders)
            {
                events += AccountDecider.Decide(deliverer, new SubmitDelivery(order, Terms, At)).Events.Count;
                events += AccountDecider.Decide(receiver, new RequestReceive(order, Terms, false, At)).Events.Count;
                events += AccountDecider.Decide(deliverer, new ReportReceiveOutcome(order.Id, R, ReceiveStage.Completed, CompletedBy.Direct, null, At)).Events.Count;
            }
            clock.Stop();
            process.Refresh();
            // CPU time of the whole process (the GC's background thread included): on a shared
            // machine the wall clock also counts the time other processes held the core.
            cpuNanosecondsPerDo.Add((process.TotalProcessorTime - cpuBefore).TotalNanoseconds / dosPerRound);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
            var pause = GC.GetTotalPauseDuration() - pauseBefore;
            var collections = (GC.CollectionCount(0) - collectionsBefore.Item1, GC.CollectionCount(1) - collectionsBefore.Item2, GC.CollectionCount(2) - collectionsBefore.Item3);
            // What the accounts keep of each DO (its records), which every collection must trace and copy.
            var retainedBytes = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            GC.KeepAlive(deliverer);
            GC.KeepAlive(receiver);
            if (events != 3 * dosPerRound) throw new InvalidOperationException($"expected {3 * dosPerRound} events, decided {events}");
            nanosecondsPerDo.Add(clock.Elapsed.TotalNanoseconds / dosPerRound);
            bytesPerDo.Add((double)bytes / dosPerRound);
            gcPauseShares.Add(pause / clock.Elapsed);
            Console.WriteLine(FormattableString.Invariant(
                $"round {round + 1,3}: {nanosecondsPerDo[^1],8:F0} ns/DO  CPU {cpuNanosecondsPerDo[^1],6:F0} ns/DO  {bytesPerDo[^1],7:F0} B/DO allocated, {(double)retainedBytes / dosPerRound,5:F0} B/DO kept  GC paused {gcPauseShares[^1],4:P0} (collections gen0/1/2 {collections.Item1}/{collections.Item2}/{collections.Item3})"));
        }
        // The first half is warm-up (tiered compilation); the figure is the median of the rest.
        var steady = nanosecondsPerDo.Skip(rounds / 2).Order().ToList();
        var steadyBytes = bytesPerDo.Skip(rounds / 2).Order().ToList();
        var median = steady[steady.Count / 2];
        var steadyPauses = gcPauseShares.Skip(rounds / 2).Order().ToList();
        var steadyCpu = cpuNanosecondsPerDo.Skip(rounds / 2).Order().ToList();
        Console.WriteLine(FormattableString.Invariant(
            $"decide + evolve, full DO: median {median:F0} ns/DO ({1e9 / median:F0} DOs/s), best {steady[0]:F0} ns/DO, CPU median {steadyCpu[steadyCpu.Count / 2]:F0} ns/DO, {steadyBytes[steadyBytes.Count / 2]:F0} B/DO, GC paused {steadyPauses[steadyPauses.Count / 2]:P0} of the time, over rounds {rounds / 2 + 1}-{rounds} of {dosPerRound:N0} DOs"));
        return 0;
    }
}
