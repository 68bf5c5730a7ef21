using System.Text;
using System.Text.Json;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// A batch of deliver orders: malformed batches are refused whole; well-formed ones are answered
/// item by item, in order, each accepted or refused with the field and rule of the entry checks.
/// </summary>
public sealed class BatchTests
{
    private static string Order(string id, string deliverer = "0001", string receiver = "0002", string cusip = "037833100", string shares = "100", string amount = "10000.25", string reasonCode = "\"LOAN\"") =>
        $$"""{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{cusip}}","shares":{{shares}},"amount":{{amount}},"reasonCode":{{reasonCode}}}""";

    private static string Batch(params string[] orders) => "[" + string.Join(",", orders) + "]";

    [Fact]
    public async Task Each_item_is_answered_in_input_order_with_its_field_and_rule()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var batch = Batch(
            Order("DO-1"),
            Order("DO-2", receiver: "0001"),
            Order("DO-3", cusip: "037833101"),
            Order("DO-4", shares: "0"),
            Order("DO-5", amount: "10.001"),
            Order("DO-6", deliverer: "0777"),
            Order("DO-7", deliverer: "0003", receiver: "0900"),
            Order("DO-8", deliverer: "0900", receiver: "0003"),
            """{"id":"DO-9","deliverer":"0001","receiver":"0002","cusip":"037833100","amount":5}""",
            Order("DO-10", deliverer: "0001", receiver: "0900", amount: "0"),
            Order("DO-11", amount: "-1"));

        var answers = (await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", batch)).AssertOk()).EnumerateArray().ToList();

        Assert.Equal(
            ["DO-1", "DO-2", "DO-3", "DO-4", "DO-5", "DO-6", "DO-7", "DO-8", "DO-9", "DO-10", "DO-11"],
            answers.Select(a => a.GetProperty("id").GetString()));
        (bool Accepted, string? Rule, string? Field)[] expected =
        [
            (true, null, null),
            (false, "deliverer-not-receiver", "receiver"),
            (false, "cusip-check-digit", "cusip"),
            (false, "shares-positive", "shares"),
            (false, "amount-two-decimals", "amount"),
            (false, "participant-known", "deliverer"),
            (false, "market-loan-program", "deliverer"),
            (false, "market-loan-program", "receiver"),
            (false, "required", "shares"),
            (true, null, null),
            (false, "amount-not-negative", "amount"),
        ];
        for (var i = 0; i < expected.Length; i++)
        {
            var answer = answers[i];
            Assert.Equal(expected[i].Accepted, answer.GetProperty("accepted").GetBoolean());
            var error = answer.GetProperty("error");
            if (expected[i].Accepted)
            {
                Assert.Equal(JsonValueKind.Null, error.ValueKind);
                Assert.Equal("accepted", answer.GetProperty("status").GetString());
            }
            else
            {
                Assert.Equal(expected[i].Rule, error.GetProperty("rule").GetString());
                Assert.Equal(expected[i].Field, error.GetProperty("field").GetString());
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
                Assert.Equal("rejected", answer.GetProperty("status").GetString());
            }
        }
    }

    [Fact]
    public async Task The_amount_reaches_the_ledger_to_the_cent()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Batch(Order("DO-1", amount: "10000.07")))).AssertOk();

        var view = await (await host.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-1", "occ-demo")).AssertOk();
        Assert.Equal(10000.07m, view.GetProperty("amount").GetDecimal());
        Assert.Equal(100, view.GetProperty("shares").GetInt64());
    }

    [Fact]
    public async Task Resubmitting_the_same_payload_is_answered_the_same_and_another_payload_is_refused()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        var first = await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Batch(Order("DO-1")))).AssertOk();
        var again = await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Batch(Order("DO-1")))).AssertOk();
        var other = await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Batch(Order("DO-1", shares: "101")))).AssertOk();

        Assert.Equal(first.ToString(), again.ToString());
        Assert.False(other[0].GetProperty("accepted").GetBoolean());
        Assert.Equal("deliver-order-id-unique", other[0].GetProperty("error").GetProperty("rule").GetString());
    }

    public static TheoryData<string, int, string, string> MalformedBatches() => new()
    {
        { Order("DO-1"), 400, "json-type", "body" },
        { "[]", 400, "batch-not-empty", "body" },
        { "[1]", 400, "json-type", "[0]" },
        { Batch(Order("DO-1"), Order("DO-2", shares: "1.5")), 400, "integer", "[1].shares" },
        { Batch(Order("DO-1"), Order("DO-2", shares: "\"10\"")), 400, "json-type", "[1].shares" },
        { Batch(Order("DO-1", amount: "\"10\"")), 400, "json-type", "[0].amount" },
        { Batch(Order("DO-1", reasonCode: "7")), 400, "json-type", "[0].reasonCode" },
        { Batch(Order("DO-1")[..^1] + ",\"priority\":1}"), 400, "field-known", "[0].priority" },
        { Batch(Order("DO-1")[..^1] + ",\"id\":\"DO-2\"}"), 400, "field-unique", "[0].id" },
        { Batch(Order("DO-1"), Order("DO-2", amount: "1.00000000000000000000000000000000001")), 400, "number-precision", "[1].amount" },
        { "[" + Order("DO-1"), 400, "json-syntax", "body" },
    };

    [Theory]
    [MemberData(nameof(MalformedBatches))]
    public async Task A_malformed_batch_is_refused_whole_and_nothing_is_submitted(string body, int status, string rule, string field)
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", body);

        await response.AssertProblem(status, rule, field);
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_malformed_batch_lists_every_fault_with_its_index()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var body = Batch(Order("DO-1"), Order("DO-2", shares: "1.5"), Order("DO-3"), Order("DO-4", amount: "\"1\"", shares: "true"));

        var problem = await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", body)).AssertProblem(400, "integer", "[1].shares");

        var errors = problem.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("field").GetString(), e.GetProperty("rule").GetString()))
            .ToList();
        Assert.Equal([(1, "[1].shares", "integer"), (3, "[3].shares", "json-type"), (3, "[3].amount", "json-type")], errors);
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_batch_over_the_size_limit_is_413_and_one_at_the_limit_is_answered()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger, batchSizeMax: 3);

        var over = await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Batch(Order("A"), Order("B"), Order("C"), Order("D")));
        await over.AssertProblem(413, "batch-size-max", "body");
        Assert.Empty(ledger.Changes);

        var at = await (await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Batch(Order("A"), Order("B"), Order("C")))).AssertOk();
        Assert.Equal(3, at.GetArrayLength());
    }

    [Fact]
    public async Task The_default_batch_limit_is_the_node_limit_of_10000()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);
        var body = new StringBuilder("[");
        for (var i = 0; i <= 10_000; i++)
        {
            if (i > 0) body.Append(',');
            body.Append(Order($"DO-{i}"));
        }
        body.Append(']');

        var response = await host.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", body.ToString());

        var problem = await response.AssertProblem(413, "batch-size-max", "body");
        Assert.Contains("10001", problem.GetProperty("detail").GetString());
        Assert.Empty(ledger.Changes);
    }
}
