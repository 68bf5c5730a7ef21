using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Ledger.Settlement;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// A real node (SQLite, no recycle cutoff clock) holding reference data and deliver orders in every
/// state a hostile request might aim at: H-DONE completed, H-PEND pending on position, H-GONE
/// completed and reclaimed by 0002's reclaim H-RCL (filed as 0002~H-RCL). Participant 0004 holds a position of Microsoft one share short
/// of the largest a position may be. Participant 0001's deposit took idempotency id H-DEP, and
/// 0002's settlement progress payment H-SPP.
/// </summary>
public sealed class HostileWorld : IAsyncLifetime
{
    public const string Apple = "037833100";
    public const string Microsoft = "594918104";
    /// <summary>A CUSIP with a valid check digit that is never listed.</summary>
    public const string Unlisted = "38259P508";
    public const string Done = "H-DONE";
    public const string Pending = "H-PEND";
    public const string Gone = "H-GONE";
    /// <summary>0002's own reference for its reclaim of <see cref="Gone"/>.</summary>
    public const string ReclaimReference = "H-RCL";
    /// <summary>That reclaim as the ledger files it, in 0002's namespace.</summary>
    public const string Reclaimed = "0002~H-RCL";
    /// <summary>The idempotency id of 0001's deposit of 100,000 Apple.</summary>
    public const string DepositId = "H-DEP";
    /// <summary>The idempotency id of 0002's settlement progress payment of $100.</summary>
    public const string PaymentId = "H-SPP";
    /// <summary>An id never set up; hostile PUTs aim at it and must not create it.</summary>
    public const string Unset = "0050";
    public static readonly string[] Participants = ["0001", "0002", "0003", "0004", "0900"];
    public static readonly string[] DeliverOrders = [Done, Pending, Gone, Reclaimed];

    private readonly TempFolder _folder = new();

    public RealNode Node { get; private set; } = null!;

    public ApiHost Api => Node.Api;

    public async Task InitializeAsync()
    {
        Node = await RealNode.StartAsync(_folder.Path, o => o with { RecycleCutoffLocalTime = null });
        await Put("0001", "Lender", mlp: true, ccp: false, cap: "1000000");
        await Put("0002", "Borrower", mlp: true, ccp: false, cap: "1000000");
        await Put("0003", "Outsider", mlp: false, ccp: false, cap: "1000000");
        await Put("0004", "Holder", mlp: true, ccp: false, cap: "1000000");
        await Put("0900", "OCC", mlp: true, ccp: true, cap: "0");
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", "operator-demo", """{"price":100,"haircut":0.1}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/securities/{Microsoft}", "operator-demo", """{"price":400,"haircut":0.2}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", $$"""{"id":"{{DepositId}}","cusip":"{{Apple}}","shares":100000}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", "operator-demo", $$"""{"id":"{{PaymentId}}","amount":100}""")).AssertOk();
        // 10 x 10,000,000,000 - 1: the largest position is 100,000,000,000 shares.
        for (var i = 0; i < 10; i++)
        {
            var shares = i == 0 ? 9_999_999_999L : 10_000_000_000L;
            await (await Api.SendAsync(HttpMethod.Post, "/v1/participants/0004/deposits", "operator-demo", $$"""{"cusip":"{{Microsoft}}","shares":{{shares}}}""")).AssertOk();
        }
        await Submit(Done, "0001", "0002", "completed");
        await Submit(Pending, "0003", "0002", "pending");
        await Submit(Gone, "0001", "0002", "completed");
        var reclaim = await (await Api.SendAsync(HttpMethod.Post, "/v1/reclaims", "participant-0002", $$"""{"id":"{{ReclaimReference}}","deliverOrderId":"{{Gone}}"}""")).AssertOk();
        Assert.True(reclaim.GetProperty("accepted").GetBoolean(), reclaim.ToString());
        Assert.Equal(Reclaimed, reclaim.GetProperty("id").GetString());
        await Node.EventuallyAsync($"/v1/deliver-orders/{Reclaimed}", "occ-demo", v => v.GetProperty("status").GetString() == "completed", "the reclaim completing");
        // The recall hub: 0001 and 0002 subscribed, DEMOVEND holding 0002's letter (RecallHostileRequests).
        await (await Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0001", "operator-demo", """{"address":"LENDUS33XXX"}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0002", "operator-demo", """{"address":"BORRUS33XXX","vendor":"DEMOVEND"}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":["0002"]}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", "participant-0001", System.Text.Json.JsonSerializer.Serialize(new { message = RecallMessages.Recall("H-RCL-1") }))).AssertOk();
    }

    private async Task Put(string id, string name, bool mlp, bool ccp, string cap) =>
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", "operator-demo",
            $$"""{"name":"{{name}}","netDebitCap":{{cap}},"participantsFund":100000,"marketLoanProgram":{{(mlp ? "true" : "false")}},"centralCounterparty":{{(ccp ? "true" : "false")}}}""")).AssertOk();

    private async Task Submit(string id, string deliverer, string receiver, string status)
    {
        var answer = await (await Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
            $$"""[{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":100,"amount":10000,"reasonCode":"LOAN"}]""")).AssertOk();
        Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
        await Node.EventuallyAsync($"/v1/deliver-orders/{id}", "occ-demo", v => v.GetProperty("status").GetString() == status, $"{id} {status}");
    }

    /// <summary>Every account (its view, whose version counts its events, and its journal), every deliver order, and that 0050 is unset.</summary>
    public async Task<string> SnapshotAsync()
    {
        var parts = new List<string>();
        foreach (var id in Participants)
        {
            parts.Add((await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{id}/account", "risk-demo")).AssertOk()).ToString());
            parts.Add($"{id} journal: {(await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{id}/journal", "risk-demo")).AssertOk()).GetArrayLength()} events");
        }
        foreach (var id in DeliverOrders)
        {
            parts.Add((await (await Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}", "occ-demo")).AssertOk()).ToString());
        }
        await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{Unset}/account", "risk-demo")).AssertProblem(404, "participant-known", "id");
        parts.Add(await CalendarProbe.AllHolidaysAsync(Api));
        parts.Add(await IncomeHostile.SnapshotAsync(Api, Participants));
        // The recall hub's mailboxes: a refused request adds no entry (no message, no reject).
        foreach (var id in new[] { "0001", "0002" }) parts.Add((await (await Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/mailbox/{id}", $"participant-{id}")).AssertOk()).ToString());
        return string.Join("\n", parts);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>One generated request and what must come of it.</summary>
public sealed record Hostile(string Kind, string Method, string Path, string? Authorization, string? ContentType, byte[]? Body)
{
    /// <summary>A batch of deliver orders: may be answered 200 item by item, every item refused.</summary>
    public int? Items { get; init; }

    /// <summary>For a batch answered item by item: the rule each item must be refused by (null: any rule).</summary>
    public IReadOnlyList<string?> ItemRules { get; init; } = [];

    /// <summary>Deliver-order ids the request carries that must never become known.</summary>
    public IReadOnlyList<string> NewIds { get; init; } = [];

    public override string ToString()
    {
        var body = Body is null ? "(none)" : Encoding.UTF8.GetString(Body);
        if (body.Length > 400) body = body[..400] + $"... ({Body!.Length} bytes)";
        var escaped = string.Concat(body.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
        return $"{Kind}: {Method} {Path} auth [{Authorization ?? "(none)"}] type [{ContentType ?? "(none)"}] body {escaped}";
    }
}

/// <summary>
/// Thousands of generated malformed and hostile requests against the real node: bad JSON, wrong
/// types, huge and overflowing numbers, exponent forms, NaN and Infinity, deep nesting, unicode,
/// control and direction characters in ids and names, nulls, unknown, duplicated and missing fields,
/// wrong content types, empty bodies, bad query strings, ids reused with other payloads, and valid
/// requests from the wrong caller. Each must be answered 4xx problem+json naming its rule (and its
/// field where one is at fault), or for a batch of deliver orders, 200 with every item refused by a
/// rule on a field; afterwards every account, journal and deliver order is as it was. About 4,000
/// requests; the class runs in about 30 s here. CsCheck prints the seed and the request of a failure.
/// </summary>
[Collection("real-node")]
public sealed class HostileInputTests(HostileWorld world) : IClassFixture<HostileWorld>
{
    private const int Iterations = 4_000;

    /// <summary>Rules that a run of this size always reaches (each is seen 50 times or more in a run).</summary>
    private static readonly string[] CommonRules =
    [
        "method-allowed", "route-known", "bearer-token", "role", "content-type", "utf-8", "json-syntax", "json-type", "field-known",
        "field-unique", "required", "time-format", "participant-id-format", "deliver-order-id-format", "cusip-check-digit",
        "participant-known", "deliver-order-id-unique", "number-length-max",
    ];

    private static readonly string[] FieldlessRules =
        ["bearer-token", "role", "route-known", "method-allowed", "business-day"];

    [Fact]
    public async Task Hostile_requests_get_a_4xx_naming_the_rule_and_change_nothing()
    {
        var before = await world.SnapshotAsync();
        var newIds = new ConcurrentDictionary<string, byte>();
        var kinds = new ConcurrentDictionary<string, int>();
        var rules = new ConcurrentDictionary<string, int>();

        await HostileRequests.All.SampleAsync(async hostile =>
        {
            kinds.AddOrUpdate(hostile.Kind.Split(':')[0], 1, (_, n) => n + 1);
            foreach (var id in hostile.NewIds) newIds.TryAdd(id, 0);
            foreach (var rule in await Check(hostile, await Send(hostile))) rules.AddOrUpdate(rule, 1, (_, n) => n + 1);
        }, iter: Iterations, print: h => h.ToString());

        Assert.Equal(before, await world.SnapshotAsync());
        // No deliver order a hostile request named was taken (a sample, so the check stays short).
        foreach (var id in newIds.Keys.Order(StringComparer.Ordinal).Take(300))
        {
            var response = await world.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{HostileRequests.Escape(id)}", "occ-demo");
            Assert.True((int)response.StatusCode is 400 or 404, $"{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        // Every family of hostile request was sent, many times, and the refusals came from every layer:
        // the server, the token check, the JSON reader, the field reader, the entry rules, the ledger.
        Assert.All(HostileRequests.Families, f => Assert.True(kinds.GetValueOrDefault(f) >= 20, $"{f} sent {kinds.GetValueOrDefault(f)} times"));
        var seen = string.Join(", ", rules.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value}"));
        Assert.All(CommonRules, rule => Assert.True(rules.ContainsKey(rule), $"no refusal by {rule}; seen: {seen}"));
        Assert.True(rules.Count >= 30, $"only {rules.Count} rules seen: {seen}");
    }

    /// <summary>The same id as an accepted deliver order, with any other payload, is refused by name and changes nothing.</summary>
    [Theory]
    [InlineData("shares", "101")]
    [InlineData("amount", "10000.01")]
    [InlineData("receiver", "\"0004\"")]
    [InlineData("cusip", "\"594918104\"")]
    [InlineData("reasonCode", "\"OTHER\"")]
    [InlineData("deliverer", "\"0004\"")]
    public async Task Resubmitting_an_accepted_id_with_another_payload_is_refused_and_changes_nothing(string field, string value)
    {
        var before = await world.SnapshotAsync();
        var fields = new Dictionary<string, string>
        {
            ["id"] = $"\"{HostileWorld.Done}\"",
            ["deliverer"] = "\"0001\"",
            ["receiver"] = "\"0002\"",
            ["cusip"] = $"\"{HostileWorld.Apple}\"",
            ["shares"] = "100",
            ["amount"] = "10000",
            ["reasonCode"] = "\"LOAN\"",
        };
        fields[field] = value;
        var body = "[{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}]";

        var answer = await (await world.Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", body)).AssertOk();

        Assert.False(answer[0].GetProperty("accepted").GetBoolean());
        Assert.Equal("deliver-order-id-unique", answer[0].GetProperty("error").GetProperty("rule").GetString());
        Assert.Equal("id", answer[0].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(before, await world.SnapshotAsync());
    }

    [Fact]
    public async Task Reusing_a_reclaim_id_for_another_deliver_order_is_409_and_changes_nothing()
    {
        var before = await world.SnapshotAsync();

        var response = await world.Api.SendAsync(HttpMethod.Post, "/v1/reclaims", "participant-0002",
            $$"""{"id":"{{HostileWorld.ReclaimReference}}","deliverOrderId":"{{HostileWorld.Done}}"}""");

        await response.AssertProblem(409, "deliver-order-id-unique", "id");
        Assert.Equal(before, await world.SnapshotAsync());
    }

    /// <summary>
    /// A number literal of a million digits, in a batch (the one route whose body may hold one), is
    /// refused by its length, naming the field, before any arithmetic; the rest of the batch is not sent.
    /// </summary>
    [Theory]
    [InlineData("amount", "1", "e-1000000")]
    [InlineData("shares", "-", "")]
    public async Task A_number_of_a_million_digits_is_refused_by_its_length_naming_the_field(string field, string prefix, string suffix)
    {
        var before = await world.SnapshotAsync();
        var huge = prefix + new string('7', 1_000_000) + suffix;
        var amount = field == "amount" ? huge : "10000";
        var shares = field == "shares" ? huge : "100";
        var body = $$"""[{"id":"HX-LONG","deliverer":"0001","receiver":"0002","cusip":"{{HostileWorld.Apple}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"LOAN"}]""";

        var response = await world.Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", body);

        var problem = await response.AssertProblem(400, "number-length-max", $"[0].{field}");
        Assert.Contains($"at most {Ledger.Host.Http.ExactNumber.LiteralLengthMax}", problem.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(before, await world.SnapshotAsync());
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/HX-LONG", "occ-demo")).AssertProblem(404, "deliver-order-known", "id");
    }

    /// <summary>A deposit's or payment's idempotency id, taken, with another payload (another kind included) is refused by name and changes nothing.</summary>
    [Theory]
    [InlineData("0001/deposits", $$"""{"id":"{{HostileWorld.DepositId}}","cusip":"{{HostileWorld.Apple}}","shares":100001}""")]
    [InlineData("0001/deposits", $$"""{"id":"{{HostileWorld.DepositId}}","cusip":"{{HostileWorld.Microsoft}}","shares":100000}""")]
    [InlineData("0001/settlement-progress-payments", $$"""{"id":"{{HostileWorld.DepositId}}","amount":100000}""")]
    [InlineData("0002/settlement-progress-payments", $$"""{"id":"{{HostileWorld.PaymentId}}","amount":100.01}""")]
    [InlineData("0002/deposits", $$"""{"id":"{{HostileWorld.PaymentId}}","cusip":"{{HostileWorld.Apple}}","shares":1}""")]
    public async Task Reusing_a_deposit_or_payment_id_with_another_payload_is_409_and_changes_nothing(string path, string body)
    {
        var before = await world.SnapshotAsync();

        var response = await world.Api.SendAsync(HttpMethod.Post, $"/v1/participants/{path}", "operator-demo", body);

        var problem = await response.AssertProblem(409, "idempotency-id-unique", "id");
        Assert.Contains("nothing was done", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await world.SnapshotAsync());
    }

    [Fact]
    public async Task A_deposit_past_the_largest_position_is_422_and_changes_nothing()
    {
        var before = await world.SnapshotAsync();

        var response = await world.Api.SendAsync(HttpMethod.Post, "/v1/participants/0004/deposits", "operator-demo",
            $$"""{"cusip":"{{HostileWorld.Microsoft}}","shares":2}""");

        await response.AssertProblem(422, "position-maximum", "shares");
        Assert.Equal(before, await world.SnapshotAsync());
    }

    private async Task<HttpResponseMessage> Send(Hostile hostile)
    {
        var request = new HttpRequestMessage(new HttpMethod(hostile.Method), hostile.Path);
        if (hostile.Authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", hostile.Authorization);
        if (hostile.Body is not null)
        {
            request.Content = new ByteArrayContent(hostile.Body);
            if (hostile.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", hostile.ContentType);
        }
        return await world.Api.Client.SendAsync(request);
    }

    /// <summary>Checks the answer; returns the rules it named.</summary>
    private static async Task<IReadOnlyList<string>> Check(Hostile hostile, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{status} {text}";
        response.AssertAnswerHeaders();
        if (hostile.Items is { } items && status == 200)
        {
            var answers = JsonDocument.Parse(text).RootElement;
            Assert.True(answers.GetArrayLength() == items, where);
            var itemRules = new List<string>();
            for (var i = 0; i < items; i++)
            {
                var answer = answers[i];
                Assert.False(answer.GetProperty("accepted").GetBoolean(), $"item {i} was accepted: {where}");
                Assert.Equal("rejected", answer.GetProperty("status").GetString());
                var error = answer.GetProperty("error");
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("rule").GetString()), where);
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("field").GetString()), where);
                Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), where);
                if (i < hostile.ItemRules.Count && hostile.ItemRules[i] is { } rule) Assert.Equal(rule, error.GetProperty("rule").GetString());
                itemRules.Add(error.GetProperty("rule").GetString()!);
            }
            return itemRules;
        }

        Assert.True(status is >= 400 and < 500, where);
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", where);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        var ruleName = problem.GetProperty("rule").GetString();
        Assert.False(string.IsNullOrWhiteSpace(ruleName), where);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), where);
        if (!FieldlessRules.Contains(ruleName))
        {
            var field = problem.TryGetProperty("field", out var f) ? f.GetString() : null;
            var errors = problem.TryGetProperty("errors", out var e) ? e.GetArrayLength() : 0;
            Assert.True(!string.IsNullOrWhiteSpace(field) || errors > 0, $"no field named: {where}");
        }
        return [ruleName!];
    }
}

/// <summary>The generators of <see cref="HostileInputTests"/>: every request they make is one the node must refuse.</summary>
internal static class HostileRequests
{
    private const string Apple = HostileWorld.Apple;

    public static readonly string[] Families =
        ["body", "field", "batch", "duplicate", "reclaim", "query", "path", "method", "caller", "semantic", "calendar", "income", "recalls"];

    internal static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    internal static Gen<T> Any<T>(params Gen<T>[] gens) => Gen.Int[0, gens.Length - 1].SelectMany(i => gens[i]);

    /// <summary>A JSON string literal; every character outside printable ASCII escaped, so lone surrogates and controls go through as escapes.</summary>
    public static string Str(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
        {
            if (c is '"' or '\\') b.Append('\\').Append(c);
            else if (c is < ' ' or > '~') b.Append($"\\u{(int)c:x4}");
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    /// <summary>The same, non-ASCII characters sent raw as UTF-8 (control characters raw make the JSON itself malformed).</summary>
    private static string RawStr(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static readonly Gen<string> FreshId = Gen.Int[0, int.MaxValue].Select(n => $"HX-{n}");

    // Values of the wrong JSON type for any field, and the hostile forms of numbers a JSON number can take.
    internal static readonly Gen<string> NotAString = Pick("1", "0", "-1", "1e400", "true", "false", "[]", "{}", "[\"0001\"]", "{\"value\":\"x\"}", "1.5");
    internal static readonly Gen<string> NotANumber = Pick("\"100\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e3\"", "\"\"", "true", "false", "[]", "[100]", "{}", "{\"$numberDecimal\":\"1\"}", "\"0x10\"");
    private static readonly Gen<string> NotABool = Pick("\"true\"", "\"false\"", "1", "0", "\"yes\"", "[]", "{}", "\"\"", "\"True\"");

    private static readonly string[] HostileText =
    [
        "", " ", "\u202E", "\u202Eevil", "\u200B", "\u0000", "\n", "\t", "\u001b[31m", "😀", "\ud800", "\udc00x", "é", "\u0301",
        "../../etc/passwd", "'; DROP TABLE journal;--", "<script>alert(1)</script>", "%2F", "${jndi:ldap://127.0.0.1/a}", "\uFEFF", "\uFFFF",
    ];

    /// <summary>Never a valid deliver-order id (1 to 64 of A-Z, a-z, 0-9, '-', '_', '.', ':').</summary>
    internal static readonly Gen<string> BadDeliverOrderId = Any(
        Pick(HostileText),
        Pick("DO-é", "DО-1", "D O", "DO/1", "DO\\1", "DO#1", "DO?1", "DO\u00001", "DO\u202E1", "DO-😀", "ＤＯ１", "DO\r\n1", "DO+1", "DO,1", "DO*"),
        Gen.Int[65, 5_000].Select(n => new string('X', n)),
        Gen.Select(FreshId, Pick(HostileText.Where(t => t.Length > 0).ToArray()), (id, t) => id + t));

    /// <summary>
    /// Never a reclaim's own reference though a deliver-order id may look so: a filed id (the caller's
    /// namespace or another's), one too long to file under a participant number, one holding the separator.
    /// </summary>
    private static readonly Gen<string> BadReclaimReference = Any(
        Pick("0002~HX-R", "0003~HX-R", "HX~R", "~", "0002~"),
        Gen.Int[ReclaimId.ReferenceLengthMax + 1, DeliverOrderId.LengthMax].Select(n => new string('R', n)));

    /// <summary>Never a valid four-digit participant that is set up.</summary>
    internal static readonly Gen<string> BadParticipant = Pick(
        "", "1", "001", "00001", "abcd", "0x01", "٠٠٠١", "０００１", "0001\u202E", "\u202E0001", "0001 ", " 0001", "00\u200B01", "0777", "9999", "-001", "1e3", "0001\u0000");

    internal static readonly Gen<string> BadCusip = Any(
        Pick("037833101", "03783310", "0378331000", "037833l00", "O37833100", "03783310😀", "", "         ", "037833\u202E100", HostileWorld.Unlisted, "AAAAAAAAA", "000000001"),
        Pick(HostileText));

    private static readonly Gen<string> BadReasonCode = Pick("LOAN!", "LO AN", "LOÄN", "LOAN\u202E", new string('R', 17), "LOAN\u0000", "😀", "LOAN;DROP", "L/N");

    private static readonly Gen<string> BadName = Any(
        Pick("", "Firm\u202Eevil", "Zero\u200Bwidth", "Nul\u0000", "Line\nbreak", "\ud800", "Bell\u0007", "Tab\tname", "\u2028", "\uFEFFBOM"),
        Gen.Int[101, 3_000].Select(n => new string('N', n)));

    /// <summary>
    /// Number literals over the length limit (64 characters), in the forms that would cost the most
    /// to read: many digits scaled back into range by an exponent, many leading or trailing zeros.
    /// </summary>
    internal static readonly Gen<string> LongLiteral = Gen.Select(Gen.Int[65, 1_500], Gen.Int[0, 3], (n, form) => form switch
    {
        0 => "1" + new string('7', n) + $"e-{n}",
        1 => "0." + new string('0', n) + "1",
        2 => "-" + new string('9', n),
        _ => "1" + new string('0', n),
    });

    /// <summary>Money that breaks a rule whatever the field: negative, finer than a cent, above the maximum, or unreadable exactly.</summary>
    private static readonly Gen<string> BadMoney = Any(
        Pick("-0.01", "-1", "-1e3", "-79228162514264337593543950335", "1.001", "0.005", "100.0000001", "1e-3", "1.2345e1", "99.999",
            "1000000000000.01", "1e13", "1E+13", "92233720368547758.08", "92233720368547758.07", "1e28", "79228162514264337593543950336",
            "1e400", "-1e400", "1E+400", "1.00000000000000000000000000001", "1e-400", "0.000000000000000000000000000001",
            "123456789012345678901234567890123456789", "1000000000000000000000"),
        Gen.Int[1, 999_999].Select(n => $"{n}.{n % 9 + 1}01"),
        LongLiteral,
        NotANumber);

    /// <summary>Money that must be greater than zero: all of <see cref="BadMoney"/>, and zero in its forms.</summary>
    private static readonly Gen<string> BadPositiveMoney = Any(BadMoney, Pick("0", "0.00", "0e10", "-0", "0.0e-5"));

    private static readonly Gen<string> BadPrice = Any(BadPositiveMoney, Pick("10000000.01", "1e8", "99999999.99"));

    private static readonly Gen<string> BadHaircut = Any(
        Pick("1.000001", "1.5", "2", "-0.1", "-1e-6", "0.1234567", "1e1", "1e400", "-1e400", "0.00000000000000000000000000000001", "1.0000001"),
        NotANumber);

    private static readonly Gen<string> BadShares = Any(
        Pick("0", "-1", "-0.5", "1.5", "0.1", "1.01", "1e-1", "10000000001", "1e30", "9223372036854775808", "-9223372036854775809",
            "1e400", "-1e400", "99999999999999999999999999999999999999", "1.00000000000000000000000000001", "1e-400"),
        Gen.Int[1, 1_000_000].Select(n => $"{n}.5"),
        LongLiteral,
        NotANumber);

    private static readonly Gen<string> UnknownFieldName = Pick(
        "memo", "Shares", "AMOUNT", "id ", " id", "priority", "__proto__", "constructor", "$type", "", "é", "\u202Eid", "amount\u0000", "token", "role", "status", "accepted");

    private static readonly Gen<string> AnyValue = Pick("1", "\"x\"", "null", "true", "[]", "{}", "1e400", "\"\u202E\"", "-0");

    /// <summary>One field of a request body: its valid JSON value and how to make it bad.</summary>
    internal sealed record Field(string Name, string Valid, Gen<string> Bad, bool Required = true);

    private static Field[] DeliverOrderFields(string id) =>
    [
        new("id", Str(id), Any(BadDeliverOrderId.Select(Str), BadDeliverOrderId.Select(RawStr), NotAString)),
        new("deliverer", Str("0001"), Any(BadParticipant.Select(Str), NotAString)),
        new("receiver", Str("0002"), Any(BadParticipant.Select(Str), NotAString)),
        new("cusip", Str(Apple), Any(BadCusip.Select(Str), NotAString)),
        new("shares", "10", BadShares),
        new("amount", "1000", BadMoney),
        new("reasonCode", Str("LOAN"), Any(BadReasonCode.Select(Str), NotAString), Required: false),
    ];

    private static readonly Field[] ParticipantFields =
    [
        new("name", Str("New Firm"), Any(BadName.Select(Str), NotAString)),
        new("netDebitCap", "1000", BadMoney),
        new("participantsFund", "0", BadMoney),
        new("marketLoanProgram", "true", NotABool),
        new("centralCounterparty", "false", NotABool),
    ];

    private static readonly Field[] SecurityFields = [new("price", "100", BadPrice), new("haircut", "0.1", BadHaircut)];

    /// <summary>The optional idempotency id of a deposit or payment: never one taken, so that a body faulted elsewhere is refused for its fault.</summary>
    private static Field IdempotencyIdField(string valid) =>
        new("id", Str(valid), Any(BadDeliverOrderId.Select(Str), BadDeliverOrderId.Select(RawStr), NotAString), Required: false);

    private static readonly Field[] DepositFields =
        [IdempotencyIdField("HX-DEP"), new("cusip", Str(Apple), Any(BadCusip.Select(Str), NotAString)), new("shares", "10", BadShares)];

    private static readonly Field[] PaymentFields = [IdempotencyIdField("HX-SPP"), new("amount", "100", BadPositiveMoney)];

    /// <summary>
    /// The close's optional business date: never the open day (a body faulted elsewhere would close
    /// it), so its valid value is a day long closed, refused 409 business-date on its own.
    /// </summary>
    private static readonly Field[] CloseFields =
    [
        new("businessDate", "\"2020-01-02\"", Any(
            Pick("2026-13-01", "2026-02-30", "26-01-05", "2026-1-5", "2026/01/05", "20260105", "2026-01-05T00:00:00Z", "", " 2026-01-05", "2026-01-05 ",
                "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665", "+2026-01-05", "0000-01-01", "2026-01-05\u0000", "tomorrow").Select(Str),
            NotAString), Required: false),
    ];

    /// <summary>One fault in an object: which field, what kind of fault, and the values it may need.</summary>
    private sealed record Fault(int Field, int Kind, string Bad, string Unknown, string Extra);

    /// <summary>A JSON object of the fields with one to three faults: a bad value, a required field missing or null, an unknown field, a field given twice.</summary>
    private static Gen<string> BadObject(Field[] fields) =>
        Gen.Int[0, fields.Length - 1]
            .SelectMany(i => Gen.Select(Gen.Int[0, 8], fields[i].Bad, UnknownFieldName, AnyValue, (kind, bad, unknown, extra) => new Fault(i, kind, bad, unknown, extra)))
            .Array[1, 3]
            .SelectMany(faults => Gen.Bool.Select(reverse => Render(fields, faults, reverse)));

    private static string Render(Field[] fields, Fault[] faults, bool reverse)
    {
        var body = fields.Select(f => (f.Name, Value: f.Valid)).ToList();
        var added = new List<(string Name, string Value)>();
        var faulted = false;
        foreach (var fault in faults)
        {
            var field = fields[fault.Field];
            var index = body.FindIndex(b => b.Name == field.Name);
            switch (fault.Kind)
            {
                case <= 5 when index >= 0:
                    body[index] = (field.Name, fault.Bad);
                    faulted = true;
                    break;
                case 6 when field.Required && index >= 0:
                    body.RemoveAt(index);
                    faulted = true;
                    break;
                case 7 when field.Required && index >= 0:
                    body[index] = (field.Name, "null");
                    faulted = true;
                    break;
                case 8:
                    added.Add(fault.Field % 2 == 1 ? (field.Name, fault.Extra) : (fault.Unknown, fault.Extra));
                    faulted = true;
                    break;
            }
        }
        // A second copy of a field only where the first is still there (a later fault may have
        // removed it); otherwise an unknown field.
        for (var i = 0; i < added.Count; i++)
        {
            if (fields.Any(f => f.Name == added[i].Name) && !body.Any(b => b.Name == added[i].Name))
                added[i] = (faults[0].Unknown, added[i].Value);
        }
        // A fault that found nothing to act on (its field already removed, say) still leaves one: an unknown field.
        if (!faulted) added.Add((faults[0].Unknown, faults[0].Extra));
        var all = body.Concat(added).ToList();
        if (reverse) all.Reverse();
        return "{" + string.Join(",", all.Select(p => $"{Str(p.Name)}:{p.Value}")) + "}";
    }

    /// <summary>Percent-encodes the UTF-8 of any text, lone surrogates included (as U+FFFD), for a path segment or query value.</summary>
    public static string Escape(string s) =>
        string.Concat(Encoding.UTF8.GetBytes(s).Select(b => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'~' ? ((char)b).ToString() : $"%{b:X2}"));

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    internal static Hostile Json(string kind, string method, string path, string token, string body) =>
        new(kind, method, path, "Bearer " + token, "application/json", Utf8(body));

    private static readonly (string Method, string Path, string Token, Field[] Fields)[] ObjectEndpoints =
    [
        ("PUT", $"/v1/participants/{HostileWorld.Unset}", "operator-demo", ParticipantFields),
        ("PUT", "/v1/participants/0001", "operator-demo", ParticipantFields),
        ("PUT", $"/v1/securities/{HostileWorld.Unlisted}", "operator-demo", SecurityFields),
        ("PUT", $"/v1/securities/{Apple}", "operator-demo", SecurityFields),
        ("POST", "/v1/participants/0001/deposits", "operator-demo", DepositFields),
        ("POST", "/v1/participants/0002/settlement-progress-payments", "operator-demo", PaymentFields),
        ("POST", "/v1/business-day/close", "operator-demo", CloseFields),
        // Income tracking's bodies.
        ("PUT", $"/v1/securities/{Apple}/distributions/HX-DIV", "operator-demo", IncomeHostile.DistributionFields()),
        ("POST", "/v1/participants/0001/stock-loan-adjustments", "participant-0001", IncomeHostile.AdjustmentFields()),
        ("POST", "/v1/participants/0001/income-halts", "participant-0001", IncomeHostile.HaltFields()),
    ];

    /// <summary>Faulty bodies for every endpoint that takes an object.</summary>
    private static readonly Gen<Hostile> FieldFaults = Gen.Int[0, ObjectEndpoints.Length - 1].SelectMany(e =>
        BadObject(ObjectEndpoints[e].Fields).Select(body =>
            Json($"field: {ObjectEndpoints[e].Path}", ObjectEndpoints[e].Method, ObjectEndpoints[e].Path, ObjectEndpoints[e].Token, body)));

    private static readonly Gen<(string Body, string Id)> BadDeliverOrder =
        FreshId.SelectMany(id => BadObject(DeliverOrderFields(id)).Select(body => (body, id)));

    /// <summary>Well-formed deliver orders that break an entry rule no single field shows.</summary>
    private static readonly Gen<(string Body, string Id)> SemanticDeliverOrder = Gen.Select(FreshId, Pick(
            ("0001", "0001", Apple), ("0002", "0002", Apple), ("0003", "0900", Apple), ("0900", "0003", Apple),
            ("0001", "0777", Apple), ("0777", "0002", Apple), ("0001", "0002", HostileWorld.Unlisted)),
        (id, p) => ($$"""{"id":{{Str(id)}},"deliverer":"{{p.Item1}}","receiver":"{{p.Item2}}","cusip":"{{p.Item3}}","shares":10,"amount":1000,"reasonCode":"LOAN"}""", id));

    /// <summary>An accepted deliver order's id with another, otherwise valid, payload.</summary>
    private static readonly Gen<string> DuplicateDeliverOrder = Gen.Select(
        Pick(HostileWorld.Done, HostileWorld.Pending, HostileWorld.Gone),
        Pick(("shares", "101"), ("amount", "10000.01"), ("receiver", "\"0004\""), ("cusip", $"\"{HostileWorld.Microsoft}\""), ("reasonCode", "\"OTHER\""), ("shares", "1")),
        (id, change) =>
        {
            var deliverer = id == HostileWorld.Pending ? "0003" : "0001";
            var fields = new Dictionary<string, string>
            {
                ["id"] = Str(id),
                ["deliverer"] = Str(deliverer),
                ["receiver"] = "\"0002\"",
                ["cusip"] = Str(Apple),
                ["shares"] = "100",
                ["amount"] = "10000",
                ["reasonCode"] = "\"LOAN\"",
            };
            fields[change.Item1] = change.Item2;
            return "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
        });

    private enum ItemKind { Malformed, Semantic, Duplicate }

    /// <summary>Batches of 1 to 20 deliver orders, every one at fault.</summary>
    private static readonly Gen<Hostile> Batches = Gen.Frequency(
            (6, Gen.Const(ItemKind.Malformed)), (3, Gen.Const(ItemKind.Semantic)), (2, Gen.Const(ItemKind.Duplicate)))
        .SelectMany(kind => kind switch
        {
            ItemKind.Malformed => BadDeliverOrder.Select(x => (x.Body, (string?)x.Id, (string?)null)),
            ItemKind.Semantic => SemanticDeliverOrder.Select(x => (x.Body, (string?)x.Id, (string?)null)),
            _ => DuplicateDeliverOrder.Select(b => (b, (string?)null, (string?)"deliver-order-id-unique")),
        })
        .List[1, 20]
        .Select(items =>
        {
            var kind = "batch";
            var body = "[" + string.Join(",", items.Select(i => i.Item1)) + "]";
            return Json($"{kind}: {items.Count} deliver orders", "POST", "/v1/deliver-orders", "occ-demo", body) with
            {
                Items = items.Count,
                ItemRules = items.Select(i => i.Item3).ToList(),
                NewIds = items.Where(i => i.Item2 is not null).Select(i => i.Item2!).ToList(),
            };
        });

    /// <summary>Accepted deliver orders' ids again, each with another payload: every one refused by deliver-order-id-unique.</summary>
    private static readonly Gen<Hostile> Duplicates = DuplicateDeliverOrder.List[1, 5].Select(items =>
        Json($"duplicate: {items.Count} deliver orders", "POST", "/v1/deliver-orders", "occ-demo", "[" + string.Join(",", items) + "]") with
        {
            Items = items.Count,
            ItemRules = items.Select(_ => (string?)"deliver-order-id-unique").ToList(),
        });

    /// <summary>Deliver orders with a participant, CUSIP or pair the entry rules refuse.</summary>
    private static readonly Gen<Hostile> Semantic = Any(
        SemanticDeliverOrder.Select(x => Json("semantic: deliver order", "POST", "/v1/deliver-orders", "occ-demo", "[" + x.Body + "]") with
        {
            Items = 1,
            NewIds = [x.Id],
        }),
        Pick(
            Json("semantic: deposit of an unlisted security", "POST", "/v1/participants/0001/deposits", "operator-demo", $$"""{"cusip":"{{HostileWorld.Unlisted}}","shares":10}"""),
            Json("semantic: deposit to an unknown participant", "POST", "/v1/participants/0777/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":10}"""),
            Json("semantic: payment to an unknown participant", "POST", "/v1/participants/0777/settlement-progress-payments", "operator-demo", """{"amount":10}"""),
            Json("semantic: a deposit's id with other shares", "POST", "/v1/participants/0001/deposits", "operator-demo",
                $$"""{"id":"{{HostileWorld.DepositId}}","cusip":"{{Apple}}","shares":10}"""),
            Json("semantic: a deposit's id on a payment", "POST", "/v1/participants/0001/settlement-progress-payments", "operator-demo",
                $$"""{"id":"{{HostileWorld.DepositId}}","amount":10}"""),
            Json("semantic: a payment's id with another amount", "POST", "/v1/participants/0002/settlement-progress-payments", "operator-demo",
                $$"""{"id":"{{HostileWorld.PaymentId}}","amount":99.99}"""),
            Json("semantic: a position past the largest", "POST", "/v1/participants/0004/deposits", "operator-demo", $$"""{"cusip":"{{HostileWorld.Microsoft}}","shares":2}"""),
            Json("semantic: a position past the largest", "POST", "/v1/participants/0004/deposits", "operator-demo", $$"""{"cusip":"{{HostileWorld.Microsoft}}","shares":10000000000}"""),
            Json("semantic: a batch over the limit", "POST", "/v1/deliver-orders", "occ-demo",
                "[" + string.Join(",", Enumerable.Repeat("""{"id":"HX-OVER","deliverer":"0001","receiver":"0002","cusip":"037833100","shares":1,"amount":1}""", 10_001)) + "]")));

    /// <summary>Reclaims that must be refused: malformed, of another firm's, pending, unknown or already reclaimed deliver orders, a reused id.</summary>
    private static readonly Gen<Hostile> Reclaims = Any(
        Gen.Select(FreshId, BadObject([
            new("id", "\"HX-R\"", Any(BadDeliverOrderId.Select(Str), BadReclaimReference.Select(Str), NotAString)),
            new("deliverOrderId", Str(HostileWorld.Done), Any(BadDeliverOrderId.Select(Str), NotAString)),
        ]), (_, body) => Json("reclaim: malformed", "POST", "/v1/reclaims", "participant-0002", body)),
        Gen.Select(FreshId, Pick(
                ("participant-0001", HostileWorld.Done), ("participant-0003", HostileWorld.Done), ("participant-0004", HostileWorld.Done),
                ("participant-0002", HostileWorld.Pending), ("participant-0002", "HX-NO-SUCH"), ("participant-0002", HostileWorld.Gone),
                ("participant-0002", HostileWorld.Reclaimed), ("participant-0003", HostileWorld.Reclaimed), ("occ-demo", HostileWorld.Done),
                ("operator-demo", HostileWorld.Done), ("risk-demo", HostileWorld.Done)),
            (id, x) => Json($"reclaim: {x.Item2} by {x.Item1}", "POST", "/v1/reclaims", x.Item1, $$"""{"id":"{{id}}","deliverOrderId":"{{x.Item2}}"}""") with { NewIds = ReclaimIds(id) }),
        Pick(Json("reclaim: reused id", "POST", "/v1/reclaims", "participant-0002",
            $$"""{"id":"{{HostileWorld.ReclaimReference}}","deliverOrderId":"{{HostileWorld.Done}}"}""")));

    /// <summary>The deliver-order ids a reclaim with this reference could be filed as, whoever sent it (PPPP~reference), and the bare reference.</summary>
    private static IReadOnlyList<string> ReclaimIds(string reference) =>
        [reference, .. HostileWorld.Participants.Select(p => $"{p}~{reference}")];

    /// <summary>Never a time <c>?asOf=</c>, <c>?from=</c> or <c>?to=</c> reads.</summary>
    private static readonly Gen<string> BadTime = Any(
        Pick("", "now", "yesterday", "2026-01-05", "2026-01-05T15:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-05T25:00:00Z",
            "2026-01-05T15:00:00+25:00", "１２３", "2026-01-05T15:00:00Z\u202E", "9999999999", "-1", "1e400", "NaN", "\u0000",
            "2026-01-05T15:00:00Z&asOf=2026-01-06T00:00:00Z", new string('9', 5_000)),
        Gen.Select(Pick(HostileText.Where(t => t.Length > 0).ToArray()), Gen.Int[0, 99_999], (t, n) => $"{n}{t}Ж"));

    private static readonly Gen<Hostile> Queries = Any(
        BadTime.Select(t => new Hostile("query: asOf", "GET", $"/v1/participants/0002/account?asOf={Escape(t)}", "Bearer risk-demo", null, null)),
        BadTime.Select(t => new Hostile("query: from", "GET", $"/v1/participants/0002/journal?from={Escape(t)}", "Bearer risk-demo", null, null)),
        BadTime.Select(t => new Hostile("query: to", "GET", $"/v1/participants/0002/journal?to={Escape(t)}", "Bearer risk-demo", null, null)),
        Pick(
            new Hostile("query: from after to", "GET", "/v1/participants/0002/journal?from=2026-01-06T00:00:00Z&to=2026-01-05T00:00:00Z", "Bearer risk-demo", null, null),
            new Hostile("query: asOf twice", "GET", "/v1/participants/0002/account?asOf=2026-01-05T00:00:00Z&asOf=2026-01-06T00:00:00Z", "Bearer risk-demo", null, null),
            new Hostile("query: before any account", "GET", "/v1/participants/0002/account?asOf=0001-01-01T00:00:00Z", "Bearer risk-demo", null, null),
            new Hostile("query: token in the query", "GET", "/v1/participants/0002/account?access_token=risk-demo", "Bearer risk-demo", null, null)),
        Gen.Select(UnknownFieldName.Where(n => n.Length > 0), Pick(
                "/v1/participants/0002/account", "/v1/participants/0002/journal", "/v1/deliver-orders/H-DONE", "/v1/business-day/cutoff",
                "/v1/deliver-orders/H-PEND", "/v1/day"),
            (name, path) => new Hostile($"query: unknown {name}", path.EndsWith("cutoff") || path.EndsWith("H-PEND") ? (path.EndsWith("cutoff") ? "POST" : "DELETE") : "GET",
                $"{path}?{Escape(name)}=1",
                path.Contains("journal") || path.EndsWith("account") || path.EndsWith("/day") ? "Bearer risk-demo" : path.EndsWith("cutoff") ? "Bearer operator-demo" : "Bearer occ-demo", null, null)));

    /// <summary>Bad ids in paths: participants, CUSIPs, deliver orders; and deliver orders one may not touch.</summary>
    private static readonly Gen<Hostile> Paths = Any(
        BadDeliverOrderId.Where(id => id.Length > 0 && InPath(id)).Select(id => Escape(id)).SelectMany(id => Pick(
            new Hostile("path: deliver order", "GET", $"/v1/deliver-orders/{id}", "Bearer occ-demo", null, null),
            new Hostile("path: deliver order", "GET", $"/v1/deliver-orders/{id}", "Bearer participant-0001", null, null),
            new Hostile("path: explanation", "GET", $"/v1/deliver-orders/{id}/explanation", "Bearer risk-demo", null, null),
            new Hostile("path: cancel", "DELETE", $"/v1/deliver-orders/{id}", "Bearer occ-demo", null, null))),
        BadParticipant.Where(p => p.Length > 0 && InPath(p) && p != "0777" && p != "9999").Select(p => Escape(p)).SelectMany(p => Pick(
            new Hostile("path: account", "GET", $"/v1/participants/{p}/account", "Bearer risk-demo", null, null),
            new Hostile("path: journal", "GET", $"/v1/participants/{p}/journal", "Bearer risk-demo", null, null),
            Json("path: participant", "PUT", $"/v1/participants/{p}", "operator-demo",
                """{"name":"X","netDebitCap":1,"participantsFund":1,"marketLoanProgram":true,"centralCounterparty":false}"""),
            Json("path: deposit", "POST", $"/v1/participants/{p}/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":1}"""),
            Json("path: payment", "POST", $"/v1/participants/{p}/settlement-progress-payments", "operator-demo", """{"amount":1}"""))),
        BadCusip.Where(c => c.Trim().Length > 0 && InPath(c) && c != HostileWorld.Unlisted).Select(c => Escape(c)).Select(c =>
            Json("path: security", "PUT", $"/v1/securities/{c}", "operator-demo", """{"price":100,"haircut":0.1}""")),
        Pick(
            new Hostile("path: unknown account", "GET", "/v1/participants/0777/account", "Bearer risk-demo", null, null),
            new Hostile("path: unknown deliver order", "GET", "/v1/deliver-orders/HX-NO-SUCH", "Bearer occ-demo", null, null),
            new Hostile("path: cancel a completed one", "DELETE", $"/v1/deliver-orders/{HostileWorld.Done}", "Bearer occ-demo", null, null),
            new Hostile("path: cancel a reclaimed one", "DELETE", $"/v1/deliver-orders/{HostileWorld.Gone}", "Bearer occ-demo", null, null),
            new Hostile("path: cancel as receiver", "DELETE", $"/v1/deliver-orders/{HostileWorld.Pending}", "Bearer participant-0002", null, null),
            new Hostile("path: cancel as another firm", "DELETE", $"/v1/deliver-orders/{HostileWorld.Pending}", "Bearer participant-0001", null, null),
            new Hostile("path: another firm's deliver order", "GET", $"/v1/deliver-orders/{HostileWorld.Done}", "Bearer participant-0003", null, null),
            new Hostile("path: another firm's explanation", "GET", $"/v1/deliver-orders/{HostileWorld.Done}/explanation", "Bearer participant-0004", null, null),
            new Hostile("path: another firm's reclaim explained", "GET", $"/v1/deliver-orders/{HostileWorld.Reclaimed}/explanation", "Bearer participant-0004", null, null),
            new Hostile("path: an unfiled reclaim explained", "GET", "/v1/deliver-orders/0004~HX-NO-SUCH/explanation", "Bearer participant-0004", null, null),
            new Hostile("path: another firm's account", "GET", "/v1/participants/0001/account", "Bearer participant-0002", null, null),
            new Hostile("path: a huge id", "GET", "/v1/participants/99999999999999999999999999999/account", "Bearer risk-demo", null, null),
            new Hostile("path: the day as a participant", "GET", "/v1/day", "Bearer participant-0001", null, null),
            new Hostile("path: the day as OCC", "GET", "/v1/day", "Bearer occ-demo", null, null),
            new Hostile("path: the day without a token", "GET", "/v1/day", null, null, null),
            new Hostile("path: the day of one account", "GET", "/v1/day/0001", "Bearer risk-demo", null, null)));

    /// <summary>
    /// Whether a path segment reaches the app: a NUL in the path is refused by the server itself
    /// (Kestrel answers a bare 400; the test server throws), before any of the node's code runs.
    /// </summary>
    private static bool InPath(string segment) => !segment.Contains('\0');

    /// <summary>Methods and routes the API does not have.</summary>
    private static readonly Gen<Hostile> Methods = Gen.Select(
        Pick("PATCH", "OPTIONS", "TRACE", "PUT", "DELETE", "POST", "GET", "PROPFIND"),
        Pick("/v1/business-day/cutoff", "/v1/business-day/close", "/v1/reclaims", "/v1/deliver-orders", "/v1/participants/0001/deposits",
            "/v1/participants/0001", "/v1/securities/037833100", "/v1/participants/0001/withdrawals", "/v1/admin", "/v1/participants", "/v2/deliver-orders",
            "/v1/deliver-orders/H-DONE/cancel", "/v1/participants/0001/account/../journal", "/v1/day"),
        (method, path) => (method, path))
        .Where(x => !Mapped(x.method, x.path))
        .Select(x => Json($"method: {x.method}", x.method, x.path, "operator-demo", "{}"));

    private static bool Mapped(string method, string path) => (method, path) switch
    {
        ("POST", "/v1/business-day/cutoff" or "/v1/business-day/close" or "/v1/reclaims" or "/v1/deliver-orders" or "/v1/participants/0001/deposits") => true,
        ("PUT", "/v1/participants/0001" or "/v1/securities/037833100") => true,
        ("GET", "/v1/day") => true,
        _ => false,
    };

    /// <summary>Bodies that are not JSON objects of the endpoint at all.</summary>
    private static readonly Gen<Hostile> Bodies = Gen.Select(
        Gen.Int[0, ObjectEndpoints.Length + 1],
        Any(
            Pick("", " ", "null", "42", "\"text\"", "true", "[]", "[{}]", "{", "}", "{\"amount\":}", "{\"amount\":NaN}", "{\"amount\":Infinity}",
                "{\"amount\":-Infinity}", "{\"amount\":+1}", "{\"amount\":01}", "{\"amount\":.5}", "{\"amount\":1.}", "{\"amount\":0x10}",
                "{'amount':1}", "{amount:1}", "{\"amount\":1,}", "{\"amount\":1}/*c*/", "//c\n{\"amount\":1}", "{\"amount\":1}{\"amount\":2}",
                "{\"amount\":\"\\x41\"}", "{\"amount\":\"\\ud800\"}", "\u0000", "<amount>1</amount>", "amount=1", "{\"amount\":1e}"),
            Gen.Int[17, 3_000].Select(n => "{\"amount\":" + new string('[', n) + new string(']', n) + "}"),
            Gen.Int[17, 3_000].Select(n => new string('{', 1) + string.Concat(Enumerable.Repeat("\"a\":{", n)) + new string('}', n + 1)),
            Gen.Int[1, 200].Select(n => new string('[', n) + new string(']', n))),
        Gen.Int[0, 5],
        (endpoint, body, type) =>
        {
            var (method, path, token) = endpoint < ObjectEndpoints.Length
                ? (ObjectEndpoints[endpoint].Method, ObjectEndpoints[endpoint].Path, ObjectEndpoints[endpoint].Token)
                : endpoint == ObjectEndpoints.Length ? ("POST", "/v1/deliver-orders", "occ-demo") : ("POST", "/v1/reclaims", "participant-0002");
            // A body that is valid JSON of the right shape goes with a wrong content type, so that it is refused either way.
            var contentType = type switch
            {
                0 => "text/plain",
                1 => "application/x-www-form-urlencoded",
                2 => "application/xml",
                // No body at all is a close of the open day, not a hostile one: an empty close body goes with a wrong type.
                3 => path == "/v1/business-day/close" && body.Length == 0 ? "text/plain" : null,
                _ => "application/json",
            };
            return new Hostile($"body: {path}", method, path, "Bearer " + token, contentType, Utf8(body))
            {
                Items = path == "/v1/deliver-orders" && body == "[{}]" ? 1 : null,
            };
        });

    /// <summary>Bodies with bytes that are not UTF-8, and valid requests sent with a wrong content type.</summary>
    private static readonly Gen<Hostile> Encodings = Gen.Select(Gen.Int[0, 3], Gen.Byte.Array[1, 8], (where, junk) =>
    {
        var prefix = Utf8("{\"cusip\":\"");
        var bad = junk.Select(b => (byte)(b | 0x80)).ToArray(); // high bytes in a row: never well-formed UTF-8 on their own
        var suffix = Utf8("\",\"shares\":10}");
        var body = where switch
        {
            0 => prefix.Concat(new byte[] { 0xC0, 0xAF }).Concat(suffix).ToArray(),
            1 => prefix.Concat(new byte[] { 0xFF }).Concat(bad).Concat(suffix).ToArray(),
            2 => prefix.Concat(new byte[] { 0xED, 0xA0, 0x80 }).Concat(suffix).ToArray(), // an encoded surrogate
            _ => new byte[] { 0xFE, 0xFF }.Concat(Encoding.BigEndianUnicode.GetBytes($$"""{"cusip":"{{Apple}}","shares":10}""")).ToArray(),
        };
        return new Hostile("body: not UTF-8", "POST", "/v1/participants/0001/deposits", "Bearer operator-demo", "application/json", body);
    });

    /// <summary>Valid requests from a caller they are not for; each would change something if let through.</summary>
    private static readonly Gen<Hostile> Callers = Gen.Select(FreshId, Gen.Int[0, 9], Pick(
            (string?)null, "Bearer not-a-token", "Bearer OPERATOR-DEMO", "Basic b3BlcmF0b3ItZGVtbzp4", "Bearer", "operator-demo",
            "Bearer " + Convert.ToHexString(Ledger.Host.Auth.TokenStore.Sha256("operator-demo")).ToLowerInvariant(), "Bearer operator-demo.",
            "Bearer participant-00001", "Bearer participant-%D9%A0%D9%A0%D9%A0%D9%A1", "Bearer occ-demo, Bearer operator-demo", "Bearer risk-demo", "Bearer occ-demo",
            "Bearer operator-demo", "Bearer participant-0001", "Bearer participant-0002", "Bearer participant-0003"),
        (id, endpoint, authorization) =>
        {
            var (method, path, body, allowed) = endpoint switch
            {
                0 => ("PUT", $"/v1/participants/{HostileWorld.Unset}", """{"name":"X","netDebitCap":1,"participantsFund":1,"marketLoanProgram":true,"centralCounterparty":false}""", "operator-demo"),
                1 => ("PUT", $"/v1/securities/{HostileWorld.Unlisted}", """{"price":1,"haircut":0.5}""", "operator-demo"),
                2 => ("POST", "/v1/participants/0002/deposits", $$"""{"id":"{{id}}","cusip":"{{Apple}}","shares":5}""", "operator-demo"),
                3 => ("POST", "/v1/participants/0002/settlement-progress-payments", $$"""{"id":"{{id}}","amount":5}""", "operator-demo"),
                4 => ("POST", "/v1/deliver-orders", $$"""[{"id":"{{id}}","deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":1,"amount":1}]""", "occ-demo"),
                5 => ("POST", "/v1/reclaims", $$"""{"id":"{{id}}","deliverOrderId":"{{HostileWorld.Done}}"}""", "participant-0002"),
                6 => ("DELETE", $"/v1/deliver-orders/{HostileWorld.Pending}", null, "occ-demo participant-0003"),
                7 => ("POST", "/v1/business-day/cutoff", null, "operator-demo"),
                8 => ("POST", "/v1/business-day/close", null, "operator-demo"),
                _ => ("PUT", "/v1/participants/0002", """{"name":"Renamed","netDebitCap":1,"participantsFund":1,"marketLoanProgram":false,"centralCounterparty":true}""", "operator-demo"),
            };
            // The one caller the request is for is swapped for one it is not for.
            if (authorization is not null && allowed.Split(' ').Any(a => authorization == "Bearer " + a)) authorization = "Bearer risk-demo";
            return new Hostile($"caller: {method} {path}", method, path, authorization, body is null ? null : "application/json", body is null ? null : Utf8(body))
            {
                NewIds = endpoint switch { 4 => [id], 5 => ReclaimIds(id), _ => [] },
            };
        });

    /// <summary>Never a date a calendar path or query reads (yyyy-MM-dd only).</summary>
    private static readonly Gen<string> BadDate = Any(
        Pick("2031-1-6", "2031-01-6", "20310106", "2031/01/06", "06-01-2031", "2031-02-30", "2031-13-01", "2031-00-10", "0000-01-01",
            "2031-01-06T00:00:00Z", "2031-01-06 ", " 2031-01-06", "２０３１-01-06", "٢٠٣١-01-06", "2031-01-06\u202E", "+2031-01-06", "-2031-01-06",
            "10000-01-01", "2031-W02-1", "today", "tomorrow", "1e400", "NaN", new string('9', 5_000)),
        Pick(HostileText.Where(t => t.Length > 0 && InPath(t)).ToArray()));

    /// <summary>The holiday body: an optional name.</summary>
    private static readonly Field[] HolidayFields = [new("name", Str("Calendar Day"), Any(BadName.Select(Str), NotAString), Required: false)];

    /// <summary>
    /// Calendar requests the node must refuse: bad dates in paths and queries, ranges reversed or too
    /// long, faulty bodies, dates the rules keep (the past and the open day: holiday-future; a weekend;
    /// past the horizon), a holiday that is not there, and valid changes from a caller other than the operator.
    /// </summary>
    private static readonly Gen<Hostile> Calendar = Any(
        BadDate.Select(d => Escape(d)).SelectMany(d => Pick(
            Json("calendar: bad date", "PUT", $"/v1/calendar/holidays/{d}", "operator-demo", """{"name":"X"}"""),
            new Hostile("calendar: bad date", "DELETE", $"/v1/calendar/holidays/{d}", "Bearer operator-demo", null, null),
            new Hostile("calendar: bad from", "GET", $"/v1/calendar?from={d}", "Bearer risk-demo", null, null),
            new Hostile("calendar: bad to", "GET", $"/v1/calendar?from=2031-01-06&to={d}", "Bearer participant-0001", null, null))),
        BadObject(HolidayFields).Select(body => Json("calendar: bad body", "PUT", "/v1/calendar/holidays/2031-01-06", "operator-demo", body)),
        Pick(
            Json("calendar: the open day", "PUT", $"/v1/calendar/holidays/{Today}", "operator-demo", """{"name":"Today"}"""),
            new Hostile("calendar: the open day", "PUT", $"/v1/calendar/holidays/{Today}", "Bearer operator-demo", null, null),
            Json("calendar: the past", "PUT", "/v1/calendar/holidays/2025-12-31", "operator-demo", """{"name":"Gone"}"""),
            new Hostile("calendar: the past", "DELETE", "/v1/calendar/holidays/2026-01-01", "Bearer operator-demo", null, null),
            Json("calendar: a Saturday", "PUT", "/v1/calendar/holidays/2031-01-04", "operator-demo", """{"name":"Weekend"}"""),
            new Hostile("calendar: a Sunday", "DELETE", "/v1/calendar/holidays/2031-01-05", "Bearer operator-demo", null, null),
            Json("calendar: past the horizon", "PUT", "/v1/calendar/holidays/9999-12-31", "operator-demo", """{"name":"Far"}"""),
            new Hostile("calendar: no such holiday", "DELETE", "/v1/calendar/holidays/2031-01-06", "Bearer operator-demo", null, null),
            new Hostile("calendar: from after to", "GET", "/v1/calendar?from=2031-01-07&to=2031-01-06", "Bearer occ-demo", null, null),
            new Hostile("calendar: range too long", "GET", "/v1/calendar?from=2031-01-01&to=2033-01-02", "Bearer occ-demo", null, null),
            new Hostile("calendar: from twice", "GET", "/v1/calendar?from=2031-01-01&from=2031-01-02", "Bearer occ-demo", null, null),
            new Hostile("calendar: unknown query", "GET", "/v1/calendar?year=2031", "Bearer occ-demo", null, null),
            Json("calendar: a query on a change", "PUT", "/v1/calendar/holidays/2031-01-06?name=X", "operator-demo", """{"name":"X"}"""),
            Json("calendar: a body of the wrong type", "PUT", "/v1/calendar/holidays/2031-01-06", "operator-demo", "[\"X\"]"),
            new Hostile("calendar: a body not JSON", "PUT", "/v1/calendar/holidays/2031-01-06", "Bearer operator-demo", "text/plain", Utf8("Matrix Day")),
            new Hostile("calendar: no route", "POST", "/v1/calendar", "Bearer operator-demo", null, null),
            new Hostile("calendar: no route", "GET", "/v1/calendar/holidays", "Bearer operator-demo", null, null)),
        Pick((string?)null, "Bearer not-a-token", "Bearer occ-demo", "Bearer risk-demo", "Bearer participant-0001", "Bearer OPERATOR-DEMO").SelectMany(caller => Pick(
            new Hostile("calendar: caller", "PUT", "/v1/calendar/holidays/2031-01-06", caller, "application/json", Utf8("""{"name":"X"}""")),
            new Hostile("calendar: caller", "DELETE", $"/v1/calendar/holidays/{Default}", caller, null, null))));

    /// <summary>Today in New York: never after the node's business date, which is today or the next business day.</summary>
    private static string Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")).DateTime)
        .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A default holiday in the future whatever the date (the last one configured), or a date the checks refuse anyway.</summary>
    private static string Default => Ledger.Journal.LedgerSettings.Default.DefaultHolidays.Select(h => h.Date).DefaultIfEmpty(new DateOnly(2031, 1, 6)).Max()
        .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    // ---- Loan terms and payment orders at deliver-order entry (lending.md section 1 and 2)

    /// <summary>
    /// Stock-loan deliver orders whose terms the entry rules refuse (rate or margin out of range or
    /// over 6 decimals, terms on another reason code), and deliver orders taking a payment order's
    /// id prefix or reason code: each refused by its item, nothing changes.
    /// </summary>
    private static readonly Gen<Hostile> LoanTerms = Gen.Select(FreshId, Pick(
            ("SL", "\"rebateRate\":1.000001"), ("SL", "\"rebateRate\":-1.5"), ("SL", "\"rebateRate\":0.0000001"), ("SL", "\"rebateRate\":1e3"),
            ("SL", "\"collateralMargin\":0.99"), ("SL", "\"collateralMargin\":1.1000001"), ("SL", "\"collateralMargin\":1.0200001"),
            ("SL", "\"collateralMargin\":-1.02"), ("SL", "\"collateralMargin\":79228162514264337593543950335"),
            ("LOAN", "\"rebateRate\":0.01"), ("SLR", "\"collateralMargin\":1.02"), ("MARK", "\"rebateRate\":null")),
        (id, x) => (Id: id, Body: $$"""[{"id":{{Str(id)}},"deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":10,"amount":1000,"reasonCode":"{{x.Item1}}",{{x.Item2}}}]""", What: x.Item2))
        .Select(x => Json($"loan terms: {x.What}", "POST", "/v1/deliver-orders", "occ-demo", x.Body) with { Items = 1, NewIds = [x.Id] });

    /// <summary>A deliver order under a payment order's id (MK-, any case): refused, the id stays the payment order's.</summary>
    private static readonly Gen<Hostile> PaymentOrderIds = Gen.Select(Gen.Int[1, 99_999], Pick("MK-", "mk-", "Mk-"), (n, prefix) => $"{prefix}HX-{n}")
        .Select(id => Json("payment order id on a deliver order", "POST", "/v1/deliver-orders", "occ-demo",
            $$"""[{"id":{{Str(id)}},"deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":10,"amount":1000,"reasonCode":"LOAN"}]""") with { Items = 1, NewIds = [id] });

    public static readonly Gen<Hostile> All = Gen.Frequency(
        (20, Bodies),
        (4, Encodings),
        (30, FieldFaults),
        (25, Batches),
        (5, Duplicates),
        (8, Semantic),
        (8, Reclaims),
        (10, Queries),
        (12, Paths),
        (5, Methods),
        (15, Callers),
        (12, Calendar),
        // Loan terms and payment-order ids at deliver-order entry.
        (4, LoanTerms),
        (2, PaymentOrderIds),
        (10, IncomeHostile.Requests),
        (12, RecallHostileRequests.Recalls),
        // The lending context's reads.
        (8, LendingHostile.Requests));
}
