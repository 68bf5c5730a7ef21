using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Host.Auth;
using Ledger.Recalls.Fin;

namespace Ledger.Host.Verbs;

/// <summary>The node's answer to one message sent through the recall hub.</summary>
public sealed record RecallSendAnswer(string ControlNumber, string Status, string? Rule);

public sealed record RecallMailboxEntry(string ControlNumber, string Kind, string MessageType, string? Sender, DateTimeOffset ReceivedAt, bool Retrieved, string? RelatesTo);

public sealed record RecallMailboxPage(IReadOnlyList<RecallMailboxEntry> Entries);

public sealed record RecallRetrieval(string ControlNumber, string Kind, string Message);

/// <summary>
/// How far <c>ledger recalls send</c> got through a file (<c>FILE.progress</c>): the answer line of
/// every message answered so far, in order, and a hash of those messages' text, so a rerun sends
/// only the rest and notices a file changed since.
/// </summary>
public sealed record RecallSendProgress(int Version, string File, string MessagesSha256, IReadOnlyList<string> Answers)
{
    public const int VersionCurrent = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathFor(string file) => file + ".progress";

    public static RecallSendProgress? Load(string path)
    {
        if (!System.IO.File.Exists(path)) return null;
        try
        {
            var progress = JsonSerializer.Deserialize<RecallSendProgress>(System.IO.File.ReadAllText(path), Json);
            if (progress is null || progress.Version != VersionCurrent || progress.Answers is null || string.IsNullOrEmpty(progress.MessagesSha256))
                throw new InvalidDataException($"{path} is not a progress file of this version; remove it or pass --restart");
            return progress;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} cannot be read ({e.Message}); remove it or pass --restart");
        }
    }

    /// <summary>Written whole to a temporary file, then moved over the old one: a crash leaves the old or the new, never half.</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        System.IO.File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        System.IO.File.Move(temporary, path, overwrite: true);
    }

    /// <summary>SHA-256 over the first <paramref name="count"/> messages, each followed by a line feed.</summary>
    public static string HashOf(IReadOnlyList<string> messages, int count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var i = 0; i < count; i++)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(messages[i]));
            hash.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}

/// <summary>
/// <c>ledger recalls send --file F</c> and <c>ledger recalls fetch --participant P --out F</c>: the
/// recall hub's file transfer (the seed's Connect:Direct and FTP), over the node's HTTP API.
/// </summary>
public static class RecallsCommand
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;
    public const int ExitUnreachable = 3;

    /// <summary>Entries asked for per mailbox page.</summary>
    public const int PageSize = 1_000;

    public static Command Build()
    {
        var url = new Option<string>("--url") { Description = "The node's HTTP API", HelpName = "URL", DefaultValueFactory = _ => ApiOptions.UrlsDefault };
        var file = new Option<string>("--file") { Description = "FIN messages, one after another (separated by nothing, line ends or $ lines)", HelpName = "F", Required = true };
        var sendToken = new Option<string?>("--token") { Description = "Bearer token of the sending participant or its vendor" , Required = true };
        var restart = new Option<bool>("--restart") { Description = "Ignore F.progress and send every message again (the hub answers a message it has with the same control number)" };
        var send = new Command("send", "Send a file of FIN messages through the recall hub: one answer line each (controlNumber,status,rule), resumably")
        {
            file, url, sendToken, restart,
        };
        send.SetAction((parse, ct) => SendAsync(parse.GetValue(file)!, parse.GetValue(url)!, parse.GetValue(sendToken)!, parse.GetValue(restart),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));

        var participant = new Option<string>("--participant") { Description = "The subscriber whose mailbox is fetched", HelpName = "P", Required = true };
        participant.Validators.Add(r =>
        {
            if (r.Tokens is [{ } t] && !ParticipantId.IsValid(t.Value)) r.AddError($"--participant '{t.Value}' is not a four-digit participant number");
        });
        var output = new Option<string>("--out") { Description = "The file the waiting messages are written to (FIN, $ lines between)", HelpName = "F", Required = true };
        var fetchToken = new Option<string?>("--token") { Description = "Bearer token of the participant or its vendor (default: the demo token participant-P)" };
        var fetch = new Command("fetch", "Retrieve every waiting entry of a mailbox (messages and the hub's advices) into one file")
        {
            participant, output, url, fetchToken,
        };
        fetch.SetAction((parse, ct) =>
        {
            var p = parse.GetValue(participant)!;
            return FetchAsync(p, parse.GetValue(output)!, parse.GetValue(url)!, parse.GetValue(fetchToken) ?? TokenStore.DemoParticipantTokenPrefix + p,
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
        });

        return new Command("recalls", "The recall hub's file transfer: send a file of messages, fetch a mailbox") { send, fetch };
    }

    /// <summary>Sends every message of <paramref name="file"/>; prints <c>controlNumber,status,rule</c> for each (<c>,refused,rule</c> for one the hub did not take).</summary>
    public static async Task<int> SendAsync(string file, string url, string token, bool restart, TextWriter output, TextWriter error, CancellationToken ct)
    {
        IReadOnlyList<string> messages;
        try
        {
            messages = FinFile.Split(await System.IO.File.ReadAllTextAsync(file, ct));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
        {
            await error.WriteLineAsync($"ledger recalls send: {file}: {e.Message}");
            return ExitBadInput;
        }
        var progressPath = RecallSendProgress.PathFor(file);
        List<string> answers = [];
        if (!restart)
        {
            try
            {
                if (RecallSendProgress.Load(progressPath) is { } progress)
                {
                    if (progress.Answers.Count > messages.Count || RecallSendProgress.HashOf(messages, progress.Answers.Count) != progress.MessagesSha256)
                    {
                        await error.WriteLineAsync($"ledger recalls send: {file} changed since {progressPath} was written; pass --restart to send it from its first message");
                        return ExitBadInput;
                    }
                    answers.AddRange(progress.Answers);
                    await error.WriteLineAsync($"Resuming after message {answers.Count} of {messages.Count} ({progressPath})");
                }
            }
            catch (InvalidDataException e)
            {
                await error.WriteLineAsync($"ledger recalls send: {e.Message}");
                return ExitBadInput;
            }
        }
        foreach (var line in answers) await output.WriteLineAsync(line);

        using var client = new LedgerClient(new Uri(url));
        try
        {
            for (var i = answers.Count; i < messages.Count; i++)
            {
                // A send is idempotent by sender reference: asked again after no answer, the hub answers the same.
                var result = await client.SendAsync<RecallSendAnswer>(HttpMethod.Post, "/v1/recall-hub/messages", token, new { message = messages[i] }, idempotent: true, ct);
                if (result.Code == 503) throw new LedgerUnreachableException($"the node could not answer message {i + 1}: {result.Problem}");
                var line = result.Ok ? $"{result.Value!.ControlNumber},{result.Value.Status},{result.Value.Rule}" : $",refused,{result.Problem?.Rule}";
                answers.Add(line);
                await output.WriteLineAsync(line);
                new RecallSendProgress(RecallSendProgress.VersionCurrent, Path.GetFileName(file), RecallSendProgress.HashOf(messages, answers.Count), answers).Save(progressPath);
            }
        }
        catch (LedgerUnreachableException e)
        {
            await error.WriteLineAsync($"ledger recalls send: {e.Message}; {answers.Count} of {messages.Count} answered, run again to send the rest");
            return ExitUnreachable;
        }
        await error.WriteLineAsync($"{messages.Count} messages: {answers.Count(a => a.Contains(",available,", StringComparison.Ordinal))} available, " +
            $"{answers.Count(a => a.Contains(",rejected,", StringComparison.Ordinal))} rejected, {answers.Count(a => a.StartsWith(",refused,", StringComparison.Ordinal))} refused");
        return ExitOk;
    }

    /// <summary>Lists <paramref name="participant"/>'s waiting entries, retrieves each, and writes their FIN texts to <paramref name="outFile"/>.</summary>
    public static async Task<int> FetchAsync(string participant, string outFile, string url, string token, TextWriter output, TextWriter error, CancellationToken ct)
    {
        using var client = new LedgerClient(new Uri(url));
        var texts = new List<string>();
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        try
        {
            string? after = null;
            var waiting = new List<RecallMailboxEntry>();
            while (true)
            {
                var path = $"/v1/recall-hub/mailbox/{participant}?limit={PageSize}" + (after is null ? "" : $"&after={after}");
                var page = await client.SendAsync<RecallMailboxPage>(HttpMethod.Get, path, token, null, idempotent: true, ct);
                if (!page.Ok)
                {
                    await error.WriteLineAsync($"ledger recalls fetch: the mailbox of {participant}: {page.Describe()}");
                    return ExitBadInput;
                }
                waiting.AddRange(page.Value!.Entries.Where(e => !e.Retrieved));
                if (page.Value.Entries.Count < PageSize) break;
                after = page.Value.Entries[^1].ControlNumber;
            }
            foreach (var entry in waiting)
            {
                // Retrieval is idempotent: asked again, the same entry comes back and nothing more is issued.
                var retrieved = await client.SendAsync<RecallRetrieval>(HttpMethod.Post, $"/v1/recall-hub/mailbox/{participant}/{entry.ControlNumber}/retrieve", token, null, idempotent: true, ct);
                if (!retrieved.Ok)
                {
                    await error.WriteLineAsync($"ledger recalls fetch: {entry.ControlNumber}: {retrieved.Describe()}");
                    return ExitBadInput;
                }
                texts.Add(retrieved.Value!.Message);
                kinds[retrieved.Value.Kind] = kinds.GetValueOrDefault(retrieved.Value.Kind) + 1;
            }
        }
        catch (LedgerUnreachableException e)
        {
            await error.WriteLineAsync($"ledger recalls fetch: {e.Message}; nothing was written to the file; a rerun lists the entries still waiting, and those retrieved so far can be retrieved again by control number");
            return ExitUnreachable;
        }
        var temporary = outFile + ".tmp";
        await System.IO.File.WriteAllTextAsync(temporary, FinFile.Write(texts), ct);
        System.IO.File.Move(temporary, outFile, overwrite: true);
        await output.WriteLineAsync($"{texts.Count} entries of {participant}'s mailbox to {outFile}" +
            (kinds.Count == 0 ? "" : ": " + string.Join(", ", kinds.Select(k => $"{k.Value} {k.Key}"))));
        return ExitOk;
    }
}
