using Ledger.Cluster.Explain;
using Ledger.Settlement;
using Ledger.Host.Auth;
using Ledger.Host.Http;

namespace Ledger.Host;

/// <summary>
/// <c>GET /v1/deliver-orders/{id}/explanation</c>: the deliver order's life told from the node's
/// journal, read by key (the rows its parties' accounts name for it, never whole journals). Risk, OCC
/// and the operator see every step at every account it touched, the same explanation as
/// <c>ledger explain</c>; a participant that is a party sees the steps on its own account only
/// (<see cref="Explanation.ExplainFor"/>), and any other participant 403 for a known id and an
/// unknown one alike, decided from the id's registration before any journal is read.
/// </summary>
internal static class ExplainEndpoints
{
    public static async Task<IResult> Explanation(HttpContext http, string id)
    {
        if (!DeliverOrderId.IsValid(id))
            return Problems.Entry(new EntryError(EntryRejection.InvalidDeliverOrderId, "id",
                $"id must be 1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':' (or a reclaim's PPPP~id)"));
        if (http.RequestServices.GetService<IDeliverOrderExplainer>() is not { } explainer)
            return NotServed("this node does not read its journal");
        var caller = http.Caller();
        var participant = caller.Role == Role.Participant ? caller.Participant : null;
        ExplainResult result;
        try
        {
            result = await explainer.ExplainAsync(new DeliverOrderId(id), participant, http.RequestAborted);
        }
        catch (NotSupportedException e)
        {
            return NotServed(e.Message);
        }
        return result.Outcome switch
        {
            ExplainOutcome.Explained => Results.Ok(result.Explanation),
            // A participant learns nothing about ids it is not party to, not even whether they exist.
            ExplainOutcome.Unknown or ExplainOutcome.NotAParty when participant is not null => Endpoints.NotAParty(caller, id),
            ExplainOutcome.Unknown => Problems.Of(StatusCodes.Status404NotFound, "deliver-order-known", "id", $"there is no deliver order {id}"),
            ExplainOutcome.NotRetained => Problems.Of(StatusCodes.Status410Gone, "explanation-retained", "id",
                $"the accounts keep the events of each deliver order of the current and the last closed business day, and {id} is older; `ledger explain --deliver-order {id}` reads it from the store"),
            _ => throw new InvalidOperationException($"unknown explanation outcome {result.Outcome}"),
        };
    }

    private static IResult NotServed(string why) =>
        Problems.Of(StatusCodes.Status501NotImplemented, "explanation-supported", "id", why);
}
