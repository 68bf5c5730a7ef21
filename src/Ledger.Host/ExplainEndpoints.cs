using Ledger.Cluster;
using Ledger.Cluster.Explain;
using Ledger.Cluster.Replay;
using Ledger.Domain;
using Ledger.Host.Auth;
using Ledger.Host.Http;

namespace Ledger.Host;

/// <summary>
/// <c>GET /v1/deliver-orders/{id}/explanation</c>: the deliver order's life told from the node's
/// journal alone, the same explanation as <c>ledger explain</c>. Risk and OCC see any; a
/// participant only its own (as deliverer or receiver), and 403 for any other, known or not.
/// </summary>
internal static class ExplainEndpoints
{
    public static async Task<IResult> Explanation(HttpContext http, string id)
    {
        if (!DeliverOrderId.IsValid(id))
            return Problems.Entry(new EntryError(EntryRejection.InvalidDeliverOrderId, "id",
                $"id must be 1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':'"));
        if (http.RequestServices.GetService<IJournalReader>() is not { } reader)
            return NotServed("this node does not read its journal");
        DeliverOrderExplanation? explanation;
        try
        {
            explanation = await reader.ExplainAsync(new DeliverOrderId(id), http.RequestAborted);
        }
        catch (NotSupportedException e)
        {
            return NotServed(e.Message);
        }
        var caller = http.Caller();
        if (caller.Role == Role.Participant
            && !(caller.Participant is { } p && explanation is not null && (explanation.Deliverer == p.Value || explanation.Receiver == p.Value)))
            return Endpoints.NotAParty(caller, id);
        return explanation is null
            ? Problems.Of(StatusCodes.Status404NotFound, "deliver-order-known", "id", $"there is no deliver order {id}")
            : Results.Ok(explanation);
    }

    private static IResult NotServed(string why) =>
        Problems.Of(StatusCodes.Status501NotImplemented, "explanation-supported", "id", why);
}
