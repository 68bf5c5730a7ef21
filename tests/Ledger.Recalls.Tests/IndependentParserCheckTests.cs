using System.Diagnostics;
using System.Text.Json;
using Ledger.Recalls.Fin;
using Ledger.TestSupport;
using static Ledger.Recalls.Tests.Messages;

namespace Ledger.Recalls.Tests;

/// <summary>
/// The independent check: every status message the hub writes in this test suite is read by the
/// npm package swift-parser 0.1.2 (MIT; a FIN parser no one here wrote), and must parse with the
/// fields the hub meant: control number, related reference, linked type, status, reject reason.
/// It runs node on tests/Ledger.Recalls.Tests/node (package.json and package-lock.json pin the
/// package; .ci/run installs it). Outside CI it skips, saying why, when node or the package is
/// missing; under CI=true it fails instead.
/// </summary>
public sealed class IndependentParserCheckTests
{
    private const string PackageVersion = "0.1.2";

    [SkippableFact]
    public void Swift_parser_reads_every_status_message_the_hub_writes_with_the_fields_the_hub_meant()
    {
        var node = FindOnPath("node") ?? throw TestEnvironment.Unavailable("node", "no 'node' executable on PATH; install Node.js");
        var folder = Path.Combine(RepositoryRoot(), "tests", "Ledger.Recalls.Tests", "node");
        var manifest = Path.Combine(folder, "node_modules", "swift-parser", "package.json");
        if (!File.Exists(manifest))
            throw TestEnvironment.Unavailable("swift-parser", $"{manifest} is missing; run: npm ci --prefix tests/Ledger.Recalls.Tests/node --ignore-scripts");
        var installed = JsonDocument.Parse(File.ReadAllText(manifest)).RootElement.GetProperty("version").GetString();
        Assert.Equal(PackageVersion, installed);

        WriteEveryKindOfStatusMessage();
        var written = HubWorld.WrittenStatusMessages.ToArray().OrderBy(w => w.Key, StringComparer.Ordinal).ToList();
        Assert.True(written.Count >= 5, $"only {written.Count} status messages were collected");
        Assert.Contains(written, w => w.Value.Kind == StatusKind.Acknowledgement);
        Assert.Contains(written, w => w.Value.Kind == StatusKind.RetrievalReceipt);
        foreach (var rule in new[] { "message-type", "receiver-subscribed", "receiver-not-sender" })
            Assert.Contains(written, w => w.Value.RejectRule == rule);

        using var temp = new TempDirectory("ledger-swift-parser");
        for (var i = 0; i < written.Count; i++) File.WriteAllText(temp.Combine($"{i:D5}.fin"), written[i].Key);
        var lines = RunNode(node, Path.Combine(folder, "parse-status.js"), temp.Path, folder);

        Assert.Equal(written.Count, lines.Count);
        for (var i = 0; i < written.Count; i++)
        {
            var meant = written[i].Value;
            var parsed = JsonDocument.Parse(lines[i]).RootElement;
            var because = $"message {i}:\n{written[i].Key}\nparsed as {lines[i]}";
            Assert.True(Text(parsed, "file") == $"{i:D5}.fin", because);
            Assert.True(!parsed.TryGetProperty("error", out var error), $"{because}\nswift-parser: {error}");
            Assert.True(Text(parsed, "version") == PackageVersion, because);
            Assert.True(Text(parsed, "messageType") == "548", because);
            Assert.True(Text(parsed, "direction") == "O", because);
            Assert.True(Text(parsed, "recipient") == meant.Recipient.Value, because);
            Assert.True(Text(parsed, "hub") == FinWriter.DefaultHubTerminal.Value, because);
            Assert.True(Text(parsed, "controlNumber") == meant.ControlNumber, because);
            Assert.True(Text(parsed, "relatedReference") == meant.SenderReference, because);
            Assert.True(Text(parsed, "linkedMessageType") == meant.LinkedMessageType, because);
            var (scheme, status) = meant.Kind switch
            {
                StatusKind.Acknowledgement => ("", "PACK"),
                StatusKind.RetrievalReceipt => ("LDGR", "RETR"),
                _ => ("", "REJT"),
            };
            Assert.True(Text(parsed, "statusScheme") == scheme, because);
            Assert.True(Text(parsed, "status") == status, because);
            Assert.True(Text(parsed, "rejectReason") == meant.RejectRule, because);
        }
    }

    /// <summary>Drives a hub through every path that writes a status message, so the check never depends on which other tests ran first.</summary>
    private static void WriteEveryKindOfStatusMessage()
    {
        var world = World().Subscribe("0004", "THRDGB2LABC").Letters("V1", Borrower);
        world.Send(Lender, Recall());
        world.Send(Lender, Recall(reference: "RCL2612010002", kind: "RECALL/COMP"));
        world.Send(Lender, Cancel("CNL-1", "RCL2612010002"));
        world.Send(Borrower, Confirmation("BRW.1/A", "RCL2612010001"));
        world.Send(Lender, Recall(reference: "RCL2612010003", to: "NOSBUS33XXXX"));
        world.Send(Lender, Recall(reference: "RCL2612010004", to: "LENDUS33BXXX"));
        world.Send(Lender, ReceiveFree("SETT(1)"));
        world.Send("0004", Recall(reference: "RCL+THRD'1", from: "THRDGB2LXABC", to: "BORRUS33AXXX"));
        foreach (var entry in world.Mailbox(Borrower).Entries.ToList()) world.Retrieve(new Caller.Vendor("V1"), Borrower, entry.ControlNumber);
        foreach (var p in new[] { Lender, Borrower, "0004" })
        {
            foreach (var entry in world.Mailbox(p).Entries.ToList()) world.Retrieve(p, entry.ControlNumber);
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
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(); throw new TimeoutException("node did not finish within 2 minutes"); }
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
