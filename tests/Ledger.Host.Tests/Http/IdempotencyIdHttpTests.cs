using System.Text.Json;
using Ledger.Benchmarks.Crash;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests;

/// <summary>
/// <c>POST /v1/participants/{id}/deposits</c> and <c>.../settlement-progress-payments</c> with an
/// idempotency <c>id</c>, through the real host over the real node on SQLite, and through
/// <c>ledger serve</c> killed with SIGKILL: a retry with the same id and payload changes nothing
/// and answers as the first did; the id with another payload is 409 <c>idempotency-id-unique</c>
/// on field <c>id</c> and changes nothing.
/// </summary>
[Collection("real-node")]
public sealed class IdempotencyIdHttpTests
{
    private const string Apple = "037833100";
    private const string Operator = "operator-demo";

    /// <summary>0001 lender ($1M cap), 0002 borrower ($80,000 cap, $50,000 fund), Apple at $100 with a 10% haircut.</summary>
    private static async Task SetUp(ApiHost api)
    {
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0001", Operator,
            """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0002", Operator,
            """{"name":"Borrower","netDebitCap":80000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", Operator, """{"price":100,"haircut":0.1}""")).AssertOk();
    }

    /// <summary>An account and its journal as risk sees them: what a request must leave as it was.</summary>
    private static async Task<string> Snapshot(ApiHost api, string participant) =>
        (await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/account", "risk-demo")).AssertOk()) + "\n" +
        (await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/journal", "risk-demo")).AssertOk());

    private static async Task<List<JsonElement>> Journal(ApiHost api, string participant, string manifest) =>
        (await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/journal", "risk-demo")).AssertOk())
        .EnumerateArray().Where(e => e.GetProperty("manifest").GetString() == manifest).Select(e => e.GetProperty("event")).ToList();

    [Fact]
    public async Task A_repeated_deposit_id_changes_nothing_and_answers_as_the_first()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api);
        const string body = $$"""{"id":"DEP-0001-1","cusip":"{{Apple}}","shares":1000}""";

        var first = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, body)).AssertOk();
        var after = await Snapshot(node.Api, "0001");
        var again = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, body)).AssertOk();
        var third = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, body)).AssertOk();

        Assert.Equal(1000, first.GetProperty("positions").EnumerateArray().Single().GetProperty("shares").GetInt64());
        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(first.ToString(), third.ToString());
        Assert.Equal(after, await Snapshot(node.Api, "0001"));
        var deposit = Assert.Single(await Journal(node.Api, "0001", "account.shares-deposited.v1"));
        Assert.Equal("DEP-0001-1", deposit.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_repeated_payment_id_changes_nothing_and_answers_as_the_first()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api);
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"id":"DEP-1","cusip":"{{Apple}}","shares":1000}""")).AssertOk();
        // $100,000 against the borrower's $80,000 cap: it pends until a $30,000 payment.
        var order = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
            $$"""[{"id":"DO-1","deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":1000,"amount":100000,"reasonCode":"LOAN"}]""")).AssertOk();
        Assert.True(order[0].GetProperty("accepted").GetBoolean(), order.ToString());
        await node.EventuallyAsync("/v1/deliver-orders/DO-1", "occ-demo", v => v.GetProperty("pendingReason").GetString() == "net-debit-cap", "DO-1 pending on the cap");
        const string body = """{"id":"SPP-0002-1","amount":30000}""";

        var first = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, body)).AssertOk();
        await node.EventuallyAsync("/v1/deliver-orders/DO-1", "occ-demo", v => v.GetProperty("status").GetString() == "completed", "DO-1 completing");
        await node.EventuallyAsync("/v1/participants/0001/account", "risk-demo", v => v.GetProperty("settlementBalance").GetDecimal() == 100_000m, "the lender credited");
        var after = await Snapshot(node.Api, "0002") + await Snapshot(node.Api, "0001");
        var again = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, body)).AssertOk();

        // $30,000 paid, $100,000 received: -$70,000 once, not -$40,000.
        Assert.Equal(-70_000m, first.GetProperty("settlementBalance").GetDecimal());
        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(after, await Snapshot(node.Api, "0002") + await Snapshot(node.Api, "0001"));
        var payment = Assert.Single(await Journal(node.Api, "0002", "account.settlement-progress-payment-received.v1"));
        Assert.Equal("SPP-0002-1", payment.GetProperty("id").GetString());
        Assert.Equal(3_000_000, payment.GetProperty("amountCents").GetInt64());
    }

    /// <summary>The id with another payload, another kind of request included, is refused by name and changes nothing; at another participant it is another id.</summary>
    [Fact]
    public async Task A_reused_id_with_another_payload_is_409_and_changes_nothing()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api);
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"id":"OP-1","cusip":"{{Apple}}","shares":1000}""")).AssertOk();
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/settlement-progress-payments", Operator, """{"id":"OP-2","amount":10}""")).AssertOk();
        var before = await Snapshot(node.Api, "0001");

        foreach (var (path, body) in new[]
                 {
                     ("deposits", $$"""{"id":"OP-1","cusip":"{{Apple}}","shares":999}"""),
                     ("settlement-progress-payments", """{"id":"OP-1","amount":1000}"""),
                     ("settlement-progress-payments", """{"id":"OP-2","amount":10.01}"""),
                     ("deposits", $$"""{"id":"OP-2","cusip":"{{Apple}}","shares":10}"""),
                 })
        {
            var problem = await (await node.Api.SendAsync(HttpMethod.Post, $"/v1/participants/0001/{path}", Operator, body))
                .AssertProblem(409, "idempotency-id-unique", "id");
            Assert.Contains("nothing was done", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await Snapshot(node.Api, "0001"));
        var other = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, """{"id":"OP-1","amount":5}""")).AssertOk();
        Assert.Equal(5m, other.GetProperty("settlementBalance").GetDecimal());
    }

    [Theory]
    [InlineData("\"\"", "idempotency-id-format")]
    [InlineData("\"DEP 1\"", "idempotency-id-format")]
    [InlineData("\"DEP/1\"", "idempotency-id-format")]
    [InlineData("\"D\\u202E1\"", "idempotency-id-format")]
    [InlineData("\"x1234567890123456789012345678901234567890123456789012345678901234\"", "idempotency-id-format")]
    [InlineData("17", "json-type")]
    [InlineData("[\"DEP-1\"]", "json-type")]
    public async Task A_malformed_id_is_refused_naming_the_field_and_changes_nothing(string id, string rule)
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api);
        var before = await Snapshot(node.Api, "0001");

        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"id":{{id}},"cusip":"{{Apple}}","shares":10}"""))
            .AssertProblem(400, rule, "id");
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/settlement-progress-payments", Operator, $$"""{"id":{{id}},"amount":10}"""))
            .AssertProblem(400, rule, "id");

        Assert.Equal(before, await Snapshot(node.Api, "0001"));
    }

    [Fact]
    public async Task Without_an_id_or_with_a_null_one_each_deposit_is_applied()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api);

        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"cusip":"{{Apple}}","shares":10}""")).AssertOk();
        var second = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"id":null,"cusip":"{{Apple}}","shares":10}""")).AssertOk();

        Assert.Equal(20, second.GetProperty("positions").EnumerateArray().Single().GetProperty("shares").GetInt64());
        Assert.All(await Journal(node.Api, "0001", "account.shares-deposited.v1"), e => Assert.False(e.TryGetProperty("id", out _), e.ToString()));
    }

    /// <summary>Answers 503 to the first request of each path, then 200 with an empty account; records every body.</summary>
    private sealed class FlakyNode : HttpMessageHandler
    {
        public List<(string Path, string Body)> Sent { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var path = request.RequestUri!.AbsolutePath;
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct);
            var first = Sent.All(s => s.Path != path);
            Sent.Add((path, body));
            return first
                ? new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    Content = new StringContent("""{"rule":"ledger-available","detail":"try again"}""", System.Text.Encoding.UTF8, "application/problem+json"),
                }
                : new HttpResponseMessage(System.Net.HttpStatusCode.OK)
                {
                    Content = new StringContent("""{"participant":"0001","settlementBalance":0,"netDebit":0,"netDebitCap":0,"participantsFund":0,"collateralMonitor":0,"positions":[],"pending":[]}""",
                        System.Text.Encoding.UTF8, "application/json"),
                };
        }
    }

    [Fact]
    public async Task The_client_sends_a_deposit_and_a_payment_again_after_a_503_under_the_same_id()
    {
        using var handler = new FlakyNode();
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:1") };
        var client = new LedgerClient(http) { RetryDelay = TimeSpan.FromMilliseconds(1) };

        var deposit = await client.DepositAsync(Operator, "0001", "DEP-9", Apple, 5, CancellationToken.None);
        var payment = await client.SettlementProgressPaymentAsync(Operator, "0001", "SPP-9", 12.5m, CancellationToken.None);

        Assert.True(deposit.Ok && payment.Ok, $"{deposit.Describe()} {payment.Describe()}");
        Assert.Equal(
            [
                ("/v1/participants/0001/deposits", $$"""{"id":"DEP-9","cusip":"{{Apple}}","shares":5}"""),
                ("/v1/participants/0001/deposits", $$"""{"id":"DEP-9","cusip":"{{Apple}}","shares":5}"""),
                ("/v1/participants/0001/settlement-progress-payments", """{"id":"SPP-9","amount":12.5}"""),
                ("/v1/participants/0001/settlement-progress-payments", """{"id":"SPP-9","amount":12.5}"""),
            ],
            handler.Sent);
    }

    /// <summary>
    /// <c>ledger serve</c> in a process of its own (with a tokens file, as in production), killed
    /// with SIGKILL right after acknowledging a deposit and a payment, and started again on the
    /// same folder: the retries find the ids in the journal and change nothing.
    /// </summary>
    [Fact]
    public async Task The_ids_survive_sigkill_of_ledger_serve_and_a_retry_after_it_changes_nothing()
    {
        using var folder = new TempFolder();
        var data = Path.Combine(folder.Path, "data");
        var tokens = Path.Combine(folder.Path, "tokens.json");
        const string op = "idempotency-test-operator", risk = "idempotency-test-risk-reader";
        await File.WriteAllTextAsync(tokens, $$"""[{"token":"{{op}}","role":"operator"},{"token":"{{risk}}","role":"risk"}]""");
        var url = new Uri($"http://127.0.0.1:{LedgerProcess.FreeLoopbackPort()}");
        var dll = LedgerProcess.FindLedgerDll();
        string[] serve = ["serve", "--data-dir", data, "--urls", url.ToString().TrimEnd('/'), "--tokens", tokens, "--log-format", "console"];
        var log = Path.Combine(folder.Path, "node.log");
        using var client = new LedgerClient(url, TimeSpan.FromSeconds(30)) { RetryDelay = TimeSpan.FromMilliseconds(100) };
        var ct = CancellationToken.None;

        AccountAnswer lender, borrower;
        await using (var first = LedgerProcess.Start(dll, serve, log))
        {
            Assert.True(await first.WaitReadyAsync(client, TimeSpan.FromSeconds(90), ct), await File.ReadAllTextAsync(log));
            Assert.True((await client.PutSecurityAsync(op, Apple, 100m, 0.1m, ct)).Ok);
            Assert.True((await client.PutParticipantAsync(op, "0001", new ParticipantBody("Lender", 1_000_000m, 0m, true, false), ct)).Ok);
            Assert.True((await client.PutParticipantAsync(op, "0002", new ParticipantBody("Borrower", 80_000m, 50_000m, true, false), ct)).Ok);
            lender = (await client.DepositAsync(op, "0001", "DEP-K-1", Apple, 1_000, ct)).Value!;
            borrower = (await client.SettlementProgressPaymentAsync(op, "0002", "SPP-K-1", 30_000m, ct)).Value!;
            Assert.Equal(LedgerProcess.SigkillExitCode, await first.KillHard());
        }

        await using var second = LedgerProcess.Start(dll, serve, log);
        Assert.True(await second.WaitReadyAsync(client, TimeSpan.FromSeconds(90), ct), await File.ReadAllTextAsync(log));
        var deposit = await client.DepositAsync(op, "0001", "DEP-K-1", Apple, 1_000, ct);
        var payment = await client.SettlementProgressPaymentAsync(op, "0002", "SPP-K-1", 30_000m, ct);
        var otherPayment = await client.SettlementProgressPaymentAsync(op, "0002", "SPP-K-1", 30_001m, ct);

        Assert.True(deposit.Ok, deposit.Describe());
        Assert.True(payment.Ok, payment.Describe());
        Assert.Equal(1_000, Assert.Single(deposit.Value!.Positions).Shares);
        Assert.Equal(30_000m, payment.Value!.SettlementBalance);
        Assert.Equal(JsonSerializer.Serialize(lender), JsonSerializer.Serialize(deposit.Value));
        Assert.Equal(JsonSerializer.Serialize(borrower), JsonSerializer.Serialize(payment.Value));
        Assert.Equal(409, otherPayment.Code);
        Assert.Equal(("idempotency-id-unique", "id"), (otherPayment.Problem!.Rule, otherPayment.Problem.Field));
        var journal = await client.SendAsync<JsonElement>(HttpMethod.Get, "/v1/participants/0002/journal", risk, null, idempotent: true, ct);
        var payments = journal.Value.EnumerateArray().Where(e => e.GetProperty("manifest").GetString() == "account.settlement-progress-payment-received.v1").ToList();
        Assert.Equal("SPP-K-1", Assert.Single(payments).GetProperty("event").GetProperty("id").GetString());
    }
}
