using System.Text.Json;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>Who presents a request in the role matrix.</summary>
public enum Who
{
    /// <summary>No Authorization header.</summary>
    Nobody,
    /// <summary>A bearer token the node does not know.</summary>
    UnknownToken,
    Operator,
    Occ,
    Risk,
    /// <summary>The participant the request is about: the one in the path, or the deliverer of the deliver order.</summary>
    Party,
    /// <summary>The receiver of the deliver order (rows about a deliver order only).</summary>
    Receiver,
    /// <summary>A participant the request is not about: another firm.</summary>
    Other,
    /// <summary>The demo vendor DEMOVEND (recall hub), holding participant 0001's authorization letter.</summary>
    Vendor,
}

/// <summary>
/// A real node (SQLite in a temporary folder, no recycle cutoff clock) with reference data and two
/// deliver orders: RM-DONE (0001 -> 0002, completed) and RM-PEND (0003 -> 0002, pending on position).
/// </summary>
public sealed class MatrixWorld : IAsyncLifetime
{
    public const string Apple = "037833100";
    public const string Microsoft = "594918104";
    public const string Done = "RM-DONE";
    public const string Pending = "RM-PEND";
    public static readonly string[] Participants = ["0001", "0002", "0003", "0004"];

    private readonly TempFolder _folder = new();

    public RealNode Node { get; private set; } = null!;

    public ApiHost Api => Node.Api;

    public async Task InitializeAsync()
    {
        Node = await RealNode.StartAsync(_folder.Path, o => o with { RecycleCutoffLocalTime = null });
        foreach (var id in Participants)
        {
            await (await Api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", "operator-demo",
                $$"""{"name":"Firm {{id}}","netDebitCap":10000000,"participantsFund":1000000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        }
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", "operator-demo", """{"price":100,"haircut":0.1}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/securities/{Microsoft}", "operator-demo", """{"price":400,"haircut":0.2}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":100000}""")).AssertOk();
        await SetUpRecallHubAsync();
        await SubmitAsync(Done, "0001", "0002", "completed");
        await SubmitAsync(Pending, "0003", "0002", "pending");
        await IncomeMatrix.SetUpAsync(this);
    }

    /// <summary>The eligibility file the close at set-up wrote (recall hub rows).</summary>
    public string EligibilityDate { get; private set; } = "";

    /// <summary>A recall 0002 sent to 0001, in 0001's mailbox; and one 0001 sent to 0002.</summary>
    public string InboundRecall { get; private set; } = "";

    public string OutboundRecall { get; private set; } = "";

    /// <summary>
    /// The recall hub: 0001 (LENDUS33XXX), 0002 (BORRUS33XXX) and 0003 (OTHRUS33XXX) subscribed,
    /// DEMOVEND holding 0001's letter, a recall each way between 0001 and 0002, and a close (before
    /// any deliver order) that wrote the eligibility file of the next business date.
    /// </summary>
    private async Task SetUpRecallHubAsync()
    {
        foreach (var (id, address) in new[] { ("0001", "LENDUS33XXX"), ("0002", "BORRUS33XXX"), ("0003", "OTHRUS33XXX") })
            await (await Api.SendAsync(HttpMethod.Put, $"/v1/recall-hub/subscribers/{id}", "operator-demo", $$"""{"address":"{{address}}"}""")).AssertOk();
        await (await Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":["0001"]}""")).AssertOk();
        InboundRecall = (await (await Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", "participant-0002",
            RecallMessages.Body(RecallMessages.Recall("RM-RCL-IN", from: "BORRUS33AXXX", to: "LENDUS33XXXX")))).AssertOk()).GetProperty("controlNumber").GetString()!;
        OutboundRecall = (await (await Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", "participant-0001",
            RecallMessages.Body(RecallMessages.Recall("RM-RCL-OUT")))).AssertOk()).GetProperty("controlNumber").GetString()!;
        EligibilityDate = (await (await Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk()).GetProperty("nextBusinessDate").GetString()!;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); (int)(await Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/eligibility/{EligibilityDate}", "operator-demo")).StatusCode != 200; await Task.Delay(100))
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"no eligibility file for {EligibilityDate} within 30 s");
        }
    }

    /// <summary>Submits a deliver order of 100 Apple for $10,000 and waits for the status.</summary>
    public async Task SubmitAsync(string id, string deliverer, string receiver, string status)
    {
        var answer = await (await Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo", Order(id, deliverer, receiver))).AssertOk();
        Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
        await Node.EventuallyAsync($"/v1/deliver-orders/{id}", "occ-demo", v => v.GetProperty("status").GetString() == status, $"{id} {status}");
    }

    public static string Order(string id, string deliverer, string receiver) =>
        $$"""[{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":100,"amount":10000,"reasonCode":"LOAN"}]""";

    public static string FreshId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>
    /// A date the operator may make a holiday: the first weekday at least <paramref name="daysAhead"/>
    /// days after today that is not a default holiday (the node runs on the real clock, so its
    /// business date is today or the next business day).
    /// </summary>
    public static string HolidayDate(int daysAhead)
    {
        var defaults = Ledger.Journal.LedgerSettings.Default.DefaultHolidays.Select(h => h.Date).ToHashSet();
        var date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(daysAhead);
        while (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || defaults.Contains(date)) date = date.AddDays(1);
        return date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// What a refused request must leave as it was: every account (its view carries a version that
    /// counts its events), both deliver orders, and whether participant 0050 exists.
    /// </summary>
    public async Task<string> SnapshotAsync()
    {
        var parts = new List<string>();
        foreach (var id in Participants.Append("0050"))
        {
            var response = await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{id}/account", "risk-demo");
            var body = await response.Json();
            parts.Add($"{id} {(int)response.StatusCode} {(response.IsSuccessStatusCode ? body.ToString() : body.GetProperty("rule").GetString())}");
        }
        foreach (var id in new[] { Done, Pending })
        {
            parts.Add((await (await Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}", "occ-demo")).AssertOk()).ToString());
        }
        parts.Add(await CalendarProbe.AllHolidaysAsync(Api));
        // The recall hub's mailboxes (a refused send adds no message and no reject).
        foreach (var id in new[] { "0001", "0002", "0003" }) parts.Add((await (await Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/mailbox/{id}", $"participant-{id}")).AssertOk()).ToString());
        return string.Join("\n", parts);
    }

    /// <summary>Waits (at most 30 s) until two snapshots in a row agree: nothing an allowed request set going is still moving.</summary>
    public async Task QuiesceAsync()
    {
        var last = await SnapshotAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var now = await SnapshotAsync();
            if (now == last) return;
            last = now;
        }
        throw new Xunit.Sdk.XunitException($"the accounts were still changing after 30 s: {last}");
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// Every endpoint the app maps, probed by every kind of caller against the real node: no token and
/// an unknown token 401, every role the endpoint does not serve 403, a participant acting for
/// another participant 403, and the roles it serves the success code of a valid request. Refused
/// requests change nothing. The endpoints come from the app's own endpoint data source, so a new
/// endpoint without a row here fails <see cref="Every_mapped_endpoint_has_a_row_and_every_row_a_mapped_endpoint"/>.
/// About 120 cases on one node (two more nodes for cutoff and close); well under a minute.
/// </summary>
[Collection("real-node")]
public sealed class RoleMatrixTests(MatrixWorld world) : IClassFixture<MatrixWorld>
{
    private sealed record Request(string Path, string? Body);

    /// <summary>An answer: a status, and for a refusal the problem's rule.</summary>
    private sealed record Expected(int Status, string? Rule = null)
    {
        public bool Refused => Status is 401 or 403;
    }

    private sealed record Row(
        string Key,
        string Method,
        Func<Request> Refused,
        IReadOnlyDictionary<Who, Expected> Answers,
        string Party = "0001",
        string? Receiver = null,
        string Other = "0003",
        Func<MatrixWorld, Task<Request>>? Allowed = null,
        Func<MatrixWorld, JsonElement, Task>? Settle = null,
        Action<Who, JsonElement>? Shows = null,
        bool Public = false,
        bool OwnNode = false,
        bool Branch = false,
        string? Page = null,
        Action<Who, string>? ShowsText = null)
    {
        /// <summary>"METHOD /pattern", as the endpoint data source names it; the key without its variant.</summary>
        public string Route => Key.IndexOf('?', Key.LastIndexOf('}') + 1) is var variant and >= 0 ? Key[..variant] : Key;

        public IEnumerable<Who> Callers() => Enum.GetValues<Who>().Where(w => w != Who.Receiver || Receiver is not null);

        public Expected Expect(Who who)
        {
            if (Answers.TryGetValue(who, out var answer)) return answer;
            if (Public) return new Expected(200);
            return who is Who.Nobody or Who.UnknownToken ? new Expected(401, "bearer-token") : new Expected(403, "role");
        }

        public string? Token(Who who) => who switch
        {
            Who.Nobody => null,
            Who.UnknownToken => "not-a-token-this-node-knows",
            Who.Operator => "operator-demo",
            Who.Occ => "occ-demo",
            Who.Risk => "risk-demo",
            Who.Party => $"participant-{Party}",
            Who.Receiver => $"participant-{Receiver}",
            Who.Other => $"participant-{Other}",
            Who.Vendor => "vendor-demo",
            _ => throw new ArgumentOutOfRangeException(nameof(who)),
        };
    }

    private static readonly Expected Ok = new(200);

    /// <summary>In a row that runs on a node of its own, stands for that node's open business date.</summary>
    private const string OpenDate = "2026-01-05";

    /// <summary>The business date the world's set-up closed: the one before the eligibility file's.</summary>
    private static string ClosedDate(MatrixWorld world) => IncomeMatrix.Text(new Ledger.Kernel.BusinessCalendar(Ledger.Journal.LedgerSettings.Default.DefaultHolidays)
        .Previous(DateOnly.ParseExact(world.EligibilityDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));

    private static Dictionary<Who, Expected> Answers(params (Who Who, Expected Answer)[] answers) => answers.ToDictionary(a => a.Who, a => a.Answer);

    private static readonly Row[] Rows =
    [
        new("GET /health/live", "GET", () => new("/health/live", null), Answers(), Public: true),
        // The dashboard's page: public, and it holds no data (it reads the API with the token typed into it).
        new("GET /", "GET", () => new("/", null), Answers(), Public: true, Page: "text/html"),
        new("GET /health/ready", "GET", () => new("/health/ready", null), Answers(), Public: true),
        // The API contract and its reading are no secret: anyone gets them, whatever token is sent.
        new("GET /openapi/v1.json", "GET", () => new("/openapi/v1.json", null), Answers(), Public: true,
            Shows: (_, answer) => Assert.True(answer.GetProperty("paths").TryGetProperty("/v1/deliver-orders", out JsonElement operations) && operations.TryGetProperty("post", out JsonElement submit) && submit.ValueKind == JsonValueKind.Object, answer.GetProperty("paths").ToString())),
        new("GET /docs/{documentName?}", "GET", () => new("/docs/", null), Answers(), Public: true, Page: "text/html"),
        new("GET /docs/scalar.js", "GET", () => new("/docs/scalar.js", null), Answers(), Public: true, Page: "text/javascript"),
        new("GET /docs/scalar.aspnetcore.js", "GET", () => new("/docs/scalar.aspnetcore.js", null), Answers(), Public: true, Page: "text/javascript"),
        new("GET /docs/favicon.svg", "GET", () => new("/docs/favicon.svg", null), Answers(), Public: true, Page: "image/svg+xml"),
        new("PUT /v1/participants/{id}", "PUT",
            () => new("/v1/participants/0050", """{"name":"New Firm","netDebitCap":1000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}"""),
            Answers((Who.Operator, Ok)), Party: "0050"),
        new("PUT /v1/securities/{cusip}", "PUT", () => new($"/v1/securities/{MatrixWorld.Microsoft}", """{"price":400,"haircut":0.2}"""),
            Answers((Who.Operator, Ok))),
        new("POST /v1/participants/{id}/deposits", "POST", () => new("/v1/participants/0004/deposits", $$"""{"cusip":"{{MatrixWorld.Apple}}","shares":10}"""),
            Answers((Who.Operator, Ok)), Party: "0004"),
        new("POST /v1/participants/{id}/settlement-progress-payments", "POST", () => new("/v1/participants/0004/settlement-progress-payments", """{"amount":1.25}"""),
            Answers((Who.Operator, Ok)), Party: "0004"),
        // With an idempotency id: the operator's deposit is applied once, and sent again it answers
        // the same account, unchanged; every other caller is refused before the id is looked at.
        new("POST /v1/participants/{id}/deposits?id", "POST",
            () => new("/v1/participants/0004/deposits", $$"""{"id":"RM-DEP-1","cusip":"{{MatrixWorld.Microsoft}}","shares":7}"""),
            Answers((Who.Operator, Ok)), Party: "0004",
            Settle: async (w, answer) =>
            {
                Assert.Equal("0004", answer.GetProperty("participant").GetString());
                var held = answer.GetProperty("positions").EnumerateArray().Single(p => p.GetProperty("cusip").GetString() == MatrixWorld.Microsoft);
                Assert.Equal(7, held.GetProperty("shares").GetInt64());
                var again = await (await w.Api.SendAsync(HttpMethod.Post, "/v1/participants/0004/deposits", "operator-demo",
                    $$"""{"id":"RM-DEP-1","cusip":"{{MatrixWorld.Microsoft}}","shares":7}""")).AssertOk();
                Assert.Equal(answer.ToString(), again.ToString());
            }),
        new("POST /v1/participants/{id}/settlement-progress-payments?id", "POST",
            () => new("/v1/participants/0003/settlement-progress-payments", """{"id":"RM-SPP-1","amount":2.50}"""),
            Answers((Who.Operator, Ok)), Party: "0003", Other: "0004",
            Settle: async (w, answer) =>
            {
                Assert.Equal("0003", answer.GetProperty("participant").GetString());
                Assert.Equal(2.50m, answer.GetProperty("settlementBalance").GetDecimal());
                var again = await (await w.Api.SendAsync(HttpMethod.Post, "/v1/participants/0003/settlement-progress-payments", "operator-demo",
                    """{"id":"RM-SPP-1","amount":2.50}""")).AssertOk();
                Assert.Equal(answer.ToString(), again.ToString());
            }),
        new("POST /v1/deliver-orders", "POST", () => new("/v1/deliver-orders", MatrixWorld.Order(MatrixWorld.FreshId("RM-SUB"), "0001", "0002")),
            Answers((Who.Occ, Ok)),
            Settle: async (w, answer) =>
            {
                Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
                var id = answer[0].GetProperty("id").GetString()!;
                await w.Node.EventuallyAsync($"/v1/deliver-orders/{id}", "occ-demo", v => v.GetProperty("status").GetString() == "completed", $"{id} completing");
            }),
        new("GET /v1/deliver-orders/{id}", "GET", () => new($"/v1/deliver-orders/{MatrixWorld.Done}", null),
            Answers((Who.Occ, Ok), (Who.Party, Ok), (Who.Receiver, Ok), (Who.Other, new(403, "deliver-order-party"))),
            Receiver: "0002"),
        new("GET /v1/deliver-orders/{id}/explanation", "GET", () => new($"/v1/deliver-orders/{MatrixWorld.Done}/explanation", null),
            Answers((Who.Risk, Ok), (Who.Occ, Ok), (Who.Operator, Ok), (Who.Party, Ok), (Who.Receiver, Ok), (Who.Other, new(403, "deliver-order-party"))),
            Receiver: "0002",
            // Risk, OCC and the operator see both accounts' steps; each party only its own account's.
            Shows: (who, answer) =>
            {
                var accounts = answer.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("participant").GetString()).Distinct().Order(StringComparer.Ordinal).ToArray();
                string?[] expected = who switch
                {
                    Who.Party => ["0001", "index"],
                    Who.Receiver => ["0002", "index"],
                    _ => ["0001", "0002", "index"],
                };
                Assert.Equal(expected, accounts);
                Assert.Equal("completed", answer.GetProperty("finalState").GetString());
            }),
        new("DELETE /v1/deliver-orders/{id}", "DELETE", () => new($"/v1/deliver-orders/{MatrixWorld.Pending}", null),
            Answers((Who.Occ, Ok), (Who.Party, Ok), (Who.Receiver, new(403, "deliverer")), (Who.Other, new(403, "deliver-order-party"))),
            Party: "0003", Receiver: "0002", Other: "0001",
            Allowed: async w =>
            {
                var id = MatrixWorld.FreshId("RM-CXL");
                await w.SubmitAsync(id, "0003", "0002", "pending");
                return new($"/v1/deliver-orders/{id}", null);
            },
            Settle: (_, answer) =>
            {
                Assert.Equal("cancelled", answer.GetProperty("status").GetString());
                return Task.CompletedTask;
            }),
        new("POST /v1/reclaims", "POST", () => new("/v1/reclaims", $$"""{"id":"{{MatrixWorld.FreshId("RM-RCL")}}","deliverOrderId":"{{MatrixWorld.Done}}"}"""),
            Answers((Who.Receiver, Ok), (Who.Party, new(403, "reclaim-by-receiver")), (Who.Other, new(403, "reclaim-by-receiver"))),
            Receiver: "0002",
            Allowed: async w =>
            {
                var original = MatrixWorld.FreshId("RM-ORIG");
                await w.SubmitAsync(original, "0001", "0002", "completed");
                return new("/v1/reclaims", $$"""{"id":"{{MatrixWorld.FreshId("RM-RCL")}}","deliverOrderId":"{{original}}"}""");
            },
            Settle: async (w, answer) =>
            {
                Assert.True(answer.GetProperty("accepted").GetBoolean(), answer.ToString());
                var id = answer.GetProperty("id").GetString()!;
                await w.Node.EventuallyAsync($"/v1/deliver-orders/{id}", "occ-demo", v => v.GetProperty("status").GetString() == "completed", $"reclaim {id} completing");
            },
            // Filed in the reclaimer's own namespace, never as the bare id it sent.
            Shows: (_, answer) => Assert.StartsWith("0002~RM-RCL-", answer.GetProperty("id").GetString())),
        new("GET /v1/participants/{id}/account", "GET", () => new("/v1/participants/0001/account", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant")))),
        new("GET /v1/participants/{id}/account?asOf", "GET",
            // Now to the tick: truncated to the second, a moment could fall before a set-up made earlier in the same second.
            () => new($"/v1/participants/0001/account?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture))}", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant")))),
        new("GET /v1/participants/{id}/journal", "GET", () => new("/v1/participants/0001/journal", null), Answers((Who.Risk, Ok))),
        new("GET /v1/day", "GET", () => new("/v1/day", null), Answers((Who.Operator, Ok), (Who.Risk, Ok)),
            // The day across every account, for the operator and risk alike; only the caller's role differs.
            Shows: (who, answer) =>
            {
                Assert.Equal(who == Who.Operator ? "operator" : "risk", answer.GetProperty("caller").GetString());
                Assert.Equal(answer.GetProperty("participants").GetInt32(), answer.GetProperty("accountsRead").GetInt32());
                Assert.True(answer.GetProperty("participants").GetInt32() >= MatrixWorld.Participants.Length, answer.ToString());
                // No automatic cutoff on this node, and no central counterparty among its participants.
                Assert.Equal(JsonValueKind.Null, answer.GetProperty("recycleCutoffAt").ValueKind);
                Assert.Equal(JsonValueKind.Null, answer.GetProperty("occFlat").ValueKind);
                // RM-PEND waits at its deliverer 0003 for shares; 0002 received RM-DONE against its $10,000,000 cap.
                var pended = answer.GetProperty("pendingItems").EnumerateArray().Single(p => p.GetProperty("deliverOrderId").GetString() == MatrixWorld.Pending);
                Assert.Equal(("0003", "deliver", "position"), (pended.GetProperty("participant").GetString(), pended.GetProperty("side").GetString(), pended.GetProperty("reason").GetString()));
                var position = answer.GetProperty("pendingByReason").EnumerateArray().Single(r => r.GetProperty("reason").GetString() == "position");
                Assert.True(position.GetProperty("deliver").GetInt32() >= 1, answer.ToString());
                var debit = answer.GetProperty("largestNetDebits").EnumerateArray().Single(d => d.GetProperty("participant").GetString() == "0002");
                Assert.Equal(10_000_000m, debit.GetProperty("netDebitCap").GetDecimal());
                Assert.True(debit.GetProperty("netDebit").GetDecimal() >= 10_000m, answer.ToString());
                // The node's own telemetry: deliver orders taken since it started, and its journal writes.
                Assert.True(answer.GetProperty("deliverOrders").GetProperty("acceptedTotal").GetInt64() >= 2, answer.ToString());
                Assert.Equal(Ledger.Host.Http.DayFigures.SecondsKept - 1, answer.GetProperty("deliverOrders").GetProperty("perSecond").GetArrayLength());
                Assert.Equal(Ledger.Host.Http.DayFigures.LatencyWindowSeconds, answer.GetProperty("journalWriteLatency").GetProperty("windowSeconds").GetInt32());
            }),
        new("POST /v1/business-day/cutoff", "POST", () => new("/v1/business-day/cutoff", null), Answers((Who.Operator, Ok)), OwnNode: true),
        new("POST /v1/business-day/close", "POST", () => new("/v1/business-day/close", null), Answers((Who.Operator, Ok)), OwnNode: true),
        // The calendar: the same answer for every role (it holds no firm's figures); only the operator changes it.
        new("GET /v1/calendar", "GET", () => new("/v1/calendar", null),
            Answers((Who.Operator, Ok), (Who.Occ, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, Ok)),
            Shows: (_, answer) =>
            {
                Assert.Equal(["from", "to", "businessDate", "businessDays", "holidays"], answer.EnumerateObject().Select(p => p.Name));
                Assert.Equal(answer.GetProperty("businessDate").GetString(), answer.GetProperty("from").GetString());
                Assert.Equal(answer.GetProperty("businessDate").GetString(), answer.GetProperty("businessDays")[0].GetString());
            }),
        new("GET /v1/calendar?from&to", "GET", () => new($"/v1/calendar?from={MatrixWorld.HolidayDate(90)}&to={MatrixWorld.HolidayDate(90)}", null),
            Answers((Who.Operator, Ok), (Who.Occ, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, Ok)),
            Shows: (_, answer) =>
            {
                // A weekday that is no holiday: one business day, no holiday.
                Assert.Equal([MatrixWorld.HolidayDate(90)], answer.GetProperty("businessDays").EnumerateArray().Select(d => d.GetString()));
                Assert.Empty(answer.GetProperty("holidays").EnumerateArray());
            }),
        new("PUT /v1/calendar/holidays/{date}", "PUT", () => new($"/v1/calendar/holidays/{MatrixWorld.HolidayDate(70)}", """{"name":"Matrix Day"}"""),
            Answers((Who.Operator, Ok)),
            Shows: (_, answer) =>
            {
                Assert.Equal(MatrixWorld.HolidayDate(70), answer.GetProperty("date").GetString());
                Assert.Equal("Matrix Day", answer.GetProperty("name").GetString());
            },
            Settle: async (w, _) =>
            {
                var date = MatrixWorld.HolidayDate(70);
                var range = await (await w.Api.SendAsync(HttpMethod.Get, $"/v1/calendar?from={date}&to={date}", "participant-0003")).AssertOk();
                Assert.Empty(range.GetProperty("businessDays").EnumerateArray());
                Assert.Equal("Matrix Day", range.GetProperty("holidays").EnumerateArray().Single().GetProperty("name").GetString());
            }),
        new("DELETE /v1/calendar/holidays/{date}", "DELETE", () => new($"/v1/calendar/holidays/{MatrixWorld.HolidayDate(80)}", null),
            Answers((Who.Operator, Ok)),
            Allowed: async w =>
            {
                await (await w.Api.SendAsync(HttpMethod.Put, $"/v1/calendar/holidays/{MatrixWorld.HolidayDate(80)}", "operator-demo")).AssertOk();
                return new($"/v1/calendar/holidays/{MatrixWorld.HolidayDate(80)}", null);
            },
            Shows: (_, answer) =>
            {
                Assert.Equal(MatrixWorld.HolidayDate(80), answer.GetProperty("date").GetString());
                Assert.True(answer.GetProperty("businessDay").GetBoolean());
            }),
        // Naming the open day (OpenDate stands for it on the close's own node); the answer names the day it closed.
        new("POST /v1/business-day/close?businessDate", "POST", () => new("/v1/business-day/close", $$"""{"businessDate":"{{OpenDate}}"}"""),
            Answers((Who.Operator, Ok)), OwnNode: true,
            Shows: (_, answer) => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", answer.GetProperty("nextBusinessDate").GetString())),
        // A middleware branch, not a route: the endpoint data source does not list it.
        new($"GET {ApiOptions.MetricsPath}", "GET", () => new(ApiOptions.MetricsPath, null), Answers((Who.Operator, Ok), (Who.Risk, Ok)), Branch: true),
        // ---- Loan terms on a stock-loan deliver order (lending.md section 1): OCC only, kept on the order.
        new("POST /v1/deliver-orders?loanTerms", "POST",
            () => new("/v1/deliver-orders", $$"""[{"id":"{{MatrixWorld.FreshId("RM-SL")}}","deliverer":"0001","receiver":"0002","cusip":"{{MatrixWorld.Apple}}","shares":100,"amount":10200,"reasonCode":"SL","rebateRate":0.045,"collateralMargin":1.02}]"""),
            Answers((Who.Occ, Ok)),
            Settle: async (w, answer) =>
            {
                Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
                var id = answer[0].GetProperty("id").GetString()!;
                await w.Node.EventuallyAsync($"/v1/deliver-orders/{id}", "occ-demo", v => v.GetProperty("status").GetString() == "completed", $"{id} completing");
                var order = await (await w.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}", "occ-demo")).AssertOk();
                Assert.Equal(("SL", 0.045m, 1.02m), (order.GetProperty("reasonCode").GetString(), order.GetProperty("rebateRate").GetDecimal(), order.GetProperty("collateralMargin").GetDecimal()));
            }),
        // Income tracking (income-tracking.md section 9). A participant sees and acts only for itself;
        // an adjustment is seen by its two parties, risk and operators; another firm's reads as unknown.
        new("PUT /v1/securities/{cusip}/distributions/{id}", "PUT",
            () => new($"/v1/securities/{MatrixWorld.Apple}/distributions/RM-DIV", """{"type":"cash-dividend","ratePerShare":0.5,"recordDate":"2030-01-02","payableDate":"2030-01-03"}"""),
            Answers((Who.Operator, Ok)),
            Allowed: async w =>
            {
                var record = IncomeMatrix.Text((await IncomeMatrix.BusinessDateAsync(w)).AddDays(40));
                return new($"/v1/securities/{MatrixWorld.Apple}/distributions/RM-DIV", $$"""{"type":"cash-dividend","ratePerShare":0.5,"recordDate":"{{record}}","payableDate":"{{record}}"}""");
            },
            Shows: (_, answer) => Assert.Equal(("RM-DIV", 0.5m), (answer.GetProperty("id").GetString(), answer.GetProperty("ratePerShare").GetDecimal()))),
        new("GET /v1/securities/{cusip}/distributions", "GET", () => new($"/v1/securities/{MatrixWorld.Apple}/distributions", null),
            Answers((Who.Operator, Ok), (Who.Occ, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, Ok)),
            Shows: (_, answer) => Assert.All(answer.EnumerateArray(), d => Assert.Equal(MatrixWorld.Apple, d.GetProperty("cusip").GetString()))),
        new("GET /v1/participants/{id}/stock-loans", "GET", () => new("/v1/participants/0001/stock-loans", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            // The participant's own lines only: never a line of its own against itself, never another firm's view.
            Shows: (_, answer) =>
            {
                Assert.Equal("0001", answer.GetProperty("participant").GetString());
                Assert.All(answer.GetProperty("lines").EnumerateArray(), l => Assert.NotEqual("0001", l.GetProperty("counterparty").GetString()));
            }),
        new("GET /v1/participants/{id}/stock-loans?asOf", "GET", () => new("/v1/participants/0001/stock-loans?asOf=2030-01-02", null),
            // No close has happened on this node: every caller it serves is told the date has not closed.
            Answers((Who.Operator, new(400, "as-of-closed-date")), (Who.Risk, new(400, "as-of-closed-date")), (Who.Party, new(400, "as-of-closed-date")),
                (Who.Other, new(403, "own-participant")))),
        new("GET /v1/participants/{id}/income", "GET", () => new("/v1/participants/0001/income?payableDate=2030-01-03", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Shows: (_, answer) => Assert.Equal(("0001", "2030-01-03", 0m), (answer.GetProperty("participant").GetString(), answer.GetProperty("payableDate").GetString(), answer.GetProperty("total").GetDecimal()))),
        new("GET /v1/participants/{id}/income-entries/{entryId}/explanation", "GET", () => new("/v1/participants/0001/income-entries/sli:none/explanation", null),
            // Read from the participant's own memo journal only; it has posted nothing here.
            Answers((Who.Operator, new(404, "income-entry-known")), (Who.Risk, new(404, "income-entry-known")), (Who.Party, new(404, "income-entry-known")),
                (Who.Other, new(403, "own-participant")))),
        new("POST /v1/participants/{id}/stock-loan-adjustments", "POST",
            () => new("/v1/participants/0001/stock-loan-adjustments", $$"""{"id":"RM-ADJ-NEW","counterparty":"0002","cusip":"{{MatrixWorld.Apple}}","shares":7}"""),
            Answers((Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Shows: (_, answer) => Assert.Equal(("0001", "0002", 7L, "pending"),
                (answer.GetProperty("enteredBy").GetString(), answer.GetProperty("counterparty").GetString(), answer.GetProperty("shares").GetInt64(), answer.GetProperty("status").GetString()))),
        new("GET /v1/stock-loan-adjustments/{id}", "GET", () => new($"/v1/stock-loan-adjustments/{IncomeMatrix.PendingAdjustment}", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Receiver, Ok), (Who.Other, new(404, "adjustment-known"))),
            Receiver: "0002",
            Shows: (who, answer) =>
            {
                // Another firm learns neither the parties nor the terms.
                if (who == Who.Other) Assert.DoesNotContain("000", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
                else Assert.Equal((IncomeMatrix.PendingAdjustment, "0001", "0002"),
                    (answer.GetProperty("id").GetString(), answer.GetProperty("enteredBy").GetString(), answer.GetProperty("counterparty").GetString()));
            }),
        new("POST /v1/stock-loan-adjustments/{id}/affirm", "POST", () => new($"/v1/stock-loan-adjustments/{IncomeMatrix.PendingAdjustment}/affirm", null),
            Answers((Who.Receiver, Ok), (Who.Party, new(403, "affirm-by-counterparty")), (Who.Other, new(403, "adjustment-party"))),
            Receiver: "0002",
            Allowed: async w => new($"/v1/stock-loan-adjustments/{await IncomeMatrix.FreshAdjustmentAsync(w)}/affirm", null),
            Shows: (_, answer) => Assert.Equal("affirmed", answer.GetProperty("status").GetString())),
        new("POST /v1/stock-loan-adjustments/{id}/cancel", "POST", () => new($"/v1/stock-loan-adjustments/{IncomeMatrix.PendingAdjustment}/cancel", null),
            Answers((Who.Party, Ok), (Who.Receiver, Ok), (Who.Other, new(403, "adjustment-party"))),
            Receiver: "0002",
            Allowed: async w => new($"/v1/stock-loan-adjustments/{await IncomeMatrix.FreshAdjustmentAsync(w)}/cancel", null),
            Shows: (_, answer) => Assert.Equal("cancelled", answer.GetProperty("status").GetString())),
        new("POST /v1/participants/{id}/income-halts", "POST",
            () => new("/v1/participants/0001/income-halts", """{"counterparty":"0002","effectiveDate":"2030-01-02"}"""),
            Answers((Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w => new("/v1/participants/0001/income-halts", $$"""{"counterparty":"0002","effectiveDate":"{{IncomeMatrix.Text((await IncomeMatrix.BusinessDateAsync(w)).AddDays(30))}}"}"""),
            Shows: (_, answer) => Assert.Equal(("0001", "0002"), (answer.GetProperty("instructing").GetString(), answer.GetProperty("counterparty").GetString()))),
        new("GET /v1/participants/{id}/notifications", "GET", () => new("/v1/participants/0002/notifications", null),
            Answers((Who.Party, Ok), (Who.Other, new(403, "own-participant"))), Party: "0002",
            // 0002's own notifications: RM-ADJ-1 awaits its affirmation; nothing of another firm's.
            Shows: (_, answer) =>
            {
                Assert.Equal("0002", answer.GetProperty("participant").GetString());
                Assert.All(answer.GetProperty("notifications").EnumerateArray(), n => Assert.NotEqual("0002", n.GetProperty("counterparty").GetString()));
            }),
        new("POST /v1/participants/{from}/merge-into/{to}", "POST", () => new("/v1/participants/0005/merge-into/0006", null),
            Answers((Who.Operator, Ok)), Party: "0005",
            Allowed: async w =>
            {
                await IncomeMatrix.ParticipantAsync(w, "0005");
                await IncomeMatrix.ParticipantAsync(w, "0006");
                return new("/v1/participants/0005/merge-into/0006", null);
            },
            Shows: (_, answer) => Assert.Equal(("0005", "merged"), (answer.GetProperty("participant").GetString(), answer.GetProperty("standing").GetString()))),
        new("POST /v1/participants/{id}/retire", "POST", () => new("/v1/participants/0007/retire", null),
            Answers((Who.Operator, Ok)), Party: "0007",
            Allowed: async w =>
            {
                await IncomeMatrix.ParticipantAsync(w, "0007");
                return new("/v1/participants/0007/retire", null);
            },
            Shows: (_, answer) => Assert.Equal("retired", answer.GetProperty("standing").GetString())),
        new("POST /v1/participants/{id}/terminate", "POST", () => new("/v1/participants/0008/terminate", null),
            Answers((Who.Operator, Ok)), Party: "0008",
            Allowed: async w =>
            {
                await IncomeMatrix.ParticipantAsync(w, "0008");
                return new("/v1/participants/0008/terminate", null);
            },
            Shows: (_, answer) => Assert.Equal("terminated", answer.GetProperty("standing").GetString())),

        // The recall hub. Party 0001 is subscribed and DEMOVEND (Who.Vendor) holds its letter; Other is another firm.
        new("PUT /v1/recall-hub/subscribers/{participant}", "PUT", () => new("/v1/recall-hub/subscribers/0004", """{"address":"FOURUS33","vendor":null}"""),
            Answers((Who.Operator, Ok)), Party: "0004",
            Shows: (_, answer) => Assert.Equal(("0004", "Firm 0004", "FOURUS33"), (answer.GetProperty("participant").GetString(), answer.GetProperty("name").GetString(), answer.GetProperty("address").GetString()))),
        new("DELETE /v1/recall-hub/subscribers/{participant}", "DELETE", () => new("/v1/recall-hub/subscribers/0004", null),
            Answers((Who.Operator, Ok)), Party: "0004",
            Allowed: async w =>
            {
                await (await w.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0004", "operator-demo", """{"address":"FOURUS33"}""")).AssertOk();
                return new("/v1/recall-hub/subscribers/0004", null);
            },
            Shows: (_, answer) => Assert.False(answer.GetProperty("subscribed").GetBoolean())),
        new("PUT /v1/recall-hub/vendors/{vendor}", "PUT", () => new("/v1/recall-hub/vendors/MATRIXV", """{"name":"Matrix Vendor","authorizedParticipants":["0004"]}"""),
            Answers((Who.Operator, Ok)),
            Shows: (_, answer) => Assert.Equal(["0004"], answer.GetProperty("authorizedParticipants").EnumerateArray().Select(p => p.GetString()))),
        new("POST /v1/recall-hub/messages", "POST", () => new("/v1/recall-hub/messages", RecallMessages.Body(RecallMessages.Recall(RecallMessages.FreshReference("RM-")))),
            Answers((Who.Party, Ok), (Who.Vendor, Ok), (Who.Other, new(403, "own-participant"))),
            // Sent for 0001 (its address in block 1), available in 0002's mailbox under 0002's number.
            Shows: (_, answer) =>
            {
                Assert.Equal("available", answer.GetProperty("status").GetString());
                Assert.StartsWith("0002", answer.GetProperty("controlNumber").GetString());
            }),
        new("GET /v1/recall-hub/mailbox/{participant}", "GET", () => new("/v1/recall-hub/mailbox/0001", null),
            Answers((Who.Party, Ok), (Who.Vendor, Ok), (Who.Other, new(403, "own-participant"))),
            // 0001's mailbox and nothing else: every entry numbered by 0001's mailbox, 0002's recall among them.
            Shows: (_, answer) =>
            {
                var entries = answer.GetProperty("entries").EnumerateArray().ToList();
                Assert.All(entries, e => Assert.StartsWith("0001", e.GetProperty("controlNumber").GetString()));
                Assert.Contains(entries, e => e.GetProperty("kind").GetString() == "message" && e.GetProperty("sender").GetString() == "0002");
            }),
        new("POST /v1/recall-hub/mailbox/{participant}/{controlNumber}/retrieve", "POST", () => new($"/v1/recall-hub/mailbox/0001/{Inbound}/retrieve", null),
            Answers((Who.Party, Ok), (Who.Vendor, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: w => Task.FromResult(new Request($"/v1/recall-hub/mailbox/0001/{w.InboundRecall}/retrieve", null)),
            Shows: (_, answer) =>
            {
                Assert.Equal("message", answer.GetProperty("kind").GetString());
                Assert.StartsWith("{1:F01LENDUS33XXXX", answer.GetProperty("message").GetString());
                Assert.Contains(":20:RM-RCL-IN\r\n", answer.GetProperty("message").GetString());
            }),
        new("GET /v1/recall-hub/messages/{controlNumber}/trace", "GET", () => new($"/v1/recall-hub/messages/{Outbound}/trace", null),
            Answers((Who.Party, Ok), (Who.Vendor, Ok), (Who.Risk, Ok), (Who.Operator, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: w => Task.FromResult(new Request($"/v1/recall-hub/messages/{w.OutboundRecall}/trace", null)),
            Shows: (_, answer) => Assert.Equal(("0001", "0002", "RM-RCL-OUT"),
                (answer.GetProperty("sender").GetString(), answer.GetProperty("receiver").GetString(), answer.GetProperty("senderReference").GetString()))),
        new("GET /v1/recall-hub/eligibility/{date}", "GET", () => new($"/v1/recall-hub/eligibility/{Eligibility}", null),
            Answers((Who.Party, Ok), (Who.Vendor, Ok), (Who.Operator, Ok), (Who.Other, new(403, "caller-subscribed"))), Other: "0004",
            Allowed: w => Task.FromResult(new Request($"/v1/recall-hub/eligibility/{w.EligibilityDate}", null)),
            Page: "text/csv",
            ShowsText: (_, csv) => Assert.Equal(
                "participant,name,address,vendor\r\n0001,Firm 0001,LENDUS33XXX,\r\n0002,Firm 0002,BORRUS33XXX,\r\n0003,Firm 0003,OTHRUS33XXX,\r\n", csv)),

        // The lending context (lending.md section 7). A participant sees its own loans and marks; a
        // loan is seen by its two parties, risk and operators; another firm's reads as no loan.
        new("GET /v1/participants/{id}/loans", "GET", () => new("/v1/participants/0001/loans", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w =>
            {
                await LendingMatrix.LoanAsync(w);
                return new("/v1/participants/0001/loans", null);
            },
            Shows: (_, answer) =>
            {
                var loans = answer.GetProperty("loans").EnumerateArray().ToList();
                Assert.Contains(loans, l => l.GetProperty("id").GetString() == LendingMatrix.Loan && l.GetProperty("counterparty").GetString() == "0002");
                Assert.All(loans, l => Assert.Contains("0001", new[] { l.GetProperty("lender").GetString(), l.GetProperty("borrower").GetString() }));
            }),
        new("GET /v1/loans/{id}", "GET", () => new($"/v1/loans/{LendingMatrix.Loan}", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Receiver, Ok), (Who.Other, new(404, "loan-known"))),
            Receiver: "0002",
            Allowed: async w => new($"/v1/loans/{await LendingMatrix.LoanAsync(w)}", null),
            Shows: (who, answer) =>
            {
                // Another firm learns neither the parties nor the terms: the answer is that of no loan.
                if (who == Who.Other)
                {
                    Assert.DoesNotContain("0001", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
                    Assert.False(answer.TryGetProperty("lender", out _));
                    return;
                }
                Assert.Equal((LendingMatrix.Loan, "0001", "0002", 100L, 10_200.00m),
                    (answer.GetProperty("id").GetString(), answer.GetProperty("lender").GetString(), answer.GetProperty("borrower").GetString(),
                        answer.GetProperty("shares").GetInt64(), answer.GetProperty("openingCollateral").GetDecimal()));
                // Each party sees its own side; staff see none.
                Assert.Equal(who switch { Who.Party => "lender", Who.Receiver => "borrower", _ => null }, answer.GetProperty("side").GetString());
            }),
        new("GET /v1/participants/{id}/marks", "GET", () => new($"/v1/participants/0001/marks?date={OpenDate}", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w => new($"/v1/participants/0001/marks?date={IncomeMatrix.Text(await IncomeMatrix.BusinessDateAsync(w))}", null),
            // No close has happened on this node: the open day has no marks, and the answer names the day asked.
            Shows: (_, answer) =>
            {
                Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", answer.GetProperty("date").GetString());
                Assert.Empty(answer.GetProperty("marks").EnumerateArray());
            }),
        // Recalls and exception records (lending.md section 4; loan-exceptions is an extension): a
        // participant sees those of its own pairs only, naming no other firm.
        new("GET /v1/participants/{id}/recalls", "GET", () => new("/v1/participants/0001/recalls", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w =>
            {
                await LendingMatrix.RecallAsync(w);
                return new("/v1/participants/0001/recalls", null);
            },
            Shows: (_, answer) =>
            {
                // The hub rows' MT 526s (0001 to 0002, AAPL) recall the same loan too, in whatever order the
                // rows run: every recall is on the matrix loan, and together they never ask more than its 100 shares.
                var recalls = answer.GetProperty("recalls").EnumerateArray().ToList();
                Assert.NotEmpty(recalls);
                Assert.All(recalls, r => Assert.Equal([LendingMatrix.Loan], r.GetProperty("loanIds").EnumerateArray().Select(l => l.GetString())));
                Assert.All(recalls, r => Assert.InRange(r.GetProperty("openShares").GetInt64(), 0, r.GetProperty("shares").GetInt64()));
                Assert.InRange(recalls.Where(r => r.GetProperty("state").GetString() is "open" or "overdue").Sum(r => r.GetProperty("openShares").GetInt64()), 1, 100);
                Assert.All(recalls, r => Assert.Contains("0001", new[] { r.GetProperty("lender").GetString(), r.GetProperty("borrower").GetString() }));
                // As the participant asked about sees them, whoever asks.
                Assert.All(recalls, r => Assert.Equal(("0002", "lender"), (r.GetProperty("counterparty").GetString(), r.GetProperty("side").GetString())));
            }),
        new("GET /v1/participants/{id}/loan-exceptions", "GET", () => new("/v1/participants/0001/loan-exceptions", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w =>
            {
                await LendingMatrix.RecallAsync(w);
                return new("/v1/participants/0001/loan-exceptions", null);
            },
            Shows: (_, answer) =>
            {
                // The world's recall 0001 sent 0002 before any loan: nothing was owed, so it is an exception record.
                var exceptions = answer.GetProperty("exceptions").EnumerateArray().ToList();
                Assert.Contains(exceptions, e => e.GetProperty("rule").GetString() == "recall-without-open-loan" && e.GetProperty("from").GetString() == "0001");
                Assert.All(exceptions, e => Assert.Contains("0001", new[] { e.GetProperty("from").GetString(), e.GetProperty("to").GetString() }));
                Assert.DoesNotContain(exceptions, e => e.GetProperty("from").GetString() is "0003" or "0004" || e.GetProperty("to").GetString() is "0003" or "0004");
            }),
        // Rebate statements: the matrix loan has seen no close (the world closed once, before it
        // opened), so the month has no line yet; the answer is 0001's, about 0002 only.
        new("GET /v1/participants/{id}/rebate-statements/{month}", "GET", () => new("/v1/participants/0001/rebate-statements/2026-01?counterparty=0002", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w =>
            {
                await LendingMatrix.LoanAsync(w);
                return new($"/v1/participants/0001/rebate-statements/{IncomeMatrix.Text(await IncomeMatrix.BusinessDateAsync(w))[..7]}?counterparty=0002", null);
            },
            Shows: (_, answer) =>
            {
                Assert.Equal("0001", answer.GetProperty("participant").GetString());
                Assert.Matches(@"^\d{4}-\d{2}$", answer.GetProperty("month").GetString());
                Assert.Empty(answer.GetProperty("statements").EnumerateArray());
            }),
        // A reconciliation by the participant itself: the matrix loan has no statement line yet, so
        // the counterparty's line for it is "theirs only"; nothing else of the pair is shown.
        new("POST /v1/participants/{id}/rebate-statements/{month}/reconcile", "POST",
            () => new("/v1/participants/0001/rebate-statements/2026-01/reconcile", """{"counterparty":"0002","loans":[]}"""),
            Answers((Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: async w => new($"/v1/participants/0001/rebate-statements/{IncomeMatrix.Text(await IncomeMatrix.BusinessDateAsync(w))[..7]}/reconcile",
                $$"""{"counterparty":"0002","loans":[{"loanId":"{{await LendingMatrix.LoanAsync(w)}}","amount":1.25}]}"""),
            Shows: (_, answer) =>
            {
                Assert.Equal(("0001", "0002"), (answer.GetProperty("participant").GetString(), answer.GetProperty("counterparty").GetString()));
                var difference = Assert.Single(answer.GetProperty("differences").EnumerateArray().ToList());
                Assert.Equal((LendingMatrix.Loan, JsonValueKind.Null, 1.25m, 1.25m),
                    (difference.GetProperty("loanId").GetString(), difference.GetProperty("ours").ValueKind, difference.GetProperty("theirs").GetDecimal(),
                        difference.GetProperty("difference").GetDecimal()));
                Assert.Equal((0m, 1.25m), (answer.GetProperty("ourTotal").GetDecimal(), answer.GetProperty("theirTotal").GetDecimal()));
            }),
        // The 10c-1a report of the date the world closed (before any loan): 0001 is the reporting
        // party, no line, and no other firm's number appears in the file.
        new("GET /v1/participants/{id}/reports/10c-1a/{date}", "GET", () => new("/v1/participants/0001/reports/10c-1a/2026-01-05", null),
            Answers((Who.Operator, Ok), (Who.Risk, Ok), (Who.Party, Ok), (Who.Other, new(403, "own-participant"))),
            Allowed: w => Task.FromResult(new Request($"/v1/participants/0001/reports/10c-1a/{ClosedDate(w)}", null)),
            Page: "text/csv",
            ShowsText: (_, csv) =>
            {
                var lines = csv.Split('\n');
                Assert.StartsWith("# report=10c-1a,reportingParty=0001,businessDate=", lines[0], StringComparison.Ordinal);
                Assert.EndsWith(",lines=0", lines[0], StringComparison.Ordinal);
                Assert.Equal(string.Join(',', Ledger.Lending.TenC1aReportFile.Columns), lines[1]);
                Assert.Equal([""], lines[2..]);
                foreach (var other in new[] { "0002", "0003", "0004" }) Assert.DoesNotContain(other, csv, StringComparison.Ordinal);
            }),
    ];

    // Refused requests are built before the world is known; their paths need no real number or date (a
    // refusal by token or role comes first), so these stand in for the world's own.
    private const string Inbound = "0001000000000001";
    private const string Outbound = "0002000000000001";
    private const string Eligibility = "2026-01-05";

    public static TheoryData<string, Who> Matrix()
    {
        var data = new TheoryData<string, Who>();
        foreach (var row in Rows)
        {
            foreach (var who in row.Callers()) data.Add(row.Key, who);
        }
        return data;
    }

    [Fact]
    public void Every_mapped_endpoint_has_a_row_and_every_row_a_mapped_endpoint()
    {
        var mapped = world.Api.Routes();
        var rows = Rows.Where(r => !r.Branch).Select(r => r.Route).Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(mapped, rows);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_caller_gets_what_the_endpoint_allows_and_a_refusal_changes_nothing(string key, Who who)
    {
        var row = Rows.Single(r => r.Key == key);
        var expected = row.Expect(who);
        var method = new HttpMethod(row.Method);

        if (expected.Refused)
        {
            var before = await world.SnapshotAsync();
            var request = row.Refused();

            var response = await world.Api.SendAsync(method, request.Path, row.Token(who), request.Body);

            await response.AssertProblem(expected.Status, expected.Rule!);
            response.AssertAnswerHeaders();
            if (expected.Status == 401) Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal(before, await world.SnapshotAsync());
            return;
        }

        if (row.Public)
        {
            // No token needed; readiness itself may take a while on a loaded machine (503 until the
            // node's checks answer), but it is never refused for want of a token.
            for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(200))
            {
                var probe = row.Refused();
                var health = await world.Api.SendAsync(method, probe.Path, row.Token(who));
                health.AssertAnswerHeaders();
                Assert.False((int)health.StatusCode is 401 or 403, $"{key} refused {who}: {(int)health.StatusCode}");
                if (row.Key == "GET /")
                {
                    Assert.Equal(expected.Status, (int)health.StatusCode);
                    Assert.Equal("text/html", health.Content.Headers.ContentType?.MediaType);
                    Assert.Contains("<title>Ledger</title>", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                    Assert.Equal(Ledger.Host.Http.Dashboard.ContentSecurityPolicy, health.Headers.GetValues("Content-Security-Policy").Single());
                    return;
                }
                if ((int)health.StatusCode == expected.Status || DateTime.UtcNow > deadline)
                {
                    if (row.Page is { } mediaType)
                    {
                        Assert.Equal(expected.Status, (int)health.StatusCode);
                        Assert.Equal(mediaType, health.Content.Headers.ContentType?.MediaType);
                        Assert.NotEmpty(await health.Content.ReadAsByteArrayAsync());
                        return;
                    }
                    row.Shows?.Invoke(who, await health.AssertOk(expected.Status));
                    return;
                }
            }
        }

        if (row.OwnNode)
        {
            // Cutoff and close drop what is pending and open another day: they run on a node of their own.
            using var folder = new TempFolder();
            await using var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null });
            var own = row.Refused();
            var open = (await (await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk()).GetProperty("businessDate").GetString()!;
            var ownResponse = await node.Api.SendAsync(method, own.Path, row.Token(who), own.Body?.Replace(OpenDate, open, StringComparison.Ordinal));
            ownResponse.AssertAnswerHeaders();
            var result = await ownResponse.AssertOk(expected.Status);
            Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
            Assert.Equal(open, result.GetProperty("businessDate").GetString());
            row.Shows?.Invoke(who, result);
            return;
        }

        if (row.Branch)
        {
            var scrape = await world.Api.SendAsync(method, row.Refused().Path, row.Token(who));
            scrape.AssertAnswerHeaders();
            Assert.Equal(expected.Status, (int)scrape.StatusCode);
            Assert.Contains("# TYPE", await scrape.Content.ReadAsStringAsync());
            return;
        }

        var allowed = row.Allowed is null ? row.Refused() : await row.Allowed(world);
        var allowedResponse = await world.Api.SendAsync(method, allowed.Path, row.Token(who), allowed.Body);
        // Every answer, account data or not: not to be cached, not to be sniffed.
        allowedResponse.AssertAnswerHeaders();
        if (row.Page is { } type)
        {
            // An answer that is not JSON (the eligibility file): its type, and what it shows.
            Assert.Equal(expected.Status, (int)allowedResponse.StatusCode);
            Assert.Equal(type, allowedResponse.Content.Headers.ContentType?.MediaType);
            row.ShowsText?.Invoke(who, await allowedResponse.Content.ReadAsStringAsync());
            return;
        }
        // A caller the endpoint serves gets its answer: a success, or the endpoint's own refusal (a rule of its own, not a role's).
        var answer = expected.Rule is null ? await allowedResponse.AssertOk(expected.Status) : await allowedResponse.AssertProblem(expected.Status, expected.Rule);
        row.Shows?.Invoke(who, answer);
        // What the request set going settles before the next case takes its snapshot.
        if (row.Settle is not null) await row.Settle(world, answer);
        await world.QuiesceAsync();
    }
}
