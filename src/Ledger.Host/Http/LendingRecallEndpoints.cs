using Ledger.Cluster.Lending;
using Ledger.Host.Auth;
using Ledger.Lending;

namespace Ledger.Host.Http;

/// <summary>
/// A recall (lending.md section 7): <c>id</c> and <c>controlNumber</c> are the control number the
/// hub gave the MT 526 in the borrower's mailbox; <c>shares</c> what it was opened for (what the
/// borrower owed, at most <c>requestedShares</c>); <c>buyInFrom</c>, <c>buyInNoticeBy</c> and
/// <c>closeOutBy</c> only while overdue.
/// </summary>
public sealed record RecallAnswer(
    string Id, string ControlNumber, string Lender, string Borrower, string? Counterparty, string? Side, IReadOnlyList<string> LoanIds, string Cusip,
    long RequestedShares, long Shares, long OpenShares, string RecalledOn, DateTimeOffset RecalledAt, string CountsFrom, string DueOn, string State,
    string? BuyInFrom, DateTimeOffset? BuyInNoticeBy, DateTimeOffset? CloseOutBy, string? ClosedOn)
{
    public static RecallAnswer Of(RecallView v) => new(v.Id, v.ControlNumber, v.Lender.Value, v.Borrower.Value, v.Counterparty?.Value, v.Side,
        v.LoanIds, v.Cusip.Value, v.RequestedShares, v.Shares, v.OpenShares, LendingDates.Format(v.RecalledOn), v.RecalledAt,
        LendingDates.Format(v.CountsFrom), LendingDates.Format(v.DueOn), v.State,
        v.BuyInFrom is { } b ? LendingDates.Format(b) : null, v.BuyInNoticeBy, v.CloseOutBy, v.ClosedOn is { } c ? LendingDates.Format(c) : null);
}

/// <summary><c>GET /v1/participants/{id}/recalls</c>: by deadline, as of <c>businessDate</c>.</summary>
public sealed record RecallsAnswer(string BusinessDate, IReadOnlyList<RecallAnswer> Recalls);

/// <summary>
/// An input the lending context could not (wholly) apply: <c>kind</c> is <c>deliver-order</c>
/// (<c>deliverOrderId</c> set), <c>recall</c> or <c>recall-cancel</c> (<c>controlNumber</c> set);
/// <c>from</c> and <c>to</c> are its deliverer and receiver, or the recall's lender and borrower;
/// <c>shares</c> and <c>amount</c> what did not take effect.
/// </summary>
public sealed record LoanExceptionAnswer(
    string Id, string Kind, string Rule, string Field, string Message, string? DeliverOrderId, string? ControlNumber, string From, string To,
    string Cusip, long Shares, decimal Amount, string BusinessDate, DateTimeOffset RecordedAt)
{
    public static LoanExceptionAnswer Of(LendingExceptionView v) => new(v.InputId, v.Input, v.Rule, v.Field, v.Message,
        v.Input == "deliver-order" ? v.InputId : null, v.Input == "deliver-order" ? null : v.InputId, v.From.Value, v.To.Value,
        v.Cusip, v.Shares, v.Amount.Dollars, LendingDates.Format(v.BusinessDate), v.At);
}

/// <summary><c>GET /v1/participants/{id}/loan-exceptions</c>.</summary>
public sealed record LoanExceptionsAnswer(IReadOnlyList<LoanExceptionAnswer> Exceptions);

/// <summary>
/// The lending context's recall routes: a participant's recalls by state and deadline (lending.md
/// section 7), and the exception records of issue 15's bad inputs (an extension: a return with no
/// open loan, a recall for more than is owed, a cancel of nothing). Handlers translate only.
/// </summary>
internal sealed class LendingRecallEndpoints : IContextEndpoints
{
    public string Context => "lending-recalls";

    public string Description => "Securities lending: recalls opened by MT 526 messages the recall hub made available, reduced by returns, cancelled by MT 592; and inputs kept as exception records.";

    public void Map(RouteGroupBuilder v1)
    {
        Role[] selfRiskOperator = [Role.Participant, Role.Risk, Role.Operator];
        v1.MapGet("/participants/{id}/recalls", Recalls).RequireRole(selfRiskOperator).AllowQuery("state")
            .WithSummary("The recalls on a participant's loans, by deadline; ?state=open|overdue|closed|cancelled; buy-in and close-out dates once overdue")
            .Answers<RecallsAnswer>()
            .Refuses(400, "participant-id-format", "recall-state")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known")
            .Refuses(501, "lending-supported");
        v1.MapGet("/participants/{id}/loan-exceptions", Exceptions).RequireRole(selfRiskOperator)
            .WithSummary("Lending inputs kept as exception records: returns with no open loan, recalls beyond what is owed, cancels of nothing (extension)")
            .Answers<LoanExceptionsAnswer>()
            .Refuses(400, "participant-id-format")
            .Refuses(403, "own-participant")
            .Refuses(404, "participant-known")
            .Refuses(501, "lending-supported");
    }

    private static async Task<IResult> Recalls(HttpContext http, string id)
    {
        var (lending, reference, refusal) = await LendingEndpoints.ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        var (state, badState) = LendingRequests.RecallState(LendingEndpoints.Query(http, "state"));
        if (badState is not null) return LendingEndpoints.Problem(badState);
        var recalls = await lending!.RecallsOfAsync(new ParticipantId(id), state, http.RequestAborted);
        return Results.Ok(new RecallsAnswer(LendingDates.Format(reference!.BusinessDate), recalls.Select(RecallAnswer.Of).ToList()));
    }

    private static async Task<IResult> Exceptions(HttpContext http, string id)
    {
        var (lending, _, refusal) = await LendingEndpoints.ParticipantRouteAsync(http, id);
        if (refusal is not null) return refusal;
        var exceptions = await lending!.ExceptionsOfAsync(new ParticipantId(id), http.RequestAborted);
        return Results.Ok(new LoanExceptionsAnswer(exceptions.Select(LoanExceptionAnswer.Of).ToList()));
    }
}
