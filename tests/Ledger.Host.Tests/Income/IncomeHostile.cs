using CsCheck;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.HostileRequests;

namespace Ledger.Host.Tests;

/// <summary>
/// Income tracking's share of <see cref="HostileInputTests"/>: its request bodies with faults, and
/// requests every one of which the node must refuse (bad dates, ids and paths, another firm's
/// data, the list of bad input), and what a refusal must leave as it was.
/// </summary>
internal static class IncomeHostile
{
    private const string Apple = HostileWorld.Apple;

    private static readonly Gen<string> BadDate = Pick(
        "2026-13-01", "2026-02-30", "26-01-05", "2026-1-5", "2026/01/05", "20260105", "2026-01-05T00:00:00Z", "", " 2026-01-05", "2026-01-05 ",
        "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665", "+2026-01-05", "tomorrow", "2026-01-05\u202E");

    public static Field[] DistributionFields() =>
    [
        new("type", Str("cash-dividend"), Any(Pick("dividend", "", "Cash-Dividend", "cash-dividend ", "stock-dividend", "\u202Einterest").Select(Str), NotAString)),
        new("ratePerShare", "0.5", Any(Pick("0", "-0.25", "0.0000001", "1.1234567", "10000.000001", "1e5", "-0", "0.0e-5", "1e400"), LongLiteral, NotANumber)),
        new("recordDate", Str("2030-01-02"), Any(BadDate.Select(Str), NotAString)),
        new("payableDate", Str("2030-01-03"), Any(BadDate.Select(Str), NotAString)),
    ];

    public static Field[] AdjustmentFields() =>
    [
        new("id", Str("HX-ADJ"), Any(BadDeliverOrderId.Select(Str), NotAString)),
        new("counterparty", Str("0002"), Any(BadParticipant.Select(Str), Pick(Str("0001")), NotAString)),
        // An unlisted security is still a CUSIP an adjustment may name: only malformed ones here.
        new("cusip", Str(Apple), Any(BadCusip.Where(c => c != HostileWorld.Unlisted).Select(Str), NotAString)),
        new("shares", "10", Any(Pick("0", "1.5", "100000000001", "-100000000001", "1e30", "-0.5", "-0"), LongLiteral, NotANumber)),
    ];

    public static Field[] HaltFields() =>
    [
        new("counterparty", Str("0002"), Any(BadParticipant.Select(Str), Pick(Str("0001"), Str("0900")), NotAString)),
        new("effectiveDate", Str("2030-01-02"), Any(BadDate.Select(Str), Pick(Str("2020-01-02")), NotAString)),
    ];

    private static Hostile Get(string kind, string path, string token) => new($"income: {kind}", "GET", path, "Bearer " + token, null, null);

    private static Hostile Post(string kind, string path, string token, string? body = null) => body is null
        ? new($"income: {kind}", "POST", path, "Bearer " + token, null, null)
        : Json($"income: {kind}", "POST", path, token, body);

    public static readonly Gen<Hostile> Requests = Any(
        BadDate.Select(d => Get("asOf", $"/v1/participants/0001/stock-loans?asOf={Escape(d)}", "risk-demo")),
        BadDate.Select(d => Get("payableDate", $"/v1/participants/0001/income?payableDate={Escape(d)}", "participant-0001")),
        BadDeliverOrderId.Where(id => id.Length > 0 && !id.Contains('\0')).Select(id => Escape(id)).SelectMany(id => Pick(
            Get("adjustment id", $"/v1/stock-loan-adjustments/{id}", "risk-demo"),
            Post("affirm id", $"/v1/stock-loan-adjustments/{id}/affirm", "participant-0002"),
            Post("cancel id", $"/v1/stock-loan-adjustments/{id}/cancel", "participant-0001"))),
        BadParticipant.Where(p => p.Length > 0 && !p.Contains('\0') && p != "0777" && p != "9999").Select(p => Escape(p)).SelectMany(p => Pick(
            Get("memo path", $"/v1/participants/{p}/stock-loans", "risk-demo"),
            Post("retire path", $"/v1/participants/{p}/retire", "operator-demo"),
            Post("merge path", $"/v1/participants/{p}/merge-into/0002", "operator-demo"),
            Post("merge path", $"/v1/participants/0002/merge-into/{p}", "operator-demo"))),
        Pick(
            Get("no payable date", "/v1/participants/0001/income", "participant-0001"),
            Get("as of a day not closed", "/v1/participants/0001/stock-loans?asOf=2099-01-02", "participant-0001"),
            Get("another firm's memo lines", "/v1/participants/0001/stock-loans", "participant-0002"),
            Get("another firm's income", "/v1/participants/0001/income?payableDate=2026-01-05", "participant-0003"),
            Get("another firm's notifications", "/v1/participants/0001/notifications", "participant-0002"),
            Get("another firm's explanation", "/v1/participants/0001/income-entries/sli:x/explanation", "participant-0002"),
            Get("an unknown participant's memo lines", "/v1/participants/0777/stock-loans", "risk-demo"),
            Get("an unknown adjustment", "/v1/stock-loan-adjustments/HX-NO-SUCH", "risk-demo"),
            Post("affirm of an unknown adjustment", "/v1/stock-loan-adjustments/HX-NO-SUCH/affirm", "participant-0002"),
            Post("adjustment against itself", "/v1/participants/0001/stock-loan-adjustments", "participant-0001",
                $$"""{"id":"HX-SELF","counterparty":"0001","cusip":"{{Apple}}","shares":10}"""),
            Post("adjustment against a non-participant", "/v1/participants/0001/stock-loan-adjustments", "participant-0001",
                $$"""{"id":"HX-NOBODY","counterparty":"0777","cusip":"{{Apple}}","shares":10}"""),
            Post("adjustment for another firm", "/v1/participants/0002/stock-loan-adjustments", "participant-0001",
                $$"""{"id":"HX-OTHER","counterparty":"0003","cusip":"{{Apple}}","shares":10}"""),
            Post("adjustment of no shares", "/v1/participants/0001/stock-loan-adjustments", "participant-0001",
                $$"""{"id":"HX-ZERO","counterparty":"0002","cusip":"{{Apple}}","shares":0}"""),
            Post("halt with too little notice", "/v1/participants/0001/income-halts", "participant-0001", """{"counterparty":"0002","effectiveDate":"2020-01-02"}"""),
            Post("halt against itself", "/v1/participants/0001/income-halts", "participant-0001", """{"counterparty":"0001","effectiveDate":"2030-01-02"}"""),
            Json("income: record date in the past", "PUT", $"/v1/securities/{Apple}/distributions/HX-PAST", "operator-demo",
                """{"type":"cash-dividend","ratePerShare":0.25,"recordDate":"2020-01-02","payableDate":"2020-01-03"}"""),
            Json("income: distribution of a bad CUSIP", "PUT", "/v1/securities/037833101/distributions/HX-CUSIP", "operator-demo",
                """{"type":"cash-dividend","ratePerShare":0.25,"recordDate":"2030-01-02","payableDate":"2030-01-03"}"""),
            Json("income: distribution by a participant", "PUT", $"/v1/securities/{Apple}/distributions/HX-ROLE", "participant-0001",
                """{"type":"cash-dividend","ratePerShare":0.25,"recordDate":"2030-01-02","payableDate":"2030-01-03"}"""),
            Post("merger into itself", "/v1/participants/0002/merge-into/0002", "operator-demo"),
            // 0003 has H-PEND pending; 0001 a nonzero settlement balance: both refused by what settlement reports.
            Post("merger with deliver orders in flight", "/v1/participants/0003/merge-into/0004", "operator-demo"),
            Post("merger with a settlement balance", "/v1/participants/0001/merge-into/0004", "operator-demo"),
            Post("merger into an unknown participant", "/v1/participants/0002/merge-into/0777", "operator-demo"),
            Post("retirement by a participant", "/v1/participants/0001/retire", "participant-0001"),
            Post("termination by risk", "/v1/participants/0001/terminate", "risk-demo")));

    /// <summary>Income's part of the hostile world's snapshot: every participant's memo lines and notifications, Apple's distributions.</summary>
    public static async Task<string> SnapshotAsync(ApiHost api, IEnumerable<string> participants)
    {
        var parts = new List<string>();
        foreach (var id in participants)
        {
            parts.Add((await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/{id}/stock-loans", "risk-demo")).AssertOk()).ToString());
            parts.Add((await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/{id}/notifications", $"participant-{id}")).AssertOk()).ToString());
        }
        parts.Add((await (await api.SendAsync(HttpMethod.Get, $"/v1/securities/{Apple}/distributions", "risk-demo")).AssertOk()).ToString());
        return string.Join("\n", parts);
    }
}
