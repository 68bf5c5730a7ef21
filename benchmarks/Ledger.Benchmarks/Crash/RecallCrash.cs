using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.Host.Auth;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

/// <summary>A message the hub acknowledged: who sent it to whom, and the control number it answered.</summary>
public sealed record RecallAcknowledged(string Reference, string Sender, string Receiver, string ControlNumber);

/// <summary>An entry of a mailbox as <c>GET /v1/recall-hub/mailbox/{participant}</c> lists it.</summary>
public sealed record RecallCrashEntry(string ControlNumber, string Kind, string? Sender, bool Retrieved, string? RelatesTo);

/// <summary>What the recall clients were told while the node was being killed.</summary>
public sealed class RecallCrashTally
{
    /// <summary>Messages answered <c>available</c>, by sender reference.</summary>
    public ConcurrentDictionary<string, RecallAcknowledged> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>Messages a receiver got back from a retrieval (control number to receiver): each must have one retrieval receipt.</summary>
    public ConcurrentDictionary<string, string> Retrieved { get; } = new(StringComparer.Ordinal);

    private int _requests;
    private int _unanswered;

    public int Requests => Volatile.Read(ref _requests);

    public int Unanswered => Volatile.Read(ref _unanswered);

    internal void CountRequest() => Interlocked.Increment(ref _requests);

    internal void CountUnanswered() => Interlocked.Increment(ref _unanswered);
}

/// <summary>
/// The recall hub under the crash harness: every participant of the world subscribed; one client
/// sends MT 526 recalls between them, each sent again with the same bytes until answered (the hub
/// answers a resend with the control number it gave); another lists mailboxes and retrieves what
/// waits, each retrieval asked again until answered. Both run while the node is killed.
/// </summary>
public sealed class RecallCrashClients(LedgerClient client, CrashWorld world, RecallCrashTally tally)
{
    private const string Operator = TokenStore.DemoOperatorToken;

    /// <summary>A participant's address in the run: its four digits as letters (0123 is ABCD), then US33.</summary>
    public static string AddressOf(string participant) => string.Concat(participant.Select(d => (char)('A' + (d - '0')))) + "US33";

    public static string Recall(string reference, string sender, string receiver) =>
        "{1:F01" + AddressOf(sender) + "AXXX0000000001}{2:I526" + AddressOf(receiver) + "XXXXN}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":23:RECALL/PART\r\n" +
        ":35B:/US/CRS000018\r\n" +
        ":36:SHS100,\r\n" +
        "-}";

    /// <summary>Subscribes every participant of the world (not OCC) under its run address.</summary>
    public static async Task SubscribeAsync(LedgerClient client, CrashWorld world, CancellationToken ct)
    {
        foreach (var p in world.Participants)
        {
            var answer = await client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/recall-hub/subscribers/{p.Id}", Operator, new { address = AddressOf(p.Id) }, idempotent: true, ct);
            if (!answer.Ok) throw new InvalidOperationException($"PUT /v1/recall-hub/subscribers/{p.Id}: {answer.Describe()}");
        }
    }

    public async Task SendAsync(int seed, CancellationToken stop, CancellationToken hardStop)
    {
        var random = new Random(seed);
        var participants = world.Participants.Select(p => p.Id).ToArray();
        for (var n = 1; !stop.IsCancellationRequested; n++)
        {
            var sender = participants[random.Next(participants.Length)];
            var receiver = participants[random.Next(participants.Length)];
            if (sender == receiver) continue;
            var reference = "CR" + n.ToString("D6", CultureInfo.InvariantCulture);
            var text = Recall(reference, sender, receiver);
            while (true)
            {
                tally.CountRequest();
                try
                {
                    var answer = await client.SendAsync<JsonElement>(HttpMethod.Post, "/v1/recall-hub/messages", TokenStore.DemoParticipantTokenPrefix + sender,
                        new { message = text }, idempotent: true, hardStop);
                    if (answer.Ok)
                    {
                        if (answer.Value.GetProperty("status").GetString() == "available")
                            tally.Acknowledged[reference] = new RecallAcknowledged(reference, sender, receiver, answer.Value.GetProperty("controlNumber").GetString()!);
                        break;
                    }
                    if (answer.Code != 503) throw new InvalidOperationException($"the hub refused {reference}: {answer.Describe()}");
                }
                catch (LedgerUnreachableException)
                {
                    // Sent again with the same bytes: answered with the control number it got, delivered once.
                }
                tally.CountUnanswered();
                await Task.Delay(100, hardStop);
            }
            await Task.Delay(random.Next(0, 20), hardStop);
        }
    }

    public async Task RetrieveAsync(int seed, CancellationToken stop, CancellationToken hardStop)
    {
        var random = new Random(seed);
        var participants = world.Participants.Select(p => p.Id).ToArray();
        while (!stop.IsCancellationRequested)
        {
            var participant = participants[random.Next(participants.Length)];
            var token = TokenStore.DemoParticipantTokenPrefix + participant;
            tally.CountRequest();
            try
            {
                var listed = await client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/recall-hub/mailbox/{participant}?limit=1000", token, null, idempotent: true, hardStop);
                if (listed.Ok)
                {
                    var waiting = listed.Value.GetProperty("entries").EnumerateArray()
                        .Where(e => !e.GetProperty("retrieved").GetBoolean() && e.GetProperty("kind").GetString() == "message")
                        .Select(e => e.GetProperty("controlNumber").GetString()!).Take(random.Next(1, 6)).ToList();
                    foreach (var controlNumber in waiting) await RetrieveUntilAnsweredAsync(participant, token, controlNumber, hardStop);
                }
            }
            catch (LedgerUnreachableException)
            {
                tally.CountUnanswered();
            }
            await Task.Delay(random.Next(0, 40), hardStop);
        }
    }

    private async Task RetrieveUntilAnsweredAsync(string participant, string token, string controlNumber, CancellationToken hardStop)
    {
        while (true)
        {
            tally.CountRequest();
            try
            {
                var answer = await client.SendAsync<JsonElement>(HttpMethod.Post, $"/v1/recall-hub/mailbox/{participant}/{controlNumber}/retrieve", token, null, idempotent: true, hardStop);
                if (answer.Ok)
                {
                    tally.Retrieved[controlNumber] = participant;
                    return;
                }
                if (answer.Code != 503) throw new InvalidOperationException($"retrieving {controlNumber} of {participant}: {answer.Describe()}");
            }
            catch (LedgerUnreachableException)
            {
                // Asked again: a first retrieval journaled before the kill answers the same and issues nothing more.
            }
            tally.CountUnanswered();
            await Task.Delay(100, hardStop);
        }
    }

    /// <summary>Every participant's mailbox, read through the API.</summary>
    public static async Task<Dictionary<string, IReadOnlyList<RecallCrashEntry>>> MailboxesAsync(LedgerClient client, CrashWorld world, CancellationToken ct)
    {
        var mailboxes = new Dictionary<string, IReadOnlyList<RecallCrashEntry>>(StringComparer.Ordinal);
        foreach (var p in world.Participants)
        {
            var entries = new List<RecallCrashEntry>();
            string? after = null;
            while (true)
            {
                var path = $"/v1/recall-hub/mailbox/{p.Id}?limit=1000" + (after is null ? "" : $"&after={after}");
                var page = await client.SendAsync<JsonElement>(HttpMethod.Get, path, TokenStore.DemoParticipantTokenPrefix + p.Id, null, idempotent: true, ct);
                if (!page.Ok) throw new InvalidOperationException($"GET {path}: {page.Describe()}");
                var read = page.Value.GetProperty("entries").EnumerateArray().Select(e => new RecallCrashEntry(
                    e.GetProperty("controlNumber").GetString()!, e.GetProperty("kind").GetString()!,
                    e.GetProperty("sender").ValueKind == JsonValueKind.Null ? null : e.GetProperty("sender").GetString(),
                    e.GetProperty("retrieved").GetBoolean(),
                    e.GetProperty("relatesTo").ValueKind == JsonValueKind.Null ? null : e.GetProperty("relatesTo").GetString())).ToList();
                entries.AddRange(read);
                if (read.Count < 1000) break;
                after = read[^1].ControlNumber;
            }
            mailboxes[p.Id] = entries;
        }
        return mailboxes;
    }

    /// <summary>Reads the mailboxes until the hub's checks hold (its resends finish after a restart) or <paramref name="settleMax"/> passes; the last verdicts stand.</summary>
    public static async Task<IReadOnlyList<CrashCheck>> SettleAndCheckAsync(LedgerClient client, CrashWorld world, RecallCrashTally tally, TimeSpan settleMax, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var verdicts = RecallInvariants.Check(await MailboxesAsync(client, world, ct), tally.Acknowledged.Values.ToList(), tally.Retrieved);
            if (verdicts.All(v => v.Passed) || clock.Elapsed > settleMax) return verdicts;
            await Task.Delay(500, ct);
        }
    }
}

/// <summary>The hub's statements after crashes, seen from outside. Pure: tested on mailboxes made to break each.</summary>
public static class RecallInvariants
{
    private const int ListedMax = 5;

    public static IReadOnlyList<CrashCheck> Check(IReadOnlyDictionary<string, IReadOnlyList<RecallCrashEntry>> mailboxes, IReadOnlyList<RecallAcknowledged> acknowledged,
        IReadOnlyDictionary<string, string> retrieved) =>
    [
        AcknowledgedDeliveredOnce(mailboxes, acknowledged),
        OneReceiptPerRetrieval(mailboxes, retrieved),
    ];

    /// <summary>Every acknowledged message is in its receiver's mailbox exactly once, and its sender holds exactly one acknowledgement of it.</summary>
    public static CrashCheck AcknowledgedDeliveredOnce(IReadOnlyDictionary<string, IReadOnlyList<RecallCrashEntry>> mailboxes, IReadOnlyList<RecallAcknowledged> acknowledged)
    {
        const string name = "recalls-acknowledged-delivered-once";
        var faults = new List<string>();
        foreach (var a in acknowledged)
        {
            var copies = mailboxes.GetValueOrDefault(a.Receiver, []).Count(e => e.ControlNumber == a.ControlNumber && e.Kind == "message" && e.Sender == a.Sender);
            var acks = mailboxes.GetValueOrDefault(a.Sender, []).Count(e => e.Kind == "acknowledgement" && e.RelatesTo == a.ControlNumber);
            if (copies != 1 || acks != 1) faults.Add($"{a.Reference} ({a.ControlNumber}, {a.Sender} -> {a.Receiver}): {copies} copies, {acks} acknowledgements");
        }
        // Nothing delivered twice whatever was acknowledged: no sender's reference in a mailbox twice.
        foreach (var (participant, entries) in mailboxes)
        {
            foreach (var twice in entries.Where(e => e.Kind == "message").GroupBy(e => e.ControlNumber).Where(g => g.Count() > 1))
                faults.Add($"{twice.Key} listed {twice.Count()} times in {participant}'s mailbox");
        }
        return faults.Count == 0
            ? new CrashCheck(name, true, $"all {acknowledged.Count} acknowledged messages are in their receivers' mailboxes once, each with one acknowledgement")
            : new CrashCheck(name, false, $"{faults.Count} faults: {string.Join("; ", faults.Take(ListedMax))}");
    }

    /// <summary>Every message retrieved (as a client saw it, or as its mailbox says) has exactly one retrieval receipt at its sender; one never retrieved has none.</summary>
    public static CrashCheck OneReceiptPerRetrieval(IReadOnlyDictionary<string, IReadOnlyList<RecallCrashEntry>> mailboxes, IReadOnlyDictionary<string, string> retrieved)
    {
        const string name = "recalls-one-receipt-per-retrieval";
        var receipts = mailboxes.Values.SelectMany(m => m).Where(e => e.Kind == "retrieval-receipt").GroupBy(e => e.RelatesTo!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var faults = new List<string>();
        var messages = 0;
        foreach (var (participant, entries) in mailboxes)
        {
            foreach (var m in entries.Where(e => e.Kind == "message"))
            {
                messages++;
                var count = receipts.GetValueOrDefault(m.ControlNumber);
                var seen = retrieved.ContainsKey(m.ControlNumber);
                if (seen && !m.Retrieved) faults.Add($"{m.ControlNumber} was retrieved by {participant} but its mailbox says it was not");
                if (m.Retrieved && count != 1) faults.Add($"{m.ControlNumber} retrieved by {participant}: {count} retrieval receipts");
                if (!m.Retrieved && count != 0) faults.Add($"{m.ControlNumber} never retrieved: {count} retrieval receipts");
            }
        }
        var listed = mailboxes.Values.SelectMany(m => m).Where(e => e.Kind == "message").Select(e => e.ControlNumber).ToHashSet(StringComparer.Ordinal);
        foreach (var missing in retrieved.Keys.Where(cn => !listed.Contains(cn)))
            faults.Add($"{missing} was retrieved but is in no mailbox");
        return faults.Count == 0
            ? new CrashCheck(name, true, $"{retrieved.Count} messages retrieved by the clients, {messages} in the mailboxes: every retrieved one has one receipt, the others none")
            : new CrashCheck(name, false, $"{faults.Count} faults: {string.Join("; ", faults.Take(ListedMax))}");
    }
}
