using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Income;

/// <summary>
/// The list of bad input, each through the real host: a problem+json naming the field and
/// the rule, and nothing changed (the parties' memo lines, notifications and the security's
/// distributions read the same before and after).
/// </summary>
[Collection("real-node")]
public sealed class IncomeBadInputTests(IncomeNodeFixture fixture) : IClassFixture<IncomeNodeFixture>
{
    private readonly IncomeDesk _desk = fixture.Desk;

    private const string L = "0801", B = "0802", C = "0803";

    private async Task<string> World()
    {
        var x = CusipOf(8);
        await _desk.Participant(L);
        await _desk.Participant(B);
        await _desk.Participant(C);
        await _desk.Security(x);
        return x;
    }

    private async Task<string> Snapshot(string x)
    {
        var parts = new List<string>();
        foreach (var p in new[] { L, B, C })
        {
            parts.Add((await _desk.StockLoans(p, Risk)).ToString());
            parts.Add((await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{p}/notifications", Token(p))).AssertOk()).ToString());
        }
        parts.Add((await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/securities/{x}/distributions", Risk)).AssertOk()).ToString());
        return string.Join("\n", parts);
    }

    [Fact]
    public async Task Each_bad_input_is_refused_naming_field_and_rule_and_changes_nothing()
    {
        var x = await World();
        var d = await _desk.BusinessDate();
        var before = await Snapshot(x);
        async Task Refused(Task<HttpResponseMessage> request, int status, string rule, string field) =>
            await (await request).AssertProblem(status, rule, field);

        // Distributions: rate zero, negative, more than 6 decimals; payable before record; record date in the past; CUSIP check digit.
        await Refused(_desk.Announce(x, "BAD-1", 0m, d, d), 400, "rate-positive", "ratePerShare");
        await Refused(_desk.Announce(x, "BAD-2", -0.25m, d, d), 400, "rate-positive", "ratePerShare");
        await Refused(_desk.Announce(x, "BAD-3", 0.1234567m, d, d), 400, "rate-six-decimals", "ratePerShare");
        await Refused(_desk.Announce(x, "BAD-4", 0.25m, Next(d, 2), Next(d)), 400, "payable-date-not-before-record-date", "payableDate");
        await Refused(_desk.Announce(x, "BAD-5", 0.25m, "2020-01-02", "2020-01-03"), 400, "record-date-not-past", "recordDate");
        await Refused(_desk.Announce("037833101", "BAD-6", 0.25m, d, d), 400, "cusip-check-digit", "cusip");
        await Refused(_desk.Announce(x, "BAD-7", 0.25m, d, d, type: "stock-dividend"), 400, "distribution-type", "type");

        // Adjustments: unknown or non-participant counterparty, bad CUSIP, by someone not party, affirm by the party who entered it.
        await Refused(_desk.Adjust(L, "BAD-ADJ-1", "0777", x, 10), 400, "participant-known", "counterparty");
        await Refused(_desk.Adjust(L, "BAD-ADJ-2", "77", x, 10), 400, "participant-id-format", "counterparty");
        await Refused(_desk.Adjust(L, "BAD-ADJ-3", L, x, 10), 400, "counterparty-not-self", "counterparty");
        await Refused(_desk.Adjust(L, "BAD-ADJ-4", B, "037833101", 10), 400, "cusip-check-digit", "cusip");
        await Refused(_desk.Adjust(L, "BAD-ADJ-5", B, x, 0), 400, "shares-not-zero", "shares");
        await Refused(_desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{L}/stock-loan-adjustments", Token(B),
            $$"""{"id":"BAD-ADJ-6","counterparty":"{{C}}","cusip":"{{x}}","shares":10}"""), 403, "own-participant", "id");
        await Refused(_desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/BAD-NONE/affirm", Token(B)), 404, "adjustment-known", "id");

        // Halts: too little notice, against itself, against OCC.
        await Refused(_desk.Halt(B, L, Next(d)), 400, "halt-notice", "effectiveDate");
        await Refused(_desk.Halt(B, L, d), 400, "halt-notice", "effectiveDate");
        await Refused(_desk.Halt(B, B, Next(d, 3)), 400, "counterparty-not-self", "counterparty");
        await Refused(_desk.Halt(B, Occ, Next(d, 3)), 400, "halt-central-counterparty", "counterparty");

        // Mergers: into itself, into a non-participant.
        await Refused(_desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{L}/merge-into/{L}", Operator), 400, "merge-into-self", "to");
        await Refused(_desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{L}/merge-into/0777", Operator), 400, "participant-known", "to");

        // Memo lines as of a date not closed, income without its date.
        await Refused(_desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/stock-loans?asOf=2099-01-02", Token(L)), 400, "as-of-closed-date", "asOf");
        await Refused(_desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/stock-loans?asOf=02/01/2026", Token(L)), 400, "date-format", "asOf");
        await Refused(_desk.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/income", Token(L)), 400, "required", "payableDate");

        Assert.Equal(before, await Snapshot(x));
    }

    [Fact]
    public async Task Adjustment_ids_parties_and_mergers_with_work_in_flight_are_refused_by_their_rules()
    {
        var x = await World();
        await (await _desk.Adjust(L, "BAD-DUP", B, x, 10)).AssertOk();
        // The same id with other terms; the same terms again changes nothing.
        await (await _desk.Adjust(L, "BAD-DUP", B, x, 11)).AssertProblem(409, "adjustment-id-unique", "id");
        var again = await (await _desk.Adjust(L, "BAD-DUP", B, x, 10)).AssertOk();
        Assert.Equal("pending", again.GetProperty("status").GetString());
        // Someone not party to it may neither affirm nor cancel; the party who entered it may not affirm.
        await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/BAD-DUP/affirm", Token(C))).AssertProblem(403, "adjustment-party", "participant");
        await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/BAD-DUP/cancel", Token(C))).AssertProblem(403, "adjustment-party", "participant");
        await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/stock-loan-adjustments/BAD-DUP/affirm", Token(L))).AssertProblem(403, "affirm-by-counterparty", "participant");
        // A third firm does not learn it exists.
        await (await _desk.Api.SendAsync(HttpMethod.Get, "/v1/stock-loan-adjustments/BAD-DUP", Token(C))).AssertProblem(404, "adjustment-known", "id");
        Assert.Equal("pending", (await (await _desk.Api.SendAsync(HttpMethod.Get, "/v1/stock-loan-adjustments/BAD-DUP", Token(B))).AssertOk()).GetProperty("status").GetString());

        // A merger of a participant with a deliver order in flight (pending for position) is refused, and so is one with a settlement balance.
        await _desk.Submit(Order("BAD-PEND", C, B, x, 10, "1000", "SL"));
        await _desk.Status("BAD-PEND", C, "pending");
        await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{C}/merge-into/{B}", Operator)).AssertProblem(409, "merge-deliver-orders-in-flight", "from");
        await (await _desk.Api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/BAD-PEND", OccToken)).AssertOk();
        await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{C}/settlement-progress-payments", Operator, """{"amount":5}""")).AssertOk();
        await (await _desk.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{C}/merge-into/{B}", Operator)).AssertProblem(409, "merge-settlement-balance-zero", "from");
        Assert.Equal("active", (await _desk.StockLoans(C, Risk)).GetProperty("standing").GetString());
    }
}
