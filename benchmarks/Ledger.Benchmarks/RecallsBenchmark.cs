using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ledger.Cluster;
using Ledger.Journal;
using Ledger.Recalls;

namespace Ledger.Benchmarks;

/// <summary>
/// The recall hub, durable, on embedded SQLite: a real node in this process, its subscribers
/// registered, then MT 526 recalls sent through the hub's gateway exactly as
/// <c>POST /v1/recall-hub/messages</c> sends them (the registry read, the checks, the sender's
/// mailbox, the receiver's, the confirmation back: an answer means the message is journaled in the
/// receiver's mailbox and the acknowledgement in the sender's), many in flight; then every receiver
/// retrieves its messages (<c>.../retrieve</c>: the retrieval journaled before the answer), timed one
/// by one; then the wait for every retrieval receipt. The store's raw batched-insert rate is measured
/// in the same run, with the node stopped. HTTP itself is not in the path (as in <c>load</c>).
/// </summary>
public static class RecallsBenchmark
{
    public sealed record Options(int Messages = 100_000, int Subscribers = 20, int InFlight = 2_000, int RetrievalsInFlight = 64, int Warmup = 5_000);

    public static async Task<int> RunAsync(Options o)
    {
        Console.WriteLine($"recalls benchmark: {Machine.CpuModel()}, {Environment.ProcessorCount} cores, {Machine.Describe().Dotnet}; load average {Machine.LoadAverage()}");
        Console.WriteLine($"{o.Messages:N0} MT 526 between {o.Subscribers} subscribers, {o.InFlight:N0} sends in flight, {o.RetrievalsInFlight} retrievals in flight; warm-up {o.Warmup:N0} (not measured)");
        var folder = Directory.CreateTempSubdirectory("ledger-recalls-bench-").FullName;
        var connection = StoreConfig.SqliteConnectionString(folder);
        try
        {
            var options = new LedgerNodeOptions { DataDir = folder, RecycleCutoffLocalTime = null, AskTimeout = TimeSpan.FromMinutes(2) };
            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var hub = node.Contexts.OfType<RecallsContext>().Single().Hub!;
                var subscribers = Enumerable.Range(1, o.Subscribers).Select(n => n.ToString("D4", CultureInfo.InvariantCulture)).ToList();
                foreach (var p in subscribers)
                {
                    var outcome = await hub.ChangeRegistryAsync(new Subscribe(p, $"Firm {p}", AddressOf(p), null, hub.Now), default);
                    if (outcome.Error is { } e) throw new InvalidOperationException(e.Message);
                }

                await SendAllAsync(hub, subscribers, "W", o.Warmup, o.InFlight);
                var (sent, sendSeconds, ackP50, ackP99) = await SendAllAsync(hub, subscribers, "M", o.Messages, o.InFlight);
                Console.WriteLine($"sends: {sent.Count:N0} acknowledged (available) in {sendSeconds:0.00} s = {sent.Count / sendSeconds:N0} messages/s; answer p50 {ackP50:0.0} ms, p99 {ackP99:0.0} ms");

                var latencies = new ConcurrentBag<double>();
                var retrieve = Stopwatch.StartNew();
                await Parallel.ForEachAsync(sent, new ParallelOptions { MaxDegreeOfParallelism = o.RetrievalsInFlight }, async (m, ct) =>
                {
                    var one = Stopwatch.StartNew();
                    var answer = await hub.RetrieveAsync(m.Receiver, m.ControlNumber, ct);
                    if (answer is not Retrieved) throw new InvalidOperationException($"{m.ControlNumber}: {answer}");
                    latencies.Add(one.Elapsed.TotalMilliseconds);
                });
                var retrieveSeconds = retrieve.Elapsed.TotalSeconds;
                var sorted = latencies.Order().ToArray();
                Console.WriteLine($"retrievals: {sorted.Length:N0} first retrievals in {retrieveSeconds:0.00} s = {sorted.Length / retrieveSeconds:N0}/s; latency p50 {P(sorted, 0.50):0.00} ms, p99 {P(sorted, 0.99):0.00} ms, max {sorted[^1]:0.00} ms");

                // Every receipt issued: the senders' mailboxes hold one per retrieval.
                var receipts = Stopwatch.StartNew();
                var expected = sent.Count + o.Warmup;
                var issued = 0;
                while (receipts.Elapsed < TimeSpan.FromMinutes(5))
                {
                    issued = 0;
                    foreach (var p in subscribers)
                    {
                        string? after = null;
                        while (true)
                        {
                            var page = await hub.ListAsync(new ParticipantId(p), after, MailboxViews.ListLimitMax, default);
                            issued += page.Entries!.Count(e => e.Kind == "retrieval-receipt");
                            if (page.Entries!.Count < MailboxViews.ListLimitMax) break;
                            after = page.Entries[^1].ControlNumber;
                        }
                    }
                    if (issued >= sent.Count) break;
                    await Task.Delay(200);
                }
                Console.WriteLine($"retrieval receipts: {issued:N0} in the senders' mailboxes {receipts.Elapsed.TotalSeconds:0.00} s after the last retrieval (of {expected:N0} messages sent, {o.Warmup:N0} of them in the warm-up and not retrieved)");
            }
            var raw = await RawInsert.MeasureAsync("sqlite", connection, rows: 30_000, batch: 100, default);
            Console.WriteLine($"raw batched insert, same store, node stopped: {raw.RowsPerSecond:N0} rows/s ({raw.Settings})");
            Console.WriteLine($"load average after: {Machine.LoadAverage()}");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private sealed record Sent(ParticipantId Receiver, string ControlNumber);

    private static string AddressOf(string participant) => string.Concat(participant.Select(d => (char)('A' + (d - '0')))) + "US33";

    private static string Recall(string reference, string sender, string receiver) =>
        "{1:F01" + AddressOf(sender) + "AXXX0000000001}{2:I526" + AddressOf(receiver) + "XXXXN}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":23:RECALL/PART\r\n" +
        ":21:LOAN778812\r\n" +
        ":35B:ISIN US0378331005\r\n" +
        "APPLE INC COMMON STOCK\r\n" +
        ":36:SHS500,\r\n" +
        "-}";

    private static async Task<(List<Sent> Sent, double Seconds, double P50, double P99)> SendAllAsync(RecallHub hub, IReadOnlyList<string> subscribers, string prefix, int count, int inFlight)
    {
        var sent = new ConcurrentBag<Sent>();
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
        {
            var sender = subscribers[i % subscribers.Count];
            var receiver = subscribers[(i / subscribers.Count + 1 + i) % subscribers.Count];
            if (receiver == sender) receiver = subscribers[(i + 1) % subscribers.Count];
            var text = Recall(prefix + i.ToString("D9", CultureInfo.InvariantCulture), sender, receiver);
            var one = Stopwatch.StartNew();
            // As the HTTP handler does: the registry as it stands, the checks, then the sender's mailbox.
            var registry = await hub.RegistryAsync(ct);
            var screening = SendChecks.Screen(text, new Caller.Participant(new ParticipantId(sender)), registry);
            if (screening.Taken is not { } taken) throw new InvalidOperationException($"refused: {screening.Refusal}");
            var answer = await hub.SendAsync(taken, ct);
            if (answer is not SendAnswer { Available: true } available) throw new InvalidOperationException($"{text}: {answer}");
            latencies.Add(one.Elapsed.TotalMilliseconds);
            sent.Add(new Sent(new ParticipantId(receiver), available.ControlNumber));
        });
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return (sent.ToList(), seconds, P(sorted, 0.50), P(sorted, 0.99));
    }

    private static double P(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
