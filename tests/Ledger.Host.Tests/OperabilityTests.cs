using System.Text.Json;
using Ledger.Cluster;
using Ledger.Cluster.Telemetry;
using Ledger.Host.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Compact;

namespace Ledger.Host.Tests;

/// <summary>
/// What an operator watches: the metrics a real node exports on /metrics, its settlement log
/// lines, and its readiness. One small business day drives the first two: a deliver order that
/// completes, one that pends on the receiver's cap and is dropped at the cutoff, one that pends on
/// the deliverer's position and is cancelled, and one refused at entry. Each test starts one
/// SQLite node (a few seconds); the class runs in well under a minute.
/// </summary>
[Collection("real-node")]
public sealed class OperabilityTests
{
    private const string Apple = "037833100";
    private const string Operator = "operator-demo";
    private const string Occ = "occ-demo";

    private delegate Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, string? json = null);

    private static string Order(string id, long shares, string amount, string deliverer = "0001", string receiver = "0002") =>
        $$"""{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"LOAN"}""";

    /// <summary>
    /// DO-1 completes directly; DO-2 pends on 0002's net debit cap ($50,000 + $100,000 over $80,000);
    /// DO-3 is refused (deliverer and receiver the same); DO-4 pends on 0001's position (5,000 shares,
    /// 500 free). <paramref name="whilePending"/> runs while DO-2 and DO-4 pend; then DO-4 is cancelled
    /// and the cutoff drops DO-2.
    /// </summary>
    private static async Task RunDayAsync(Send send, Func<Task> whilePending)
    {
        await (await send(HttpMethod.Put, "/v1/participants/0001", Operator,
            """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await send(HttpMethod.Put, "/v1/participants/0002", Operator,
            """{"name":"Borrower","netDebitCap":80000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await send(HttpMethod.Put, $"/v1/securities/{Apple}", Operator, """{"price":100,"haircut":0.1}""")).AssertOk();
        await (await send(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"cusip":"{{Apple}}","shares":2000}""")).AssertOk();

        var answers = (await (await send(HttpMethod.Post, "/v1/deliver-orders", Occ,
            $"[{Order("DO-1", 500, "50000")},{Order("DO-2", 1000, "100000")},{Order("DO-3", 10, "1", receiver: "0001")}]")).AssertOk())
            .EnumerateArray().Select(a => a.GetProperty("accepted").GetBoolean()).ToList();
        Assert.Equal([true, true, false], answers);
        await EventuallyAsync(send, "/v1/deliver-orders/DO-1", "completed");
        await EventuallyAsync(send, "/v1/deliver-orders/DO-2", "pending");
        var four = (await (await send(HttpMethod.Post, "/v1/deliver-orders", Occ, $"[{Order("DO-4", 5000, "500000")}]")).AssertOk()).EnumerateArray().Single();
        Assert.Equal("pending", four.GetProperty("status").GetString());

        await whilePending();

        var cancelled = await (await send(HttpMethod.Delete, "/v1/deliver-orders/DO-4", Occ)).AssertOk();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await (await send(HttpMethod.Post, "/v1/business-day/cutoff", Operator)).AssertOk();
        await EventuallyAsync(send, "/v1/deliver-orders/DO-2", "dropped");
    }

    private static async Task EventuallyAsync(Send send, string path, string status)
    {
        var last = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var response = await send(HttpMethod.Get, path, Occ);
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && JsonDocument.Parse(last).RootElement.GetProperty("status").GetString() == status) return;
        }
        throw new Xunit.Sdk.XunitException($"{path} did not become {status} within 30 s; last answer: {last}");
    }

    private static async Task<PrometheusText> MetricsWhenAsync(Send send, Func<PrometheusText, bool> done, string what)
    {
        PrometheusText? last = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var response = await send(HttpMethod.Get, ApiOptions.MetricsPath, Operator);
            Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {(int)response.StatusCode}");
            last = new PrometheusText(await response.Content.ReadAsStringAsync());
            if (done(last)) return last;
        }
        throw new Xunit.Sdk.XunitException($"the metrics did not show {what} within 30 s; last scrape:\n{last?.Text}");
    }

    [Fact]
    public async Task Metrics_on_a_real_node_count_the_deliver_orders_accepted_completed_pended_cancelled_dropped_and_refused()
    {
        using var folder = new TempFolder();
        var settlementLog = new LogCapture();
        using var serilog = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(settlementLog).CreateLogger();
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        await using var node = await RealNode.StartAsync(new LedgerNodeOptions { DataDir = folder.Path, ResendInterval = TimeSpan.FromMilliseconds(200) }, loggerFactory);
        Send send = node.Api.SendAsync;

        await RunDayAsync(send, async () =>
        {
            // Both pend: one in each account's recycle queue.
            var pending = await MetricsWhenAsync(send, m =>
                m.Value("ledger_account_pending", ("participant", "0001")) == 1 && m.Value("ledger_account_pending", ("participant", "0002")) == 1,
                "DO-4 pending at 0001 and DO-2 at 0002");
            Assert.Equal(2, pending.Value("ledger_account_pending"));
        });

        var m = await MetricsWhenAsync(send, m => m.Value("ledger_deliver_orders_dropped_total") == 1 && m.Value("ledger_deliver_orders_cancelled_total") == 1,
            "DO-2 dropped and DO-4 cancelled");
        Assert.Equal(3, m.Value("ledger_deliver_orders_accepted_total"));
        Assert.Equal(1, m.Value("ledger_deliver_orders_completed_total"));
        Assert.Equal(1, m.Value("ledger_deliver_orders_completed_total", ("completed_by", "direct")));
        Assert.Equal(2, m.Value("ledger_deliver_orders_pended_total"));
        Assert.Equal(1, m.Value("ledger_deliver_orders_pended_total", ("side", "receive"), ("reason", "net-debit-cap")));
        Assert.Equal(1, m.Value("ledger_deliver_orders_pended_total", ("side", "deliver"), ("reason", "position")));
        Assert.Equal(1, m.Value("ledger_deliver_orders_dropped_total"));
        Assert.Equal(1, m.Value("ledger_deliver_orders_cancelled_total"));
        Assert.Equal(1, m.Value("ledger_deliver_orders_rejected_total"));
        Assert.Equal(1, m.Value("ledger_deliver_orders_rejected_total", ("rule", "deliverer-not-receiver")));
        Assert.Equal(0, m.Value("ledger_account_pending"));
        Assert.True(m.Has("ledger_account_pending"), "the pending gauge reports each account, also at zero");
        // Every account write is timed and sized: at least the set-ups, deposit, reservations, pends and completions.
        var writes = m.Value("ledger_journal_write_duration_milliseconds_count");
        Assert.True(writes >= 8, $"{writes} journal writes timed");
        Assert.Equal(writes, m.Value("ledger_journal_write_events_count"));
        Assert.True(m.Value("ledger_journal_write_events_sum") >= writes);
        Assert.True(m.Has("http_server_request_duration_seconds_count"), "ASP.NET Core's request metrics are exported beside the ledger's");

        // At Information, pends, drops, cancels and refusals are logged; completions (Debug) are not.
        var lines = settlementLog.Events.Where(e => Source(e) == LedgerTelemetry.SettlementCategory).ToList();
        Assert.Contains(lines, e => Property(e, "DeliverOrderId") == "DO-2" && Property(e, "PendReason") == "net-debit-cap");
        Assert.Contains(lines, e => Property(e, "DeliverOrderId") == "DO-3" && Property(e, "Rule") == "deliverer-not-receiver");
        Assert.DoesNotContain(lines, e => e.Level < LogEventLevel.Information);
        Assert.DoesNotContain(lines, e => Property(e, "DeliverOrderId") == "DO-1");
    }

    [Fact]
    public async Task Metrics_answer_only_operator_and_risk_tokens()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);

        await (await node.Api.SendAsync(HttpMethod.Get, ApiOptions.MetricsPath, null)).AssertProblem(401, "bearer-token");
        await (await node.Api.SendAsync(HttpMethod.Get, ApiOptions.MetricsPath, "participant-0001")).AssertProblem(403, "role");
        await (await node.Api.SendAsync(HttpMethod.Get, ApiOptions.MetricsPath, Occ)).AssertProblem(403, "role");
        foreach (var token in new[] { Operator, "risk-demo" })
        {
            var response = await node.Api.SendAsync(HttpMethod.Get, ApiOptions.MetricsPath, token);
            Assert.True(response.IsSuccessStatusCode, $"{token}: {(int)response.StatusCode}");
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>The node as <c>ledger serve --log-format json --log-level debug</c> runs it, on Kestrel; the JSON is the console's formatter's.</summary>
    [Fact]
    public async Task Json_settlement_log_lines_carry_DeliverOrderId_and_Participant()
    {
        using var folder = new TempFolder();
        var capture = new LogCapture();
        var options = new ServeOptions
        {
            Urls = "http://127.0.0.1:0",
            DataDir = folder.Path,
            DemoTokens = true,
            LogFormat = LogFormat.Json,
            LogLevel = LogEventLevel.Debug,
        };

        var exit = await LedgerServer.RunAsync(options, LedgerNodeStartup.StartAsync, CancellationToken.None, c => c.WriteTo.Sink(capture),
            async (urls, ct) =>
            {
                using var client = new HttpClient { BaseAddress = new Uri(urls[0]) };
                Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, string? json = null)
                {
                    var request = new HttpRequestMessage(method, path);
                    if (token is not null) request.Headers.Authorization = new("Bearer", token);
                    if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
                    return client.SendAsync(request, ct);
                }
                await RunDayAsync(Send, () => Task.CompletedTask);
                return 0;
            });
        Assert.Equal(LedgerServer.ExitOk, exit);

        var formatter = new CompactJsonFormatter();
        var lines = capture.Events.Where(e => Source(e) == LedgerTelemetry.SettlementCategory).Select(e =>
        {
            using var text = new StringWriter();
            formatter.Format(e, text);
            return JsonDocument.Parse(text.ToString()).RootElement.Clone();
        }).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            Assert.True(line.TryGetProperty("DeliverOrderId", out var id) && id.GetString() is { Length: > 0 }, $"no DeliverOrderId: {line}");
            Assert.True(line.TryGetProperty("Participant", out var p) && p.GetString() is { Length: 4 }, $"no Participant: {line}");
        }

        // Compact JSON leaves @l out for Information.
        static string Level(JsonElement line) => line.TryGetProperty("@l", out var l) ? l.GetString()! : "Information";
        static bool Is(JsonElement line, string id, string participant, string eventName) =>
            line.GetProperty("DeliverOrderId").GetString() == id && line.GetProperty("Participant").GetString() == participant
            && line.GetProperty("EventId").GetProperty("Name").GetString() == eventName;

        Assert.Contains(lines, l => Is(l, "DO-1", "0001", "Reserved") && Level(l) == "Debug");
        Assert.Contains(lines, l => Is(l, "DO-1", "0002", "ReceiveCompleted") && l.GetProperty("CompletedBy").GetString() == "direct" && Level(l) == "Debug");
        Assert.Contains(lines, l => Is(l, "DO-1", "0001", "DeliveryCompleted") && Level(l) == "Debug");
        Assert.Contains(lines, l => Is(l, "DO-2", "0002", "ReceivePended") && l.GetProperty("PendReason").GetString() == "net-debit-cap" && Level(l) == "Information");
        Assert.Contains(lines, l => Is(l, "DO-2", "0002", "Dropped") && l.GetProperty("Side").GetString() == "receive");
        Assert.Contains(lines, l => Is(l, "DO-2", "0001", "Dropped") && l.GetProperty("Side").GetString() == "deliver");
        Assert.Contains(lines, l => Is(l, "DO-3", "0001", "Refused") && l.GetProperty("Rule").GetString() == "deliverer-not-receiver");
        Assert.Contains(lines, l => Is(l, "DO-4", "0001", "DeliveryPended") && l.GetProperty("PendReason").GetString() == "position");
        Assert.Contains(lines, l => Is(l, "DO-4", "0001", "Cancelled") && l.GetProperty("Side").GetString() == "deliver");
    }

    [Fact]
    public async Task Ready_checks_the_ledger_the_cluster_and_the_journal_and_answers_503_naming_the_cluster_once_the_node_left_it()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);

        var ready = await (await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(["ledger", "cluster", "journal", "store", "journals"], ready.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray());
        Assert.All(ready.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean()));

        await Akka.Cluster.Cluster.Get(node.Node.System).LeaveAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var problem = await EventuallyNotReadyAsync(node.Api);
        Assert.Equal("cluster-up", problem.GetProperty("rule").GetString());
        var cluster = problem.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "cluster");
        Assert.False(cluster.GetProperty("ok").GetBoolean());
        Assert.Contains("cluster", problem.GetProperty("detail").GetString());
        await (await node.Api.SendAsync(HttpMethod.Get, "/health/live", null)).AssertOk();
    }

    [Fact]
    public async Task Ready_answers_503_naming_the_failed_check_and_lists_every_check()
    {
        var health = new StubHealth(
            new HealthCheck(HealthCheck.ClusterName, true, "this node is an Up member of the cluster"),
            new HealthCheck(HealthCheck.JournalName, false, "the journal could not be read", "connection refused by 127.0.0.1:5432"));
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded(), configure: o => o with { Health = health });

        var problem = await (await host.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertProblem(503, "journal-reachable");
        var checks = problem.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("ok").GetBoolean());
        Assert.Equal(new Dictionary<string, bool> { ["ledger"] = true, ["cluster"] = true, ["journal"] = false }, checks);
        Assert.Contains("journal: the journal could not be read", problem.GetProperty("detail").GetString());
        // The cause goes to the node's log only: the endpoint needs no token.
        Assert.DoesNotContain("5432", problem.ToString());
        Assert.Contains(host.Logs.Events, e => e.Level == LogEventLevel.Warning && e.RenderMessage().Contains("5432"));
    }

    [Fact]
    public async Task Ready_answers_200_when_every_check_holds()
    {
        var health = new StubHealth(
            new HealthCheck(HealthCheck.ClusterName, true, "this node is an Up member of the cluster"),
            new HealthCheck(HealthCheck.JournalName, true, "the journal answered in 3 ms"));
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded(), configure: o => o with { Health = health });

        var ready = await (await host.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(3, ready.GetProperty("checks").GetArrayLength());
    }

    /// <summary>With an OTLP endpoint the host pushes its node's metrics there too (OTLP over HTTP, protobuf).</summary>
    [Fact]
    public async Task Metrics_are_pushed_by_otlp_to_the_endpoint_given()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<byte[]>();
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        receiverBuilder.Logging.ClearProviders();
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(body.ToArray());
            return Results.Ok();
        });
        await receiver.StartAsync();
        using var telemetry = new LedgerTelemetry();

        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded(), configure: o => o with
        {
            Telemetry = telemetry,
            OtlpEndpoint = new Uri(receiver.Urls.First()),
            OtlpExportInterval = TimeSpan.FromMilliseconds(200),
        });

        // OTLP protobuf holds names as plain UTF-8: the rejected counter and its rule travel as they are.
        static bool Holds(byte[] body, string text) => body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !received.Any(b => Holds(b, LedgerTelemetry.RejectedName) && Holds(b, "security-known")); await Task.Delay(100))
        {
            // A measurement counts only once the exporter listens; refuse again until one has gone out.
            telemetry.Refused("DO-9", "0001", new Ledger.Settlement.EntryError(Ledger.Settlement.EntryRejection.UnknownSecurity, "cusip", "unknown"));
            Assert.True(DateTime.UtcNow < deadline, $"no OTLP export with {LedgerTelemetry.RejectedName} within 30 s ({received.Count} posts)");
        }
    }

    /// <summary>Polls /health/ready until it answers 503 (at most 30 s) and returns the problem.</summary>
    internal static async Task<JsonElement> EventuallyNotReadyAsync(ApiHost api)
    {
        var last = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var response = await api.SendAsync(HttpMethod.Get, "/health/ready", null);
            last = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != 503) continue;
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(last).RootElement.Clone();
        }
        throw new Xunit.Sdk.XunitException($"/health/ready did not answer 503 within 30 s; last answer: {last}");
    }

    private static string? Source(LogEvent e) =>
        e.Properties.TryGetValue("SourceContext", out var v) && v is ScalarValue { Value: string s } ? s : null;

    private static string? Property(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var v) && v is ScalarValue { Value: var s } ? s?.ToString() : null;

    private sealed class StubHealth(params HealthCheck[] checks) : INodeHealth
    {
        public Task<IReadOnlyList<HealthCheck>> CheckAsync(TimeSpan timeout, CancellationToken ct) => Task.FromResult<IReadOnlyList<HealthCheck>>(checks);
    }
}
