using System.Net.Http.Headers;
using System.Text;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>Every kind of bad input gets problem+json naming the field and the rule, and changes nothing.</summary>
public sealed class InputTests
{
    private const string Participant = "/v1/participants/0004";
    private const string Security = "/v1/securities/38259P508";
    private const string Deposit = "/v1/participants/0001/deposits";
    private const string Payment = "/v1/participants/0001/settlement-progress-payments";

    private static string ParticipantBody(string netDebitCap = "1000", string fund = "500", string name = "\"New\"", string mlp = "true", string ccp = "false") =>
        $$"""{"name":{{name}},"netDebitCap":{{netDebitCap}},"participantsFund":{{fund}},"marketLoanProgram":{{mlp}},"centralCounterparty":{{ccp}}}""";

    public static TheoryData<string, string, string, int, string, string> BadInputs() => new()
    {
        // method, path, body, status, rule, field
        { "POST", Deposit, """{"cusip":"037833100","shares":""", 400, "json-syntax", "body" },
        { "POST", Deposit, "", 400, "json-syntax", "body" },
        { "POST", Deposit, """{"cusip":"037833100","shares":100,}""", 400, "json-syntax", "body" },
        { "POST", Deposit, """[{"cusip":"037833100","shares":100}]""", 400, "json-type", "body" },
        { "POST", Deposit, "42", 400, "json-type", "body" },
        { "POST", Deposit, """{"cusip":"037833100","shares":1.5}""", 400, "integer", "shares" },
        // A number literal over 64 characters is refused by its length, before it is read.
        { "POST", Deposit, $$"""{"cusip":"037833100","shares":1{{new string('0', 64)}}}""", 400, "number-length-max", "shares" },
        { "POST", Payment, $$"""{"amount":1.{{new string('0', 63)}}}""", 400, "number-length-max", "amount" },
        { "POST", Payment, $$"""{"amount":-{{new string('9', 64)}}}""", 400, "number-length-max", "amount" },
        { "PUT", Security, $$"""{"price":100,"haircut":0.{{new string('0', 62)}}1}""", 400, "number-length-max", "haircut" },
        { "POST", Deposit, """{"cusip":"037833100","shares":"10"}""", 400, "json-type", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":true}""", 400, "json-type", "shares" },
        { "POST", Deposit, """{"cusip":"037833100"}""", 400, "required", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":null}""", 400, "required", "shares" },
        { "POST", Deposit, """{"shares":10}""", 400, "required", "cusip" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10,"memo":"x"}""", 400, "field-known", "memo" },
        { "POST", Deposit, """{"cusip":"037833100","Shares":10}""", 400, "field-known", "Shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10,"":1}""", 400, "field-known", "\"\"" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10,"\u202Eid":1}""", 400, "field-known", "\"\\u202Eid\"" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10,"a b":1}""", 400, "field-known", "\"a b\"" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10,"shares":20}""", 400, "field-unique", "shares" },
        { "POST", Deposit, """{"cusip":"037833101","shares":10}""", 400, "cusip-check-digit", "cusip" },
        { "POST", Deposit, """{"cusip":"03783310","shares":10}""", 400, "cusip-check-digit", "cusip" },
        { "POST", Deposit, """{"cusip":37833100,"shares":10}""", 400, "json-type", "cusip" },
        { "POST", Deposit, """{"cusip":"46625H100","shares":10}""", 400, "security-known", "cusip" },
        { "POST", Deposit, """{"cusip":"037833100","shares":0}""", 400, "shares-positive", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":-5}""", 400, "shares-positive", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10000000001}""", 400, "shares-maximum", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":1e30}""", 400, "shares-maximum", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":99999999999999999999999999999999999999}""", 400, "shares-maximum", "shares" },
        { "POST", Deposit, """{"cusip":"037833100","shares":-99999999999999999999999999999999999999}""", 400, "shares-positive", "shares" },
        { "POST", "/v1/participants/0099/deposits", """{"cusip":"037833100","shares":10}""", 404, "participant-known", "id" },
        { "POST", "/v1/participants/99/deposits", """{"cusip":"037833100","shares":10}""", 400, "participant-id-format", "id" },
        { "POST", "/v1/participants/00012/deposits", """{"cusip":"037833100","shares":10}""", 400, "participant-id-format", "id" },
        { "POST", "/v1/participants/abcd/deposits", """{"cusip":"037833100","shares":10}""", 400, "participant-id-format", "id" },
        { "POST", Payment, """{"amount":-1}""", 400, "amount-not-negative", "amount" },
        { "POST", Payment, """{"amount":0}""", 400, "positive", "amount" },
        { "POST", Payment, """{"amount":100.005}""", 400, "amount-two-decimals", "amount" },
        { "POST", Payment, """{"amount":0.001}""", 400, "amount-two-decimals", "amount" },
        { "POST", Payment, """{"amount":1e-3}""", 400, "amount-two-decimals", "amount" },
        { "POST", Payment, """{"amount":100.0000000000000000000000001}""", 400, "amount-two-decimals", "amount" },
        { "POST", Payment, """{"amount":1.00000000000000000000000000000000001}""", 400, "number-precision", "amount" },
        { "POST", Payment, """{"amount":1e40}""", 400, "amount-maximum", "amount" },
        { "POST", Payment, """{"amount":1000000000000.01}""", 400, "amount-maximum", "amount" },
        { "POST", Payment, """{"amount":123456789012345678901234567890123}""", 400, "amount-maximum", "amount" },
        { "POST", Payment, """{"amount":"100"}""", 400, "json-type", "amount" },
        { "POST", Payment, """{}""", 400, "required", "amount" },
        { "POST", Payment, """{"amount":100,"currency":"USD"}""", 400, "field-known", "currency" },
        { "POST", "/v1/participants/0099/settlement-progress-payments", """{"amount":100}""", 404, "participant-known", "id" },
        { "PUT", Participant, ParticipantBody(netDebitCap: "1000.001"), 400, "amount-two-decimals", "netDebitCap" },
        { "PUT", Participant, ParticipantBody(fund: "-0.01"), 400, "amount-not-negative", "participantsFund" },
        { "PUT", Participant, ParticipantBody(name: "\"\""), 400, "name-format", "name" },
        { "PUT", Participant, ParticipantBody(name: "\"Firm\\u202Eevil\""), 400, "name-format", "name" },
        { "PUT", Participant, ParticipantBody(name: "\"Zero\\u200Bwidth\""), 400, "name-format", "name" },
        { "PUT", Participant, ParticipantBody(name: "\"Lone \\ud800\""), 400, "unicode", "name" },
        { "PUT", Participant, ParticipantBody(name: "\"Lone \\udc00 low\""), 400, "unicode", "name" },
        { "POST", Deposit, """{"cusip":"037833100","shares":10,"\ud800":1}""", 400, "unicode", "body" },
        { "POST", Deposit, """{"cusip":"\ud800","shares":10}""", 400, "unicode", "cusip" },
        { "PUT", Participant, ParticipantBody(name: "null"), 400, "required", "name" },
        { "PUT", Participant, ParticipantBody(mlp: "\"yes\""), 400, "json-type", "marketLoanProgram" },
        { "PUT", Participant, ParticipantBody(ccp: "1"), 400, "json-type", "centralCounterparty" },
        { "PUT", Participant, """{"name":"New","netDebitCap":1000,"participantsFund":500,"marketLoanProgram":true}""", 400, "required", "centralCounterparty" },
        { "PUT", "/v1/participants/4", ParticipantBody(), 400, "participant-id-format", "id" },
        { "PUT", Security, """{"price":100,"haircut":1.5}""", 400, "haircut-range", "haircut" },
        { "PUT", Security, """{"price":100,"haircut":-0.1}""", 400, "haircut-range", "haircut" },
        { "PUT", Security, """{"price":100,"haircut":0.1234567}""", 400, "haircut-range", "haircut" },
        { "PUT", Security, """{"price":0,"haircut":0.1}""", 400, "price-positive", "price" },
        { "PUT", Security, """{"price":10.001,"haircut":0.1}""", 400, "amount-two-decimals", "price" },
        { "PUT", Security, """{"price":100000000,"haircut":0.1}""", 400, "price-maximum", "price" },
        { "PUT", Security, """{"price":100}""", 400, "required", "haircut" },
        { "PUT", "/v1/securities/38259P509", """{"price":100,"haircut":0.1}""", 400, "cusip-check-digit", "cusip" },
        { "PUT", "/v1/securities/38259p508", """{"price":100,"haircut":0.1}""", 400, "cusip-check-digit", "cusip" },
        { "GET", "/v1/participants/0099/account", "", 404, "participant-known", "id" },
        { "GET", "/v1/participants/99x9/account", "", 400, "participant-id-format", "id" },
        { "GET", "/v1/deliver-orders/" + new string('x', 65), "", 400, "deliver-order-id-format", "id" },
        { "GET", "/v1/deliver-orders/bad%20id", "", 400, "deliver-order-id-format", "id" },
        { "GET", "/v1/deliver-orders/DO-404", "", 404, "deliver-order-known", "id" },
        { "DELETE", "/v1/deliver-orders/bad%24id", "", 400, "deliver-order-id-format", "id" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_a_problem_naming_field_and_rule_and_changes_nothing(string method, string path, string body, int status, string rule, string field)
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var token = path.StartsWith("/v1/deliver-orders") ? "occ-demo" : "operator-demo";

        var response = await host.SendAsync(new HttpMethod(method), path, token, method is "GET" or "DELETE" ? null : body);

        await response.AssertProblem(status, rule, field);
        Assert.Empty(ledger.Changes);
    }

    [Theory]
    [InlineData("GET", "/v1/participants/0001/account?asof2=2026-01-05T15:00:00Z", "query-parameter-known", "asof2")]
    [InlineData("GET", "/v1/participants/0001/account?from=2026-01-05T15:00:00Z", "query-parameter-known", "from")]
    [InlineData("GET", "/v1/participants/0001/account?asOf=2026-01-05T15:00:00Z&asOf=2026-01-05T16:00:00Z", "query-parameter-unique", "asOf")]
    [InlineData("GET", "/v1/participants/0001/journal?form=2026-01-05T15:00:00Z", "query-parameter-known", "form")]
    [InlineData("GET", "/v1/participants/0001/journal?to=2026-01-05T15:00:00Z&to=2026-01-06T15:00:00Z", "query-parameter-unique", "to")]
    [InlineData("POST", "/v1/business-day/cutoff?force=true", "query-parameter-known", "force")]
    [InlineData("POST", "/v1/participants/0001/settlement-progress-payments?amount=100", "query-parameter-known", "amount")]
    public async Task A_query_parameter_the_endpoint_does_not_take_or_given_twice_is_refused(string method, string path, string rule, string field)
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var token = path.Contains("/journal") ? "risk-demo" : "operator-demo";

        var response = await host.SendAsync(new HttpMethod(method), path, token, method == "POST" ? """{"amount":100}""" : null);

        await response.AssertProblem(400, rule, field);
        Assert.Empty(ledger.Changes);
        // The token is checked first: without one the answer is 401 whatever the query says.
        await (await host.SendAsync(new HttpMethod(method), path, null)).AssertProblem(401, "bearer-token");
    }

    [Fact]
    public async Task A_number_literal_of_64_characters_is_read()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var amount = "25." + new string('0', 61);
        Assert.Equal(64, amount.Length);

        await (await host.SendAsync(HttpMethod.Post, Payment, "operator-demo", $$"""{"amount":{{amount}}}""")).AssertOk();

        Assert.Equal(["settlement-progress-payment"], ledger.Changes);
    }

    [Fact]
    public async Task The_account_of_an_id_never_set_up_is_404_without_asking_its_account()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0777/account", "risk-demo")).AssertProblem(404, "participant-known", "id");

        Assert.DoesNotContain(ledger.AccountQueries, p => p == "0777");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_body_that_is_not_sent_as_JSON_is_415(string? contentType)
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var request = new HttpRequestMessage(HttpMethod.Post, Payment)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"amount":100}""")),
        };
        if (contentType is not null) request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "operator-demo");

        var response = await host.Client.SendAsync(request);

        await response.AssertProblem(415, "content-type", "body");
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_413()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger, bodyBytesMax: 1024);
        var padding = new string(' ', 1024);

        var response = await host.SendAsync(HttpMethod.Post, Payment, "operator-demo", $$"""{"amount":100{{padding}}}""");

        await response.AssertProblem(413, "body-size-max", "body");
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_body_at_the_size_limit_is_read()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger, bodyBytesMax: 1024);
        var json = """{"amount":100}""";
        json = json[..^1] + new string(' ', 1024 - json.Length) + "}";
        Assert.Equal(1024, Encoding.UTF8.GetByteCount(json));

        var response = await host.SendAsync(HttpMethod.Post, Payment, "operator-demo", json);

        await response.AssertOk();
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public async Task A_body_that_is_not_UTF8_is_refused_and_changes_nothing(byte[] junk)
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var body = Encoding.UTF8.GetBytes("{\"cusip\":\"").Concat(junk).Concat(Encoding.UTF8.GetBytes("\",\"shares\":10}")).ToArray();
        var request = new HttpRequestMessage(HttpMethod.Post, Deposit) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "operator-demo");

        var response = await host.Client.SendAsync(request);

        await response.AssertProblem(400, "utf-8", "body");
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task Deeply_nested_JSON_is_refused()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var nested = new string('[', 100) + new string(']', 100);

        var response = await host.SendAsync(HttpMethod.Post, Payment, "operator-demo", $$"""{"amount":{{nested}}}""");

        await response.AssertProblem(400, "json-syntax", "body");
    }

    [Fact]
    public async Task Unknown_routes_and_methods_are_problems_too()
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());

        await (await host.SendAsync(HttpMethod.Get, "/v1/nothing-here", "operator-demo")).AssertProblem(404, "route-known");
        await (await host.SendAsync(HttpMethod.Patch, "/v1/business-day/cutoff", "operator-demo")).AssertProblem(405, "method-allowed");
    }

    [Fact]
    public async Task As_of_replay_is_refused_as_not_implemented_rather_than_ignored()
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());

        var response = await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account?asOf=2026-01-05T15:00:00Z", "risk-demo");

        await response.AssertProblem(501, "as-of-supported", "asOf");
    }
}
