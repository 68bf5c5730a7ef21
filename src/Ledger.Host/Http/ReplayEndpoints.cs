using System.Text.Json;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Host.Http;
using Ledger.Journal;

namespace Ledger.Host;

/// <summary>One stored event as <c>GET /v1/participants/{id}/journal</c> shows it: the payload exactly as the journal holds it.</summary>
public sealed record JournalEntryResponse(long SequenceNr, string Manifest, DateTimeOffset At, JsonElement Event);

/// <summary>
/// The read side over HTTP: an account replayed to a moment (<c>?asOf=</c>) and an account's
/// stored events. Both read the node's own journal through <see cref="IJournalReader"/>, the same
/// code as <c>ledger replay</c>.
/// </summary>
internal static class ReplayEndpoints
{
    /// <summary>The account as it stood at <c>?asOf=</c>; the caller's role is already checked.</summary>
    public static async Task<IResult> AccountAsOf(HttpContext http, string id)
    {
        var text = http.Request.Query["asOf"].ToString();
        if (!UtcTime.TryParse(text, out var asOf)) return BadTime("asOf", text);
        if (Reader(http) is not { } reader) return NotServed("asOf", "as-of-supported");
        try
        {
            var view = await reader.ReplayAsync(new ParticipantId(id), ReplayBound.ToTime(asOf), http.RequestAborted);
            return view is null
                ? Problems.Of(StatusCodes.Status404NotFound, "participant-known", "id", $"id {id} had no account at {text}")
                : Results.Ok(view);
        }
        catch (NotSupportedException e)
        {
            return NotServed("asOf", "as-of-supported", e.Message);
        }
    }

    /// <summary>The account's events in journal order whose business time is within <c>?from=</c> and <c>?to=</c> (both optional, inclusive).</summary>
    public static async Task<IResult> Journal(HttpContext http, string id)
    {
        if (!ParticipantId.IsValid(id))
            return Problems.Entry(new EntryError(EntryRejection.InvalidParticipantId, "id", "id must be a four-digit participant number"));
        DateTimeOffset? from = null, to = null;
        foreach (var field in (string[])["from", "to"])
        {
            if (!http.Request.Query.TryGetValue(field, out var values)) continue;
            if (!UtcTime.TryParse(values.ToString(), out var time)) return BadTime(field, values.ToString());
            if (field == "from") from = time;
            else to = time;
        }
        if (from > to) return Problems.Of(StatusCodes.Status400BadRequest, "from-before-to", "from", "from must not be after to");
        if (Reader(http) is not { } reader) return NotServed("journal", "journal-readable");
        try
        {
            var entries = await reader.EventsAsync(new ParticipantId(id), from, to, http.RequestAborted);
            if (entries is null) return Problems.Of(StatusCodes.Status404NotFound, "participant-known", "id", $"id {id} is not a known participant");
            return Results.Ok(entries.Select(e =>
                new JournalEntryResponse(e.SequenceNr, e.Manifest, e.At, JsonSerializer.Deserialize<JsonElement>(LedgerSerializer.ToUtf8Json(e.Event)))));
        }
        catch (JournalTooLongException e)
        {
            return Problems.Of(StatusCodes.Status413PayloadTooLarge, "journal-entries-max", "to", e.Message);
        }
        catch (NotSupportedException e)
        {
            return NotServed("journal", "journal-readable", e.Message);
        }
    }

    private static IJournalReader? Reader(HttpContext http) => http.RequestServices.GetService<IJournalReader>();

    private static IResult BadTime(string field, string text) =>
        Problems.Of(StatusCodes.Status400BadRequest, "time-format", field, $"{field} '{text}' is not {UtcTime.Rule}");

    private static IResult NotServed(string field, string rule, string? why = null) =>
        Problems.Of(StatusCodes.Status501NotImplemented, rule, field, why ?? "this node does not read its journal");
}
