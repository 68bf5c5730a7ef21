using System.Diagnostics;
using Ledger.Journal;
using Ledger.Settlement;

namespace Ledger.Benchmarks;

/// <summary>
/// What a snapshot of OCC's account costs and what recovering from one costs, away from the store
/// and the actor system (<c>snapshot [LOANS]</c>): a day of Market Loans settled on the in-memory
/// ledger (the same deciders), then OCC's state taken to a snapshot (the actor's stall when it
/// saves one), serialized (the snapshot store's thread), read back and restored (what the actor
/// does at recovery before the events after the snapshot), beside replaying OCC's whole journal.
/// </summary>
public static class SnapshotBenchmark
{
    public static int Run(int loans, string? saveTo = null)
    {
        var at = new DateTimeOffset(2025, 1, 2, 14, 0, 0, TimeSpan.Zero);
        var ledger = new InMemoryLedger(new DateOnly(2025, 1, 2), at);
        var occ = new ParticipantId("0900");
        const int cusips = 1_000;
        for (var c = 0; c < cusips; c++) Ok(ledger.List(CusipOf(c), Money.FromDollars(10m), 0.1m, at));
        Ok(ledger.Configure(new ParticipantRecord(occ, "OCC", Money.Zero, Money.Zero, true, true), at));
        for (var p = 1; p <= 100; p++)
        {
            Ok(ledger.Configure(new ParticipantRecord(new ParticipantId($"{p:0000}"), $"P{p}", Money.FromDollars(10_000_000_000m), Money.FromDollars(1_000_000_000m), true, false), at));
        }
        for (var c = 0; c < cusips; c++) Ok(ledger.Deposit(new ParticipantId($"{c % 50 + 1:0000}"), CusipOf(c), 1_000_000_000, at));

        var built = Stopwatch.StartNew();
        for (var k = 0; k < loans; k++)
        {
            var cusip = CusipOf(k % cusips).Value;
            var lender = $"{k % cusips % 50 + 1:0000}";
            var borrower = $"{51 + k % 50:0000}";
            var shares = 100 + k / cusips;
            var amount = shares * 5m;
            Accepted(ledger.Submit(new DeliverOrderRequest($"L{k}-a", lender, occ.Value, cusip, shares, amount, "LOAN"), at));
            Accepted(ledger.Submit(new DeliverOrderRequest($"L{k}-b", occ.Value, borrower, cusip, shares, amount, "LOAN"), at));
            if (k % 500 == 499) ledger.DeliverAll();
        }
        ledger.DeliverAll();
        built.Stop();
        var journal = ledger.Journal(occ);
        Console.WriteLine($"{loans:N0} Market Loans settled in memory in {built.Elapsed.TotalSeconds:0.0} s; OCC's journal {journal.Count:N0} events");

        // OCC's whole journal replayed (what recovery without a snapshot applies), with its explain index.
        var replay = Stopwatch.StartNew();
        var state = new AccountState(occ);
        var index = new DeliverOrderEventIndex();
        for (var i = 0; i < journal.Count; i++)
        {
            state.Apply(journal[i]);
            index.Record(i + 1, journal[i]);
        }
        replay.Stop();
        Console.WriteLine($"whole journal applied (no store, no hash check): {replay.Elapsed.TotalSeconds:0.00} s = {journal.Count / replay.Elapsed.TotalSeconds:N0} events/s; " +
            $"{state.Deliveries.Count:N0} deliveries, {state.Receives.Count:N0} receives, {index.Count:N0} deliver orders indexed");

        for (var run = 1; run <= 2; run++)
        {
            var take = Stopwatch.StartNew();
            var snapshot = new EntitySnapshot("chain", new AccountSnapshotState(state.ToSnapshot(), index.ToSnapshot()));
            take.Stop();
            var write = Stopwatch.StartNew();
            var bytes = SnapshotSerializer.ToBytes(snapshot);
            write.Stop();
            var (recovered, recoveredIndex, read, restore) = ReadBack(bytes);
            if (recovered.Deliveries.Count != state.Deliveries.Count || recovered.SettlementBalance != state.SettlementBalance || recoveredIndex.Count != index.Count)
                throw new InvalidOperationException("the restored state differs");
            if (saveTo is not null && run == 1) File.WriteAllBytes(saveTo, bytes);
            Console.WriteLine($"run {run}: snapshot taken (actor's stall) {take.Elapsed.TotalMilliseconds:N0} ms; serialized {write.Elapsed.TotalMilliseconds:N0} ms, " +
                $"{bytes.Length / 1e6:N1} MB; read back {read.TotalMilliseconds:N0} ms; restored {restore.TotalMilliseconds:N0} ms; " +
                $"read + restore {(read + restore).TotalMilliseconds:N0} ms");
        }
        Console.WriteLine($"load average {Machine.LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// <c>snapshot-read FILE [RUNS]</c>: reads back and restores a snapshot saved by
    /// <c>snapshot LOANS --save FILE</c>, RUNS times, without settling the day again (to profile
    /// the recovery path alone).
    /// </summary>
    public static int ReadRuns(string file, int runs)
    {
        var bytes = File.ReadAllBytes(file);
        for (var run = 1; run <= runs; run++)
        {
            var (recovered, recoveredIndex, read, restore) = ReadBack(bytes);
            Console.WriteLine($"run {run}: {bytes.Length / 1e6:N1} MB, {recovered.Deliveries.Count:N0} deliveries, {recovered.Receives.Count:N0} receives, {recoveredIndex.Count:N0} indexed; " +
                $"read back {read.TotalMilliseconds:N0} ms; restored {restore.TotalMilliseconds:N0} ms; read + restore {(read + restore).TotalMilliseconds:N0} ms");
        }
        Console.WriteLine($"load average {Machine.LoadAverage()}");
        return 0;
    }

    /// <summary>What an account does at recovery with its snapshot's payload: deserialize it (read back), then rebuild live state (restore).</summary>
    private static (AccountState State, DeliverOrderEventIndex Index, TimeSpan Read, TimeSpan Restore) ReadBack(byte[] bytes)
    {
        var read = Stopwatch.StartNew();
        var back = (AccountSnapshotState)SnapshotSerializer.FromBytes(bytes, SnapshotSerializer.AccountManifest).State;
        read.Stop();
        var restore = Stopwatch.StartNew();
        var (state, index) = back.Restore(null);
        restore.Stop();
        return (state, index, read.Elapsed, restore.Elapsed);
    }

    private static Cusip CusipOf(int n)
    {
        var first8 = "LDG" + n.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        return new Cusip(first8 + Cusip.CheckDigit(first8));
    }

    private static void Ok(InMemoryLedger.Outcome outcome)
    {
        if (!outcome.Ok) throw new InvalidOperationException(outcome.Message);
    }

    private static void Accepted(InMemoryLedger.Submission submission)
    {
        if (!submission.Accepted) throw new InvalidOperationException($"{submission.Id}: {submission.Error}");
    }
}
