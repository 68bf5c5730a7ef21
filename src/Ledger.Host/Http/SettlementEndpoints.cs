using Ledger.Journal;
using System.Text.Json;
using Ledger.Cluster;
using Ledger.Cluster.Telemetry;
using Ledger.Settlement;
using Ledger.Host.Auth;
using Ledger.Host.Http;

namespace Ledger.Host;

public sealed record ParticipantResponse(string Id, string Name, decimal NetDebitCap, decimal ParticipantsFund, bool MarketLoanProgram, bool CentralCounterparty);

public sealed record SecurityResponse(string Cusip, decimal Price, decimal Haircut);

public sealed record ErrorResponse(string Field, string Rule, string Message);

public sealed record SubmitResponse(string? Id, bool Accepted, string? Status, ErrorResponse? Error);

// The request bodies, as the OpenAPI document shows them; their handlers read exactly these fields
// (ApiContract.FieldsOf), so the document and the reading cannot drift apart.
public sealed record PutParticipantBody(string Name, decimal NetDebitCap, decimal ParticipantsFund, bool MarketLoanProgram, bool CentralCounterparty);

public sealed record PutSecurityBody(decimal Price, decimal Haircut);

/// <param name="Id">Optional idempotency id (see the host README).</param>
public sealed record DepositBody(string Cusip, long Shares, string? Id = null);

/// <param name="Id">Optional idempotency id (see the host README).</param>
public sealed record PaymentBody(decimal Amount, string? Id = null);

public sealed record ReclaimBody(string Id, string DeliverOrderId);

/// <summary>The body of <c>POST /v1/business-day/close</c>, optional: the date it closes (none: the open day).</summary>
public sealed record CloseBody(string? BusinessDate = null);

/// <param name="RebateRate">A stock loan's (reason code SL) annual rebate rate, -1 to 1, at most 6 decimals; optional.</param>
/// <param name="CollateralMargin">A stock loan's collateral margin, 1.00 to 1.10, at most 6 decimals; optional (the lending context's default is 1.02).</param>
public sealed record DeliverOrderBody(string Id, string Deliverer, string Receiver, string Cusip, long Shares, decimal Amount, string? ReasonCode = null,
    decimal? RebateRate = null, decimal? CollateralMargin = null);

/// <summary>
/// The routes of the public contract. Handlers only translate: JSON into the domain's request
/// records, the domain's entry rules and the ledger's answers into HTTP. They decide nothing.
/// </summary>
internal static class Endpoints
{
    private static readonly string[] ParticipantFields = ApiContract.FieldsOf<PutParticipantBody>();
    private static readonly string[] SecurityFields = ApiContract.FieldsOf<PutSecurityBody>();
    private static readonly string[] DepositFields = ApiContract.FieldsOf<DepositBody>();
    private static readonly string[] PaymentFields = ApiContract.FieldsOf<PaymentBody>();
    private static readonly string[] ReclaimFields = ApiContract.FieldsOf<ReclaimBody>();
    private static readonly string[] CloseFields = ApiContract.FieldsOf<CloseBody>();
    private static readonly string[] DeliverOrderFields = ApiContract.FieldsOf<DeliverOrderBody>();

    private static readonly string[] FinalStatuses =
        [DeliverOrderStatus.Completed.Name(), DeliverOrderStatus.Dropped.Name(), DeliverOrderStatus.Cancelled.Name(), DeliverOrderStatus.Rejected.Name()];

    /// <summary>A refused batch lists at most this many faults; the detail gives the full count.</summary>
    private const int BatchErrorsListedMax = 100;

    public static void Map(WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" })).WithSummary("The process is up").WithTags("health");
        app.MapGet("/health/ready", Ready).WithSummary("The node serves: ledger, cluster, journal and store checks").WithTags("health")
            .Refuses(StatusCodes.Status503ServiceUnavailable,
                "store-missing", "store-replaced", "store-full", "store-read-only", "store-unreachable", "cluster-up", "journal-reachable", "journal-intact", "ledger-available");
        ContextEndpoints.MapAll(app.MapGroup("/v1"));
    }

    /// <summary>Settlement's part of the contract under /v1 (found by <see cref="ContextEndpoints"/>).</summary>
    internal sealed class SettlementRoutes : IContextEndpoints
    {
        public string Context => "settlement";

        public string Description => "Deliver orders, accounts, reclaims, deposits, payments and the business day (ATP settlement).";

        public void Map(RouteGroupBuilder v1)
        {
            // Each route's body, answer and own refusals (rules as the host README's contract table lists
            // them) sit with it; ApiContract adds the refusals every token, body and store fault brings.
            v1.MapPut("/participants/{id}", PutParticipant).RequireRole(Role.Operator).WithSummary("Sets up or changes a participant")
                .Takes<PutParticipantBody>().Answers<ParticipantResponse>()
                .Refuses(400, "participant-id-format", "name-format", "amount-not-negative", "amount-two-decimals", "amount-maximum", "required");
            v1.MapPut("/securities/{cusip}", PutSecurity).RequireRole(Role.Operator).WithSummary("Sets a security's price and haircut")
                .Takes<PutSecurityBody>().Answers<SecurityResponse>()
                .Refuses(400, "cusip-check-digit", "price-positive", "price-maximum", "amount-two-decimals", "haircut-range", "required");
            v1.MapPost("/participants/{id}/deposits", Deposit).RequireRole(Role.Operator).WithSummary("A free deposit of shares into a position")
                .Takes<DepositBody>().Answers<AccountView>()
                .Refuses(400, "participant-id-format", "cusip-check-digit", "security-known", "shares-positive", "shares-maximum", "idempotency-id-format", "required")
                .Refuses(404, "participant-known")
                .Refuses(409, "idempotency-id-unique", "idempotency-id-same-day")
                .Refuses(422, "position-maximum");
            v1.MapPost("/participants/{id}/settlement-progress-payments", SettlementProgressPayment).RequireRole(Role.Operator)
                .WithSummary("A settlement progress payment into the settlement balance")
                .Takes<PaymentBody>().Answers<AccountView>()
                .Refuses(400, "participant-id-format", "amount-not-negative", "amount-two-decimals", "amount-maximum", "positive", "idempotency-id-format", "required")
                .Refuses(404, "participant-known")
                .Refuses(409, "idempotency-id-unique", "idempotency-id-same-day");
            v1.MapPost("/deliver-orders", Submit).RequireRole(Role.Occ).TakesBatchBody().WithSummary("Submits a batch of locked-in deliver orders")
                .Takes<DeliverOrderBody[]>().Answers<SubmitResponse[]>()
                .Refuses(400, "batch-not-empty")
                .Refuses(413, "batch-size-max");
            v1.MapGet("/deliver-orders/{id}", GetDeliverOrder).RequireRole(Role.Occ, Role.Participant).WithSummary("A deliver order's status")
                .Answers<DeliverOrderView>()
                .Refuses(400, "deliver-order-id-format")
                .Refuses(403, "deliver-order-party")
                .Refuses(404, "deliver-order-known");
            v1.MapGet("/deliver-orders/{id}/explanation", ExplainEndpoints.Explanation).RequireRole(Role.Risk, Role.Occ, Role.Operator, Role.Participant)
                .WithSummary("Why a deliver order pended or completed, step by step from the journal")
                .Answers<DeliverOrderExplanation>()
                .Refuses(400, "deliver-order-id-format")
                .Refuses(403, "deliver-order-party")
                .Refuses(404, "deliver-order-known")
                .Refuses(410, "explanation-retained")
                .Refuses(501, "explanation-supported");
            v1.MapDelete("/deliver-orders/{id}", Cancel).RequireRole(Role.Occ, Role.Participant).WithSummary("Cancels a pending deliver order")
                .Answers<DeliverOrderView>().Answers<DeliverOrderView>(StatusCodes.Status202Accepted)
                .Refuses(400, "deliver-order-id-format")
                .Refuses(403, "deliver-order-party", "deliverer")
                .Refuses(404, "deliver-order-known")
                .Refuses(409, "deliver-order-pending", "payment-order-cancel");
            v1.MapPost("/reclaims", Reclaim).RequireRole(Role.Participant).WithSummary("The original receiver reclaims a completed deliver order")
                .Takes<ReclaimBody>().Answers<SubmitResult>()
                .Refuses(400, "reclaim-id-format", "deliver-order-id-format", "required")
                .Refuses(403, "reclaim-by-receiver")
                .Refuses(409, "reclaim-of-completed", "reclaim-once", "reclaim-same-day", "deliver-order-id-unique", "business-day-open", "reclaim-of-payment-order");
            v1.MapGet("/participants/{id}/account", GetAccount).RequireRole(Role.Participant, Role.Risk, Role.Operator).AllowQuery("asOf")
                .WithSummary("An account: balances, positions, pending items; ?asOf= replays it to a moment")
                .Answers<AccountView>()
                .Refuses(400, "participant-id-format", "time-format")
                .Refuses(403, "own-participant")
                .Refuses(404, "participant-known")
                .Refuses(501, "as-of-supported");
            v1.MapGet("/participants/{id}/journal", ReplayEndpoints.Journal).RequireRole(Role.Risk).AllowQuery("from", "to")
                .WithSummary("An account's journal events, ?from= and ?to= business times")
                .Answers<JournalEntryResponse[]>()
                .Refuses(400, "participant-id-format", "time-format", "from-before-to")
                .Refuses(404, "participant-known")
                .Refuses(413, "journal-entries-max")
                .Refuses(501, "journal-readable");
            v1.MapPost("/business-day/cutoff", Cutoff).RequireRole(Role.Operator).WithSummary("The recycle cutoff: drops everything pending")
                .Answers<BusinessDayResult>()
                .Refuses(409, "business-day");
            v1.MapPost("/business-day/close", Close).RequireRole(Role.Operator).WithSummary("End of day: settles balances and opens the next business date; names the date it closes")
                .Takes<CloseBody>().Answers<BusinessDayResult>()
                .Refuses(400, "date-format")
                .Refuses(409, "business-day", "business-date");
        }
    }

    /// <summary>
    /// Ready when the ledger answers (its reference data, through the sharded reference entity) and,
    /// on a real node, its cluster member is Up and its journal answers a read. Each check is bounded
    /// by <see cref="ApiOptions.ReadyTimeout"/>; a failure answers 503 naming the check, and the
    /// node's log gets the cause (the endpoint needs no token, so the answer carries no internals).
    /// Entities whose journal is damaged (<c>journals</c>) refuse to serve on their own; while the
    /// reference data answers, the node stays ready for everything else: 200 with status
    /// <c>degraded</c> naming them, since taking the node out of rotation would stop every other
    /// account too.
    /// </summary>
    private static async Task<IResult> Ready(ILedger ledger, ApiOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        var nodeChecks = options.Health is { } health
            ? health.CheckAsync(options.ReadyTimeout, ct)
            : Task.FromResult<IReadOnlyList<HealthCheck>>([]);
        var (ledgerCheck, businessDate, referenceDamaged) = await LedgerAnswers(ledger, options.ReadyTimeout, ct);
        IReadOnlyList<HealthCheck> checks = [ledgerCheck, .. await nodeChecks];
        var shown = checks.Select(c => new { name = c.Name, ok = c.Ok, detail = c.Detail }).ToList();
        var failed = checks.Where(c => !c.Ok).ToList();
        if (failed.Count == 0) return Results.Ok(new { status = "ready", businessDate, checks = shown });
        if (failed.All(c => c.Name == HealthCheck.JournalsName)) return Results.Ok(new { status = "degraded", businessDate, checks = shown });

        var log = loggers.CreateLogger("Ledger.Host.Health");
        // A store fault is logged where it is found, once per interval; a readiness probe repeating it
        // (or the journal check failing because of it) adds nothing.
        foreach (var check in failed.Any(c => c.Rule is not null) ? [] : failed)
        {
            log.LogWarning("Not ready: {Check} failed: {Detail} ({Cause})", check.Name, check.Detail, check.Cause ?? "no further cause");
        }
        // The most specific cause names the problem: a store fault has its own rule (store-full, ...),
        // and a node out of its cluster or cut off from its journal usually stops answering as a ledger too.
        var rule = failed.FirstOrDefault(c => c.Rule is not null)?.Rule
            ?? (failed.Any(c => c.Name == HealthCheck.ClusterName) ? "cluster-up"
            : failed.Any(c => c.Name == HealthCheck.JournalName) ? "journal-reachable"
            : referenceDamaged ? "journal-intact"
            : "ledger-available");
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, rule, null,
            "the node is not ready: " + string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}")),
            extensions: new Dictionary<string, object?> { ["checks"] = shown });
    }

    private static async Task<(HealthCheck Check, string? BusinessDate, bool ReferenceDamaged)> LedgerAnswers(ILedger ledger, TimeSpan timeout, CancellationToken ct)
    {
        const string name = "ledger";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            var reference = await ledger.ReferenceAsync(limit.Token).WaitAsync(limit.Token);
            return (new HealthCheck(name, true, "the ledger answers"), reference.BusinessDate.ToString("yyyy-MM-dd"), false);
        }
        catch (JournalDamagedException e)
        {
            return (new HealthCheck(name, false, $"the reference data refuses to serve: event {e.Damage.SequenceNr} of its journal is {e.Damage.Finding}", e.Message),
                null, true);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return (new HealthCheck(name, false, "the ledger is not answering yet", e.Message), null, false);
        }
    }

    private static async Task<IResult> PutParticipant(HttpContext http, string id, ILedger ledger)
    {
        if (ParticipantPath(id) is { } badId) return badId;
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;

        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, ParticipantFields, problems);
        var name = body.String("name");
        var netDebitCap = body.Decimal("netDebitCap");
        var participantsFund = body.Decimal("participantsFund");
        var marketLoanProgram = body.Boolean("marketLoanProgram");
        var centralCounterparty = body.Boolean("centralCounterparty");
        if (problems.Count > 0) return Problems.Field(problems[0]);

        var nameError = EntryRules.NameField(name, "name");
        var capError = EntryRules.AmountField(netDebitCap, "netDebitCap", allowZero: true, out var cap);
        var fundError = EntryRules.AmountField(participantsFund, "participantsFund", allowZero: true, out var fund);
        var error = nameError ?? capError ?? fundError
            ?? Required(marketLoanProgram, "marketLoanProgram")
            ?? Required(centralCounterparty, "centralCounterparty");
        if (error is not null) return Problems.Entry(error);

        var record = new ParticipantRecord(new ParticipantId(id), name!, cap, fund, marketLoanProgram!.Value, centralCounterparty!.Value);
        var result = await ledger.PutParticipantAsync(record, http.RequestAborted);
        return Problems.Of(result) ?? Results.Ok(new ParticipantResponse(
            id, record.Name, record.NetDebitCap.Dollars, record.ParticipantsFund.Dollars, record.MarketLoanProgram, record.CentralCounterparty));
    }

    private static async Task<IResult> PutSecurity(HttpContext http, string cusip, ILedger ledger)
    {
        if (EntryRules.CusipFormat(cusip, "cusip") is { } badCusip) return Problems.Entry(badCusip);
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;

        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, SecurityFields, problems);
        var price = body.Decimal("price");
        var haircut = body.Decimal("haircut");
        if (problems.Count > 0) return Problems.Field(problems[0]);

        var error = EntryRules.PriceField(price, "price", out var parsedPrice) ?? EntryRules.HaircutField(haircut, "haircut");
        if (error is not null) return Problems.Entry(error);

        var result = await ledger.PutSecurityAsync(new Cusip(cusip), parsedPrice, haircut!.Value, http.RequestAborted);
        return Problems.Of(result) ?? Results.Ok(new SecurityResponse(cusip, parsedPrice.Dollars, haircut.Value));
    }

    private static async Task<IResult> Deposit(HttpContext http, string id, ILedger ledger)
    {
        if (ParticipantPath(id) is { } badId) return badId;
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;

        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, DepositFields, problems);
        var requestId = body.String("id");
        var cusip = body.String("cusip");
        var shares = body.Integer("shares");
        if (problems.Count > 0) return Problems.Field(problems[0]);

        var reference = await ledger.ReferenceAsync(http.RequestAborted);
        if (EntryRules.ParticipantField(id, "id", reference, out _) is { } unknown) return Problems.Entry(unknown, StatusCodes.Status404NotFound);
        var error = EntryRules.CusipField(cusip, "cusip", reference, out var parsedCusip) ?? EntryRules.SharesField(shares, "shares")
            ?? EntryRules.IdempotencyIdField(requestId, "id");
        if (error is not null) return Problems.Entry(error);

        var participant = new ParticipantId(id);
        var result = await ledger.DepositAsync(participant, parsedCusip, shares!.Value, IdempotencyIdOf(requestId), http.RequestAborted);
        return Problems.Of(result) ?? await AccountAfter(ledger, participant, http.RequestAborted);
    }

    private static async Task<IResult> SettlementProgressPayment(HttpContext http, string id, ILedger ledger)
    {
        if (ParticipantPath(id) is { } badId) return badId;
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;

        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, PaymentFields, problems);
        var requestId = body.String("id");
        var amount = body.Decimal("amount");
        if (problems.Count > 0) return Problems.Field(problems[0]);

        var reference = await ledger.ReferenceAsync(http.RequestAborted);
        if (EntryRules.ParticipantField(id, "id", reference, out _) is { } unknown) return Problems.Entry(unknown, StatusCodes.Status404NotFound);
        var error = EntryRules.AmountField(amount, "amount", allowZero: false, out var money) ?? EntryRules.IdempotencyIdField(requestId, "id");
        if (error is not null) return Problems.Entry(error);

        var participant = new ParticipantId(id);
        var result = await ledger.SettlementProgressPaymentAsync(participant, money, IdempotencyIdOf(requestId), http.RequestAborted);
        return Problems.Of(result) ?? await AccountAfter(ledger, participant, http.RequestAborted);
    }

    /// <summary>
    /// A batch is refused whole (400/413, nothing submitted) when it is over the batch limits or not a well-formed array of
    /// deliver orders; otherwise the ledger checks each against the entry rules and answers each, in order.
    /// </summary>
    private static async Task<IResult> Submit(HttpContext http, ILedger ledger, ApiOptions options)
    {
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted, batchItemsMax: options.BatchSizeMax);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;

        var root = document!.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
            return Problems.Of(StatusCodes.Status400BadRequest, "json-type", "body", "the body must be a JSON array of deliver orders");
        var count = root.GetArrayLength();
        if (count == 0)
            return Problems.Of(StatusCodes.Status400BadRequest, "batch-not-empty", "body", "the batch must hold at least one deliver order");
        // JsonBody has refused a batch of more than BatchSizeMax from a count, before building the document.

        var problems = new List<FieldProblem>();
        var requests = new List<DeliverOrderRequest>(count);
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            var fields = JsonFields.Of(item, DeliverOrderFields, problems, $"[{index}].", index);
            requests.Add(new DeliverOrderRequest(
                fields.String("id"),
                fields.String("deliverer"),
                fields.String("receiver"),
                fields.String("cusip"),
                fields.Integer("shares"),
                fields.Decimal("amount"),
                fields.String("reasonCode"),
                fields.Decimal("rebateRate"),
                fields.Decimal("collateralMargin")));
            index++;
        }
        if (problems.Count > 0)
        {
            var first = problems[0];
            var items = problems.Select(p => p.Index).Distinct().Count();
            return Problems.Of(StatusCodes.Status400BadRequest, first.Rule, first.Field,
                $"{items} of {count} deliver orders are malformed ({problems.Count} faults); nothing was submitted",
                problems.Take(BatchErrorsListedMax).ToList());
        }

        var results = await ledger.SubmitAsync(requests, http.RequestAborted);
        if (results.Count != requests.Count)
            throw new InvalidOperationException($"the ledger answered {results.Count} of {requests.Count} deliver orders");
        return Results.Ok(results.Select(r => new SubmitResponse(
            r.Id, r.Accepted, r.Status, r.Error is { } e ? new ErrorResponse(e.Field, e.RuleName, e.Message) : null)));
    }

    /// <summary>
    /// OCC sees every deliver order; a participant only those it delivers or receives. Any other
    /// id, known or not, is 403 for a participant, so that the answer does not tell which ids exist.
    /// </summary>
    private static async Task<IResult> GetDeliverOrder(HttpContext http, string id, ILedger ledger)
    {
        if (DeliverOrderPath(id) is { } badId) return badId;
        var view = await ledger.DeliverOrderAsync(new DeliverOrderId(id), http.RequestAborted);
        var caller = http.Caller();
        if (caller.Role == Role.Participant && (view is null || !IsParty(caller, view))) return NotAParty(caller, id);
        return view is null ? UnknownDeliverOrder(id) : Results.Ok(view);
    }

    /// <summary>
    /// OCC or the deliverer may cancel; the receiver gets 403 (rule deliverer), any other
    /// participant 403 as for an unknown id (rule deliver-order-party). A deliver order already
    /// final is 409 here, also when it was cancelled before: the ledger answers a repeated cancel
    /// as cancelled, and the contract says only a pending one can be.
    /// </summary>
    private static async Task<IResult> Cancel(HttpContext http, string id, ILedger ledger)
    {
        if (DeliverOrderPath(id) is { } badId) return badId;
        var doId = new DeliverOrderId(id);
        var caller = http.Caller();
        var view = await ledger.DeliverOrderAsync(doId, http.RequestAborted);
        if (caller.Role == Role.Participant && (view is null || !IsParty(caller, view))) return NotAParty(caller, id);
        if (view is null) return UnknownDeliverOrder(id);
        if (caller.Role == Role.Participant && view.Deliverer != caller.Participant!.Value.Value)
            return Problems.Of(StatusCodes.Status403Forbidden, "deliverer", "id", $"only the deliverer ({view.Deliverer}) or OCC may cancel {id}");
        if (FinalStatuses.Contains(view.Status)) return NotPending(id, view.Status);
        // A payment order settles a loan's mark: it completes or drops (the next day's mark is computed
        // from the new price), and the lending context knows no third end.
        if (view.Shares == 0 && view.ReasonCode == PaymentOrders.ReasonCode)
            return Problems.Of(StatusCodes.Status409Conflict, "payment-order-cancel", "id", $"{id} is a payment order: it completes or drops at the cutoff, and is never cancelled");

        var result = await ledger.CancelAsync(doId, http.RequestAborted);
        return result.Outcome switch
        {
            CancelOutcome.Cancelled => Results.Ok(result.DeliverOrder),
            CancelOutcome.Requested => Results.Json(result.DeliverOrder, statusCode: StatusCodes.Status202Accepted),
            CancelOutcome.NotPending => NotPending(id, result.DeliverOrder?.Status ?? "not pending"),
            CancelOutcome.NotFound => UnknownDeliverOrder(id),
            _ => throw new InvalidOperationException($"unknown cancel outcome {result.Outcome}"),
        };
    }

    /// <summary>
    /// The original receiver reclaims a completed deliver order of the same business day. The
    /// reclaim's <c>id</c> is the caller's own reference: the ledger files the reclaim as
    /// <c>PPPP~id</c> under the caller's participant number, a namespace OCC's ids never enter, so a
    /// reclaim can never take an id OCC will submit, and whether an id is taken says nothing about
    /// other firms. Another firm's deliver order is 403, and so is an unknown one (the answer does
    /// not tell which ids exist); one not completed, or already reclaimed, or of an earlier day, 409.
    /// </summary>
    private static async Task<IResult> Reclaim(HttpContext http, ILedger ledger)
    {
        var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
        if (bodyProblem is not null) return bodyProblem;
        using var owned = document;

        var problems = new List<FieldProblem>();
        var body = JsonFields.Of(document!.RootElement, ReclaimFields, problems);
        var id = body.String("id");
        var original = body.String("deliverOrderId");
        if (problems.Count > 0) return Problems.Field(problems[0]);
        if (EntryRules.ReclaimReferenceField(id, "id") is { } badId) return Problems.Entry(badId);
        if (original is null) return Problems.Of(StatusCodes.Status400BadRequest, "required", "deliverOrderId", "deliverOrderId is required");
        if (!DeliverOrderId.IsValid(original))
            return Problems.Of(StatusCodes.Status400BadRequest, "deliver-order-id-format", "deliverOrderId", "deliverOrderId is not a deliver order id");

        var caller = http.Caller();
        var result = await ledger.ReclaimAsync(new ReclaimId(caller.Participant!.Value, id!), new DeliverOrderId(original), http.RequestAborted);
        if (result.Accepted) return Results.Ok(result);
        var error = result.Error!;
        return error.Rule switch
        {
            EntryRejection.UnknownDeliverOrder or EntryRejection.NotTheOriginalReceiver =>
                Problems.Of(StatusCodes.Status403Forbidden, "reclaim-by-receiver", "deliverOrderId",
                    $"only the original receiver may reclaim a deliver order, and {original} is not one that {caller} received"),
            EntryRejection.SameIdOtherPayload or EntryRejection.ReclaimRefused or EntryRejection.AlreadyReclaimed
                or EntryRejection.ReclaimOfEarlierDay or EntryRejection.BusinessDayClosing or EntryRejection.ReclaimOfPaymentOrder => Problems.Entry(error, StatusCodes.Status409Conflict),
            _ => Problems.Entry(error),
        };
    }

    private static async Task<IResult> GetAccount(HttpContext http, string id, ILedger ledger)
    {
        if (ParticipantPath(id) is { } badId) return badId;
        var caller = http.Caller();
        if (caller.Role == Role.Participant && !caller.Is(new ParticipantId(id)))
            return Problems.Of(StatusCodes.Status403Forbidden, "own-participant", "id", $"the token is for {caller}; a participant sees only its own account");
        if (http.Request.Query.ContainsKey("asOf")) return await ReplayEndpoints.AccountAsOf(http, id);
        // Reference data first: asking the account of an id never set up would start (and remember) its actor.
        var reference = await ledger.ReferenceAsync(http.RequestAborted);
        var participant = new ParticipantId(id);
        var view = reference.Participants.ContainsKey(participant) ? await ledger.AccountAsync(participant, http.RequestAborted) : null;
        return view is null
            ? Problems.Of(StatusCodes.Status404NotFound, "participant-known", "id", $"id {id} is not a known participant")
            : Results.Ok(view);
    }

    private static async Task<IResult> Cutoff(HttpContext http, ILedger ledger) =>
        BusinessDay(await ledger.CutoffAsync(http.RequestAborted));

    /// <summary>
    /// Closes the business day the body names (<c>{"businessDate": "YYYY-MM-DD"}</c>), or without a
    /// body (or without the field) the open one. The day closed last, named again, is answered as
    /// its close was (200, nothing closes twice); any other date than the open one is 409 rule
    /// <c>business-date</c>.
    /// </summary>
    private static async Task<IResult> Close(HttpContext http, ILedger ledger)
    {
        DateOnly? businessDate = null;
        if (await HasBodyAsync(http.Request))
        {
            var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
            if (bodyProblem is not null) return bodyProblem;
            using var owned = document;
            var problems = new List<FieldProblem>();
            var body = JsonFields.Of(document!.RootElement, CloseFields, problems);
            var date = body.String("businessDate");
            if (problems.Count > 0) return Problems.Field(problems[0]);
            if (date is not null)
            {
                if (!BusinessDateText.TryParse(date, out var parsed))
                    return Problems.Of(StatusCodes.Status400BadRequest, "date-format", "businessDate", $"businessDate must be a date written YYYY-MM-DD");
                businessDate = parsed;
            }
        }
        return BusinessDay(await ledger.CloseAsync(businessDate, http.RequestAborted));
    }

    /// <summary>Whether a request carries a body at all: a content type, a length above zero, or (sent without a length) any byte.</summary>
    private static async Task<bool> HasBodyAsync(HttpRequest request)
    {
        if (request.Headers.ContentType.Count > 0 || request.ContentLength > 0) return true;
        if (request.ContentLength == 0) return false;
        var first = new byte[1];
        return await request.Body.ReadAsync(first, request.HttpContext.RequestAborted) > 0;
    }

    private static IResult BusinessDay(BusinessDayResult result) => result switch
    {
        { Ok: true } => Results.Ok(result),
        { Refusal: BusinessDayRefusal.BusinessDate } => Problems.Of(StatusCodes.Status409Conflict, "business-date", "businessDate", result.Message!),
        _ => Problems.Of(StatusCodes.Status409Conflict, "business-day", null, result.Message ?? $"the business day {result.BusinessDate} refused"),
    };

    private static async Task<IResult> AccountAfter(ILedger ledger, ParticipantId participant, CancellationToken ct) =>
        Results.Ok(await ledger.AccountAsync(participant, ct)
            ?? throw new InvalidOperationException($"account {participant} vanished after a command it accepted"));

    private static bool IsParty(Caller caller, DeliverOrderView view) =>
        caller.Participant is { } p && (view.Deliverer == p.Value || view.Receiver == p.Value);

    /// <summary>The idempotency id of a deposit or payment, checked by <see cref="EntryRules.IdempotencyIdField"/>; null when none was sent.</summary>
    private static IdempotencyId? IdempotencyIdOf(string? id) => id is null ? null : new IdempotencyId(id);

    private static IResult? ParticipantPath(string id) => ParticipantId.IsValid(id)
        ? null
        : Problems.Entry(new EntryError(EntryRejection.InvalidParticipantId, "id", "id must be a four-digit participant number"));

    private static IResult? DeliverOrderPath(string id) => DeliverOrderId.IsValid(id)
        ? null
        : Problems.Entry(new EntryError(EntryRejection.InvalidDeliverOrderId, "id",
            $"id must be 1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':' (or a reclaim's PPPP~id)"));

    private static IResult NotPending(string id, string status) => Problems.Of(StatusCodes.Status409Conflict, "deliver-order-pending", "id",
        $"{id} is {status}; only a pending deliver order can be cancelled");

    private static IResult UnknownDeliverOrder(string id) =>
        Problems.Of(StatusCodes.Status404NotFound, "deliver-order-known", "id", $"there is no deliver order {id}");

    /// <summary>403 for a participant asking about a deliver order it is not a party to, or one that does not exist.</summary>
    internal static IResult NotAParty(Caller caller, string id) =>
        Problems.Of(StatusCodes.Status403Forbidden, "deliver-order-party", "id",
            $"the token is for {caller}, which is neither deliverer nor receiver of a deliver order {id}; a participant sees only its own");

    private static EntryError? Required(bool? value, string field) =>
        value is null ? new EntryError(EntryRejection.Missing, field, $"{field} is required") : null;
}
