using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>Every endpoint's role rule, allowed and refused, over the demo tokens.</summary>
public sealed class AuthTests
{
    private const string DeliverOrder = """[{"id":"DO-9","deliverer":"0001","receiver":"0002","cusip":"037833100","shares":100,"amount":10000,"reasonCode":"LOAN"}]""";

    private sealed record Endpoint(string Name, string Method, string Path, string? Body, Dictionary<string, int> Allowed);

    private static readonly Endpoint[] All =
    [
        new("put-participant", "PUT", "/v1/participants/0004",
            """{"name":"New","netDebitCap":1000,"participantsFund":500,"marketLoanProgram":true,"centralCounterparty":false}""",
            new() { ["operator-demo"] = 200 }),
        new("put-security", "PUT", "/v1/securities/38259P508", """{"price":101.25,"haircut":0.15}""", new() { ["operator-demo"] = 200 }),
        new("deposit", "POST", "/v1/participants/0001/deposits", """{"cusip":"037833100","shares":100}""", new() { ["operator-demo"] = 200 }),
        new("payment", "POST", "/v1/participants/0001/settlement-progress-payments", """{"amount":2500.5}""", new() { ["operator-demo"] = 200 }),
        new("submit", "POST", "/v1/deliver-orders", DeliverOrder, new() { ["occ-demo"] = 200 }),
        new("get-deliver-order", "GET", "/v1/deliver-orders/DO-1", null,
            new() { ["occ-demo"] = 200, ["participant-0001"] = 200, ["participant-0002"] = 200, ["participant-0003"] = 403 }),
        new("cancel", "DELETE", "/v1/deliver-orders/DO-1", null,
            new() { ["occ-demo"] = 200, ["participant-0001"] = 200 }),
        new("account", "GET", "/v1/participants/0001/account", null,
            new() { ["operator-demo"] = 200, ["risk-demo"] = 200, ["participant-0001"] = 200 }),
        new("cutoff", "POST", "/v1/business-day/cutoff", null, new() { ["operator-demo"] = 200 }),
        new("close", "POST", "/v1/business-day/close", null, new() { ["operator-demo"] = 200 }),
    ];

    private static readonly string[] Callers = ["operator-demo", "occ-demo", "risk-demo", "participant-0001", "participant-0002", "participant-0003"];

    public static TheoryData<string, string, int> Matrix()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var endpoint in All)
        {
            foreach (var caller in Callers) data.Add(endpoint.Name, caller, endpoint.Allowed.GetValueOrDefault(caller, 403));
        }
        return data;
    }

    public static TheoryData<string> Endpoints() => new(All.Select(e => e.Name));

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_role_gets_what_the_endpoint_allows(string endpointName, string token, int expected)
    {
        var endpoint = All.Single(e => e.Name == endpointName);
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending", "position");
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(new HttpMethod(endpoint.Method), endpoint.Path, token, endpoint.Body);

        if (expected == 200)
        {
            await response.AssertOk();
        }
        else
        {
            var rule = !token.StartsWith("participant-") ? "role"
                : endpoint.Name == "account" ? "own-participant"
                : endpoint.Name == "cancel" && token == "participant-0002" ? "deliverer"
                : endpoint.Name is "get-deliver-order" or "cancel" ? "deliver-order-party"
                : "role";
            await response.AssertProblem(expected, rule);
            Assert.Empty(ledger.Changes);
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_token_every_endpoint_answers_401_with_a_bearer_challenge(string endpointName)
    {
        var endpoint = All.Single(e => e.Name == endpointName);
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending", "position");
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(new HttpMethod(endpoint.Method), endpoint.Path, token: null, endpoint.Body);

        await response.AssertProblem(401, "bearer-token");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Empty(ledger.Changes);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task An_unknown_token_answers_401_on_every_endpoint(string endpointName)
    {
        var endpoint = All.Single(e => e.Name == endpointName);
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending", "position");
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(new HttpMethod(endpoint.Method), endpoint.Path, "operator-dem0", endpoint.Body);

        await response.AssertProblem(401, "bearer-token");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Empty(ledger.Changes);
    }

    [Theory]
    [InlineData("Basic b3BlcmF0b3ItZGVtbzp4")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("operator-demo")]
    [InlineData("Bearer participant-12345")]
    [InlineData("Bearer participant-abcd")]
    public async Task Malformed_authorization_headers_answer_401(string header)
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/business-day/cutoff");
        request.Headers.TryAddWithoutValidation("Authorization", header);

        var response = await host.Client.SendAsync(request);

        await response.AssertProblem(401, "bearer-token");
    }

    [Fact]
    public async Task The_bearer_scheme_is_case_insensitive()
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/business-day/cutoff");
        request.Headers.TryAddWithoutValidation("Authorization", "bearer operator-demo");

        var response = await host.Client.SendAsync(request);

        await response.AssertOk();
    }

    [Fact]
    public async Task Health_needs_no_token()
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());

        Assert.Equal("live", (await (await host.SendAsync(HttpMethod.Get, "/health/live", null)).AssertOk()).GetProperty("status").GetString());
        var ready = await (await host.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("2026-01-05", ready.GetProperty("businessDate").GetString());
    }

    [Fact]
    public async Task Ready_answers_503_when_the_ledger_does_not_answer()
    {
        var ledger = FakeLedger.Seeded();
        ledger.Failure = () => new TimeoutException();
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertProblem(503, "ledger-available");
        await (await host.SendAsync(HttpMethod.Get, "/health/live", null)).AssertOk();
    }

    [Fact]
    public async Task With_a_tokens_file_its_tokens_work_and_the_demo_tokens_do_not()
    {
        var secret = "s3cret-operator-token-0123456789";
        var hashed = "hashed-participant-token-abcdef";
        var tokens = TokenStore.Parse($$"""
            [
              {"token":"{{secret}}","role":"operator"},
              {"sha256":"{{Convert.ToHexString(TokenStore.Sha256(hashed)).ToLowerInvariant()}}","role":"participant","participant":"0002"}
            ]
            """, "test");
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded(), tokens);

        await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", secret)).AssertOk();
        await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", hashed)).AssertOk();
        await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", hashed)).AssertProblem(403, "own-participant", "id");
        await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "operator-demo")).AssertProblem(401, "bearer-token");
        await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "participant-0001")).AssertProblem(401, "bearer-token");
    }

    [Fact]
    public async Task No_token_or_authorization_header_reaches_the_log()
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());

        await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "participant-0001");
        await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "not-a-known-token-xyz");
        await host.SendAsync(HttpMethod.Post, "/v1/business-day/cutoff", "occ-demo");

        // The request log is written once the response has gone; wait for all three lines.
        for (var i = 0; i < 100 && host.Logs.Events.Count(e => e.Properties.ContainsKey("StatusCode")) < 3; i++) await Task.Delay(50);
        var log = host.Logs.Everything();
        Assert.Contains("/v1/participants/0001/account", log); // the request log is on, so the check below means something
        Assert.True(log.Contains("responded 403"), log);
        Assert.DoesNotContain("participant-0001", log);
        Assert.DoesNotContain("not-a-known-token-xyz", log);
        Assert.DoesNotContain("occ-demo", log);
        Assert.DoesNotContain("Bearer", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Authorization", log, StringComparison.OrdinalIgnoreCase);
    }
}
