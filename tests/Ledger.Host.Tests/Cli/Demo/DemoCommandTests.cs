using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests.Verbs;

[Collection("real-node")]
public sealed class DemoCommandTests
{
    private static async Task<(int Exit, string Output, string Error)> Demo(string dataDir, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await global::Ledger.Host.Cli.RunAsync(
            ["demo", "--no-serve", "--data-dir", dataDir, "--urls", "http://127.0.0.1:0", .. args], LedgerNodeStartup.StartAsync, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>
    /// The whole verb on a real node: a small day runs through HTTP to its close, OCC ends flat, and a
    /// second day on the same folder runs on top with new ids; a node started afresh on the folder
    /// then finds OCC flat in its journal too.
    /// </summary>
    [Fact]
    public async Task A_small_demo_day_runs_to_its_close_leaves_occ_flat_and_a_second_day_runs_on_top()
    {
        using var folder = new TempFolder();

        var first = await Demo(folder.Path, "--loans", "50", "--seed", "7");

        Assert.True(first.Exit == DemoCommand.ExitOk, $"exit {first.Exit}\n{first.Error}\n{first.Output}");
        Assert.Contains("seed 7, 50 loans", first.Output);
        Assert.Contains("OK   OCC 0900's settlement balance and positions are zero after the close", first.Output);
        Assert.Contains("OK   no mismatched leg completed", first.Output);
        Assert.Contains("market-loan-program", first.Output);
        // Income tracking's second day: the dividend paid at the open, checked.
        Assert.Contains("OK   stock-loan income transfers sum to zero", first.Output);
        Assert.Contains("OK   every lender got what its record-date lines earned", first.Output);
        Assert.Contains("OK   every holder of record got its position's share", first.Output);
        // The recall hub's part: recalls for some of the day's loans, one sent again (the same answer), once with other bytes (refused).
        Assert.Contains("(the same control number)", first.Output);
        Assert.Contains("HTTP 409 sender-reference-reused", first.Output);
        Assert.Matches(@"Lenders' mailboxes: [1-9][0-9]* acknowledgements, [1-9][0-9]* retrieval receipts", first.Output);
        Assert.DoesNotContain("already holds data", first.Output);

        var second = await Demo(folder.Path, "--loans", "20", "--seed", "8");

        Assert.True(second.Exit == DemoCommand.ExitOk, $"exit {second.Exit}\n{second.Error}\n{second.Output}");
        Assert.Contains("already holds data", second.Output);
        Assert.Contains("OK   every lender got what its record-date lines earned", second.Output);
        Assert.Contains("OK   OCC 0900's settlement balance and positions are zero after the close", second.Output);

        await using var node = await RealNode.StartAsync(folder.Path);
        var occ = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0900/account", TokenStore.DemoOperatorToken)).AssertOk();
        Assert.Equal(0m, occ.GetProperty("settlementBalance").GetDecimal());
        Assert.All(occ.GetProperty("positions").EnumerateArray(), p => Assert.Equal(0, p.GetProperty("shares").GetInt64()));
        Assert.Empty(occ.GetProperty("pending").EnumerateArray());
    }

    /// <summary>
    /// <c>--days 3</c> on a real node: after the Market Loan day, three lending days run to their
    /// close through HTTP (loans with rebate rates, a price move and its marks at the next open, a
    /// mark dropped and recomputed, a recall met and one not met, a dividend), the summary is
    /// printed, and every check passes; the exit code says so.
    /// </summary>
    [Fact]
    public async Task Three_days_run_loans_marks_rebates_recalls_a_dividend_and_the_report_and_print_their_summary()
    {
        using var folder = new TempFolder();

        var run = await Demo(folder.Path, "--loans", "20", "--seed", "11", "--days", "3");

        Assert.True(run.Exit == DemoCommand.ExitOk, $"exit {run.Exit}\n{run.Error}\n{run.Output}");
        Assert.DoesNotContain("FAIL", run.Output);
        // The one-day demo's own checks still hold.
        Assert.Contains("OK   OCC 0900's settlement balance and positions are zero after the close", run.Output);
        Assert.Contains("OK   every lender got what its record-date lines earned", run.Output);
        // Five loans (four open, one returned whole); marks at $105 then $103: eight paid, the small borrower's first dropped.
        Assert.Contains("Lending summary: loans: 5 (4 open, 1 closed); marks: 8 paid, 1 dropped; rebates accrued:", run.Output);
        Assert.Contains("Lending summary: recalls by state: closed 1, overdue 1", run.Output);
        // The report's lines: four loans opened and two recalled; two marks and the Market Loan's paid, two returns; three marks paid.
        Assert.Matches(@"Lending summary: 10c-1a report of 0811: \d{4}-\d{2}-\d{2} 6 lines, \d{4}-\d{2}-\d{2} 5 lines, \d{4}-\d{2}-\d{2} 3 lines", run.Output);
        // Worked by hand (the nights between closes depend on the calendar, so the accruals are checked by the demo itself):
        // 1,000 at $100 x 1.02, marked +$5,100.00 at $105, 400 returned for $42,840.00, marked -$1,224.00 at $103 on 600.
        Assert.Matches(@"DEMO-LN-1\s+0811 -> 0812\s+1,000\s+600\s+\$63,036\.00\s+4\.50 %\s+2\s+0\s+\d+\.\d{4}\s+open", run.Output);
        // 500 at $100: the $2,550.00 mark at $105 dropped on the small cap; recomputed at $103, $1,530.00, paid after the payment.
        Assert.Matches(@"DEMO-LN-2\s+0811 -> 0813\s+500\s+500\s+\$52,530\.00\s+3\.00 %\s+1\s+1\s+\d+\.\d{4}\s+open", run.Output);
        Assert.Matches(@"DEMO-LN-3\s+0811 -> 0814\s+300\s+0\s+\$0\.00\s+5\.00 %\s+1\s+0\s+\d+\.\d{4}\s+closed", run.Output);
        // The Market Loan's two legs through OCC mark alike: 800 x $103 x 1.02.
        Assert.Matches(@"DEMO-ML-L\s+0811 -> 0900\s+800\s+800\s+\$84,048\.00", run.Output);
        Assert.Matches(@"DEMO-ML-B\s+0900 -> 0812\s+800\s+800\s+\$84,048\.00", run.Output);
        foreach (var check in new[]
                 {
                     "each loan's collateral held is its opening amount plus its completed marks less its returns",
                     "each mark is open shares x the previous close x margin less the collateral held",
                     "marks sum to zero across payers and payees, OCC nets zero, and both parties list each mark alike",
                     "a loan is marked at most once a business day, and a dropped mark is recomputed from the next close",
                     "each loan's rebate accrued Act/360 on the collateral held at every close",
                     "the recall returned is closed, the one not returned is overdue with its buy-in three business days after due",
                     "the 10c-1a report of every closed day counts its lines in its header and is the same bytes when fetched again",
                     "the dividend's stock-loan income sums to zero and the lender got what its lent shares earned",
                 })
            Assert.Contains("OK   " + check, run.Output);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("4")]
    public async Task Days_outside_one_to_three_are_refused_before_a_node_starts(string days)
    {
        var error = new StringWriter();
        var started = false;

        var exit = await global::Ledger.Host.Cli.RunAsync(["demo", "--no-serve", "--days", days], (_, _, _) =>
        {
            started = true;
            throw new InvalidOperationException("not in this test");
        }, new StringWriter(), error);

        Assert.NotEqual(0, exit);
        Assert.False(started, "no node is started for a refused --days");
        Assert.Contains("--days must be between 1 and 3", error.ToString());
    }

    [Fact]
    public async Task Demo_help_lists_the_serve_options_and_its_own()
    {
        var output = new StringWriter();

        var exit = await global::Ledger.Host.Cli.RunAsync(["demo", "--help"], (_, _, _) => throw new InvalidOperationException(), output);

        Assert.Equal(0, exit);
        foreach (var option in new[] { "--urls", "--data-dir", "--store", "--seed", "--loans", "--days", "--no-serve", "--batch-size" })
            Assert.Contains(option, output.ToString());
        Assert.DoesNotContain("--tokens", output.ToString());
    }

    [Fact]
    public async Task A_node_that_does_not_start_is_the_exit_code_of_serve()
    {
        var exit = await global::Ledger.Host.Cli.RunAsync(["demo", "--no-serve"], (_, _, _) => throw new InvalidOperationException("not in this test"),
            new StringWriter(), new StringWriter());

        Assert.Equal(LedgerServer.ExitStartFailed, exit);
    }

    [Theory]
    [InlineData("http://[::]:5080", "http://127.0.0.1:5080/")]
    [InlineData("http://0.0.0.0:5081", "http://127.0.0.1:5081/")]
    [InlineData("http://127.0.0.1:43211", "http://127.0.0.1:43211/")]
    public void The_demo_talks_to_its_node_on_loopback_even_when_it_listens_on_every_address(string listening, string url)
    {
        Assert.Equal(url, DemoCommand.LocalUrl([listening]).ToString());
    }
}
