using CsCheck;
using static Ledger.Host.Tests.HostileRequests;

namespace Ledger.Host.Tests;

/// <summary>
/// The lending context's share of <see cref="HostileInputTests"/>: requests every one of which the
/// node must refuse with problem+json (bad dates, states, participant paths and loan ids; another
/// firm's loans and marks; unknown loans and participants; dates in the future). Its routes are
/// reads: a refusal changes nothing the snapshot holds.
/// </summary>
internal static class LendingHostile
{
    private static readonly Gen<string> BadDate = Pick(
        "2026-13-01", "2026-02-30", "26-01-05", "2026-1-5", "2026/01/05", "20260105", "2026-01-05T00:00:00Z", "", " 2026-01-05", "2026-01-05 ",
        "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665", "+2026-01-05", "tomorrow", "2099-01-02", "2026-01-05\u202E");

    private static readonly Gen<string> BadState = Pick("", "OPEN", "lent", "open ", "overdue", "all", "\u202Eopen", "open,closed");

    private static readonly Gen<string> BadRecallState = Pick("", "OPEN", "late", "open ", "due", "all", "\u202Eoverdue", "open,overdue", "Cancelled");

    private static Hostile Get(string kind, string path, string token) => new($"lending: {kind}", "GET", path, "Bearer " + token, null, null);

    public static readonly Gen<Hostile> Requests = Any(
        BadDate.Select(d => Get("marks date", $"/v1/participants/0001/marks?date={Escape(d)}", "participant-0001")),
        BadState.Select(s => Get("loan state", $"/v1/participants/0001/loans?state={Escape(s)}", "risk-demo")),
        BadRecallState.Select(s => Get("recall state", $"/v1/participants/0001/recalls?state={Escape(s)}", "participant-0001")),
        BadDeliverOrderId.Where(id => id.Length > 0 && !id.Contains('\0')).Select(id => Get("loan id", $"/v1/loans/{Escape(id)}", "risk-demo")),
        BadParticipant.Where(p => p.Length > 0 && !p.Contains('\0') && p != "0777" && p != "9999").Select(p => Escape(p)).SelectMany(p => Pick(
            Get("loans path", $"/v1/participants/{p}/loans", "risk-demo"),
            Get("marks path", $"/v1/participants/{p}/marks?date=2026-01-05", "operator-demo"),
            Get("recalls path", $"/v1/participants/{p}/recalls", "risk-demo"),
            Get("loan exceptions path", $"/v1/participants/{p}/loan-exceptions", "operator-demo"))),
        Pick(
            Get("no marks date", "/v1/participants/0001/marks", "participant-0001"),
            Get("another firm's loans", "/v1/participants/0001/loans", "participant-0002"),
            Get("another firm's marks", "/v1/participants/0002/marks?date=2026-01-05", "participant-0003"),
            Get("an unknown participant's loans", "/v1/participants/0777/loans", "risk-demo"),
            Get("an unknown loan", "/v1/loans/HX-NO-SUCH-LOAN", "risk-demo"),
            Get("a deliver order that opened no loan", "/v1/loans/H-DONE", "participant-0001"),
            Get("loans by OCC", "/v1/participants/0001/loans", "occ-demo"),
            Get("another firm's recalls", "/v1/participants/0001/recalls", "participant-0002"),
            Get("another firm's loan exceptions", "/v1/participants/0002/loan-exceptions", "participant-0003"),
            Get("an unknown participant's recalls", "/v1/participants/0777/recalls?state=open", "risk-demo"),
            Get("recalls by OCC", "/v1/participants/0001/recalls", "occ-demo"),
            Get("loan exceptions by a vendor", "/v1/participants/0001/loan-exceptions", "vendor-demo"),
            Get("a loan by a vendor", "/v1/loans/H-DONE", "vendor-demo")));
}
