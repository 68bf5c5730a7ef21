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
        LendingEndpoints.MapParticipantGet<RecallsAnswer>(v1, "/participants/{id}/recalls", Recalls,
                "The recalls on a participant's loans, by deadline; ?state=open|overdue|closed|cancelled; buy-in and close-out dates once overdue", "recall-state")
            .AllowQuery("state");
        LendingEndpoints.MapParticipantGet<LoanExceptionsAnswer>(v1, "/participants/{id}/loan-exceptions", Exceptions,
            "Lending inputs kept as exception records: returns with no open loan, recalls beyond what is owed, cancels of nothing (extension)");
    }

    private static Task<IResult> Recalls(HttpContext http, string id) => LendingEndpoints.ForParticipantAsync(http, id, async (lending, reference, participant) =>
    {
        var (state, badState) = LendingRequests.RecallState(LendingEndpoints.Query(http, "state"));
        if (badState is not null) return LendingEndpoints.Problem(badState);
        var recalls = await lending.RecallsOfAsync(participant, state, http.RequestAborted);
        return Results.Ok(new RecallsAnswer(LendingDates.Format(reference.BusinessDate), recalls.Select(RecallAnswer.Of).ToList()));
    });

    private static Task<IResult> Exceptions(HttpContext http, string id) => LendingEndpoints.ForParticipantAsync(http, id, async (lending, _, participant) =>
        Results.Ok(new LoanExceptionsAnswer((await lending.ExceptionsOfAsync(participant, http.RequestAborted)).Select(LoanExceptionAnswer.Of).ToList())));
}
