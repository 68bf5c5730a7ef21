using System.Text.Json;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// The real host over the real ledger node on a temporary SQLite folder, end to end through HTTP.
/// Worked figures are those of atp-rules.md section 9: price $100, haircut 10%.
/// </summary>
[Collection("real-node")]
public sealed class RealNodeTests
{
    private const string Apple = "037833100";

    private static async Task SetUp(ApiHost api, decimal receiverFund, decimal receiverCap)
    {
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0001", "operator-demo",
            """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0002", "operator-demo",
            $$"""{"name":"Borrower","netDebitCap":{{receiverCap}},"participantsFund":{{receiverFund}},"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", "operator-demo", """{"price":100,"haircut":0.1}""")).AssertOk();
        var lender = await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":1000}""")).AssertOk();
        Assert.Equal(1000, lender.GetProperty("positions").EnumerateArray().Single().GetProperty("shares").GetInt64());
    }

    private static string Order(string id, long shares, string amount, string deliverer = "0001", string receiver = "0002") =>
        $$"""[{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"LOAN"}]""";

    private static async Task<JsonElement> Submit(ApiHost api, string batch) =>
        (await (await api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", batch)).AssertOk()).EnumerateArray().Single();

    private static Func<JsonElement, bool> Status(string status) => v => v.GetProperty("status").GetString() == status;

    [Fact]
    public async Task Set_up_deposit_and_a_deliver_order_that_completes_to_the_cent()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api, receiverFund: 50_000m, receiverCap: 1_000_000m);

        var answer = await Submit(node.Api, Order("DO-1", 1000, "100000.07"));
        Assert.True(answer.GetProperty("accepted").GetBoolean(), answer.ToString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("error").ValueKind);

        var done = await node.EventuallyAsync("/v1/deliver-orders/DO-1", "participant-0002", Status("completed"), "DO-1 completing");
        Assert.Equal("direct", done.GetProperty("completedBy").GetString());
        Assert.Equal(100_000.07m, done.GetProperty("amount").GetDecimal());
        var b = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "participant-0002")).AssertOk();
        Assert.Equal(-100_000.07m, b.GetProperty("settlementBalance").GetDecimal());
        Assert.Equal(100_000.07m, b.GetProperty("netDebit").GetDecimal());
        // 50,000 fund - 100,000.07 paid + 90,000 collateral value received.
        Assert.Equal(39_999.93m, b.GetProperty("collateralMonitor").GetDecimal());
        Assert.Equal(1000, b.GetProperty("positions").EnumerateArray().Single().GetProperty("shares").GetInt64());
        var a = await node.EventuallyAsync("/v1/participants/0001/account", "participant-0001",
            v => v.GetProperty("settlementBalance").GetDecimal() == 100_000.07m, "the deliverer being credited");
        Assert.Equal(100_000.07m, a.GetProperty("collateralMonitor").GetDecimal());
        Assert.DoesNotContain(a.GetProperty("positions").EnumerateArray(), p => p.GetProperty("shares").GetInt64() != 0);
    }

    [Fact]
    public async Task Scenario_3_pends_on_net_debit_cap_and_completes_by_recycle_after_a_payment()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api, receiverFund: 50_000m, receiverCap: 80_000m);

        Assert.True((await Submit(node.Api, Order("DO-3", 1000, "100000"))).GetProperty("accepted").GetBoolean());
        var pending = await node.EventuallyAsync("/v1/deliver-orders/DO-3", "occ-demo", Status("pending"), "DO-3 pending");
        Assert.Equal("net-debit-cap", pending.GetProperty("pendingReason").GetString());
        var b = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "risk-demo")).AssertOk();
        var item = b.GetProperty("pending").EnumerateArray().Single();
        Assert.Equal("DO-3", item.GetProperty("deliverOrderId").GetString());
        Assert.Equal("net-debit-cap", item.GetProperty("reason").GetString());

        var afterPayment = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", "operator-demo", """{"amount":30000}""")).AssertOk();
        Assert.Equal("0002", afterPayment.GetProperty("participant").GetString());

        var done = await node.EventuallyAsync("/v1/deliver-orders/DO-3", "participant-0001", Status("completed"), "DO-3 completing");
        Assert.Equal("recycle", done.GetProperty("completedBy").GetString());
        b = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "participant-0002")).AssertOk();
        Assert.Equal(-70_000.00m, b.GetProperty("settlementBalance").GetDecimal());
        Assert.Equal(70_000.00m, b.GetProperty("collateralMonitor").GetDecimal());
        Assert.Empty(b.GetProperty("pending").EnumerateArray());
    }

    [Fact]
    public async Task The_same_id_and_payload_again_is_answered_the_same_with_no_second_effect_and_another_payload_is_refused()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api, receiverFund: 50_000m, receiverCap: 1_000_000m);
        var first = await Submit(node.Api, Order("DO-1", 100, "10000.01"));
        await node.EventuallyAsync("/v1/deliver-orders/DO-1", "occ-demo", Status("completed"), "DO-1 completing");
        var a = await node.EventuallyAsync("/v1/participants/0001/account", "operator-demo",
            v => v.GetProperty("settlementBalance").GetDecimal() == 10_000.01m, "the deliverer being credited");
        var b = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "operator-demo")).AssertOk();

        var again = await Submit(node.Api, Order("DO-1", 100, "10000.01"));
        var other = await Submit(node.Api, Order("DO-1", 101, "10000.01"));

        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.True(again.GetProperty("accepted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, again.GetProperty("error").ValueKind);
        Assert.False(other.GetProperty("accepted").GetBoolean());
        Assert.Equal("deliver-order-id-unique", other.GetProperty("error").GetProperty("rule").GetString());
        Assert.Equal("id", other.GetProperty("error").GetProperty("field").GetString());
        // A second effect would move money or shares within moments on one local node; watch for a while.
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(100);
            Assert.Equal(a.ToString(), (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "operator-demo")).AssertOk()).ToString());
            Assert.Equal(b.ToString(), (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "operator-demo")).AssertOk()).ToString());
        }
        Assert.Equal("completed", (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-1", "occ-demo")).AssertOk()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_deliverer_cancels_a_pending_deliver_order_once_and_then_it_is_not_pending()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api, receiverFund: 50_000m, receiverCap: 1_000_000m);
        await Submit(node.Api, Order("DO-4", 5000, "500000"));
        var pending = await node.EventuallyAsync("/v1/deliver-orders/DO-4", "occ-demo", Status("pending"), "DO-4 pending");
        Assert.Equal("position", pending.GetProperty("pendingReason").GetString());

        await (await node.Api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-4", "participant-0002")).AssertProblem(403, "deliverer", "id");
        var cancelled = await (await node.Api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-4", "participant-0001")).AssertOk();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await (await node.Api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-4", "occ-demo")).AssertProblem(409, "deliver-order-pending", "id");
        await (await node.Api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-none", "occ-demo")).AssertProblem(404, "deliver-order-known", "id");
    }

    [Fact]
    public async Task Cutoff_drops_what_is_pending_and_close_opens_the_next_business_day()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await SetUp(node.Api, receiverFund: 50_000m, receiverCap: 1_000_000m);
        await Submit(node.Api, Order("DO-4", 5000, "500000"));
        await node.EventuallyAsync("/v1/deliver-orders/DO-4", "occ-demo", Status("pending"), "DO-4 pending");

        var cutoff = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/cutoff", "operator-demo")).AssertOk();
        Assert.True(cutoff.GetProperty("ok").GetBoolean());
        await node.EventuallyAsync("/v1/deliver-orders/DO-4", "occ-demo", Status("dropped"), "DO-4 dropping at the cutoff");
        var close = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk();

        Assert.True(close.GetProperty("ok").GetBoolean());
        Assert.Equal(cutoff.GetProperty("businessDate").GetString(), close.GetProperty("businessDate").GetString());
        Assert.True(string.CompareOrdinal(close.GetProperty("nextBusinessDate").GetString(), close.GetProperty("businessDate").GetString()) > 0);
        var ready = await (await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        Assert.Equal(close.GetProperty("nextBusinessDate").GetString(), ready.GetProperty("businessDate").GetString());
    }

    [Fact]
    public async Task A_restart_on_the_same_folder_keeps_accounts_and_deliver_order_statuses()
    {
        using var folder = new TempFolder();
        string lenderBefore, borrowerBefore, completedBefore, pendingBefore;
        await using (var node = await RealNode.StartAsync(folder.Path))
        {
            await SetUp(node.Api, receiverFund: 50_000m, receiverCap: 80_000m);
            await Submit(node.Api, Order("DO-A", 100, "5000.55"));
            await Submit(node.Api, Order("DO-B", 900, "90000"));
            completedBefore = (await node.EventuallyAsync("/v1/deliver-orders/DO-A", "occ-demo", Status("completed"), "DO-A completing")).ToString();
            pendingBefore = (await node.EventuallyAsync("/v1/deliver-orders/DO-B", "occ-demo", Status("pending"), "DO-B pending")).ToString();
            lenderBefore = (await node.EventuallyAsync("/v1/participants/0001/account", "operator-demo",
                v => v.GetProperty("settlementBalance").GetDecimal() == 5_000.55m, "the deliverer being credited")).ToString();
            borrowerBefore = (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "operator-demo")).AssertOk()).ToString();
        }

        await using (var node = await RealNode.StartAsync(folder.Path))
        {
            Assert.Equal(lenderBefore, (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "operator-demo")).AssertOk()).ToString());
            Assert.Equal(borrowerBefore, (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "operator-demo")).AssertOk()).ToString());
            Assert.Equal(completedBefore, (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-A", "occ-demo")).AssertOk()).ToString());
            Assert.Equal(pendingBefore, (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-B", "occ-demo")).AssertOk()).ToString());
            var again = await Submit(node.Api, Order("DO-A", 100, "5000.55"));
            Assert.True(again.GetProperty("accepted").GetBoolean());
            Assert.Equal(lenderBefore, (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "operator-demo")).AssertOk()).ToString());
        }
    }
}
