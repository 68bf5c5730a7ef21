using System.Globalization;
using System.Text.Json;
using Ledger.Host.Tests.Income;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Lending;

public sealed class LendingNodeFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private RealNode? _node;

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
/// Worked scenarios 1 and 2 of lending.md section 6 through the real HTTP host over the real node:
/// a completed SL deliver order opens a loan (through settlement's published events), the
/// operator's price is the close price, and the next open marks the loan once, sends the mark as
/// a payment order that settlement completes, and the loan's collateral held moves by the mark.
/// </summary>
[Collection("real-node")]
public sealed class LendingHttpTests(LendingNodeFixture fixture) : IClassFixture<LendingNodeFixture>
{
    private readonly IncomeDesk _desk = fixture.Desk;

    private static string CusipOf(int n)
    {
        var first8 = "LND" + n.ToString("D5", CultureInfo.InvariantCulture);
        return first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    private static string SlOrder(string id, string lender, string borrower, string cusip, long shares, string amount, string terms) =>
        $$"""{"id":"{{id}}","deliverer":"{{lender}}","receiver":"{{borrower}}","cusip":"{{cusip}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"SL"{{terms}}}""";

    private static JsonElement OnlyLoan(JsonElement answer) => Assert.Single(answer.GetProperty("loans").EnumerateArray().ToList());

    [Fact]
    public async Task A_loan_opens_from_its_SL_order_and_a_price_move_is_marked_once_paid_and_applied_to_collateral()
    {
        const string L = "1501", B = "1502", Other = "1503";
        var x = CusipOf(1);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Participant(Other);
        await _desk.Security(x, price: "100", haircut: "0.1");
        await _desk.Deposit(L, x, 1000);

        // Scenario 1: L lends B 1,000 X for $102,000 at a 4.5% rebate.
        await _desk.Submit(SlOrder("LND-1", L, B, x, 1000, "102000", ""","rebateRate":0.045"""));
        await _desk.Status("LND-1", L, "completed");
        var borrowerLoans = await _desk.Node.EventuallyAsync($"/v1/participants/{B}/loans", Token(B),
            v => v.GetProperty("loans").GetArrayLength() == 1, "the loan listed for the borrower");
        var loan = OnlyLoan(borrowerLoans);
        Assert.Equal("LND-1", loan.GetProperty("id").GetString());
        Assert.Equal(L, loan.GetProperty("counterparty").GetString());
        Assert.Equal("borrower", loan.GetProperty("side").GetString());
        Assert.Equal(1000, loan.GetProperty("openShares").GetInt64());
        Assert.Equal(102_000.00m, loan.GetProperty("collateral").GetDecimal());
        Assert.Equal(1.02m, loan.GetProperty("collateralMargin").GetDecimal());
        Assert.Equal(0.045m, loan.GetProperty("rebateRate").GetDecimal());
        Assert.Equal("open", loan.GetProperty("state").GetString());
        Assert.Equal("lender", OnlyLoan(await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/loans?state=open", Token(L))).AssertOk())
            .GetProperty("side").GetString());
        Assert.Empty((await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/loans?state=closed", Token(L))).AssertOk())
            .GetProperty("loans").EnumerateArray());
        // A third firm does not learn the loan exists; staff see it.
        await (await _desk.Api.SendAsync(HttpMethod.Get, "/v1/loans/LND-1", Token(Other))).AssertProblem(404, "loan-known", "id");
        Assert.Null((await (await _desk.Api.SendAsync(HttpMethod.Get, "/v1/loans/LND-1", Risk)).AssertOk()).GetProperty("side").GetString());

        // Scenario 2: X closes at $105; the next open requires $107,100.00, a mark of $5,100.00 owed by B to L.
        await _desk.Security(x, price: "105", haircut: "0.1");
        var d = await _desk.BusinessDate();
        await _desk.Close();
        var next = await _desk.BusinessDate();
        Assert.NotEqual(d, next);
        var marks = await _desk.Node.EventuallyAsync($"/v1/participants/{L}/marks?date={next}", Token(L),
            v => v.GetProperty("marks").EnumerateArray().Any(m => m.GetProperty("status").GetString() == "completed"), "the mark completed");
        var mark = Assert.Single(marks.GetProperty("marks").EnumerateArray().ToList());
        var markId = "MK-" + next.Replace("-", "", StringComparison.Ordinal) + "-LND-1";
        Assert.Equal(markId, mark.GetProperty("deliverOrderId").GetString());
        Assert.Equal(5_100.00m, mark.GetProperty("amount").GetDecimal());
        Assert.Equal(B, mark.GetProperty("payer").GetString());
        Assert.Equal(L, mark.GetProperty("payee").GetString());
        Assert.Equal(105.00m, mark.GetProperty("price").GetDecimal());
        Assert.Equal(107_100.00m, mark.GetProperty("required").GetDecimal());
        Assert.Equal(102_000.00m, mark.GetProperty("heldBefore").GetDecimal());

        // The payment order in settlement: money only, reason code MARK, completed.
        var order = await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{markId}", Token(B))).AssertOk();
        Assert.Equal("completed", order.GetProperty("status").GetString());
        Assert.Equal(0, order.GetProperty("shares").GetInt64());
        Assert.Equal(5_100.00m, order.GetProperty("amount").GetDecimal());

        // Collateral held is the opening amount plus the completed mark, as both parties see it.
        var detail = await _desk.Node.EventuallyAsync("/v1/loans/LND-1", Token(L),
            v => v.GetProperty("collateral").GetDecimal() == 107_100.00m, "collateral after the mark");
        Assert.Equal(102_000.00m, detail.GetProperty("openingCollateral").GetDecimal());
        var detailMark = Assert.Single(detail.GetProperty("marks").EnumerateArray().ToList());
        Assert.Equal("completed", detailMark.GetProperty("status").GetString());
        Assert.Equal(next, detailMark.GetProperty("settledOn").GetString());
        Assert.Equal(107_100.00m, OnlyLoan(await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/loans", Token(B))).AssertOk())
            .GetProperty("collateral").GetDecimal());

        // The next open at the same price marks nothing: the mark was paid once, and the loan is at its required collateral.
        await _desk.Close();
        var third = await _desk.BusinessDate();
        var afterClose = await (await _desk.Api.SendAsync(HttpMethod.Get, "/v1/loans/LND-1", Risk)).AssertOk();
        Assert.Single(afterClose.GetProperty("marks").EnumerateArray());
        Assert.Equal(107_100.00m, afterClose.GetProperty("collateral").GetDecimal());
        Assert.Empty((await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/marks?date={third}", Token(B))).AssertOk())
            .GetProperty("marks").EnumerateArray());
        // The close of the day in 2 accrued the rebate: 107,100.00 x 4.5% x days / 360, kept to the hundredth of a cent.
        var accrued = afterClose.GetProperty("accruedRebate").GetDecimal();
        var days = DateOnly.ParseExact(third, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - DateOnly.ParseExact(next, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber;
        var firstNight = DateOnly.ParseExact(next, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - DateOnly.ParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber;
        // Close of d on $102,000.00, close of next on $107,100.00.
        var expected = Math.Round(102_000m * 0.045m * firstNight / 360m, 4, MidpointRounding.AwayFromZero)
            + Math.Round(107_100m * 0.045m * days / 360m, 4, MidpointRounding.AwayFromZero);
        Assert.Equal(expected, accrued);
    }

    [Fact]
    public async Task Bad_parameters_are_refused_naming_field_and_rule()
    {
        const string P = "1511";
        await _desk.Participant(P);
        var today = await _desk.BusinessDate();
        async Task Refused(string path, string token, int status, string rule, string field) =>
            await (await _desk.Api.SendAsync(HttpMethod.Get, path, token)).AssertProblem(status, rule, field);

        await Refused($"/v1/participants/{P}/loans?state=lent", Token(P), 400, "loan-state", "state");
        await Refused("/v1/participants/15/loans", Risk, 400, "participant-id-format", "id");
        await Refused($"/v1/participants/{P}/loans", Token("1512"), 403, "own-participant", "id");
        await Refused("/v1/participants/1599/loans", Risk, 404, "participant-known", "id");
        await Refused($"/v1/participants/{P}/marks", Token(P), 400, "required", "date");
        await Refused($"/v1/participants/{P}/marks?date=08/12/2026", Token(P), 400, "date-format", "date");
        await Refused($"/v1/participants/{P}/marks?date={Next(today, 1)}", Token(P), 400, "date-not-future", "date");
        await Refused("/v1/loans/NO-SUCH-LOAN", Risk, 404, "loan-known", "id");
        await Refused("/v1/loans/" + new string('x', 80), Risk, 400, "loan-id-format", "id");
        Assert.Empty((await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{P}/loans", Token(P))).AssertOk()).GetProperty("loans").EnumerateArray());
    }
}
