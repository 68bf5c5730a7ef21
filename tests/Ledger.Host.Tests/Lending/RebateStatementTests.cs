using System.Globalization;
using System.Text.Json;
using Ledger.Host.Tests.Income;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Lending;

/// <summary>
/// Rebates, statements and reconciliation (lending.md section 3, worked scenario 3) through the
/// real HTTP host over the real node: each close accrues Act/360 on the collateral held, kept to a
/// hundredth of a cent; the monthly statement shows each loan's days and accrual and bills it
/// rounded to the cent; a Friday close accrues three days; a reconciliation lists every loan where
/// the counterparty's statement differs and writes nothing. The node runs on the real clock, so a
/// test closes business days until the weekday it needs comes.
/// </summary>
[Collection("real-node")]
public sealed class RebateStatementTests(LendingNodeFixture fixture) : IClassFixture<LendingNodeFixture>
{
    private readonly IncomeDesk _desk = fixture.Desk;

    /// <summary>A line of a reconciliation's answer.</summary>
    private readonly record struct Difference(string LoanId, decimal? Ours, decimal? Theirs, decimal By);

    private static readonly BusinessCalendar Calendar = new(Ledger.Journal.LedgerSettings.Default.DefaultHolidays);

    private static string CusipOf(int n)
    {
        var first8 = "RBT" + n.ToString("D5", CultureInfo.InvariantCulture);
        return first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    private static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Month(DateOnly date) => date.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string SlOrder(string id, string lender, string borrower, string cusip, long shares, string amount, string rate) =>
        $$"""{"id":"{{id}}","deliverer":"{{lender}}","receiver":"{{borrower}}","cusip":"{{cusip}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"SL","rebateRate":{{rate}}}""";

    /// <summary>Closes business days until the open one satisfies <paramref name="wanted"/> (at most two weeks of them).</summary>
    private async Task<DateOnly> OpenDayWhere(Func<DateOnly, bool> wanted)
    {
        for (var closes = 0; closes < 10; closes++)
        {
            var today = Date(await _desk.BusinessDate());
            if (wanted(today)) return today;
            await _desk.Close();
        }
        throw new Xunit.Sdk.XunitException("no wanted business day within ten closes");
    }

    private async Task<JsonElement> Statements(string participant, string month, string? counterparty = null, string? token = null) =>
        await (await _desk.Api.SendAsync(HttpMethod.Get,
            $"/v1/participants/{participant}/rebate-statements/{month}" + (counterparty is null ? "" : "?counterparty=" + counterparty),
            token ?? Token(participant))).AssertOk();

    private static JsonElement LineOf(JsonElement statement, string loanId) =>
        statement.GetProperty("loans").EnumerateArray().Single(l => l.GetProperty("loanId").GetString() == loanId);

    [Fact]
    public async Task Scenario_3_one_night_on_107100_at_4_5_percent_is_13_3875_in_the_statement_and_a_reconcile_lists_each_difference()
    {
        const string L = "1701", B = "1702", Other = "1703";
        var x = CusipOf(1);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Participant(Other);
        // At $105 and margin 1.02 the loans open at their required collateral: no mark moves them before the close.
        await _desk.Security(x, price: "105", haircut: "0.1");
        await _desk.Deposit(L, x, 2000);
        // A close that accrues one night: the next business date is the next calendar day.
        var d = await OpenDayWhere(day => Calendar.Next(day) == day.AddDays(1));

        // Scenario 3's loan (collateral $107,100.00 at 4.5%), and a hard-to-borrow loan at -1% (a fee the borrower owes).
        await _desk.Submit(SlOrder("RBT-1", L, B, x, 1000, "107100", "0.045"), SlOrder("RBT-2", L, B, x, 500, "53550", "-0.01"));
        await _desk.Status("RBT-1", L, "completed");
        await _desk.Status("RBT-2", L, "completed");
        await _desk.Node.EventuallyAsync($"/v1/participants/{L}/loans", Token(L), v => v.GetProperty("loans").GetArrayLength() == 2, "both loans listed");
        await _desk.Close();
        Assert.Equal(d.AddDays(1), Date(await _desk.BusinessDate()));

        var month = Month(d);
        var lenders = await Statements(L, month, B);
        Assert.Equal((L, month), (lenders.GetProperty("participant").GetString(), lenders.GetProperty("month").GetString()));
        var statement = Assert.Single(lenders.GetProperty("statements").EnumerateArray().ToList());
        Assert.Equal(B, statement.GetProperty("counterparty").GetString());
        var one = LineOf(statement, "RBT-1");
        // 107,100.00 x 0.045 x 1 / 360 = 13.3875, owed by the lender to the borrower; billed 13.39.
        Assert.Equal((1, 13.3875m, 13.39m, L, B), (one.GetProperty("days").GetInt32(), one.GetProperty("accrual").GetDecimal(),
            one.GetProperty("amount").GetDecimal(), one.GetProperty("payer").GetString(), one.GetProperty("payee").GetString()));
        Assert.Equal((L, B, x), (one.GetProperty("lender").GetString(), one.GetProperty("borrower").GetString(), one.GetProperty("cusip").GetString()));
        var fee = LineOf(statement, "RBT-2");
        // 53,550.00 x -0.01 / 360 = -1.4875: a fee the borrower owes the lender, billed -1.49 (half away from zero).
        Assert.Equal((1, -1.4875m, -1.49m, B, L), (fee.GetProperty("days").GetInt32(), fee.GetProperty("accrual").GetDecimal(),
            fee.GetProperty("amount").GetDecimal(), fee.GetProperty("payer").GetString(), fee.GetProperty("payee").GetString()));
        // Net: the lender owes 13.39 and is owed 1.49.
        Assert.Equal((11.90m, L, B), (statement.GetProperty("total").GetDecimal(), statement.GetProperty("payer").GetString(), statement.GetProperty("payee").GetString()));

        // The borrower and risk read the same figures; the borrower's counterparty is the lender.
        var borrowers = Assert.Single((await Statements(B, month)).GetProperty("statements").EnumerateArray().ToList());
        Assert.Equal(L, borrowers.GetProperty("counterparty").GetString());
        Assert.Equal(statement.GetProperty("loans").ToString(), borrowers.GetProperty("loans").ToString());
        Assert.Equal(statement.GetProperty("loans").ToString(),
            Assert.Single((await Statements(B, month, token: Risk)).GetProperty("statements").EnumerateArray().ToList()).GetProperty("loans").ToString());
        // A third firm has no statement with either, and learns nothing of their loans.
        var others = await Statements(Other, month, L);
        Assert.Empty(others.GetProperty("statements").EnumerateArray());
        Assert.DoesNotContain("RBT-", others.ToString(), StringComparison.Ordinal);

        // The borrower submits the lender's statement as it has it: RBT-1 missing, RBT-2 a cent off, one loan the ledger does not know.
        var before = (await Statements(L, month, B)).ToString();
        var reconcile = await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{B}/rebate-statements/{month}/reconcile", Token(B),
            $$"""{"counterparty":"{{L}}","loans":[{"loanId":"RBT-2","amount":-1.50},{"loanId":"RBT-NONE","amount":5.00}]}""")).AssertOk();
        var differences = Differences(reconcile);
        Difference[] expected = [new("RBT-1", 13.39m, null, -13.39m), new("RBT-2", -1.49m, -1.50m, -0.01m), new("RBT-NONE", null, 5.00m, 5.00m)];
        Assert.Equal(expected, differences);
        Assert.Equal((11.90m, 3.50m), (reconcile.GetProperty("ourTotal").GetDecimal(), reconcile.GetProperty("theirTotal").GetDecimal()));
        // The same statement submitted back: no difference. And nothing was written: the statement reads as before.
        var agreed = await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{L}/rebate-statements/{month}/reconcile", Token(L),
            $$"""{"counterparty":"{{B}}","loans":[{"loanId":"RBT-1","amount":13.39},{"loanId":"RBT-2","amount":-1.49}]}""")).AssertOk();
        Assert.Empty(agreed.GetProperty("differences").EnumerateArray());
        Assert.Equal(before, (await Statements(L, month, B)).ToString());
        // A third firm's reconcile with the lender: every line of its is "theirs only", none of the pair's loans is shown.
        var stranger = await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{Other}/rebate-statements/{month}/reconcile", Token(Other),
            $$"""{"counterparty":"{{L}}","loans":[{"loanId":"RBT-1","amount":13.39}]}""")).AssertOk();
        Difference[] strangers = [new("RBT-1", null, 13.39m, 13.39m)];
        Assert.Equal(strangers, Differences(stranger));
    }

    private static List<Difference> Differences(JsonElement answer) => answer.GetProperty("differences").EnumerateArray()
        .Select(e => new Difference(e.GetProperty("loanId").GetString()!, Decimal(e, "ours"), Decimal(e, "theirs"), e.GetProperty("difference").GetDecimal())).ToList();

    private static decimal? Decimal(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetDecimal();

    [Fact]
    public async Task A_Friday_close_accrues_three_days()
    {
        const string L = "1711", B = "1712";
        var x = CusipOf(2);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Security(x, price: "105", haircut: "0.1");
        await _desk.Deposit(L, x, 1000);
        var friday = await OpenDayWhere(day => day.DayOfWeek == DayOfWeek.Friday && Calendar.Next(day) == day.AddDays(3));

        await _desk.Submit(SlOrder("RBT-FRI", L, B, x, 1000, "107100", "0.045"));
        await _desk.Status("RBT-FRI", L, "completed");
        await _desk.Node.EventuallyAsync($"/v1/participants/{L}/loans", Token(L), v => v.GetProperty("loans").GetArrayLength() == 1, "the loan listed");
        await _desk.Close();
        Assert.Equal(friday.AddDays(3), Date(await _desk.BusinessDate()));

        // 107,100.00 x 0.045 x 3 / 360 = 40.1625 (Friday, Saturday and Sunday), on the loan and, split by calendar month, on the statements.
        var loan = Assert.Single((await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/loans", Token(B))).AssertOk()).GetProperty("loans").EnumerateArray().ToList());
        Assert.Equal(40.1625m, loan.GetProperty("accruedRebate").GetDecimal());
        var months = new[] { friday, friday.AddDays(2) }.Select(Month).Distinct().ToList();
        var lines = new List<JsonElement>();
        foreach (var month in months)
            lines.AddRange((await Statements(L, month, B)).GetProperty("statements").EnumerateArray().SelectMany(s => s.GetProperty("loans").EnumerateArray()));
        Assert.All(lines, l => Assert.Equal("RBT-FRI", l.GetProperty("loanId").GetString()));
        Assert.Equal(3, lines.Sum(l => l.GetProperty("days").GetInt32()));
        Assert.Equal(40.1625m, lines.Sum(l => l.GetProperty("accrual").GetDecimal()));
        if (months.Count == 1)
        {
            var line = Assert.Single(lines);
            Assert.Equal((3, 40.1625m, 40.16m), (line.GetProperty("days").GetInt32(), line.GetProperty("accrual").GetDecimal(), line.GetProperty("amount").GetDecimal()));
        }
    }

    [Fact]
    public async Task Bad_months_counterparties_and_statement_lines_are_refused_naming_field_and_rule_and_change_nothing()
    {
        const string P = "1721", C = "1722";
        await _desk.Participant(P);
        await _desk.Participant(C);
        var today = Date(await _desk.BusinessDate());
        var thisMonth = Month(today);
        var nextMonth = Month(today.AddMonths(1));
        async Task Refused(HttpMethod method, string path, string token, int status, string rule, string field, string? body = null) =>
            await (await _desk.Api.SendAsync(method, path, token, body)).AssertProblem(status, rule, field);
        var statements = $"/v1/participants/{P}/rebate-statements";
        var before = (await Statements(P, thisMonth)).ToString();

        await Refused(HttpMethod.Get, $"{statements}/{nextMonth}", Token(P), 400, "month-not-future", "month");
        await Refused(HttpMethod.Get, $"{statements}/2026-13", Token(P), 400, "month-format", "month");
        await Refused(HttpMethod.Get, $"{statements}/26-01", Risk, 400, "month-format", "month");
        await Refused(HttpMethod.Get, $"{statements}/{today:yyyy-MM-dd}", Token(P), 400, "month-format", "month");
        await Refused(HttpMethod.Get, $"{statements}/{thisMonth}?counterparty=1799", Token(P), 400, "counterparty-known", "counterparty");
        await Refused(HttpMethod.Get, $"{statements}/{thisMonth}?counterparty={P}", Token(P), 400, "counterparty-not-self", "counterparty");
        await Refused(HttpMethod.Get, $"{statements}/{thisMonth}?counterparty=17", Token(P), 400, "participant-id-format", "counterparty");
        await Refused(HttpMethod.Get, $"{statements}/{thisMonth}", Token(C), 403, "own-participant", "id");
        await Refused(HttpMethod.Get, $"/v1/participants/1799/rebate-statements/{thisMonth}", Risk, 404, "participant-known", "id");

        var reconcile = $"{statements}/{thisMonth}/reconcile";
        await Refused(HttpMethod.Post, $"{statements}/{nextMonth}/reconcile", Token(P), 400, "month-not-future", "month", $$"""{"counterparty":"{{C}}","loans":[]}""");
        await Refused(HttpMethod.Post, $"{statements}/2026-1/reconcile", Token(P), 400, "month-format", "month", $$"""{"counterparty":"{{C}}","loans":[]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "required", "counterparty", """{"loans":[]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "counterparty-known", "counterparty", """{"counterparty":"1799","loans":[]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "counterparty-not-self", "counterparty", $$"""{"counterparty":"{{P}}","loans":[]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "required", "loans", $$"""{"counterparty":"{{C}}"}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "json-type", "loans", $$"""{"counterparty":"{{C}}","loans":{"loanId":"A"} }""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "loan-id-unique", "loans[1].loanId",
            $$"""{"counterparty":"{{C}}","loans":[{"loanId":"A","amount":1},{"loanId":"A","amount":2}]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "amount-two-decimals", "loans[0].amount", $$"""{"counterparty":"{{C}}","loans":[{"loanId":"A","amount":1.005}]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "required", "loans[0].amount", $$"""{"counterparty":"{{C}}","loans":[{"loanId":"A"}]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "loan-id-format", "loans[0].loanId", $$"""{"counterparty":"{{C}}","loans":[{"loanId":"a b","amount":1}]}""");
        await Refused(HttpMethod.Post, reconcile, Token(P), 400, "field-known", "loans[0].extra", $$"""{"counterparty":"{{C}}","loans":[{"loanId":"A","amount":1,"extra":1}]}""");
        await Refused(HttpMethod.Post, reconcile, Token(C), 403, "own-participant", "id", $$"""{"counterparty":"{{C}}","loans":[]}""");
        await (await _desk.Api.SendAsync(HttpMethod.Post, reconcile, Risk, $$"""{"counterparty":"{{C}}","loans":[]}""")).AssertProblem(403, "role");

        Assert.Equal(before, (await Statements(P, thisMonth)).ToString());
    }
}
