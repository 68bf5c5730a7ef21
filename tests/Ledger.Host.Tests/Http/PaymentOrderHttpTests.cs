using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Tests.Support;
using Ledger.Settlement;

namespace Ledger.Host.Tests;

/// <summary>
/// A payment order on the real host over the real node and a SQLite folder, as operators and risk
/// staff see it through the public API: entered through the gateway the lending context calls, its
/// status (with payer and payee) on the deliver-order route, its explanation with the numbers the
/// payer's check was made on, and the payer's account as of a time while it was pending.
/// </summary>
[Collection("real-node")]
public sealed class PaymentOrderHttpTests
{
    private const string Apple = "037833100";

    [Fact]
    public async Task A_mark_pending_on_the_payers_cap_shows_on_status_explain_and_as_of_then_completes_by_recycle()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        var api = node.Api;
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0001", "operator-demo",
            """{"name":"Lender","netDebitCap":0,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0002", "operator-demo",
            """{"name":"Borrower","netDebitCap":5000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", "operator-demo", """{"price":100,"haircut":0.1}""")).AssertOk();
        var ready = await (await api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        var day = DateOnly.ParseExact(ready.GetProperty("businessDate").GetString()!, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var gateway = Assert.IsAssignableFrom<IPaymentOrderGateway>(node.Node.Ledger);
        var entered = await gateway.SubmitPaymentOrderAsync(new PaymentOrderRequest("MK-1", "0002", "0001", Apple, 5_100m, day), CancellationToken.None);
        Assert.True(entered.Accepted, entered.Error?.Message);
        var pending = await node.EventuallyAsync("/v1/deliver-orders/MK-1", "occ-demo", v => v.GetProperty("status").GetString() == "pending", "MK-1 pending");
        Assert.Equal(("net-debit-cap", "0002", "0001", 0L, "MARK"), (pending.GetProperty("pendingReason").GetString(), pending.GetProperty("payer").GetString(),
            pending.GetProperty("payee").GetString(), pending.GetProperty("shares").GetInt64(), pending.GetProperty("reasonCode").GetString()));

        // Never cancelled, never reclaimed: it completes or drops.
        await (await api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/MK-1", "occ-demo")).AssertProblem(409, "payment-order-cancel", "id");
        await (await api.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/MK-1", "participant-0001")).AssertProblem(409, "payment-order-cancel", "id");
        await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", "operator-demo", """{"amount":100}""")).AssertOk();
        var done = await node.EventuallyAsync("/v1/deliver-orders/MK-1", "participant-0002", v => v.GetProperty("status").GetString() == "completed", "MK-1 completed");
        Assert.Equal("recycle", done.GetProperty("completedBy").GetString());
        await (await api.SendAsync(HttpMethod.Post, "/v1/reclaims", "participant-0002", """{"id":"R-1","deliverOrderId":"MK-1"}"""))
            .AssertProblem(409, "reclaim-of-payment-order", "deliverOrderId");

        // Risk and the operator read it through the explanation.
        foreach (var token in new[] { "risk-demo", "operator-demo" })
        {
            var x = await (await api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/MK-1/explanation", token)).AssertOk();
            Assert.Equal(("completed", "recycle"), (x.GetProperty("finalState").GetString(), x.GetProperty("completedBy").GetString()));
            var pend = x.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "pended");
            Assert.Equal(("0002", "net-debit-cap", 5_100.00m, 5_000.00m), (pend.GetProperty("participant").GetString(), pend.GetProperty("outcome").GetString(),
                pend.GetProperty("inputs").GetProperty("netDebitAfter").GetDecimal(), pend.GetProperty("inputs").GetProperty("netDebitCap").GetDecimal()));
            Assert.Contains("a payment order: payer 0002 pays payee 0001 5,100.00", x.GetProperty("notes").ToString(), StringComparison.Ordinal);
        }

        // As of the instant the payer's check pended it (the step's time, from the journal).
        var explained = await (await api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/MK-1/explanation", "risk-demo")).AssertOk();
        var pendedAt = explained.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "pended").GetProperty("at").GetDateTimeOffset();
        var whilePending = pendedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        var then = await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/account?asOf={whilePending}", "risk-demo")).AssertOk();
        var now = await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", "risk-demo")).AssertOk();
        Assert.Equal("MK-1", then.GetProperty("pending")[0].GetProperty("deliverOrderId").GetString());
        Assert.Equal(0.00m, then.GetProperty("settlementBalance").GetDecimal());
        Assert.Equal(0, now.GetProperty("pending").GetArrayLength());
        Assert.Equal(-5_000.00m, now.GetProperty("settlementBalance").GetDecimal());
        Assert.Equal(5_100.00m, (await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "participant-0001")).AssertOk()).GetProperty("settlementBalance").GetDecimal());
    }
}
