using System.Text.Json;
using Ledger.Host.Http;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// <c>GET /v1/day</c> on a real node: every figure is the accounts' own (to the cent), the counts
/// per second are the deliver orders this node took, and the dashboard's page and files are served
/// from the program itself, without a token.
/// </summary>
[Collection("real-node")]
public sealed class DayEndpointsTests
{
    private const string Apple = "037833100";

    [Fact]
    public async Task The_day_shows_each_accounts_own_figures_and_the_deliver_orders_this_node_took()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = new TimeOnly(15, 10) });
        var api = node.Api;
        await Ok(api, HttpMethod.Put, "/v1/securities/" + Apple, "operator-demo", """{"price":100.01,"haircut":0.1}""");
        await Ok(api, HttpMethod.Put, "/v1/participants/0900", "operator-demo",
            """{"name":"OCC","netDebitCap":0,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":true}""");
        await Ok(api, HttpMethod.Put, "/v1/participants/0001", "operator-demo",
            """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""");
        await Ok(api, HttpMethod.Put, "/v1/participants/0002", "operator-demo",
            """{"name":"Borrower","netDebitCap":50000.01,"participantsFund":10000.03,"marketLoanProgram":true,"centralCounterparty":false}""");
        await Ok(api, HttpMethod.Put, "/v1/participants/0003", "operator-demo",
            """{"name":"Small","netDebitCap":20000,"participantsFund":5000,"marketLoanProgram":true,"centralCounterparty":false}""");
        await Ok(api, HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":5000}""");

        // Completed: 0002 owes $45,000.45 against its $50,000.01 cap, 0003 $12,345.67 against $20,000.
        await Submit(node, "DAY-1", "0001", "0002", 450, "45000.45", "completed");
        await Submit(node, "DAY-2", "0001", "0003", 100, "12345.67", "completed");
        // Pending: at the receiver 0002 on its cap, at the deliverer 0003 on position (it holds 100 shares, not 200).
        await Submit(node, "DAY-3", "0001", "0002", 100, "10000", "pending");
        await Submit(node, "DAY-4", "0003", "0001", 200, "20000", "pending");
        // A Market Loan leg lender -> OCC waits at OCC for look-ahead: OCC holds nothing yet, so it is flat.
        await Submit(node, "DAY-5", "0001", "0900", 10, "1000", "pending");

        // The chart shows whole seconds only (the current one is still counting): within two seconds all five are in it.
        var day = await EventuallyDay(node, d => d.GetProperty("deliverOrders").GetProperty("acceptedTotal").GetInt64() == 5
            && d.GetProperty("deliverOrders").GetProperty("perSecond").EnumerateArray().Sum(s => s.GetProperty("accepted").GetInt64()) == 5,
            "5 accepted in the day's summary and in its seconds");

        var accounts = new Dictionary<string, JsonElement>();
        foreach (var id in new[] { "0001", "0002", "0003", "0900" })
            accounts[id] = await Ok(api, HttpMethod.Get, $"/v1/participants/{id}/account", "risk-demo");

        Assert.Equal("risk", day.GetProperty("caller").GetString());
        Assert.Equal(accounts["0001"].GetProperty("businessDate").GetString(), day.GetProperty("businessDate").GetString());
        Assert.Equal(4, day.GetProperty("participants").GetInt32());
        Assert.Equal(4, day.GetProperty("accountsRead").GetInt32());

        // Pending: exactly the accounts' own queues, by reason and side.
        var queued = accounts.Values.SelectMany(a => a.GetProperty("pending").EnumerateArray()).ToList();
        Assert.Equal(queued.Count, day.GetProperty("pendingTotal").GetInt32());
        foreach (var reason in day.GetProperty("pendingByReason").EnumerateArray())
        {
            var name = reason.GetProperty("reason").GetString();
            Assert.Equal(queued.Count(p => p.GetProperty("reason").GetString() == name && p.GetProperty("side").GetString() == "deliver"), reason.GetProperty("deliver").GetInt32());
            Assert.Equal(queued.Count(p => p.GetProperty("reason").GetString() == name && p.GetProperty("side").GetString() == "receive"), reason.GetProperty("receive").GetInt32());
        }
        Assert.Equal(["DAY-3", "DAY-4", "DAY-5"], day.GetProperty("pendingItems").EnumerateArray()
            .Select(p => p.GetProperty("deliverOrderId").GetString()!).Distinct().Order(StringComparer.Ordinal).ToArray());
        var atTheCap = day.GetProperty("pendingItems").EnumerateArray().Single(p => p.GetProperty("deliverOrderId").GetString() == "DAY-3");
        Assert.Equal(("0002", "receive", "net-debit-cap", 10000m), (atTheCap.GetProperty("participant").GetString(), atTheCap.GetProperty("side").GetString(),
            atTheCap.GetProperty("reason").GetString(), atTheCap.GetProperty("amount").GetDecimal()));

        // Net debits: largest first, the accounts' own figures to the cent, and the share of the cap.
        var debits = day.GetProperty("largestNetDebits").EnumerateArray().ToList();
        Assert.Equal(["0002", "0003"], debits.Select(d => d.GetProperty("participant").GetString()!).ToArray());
        Assert.Equal(45000.45m, debits[0].GetProperty("netDebit").GetDecimal());
        Assert.Equal(accounts["0002"].GetProperty("netDebit").GetDecimal(), debits[0].GetProperty("netDebit").GetDecimal());
        Assert.Equal(50000.01m, debits[0].GetProperty("netDebitCap").GetDecimal());
        Assert.Equal(Math.Round(45000.45m / 50000.01m, 4), debits[0].GetProperty("capUsed").GetDecimal());
        Assert.Equal(12345.67m, debits[1].GetProperty("netDebit").GetDecimal());

        // Collateral monitors: lowest first, as the accounts give them.
        var monitors = day.GetProperty("collateralMonitorsNearZero").EnumerateArray().Select(c => (c.GetProperty("participant").GetString()!, c.GetProperty("collateralMonitor").GetDecimal())).ToList();
        var expected = accounts.Select(a => (a.Key, a.Value.GetProperty("collateralMonitor").GetDecimal())).OrderBy(a => a.Item2).ThenBy(a => a.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, monitors);

        // OCC: flat while it holds nothing, with its leg pending.
        Assert.True(day.GetProperty("occFlat").GetBoolean(), day.ToString());
        var occ = day.GetProperty("centralCounterparties").EnumerateArray().Single();
        Assert.Equal(("0900", 0m, 0L, 1), (occ.GetProperty("participant").GetString(), occ.GetProperty("settlementBalance").GetDecimal(),
            occ.GetProperty("sharesHeld").GetInt64(), occ.GetProperty("pending").GetInt32()));

        // The cutoff is 15:10 New York on the business date, and the countdown is the node's own.
        var businessDate = DateOnly.Parse(day.GetProperty("businessDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var cutoff = BusinessCalendar.CutoffInstant(businessDate, new TimeOnly(15, 10), Ledger.Cluster.NewYork.TimeZone).UtcDateTime;
        Assert.Equal(cutoff, day.GetProperty("recycleCutoffAt").GetDateTime().ToUniversalTime());
        var now = day.GetProperty("now").GetDateTime().ToUniversalTime();
        Assert.Equal((long)Math.Ceiling((cutoff - now).TotalSeconds), day.GetProperty("secondsToRecycleCutoff").GetInt64());

        // Per second: the five deliver orders this node took, each in a second of the chart.
        var perSecond = day.GetProperty("deliverOrders").GetProperty("perSecond").EnumerateArray().ToList();
        Assert.Equal(DayFigures.SecondsKept - 1, perSecond.Count);
        Assert.Equal(5, perSecond.Sum(s => s.GetProperty("accepted").GetInt64()));
        Assert.Equal(day.GetProperty("deliverOrders").GetProperty("completedTotal").GetInt64(), perSecond.Sum(s => s.GetProperty("completed").GetInt64()));
        Assert.Equal(2, day.GetProperty("deliverOrders").GetProperty("completedTotal").GetInt64());
        var latency = day.GetProperty("journalWriteLatency");
        Assert.True(latency.GetProperty("p50Ms").GetDouble() <= latency.GetProperty("p99Ms").GetDouble(), latency.ToString());
        Assert.True(latency.GetProperty("p99Ms").GetDouble() <= latency.GetProperty("maxMs").GetDouble(), latency.ToString());
    }

    [Fact]
    public async Task The_page_and_its_files_are_served_from_the_program_without_a_token()
    {
        await using var api = await ApiHost.StartAsync(new FakeLedger());

        var page = await api.SendAsync(HttpMethod.Get, "/", null);
        Assert.Equal(200, (int)page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Dashboard.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        page.AssertAnswerHeaders();
        var html = await page.Content.ReadAsStringAsync();
        // Everything the page loads is its own: no other origin anywhere in it.
        Assert.DoesNotContain("http", html.Replace("http-equiv", ""), StringComparison.OrdinalIgnoreCase);

        foreach (var (file, type, holds) in new[]
        {
            ("app.js", "text/javascript", "sessionStorage"),
            ("style.css", "text/css", "--ink"),
            ("uPlot.iife.min.js", "text/javascript", "uPlot"),
            ("uPlot.min.css", "text/css", ".uplot"),
            ("uPlot.LICENSE", "text/plain", "The MIT License"),
        })
        {
            var answer = await api.SendAsync(HttpMethod.Get, $"{Dashboard.AssetsPath}/{file}", null);
            Assert.True(200 == (int)answer.StatusCode, $"{file}: {(int)answer.StatusCode}");
            Assert.Equal(type, answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains(holds, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            answer.AssertAnswerHeaders();
        }
        // The page's script keeps the token in the tab's session storage, never in local storage or a cookie.
        var script = await (await api.SendAsync(HttpMethod.Get, $"{Dashboard.AssetsPath}/app.js", null)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("localStorage", script, StringComparison.Ordinal);
        Assert.DoesNotContain("document.cookie", script, StringComparison.Ordinal);

        await (await api.SendAsync(HttpMethod.Get, $"{Dashboard.AssetsPath}/secrets.json", null)).AssertProblem(404, "route-known");
        await (await api.SendAsync(HttpMethod.Post, "/", null)).AssertProblem(405, "method-allowed");
    }

    private static async Task Submit(RealNode node, string id, string deliverer, string receiver, long shares, string amount, string status)
    {
        var answer = await Ok(node.Api, HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
            $$"""[{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"SL"}]""");
        Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
        await node.EventuallyAsync($"/v1/deliver-orders/{id}", "occ-demo", v => v.GetProperty("status").GetString() == status, $"{id} {status}");
    }

    private static async Task<JsonElement> EventuallyDay(RealNode node, Func<JsonElement, bool> done, string what) =>
        await node.EventuallyAsync("/v1/day", "risk-demo", done, what);

    private static async Task<JsonElement> Ok(ApiHost api, HttpMethod method, string path, string token, string? json = null) =>
        await (await api.SendAsync(method, path, token, json)).AssertOk();
}
