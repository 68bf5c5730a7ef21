using System.Text.Json;
using Ledger.Cluster.Lending;
using Ledger.Host.Auth;
using Ledger.Lending;

namespace Ledger.Host.Http;

/// <summary>
/// One loan's line of a rebate statement: <c>accrual</c> in dollars to the hundredth of a cent
/// (13.3875), <c>amount</c> that accrual billed (rounded half away from zero to the cent), both
/// signed as lending.md section 3: positive is owed by the lender to the borrower (a rebate),
/// negative by the borrower to the lender (a fee); <c>payer</c> and <c>payee</c> say the same in words.
/// </summary>
public sealed record StatementLineAnswer(string LoanId, string Lender, string Borrower, string Cusip, int Days, decimal Accrual, decimal Amount, string Payer, string Payee)
{
    public static StatementLineAnswer Of(RebateStatementLine l) =>
        new(l.LoanId, l.Lender.Value, l.Borrower.Value, l.Cusip.Value, l.Days, l.Accrual, l.Amount.Dollars, l.Payer.Value, l.Payee.Value);
}

/// <summary>
/// The statement of one counterparty pair for the month: each loan with accruals in it, and the
/// total billed: <c>payer</c> pays <c>total</c> (the lines' billed amounts netted, never negative) to <c>payee</c>.
/// </summary>
public sealed record StatementAnswer(string Counterparty, IReadOnlyList<StatementLineAnswer> Loans, decimal Total, string Payer, string Payee)
{
    public static StatementAnswer Of(RebateStatement s, ParticipantId participant) =>
        new(LoanBookId.Of(s.First, s.Second).Other(participant).Value, s.Loans.Select(StatementLineAnswer.Of).ToList(), s.NetAmount.Dollars, s.NetPayer.Value, s.NetPayee.Value);
}

/// <summary><c>GET /v1/participants/{id}/rebate-statements/{month}</c>: one statement per counterparty with accruals in the month (only the one asked for with <c>?counterparty=</c>).</summary>
public sealed record StatementsAnswer(string Participant, string Month, IReadOnlyList<StatementAnswer> Statements);

/// <summary>The body of a reconciliation: the counterparty's statement lines, amounts in dollars signed as the statement's.</summary>
public sealed record ReconcileBody(string Counterparty, IReadOnlyList<ReconcileLineBody> Loans);

public sealed record ReconcileLineBody(string LoanId, decimal Amount);

/// <summary>A loan on which the statements differ: <c>ours</c> or <c>theirs</c> is null when the loan is on one side only; <c>difference</c> is theirs - ours.</summary>
public sealed record DifferenceAnswer(string LoanId, decimal? Ours, decimal? Theirs, decimal Difference);

/// <summary><c>POST .../reconcile</c>: every loan where the two statements differ, by loan id; nothing is written or paid.</summary>
public sealed record ReconcileAnswer(string Participant, string Counterparty, string Month, IReadOnlyList<DifferenceAnswer> Differences, decimal OurTotal, decimal TheirTotal);

/// <summary>
/// Rebate statements, their reconciliation and the 10c-1a report (lending.md sections 3 and 5),
/// mapped by <see cref="LendingEndpoints"/> under the lending tag. Statements and reconciliations
/// read the loan books' states; the report is read from the journal (<see cref="LendingReports"/>),
/// which is what makes it the same bytes on every call, after a restart and from the CLI.
/// </summary>
internal static class LendingReportEndpoints
{
    private static readonly string[] ReconcileFields = ApiContract.FieldsOf<ReconcileBody>();
    private static readonly string[] ReconcileLineFields = ApiContract.FieldsOf<ReconcileLineBody>();

    public static void Map(RouteGroupBuilder v1)
    {
        LendingEndpoints.MapParticipantGet<StatementsAnswer>(v1, "/participants/{id}/rebate-statements/{month}", Statements,
                "A participant's rebate statements of a month (YYYY-MM), one per counterparty: each loan, its days, its accrual, the total billed; ?counterparty= for one",
                "month-format", "month-not-future", "counterparty-not-self", "counterparty-known")
            .AllowQuery("counterparty");
        v1.MapPost("/participants/{id}/rebate-statements/{month}/reconcile", Reconcile).RequireRole(Role.Participant)
            .WithSummary("Compares the counterparty's statement of the month with the ledger's: every loan where the two differ, before anything is paid; writes nothing")
            .Takes<ReconcileBody>().Answers<ReconcileAnswer>()
            .Refuses(400, "participant-id-format", "month-format", "month-not-future", "counterparty-not-self", "counterparty-known",
                "statement-lines-maximum", "loan-id-format", "loan-id-unique", "amount-two-decimals", "amount-maximum", "json-type")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known")
            .Refuses(501, "lending-supported");
        v1.MapGet("/participants/{id}/reports/10c-1a/{date}", TenC1a).RequireRole(LendingEndpoints.SelfRiskOperator).AllowQuery("format")
            .WithSummary("The Rule 10c-1a report of a closed business date with the participant as reporting party: text/csv or, with ?format=jsonl, JSON lines; the same bytes on every call")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .Produces<string>(StatusCodes.Status200OK, TenC1aJsonLinesType)
            .Refuses(400, "participant-id-format", "date-format", "date-not-future", "report-format")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known")
            .Refuses(409, "report-date-closed")
            .Refuses(501, "lending-supported");
    }

    /// <summary>JSON lines: one JSON object per line.</summary>
    public const string TenC1aJsonLinesType = "application/jsonl";

    private static IResult Problem(LendingError error, int status = StatusCodes.Status400BadRequest) =>
        Problems.Of(status, error.RuleName, error.Field, error.Message);

    /// <summary>A counterparty (query or body) the reference data does not know is refused: a statement with a stranger is no statement.</summary>
    private static LendingError? Known(ParticipantId counterparty, Ledger.Settlement.ReferenceSnapshot reference, string field) =>
        reference.Participants.ContainsKey(counterparty)
            ? null
            : new LendingError(LendingRejection.CounterpartyKnown, field, $"{field} {counterparty} is not a known participant");

    // ------------------------------------------------------------------ routes

    private static async Task<IResult> Statements(HttpContext http, string id, string month)
    {
        var (lending, reference, refusal) = await LendingEndpoints.ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        var participant = new ParticipantId(id);
        var (statementMonth, badMonth) = LendingRequests.Month(month, reference!.BusinessDate);
        if (badMonth is not null) return Problem(badMonth);
        ParticipantId? counterparty = null;
        if (LendingEndpoints.Query(http, "counterparty") is { } asked)
        {
            var (c, badCounterparty) = LendingRequests.Counterparty(asked, "counterparty", participant);
            if ((badCounterparty ?? Known(c, reference, "counterparty")) is { } bad) return Problem(bad);
            counterparty = c;
        }
        var statements = await lending!.StatementsAsync(participant, statementMonth, counterparty, http.RequestAborted);
        return Results.Ok(new StatementsAnswer(id, statementMonth.ToString(), statements.Select(s => StatementAnswer.Of(s, participant)).ToList()));
    }

    private static async Task<IResult> Reconcile(HttpContext http, string id, string month)
    {
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, ReconcileFields, problems);
        var counterparty = body.String("counterparty");
        if (problems.Count > 0) return Problems.Field(problems[0]);
        List<ReconcileLineRequest?>? lines = null;
        if (document.RootElement.TryGetProperty("loans", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
                return Problems.Of(StatusCodes.Status400BadRequest, "json-type", "loans", "loans must be a JSON array of {loanId, amount}");
            if (list.GetArrayLength() > LendingLimits.StatementLinesMax)
                return Problem(new LendingError(LendingRejection.StatementLinesMaximum, "loans", $"at most {LendingLimits.StatementLinesMax} lines"));
            lines = [];
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Null)
                {
                    lines.Add(null);
                }
                else
                {
                    var line = JsonFields.Of(item, ReconcileLineFields, problems, $"loans[{i}].");
                    var loanId = line.String("loanId");
                    var amount = line.Decimal("amount");
                    if (problems.Count > 0) return Problems.Field(problems[0]);
                    lines.Add(new ReconcileLineRequest(loanId, amount));
                }
                i++;
            }
        }
        var (lending, reference, refusal) = await LendingEndpoints.ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        var participant = new ParticipantId(id);
        var (statementMonth, badMonth) = LendingRequests.Month(month, reference!.BusinessDate);
        if (badMonth is not null) return Problem(badMonth);
        var (other, theirs, badBody) = LendingRequests.Reconcile(new ReconcileRequest(counterparty, lines), participant);
        if ((badBody ?? Known(other, reference, "counterparty")) is { } bad) return Problem(bad);
        var (ours, differences) = await lending!.ReconcileAsync(participant, other, statementMonth, theirs, http.RequestAborted);
        // Nothing is written: the answer is a function of the journal and the body, so it is asked again rather than kept.
        var ourTotal = ours.Loans.Aggregate(Money.Zero, (sum, l) => sum + l.Amount);
        var theirTotal = theirs.Aggregate(Money.Zero, (sum, l) => sum + l.Amount);
        return Results.Ok(new ReconcileAnswer(id, other.Value, statementMonth.ToString(),
            differences.Select(d => new DifferenceAnswer(d.LoanId, d.Ours?.Dollars, d.Theirs?.Dollars, d.Difference.Dollars)).ToList(),
            ourTotal.Dollars, theirTotal.Dollars));
    }

    private static async Task<IResult> TenC1a(HttpContext http, string id, string date)
    {
        var (_, reference, refusal) = await LendingEndpoints.ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        var (day, badDate) = LendingRequests.Date(date, "date", reference!.BusinessDate);
        if (badDate is not null) return Problem(badDate);
        var (format, badFormat) = LendingRequests.Format(LendingEndpoints.Query(http, "format"));
        if (badFormat is not null) return Problem(badFormat);
        if (http.RequestServices.GetService<LendingReports>() is not { Readable: true } reports)
            return Problems.Of(StatusCodes.Status501NotImplemented, "lending-supported", null, "this node's store keeps no journal to write the report from");
        var outcome = await reports.TenC1aAsync(new ParticipantId(id), day, http.RequestAborted);
        if (outcome.Error is { } notClosed) return Problem(notClosed, StatusCodes.Status409Conflict);
        return format == ReportFormat.JsonLines
            ? Results.Bytes(outcome.File!.ToJsonLinesBytes(), TenC1aJsonLinesType + "; charset=utf-8")
            : Results.Bytes(outcome.File!.ToCsvBytes(), "text/csv; charset=utf-8");
    }
}
