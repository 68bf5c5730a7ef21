using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests.Verbs;

/// <summary>
/// Admission at the door over real HTTP, on a real node (SQLite file, Kestrel) whose in-flight
/// limit is 3: a batch item past it is answered on its own, <c>deliver-orders-in-flight-max</c>
/// on <c>id</c>, a Market Loan's legs together, nothing taken; <c>ledger submit</c> sends such
/// items again until they are taken, and every loan completes.
/// </summary>
[Collection("real-node")]
public sealed class AdmissionHttpTests
{
    private const string Cusip = "037833100", Occ = "0900", Lender = "0005", Borrower = "0006";
    private const int InFlightMax = 3;

    private static async Task<KestrelNode> StartAsync(TempFolder folder)
    {
        var node = await KestrelNode.StartAsync(folder.Path, InFlightMax);
        var ct = CancellationToken.None;
        const string op = TokenStore.DemoOperatorToken;
        Assert.True((await node.Client.PutSecurityAsync(op, Cusip, 100m, 0.1m, ct)).Ok);
        Assert.True((await node.Client.PutParticipantAsync(op, Occ, new ParticipantBody("OCC", 0m, 0m, true, true), ct)).Ok);
        Assert.True((await node.Client.PutParticipantAsync(op, Lender, new ParticipantBody("Lender", 100_000_000m, 10_000_000m, true, false), ct)).Ok);
        Assert.True((await node.Client.PutParticipantAsync(op, Borrower, new ParticipantBody("Borrower", 100_000_000m, 10_000_000m, true, false), ct)).Ok);
        Assert.True((await node.Client.DepositAsync(op, Lender, "DEP-1", Cusip, 1_000_000, ct)).Ok);
        return node;
    }

    private static (DeliverOrderLine A, DeliverOrderLine B) Loan(string prefix, int k) =>
        (new DeliverOrderLine($"{prefix}{k}-a", Lender, Occ, Cusip, 100 + k, (100 + k) * 100m, "LOAN"),
            new DeliverOrderLine($"{prefix}{k}-b", Occ, Borrower, Cusip, 100 + k, (100 + k) * 100m, "LOAN"));

    [Fact]
    public async Task A_loan_past_the_limit_is_refused_whole_per_item_and_nothing_of_it_is_taken()
    {
        using var folder = new TempFolder();
        await using var node = await StartAsync(folder);
        var (a0, b0) = Loan("H", 0);
        var (a1, b1) = Loan("H", 1);

        // Two loans need four places, the limit is three: the first goes in, the second is refused whole.
        var answer = await node.Client.SubmitAsync(TokenStore.DemoOccToken, [a0, a1, b1, b0], CancellationToken.None);

        Assert.True(answer.Ok, answer.Describe());
        var items = answer.Value!;
        Assert.Equal(["H0-a", "H1-a", "H1-b", "H0-b"], items.Select(i => i.Id));
        Assert.True(items[0].Accepted && items[3].Accepted);
        foreach (var refused in new[] { items[1], items[2] })
        {
            Assert.False(refused.Accepted);
            Assert.Equal(("rejected", "id", "deliver-orders-in-flight-max"), (refused.Status, refused.Error!.Field, refused.Error.Rule));
            Assert.Contains("partner leg", refused.Error.Message, StringComparison.Ordinal);
            var unknown = await node.Client.DeliverOrderAsync(TokenStore.DemoOccToken, refused.Id!, CancellationToken.None);
            Assert.Equal(404, unknown.Code);
        }
        Assert.Equal("look-ahead", (await node.EventuallyAsync("H0-a", d => d.Status == "completed")).CompletedBy);
        await node.EventuallyAsync("H0-b", d => d.Status == "completed");

        // Sent again, the refused loan goes in and completes.
        var again = await node.Client.SubmitAsync(TokenStore.DemoOccToken, [a1, b1], CancellationToken.None);
        Assert.True(again.Ok, again.Describe());
        Assert.All(again.Value!, i => Assert.True(i.Accepted, i.Error?.Message));
        await node.EventuallyAsync("H1-a", d => d.Status == "completed");
        await node.EventuallyAsync("H1-b", d => d.Status == "completed");
    }

    [Fact]
    public async Task Ledger_submit_sends_what_the_node_had_no_room_for_again_until_every_loan_is_taken_and_completed()
    {
        using var folder = new TempFolder();
        await using var node = await StartAsync(folder);
        using var files = new TestFiles();
        const int loans = 6;
        var lines = new List<string> { "id,deliverer,receiver,cusip,shares,amount,reasonCode" };
        for (var k = 0; k < loans; k++)
        {
            var (a, b) = Loan("F", k);
            lines.AddRange(new[] { a, b }.Select(o => $"{o.Id},{o.Deliverer},{o.Receiver},{o.Cusip},{o.Shares},{o.Amount},{o.ReasonCode}"));
        }
        var file = files.Write("loans.csv", string.Join("\n", lines) + "\n");

        var output = new StringWriter();
        var error = new StringWriter();
        // Batches of six (three loans) against a limit of three: every batch is refused in part at first.
        var exit = await global::Ledger.Host.Cli.RunAsync(["submit", "--url", node.Url, "--file", file, "--batch-size", "6"],
            (_, _, _) => throw new InvalidOperationException("submit starts no node"), output, error);

        Assert.Equal(0, exit);
        Assert.Equal("", error.ToString());
        var progress = SubmitProgress.Load(SubmitProgress.PathFor(file))!;
        Assert.Equal((2 * loans, 0), (progress.Accepted, progress.Rejected));
        Assert.Matches(@"deliver orders sent\s+12\s", output.ToString());
        Assert.Matches(@"sent again \(node at its in-flight limit\)\s+\d", output.ToString());
        Assert.DoesNotContain("deliver-orders-in-flight-max", output.ToString(), StringComparison.Ordinal);
        for (var k = 0; k < loans; k++)
        {
            Assert.Equal("look-ahead", (await node.EventuallyAsync($"F{k}-a", d => d.Status == "completed")).CompletedBy);
            await node.EventuallyAsync($"F{k}-b", d => d.Status == "completed");
        }
    }
}
