using Ledger.Host.Tests.Income;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Verbs;

/// <summary>
/// <c>ledger report 10c-1a</c> as the real <c>ledger</c> program, reading the SQLite file of a real
/// node beside it: one file per party to a loan when no participant is named (the lender's with
/// its loan, the borrower's empty: the lender reports; OCC, party to no loan, gets none), and the refusals an operator meets: a bad
/// date or participant (exit 1), a date whose close is not recorded (exit 2, rule
/// report-date-closed), a folder with no journal (exit 3).
/// </summary>
[Collection("real-node")]
public sealed class ReportCommandTests
{
    private const string L = "1901", B = "1902", Cusip = "037833100";

    [Fact]
    public async Task Report_10c_1a_writes_each_partys_file_of_a_closed_date_and_refuses_what_it_cannot_write()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        var desk = new IncomeDesk(node);
        await desk.Participant(Occ, cap: 0m, fund: 0m, marketLoan: false, ccp: true);
        await desk.Participant(L);
        await desk.Participant(B);
        await desk.Security(Cusip, price: "100", haircut: "0.1");
        await desk.Deposit(L, Cusip, 500);
        var d = await desk.BusinessDate();
        await desk.Submit($$"""{"id":"CLI-LOAN","deliverer":"{{L}}","receiver":"{{B}}","cusip":"{{Cusip}}","shares":500,"amount":51000,"reasonCode":"SL","rebateRate":0.02}""");
        await desk.Status("CLI-LOAN", L, "completed");
        await node.EventuallyAsync($"/v1/participants/{L}/loans", Token(L), v => v.GetProperty("loans").GetArrayLength() == 1, "the loan listed");

        // Not closed yet: nothing is written.
        var reports = Path.Combine(folder.Path, "reports");
        Directory.CreateDirectory(reports);
        var (exit, _, error) = await LedgerCommand.RunAsync(folder.Path, ["report", "10c-1a", "--date", d, "--data-dir", folder.Path, "--out", reports]);
        Assert.Equal(2, exit);
        Assert.Contains("report-date-closed", string.Join("\n", error), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(reports));

        await desk.Close();
        var (written, output, errors) = await LedgerCommand.RunAsync(folder.Path, ["report", "10c-1a", "--date", d, "--data-dir", folder.Path, "--out", reports]);
        Assert.True(written == 0, string.Join("\n", errors));
        // OCC is party to no loan here: no file of its.
        Assert.Equal([$"10c-1a-{L}-{d}.csv", $"10c-1a-{B}-{d}.csv"], Directory.GetFiles(reports).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var lender = await File.ReadAllLinesAsync(Path.Combine(reports, $"10c-1a-{L}-{d}.csv"));
        Assert.EndsWith(",lines=1", lender[0], StringComparison.Ordinal);
        Assert.StartsWith($"opened,CLI-LOAN,{Cusip},", lender[2], StringComparison.Ordinal);
        Assert.Contains(",500,500,cash,51000.00,1.02,0.02,", lender[2], StringComparison.Ordinal);
        var borrower = await File.ReadAllLinesAsync(Path.Combine(reports, $"10c-1a-{B}-{d}.csv"));
        Assert.Equal(2, borrower.Length);
        Assert.EndsWith(",lines=0", borrower[0], StringComparison.Ordinal);
        Assert.Contains($"10c-1a-{L}-{d}.csv: 1 loan events reported by {L}", string.Join("\n", output), StringComparison.Ordinal);
        // The same file through the API.
        var api = await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/reports/10c-1a/{d}", Token(L));
        Assert.Equal(await api.Content.ReadAsByteArrayAsync(), await File.ReadAllBytesAsync(Path.Combine(reports, $"10c-1a-{L}-{d}.csv")));

        (exit, _, error) = await LedgerCommand.RunAsync(folder.Path, ["report", "10c-1a", "--date", "2026-13-01", "--data-dir", folder.Path]);
        Assert.Equal(1, exit);
        Assert.Contains("date-format", string.Join("\n", error), StringComparison.Ordinal);
        (exit, _, error) = await LedgerCommand.RunAsync(folder.Path, ["report", "10c-1a", "--date", d, "--participant", "19", "--data-dir", folder.Path]);
        Assert.Equal(1, exit);
        Assert.Contains("participant-id-format", string.Join("\n", error), StringComparison.Ordinal);
        using var empty = new TempFolder();
        (exit, _, error) = await LedgerCommand.RunAsync(empty.Path, ["report", "10c-1a", "--date", d, "--participant", L, "--data-dir", empty.Path]);
        Assert.Equal(3, exit);
        Assert.Contains("no journal", string.Join("\n", error), StringComparison.Ordinal);
    }
}
