using System.Net;
using System.Text.Json;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests;

/// <summary>
/// GET /v1/deliver-orders/{id}/explanation on a real node, and `ledger explain` on the same SQLite
/// folder while the node runs: who may see an explanation, and that both tell scenario 3 the same way.
/// </summary>
[Collection("real-node")]
public sealed class ExplainHttpTests
{
    private const string Apple = "037833100";

    /// <summary>atp-rules.md scenario 3: B (fund $50,000, cap $80,000) receives $100,000, pends on its cap, and completes by recycle after a $30,000 payment.</summary>
    private static async Task Scenario3(RealNode node)
    {
        var api = node.Api;
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0001", "operator-demo",
            """{"name":"A","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":false,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0002", "operator-demo",
            """{"name":"B","netDebitCap":80000,"participantsFund":50000,"marketLoanProgram":false,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0003", "operator-demo",
            """{"name":"C","netDebitCap":0,"participantsFund":0,"marketLoanProgram":false,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", "operator-demo", """{"price":100,"haircut":0.1}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":1000}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
            $$"""[{"id":"DO-3","deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":1000,"amount":100000,"reasonCode":"LOAN"}]""")).AssertOk();
        await node.EventuallyAsync("/v1/deliver-orders/DO-3", "occ-demo", v => v.GetProperty("status").GetString() == "pending", "DO-3 pending");
        await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", "operator-demo", """{"amount":30000}""")).AssertOk();
        await node.EventuallyAsync("/v1/deliver-orders/DO-3/explanation", "risk-demo",
            v => v.GetProperty("steps").GetArrayLength() == 5, "DO-3 registered, then completed at both parties");
    }

    [Fact]
    public async Task Risk_occ_and_the_operator_see_every_step_each_party_its_own_others_get_403_and_an_unknown_id_404()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await Scenario3(node);

        var fromStore = new StringWriter();
        Assert.Equal(ExplainCommand.ExitOk, await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = "DO-3", DataDir = folder.Path, Json = true },
            fromStore, new StringWriter(), CancellationToken.None));
        foreach (var token in new[] { "risk-demo", "occ-demo", "operator-demo" })
        {
            var x = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", token)).AssertOk();
            // The very explanation `ledger explain` gives risk staff from the store.
            Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(fromStore.ToString()).RootElement), JsonSerializer.Serialize(x));
            Assert.Equal("completed", x.GetProperty("finalState").GetString());
            Assert.Equal("recycle", x.GetProperty("completedBy").GetString());
            Assert.Equal("registered", x.GetProperty("steps")[0].GetProperty("kind").GetString());
            var pend = x.GetProperty("steps")[2];
            Assert.Equal("net-debit-cap", pend.GetProperty("outcome").GetString());
            Assert.Equal(80_000.00m, pend.GetProperty("inputs").GetProperty("netDebitCap").GetDecimal());
            Assert.Equal(100_000.00m, pend.GetProperty("inputs").GetProperty("netDebitAfter").GetDecimal());
            Assert.EndsWith("receiver 0002 pended on net-debit-cap: balance 0.00 - 100,000.00 = net debit 100,000.00 > cap 80,000.00; collateral monitor 50,000.00 + (90,000.00 received - 100,000.00) = 40,000.00 >= 0 [price 100.00, haircut 10%]",
                pend.GetProperty("sentence").GetString());
        }

        // The receiver: its own pend and recycle with its own figures.
        var receivers = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "participant-0002")).AssertOk();
        Assert.Equal(["index", "0002", "0002"], receivers.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("participant").GetString()));
        Assert.Equal(80_000.00m, receivers.GetProperty("steps")[1].GetProperty("inputs").GetProperty("netDebitCap").GetDecimal());
        // The deliverer: its reservation and completion, nothing of the receiver's cap or collateral.
        var deliverers = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "participant-0001")).AssertOk();
        Assert.Equal(["index", "0001", "0001"], deliverers.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("participant").GetString()));
        Assert.DoesNotContain("80000", deliverers.ToString());
        Assert.DoesNotContain("net-debit-cap", deliverers.ToString());
        Assert.Equal(("completed", "recycle"), (deliverers.GetProperty("finalState").GetString(), deliverers.GetProperty("completedBy").GetString()));

        var known = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "participant-0003")).AssertProblem(403, "deliver-order-party", "id");
        var unknown = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-404/explanation", "participant-0003")).AssertProblem(403, "deliver-order-party", "id");
        Assert.Equal(known.GetProperty("detail").GetString()!.Replace("DO-3", "ID"), unknown.GetProperty("detail").GetString()!.Replace("DO-404", "ID"));
        Assert.Equal(HttpStatusCode.NotFound, (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-404/explanation", "risk-demo")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/bad%20id/explanation", "risk-demo")).StatusCode);
    }

    /// <summary>
    /// A participant that is not a party is refused from the id's registration alone: for an id that
    /// exists and one that does not, the same 403, and not one journal row read for either.
    /// </summary>
    [Fact]
    public async Task A_participant_not_party_gets_the_same_403_for_a_known_and_an_unknown_id_and_no_journal_is_read()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await Scenario3(node);
        var table = node.Node.JournalTable!;

        foreach (var id in new[] { "DO-3", "DO-404", "DO-3", "DO-404" })
        {
            var before = table.RowsRead;
            await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}/explanation", "participant-0003")).AssertProblem(403, "deliver-order-party", "id");
            Assert.Equal(before, table.RowsRead);
        }
        var rows = table.RowsRead;
        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "participant-0002")).AssertOk();
        Assert.InRange(table.RowsRead - rows, 2, 4); // its pend, its completion and the payment before it
    }

    /// <summary>
    /// The accounts keep each deliver order's event index for the current and the last closed business
    /// day: two closes later the node answers 410 and says to read it with `ledger explain`, which does.
    /// </summary>
    [Fact]
    public async Task An_explanation_older_than_the_last_closed_day_is_410_and_ledger_explain_still_tells_it()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null });
        await Scenario3(node);
        for (var close = 1; close <= 2; close++)
            await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk();

        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "risk-demo")).AssertProblem(410, "explanation-retained", "id");
        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "participant-0002")).AssertProblem(410, "explanation-retained", "id");
        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-3/explanation", "participant-0003")).AssertProblem(403, "deliver-order-party", "id");
        var text = new StringWriter();
        Assert.Equal(ExplainCommand.ExitOk, await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = "DO-3", DataDir = folder.Path }, text, new StringWriter(), CancellationToken.None));
        Assert.Contains("final state: completed by recycle", text.ToString());
    }

    [Fact]
    public async Task Ledger_explain_reads_the_folder_of_a_running_node_as_text_and_json()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        await Scenario3(node);

        var text = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(ExplainCommand.ExitOk, await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = "DO-3", DataDir = folder.Path }, text, error, CancellationToken.None));
        Assert.Contains("deliver order DO-3: 0001 -> 0002, 1,000 sh of 037833100 against 100,000.00", text.ToString());
        Assert.Contains("receiver 0002 completed by recycle after a settlement progress payment of 30,000.00", text.ToString());
        Assert.Contains("final state: completed by recycle", text.ToString());

        var json = new StringWriter();
        Assert.Equal(ExplainCommand.ExitOk, await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = "DO-3", DataDir = folder.Path, Json = true }, json, error, CancellationToken.None));
        var x = JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal("registered", x.GetProperty("steps")[0].GetProperty("kind").GetString());
        Assert.Equal(5, x.GetProperty("steps").GetArrayLength());

        Assert.Equal(ExplainCommand.ExitUnknownDeliverOrder,
            await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = "DO-404", DataDir = folder.Path }, new StringWriter(), error, CancellationToken.None));
        Assert.Equal(ExplainCommand.ExitStoreUnreadable,
            await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = "DO-3", DataDir = Path.Combine(folder.Path, "nowhere") }, new StringWriter(), error, CancellationToken.None));
    }
}
