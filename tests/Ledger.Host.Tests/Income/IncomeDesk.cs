using System.Globalization;
using System.Text.Json;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests.Income;

/// <summary>What income tracking's tests do through the real host: set up, submit loans, close, read memo lines and income.</summary>
public sealed class IncomeDesk(RealNode node)
{
    public const string Occ = "0900";
    public const string Operator = "operator-demo";
    public const string OccToken = "occ-demo";
    public const string Risk = "risk-demo";

    public RealNode Node { get; } = node;

    public ApiHost Api => Node.Api;

    public static string Token(string participant) => "participant-" + participant;

    public static string CusipOf(int n)
    {
        var first8 = "INC" + n.ToString("D5", CultureInfo.InvariantCulture);
        return first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    public async Task Participant(string id, decimal cap = 10_000_000m, decimal fund = 10_000_000m, bool marketLoan = true, bool ccp = false) =>
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", Operator,
            $$"""{"name":"Firm {{id}}","netDebitCap":{{cap.ToString(CultureInfo.InvariantCulture)}},"participantsFund":{{fund.ToString(CultureInfo.InvariantCulture)}},"marketLoanProgram":{{(marketLoan ? "true" : "false")}},"centralCounterparty":{{(ccp ? "true" : "false")}}}""")).AssertOk();

    public async Task Security(string cusip, string price = "100", string haircut = "0.1") =>
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/securities/{cusip}", Operator, $$"""{"price":{{price}},"haircut":{{haircut}}}""")).AssertOk();

    public async Task Deposit(string participant, string cusip, long shares) =>
        await (await Api.SendAsync(HttpMethod.Post, $"/v1/participants/{participant}/deposits", Operator, $$"""{"cusip":"{{cusip}}","shares":{{shares}}}""")).AssertOk();

    public static string Order(string id, string deliverer, string receiver, string cusip, long shares, string amount, string reasonCode) =>
        $$"""{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{cusip}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"{{reasonCode}}"}""";

    public async Task Submit(params string[] orders)
    {
        var answers = await (await Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", OccToken, "[" + string.Join(",", orders) + "]")).AssertOk();
        foreach (var answer in answers.EnumerateArray()) Assert.True(answer.GetProperty("accepted").GetBoolean(), answer.ToString());
    }

    /// <summary>Waits until the deliver order has the status, as its deliverer sees it.</summary>
    public Task<JsonElement> Status(string id, string deliverer, string status) =>
        Node.EventuallyAsync($"/v1/deliver-orders/{id}", Token(deliverer), d => d.GetProperty("status").GetString() == status, $"{id} {status}");

    public async Task<JsonElement> StockLoans(string participant, string? token = null, string? asOf = null) =>
        await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/stock-loans" + (asOf is null ? "" : "?asOf=" + asOf), token ?? Token(participant))).AssertOk();

    /// <summary>The participant's memo line with <paramref name="counterparty"/> in <paramref name="cusip"/>; 0 when it lists none.</summary>
    public static long Line(JsonElement view, string counterparty, string cusip) => view.GetProperty("lines").EnumerateArray()
        .Where(l => l.GetProperty("counterparty").GetString() == counterparty && l.GetProperty("cusip").GetString() == cusip)
        .Select(l => l.GetProperty("shares").GetInt64()).SingleOrDefault();

    /// <summary>Waits until the participant's line reads <paramref name="shares"/> (completions reach memo accounts through settlement's published events).</summary>
    public Task<JsonElement> LineBecomes(string participant, string counterparty, string cusip, long shares) =>
        Node.EventuallyAsync($"/v1/participants/{participant}/stock-loans", Token(participant), v => Line(v, counterparty, cusip) == shares,
            $"memo({participant},{counterparty},{cusip}) = {shares}");

    public async Task<string> BusinessDate() =>
        (await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{Occ}/account", Operator)).AssertOk()).GetProperty("businessDate").GetString()!;

    public async Task<JsonElement> Close() =>
        await (await Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", Operator)).AssertOk();

    public Task<HttpResponseMessage> Announce(string cusip, string id, decimal rate, string recordDate, string payableDate, string type = "cash-dividend") =>
        Api.SendAsync(HttpMethod.Put, $"/v1/securities/{cusip}/distributions/{id}", Operator,
            $$"""{"type":"{{type}}","ratePerShare":{{rate.ToString(CultureInfo.InvariantCulture)}},"recordDate":"{{recordDate}}","payableDate":"{{payableDate}}"}""");

    public async Task<JsonElement> Income(string participant, string payableDate, string? token = null) =>
        await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/income?payableDate={payableDate}", token ?? Token(participant))).AssertOk();

    public async Task<decimal> Balance(string participant) =>
        (await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/account", Token(participant))).AssertOk()).GetProperty("settlementBalance").GetDecimal();

    public Task<HttpResponseMessage> Adjust(string by, string id, string counterparty, string cusip, long shares) =>
        Api.SendAsync(HttpMethod.Post, $"/v1/participants/{by}/stock-loan-adjustments", Token(by),
            $$"""{"id":"{{id}}","counterparty":"{{counterparty}}","cusip":"{{cusip}}","shares":{{shares}}}""");

    public Task<HttpResponseMessage> Halt(string by, string counterparty, string effectiveDate) =>
        Api.SendAsync(HttpMethod.Post, $"/v1/participants/{by}/income-halts", Token(by), $$"""{"counterparty":"{{counterparty}}","effectiveDate":"{{effectiveDate}}"}""");

    public static string Next(string date, int businessDays = 1)
    {
        var d = DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var calendar = new BusinessCalendar(Ledger.Journal.LedgerSettings.Default.DefaultHolidays);
        for (var i = 0; i < businessDays; i++) d = calendar.Next(d);
        return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }
}
