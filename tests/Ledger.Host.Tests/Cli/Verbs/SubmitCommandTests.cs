using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests.Verbs;

/// <summary>One real node on Kestrel for the submit tests: a lender 0005 with shares, a borrower 0006 with room.</summary>
public sealed class SubmitNodeFixture : IAsyncLifetime
{
    public const string Cusip = "037833100";
    private readonly TempFolder _folder = new();

    public KestrelNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await KestrelNode.StartAsync(_folder.Path);
        var ct = CancellationToken.None;
        const string op = TokenStore.DemoOperatorToken;
        Assert.True((await Node.Client.PutSecurityAsync(op, Cusip, 100m, 0.1m, ct)).Ok);
        Assert.True((await Node.Client.PutParticipantAsync(op, "0005", new ParticipantBody("Lender", 1_000_000m, 0m, true, false), ct)).Ok);
        Assert.True((await Node.Client.PutParticipantAsync(op, "0006", new ParticipantBody("Borrower", 100_000_000m, 10_000_000m, true, false), ct)).Ok);
        Assert.True((await Node.Client.DepositAsync(op, "0005", "DEP-1", Cusip, 1_000_000, ct)).Ok);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary><c>ledger submit</c> end to end: the command line, a file, a real node over HTTP, the progress file.</summary>
[Collection("real-node")]
public sealed class SubmitCommandTests(SubmitNodeFixture fixture) : IClassFixture<SubmitNodeFixture>
{
    private KestrelNode Node => fixture.Node;

    private static string Line(string id, long shares = 10, string amount = "1000.01", string receiver = "0006", string cusip = SubmitNodeFixture.Cusip) =>
        $"{id},0005,{receiver},{cusip},{shares},{amount},TEST";

    private async Task<(int Exit, string Output, string Error)> Submit(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await global::Ledger.Host.Cli.RunAsync(["submit", "--url", Node.Url, .. args], (_, _, _) => throw new InvalidOperationException("submit starts no node"), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Balances, positions and pending items of both parties: what a second settlement would change.</summary>
    private async Task<string> Settled()
    {
        var parts = new List<string>();
        foreach (var id in new[] { "0005", "0006" })
        {
            var a = (await Node.Client.AccountAsync(TokenStore.DemoOperatorToken, id, CancellationToken.None)).Value!;
            parts.Add($"{id} {a.SettlementBalance} {a.CollateralMonitor} {string.Join(";", a.Positions.Select(p => $"{p.Cusip}={p.Shares}/{p.ReservedShares}"))} {string.Join(";", a.Pending.Select(p => $"{p.DeliverOrderId}:{p.Reason}"))}");
        }
        return string.Join("\n", parts);
    }

    [Fact]
    public async Task Running_the_same_file_again_sends_nothing_and_settles_nothing_twice_and_restart_changes_nothing_either()
    {
        using var files = new TestFiles();
        var lines = new List<string> { "id,deliverer,receiver,cusip,shares,amount,reasonCode" };
        lines.AddRange(Enumerable.Range(1, 10).Select(i => Line($"T1-{i}", shares: i, amount: $"{i * 100}.{i:D2}")));
        lines.Add(Line("T1-pending", shares: 5_000_000, amount: "1"));
        lines.Add(Line("T1-unknown", receiver: "9999"));
        lines.Add("T1-bad,0005,0006,037833100,ten,1,TEST");
        lines.Add(Line("T1-check-digit", cusip: "037833101"));
        var file = files.Write("day.csv", string.Join("\n", lines) + "\n");

        var first = await Submit("--file", file, "--batch-size", "4");

        Assert.Equal(0, first.Exit);
        Assert.Equal("", first.Error);
        var progress = SubmitProgress.Load(SubmitProgress.PathFor(file))!;
        Assert.Equal(lines.Count, progress.LastLineAcknowledged);
        Assert.Equal((11, 2, 1), (progress.Accepted, progress.Rejected, progress.BadLines));
        Assert.Contains("line 14: shares \"ten\" is not a whole number", first.Output);
        Assert.Contains("participant-known", first.Output);
        Assert.Contains("T1-unknown (line 13", first.Output);
        Assert.Contains("cusip-check-digit", first.Output);
        Assert.Contains("all 11 deliver orders accepted in this run", first.Output);
        Assert.Matches(@"completed \(direct\)\s+10", first.Output);
        Assert.Matches(@"pending \(position\)\s+1", first.Output);
        await Node.EventuallyAsync("T1-10", d => d.Status == "completed");
        var accounts = await Node.AccountsAsync(["0005", "0006"]);
        var settled = await Settled();

        var second = await Submit("--file", file, "--batch-size", "4");

        Assert.Equal(0, second.Exit);
        Assert.Contains("nothing new to send", second.Output);
        Assert.Matches(@"deliver orders sent\s+0\s", second.Output);
        Assert.Equal(progress with { Updated = default }, SubmitProgress.Load(SubmitProgress.PathFor(file))! with { Updated = default });
        // Nothing was sent, so not one event: the accounts, versions included, are as they were.
        Assert.Equal(accounts, await Node.AccountsAsync(["0005", "0006"]));

        var again = await Submit("--file", file, "--restart");

        Assert.Equal(0, again.Exit);
        Assert.Contains("--restart", again.Output);
        Assert.Matches(@"deliver orders sent\s+13\s", again.Output);
        var restarted = SubmitProgress.Load(SubmitProgress.PathFor(file))!;
        Assert.Equal((11, 2, 1), (restarted.Accepted, restarted.Rejected, restarted.BadLines));
        Assert.Matches(@"completed \(direct\)\s+10", again.Output);
        // Every id was answered as before and none settled a second time; give a second effect time to show.
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(100);
            Assert.Equal(settled, await Settled());
        }
    }

    [Fact]
    public async Task A_file_that_grew_is_sent_on_from_the_line_after_the_last_one_acknowledged()
    {
        using var files = new TestFiles();
        var file = files.Write("day.jsonl", string.Join("\n", Enumerable.Range(1, 6).Select(Json)) + "\n");

        var first = await Submit("--file", file, "--batch-size", "4");
        File.AppendAllText(file, string.Join("\n", Enumerable.Range(7, 4).Select(Json)) + "\n");
        var second = await Submit("--file", file, "--batch-size", "4");

        Assert.Equal((0, 0), (first.Exit, second.Exit));
        Assert.Contains("resumed after line 6", second.Output);
        Assert.Matches(@"deliver orders sent\s+4\s", second.Output);
        Assert.Contains("all 4 deliver orders accepted in this run", second.Output);
        var progress = SubmitProgress.Load(SubmitProgress.PathFor(file))!;
        Assert.Equal((10L, 10L), (progress.LastLineAcknowledged, progress.Accepted));
        await Node.EventuallyAsync("T2-10", d => d.Status == "completed");

        static string Json(int i) =>
            $$"""{"id":"T2-{{i}}","deliverer":"0005","receiver":"0006","cusip":"{{SubmitNodeFixture.Cusip}}","shares":{{i}},"amount":{{i}}.5}""";
    }

    [Fact]
    public async Task A_file_changed_under_its_progress_is_sent_whole_again_and_the_ledger_refuses_a_changed_order()
    {
        using var files = new TestFiles();
        var file = files.Write("day.csv", $"{Line("T3-1")}\n{Line("T3-2")}\n{Line("T3-3")}\n");
        Assert.Equal(0, (await Submit("--file", file)).Exit);

        File.WriteAllText(file, $"{Line("T3-1")}\n{Line("T3-2", amount: "1000.02")}\n{Line("T3-3")}\n");
        var second = await Submit("--file", file);

        Assert.Equal(0, second.Exit);
        Assert.Contains("changed since", second.Output);
        Assert.Matches(@"deliver orders sent\s+3\s", second.Output);
        Assert.Contains("deliver-order-id-unique", second.Output);
        Assert.Contains("T3-2 (line 2", second.Output);
        var view = await Node.EventuallyAsync("T3-2", d => d.Status == "completed");
        Assert.Equal(1000.01m, view.Amount);
    }

    [Fact]
    public async Task A_token_that_may_not_submit_stops_the_run_with_a_clear_message_and_nothing_acknowledged()
    {
        using var files = new TestFiles();
        var file = files.Write("day.csv", Line("T4-1") + "\n");

        var run = await Submit("--file", file, "--token", TokenStore.DemoOperatorToken);

        Assert.Equal(SubmitCommand.ExitRefused, run.Exit);
        Assert.Contains("needs role occ", run.Error);
        Assert.False(File.Exists(SubmitProgress.PathFor(file)));
    }

    [Fact]
    public async Task A_node_that_cannot_be_reached_is_a_non_zero_exit_with_a_message()
    {
        using var files = new TestFiles();
        var file = files.Write("day.csv", Line("T5-1") + "\n");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await global::Ledger.Host.Cli.RunAsync(["submit", "--file", file, "--url", $"http://127.0.0.1:{ClosedPort()}"],
            (_, _, _) => throw new InvalidOperationException("submit starts no node"), output, error);

        Assert.Equal(SubmitCommand.ExitUnreachable, exit);
        Assert.Contains("cannot reach the node", error.ToString());
        Assert.False(File.Exists(SubmitProgress.PathFor(file)));
    }

    [Fact]
    public async Task A_missing_file_or_a_csv_header_with_an_unknown_column_is_a_usage_error_and_sends_nothing()
    {
        using var files = new TestFiles();
        var file = files.Write("day.csv", "id,deliverer,receiver,cusip,shares,amount,colour\nT6-1,0005,0006,037833100,1,1,red\n");

        var missing = await Submit("--file", Path.Combine(files.Path, "none.csv"));
        var header = await Submit("--file", file);

        Assert.Equal(SubmitCommand.ExitBadInput, missing.Exit);
        Assert.Contains("does not exist", missing.Error);
        Assert.Equal(SubmitCommand.ExitBadInput, header.Exit);
        Assert.Contains("line 1: unknown column \"colour\"", header.Error);
        Assert.False((await Node.Client.DeliverOrderAsync(TokenStore.DemoOccToken, "T6-1", CancellationToken.None)).Ok);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
