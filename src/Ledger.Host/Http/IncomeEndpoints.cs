using Ledger.Cluster.Income;
using Ledger.Host.Auth;
using Ledger.Income;

namespace Ledger.Host.Http;

// The request bodies of income tracking, as the OpenAPI document shows them; the handlers read
// exactly these fields (ApiContract.FieldsOf).

/// <summary>The body of <c>PUT /v1/securities/{cusip}/distributions/{id}</c>.</summary>
public sealed record DistributionBody(string Type, decimal RatePerShare, string RecordDate, string PayableDate);

/// <summary>The body of <c>POST /v1/participants/{id}/stock-loan-adjustments</c>: <c>shares</c> is the signed change to the entering party's own line.</summary>
public sealed record AdjustmentBody(string Id, string Counterparty, string Cusip, long Shares);

/// <summary>The body of <c>POST /v1/participants/{id}/income-halts</c>.</summary>
public sealed record HaltBody(string Counterparty, string EffectiveDate);

/// <summary>
/// Income tracking's part of the contract (income-tracking.md section 9): distributions, memo
/// lines, income entries, adjustments, halt letters, notifications, mergers, retirement and
/// termination. Handlers translate only; <see cref="IncomeRequests"/> and the entities decide, and
/// every refusal is the core's <see cref="IncomeError"/> (rule, field, status).
/// </summary>
internal sealed class IncomeEndpoints : IContextEndpoints
{
    private static readonly string[] DistributionFields = ApiContract.FieldsOf<DistributionBody>();
    private static readonly string[] AdjustmentFields = ApiContract.FieldsOf<AdjustmentBody>();
    private static readonly string[] HaltFields = ApiContract.FieldsOf<HaltBody>();

    public string Context => "income";

    public string Description => "Stock-loan income tracking: memo accounts fed by completed SL/SLR deliver orders, distributions paid to lenders on the payable date, adjustments, halts, mergers, retirement and termination.";

    public void Map(RouteGroupBuilder v1)
    {
        Role[] anyone = [Role.Operator, Role.Occ, Role.Participant, Role.Risk];
        Role[] selfRiskOperator = [Role.Participant, Role.Risk, Role.Operator];
        v1.MapPut("/securities/{cusip}/distributions/{id}", Announce).RequireRole(Role.Operator)
            .WithSummary("Announces a cash dividend or interest payment on a security")
            .Takes<DistributionBody>().Answers<DistributionView>()
            .Refuses(400, "cusip-check-digit", "distribution-id-format", "distribution-type", "rate-positive", "rate-six-decimals", "rate-maximum",
                "date-format", "record-date-not-past", "record-date-maximum", "payable-date-maximum", "payable-date-not-before-record-date", "required")
            .Refuses(409, "distribution-id-unique", "business-day-open");
        v1.MapGet("/securities/{cusip}/distributions", Distributions).RequireRole(anyone)
            .WithSummary("The distributions announced on a security")
            .Answers<IReadOnlyList<DistributionView>>()
            .Refuses(400, "cusip-check-digit");
        v1.MapGet("/participants/{id}/stock-loans", StockLoans).RequireRole(selfRiskOperator).AllowQuery("asOf")
            .WithSummary("A participant's own memo lines and exceptions; ?asOf= as at the close of a past business date")
            .Answers<MemoAccountView>()
            .Refuses(400, "participant-id-format", "date-format", "as-of-closed-date")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known")
            .Refuses(501, "income-supported");
        v1.MapGet("/participants/{id}/income", Income).RequireRole(selfRiskOperator).AllowQuery("payableDate")
            .WithSummary("A participant's income entries of a payable date: holder-of-record credits and stock-loan income")
            .Answers<IncomeView>()
            .Refuses(400, "participant-id-format", "date-format", "required")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known");
        v1.MapGet("/participants/{id}/income-entries/{entryId}/explanation", Explain).RequireRole(selfRiskOperator)
            .WithSummary("Which completed deliver orders and adjustments made an income entry's record-date line, and the arithmetic")
            .Answers<IncomeEntryExplanation>()
            .Refuses(400, "participant-id-format")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known", "income-entry-known")
            .Refuses(501, "income-supported");
        v1.MapPost("/participants/{id}/stock-loan-adjustments", EnterAdjustment).RequireRole(Role.Participant)
            .WithSummary("Enters an adjustment of one memo line, pending until the counterparty affirms it")
            .Takes<AdjustmentBody>().Answers<AdjustmentView>()
            .Refuses(400, "participant-id-format", "adjustment-id-format", "cusip-check-digit", "participant-known", "counterparty-not-self",
                "shares-not-zero", "shares-maximum", "required")
            .Refuses(403, "own-participant")
            .Refuses(409, "adjustment-id-unique", "participant-active");
        v1.MapGet("/stock-loan-adjustments/{id}", GetAdjustment).RequireRole(Role.Participant, Role.Risk, Role.Operator)
            .WithSummary("An adjustment: its terms and status; for either party, risk and operators")
            .Answers<AdjustmentView>()
            .Refuses(400, "adjustment-id-format")
            .Refuses(404, "adjustment-known");
        v1.MapPost("/stock-loan-adjustments/{id}/affirm", Affirm).RequireRole(Role.Participant)
            .WithSummary("The counterparty affirms an adjustment: both memo lines change")
            .Answers<AdjustmentView>()
            .Refuses(400, "adjustment-id-format")
            .Refuses(403, "adjustment-party", "affirm-by-counterparty")
            .Refuses(404, "adjustment-known")
            .Refuses(409, "adjustment-pending");
        v1.MapPost("/stock-loan-adjustments/{id}/cancel", Cancel).RequireRole(Role.Participant)
            .WithSummary("Either party cancels a pending adjustment")
            .Answers<AdjustmentView>()
            .Refuses(400, "adjustment-id-format")
            .Refuses(403, "adjustment-party")
            .Refuses(404, "adjustment-known")
            .Refuses(409, "adjustment-pending");
        v1.MapPost("/participants/{id}/income-halts", FileHalt).RequireRole(Role.Participant)
            .WithSummary("A halt letter: no stock-loan income transfer to the counterparty from the effective date on")
            .Takes<HaltBody>().Answers<HaltView>()
            .Refuses(400, "participant-id-format", "participant-known", "counterparty-not-self", "date-format", "halt-notice", "halt-central-counterparty",
                "halt-effective-date-maximum", "required")
            .Refuses(403, "own-participant")
            .Refuses(409, "halt-filed", "participant-active");
        v1.MapGet("/participants/{id}/notifications", Notifications).RequireRole(Role.Participant)
            .WithSummary("Halts filed against the participant, terminations of its counterparties, adjustments awaiting it")
            .Answers<NotificationsView>()
            .Refuses(400, "participant-id-format")
            .Refuses(403, "own-participant");
        v1.MapPost("/participants/{from}/merge-into/{to}", Merge).RequireRole(Role.Operator)
            .WithSummary("Transfers a participant's memo lines to its successor")
            .Answers<MemoAccountView>()
            .Refuses(400, "participant-id-format", "participant-known", "merge-into-self", "merge-central-counterparty")
            .Refuses(409, "merge-deliver-orders-in-flight", "merge-settlement-balance-zero", "entitlements-open", "participant-active");
        v1.MapPost("/participants/{id}/retire", Retire).RequireRole(Role.Operator)
            .WithSummary("Retires a participant whose memo lines and entitlements are all closed")
            .Answers<MemoAccountView>()
            .Refuses(400, "participant-id-format")
            .Refuses(404, "participant-known")
            .Refuses(409, "memo-lines-open", "participant-active");
        v1.MapPost("/participants/{id}/terminate", Terminate).RequireRole(Role.Operator)
            .WithSummary("The ledger ceases to act for a participant: every counterparty's line against it is zeroed")
            .Answers<MemoAccountView>()
            .Refuses(400, "participant-id-format")
            .Refuses(404, "participant-known")
            .Refuses(409, "participant-active");
    }

    // ------------------------------------------------------------------ answers

    /// <summary>A refusal of the core, as problem+json: its status, rule and field; the open lines when it names them.</summary>
    internal static IResult Problem(IncomeError error) => Problems.Of(error.Status, error.Rule, error.Field, error.Message,
        extensions: error.Open.Count == 0 ? null : new Dictionary<string, object?> { ["open"] = error.Open });

    private static IResult Answer<T>(IncomeResult<T> result) where T : class =>
        result.Error is { } error ? Problem(error) : Results.Ok(result.Value);

    private static IncomeGateway? Gateway(HttpContext http) => http.RequestServices.GetService<IncomeGateway>();

    private static IResult NotServed() =>
        Problems.Of(StatusCodes.Status501NotImplemented, "income-supported", null, "this node does not serve income tracking");

    private static IResult? ParticipantPath(string id, string field = "id") => ParticipantId.IsValid(id)
        ? null
        : Problem(new IncomeError(IncomeRejection.InvalidParticipantId, field, $"{field} must be a four-digit participant number"));

    private static IResult? AdjustmentPath(string id) => IncomeIds.IsValid(id)
        ? null
        : Problem(new IncomeError(IncomeRejection.InvalidAdjustmentId, "id", $"id must be 1 to {IncomeLimits.IdLengthMax} letters, digits, '-', '_', '.' or ':'"));

    /// <summary>A participant's own only: another firm's id is refused before anything is read.</summary>
    private static IResult? OwnOnly(HttpContext http, string id)
    {
        var caller = http.Caller();
        return caller.Role == Role.Participant && !caller.Is(new ParticipantId(id))
            ? Problems.Of(StatusCodes.Status403Forbidden, "own-participant", "id", $"the token is for {caller}; a participant sees and acts only for itself")
            : null;
    }

    private static async Task<IResult?> KnownAsync(IncomeGateway income, string id, CancellationToken ct)
    {
        var reference = await income.ReferenceAsync(ct);
        return income.IsParticipant(reference, new ParticipantId(id))
            ? null
            : Problems.Of(StatusCodes.Status404NotFound, "participant-known", "id", $"id {id} is not a known participant");
    }

    /// <summary>The path checks of a participant's own route: format, own, income served, known.</summary>
    private static async Task<(IncomeGateway? Income, IResult? Refusal)> ParticipantRouteAsync(HttpContext http, string id)
    {
        if (ParticipantPath(id) is { } bad) return (null, bad);
        if (OwnOnly(http, id) is { } other) return (null, other);
        if (Gateway(http) is not { } income) return (null, NotServed());
        return (income, await KnownAsync(income, id, http.RequestAborted));
    }

    // ------------------------------------------------------------------ routes

    private static async Task<IResult> Announce(HttpContext http, string cusip, string id)
    {
        if (IncomeRequests.CusipField(cusip, "cusip", out _) is { } badCusip) return Problem(badCusip);
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, DistributionFields, problems);
        var request = new DistributionRequest(body.String("type"), body.Decimal("ratePerShare"), body.String("recordDate"), body.String("payableDate"));
        if (problems.Count > 0) return Problems.Field(problems[0]);
        if (Gateway(http) is not { } income) return NotServed();
        return Answer(await income.AnnounceAsync(cusip, id, request, http.RequestAborted));
    }

    private static async Task<IResult> Distributions(HttpContext http, string cusip)
    {
        if (IncomeRequests.CusipField(cusip, "cusip", out var security) is { } badCusip) return Problem(badCusip);
        if (Gateway(http) is not { } income) return NotServed();
        return Results.Ok(await income.DistributionsAsync(security, http.RequestAborted));
    }

    private static async Task<IResult> StockLoans(HttpContext http, string id)
    {
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        DateOnly? asOf = null;
        if (http.Request.Query.TryGetValue("asOf", out var text))
        {
            if (IncomeRequests.DateField(text.ToString(), "asOf", out var date) is { } badDate) return Problem(badDate);
            asOf = date;
        }
        return Answer(await income!.StockLoansAsync(new ParticipantId(id), asOf, http.RequestAborted));
    }

    private static async Task<IResult> Income(HttpContext http, string id)
    {
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        var text = http.Request.Query.TryGetValue("payableDate", out var value) ? value.ToString() : null;
        if (IncomeRequests.DateField(text, "payableDate", out var payableDate) is { } badDate) return Problem(badDate);
        return Results.Ok(await income!.IncomeAsync(new ParticipantId(id), payableDate, http.RequestAborted));
    }

    private static async Task<IResult> Explain(HttpContext http, string id, string entryId)
    {
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        // From the participant's own memo journal only: a counterparty's figures are never read.
        var (explanation, error) = await income!.ExplainAsync(new ParticipantId(id), entryId, http.RequestAborted);
        return error is not null ? Problem(error) : Results.Ok(explanation);
    }

    private static async Task<IResult> EnterAdjustment(HttpContext http, string id)
    {
        if (ParticipantPath(id) is { } bad) return bad;
        if (OwnOnly(http, id) is { } other) return other;
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, AdjustmentFields, problems);
        var request = new AdjustmentRequest(body.String("id"), body.String("counterparty"), body.String("cusip"), body.Integer("shares"));
        if (problems.Count > 0) return Problems.Field(problems[0]);
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        return Answer(await income!.EnterAdjustmentAsync(new ParticipantId(id), request, http.RequestAborted));
    }

    private static async Task<IResult> GetAdjustment(HttpContext http, string id)
    {
        if (AdjustmentPath(id) is { } bad) return bad;
        if (Gateway(http) is not { } income) return NotServed();
        var caller = http.Caller();
        var reference = await income.ReferenceAsync(http.RequestAborted);
        var (view, party) = await income.AdjustmentAsync(id, caller.Role == Role.Participant ? caller.Participant : null, reference.BusinessDate, http.RequestAborted);
        // Another firm's adjustment answers as an unknown one: its existence is not another firm's to learn.
        return view is null || !party
            ? Problem(new IncomeError(IncomeRejection.UnknownAdjustment, "id", $"no adjustment {id} of yours"))
            : Results.Ok(view);
    }

    private static async Task<IResult> Affirm(HttpContext http, string id)
    {
        if (AdjustmentPath(id) is { } bad) return bad;
        if (Gateway(http) is not { } income) return NotServed();
        return Answer(await income.AffirmAsync(id, http.Caller().Participant!.Value, http.RequestAborted));
    }

    private static async Task<IResult> Cancel(HttpContext http, string id)
    {
        if (AdjustmentPath(id) is { } bad) return bad;
        if (Gateway(http) is not { } income) return NotServed();
        return Answer(await income.CancelAsync(id, http.Caller().Participant!.Value, http.RequestAborted));
    }

    private static async Task<IResult> FileHalt(HttpContext http, string id)
    {
        if (ParticipantPath(id) is { } bad) return bad;
        if (OwnOnly(http, id) is { } other) return other;
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, HaltFields, problems);
        var request = new HaltRequest(body.String("counterparty"), body.String("effectiveDate"));
        if (problems.Count > 0) return Problems.Field(problems[0]);
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        return Answer(await income!.FileHaltAsync(new ParticipantId(id), request, http.RequestAborted));
    }

    private static async Task<IResult> Notifications(HttpContext http, string id)
    {
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        return Results.Ok(await income!.NotificationsAsync(new ParticipantId(id), http.RequestAborted));
    }

    private static async Task<IResult> Merge(HttpContext http, string from, string to)
    {
        if (ParticipantPath(from, "from") is { } badFrom) return badFrom;
        if (ParticipantPath(to, "to") is { } badTo) return badTo;
        if (Gateway(http) is not { } income) return NotServed();
        var reference = await income.ReferenceAsync(http.RequestAborted);
        if (!income.IsParticipant(reference, new ParticipantId(to)))
            return Problem(new IncomeError(IncomeRejection.UnknownParticipant, "to", $"{to} is not a known participant"));
        return Answer(await income.MergeAsync(from, to, http.RequestAborted));
    }

    private static async Task<IResult> Retire(HttpContext http, string id)
    {
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        return Answer(await income!.RetireAsync(new ParticipantId(id), http.RequestAborted));
    }

    private static async Task<IResult> Terminate(HttpContext http, string id)
    {
        var (income, refusal) = await ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        return Answer(await income!.TerminateAsync(new ParticipantId(id), http.RequestAborted));
    }
}
