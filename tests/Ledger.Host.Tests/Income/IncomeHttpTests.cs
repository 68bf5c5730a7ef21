using System.Text.Json;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Income;

/// <summary>One real node on a temporary SQLite folder for income tracking's HTTP tests; OCC is set up.</summary>
public sealed class IncomeNodeFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private RealNode? _node;

    /// <summary>The node's data folder: the CLI reads its journal from here.</summary>
    public string DataDir => _folder.Path;

    public IncomeDesk Desk { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _node = await RealNode.StartAsync(_folder.Path);
        Desk = new IncomeDesk(_node);
        await Desk.Participant(Occ, cap: 0m, fund: 0m, marketLoan: false, ccp: true);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// The worked scenarios of income-tracking.md section 8 through the real HTTP host over the real
/// node: deliver orders completed by settlement reach the memo accounts through settlement's
/// published events, the close fixes the record date, the open of the next day posts the income
/// to the settlement balances.
/// </summary>
[Collection("real-node")]
public sealed class IncomeHttpTests(IncomeNodeFixture fixture) : IClassFixture<IncomeNodeFixture>
{
    private readonly IncomeDesk _desk = fixture.Desk;

    private static readonly StartLedger NoNode = (_, _, _) => throw new InvalidOperationException("these verbs start no node");

    [Fact]
    public async Task Scenarios_1_2_and_4_a_loan_a_return_and_a_dividend_paid_to_the_lender()
    {
        const string L = "0101", B = "0102";
        var x = CusipOf(1);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Security(x);
        await _desk.Deposit(L, x, 1_000);
        var d = await _desk.BusinessDate();
        var n = Next(d);
        var announced = await (await _desk.Announce(x, "DIV-1", 0.25m, d, n)).AssertOk();
        Assert.Equal(n, announced.GetProperty("postingDate").GetString());

        // 1. L lends B 1,000 X.
        // At the collateral margin (1.02 x $100 a share), so the open marks nothing and the balances below hold only income.
        await _desk.Submit(Order("S1-LOAN", L, B, x, 1_000, "102000", "SL"));
        await _desk.Status("S1-LOAN", L, "completed");
        await _desk.LineBecomes(L, B, x, 1_000);
        await _desk.LineBecomes(B, L, x, -1_000);

        // 2. B returns 400.
        await _desk.Submit(Order("S2-RETURN", B, L, x, 400, "40800", "SLR"));
        await _desk.Status("S2-RETURN", B, "completed");
        var lender = await _desk.LineBecomes(L, B, x, 600);
        Assert.Equal(600, Line(lender, B, x));
        Assert.Equal(-600, Line(await _desk.LineBecomes(B, L, x, -600), L, x));

        // 4. Record date D closes, payable D+1 posts at the open.
        await _desk.Close();
        var l = await _desk.Income(L, n);
        var b = await _desk.Income(B, n);
        Assert.Equal(250.00m, l.GetProperty("total").GetDecimal());
        Assert.Equal(0.00m, b.GetProperty("total").GetDecimal());
        var lEntries = l.GetProperty("entries").EnumerateArray().ToList();
        var bEntries = b.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([("holder-of-record", null, 400L, 100.00m), ("stock-loan-income", B, 600L, 150.00m)], lEntries.Select(Entry).ToList());
        Assert.Equal([("holder-of-record", null, 600L, 150.00m), ("stock-loan-income", L, 600L, -150.00m)], bEntries.Select(Entry).ToList());
        // The transfer is one entry id, credit and debit: they sum to zero.
        Assert.Equal(lEntries[1].GetProperty("entryId").GetString(), bEntries[1].GetProperty("entryId").GetString());
        // In the settlement balance from the open on: L ends with the $250 its 1,000 shares earned, B with nothing.
        Assert.Equal(250.00m, await _desk.Balance(L));
        Assert.Equal(0.00m, await _desk.Balance(B));

        // ?asOf= the record date: the lines as at its close.
        Assert.Equal(600, Line(await _desk.StockLoans(L, asOf: d), B, x));
        Assert.Equal(-600, Line(await _desk.StockLoans(B, Risk, asOf: d), L, x));
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/stock-loans?asOf={n}", Token(L))).AssertProblem(400, "as-of-closed-date", "asOf");

        // The lender's entry explained from its own journal: the loan and the return, and the arithmetic.
        var entryId = lEntries[1].GetProperty("entryId").GetString()!;
        var why = await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/income-entries/{Uri.EscapeDataString(entryId)}/explanation", Token(L))).AssertOk();
        Assert.Equal(600, why.GetProperty("shares").GetInt64());
        Assert.Equal(150.00m, why.GetProperty("amount").GetDecimal());
        Assert.Equal(["S1-LOAN", "S2-RETURN"], why.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList());
        // The borrower cannot read the lender's explanation; an unknown entry is 404.
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/income-entries/{Uri.EscapeDataString(entryId)}/explanation", Token(B))).AssertProblem(403, "own-participant", "id");
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/income-entries/sli:nothing/explanation", Token(L))).AssertProblem(404, "income-entry-known");

        // The CLI, from the journal: the day's income file (CSV) and the same explanation.
        var csvPath = Path.Combine(fixture.DataDir, "income-report.csv");
        var output = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["income-report", "--participant", L, "--date", n, "--data-dir", fixture.DataDir, "--out", csvPath], NoNode, output, new StringWriter()));
        var csv = await File.ReadAllLinesAsync(csvPath);
        Assert.Equal(3, csv.Length); // the header, the holder-of-record credit, the stock-loan income
        Assert.Contains(csv, line => line.Contains(entryId, StringComparison.Ordinal) && line.Contains("stock-loan-income", StringComparison.Ordinal) && line.Contains("150.00", StringComparison.Ordinal));
        var explained = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["explain", "--income", entryId, "--participant", L, "--format", "json", "--data-dir", fixture.DataDir], NoNode, explained, new StringWriter()));
        Assert.Equal(why.GetProperty("amount").GetDecimal(), JsonDocument.Parse(explained.ToString()).RootElement.GetProperty("amount").GetDecimal());
        var unknown = new StringWriter();
        Assert.Equal(4, await Cli.RunAsync(["explain", "--income", "sli:nothing", "--participant", L, "--data-dir", fixture.DataDir], NoNode, new StringWriter(), unknown));
    }

    [Fact]
    public async Task The_initial_load_enters_each_loan_as_an_adjustment_resumably_and_the_counterparty_affirms_it()
    {
        const string L = "0901", B = "0902";
        var x = CusipOf(9);
        await _desk.Participant(L);
        await _desk.Participant(B);
        var file = Path.Combine(fixture.DataDir, "loans.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            $$"""{"id":"LOAD-1","counterparty":"{{B}}","cusip":"{{x}}","shares":1000}""",
            $$"""{"id":"LOAD-2","counterparty":"{{B}}","cusip":"{{x}}","shares":-250}""",
            "not json",
            $$"""{"id":"LOAD-3","counterparty":"{{L}}","cusip":"{{x}}","shares":5}""",
        ]);
        var output = new StringWriter();
        var exit = await Ledger.Host.Verbs.IncomeCommands.LoadAsync(file, L, "http://localhost", null, restart: false, output, new StringWriter(), CancellationToken.None, _desk.Api.Client);
        Assert.Equal(0, exit);
        var summary = output.ToString();
        Assert.Contains("2 entered, 1 refused, 1 bad lines", summary, StringComparison.Ordinal);
        Assert.Contains("refused counterparty-not-self: line 4: LOAD-3", summary, StringComparison.Ordinal);
        Assert.Contains("line 3:", summary, StringComparison.Ordinal);
        // Pending until B affirms: then both lines change.
        Assert.Equal(0, Line(await _desk.StockLoans(L), B, x));
        foreach (var id in new[] { "LOAD-1", "LOAD-2" })
            await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/stock-loan-adjustments/{id}/affirm", Token(B))).AssertOk();
        await _desk.LineBecomes(L, B, x, 750);
        await _desk.LineBecomes(B, L, x, -750);
        // Run again: every line was done, nothing is sent twice.
        var again = new StringWriter();
        Assert.Equal(0, await Ledger.Host.Verbs.IncomeCommands.LoadAsync(file, L, "http://localhost", null, restart: false, again, new StringWriter(), CancellationToken.None, _desk.Api.Client));
        Assert.Contains("resumed after line 4", again.ToString(), StringComparison.Ordinal);
        Assert.Equal(750, Line(await _desk.StockLoans(L), B, x));
    }

    [Fact]
    public async Task The_initial_load_reads_CSV_by_its_header_in_any_column_order_and_names_a_short_line()
    {
        const string L = "0911", B = "0912";
        var x = CusipOf(11);
        await _desk.Participant(L);
        await _desk.Participant(B);
        var file = Path.Combine(fixture.DataDir, "loans.csv");
        await File.WriteAllLinesAsync(file,
        [
            "cusip,shares,id,counterparty",
            $"{x},400,LOAD-C1,{B}",
            $"{x},-100,LOAD-C2,{B}",
            $"{x},5",
        ]);
        var output = new StringWriter();
        var exit = await Ledger.Host.Verbs.IncomeCommands.LoadAsync(file, L, "http://localhost", null, restart: false, output, new StringWriter(), CancellationToken.None, _desk.Api.Client);
        Assert.Equal(0, exit);
        var summary = output.ToString();
        Assert.Contains("2 entered, 0 refused, 1 bad lines", summary, StringComparison.Ordinal);
        Assert.Contains("line 4:", summary, StringComparison.Ordinal);
        foreach (var id in new[] { "LOAD-C1", "LOAD-C2" })
            await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/stock-loan-adjustments/{id}/affirm", Token(B))).AssertOk();
        await _desk.LineBecomes(L, B, x, 300);
        await _desk.LineBecomes(B, L, x, -300);
    }

    private static (string? Kind, string? Counterparty, long Shares, decimal Amount) Entry(JsonElement e) =>
        (e.GetProperty("kind").GetString(), e.GetProperty("counterparty").GetString(), e.GetProperty("shares").GetInt64(), e.GetProperty("amount").GetDecimal());

    [Fact]
    public async Task Scenario_3_a_market_loan_names_OCC_on_both_sides_and_OCC_nets_to_zero()
    {
        const string L = "0201", B = "0202";
        var x = CusipOf(3);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Security(x);
        await _desk.Deposit(L, x, 500);
        // OCC's receive pends on its zero cap until its delivery pairs with it: look-ahead.
        await _desk.Submit(Order("S3-LEND", L, Occ, x, 500, "50000", "SL"), Order("S3-BORROW", Occ, B, x, 500, "50000", "SL"));
        await _desk.Status("S3-LEND", L, "completed");
        await _desk.LineBecomes(L, Occ, x, 500);
        await _desk.LineBecomes(B, Occ, x, -500);
        var occ = await _desk.Node.EventuallyAsync($"/v1/participants/{Occ}/stock-loans", Risk,
            v => Line(v, L, x) == -500 && Line(v, B, x) == 500, "OCC's two lines");
        Assert.Equal(0, occ.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("cusip").GetString() == x).Sum(l => l.GetProperty("shares").GetInt64()));
        // Anonymity: neither side's memo account names the other.
        var lender = await _desk.StockLoans(L);
        var borrower = await _desk.StockLoans(B);
        Assert.DoesNotContain(B, lender.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(L, borrower.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scenario_5_a_loan_that_pended_all_day_and_dropped_at_the_close_changes_no_memo_line_and_earns_nothing()
    {
        const string L = "0501", B = "0502";
        var x = CusipOf(5);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Security(x);
        var d = await _desk.BusinessDate();
        await (await _desk.Announce(x, "S5-DIV", 1m, d, d)).AssertOk();
        // L holds no X: the loan pends for position all day.
        await _desk.Submit(Order("S5-LOAN", L, B, x, 500, "50000", "SL"));
        await _desk.Status("S5-LOAN", L, "pending");
        await _desk.Close();
        await _desk.Status("S5-LOAN", L, "dropped");
        Assert.Empty((await _desk.StockLoans(L)).GetProperty("lines").EnumerateArray());
        Assert.Empty((await _desk.StockLoans(B)).GetProperty("lines").EnumerateArray());
        Assert.Empty((await _desk.StockLoans(L, asOf: d)).GetProperty("lines").EnumerateArray());
        Assert.Empty((await _desk.Income(L, d)).GetProperty("entries").EnumerateArray());
        Assert.Empty((await _desk.Income(B, d)).GetProperty("entries").EnumerateArray());
        Assert.Equal(0m, await _desk.Balance(L));
    }

    [Fact]
    public async Task Scenario_6_a_halt_needs_two_business_days_notice_and_the_lender_is_told()
    {
        const string L = "0601", B = "0602";
        await _desk.Participant(L);
        await _desk.Participant(B);
        var d = await _desk.BusinessDate();
        await (await _desk.Halt(B, L, Next(d))).AssertProblem(400, "halt-notice", "effectiveDate");
        var halt = await (await _desk.Halt(B, L, Next(d, 2))).AssertOk();
        Assert.Equal(Next(d, 2), halt.GetProperty("effectiveDate").GetString());
        var told = await _desk.Node.EventuallyAsync($"/v1/participants/{L}/notifications", Token(L),
            v => v.GetProperty("notifications").EnumerateArray().Any(x => x.GetProperty("kind").GetString() == "halt-filed"), "L told of the halt");
        var notice = told.GetProperty("notifications").EnumerateArray().Single(x => x.GetProperty("kind").GetString() == "halt-filed");
        Assert.Equal(B, notice.GetProperty("counterparty").GetString());
        Assert.Equal(Next(d, 2), notice.GetProperty("date").GetString());
        // The same letter again changes nothing; another date for the pair is refused.
        await (await _desk.Halt(B, L, Next(d, 2))).AssertOk();
        await (await _desk.Halt(B, L, Next(d, 3))).AssertProblem(409, "halt-filed", "counterparty");
    }

    [Fact]
    public async Task Scenario_7_an_adjustment_changes_both_lines_only_once_affirmed()
    {
        const string L = "0701", B = "0702";
        var x = CusipOf(7);
        await _desk.Participant(L);
        await _desk.Participant(B);
        var entered = await (await _desk.Adjust(L, "S7-ADJ", B, x, 100)).AssertOk();
        Assert.Equal("pending", entered.GetProperty("status").GetString());
        Assert.Equal(0, Line(await _desk.StockLoans(L), B, x));
        var awaiting = await _desk.Node.EventuallyAsync($"/v1/participants/{B}/notifications", Token(B),
            v => v.GetProperty("notifications").EnumerateArray().Any(n => n.GetProperty("adjustmentId").GetString() == "S7-ADJ"), "B told of the adjustment");
        Assert.Equal(-100, awaiting.GetProperty("notifications").EnumerateArray().Single(n => n.GetProperty("adjustmentId").GetString() == "S7-ADJ").GetProperty("shares").GetInt64());
        // The party who entered it cannot affirm it; the counterparty does.
        await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/S7-ADJ/affirm", Token(L))).AssertProblem(403, "affirm-by-counterparty");
        var affirmed = await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/S7-ADJ/affirm", Token(B))).AssertOk();
        Assert.Equal("affirmed", affirmed.GetProperty("status").GetString());
        await _desk.LineBecomes(L, B, x, 100);
        await _desk.LineBecomes(B, L, x, -100);
        // Cancelling an affirmed adjustment is refused; the same id with other terms too.
        await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/S7-ADJ/cancel", Token(B))).AssertProblem(409, "adjustment-pending", "id");
        await (await _desk.Adjust(L, "S7-ADJ", B, x, 200)).AssertProblem(409, "adjustment-id-unique", "id");
        var seen = await (await _desk.Api.SendAsync(HttpMethod.Get, "/v1/stock-loan-adjustments/S7-ADJ", Risk)).AssertOk();
        Assert.Equal(L, seen.GetProperty("enteredBy").GetString());
    }
}
