using Ledger.Cluster.Lending;
using Ledger.Host.Auth;
using Ledger.Lending;

namespace Ledger.Host.Http;

// The answers of the lending context, as the OpenAPI document shows them: amounts in dollars,
// dates as YYYY-MM-DD, ids as strings (lending.md section 7).

/// <summary>A loan as a list shows it; <c>counterparty</c> and <c>side</c> as the participant asked about sees them (null for staff), OCC for a Market Loan.</summary>
public sealed record LoanAnswer(
    string Id, string Lender, string Borrower, string? Counterparty, string? Side, string Cusip, long Shares, long OpenShares, long RecalledShares,
    decimal OpeningCollateral, decimal Collateral, decimal CollateralMargin, decimal? RebateRate, string OpenedOn, string State, string? ClosedOn,
    decimal AccruedRebate)
{
    public static LoanAnswer Of(LoanView v) => new(v.Id, v.Lender.Value, v.Borrower.Value, v.Counterparty?.Value, v.Side, v.Cusip.Value, v.Shares,
        v.OpenShares, v.RecalledShares, v.OpeningCollateral.Dollars, v.Collateral.Dollars, v.CollateralMargin, v.RebateRate,
        LendingDates.Format(v.OpenedOn), v.State, v.ClosedOn is { } c ? LendingDates.Format(c) : null, v.AccruedRebate);
}

/// <summary><c>GET /v1/participants/{id}/loans</c>.</summary>
public sealed record LoansAnswer(IReadOnlyList<LoanAnswer> Loans);

/// <summary>A mark: <c>deliverOrderId</c> is its payment order; <c>amount</c> is what the payer pays.</summary>
public sealed record MarkAnswer(
    string LoanId, string DeliverOrderId, decimal Amount, string Payer, string Payee, string Status, string MarkDate, string PriceDate,
    decimal Price, decimal Required, decimal HeldBefore, string? SettledOn)
{
    public static MarkAnswer Of(MarkView m) => new(m.LoanId, m.DeliverOrderId, m.Amount.Dollars, m.Payer.Value, m.Payee.Value, m.Status,
        LendingDates.Format(m.MarkDate), LendingDates.Format(m.PriceDate), m.Price.Dollars, m.Required.Dollars, m.HeldBefore.Dollars,
        m.SettledOn is { } d ? LendingDates.Format(d) : null);
}

/// <summary><c>GET /v1/participants/{id}/marks?date=</c>.</summary>
public sealed record MarksAnswer(string Date, IReadOnlyList<MarkAnswer> Marks);

/// <summary>A return (or the reclaim that cancelled the loan) as it fell on the loan.</summary>
public sealed record ReturnAnswer(string DeliverOrderId, long Shares, decimal Amount, string BusinessDate, string? ReversedBy);

/// <summary>A recall as it stands on the loan.</summary>
public sealed record LoanRecallAnswer(string ControlNumber, long OpenShares, string State, string DueOn);

/// <summary><c>GET /v1/loans/{id}</c>: the loan's fields as a list shows them, plus its marks, returns and recalls.</summary>
public sealed record LoanDetailAnswer(
    string Id, string Lender, string Borrower, string? Counterparty, string? Side, string Cusip, long Shares, long OpenShares, long RecalledShares,
    decimal OpeningCollateral, decimal Collateral, decimal CollateralMargin, decimal? RebateRate, string OpenedOn, string State, string? ClosedOn,
    decimal AccruedRebate, IReadOnlyList<MarkAnswer> Marks, IReadOnlyList<ReturnAnswer> Returns, IReadOnlyList<LoanRecallAnswer> Recalls)
{
    public static LoanDetailAnswer Of(LoanDetailView d)
    {
        var l = LoanAnswer.Of(d.Loan);
        return new(l.Id, l.Lender, l.Borrower, l.Counterparty, l.Side, l.Cusip, l.Shares, l.OpenShares, l.RecalledShares, l.OpeningCollateral,
            l.Collateral, l.CollateralMargin, l.RebateRate, l.OpenedOn, l.State, l.ClosedOn, l.AccruedRebate,
            d.Marks.Select(MarkAnswer.Of).ToList(),
            d.Returns.Select(r => new ReturnAnswer(r.DeliverOrderId, r.Shares, r.Amount.Dollars, LendingDates.Format(r.BusinessDate), r.ReversedBy)).ToList(),
            d.Recalls.Select(r => new LoanRecallAnswer(r.ControlNumber, r.OpenShares, r.State, LendingDates.Format(r.DueOn))).ToList());
    }
}

/// <summary>
/// The lending context's part of the contract (lending.md section 7): a participant's loans, one
/// loan, a day's marks. Handlers translate only; <see cref="LendingRequests"/> checks parameters,
/// the loan books decide, and every refusal is a <see cref="LendingError"/> (rule, field).
/// </summary>
internal sealed class LendingEndpoints : IContextEndpoints
{
    public string Context => "lending";

    public string Description => "Securities lending: loans opened by completed SL deliver orders, returned by SLR, marked to market at every open through payment orders.";

    /// <summary>Who may read a participant's lending routes: the participant itself, risk and operators.</summary>
    internal static readonly Role[] SelfRiskOperator = [Role.Participant, Role.Risk, Role.Operator];

    public void Map(RouteGroupBuilder v1)
    {
        MapParticipantGet<LoansAnswer>(v1, "/participants/{id}/loans", Loans,
                "A participant's loans, as lender or borrower, oldest first; ?state=open|closed|cancelled", "loan-state")
            .AllowQuery("state");
        v1.MapGet("/loans/{id}", Loan).RequireRole(SelfRiskOperator)
            .WithSummary("One loan with its marks, returns and recalls; for either party, risk and operators")
            .Answers<LoanDetailAnswer>()
            .Refuses(400, "loan-id-format")
            .Refuses(404, "loan-known")
            .Refuses(501, "lending-supported");
        MapParticipantGet<MarksAnswer>(v1, "/participants/{id}/marks", Marks,
                "The marks computed at the open of a business date on a participant's loans, and how each payment order ended",
                "required", "date-format", "date-not-future")
            .AllowQuery("date");
        LendingReportEndpoints.Map(v1);
    }

    /// <summary>
    /// A GET of one participant's lending data, for <see cref="SelfRiskOperator"/>: besides its own
    /// <paramref name="badRequestRules"/>, it refuses as <see cref="ParticipantRouteAsync"/> does.
    /// </summary>
    internal static RouteHandlerBuilder MapParticipantGet<TAnswer>(RouteGroupBuilder v1, string pattern, Delegate handler, string summary, params string[] badRequestRules) =>
        v1.MapGet(pattern, handler).RequireRole(SelfRiskOperator)
            .WithSummary(summary)
            .Answers<TAnswer>()
            .Refuses(400, ["participant-id-format", .. badRequestRules])
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known")
            .Refuses(501, "lending-supported");

    // ------------------------------------------------------------------ answers

    /// <summary>A refusal of the core's request checks, as problem+json naming its rule and field.</summary>
    internal static IResult Problem(LendingError error) => Problems.Of(StatusCodes.Status400BadRequest, error.RuleName, error.Field, error.Message);

    private static LendingGateway? Gateway(HttpContext http) => http.RequestServices.GetService<LendingGateway>();

    private static IResult NotServed() =>
        Problems.Of(StatusCodes.Status501NotImplemented, "lending-supported", null, "this node does not serve the lending context");

    /// <summary>The path checks of a participant's route: format, own, lending served, known.</summary>
    internal static async Task<(LendingGateway? Lending, Ledger.Settlement.ReferenceSnapshot? Reference, IResult? Refusal)> ParticipantRouteAsync(HttpContext http, string id)
    {
        if (!ParticipantId.IsValid(id))
            return (null, null, Problem(new LendingError(LendingRejection.ParticipantIdFormat, "id", "id must be a four-digit participant number")));
        var caller = http.Caller();
        if (caller.Role == Role.Participant && !caller.Is(new ParticipantId(id)))
            return (null, null, Problems.Of(StatusCodes.Status403Forbidden, "own-participant", "id", $"the token is for {caller}; a participant sees only its own loans"));
        if (Gateway(http) is not { } lending) return (null, null, NotServed());
        var reference = await lending.ReferenceAsync(http.RequestAborted);
        if (!reference.Participants.ContainsKey(new ParticipantId(id)))
            return (null, null, Problems.Of(StatusCodes.Status404NotFound, "participant-known", "id", $"id {id} is not a known participant"));
        return (lending, reference, null);
    }

    /// <summary>The answer of a participant's route once its path checks pass (<see cref="ParticipantRouteAsync"/>), or their refusal.</summary>
    internal static async Task<IResult> ForParticipantAsync(HttpContext http, string id,
        Func<LendingGateway, Ledger.Settlement.ReferenceSnapshot, ParticipantId, Task<IResult>> answer)
    {
        var (lending, reference, refusal) = await ParticipantRouteAsync(http, id);
        return refusal ?? await answer(lending!, reference!, new ParticipantId(id));
    }

    internal static string? Query(HttpContext http, string name) => http.Request.Query.TryGetValue(name, out var value) ? value.ToString() : null;

    // ------------------------------------------------------------------ routes

    private static Task<IResult> Loans(HttpContext http, string id) => ForParticipantAsync(http, id, async (lending, _, participant) =>
    {
        var (state, badState) = LendingRequests.LoanState(Query(http, "state"));
        if (badState is not null) return Problem(badState);
        var loans = await lending.LoansOfAsync(participant, state, http.RequestAborted);
        return Results.Ok(new LoansAnswer(loans.Select(LoanAnswer.Of).ToList()));
    });

    private static async Task<IResult> Loan(HttpContext http, string id)
    {
        if (!DeliverOrderId.IsValid(id))
            return Problem(new LendingError(LendingRejection.LoanIdFormat, "id", "id is a loan's id: the id of the deliver order that opened it"));
        if (Gateway(http) is not { } lending) return NotServed();
        var caller = http.Caller();
        ParticipantId? viewer = caller.Role == Role.Participant ? caller.Participant : null;
        // Another pair's loan answers exactly like no loan: a participant cannot learn that it exists.
        return await lending.LoanAsync(id, viewer, http.RequestAborted) is { } loan
            ? Results.Ok(LoanDetailAnswer.Of(loan))
            : Problems.Of(StatusCodes.Status404NotFound, "loan-known", "id", $"no loan {id} that the caller may see");
    }

    private static Task<IResult> Marks(HttpContext http, string id) => ForParticipantAsync(http, id, async (lending, reference, participant) =>
    {
        var (date, badDate) = LendingRequests.Date(Query(http, "date"), "date", reference.BusinessDate);
        if (badDate is not null) return Problem(badDate);
        var marks = await lending.MarksOfAsync(participant, date, http.RequestAborted);
        return Results.Ok(new MarksAnswer(LendingDates.Format(date), marks.Select(MarkAnswer.Of).ToList()));
    });
}
