using System.Diagnostics;
using System.Globalization;
using Ledger.Cluster;
using Ledger.Cluster.Explain;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// How long an explanation takes, and what it reads, as OCC's journal grows: for each size, a real
/// node on SQLite whose OCC account holds that many events (one completed receive each, of as many
/// other deliver orders, bulk-inserted with the node stopped and chained as the node chains them; the
/// node then recovers them), 50 Market Loans through it, and then each loan's borrower leg explained
/// through the node's gateway (what <c>GET /v1/deliver-orders/{id}/explanation</c> calls) to risk, to
/// the borrower, and refused to a participant that is not a party, for an id that exists and one that
/// does not. The whole-journal read of <c>ledger explain</c> is timed beside it.
/// </summary>
public static class ExplainBenchmark
{
    private const string Occ = "0900", Lender = "0001", Borrower = "0002", Bystander = "0003";
    private const int Loans = 50;
    private const int Rounds = 4;

    public static async Task<int> RunAsync(IReadOnlyList<int> sizes)
    {
        Console.WriteLine($"explain benchmark: {Machine.CpuModel()}, {Environment.ProcessorCount} cores, {Machine.Describe().Dotnet}; load average {Machine.LoadAverage()}");
        Console.WriteLine("| OCC journal (events) | recovery of OCC | explained to risk: p50 / p99 / max | rows read each | to the borrower: p50 / p99 | 403, known id: p50 / p99 | 403, unknown id: p50 / p99 | allocated per explanation | `ledger explain` (whole journals) | rows it reads | GC heap after recovery |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var size in sizes) await RunOne(size);
        Console.WriteLine();
        IndexMemory(sizes.Max());
        return 0;
    }

    private static async Task RunOne(int fillEvents)
    {
        var folder = Directory.CreateTempSubdirectory("ledger-explain-bench-").FullName;
        try
        {
            var options = new LedgerNodeOptions { DataDir = folder, RecycleCutoffLocalTime = null, AskTimeout = TimeSpan.FromMinutes(10) };
            var apple = new Cusip("037833100");
            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var ledger = node.Ledger;
                await Put(ledger, Occ, 0m, 0m, marketLoan: false, ccp: true);
                await Put(ledger, Lender, 1_000_000_000m, 1_000_000_000m, marketLoan: true, ccp: false);
                await Put(ledger, Borrower, 1_000_000_000m, 1_000_000_000m, marketLoan: true, ccp: false);
                await Put(ledger, Bystander, 1_000_000_000m, 1_000_000_000m, marketLoan: true, ccp: false);
                Check((await ledger.PutSecurityAsync(apple, Money.FromDollars(100m), 0.1m, default)).Ok, "listing");
                Check((await ledger.DepositAsync(new ParticipantId(Lender), apple, 10_000_000, default)).Ok, "deposit");
            }

            Fill(folder, fillEvents);

            var started = Stopwatch.StartNew();
            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var occ = await node.Ledger.AccountAsync(new ParticipantId(Occ), default);
                var recovery = started.Elapsed;
                var heapMb = GC.GetTotalMemory(forceFullCollection: true) / 1_048_576.0;

                var borrowerLegs = new List<DeliverOrderId>();
                for (var k = 0; k < Loans; k++)
                {
                    var shares = 100 + k;
                    var legs = await node.Ledger.SubmitAsync([
                        new DeliverOrderRequest($"L-{k}", Lender, Occ, apple.Value, shares, shares * 100m, "ML"),
                        new DeliverOrderRequest($"B-{k}", Occ, Borrower, apple.Value, shares, shares * 100m, "ML"),
                    ], default);
                    Check(legs.All(l => l.Accepted), $"loan {k}: {string.Join("; ", legs.Select(l => l.Error?.Message))}");
                    borrowerLegs.Add(new DeliverOrderId($"B-{k}"));
                }
                foreach (var id in borrowerLegs.Concat(borrowerLegs.Select(b => new DeliverOrderId("L" + b.Value[1..]))))
                {
                    for (var wait = Stopwatch.StartNew(); (await node.Ledger.DeliverOrderAsync(id, default))?.Status != "completed"; await Task.Delay(20))
                        Check(wait.Elapsed < TimeSpan.FromMinutes(2), $"{id} did not complete");
                }

                var table = node.JournalTable!;
                var explainer = node.Explainer;
                var unknownIds = borrowerLegs.Select(b => new DeliverOrderId("NO-" + b.Value)).ToList();
                // Warm-up: JIT, the first connections, and every index bucket these ids fall in started, as on a node that has served a while.
                foreach (var id in borrowerLegs)
                {
                    await explainer.ExplainAsync(id, null, default);
                    await explainer.ExplainAsync(id, new ParticipantId(Borrower), default);
                    await explainer.ExplainAsync(id, new ParticipantId(Bystander), default);
                }
                foreach (var id in unknownIds) await explainer.ExplainAsync(id, new ParticipantId(Bystander), default);

                var rowsBefore = table.RowsRead;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var toRisk = await Time(borrowerLegs, id => explainer.ExplainAsync(id, null, default), ExplainOutcome.Explained);
                var allocatedEach = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)toRisk.Count;
                var rowsEach = (table.RowsRead - rowsBefore) / (double)toRisk.Count;
                var toBorrower = await Time(borrowerLegs, id => explainer.ExplainAsync(id, new ParticipantId(Borrower), default), ExplainOutcome.Explained);
                // Refused participants, a known id and an unknown one taken in turn, so that neither runs in the other's quieter moment.
                rowsBefore = table.RowsRead;
                var refusedKnown = new List<double>();
                var refusedUnknown = new List<double>();
                for (var round = 0; round < Rounds; round++)
                {
                    for (var k = 0; k < borrowerLegs.Count; k++)
                    {
                        refusedKnown.Add((await Time([borrowerLegs[k]], id => explainer.ExplainAsync(id, new ParticipantId(Bystander), default), ExplainOutcome.NotAParty, rounds: 1))[0]);
                        refusedUnknown.Add((await Time([unknownIds[k]], id => explainer.ExplainAsync(id, new ParticipantId(Bystander), default), ExplainOutcome.Unknown, rounds: 1))[0]);
                    }
                }
                Check(table.RowsRead == rowsBefore, "a refused participant's request read journal rows");

                // `ledger explain`: the same explanation from whole journals (two runs: the first pays for JIT and the page cache).
                var whole = JournalTable.Of(new StoreSettings(StoreConfig.Sqlite, null, folder));
                var wholeTimes = new List<double>();
                long wholeRows = 0;
                for (var run = 0; run < 2; run++)
                {
                    var before = whole.RowsRead;
                    var clock = Stopwatch.StartNew();
                    var x = await ExplainReader.ExplainAsync(whole, borrowerLegs[0], default);
                    wholeTimes.Add(clock.Elapsed.TotalMilliseconds);
                    wholeRows = whole.RowsRead - before;
                    var byKey = await explainer.ExplainAsync(borrowerLegs[0], null, default);
                    Check(System.Text.Json.JsonSerializer.Serialize(x) == System.Text.Json.JsonSerializer.Serialize(byKey.Explanation), "the keyed and the whole-journal explanations differ");
                }

                var occEvents = await AccountReplay.HighestSequenceNrAsync(table, new ParticipantId(Occ), default);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {occEvents:N0} | {recovery.TotalSeconds:0.0} s (view version {occ!.Version:N0}) | {P(toRisk, 50)} / {P(toRisk, 99)} / {toRisk.Max():0.00} ms | {rowsEach:0.0} | {P(toBorrower, 50)} / {P(toBorrower, 99)} ms | {P(refusedKnown, 50)} / {P(refusedKnown, 99)} ms | {P(refusedUnknown, 50)} / {P(refusedUnknown, 99)} ms | {allocatedEach / 1024:N0} KB | {wholeTimes[0]:N0} ms, then {wholeTimes[1]:N0} ms | {wholeRows:N0} | {heapMb:N0} MB |"));
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Memory of one account's event index alone, for a day of <paramref name="deliverOrders"/> deliver orders at one account (three events each, as OCC's legs have).</summary>
    private static void IndexMemory(int deliverOrders)
    {
        var ids = Enumerable.Range(0, deliverOrders).Select(i => "D20261208-" + i.ToString("D7", CultureInfo.InvariantCulture) + "-L").ToArray();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var index = new DeliverOrderEventIndex();
        index.Record(1, new ParticipantConfigured("OCC", 0, 0, false, true, "2026-12-08", DateTimeOffset.UnixEpoch));
        long sequenceNr = 1;
        var at = DateTimeOffset.UnixEpoch;
        foreach (var id in ids)
        {
            index.Record(++sequenceNr, new DeliveryCompleted(id, "look-ahead", at));
            index.Record(++sequenceNr, new DeliveryCancelRequested(id, at));
            index.Record(++sequenceNr, new DeliveryCancelled(id, at));
        }
        var recorded = clock.Elapsed;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(index);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"event index alone: {index.Count:N0} deliver orders x 3 events = {(after - before) / 1_048_576.0:N0} MB, {(after - before) / (double)deliverOrders:N0} bytes a deliver order (its id's string is shared with the account's state in a node, not counted here: the ids were made before); recorded in {recorded.TotalMilliseconds:N0} ms = {recorded.TotalMilliseconds * 1_000_000 / (3.0 * deliverOrders):N0} ns an event"));
    }

    private static async Task<List<double>> Time(IReadOnlyList<DeliverOrderId> ids, Func<DeliverOrderId, Task<ExplainResult>> explain, ExplainOutcome expected,
        int rounds = Rounds)
    {
        var times = new List<double>(ids.Count * rounds);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var id in ids)
            {
                var clock = Stopwatch.StartNew();
                var result = await explain(id);
                times.Add(clock.Elapsed.TotalMilliseconds);
                Check(result.Outcome == expected, $"{id}: {result.Outcome}, expected {expected}");
            }
        }
        return times;
    }

    private static string P(List<double> times, int percentile)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)].ToString("0.000", CultureInfo.InvariantCulture);
    }

    private static async Task Put(ILedger ledger, string id, decimal cap, decimal fund, bool marketLoan, bool ccp)
    {
        var result = await ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(id), "Participant " + id, Money.FromDollars(cap), Money.FromDollars(fund), marketLoan, ccp), default);
        Check(result.Ok, result.Message ?? "participant refused");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }

    /// <summary>
    /// Appends <paramref name="events"/> completed receives of other (free, one-share) deliver orders
    /// to OCC's journal, chained on from its last event: each one a deliver order its event index and
    /// its state will hold, as a day's loan legs do.
    /// </summary>
    private static void Fill(string folder, int events)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        var persistenceId = AccountReplay.PersistenceIdOf(new ParticipantId(Occ));
        long sequenceNr;
        string chain;
        using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1";
            last.Parameters.AddWithValue("$p", persistenceId);
            using var reader = last.ExecuteReader();
            Check(reader.Read(), "OCC has no journal");
            sequenceNr = reader.GetInt64(0);
            chain = ((AccountEvent)LedgerSerializer.FromUtf8Json((byte[])reader[1], reader.GetString(2))).Chain ?? EventChain.Genesis;
        }
        var first8 = "FIL00001";
        var cusip = first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
        var terms = new TermsData(100_00, 0.1m, 1);
        var inputs = new CheckInputs(0, 0, 0, 0, 0, CollateralMonitorBypassed: true, "passed");
        var at = DateTimeOffset.UtcNow;
        const int perTransaction = 20_000;
        for (var written = 0; written < events;)
        {
            using var tx = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
                VALUES ($created, 0, $p, $seq, $message, NULL, $manifest, 4180, 'explain-benchmark')
                """;
            var created = insert.Parameters.Add("$created", SqliteType.Integer);
            insert.Parameters.AddWithValue("$p", persistenceId);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var message = insert.Parameters.Add("$message", SqliteType.Blob);
            var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
            for (var k = 0; k < perTransaction && written < events; k++, written++)
            {
                var order = new DeliverOrderData("FILL-" + written.ToString("D8", CultureInfo.InvariantCulture), Lender, Occ, cusip, 1, 0, "FILL");
                AccountEvent e = EventChain.Seal(chain, new ReceiveCompleted(order, terms, "direct", inputs, at));
                chain = e.Chain!;
                created.Value = at.UtcTicks;
                seq.Value = ++sequenceNr;
                message.Value = LedgerSerializer.ToUtf8Json(e);
                manifest.Value = LedgerSerializer.ManifestFor(e.GetType());
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }
}
