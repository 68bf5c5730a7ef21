using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Auth;
using Ledger.Recalls;
using Ledger.Recalls.Fin;
using HostCaller = Ledger.Host.Auth.Caller;
using HubCaller = Ledger.Recalls.Caller;

namespace Ledger.Host.Http;

/// <summary>The body of <c>PUT /v1/recall-hub/subscribers/{participant}</c>: the address routing uses, and the vendor the eligibility file shows (may be null).</summary>
public sealed record SubscriberBody(string Address, string? Vendor);

/// <summary>The body of <c>PUT /v1/recall-hub/vendors/{vendor}</c>: the vendor's name and the participants whose authorization letters are on file.</summary>
public sealed record VendorBody(string Name, IReadOnlyList<string> AuthorizedParticipants);

/// <summary>The body of <c>POST /v1/recall-hub/messages</c>: one FIN message as text, CR LF line ends.</summary>
public sealed record RecallMessageBody(string Message);

public sealed record SubscriberResponse(string Participant, string Name, string Address, string? Vendor);

public sealed record UnsubscribedResponse(string Participant, bool Subscribed);

public sealed record VendorResponse(string Vendor, string Name, IReadOnlyList<string> AuthorizedParticipants);

/// <summary>What the hub did with a message: its control number, <c>available</c> or <c>rejected</c>, and the rule of a reject.</summary>
public sealed record RecallSendResponse(string ControlNumber, string Status, string? Rule);

public sealed record MailboxResponse(IReadOnlyList<MailboxEntryView> Entries);

/// <summary>
/// The recall hub (recall-hub.md section 8): subscriptions and vendor letters for the operator,
/// sending, listing and retrieving for participants and the vendors they authorized, traces and
/// eligibility files. Handlers translate: the checks are <see cref="SendChecks"/> and
/// <see cref="HubAccess"/>, the outcomes the hub's entities'. A message the hub did not take is
/// answered problem+json (nothing changes); one it took and rejected back is answered 200 with its
/// control number, <c>rejected</c> and the rule.
/// </summary>
internal sealed class RecallsEndpoints : IContextEndpoints
{
    public string Context => "recalls";

    public string Description => "The recall hub: ISO 15022 stock-loan recall messages between lenders and borrowers, with acknowledgements, retrieval receipts, rejects, traces and the eligibility file.";

    /// <summary>
    /// The body of a send: one message of at most <see cref="FinReader.MessageLengthMax"/> characters,
    /// which JSON's escapes (<c>\r\n</c> for every line end) make longer; 64 KiB holds the longest
    /// with room, and a body past it is refused unread.
    /// </summary>
    public static readonly RouteBodyLimit MessageBody = new("recall-message-body", 64 * 1024);

    private static readonly string[] SubscriberFields = ApiContract.FieldsOf<SubscriberBody>();
    private static readonly string[] VendorFields = ApiContract.FieldsOf<VendorBody>();
    private static readonly string[] MessageFields = ApiContract.FieldsOf<RecallMessageBody>();

    public void Map(RouteGroupBuilder v1)
    {
        v1.MapPut("/recall-hub/subscribers/{participant}", PutSubscriber).RequireRole(Role.Operator)
            .WithSummary("Subscribes a participant to the recall hub, or changes its address or vendor")
            .Takes<SubscriberBody>().Answers<SubscriberResponse>()
            .Refuses(400, "participant-id-format", "address-format", "vendor-id-format", "name-format")
            .Refuses(404, "participant-known")
            .Refuses(409, "address-unique", "subscribers-max")
            .Refuses(503, "recall-hub-available");
        v1.MapDelete("/recall-hub/subscribers/{participant}", DeleteSubscriber).RequireRole(Role.Operator)
            .WithSummary("Unsubscribes a participant (its mailbox is kept)")
            .Answers<UnsubscribedResponse>()
            .Refuses(400, "participant-id-format")
            .Refuses(404, "subscriber-known")
            .Refuses(503, "recall-hub-available");
        v1.MapPut("/recall-hub/vendors/{vendor}", PutVendor).RequireRole(Role.Operator)
            .WithSummary("Files a vendor's authorization letters: the participants it may act for (the whole list)")
            .Takes<VendorBody>().Answers<VendorResponse>()
            .Refuses(400, "vendor-id-format", "name-format", "participant-id-format", "authorized-participants-max")
            .Refuses(503, "recall-hub-available");
        v1.MapPost("/recall-hub/messages", (Delegate)SendMessage).RequireRole(Role.Participant, Role.Vendor).TakesBody(MessageBody)
            .WithSummary("Sends one FIN message (MT 526, 516, 592) through the hub; answers once it is available to its receiver or rejected back")
            .Takes<RecallMessageBody>().Answers<RecallSendResponse>()
            .Refuses(400, "message-format", "swift-character-set", "message-type")
            .Refuses(403, "sender-subscribed", "own-participant", "vendor-authorized")
            .Refuses(409, "sender-reference-reused")
            .Refuses(413, "message-size-max")
            .Refuses(503, "deliveries-in-flight-max", "recall-hub-available");
        v1.MapGet("/recall-hub/mailbox/{participant}", ListMailbox).RequireRole(Role.Participant, Role.Vendor).AllowQuery("after", "limit")
            .WithSummary("A subscriber's mailbox in control-number order: messages to it and the hub's advices")
            .Answers<MailboxResponse>()
            .Refuses(400, "participant-id-format", "control-number-format", "limit-range")
            .Refuses(403, "own-participant", "vendor-authorized")
            .Refuses(503, "recall-hub-available");
        v1.MapPost("/recall-hub/mailbox/{participant}/{controlNumber}/retrieve", Retrieve).RequireRole(Role.Participant, Role.Vendor)
            .WithSummary("Retrieves one entry in FIN form; the first retrieval of a message gives its sender a retrieval receipt")
            .Answers<RetrievalView>()
            .Refuses(400, "participant-id-format", "control-number-format")
            .Refuses(403, "own-participant", "vendor-authorized")
            .Refuses(404, "control-number-known")
            .Refuses(503, "recall-hub-available");
        v1.MapGet("/recall-hub/messages/{controlNumber}/trace", Trace).RequireRole(Role.Participant, Role.Vendor, Role.Risk, Role.Operator)
            .WithSummary("Every step of a control number with its time: received, made available or rejected, retrieved, receipts")
            .Answers<TraceView>()
            .Refuses(400, "control-number-format")
            .Refuses(403, "own-participant", "vendor-authorized")
            .Refuses(404, "control-number-known")
            .Refuses(503, "recall-hub-available");
        v1.MapGet("/recall-hub/eligibility/{date}", Eligibility).RequireRole(Role.Participant, Role.Vendor, Role.Operator)
            .WithSummary("The eligibility file of a business date (written at the close before it), as text/csv: participant,name,address,vendor")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .Refuses(400, "date-format")
            .Refuses(403, "caller-subscribed")
            .Refuses(404, "eligibility-file-known")
            .Refuses(503, "recall-hub-available");
    }

    /// <summary>The hub's own view of the caller.</summary>
    internal static HubCaller HubCallerOf(HostCaller caller) => caller.Role switch
    {
        Role.Participant => new HubCaller.Participant(caller.Participant!.Value),
        Role.Vendor => new HubCaller.Vendor(caller.Vendor!),
        Role.Operator => new HubCaller.Operator(),
        Role.Risk => new HubCaller.Risk(),
        _ => new HubCaller.Other(Roles.Name(caller.Role)),
    };

    /// <summary>The HTTP status of each refusal the hub names (recall-hub's README, "What the adapters must do").</summary>
    internal static int StatusOf(HubRule rule) => rule switch
    {
        HubRule.MessageSizeMax => StatusCodes.Status413PayloadTooLarge,
        HubRule.OwnParticipant or HubRule.VendorAuthorized or HubRule.Role or HubRule.CallerSubscribed or HubRule.SenderSubscribed => StatusCodes.Status403Forbidden,
        HubRule.SenderReferenceReused or HubRule.AddressUnique or HubRule.SubscribersMax => StatusCodes.Status409Conflict,
        HubRule.ControlNumberKnown or HubRule.SubscriberKnown or HubRule.EligibilityFileKnown => StatusCodes.Status404NotFound,
        HubRule.DeliveriesInFlightMax => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    internal static IResult Problem(HubError error) => Problems.Of(StatusOf(error.Rule), error.RuleName, error.Field, error.Message);

    /// <summary>The hub of this node; null where the host runs over a ledger without one (tests' fake ledger).</summary>
    private static RecallHub? HubOf(HttpContext http) => http.RequestServices.GetService<RecallsContext>()?.Hub;

    private static IResult NoHub() =>
        Problems.Of(StatusCodes.Status503ServiceUnavailable, "recall-hub-available", null, "this node runs no recall hub");

    private static IResult? ParticipantPath(string participant) =>
        RegistryDecider.ParticipantField(participant, "participant") is { } bad ? Problem(bad) : null;

    private static async Task<IResult> PutSubscriber(HttpContext http, string participant, ILedger ledger)
    {
        if (ParticipantPath(participant) is { } badPath) return badPath;
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, SubscriberFields, problems);
        var address = body.String("address");
        var vendor = body.String("vendor");
        if (problems.Count > 0) return Problems.Field(problems[0]);
        if (HubOf(http) is not { } hub) return NoHub();

        // The name the eligibility file shows is the participant's name in settlement's master file.
        var reference = await ledger.ReferenceAsync(http.RequestAborted);
        if (!reference.Participants.TryGetValue(new ParticipantId(participant), out var record))
            return Problems.Of(StatusCodes.Status404NotFound, "participant-known", "participant", $"participant {participant} is not set up in the ledger");
        var outcome = await hub.ChangeRegistryAsync(new Subscribe(participant, record.Name, address, vendor, hub.Now), http.RequestAborted);
        if (outcome.Error is { } error) return Problem(error);
        var subscriber = outcome.State.Find(new ParticipantId(participant))!;
        return Results.Ok(new SubscriberResponse(participant, subscriber.Name, subscriber.Address, subscriber.Vendor));
    }

    private static async Task<IResult> DeleteSubscriber(HttpContext http, string participant)
    {
        if (HubOf(http) is not { } hub) return NoHub();
        if (ParticipantPath(participant) is { } badPath) return badPath;
        var outcome = await hub.ChangeRegistryAsync(new Unsubscribe(participant, hub.Now), http.RequestAborted);
        return outcome.Error is { } error ? Problem(error) : Results.Ok(new UnsubscribedResponse(participant, false));
    }

    private static async Task<IResult> PutVendor(HttpContext http, string vendor)
    {
        if (RegistryDecider.VendorField(vendor, "vendor") is { } badVendor) return Problem(badVendor);
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, VendorFields, problems);
        var name = body.String("name");
        if (problems.Count > 0) return Problems.Field(problems[0]);
        List<string?>? participants = null;
        if (document.RootElement.TryGetProperty("authorizedParticipants", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
                return Problems.Of(StatusCodes.Status400BadRequest, "json-type", "authorizedParticipants", "authorizedParticipants must be a JSON array of participant numbers");
            participants = [];
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    return Problems.Of(StatusCodes.Status400BadRequest, "json-type", $"authorizedParticipants[{i}]", $"authorizedParticipants[{i}] must be a JSON string");
                string? id;
                try
                {
                    id = item.GetString();
                }
                catch (InvalidOperationException)
                {
                    return Problems.Of(StatusCodes.Status400BadRequest, "unicode", $"authorizedParticipants[{i}]", "holds an escaped lone surrogate, which is not Unicode text");
                }
                participants.Add(id);
                i++;
            }
        }
        if (HubOf(http) is not { } hub) return NoHub();
        var outcome = await hub.ChangeRegistryAsync(new FileVendorLetters(vendor, name, participants, hub.Now), http.RequestAborted);
        if (outcome.Error is { } error) return Problem(error);
        var filed = outcome.State.Vendors[vendor];
        return Results.Ok(new VendorResponse(vendor, filed.Name, filed.AuthorizedParticipants.ToList()));
    }

    private static async Task<IResult> SendMessage(HttpContext http)
    {
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;
        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, MessageFields, problems);
        var text = body.String("message");
        if (problems.Count > 0) return Problems.Field(problems[0]);
        if (text is null) return Problems.Of(StatusCodes.Status400BadRequest, "required", "message", "message is required: one FIN message as text");
        if (HubOf(http) is not { } hub) return NoHub();

        var registry = await hub.RegistryAsync(http.RequestAborted);
        var screening = SendChecks.Screen(text, HubCallerOf(http.Caller()), registry);
        if (screening.Refusal is { } refused) return Problem(refused);
        var reply = await hub.SendAsync(screening.Taken!, http.RequestAborted);
        return reply switch
        {
            SendAnswer answer => Results.Ok(new RecallSendResponse(answer.ControlNumber, answer.Status, answer.Rule)),
            MailboxRefusal refusal => Problem(refusal.Error),
            _ => throw new InvalidOperationException($"the sender's mailbox answered {reply.GetType().Name}"),
        };
    }

    /// <summary>Null when the caller may act for <paramref name="participant"/>'s mailbox; otherwise its 403.</summary>
    private static async Task<IResult?> MailboxAccess(HttpContext http, RecallHub hub, string participant)
    {
        var caller = HubCallerOf(http.Caller());
        // A participant's own mailbox needs no look at the registry; a vendor's letters are there.
        var registry = caller is HubCaller.Participant ? RegistryState.Empty : await hub.RegistryAsync(http.RequestAborted);
        return HubAccess.ActFor(caller, new ParticipantId(participant), registry) is { } denied ? Problem(denied) : null;
    }

    private static async Task<IResult> ListMailbox(HttpContext http, string participant)
    {
        if (HubOf(http) is not { } hub) return NoHub();
        if (ParticipantPath(participant) is { } badPath) return badPath;
        if (await MailboxAccess(http, hub, participant) is { } denied) return denied;
        var query = http.Request.Query;
        string? after = query.ContainsKey("after") ? query["after"].ToString() : null;
        int? limit = null;
        if (query.ContainsKey("limit"))
        {
            if (!int.TryParse(query["limit"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                return Problem(new HubError(HubRule.LimitRange, "limit", $"limit must be a whole number from 1 to {MailboxViews.ListLimitMax}"));
            limit = parsed;
        }
        var listing = await hub.ListAsync(new ParticipantId(participant), after, limit, http.RequestAborted);
        return listing.Error is { } error ? Problem(error) : Results.Ok(new MailboxResponse(listing.Entries!));
    }

    private static async Task<IResult> Retrieve(HttpContext http, string participant, string controlNumber)
    {
        if (HubOf(http) is not { } hub) return NoHub();
        if (ParticipantPath(participant) is { } badPath) return badPath;
        if (await MailboxAccess(http, hub, participant) is { } denied) return denied;
        if (ControlNumber.FormatError(controlNumber) is { } badNumber) return Problem(badNumber);
        var answer = await hub.RetrieveAsync(new ParticipantId(participant), controlNumber, http.RequestAborted);
        return answer switch
        {
            Retrieved retrieved => Results.Ok(retrieved.View),
            MailboxRefusal refusal => Problem(refusal.Error),
            _ => throw new InvalidOperationException($"the mailbox answered {answer.GetType().Name}"),
        };
    }

    private static async Task<IResult> Trace(HttpContext http, string controlNumber)
    {
        if (HubOf(http) is not { } hub) return NoHub();
        if (ControlNumber.FormatError(controlNumber) is { } badNumber) return Problem(badNumber);
        var caller = HubCallerOf(http.Caller());
        var trace = await hub.TraceAsync(controlNumber, http.RequestAborted);
        var registry = caller is HubCaller.Vendor ? await hub.RegistryAsync(http.RequestAborted) : RegistryState.Empty;
        // The participant a trace belongs to: a message's sender, an advice's recipient.
        var owner = trace is null ? null : trace.Sender ?? trace.Receiver;
        if (caller is HubCaller.Participant or HubCaller.Vendor)
        {
            // An unknown number answers a firm exactly as another firm's does: neither says whether it exists.
            if (owner is null || HubAccess.Trace(caller, new ParticipantId(owner), registry) is not null)
            {
                var rule = caller is HubCaller.Participant ? HubRule.OwnParticipant : HubRule.VendorAuthorized;
                var who = caller is HubCaller.Participant p ? $"participant {p.Id}" : $"vendor {((HubCaller.Vendor)caller).Id}";
                return Problem(new HubError(rule, "controlNumber", $"control number {controlNumber} is not one {who} may trace"));
            }
        }
        return trace is null
            ? Problem(new HubError(HubRule.ControlNumberKnown, "controlNumber", $"no mailbox holds control number {controlNumber}"))
            : Results.Ok(trace);
    }

    private static async Task<IResult> Eligibility(HttpContext http, string date)
    {
        if (HubOf(http) is not { } hub) return NoHub();
        var registry = await hub.RegistryAsync(http.RequestAborted);
        if (HubAccess.Eligibility(HubCallerOf(http.Caller()), registry) is { } denied) return Problem(denied);
        var (csv, error) = EligibilityFile.Find(registry, date);
        return error is not null ? Problem(error) : Results.Bytes(Encoding.UTF8.GetBytes(csv!), "text/csv; charset=utf-8");
    }
}
