using CsCheck;
using static Ledger.Host.Tests.HostileRequests;

namespace Ledger.Host.Tests;

/// <summary>
/// The lending context's share of <see cref="HostileInputTests"/>: requests every one of which the
/// node must refuse with problem+json (bad dates, states, participant paths and loan ids; another
/// firm's loans and marks; unknown loans and participants; dates in the future), and of rebate
/// statements, reconciliations and the 10c-1a report (bad and future months, unknown and self
/// counterparties, malformed statement lines, report dates not closed, unknown formats). A
/// reconciliation writes nothing even when it is taken: a refusal changes nothing the snapshot holds.
/// </summary>
internal static class LendingHostile
{
    private static readonly Gen<string> BadDate = Pick(
        "2026-13-01", "2026-02-30", "26-01-05", "2026-1-5", "2026/01/05", "20260105", "2026-01-05T00:00:00Z", "", " 2026-01-05", "2026-01-05 ",
        "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0665", "+2026-01-05", "tomorrow", "2099-01-02", "2026-01-05\u202E");

    private static readonly Gen<string> BadState = Pick("", "OPEN", "lent", "open ", "overdue", "all", "\u202Eopen", "open,closed");

    private static readonly Gen<string> BadRecallState = Pick("", "OPEN", "late", "open ", "due", "all", "\u202Eoverdue", "open,overdue", "Cancelled");

    private static Hostile Get(string kind, string path, string token) => new($"lending: {kind}", "GET", path, "Bearer " + token, null, null);

    private static readonly Gen<string> BadMonth = Pick(
        "2026-13", "2026-00", "26-01", "2026-1", "2026/01", "202601", "2026-01-05", " 2026-01", "2026-01 ", "\u0662\u0660\u0662\u0666-\u0660\u0661",
        "+2026-01", "this-month", "2099-01", "0000-01", "2026-01\u202E");

    private static Hostile Reconcile(string kind, string body, string participant = "0001", string month = "2026-01") =>
        new($"lending: {kind}", "POST", $"/v1/participants/{participant}/rebate-statements/{month}/reconcile", "Bearer participant-" + participant, "application/json",
            System.Text.Encoding.UTF8.GetBytes(body));

    // Every body here is refused by a field rule before anything is compared (nothing is written either way).
    private static readonly Gen<string> BadReconcileBody = Pick(
        "{}", """{"loans":[]}""", """{"counterparty":"0001","loans":[]}""", """{"counterparty":"0777","loans":[]}""", """{"counterparty":"1","loans":[]}""",
        """{"counterparty":"0002"}""", """{"counterparty":"0002","loans":{}}""", """{"counterparty":"0002","loans":"H-DONE"}""",
        """{"counterparty":"0002","loans":[{"loanId":"H-DONE","amount":1.001}]}""", """{"counterparty":"0002","loans":[{"loanId":"H-DONE"}]}""",
        """{"counterparty":"0002","loans":[{"amount":1}]}""", """{"counterparty":"0002","loans":[{"loanId":"","amount":1}]}""",
        """{"counterparty":"0002","loans":[{"loanId":"A","amount":1},{"loanId":"A","amount":2}]}""", """{"counterparty":"0002","loans":[{"loanId":"A","amount":"1"}]}""",
        """{"counterparty":"0002","loans":[{"loanId":"A","amount":1e30}]}""", """{"counterparty":"0002","loans":[{"loanId":"A","amount":1,"x":1}]}""",
        """{"counterparty":"0002","loans":[null]}""", """{"counterparty":"0002","loans":[7]}""", """{"counterparty":0002,"loans":[]}""",
        """{"counterparty":"0002","loans":[],"counterparty":"0003"}""", """{"counterparty":"\u202E0002","loans":[]}""", "[]", "null");

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
        BadMonth.Select(m => Get("statement month", $"/v1/participants/0001/rebate-statements/{Escape(m)}", "participant-0001")),
        BadMonth.Select(m => Reconcile("reconcile month", """{"counterparty":"0002","loans":[]}""", month: Escape(m))),
        BadReconcileBody.Select(b => Reconcile("reconcile body", b)),
        BadDate.Select(d => Get("10c-1a date", $"/v1/participants/0001/reports/10c-1a/{Escape(d)}", "risk-demo")),
        Pick(
            Get("statement of an unknown counterparty", "/v1/participants/0001/rebate-statements/2026-01?counterparty=0777", "participant-0001"),
            Get("statement with itself", "/v1/participants/0001/rebate-statements/2026-01?counterparty=0001", "participant-0001"),
            Get("statement counterparty format", "/v1/participants/0001/rebate-statements/2026-01?counterparty=1", "risk-demo"),
            Get("another firm's statement", "/v1/participants/0002/rebate-statements/2026-01", "participant-0001"),
            Get("an unknown participant's statement", "/v1/participants/0777/rebate-statements/2026-01", "operator-demo"),
            Get("a statement by OCC", "/v1/participants/0001/rebate-statements/2026-01", "occ-demo"),
            Reconcile("another firm's reconcile", """{"counterparty":"0001","loans":[]}""", participant: "0002") with { Authorization = "Bearer participant-0003" },
            Reconcile("a reconcile by risk", """{"counterparty":"0002","loans":[]}""") with { Authorization = "Bearer risk-demo" },
            Reconcile("a reconcile as text", """{"counterparty":"0002","loans":[]}""") with { ContentType = "text/plain" },
            Get("10c-1a of a date not closed", "/v1/participants/0001/reports/10c-1a/2026-01-05", "participant-0001"),
            Get("10c-1a format", "/v1/participants/0001/reports/10c-1a/2026-01-05?format=xml", "risk-demo"),
            Get("10c-1a format case", "/v1/participants/0001/reports/10c-1a/2026-01-05?format=CSV", "operator-demo"),
            Get("another firm's 10c-1a", "/v1/participants/0002/reports/10c-1a/2026-01-05", "participant-0001"),
            Get("an unknown participant's 10c-1a", "/v1/participants/0777/reports/10c-1a/2026-01-05", "risk-demo"),
            Get("a 10c-1a by a vendor", "/v1/participants/0001/reports/10c-1a/2026-01-05", "vendor-demo")),
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
