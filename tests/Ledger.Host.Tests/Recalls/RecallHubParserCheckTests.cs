using System.Diagnostics;
using System.Text.Json;
using Ledger.Host.Tests.Support;
using Ledger.Recalls.Fin;
using Ledger.TestSupport;
using static Ledger.Host.Tests.Support.RecallMessages;

namespace Ledger.Host.Tests.Recalls;

/// <summary>
/// The independent check on the node: every status message (MT 548) the hub hands out through HTTP
/// in this test run is read by the npm package swift-parser 0.1.2 (MIT, a FIN parser no one here
/// wrote) and must parse with the fields the hub meant: its control number, the sender reference
/// and type of the message it is about (as that message's trace tells them), the status
/// (PACK, LDGR/RETR, REJT) and a reject's rule. It uses tests/Ledger.Recalls.Tests/node, which
/// .ci/run installs with npm ci; outside CI a missing node or package skips the test, saying
/// why, and under CI=true it fails.
/// </summary>
[Collection("real-node")]
public sealed class RecallHubParserCheckTests(RecallHubWorld world) : IClassFixture<RecallHubWorld>
{
    private const string PackageVersion = "0.1.2";

    private static readonly Dictionary<string, string> AddressOf = new()
    {
        [Lender] = LenderAddress,
        [Borrower] = BorrowerAddress,
        [Third] = ThirdAddress,
    };

    [SkippableFact]
    public async Task Swift_parser_reads_every_status_message_the_hub_hands_out_with_the_fields_the_hub_meant()
    {
        var node = FindOnPath("node") ?? throw TestEnvironment.Unavailable("node", "no 'node' executable on PATH; install Node.js");
        var folder = Path.Combine(RepositoryRoot(), "tests", "Ledger.Recalls.Tests", "node");
        var manifest = Path.Combine(folder, "node_modules", "swift-parser", "package.json");
        if (!File.Exists(manifest))
            throw TestEnvironment.Unavailable("swift-parser", $"{manifest} is missing; run: npm ci --prefix tests/Ledger.Recalls.Tests/node --ignore-scripts");
        Assert.Equal(PackageVersion, JsonDocument.Parse(await File.ReadAllTextAsync(manifest)).RootElement.GetProperty("version").GetString());

        await HandOutEveryKindOfStatusMessageAsync();
        var written = RecallHubWorld.StatusMessages.ToArray().OrderBy(w => w.Key, StringComparer.Ordinal).ToList();
        Assert.Contains(written, w => w.Value.Kind == "acknowledgement");
        Assert.Contains(written, w => w.Value.Kind == "retrieval-receipt");
        Assert.Contains(written, w => w.Value.Kind == "reject");

        using var temp = new TempDirectory("ledger-host-swift-parser");
        for (var i = 0; i < written.Count; i++) await File.WriteAllTextAsync(temp.Combine($"{i:D5}.fin"), written[i].Key);
        var lines = RunNode(node, Path.Combine(folder, "parse-status.js"), temp.Path, folder);

        Assert.Equal(written.Count, lines.Count);
        var rules = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < written.Count; i++)
        {
            var meant = written[i].Value;
            var parsed = JsonDocument.Parse(lines[i]).RootElement;
            var because = $"message {i}:\n{written[i].Key}\nparsed as {lines[i]}";
            Assert.True(!parsed.TryGetProperty("error", out var error), $"{because}\nswift-parser: {error}");
            // What the hub meant, from the trace of the message the advice is about.
            var trace = await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{meant.RelatesTo}/trace", meant.Token)).AssertOk();
            var rejected = trace.GetProperty("events").EnumerateArray().FirstOrDefault(e => e.GetProperty("what").GetString() == "rejected");
            var rule = rejected.ValueKind == JsonValueKind.Object ? rejected.GetProperty("detail").GetString() : null;
            if (rule is not null) rules.Add(rule);
            Assert.True(Text(parsed, "file") == $"{i:D5}.fin", because);
            Assert.True(Text(parsed, "version") == PackageVersion, because);
            Assert.True(Text(parsed, "messageType") == "548", because);
            Assert.True(Text(parsed, "direction") == "O", because);
            Assert.True(Text(parsed, "recipient")?[..8] == AddressOf[meant.Participant][..8], because);
            Assert.True(Text(parsed, "hub") == FinWriter.DefaultHubTerminal.Value, because);
            Assert.True(Text(parsed, "controlNumber") == meant.ControlNumber, because);
            Assert.True(Text(parsed, "relatedReference") == trace.GetProperty("senderReference").GetString(), because);
            Assert.True(Text(parsed, "linkedMessageType") == trace.GetProperty("messageType").GetString(), because);
            var (scheme, status) = meant.Kind switch
            {
                "acknowledgement" => ("", "PACK"),
                "retrieval-receipt" => ("LDGR", "RETR"),
                _ => ("", "REJT"),
            };
            Assert.True(Text(parsed, "statusScheme") == scheme, because);
            Assert.True(Text(parsed, "status") == status, because);
            Assert.True(Text(parsed, "rejectReason") == (meant.Kind == "reject" ? rule : null), because);
        }
        Assert.Superset(new HashSet<string> { "message-type", "receiver-subscribed", "receiver-not-sender" }, rules);
    }

    /// <summary>Every path that writes a status message, through HTTP, so the check never depends on which other tests ran first.</summary>
    private async Task HandOutEveryKindOfStatusMessageAsync()
    {
        var recall = await world.TakenAsync("participant-0001", Recall(FreshReference("P1-")));
        await world.TakenAsync("participant-0001", Recall(FreshReference("P2-"), to: "NOSBUS33XXXX"));
        await world.TakenAsync("participant-0001", Recall(FreshReference("P3-"), to: "LENDUS33BXXX"));
        await world.TakenAsync("participant-0001", ReceiveFree(FreshReference("P4+"))); // '+' is in the X set
        await world.TakenAsync("participant-0004", Recall(FreshReference("P5'"), from: "THRDUS33XXXX", to: "BORRUS33AXXX"));
        await world.RetrieveAsync(Borrower, recall.ControlNumber, "vendor-demo");
        await world.EventuallyAsync(Lender, m => m.Any(e => e.GetProperty("kind").GetString() == "retrieval-receipt"
            && e.GetProperty("relatesTo").GetString() == recall.ControlNumber), "the retrieval receipt");
        foreach (var participant in new[] { Lender, Borrower, Third })
        {
            foreach (var entry in await world.MailboxAsync(participant))
            {
                if (entry.GetProperty("kind").GetString() != "message") await world.RetrieveAsync(participant, entry.GetProperty("controlNumber").GetString()!);
            }
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetString() : null;

    private static List<string> RunNode(string node, string script, string folder, string workingDirectory)
    {
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("node did not finish within 2 minutes");
        }
        Assert.True(process.ExitCode == 0, $"node exited {process.ExitCode}: {stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }
}
