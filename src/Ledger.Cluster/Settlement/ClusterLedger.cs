using Ledger.Journal;
using Akka.Actor;
using Ledger.Cluster.Explain;
using Ledger.Cluster.Replay;
using Ledger.Cluster.Telemetry;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Cluster;

/// <summary>
/// The gateway into a running ledger node: entry checks against the reference data, the
/// deliver-order index, then the accounts. It only translates and routes; every rule it applies
/// is called from Ledger.Settlement.
/// </summary>
public sealed class ClusterLedger : ILedger, IPaymentOrderGateway, IJournalReader, IDeliverOrderExplainer
{
    private readonly IJournalReader? _journal;
    private readonly JournalTable? _journalTable;

    private readonly IActorRef _accounts;
    private readonly IActorRef _reference;
    private readonly IActorRef _index;
    private readonly TimeProvider _clock;
    private readonly LedgerNodeOptions _options;
    private readonly LedgerTelemetry? _telemetry;
    private readonly InFlightGate _inFlight;

    /// <param name="journal">The journal table of the node's store, its read side; null on a store without one (the in-memory test store).</param>
    /// <param name="telemetry">Counts and logs refusals at entry; null counts nothing.</param>
    public ClusterLedger(IActorRef accounts, IActorRef reference, IActorRef index, LedgerNodeOptions options, JournalTable? journal = null,
        LedgerTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _telemetry = telemetry;
        _journalTable = journal;
        _journal = journal is null ? null : new JournalReader(journal, options.ReclaimRules);
        _accounts = accounts;
        _reference = reference;
        _index = index;
        _clock = options.Clock;
        _options = options;
        _inFlight = new InFlightGate(options.DeliverOrdersInFlightMax);
    }

    /// <summary>Deliver orders this gateway has admitted and their deliverers not yet answered (at most <see cref="LedgerNodeOptions.DeliverOrdersInFlightMax"/>).</summary>
    public long DeliverOrdersInFlight => _inFlight.InFlight;

    private static readonly TimeSpan FirstStartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Deliver orders per message to one account or index bucket, at most. A batch may hold up to
    /// ledger.batch-size-max orders (up to 1,000,000), and a message that crosses nodes must fit in
    /// one remoting frame (4 MiB): 1,000 orders of the largest size take about 0.5 MB on the wire.
    /// </summary>
    public const int OrdersPerMessageMax = 1_000;

    private DateTimeOffset Now => _clock.GetUtcNow();

    private Task<T> Ask<T>(IActorRef region, object message, CancellationToken ct) => Ask<T>(region, message, _options.AskTimeout, ct);

    /// <summary>Asks an entity; an entity whose journal is damaged answers so at once, and that becomes a <see cref="JournalDamagedException"/>.</summary>
    private static async Task<T> Ask<T>(IActorRef region, object message, TimeSpan timeout, CancellationToken ct)
    {
        var answer = await region.Ask<object>(message, timeout, ct);
        // The refusals first: an ask for any answer at all (T = object) must not take one for an answer.
        return answer switch
        {
            JournalDamaged damaged => throw new JournalDamagedException(damaged),
            Busy busy => throw new LedgerBusyException(busy.Reason),
            T t => t,
            _ => throw new InvalidOperationException($"{region.Path.Name} answered {answer.GetType().Name}, expected {typeof(T).Name}"),
        };
    }

    private Task<T> AskAccount<T>(ParticipantId participant, object message, CancellationToken ct) =>
        Ask<T>(_accounts, new AccountEnvelope(participant.Value, message), ct);

    public Task<ReferenceSnapshot> ReferenceAsync(CancellationToken ct) =>
        Ask<ReferenceSnapshot>(_reference, new ReferenceEnvelope(GetReference.Instance), ct);

    private Task<ReferenceSnapshot> Reference(ReferenceCommand command, CancellationToken ct) =>
        Ask<ReferenceSnapshot>(_reference, new ReferenceEnvelope(command), ct);

    /// <summary>
    /// Opens the first business day if the ledger has none yet: the New York date of now, or the
    /// next business day, by the calendar of the default holidays (<see cref="LedgerNodeOptions.DefaultHolidays"/>),
    /// which are journaled with it. A ledger already open keeps its day and its holidays.
    /// </summary>
    public Task<ReferenceSnapshot> OpenFirstBusinessDayAsync(CancellationToken ct)
    {
        var date = HolidayRules.FirstBusinessDay(Now, _options.TimeZone, _options.RecycleCutoffLocalTime, new BusinessCalendar(_options.DefaultHolidays));
        // The first ask of a fresh node also creates the journal tables and starts the shard: allow it time.
        var first = new OpenFirstBusinessDay(date, Now, _options.DefaultHolidays);
        var timeout = _options.AskTimeout > FirstStartTimeout ? _options.AskTimeout : FirstStartTimeout;
        return Ask<ReferenceSnapshot>(_reference, new ReferenceEnvelope(first), timeout, ct);
    }

    public async Task<CommandResult> PutParticipantAsync(ParticipantRecord participant, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        // The account first: a participant becomes known to entry checks only once its account is set up.
        var reply = await AskAccount<AccountReply>(participant.Id, new ConfigureParticipant(participant.Name, participant.NetDebitCap,
            participant.ParticipantsFund, participant.MarketLoanProgram, participant.CentralCounterparty, reference.BusinessDate, Now), ct);
        if (reply is Rejected r) return new CommandResult(false, Rejection: r.Rejection, Message: r.Message);
        await Reference(new RegisterParticipant(participant, Now), ct);
        return CommandResult.Success;
    }

    public async Task<CommandResult> PutSecurityAsync(Cusip cusip, Money price, decimal haircut, CancellationToken ct)
    {
        var reference = await Reference(new ListSecurity(cusip, price, haircut, Now), ct);
        var terms = reference.Securities[cusip];
        // Accounts holding or awaiting this security revalue their collateral and recycle.
        await Task.WhenAll(reference.Participants.Keys.Select(p =>
            AskAccount<AccountReply>(p, new ApplySecurityTerms(cusip, terms, Now), ct)));
        return CommandResult.Success;
    }

    public async Task<CommandResult> DepositAsync(ParticipantId participant, Cusip cusip, long shares, IdempotencyId? id, CancellationToken ct)
    {
        var (command, error) = SettlementGateway.Deposit(await ReferenceAsync(ct), participant, cusip, shares, id, Now);
        return error is not null ? new CommandResult(false, error) : ToResult(await AskAccount<AccountReply>(participant, command!, ct));
    }

    public async Task<CommandResult> SettlementProgressPaymentAsync(ParticipantId participant, Money amount, IdempotencyId? id, CancellationToken ct)
    {
        var (command, error) = SettlementGateway.Payment(await ReferenceAsync(ct), participant, amount, id, Now);
        return error is not null ? new CommandResult(false, error) : ToResult(await AskAccount<AccountReply>(participant, command!, ct));
    }

    private static CommandResult ToResult(AccountReply reply) =>
        reply is Rejected r ? new CommandResult(false, Rejection: r.Rejection, Message: r.Message) : CommandResult.Success;

    public async Task<IReadOnlyList<SubmitResult>> SubmitAsync(IReadOnlyList<DeliverOrderRequest> requests, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var results = new SubmitResult?[requests.Count];
        var valid = new List<(int Index, DeliverOrder Order)>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var (order, error) = EntryRules.Validate(requests[i], reference);
            if (error is not null) results[i] = new SubmitResult(requests[i].Id, false, DeliverOrderStatus.Rejected.Name(), error);
            else valid.Add((i, order!));
        }
        var admitted = Admit(reference, valid, results);
        try
        {
            await EnterAsync(reference, admitted, results, ct);
        }
        finally
        {
            // Answered, or failed (a timeout, a damaged journal): either way no longer this request's to wait for.
            _inFlight.Release(admitted.Count);
        }
        if (_telemetry is { } telemetry)
        {
            var atDoor = 0;
            string? firstAtDoor = null;
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i] is not { Accepted: false, Error: { } error }) continue;
                if (error.Rule == EntryRejection.DeliverOrdersInFlightMax)
                {
                    atDoor++;
                    firstAtDoor ??= requests[i].Id;
                }
                else telemetry.Refused(requests[i].Id, requests[i].Deliverer, error);
            }
            telemetry.RefusedInFlight(atDoor, firstAtDoor ?? "", _inFlight.Max);
        }
        return results.Select(r => r!).ToList();
    }

    /// <summary>
    /// The door: takes places for <paramref name="valid"/>'s units (<see cref="Admission.Units"/>: a
    /// Market Loan's two legs together) in batch order while they fit under the in-flight limit;
    /// from the first unit that does not fit, the rest of the batch is refused
    /// (<see cref="Admission.InFlightMax"/>, filled into <paramref name="results"/>), so what is
    /// admitted keeps the order given and what is refused is a tail the client sends again in the
    /// same order. Nothing refused here has touched the index or an account. Returns the admitted
    /// orders in batch order; the caller releases their places.
    /// </summary>
    private List<(int Index, DeliverOrder Order)> Admit(ReferenceSnapshot reference, List<(int Index, DeliverOrder Order)> valid, SubmitResult?[] results)
    {
        var units = Admission.Units(valid.Select(v => v.Order).ToList(), reference);
        var admitted = new List<(int Index, DeliverOrder Order)>(valid.Count);
        var refusing = false;
        foreach (var unit in units)
        {
            if (!refusing && _inFlight.TryTake(unit.Count))
            {
                foreach (var k in unit) admitted.Add(valid[k]);
                continue;
            }
            refusing = true;
            foreach (var k in unit)
            {
                var (index, order) = valid[k];
                results[index] = Refused(order.Id, Admission.InFlightMax(order.Id, _inFlight.Max, loanLeg: unit.Count > 1));
            }
        }
        // A loan's second leg joined its unit at the first leg's place: back to the order given.
        admitted.Sort((a, b) => a.Index.CompareTo(b.Index));
        return admitted;
    }

    /// <summary>
    /// Enters orders that passed their entry checks (deliver orders, payment orders): each id is
    /// registered in its bucket, then each deliverer decides its orders in the order given. Fills
    /// <paramref name="results"/> at each order's index.
    /// </summary>
    private async Task EnterAsync(ReferenceSnapshot reference, List<(int Index, DeliverOrder Order)> valid, SubmitResult?[] results, CancellationToken ct)
    {
        // Register every id in its index bucket (durably) before any account hears of it.
        var registrations = await Task.WhenAll(valid.GroupBy(v => IndexBuckets.Of(v.Order.Id))
            .SelectMany(bucket => bucket.Chunk(OrdersPerMessageMax).Select(items => (Bucket: bucket.Key, Items: items)))
            .Select(async chunk =>
            {
                var outcomes = await Ask<RegistrationOutcomes>(_index,
                    new IndexEnvelope(chunk.Bucket, new RegisterDeliverOrders(chunk.Items.Select(x => x.Order).ToList(), reference.BusinessDate)), ct);
                return chunk.Items.Select((item, k) => (item.Index, item.Order, outcome: outcomes.Outcomes[k], registeredOn: outcomes.RegisteredOn[k]));
            }));

        // Back in the order given (registration went bucket by bucket), so that each deliverer decides
        // its orders in that order: which of them pend when shares run short depends on it.
        var toDeliverers = new List<(int Index, DeliverOrder Order)>();
        foreach (var (index, order, outcome, registeredOn) in registrations.SelectMany(r => r).OrderBy(r => r.Index))
        {
            switch (SettlementGateway.Route(outcome, registeredOn, reference.BusinessDate))
            {
                case SubmitRoute.OtherPayload:
                    results[index] = Refused(order.Id, SettlementGateway.OtherPayload(order.Id));
                    break;
                case SubmitRoute.FromRecords:
                    var view = await DeliverOrderAsync(order.Id, ct);
                    results[index] = SettlementGateway.FromRecords(order.Id, registeredOn, view) is { } forgotten
                        ? Refused(order.Id, forgotten)
                        : new SubmitResult(order.Id.Value, true, view!.Status, null);
                    break;
                default:
                    toDeliverers.Add((index, order));
                    break;
            }
        }

        // A resubmission with the same payload on its day goes to the deliverer again: it answers from its records.
        // A deliverer's orders go in chunks sent in order (each Ask is sent before the next is made),
        // so the account still decides them in the order given.
        await Task.WhenAll(toDeliverers.GroupBy(x => x.Order.Deliverer)
            .SelectMany(group => group.Chunk(OrdersPerMessageMax).Select(items => (Deliverer: group.Key, Items: items)))
            .Select(async chunk =>
        {
            var items = chunk.Items;
            var commands = items.Select(x => (AccountCommand)new SubmitDelivery(x.Order, reference.Securities[x.Order.Cusip], Now)).ToList();
            var replies = await AskAccount<AccountReplies>(chunk.Deliverer, new AccountCommands(commands), ct);
            for (var k = 0; k < items.Length; k++)
            {
                var (index, order) = items[k];
                results[index] = replies.Replies[k] switch
                {
                    DeliveryStatusReply s => new SubmitResult(order.Id.Value, true, SettlementGateway.StatusOf(s), null),
                    Rejected r => Refused(order.Id, SettlementGateway.RefusedByDeliverer(r)),
                    var other => throw new InvalidOperationException($"unexpected reply {other?.GetType().Name} to a delivery"),
                };
            }
        }));
    }

    /// <inheritdoc />
    public async Task<SubmitResult> SubmitPaymentOrderAsync(PaymentOrderRequest request, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var (order, route, error) = PaymentOrders.Validate(request, reference);
        if (error is not null) return new SubmitResult(request.Id, false, DeliverOrderStatus.Rejected.Name(), error);
        if (route == PaymentOrderRoute.ClosedDay)
        {
            if (await FindAsync(order!.Id, ct) is not { } known)
                return new SubmitResult(order.Id.Value, false, PaymentOrders.DroppedStatus, PaymentOrders.ClosedDay(request, reference));
            if (known.Fingerprint != order.Fingerprint) return Refused(order.Id, SettlementGateway.OtherPayload(order.Id));
            var view = await DeliverOrderAsync(order.Id, ct);
            return SettlementGateway.FromRecords(order.Id, known.BusinessDate, view) is { } forgotten
                ? Refused(order.Id, forgotten)
                : new SubmitResult(order.Id.Value, true, view!.Status, null);
        }
        var results = new SubmitResult?[1];
        await EnterAsync(reference, [(0, order!)], results, ct);
        return results[0]!;
    }

    private static SubmitResult Refused(DeliverOrderId id, EntryError error) => new(id.Value, false, DeliverOrderStatus.Rejected.Name(), error);

    public async Task<DeliverOrderView?> DeliverOrderAsync(DeliverOrderId id, CancellationToken ct) => (await LookUpAsync(id, ct)).View;

    /// <summary>A deliver order's index entry, the order as its deliverer holds it, and its view; nulls where the index or the deliverer does not know it.</summary>
    private async Task<(IndexEntry? Entry, DeliverOrder? Order, DeliverOrderView? View)> LookUpAsync(DeliverOrderId id, CancellationToken ct)
    {
        if (await FindAsync(id, ct) is not { } entry) return (null, null, null);
        var found = await AskAccount<DeliveryFound>(entry.Deliverer, new GetDelivery(id), ct);
        if (found.Delivery is not { } delivery) return (entry, null, null); // registered, but the deliverer never took it (or has forgotten it)
        ReceiveSnapshot? receive = null;
        if (delivery.Stage is DeliveryStage.InFlight or DeliveryStage.CancelRequested)
        {
            receive = await AskAccount<ReceiveSnapshot>(entry.Receiver, new GetReceive(id), ct);
        }
        return (entry, delivery.Order, DeliverOrderViews.Combine(delivery.Order, delivery.Stage, delivery.PendReason, delivery.CompletedBy,
            receive?.Stage, receive?.PendReason, receive?.CompletedBy));
    }

    /// <summary>
    /// A reclaim, by <see cref="SettlementGateway"/>'s steps: the entry checks, the id's bucket, the
    /// reclaimer's account (which decides eligibility), and only then its id is registered: a
    /// refused reclaim leaves its id free.
    /// </summary>
    public async Task<SubmitResult> ReclaimAsync(ReclaimId id, DeliverOrderId original, CancellationToken ct)
    {
        var reclaimer = id.Reclaimer;
        var reclaimId = id.DeliverOrderId;
        SubmitResult Refusal(EntryError error)
        {
            _telemetry?.Refused(reclaimId.Value, reclaimer.Value, error);
            return Refused(reclaimId, error);
        }

        if (EntryRules.ReclaimReferenceField(id.Reference, "id") is { } badReference) return Refusal(badReference);
        var (entry, originalOrder, originalView) = await LookUpAsync(original, ct);
        var reference = await ReferenceAsync(ct);
        if (SettlementGateway.ReclaimEntry(reclaimer, original, entry, originalView, reference) is { } refused) return Refusal(refused);

        var reclaim = Reclaims.Of(reclaimId, originalOrder!);
        if (SettlementGateway.ReclaimIdOutcome(await FindAsync(reclaimId, ct), reclaim) == RegistrationOutcome.ConflictingPayload)
            return Refusal(SettlementGateway.ReclaimOtherPayload(reclaimId));

        var reply = await AskAccount<AccountReply>(reclaimer, new SubmitDelivery(reclaim, reference.Securities[reclaim.Cusip], Now), ct);
        if (reply is Rejected r) return Refusal(SettlementGateway.ReclaimRefusedByAccount(r));
        if (reply is not DeliveryStatusReply status) throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to a reclaim");
        // Taken once the reclaimer holds it; a reclaim sent again is answered from its records and registers then.
        var registered = await Ask<RegistrationOutcomes>(_index,
            new IndexEnvelope(IndexBuckets.Of(reclaimId), new RegisterDeliverOrders([reclaim], reference.BusinessDate)), ct);
        return registered.Outcomes[0] == RegistrationOutcome.ConflictingPayload
            ? Refusal(SettlementGateway.ReclaimOtherPayload(reclaimId))
            : new SubmitResult(reclaimId.Value, true, SettlementGateway.StatusOf(status), null);
    }

    /// <summary>The deliverer and receiver of a deliver order the index knows, of any day (the lending context finds a loan's book by them).</summary>
    public async Task<(ParticipantId Deliverer, ParticipantId Receiver)?> PartiesOfAsync(DeliverOrderId id, CancellationToken ct) =>
        await FindAsync(id, ct) is { } entry ? (entry.Deliverer, entry.Receiver) : null;

    private async Task<IndexEntry?> FindAsync(DeliverOrderId id, CancellationToken ct) =>
        (await Ask<DeliverOrderLocation>(_index, new IndexEnvelope(IndexBuckets.Of(id), new FindDeliverOrder(id)), ct)).Entry;

    public async Task<CancelResult> CancelAsync(DeliverOrderId id, CancellationToken ct)
    {
        if (await FindAsync(id, ct) is not { } entry) return SettlementGateway.CancelOutcomeOf(null);
        var reply = await AskAccount<AccountReply>(entry.Deliverer, new CancelDelivery(id, Now), ct);
        if (reply is not DeliveryStatusReply) return SettlementGateway.CancelOutcomeOf(null);
        // A cancel of a receive-side pend is decided by the receiver; give it a moment to answer.
        var deadline = Now + TimeSpan.FromSeconds(2);
        while (true)
        {
            var result = SettlementGateway.CancelOutcomeOf(await DeliverOrderAsync(id, ct));
            if (result.Outcome != CancelOutcome.Requested || Now >= deadline) return result;
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    public async Task<AccountView?> AccountAsync(ParticipantId participant, CancellationToken ct)
    {
        var answer = await AskAccount<object>(participant, GetAccountView.Instance, ct);
        return answer as AccountView;
    }

    public Task<AccountView?> ReplayAsync(ParticipantId participant, ReplayBound bound, CancellationToken ct) =>
        Journal.ReplayAsync(participant, bound, ct);

    public Task<IReadOnlyList<JournalEntry>?> EventsAsync(ParticipantId participant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        Journal.EventsAsync(participant, from, to, ct);

    /// <summary>The journal table this node reads (replays, journal listings, explanations); null on a store without one.</summary>
    public JournalTable? JournalTable => _journalTable;

    public async Task<ExplainResult> ExplainAsync(DeliverOrderId id, ParticipantId? participant, CancellationToken ct)
    {
        var table = _journalTable ?? throw new NotSupportedException($"the store '{_options.Store}' of this node has no read journal");
        // The party check first, from the id's registration in its live index bucket: one lookup,
        // the same for an unknown id and another firm's, and nothing read from any journal.
        if (await FindAsync(id, ct) is not { } entry) return ExplainResult.Unknown;
        if (participant is { } p && entry.Deliverer != p && entry.Receiver != p) return ExplainResult.NotAParty;
        var registered = DeliverOrderIndexState.RegistrationOf(id, entry)
            ?? throw new InvalidOperationException($"the index entry of {id} carries no registration time (a node older than this one answered)");
        // What the participant may see anyway (GET /v1/deliver-orders/{id}) gives its explanation's final state.
        var view = participant is null ? null : await DeliverOrderAsync(id, ct);
        return await ExplainReader.ExplainKeyedAsync(registered, participant, view,
            async (account, ids, day, token) =>
            {
                var answer = await AskAccount<DeliverOrderEvents>(new ParticipantId(account), new GetDeliverOrderEvents(ids, day), token);
                return new IndexedEvents(answer.SequenceNrs, answer.Retained);
            },
            async (account, sequenceNrs, token) =>
            {
                var rows = await table.EventsAtAsync(AccountReplay.PersistenceIdOf(new ParticipantId(account)), sequenceNrs, token);
                return rows.Where(r => r.Event is AccountEvent).Select(r => new JournaledEvent(account, r.SequenceNr, (AccountEvent)r.Event)).ToList();
            }, ct);
    }

    /// <summary>What other contexts add to this gateway: their services for the host, their steps in the close.</summary>
    public ContextServices Services { get; } = new();

    /// <summary>Deliver orders of <paramref name="participant"/> not yet final: in flight and pending at either side.</summary>
    public async Task<int> InFlightAsync(ParticipantId participant, CancellationToken ct)
    {
        var inFlight = await AskAccount<InFlightCount>(participant, GetInFlightCount.Instance, ct);
        var view = await AccountAsync(participant, ct);
        return inFlight.Deliveries + (view?.Pending.Count ?? 0);
    }

    private IJournalReader Journal => _journal ?? throw new NotSupportedException($"the store '{_options.Store}' of this node has no read journal");

    public async Task<BusinessDayResult> CutoffAsync(CancellationToken ct)
    {
        var reference = await Reference(new StartRecycleCutoff(Now), ct);
        return SettlementGateway.Cutoff(reference.BusinessDate, await FanOut(reference, p => new ReachRecycleCutoff(reference.BusinessDate, Now), ct));
    }

    public Task<BusinessDayResult> CloseAsync(CancellationToken ct) => CloseAsync(null, ct);

    /// <summary>
    /// End of day, by <see cref="SettlementGateway"/>'s steps: stop taking deliver orders (only if
    /// <paramref name="businessDate"/> is the open day), drop what is pending, wait until no
    /// delivery is in flight anywhere (so no day's money crosses into the next), then settle every
    /// account and open the next day.
    /// </summary>
    public async Task<BusinessDayResult> CloseAsync(DateOnly? businessDate, CancellationToken ct)
    {
        if (SettlementGateway.CloseAnswered(await ReferenceAsync(ct), businessDate) is { } answered) return answered;
        var reference = await Reference(new StartClose(Now, businessDate), ct);
        // Another close may have finished the day in between: the reference data only starts closing the day named.
        if (!SettlementGateway.IsClosing(reference, businessDate))
            return SettlementGateway.CloseAnswered(reference, businessDate) ?? throw new InvalidOperationException("the reference data neither closes nor answers");
        var closing = reference.BusinessDate;
        var accounts = reference.Participants.Count;
        await FanOut(reference, p => new DropAllPending(closing, Now), ct);
        var deadline = Now + _options.AskTimeout;
        while (true)
        {
            var counts = await Task.WhenAll(reference.Participants.Keys.Select(p => AskAccount<InFlightCount>(p, GetInFlightCount.Instance, ct)));
            var inFlight = SettlementGateway.InFlight(closing, accounts, counts.Select(c => (new ParticipantId(c.Participant), c.Deliveries)).ToList());
            if (inFlight is null) break;
            // A look-ahead pair unpaired by a drop puts its receive back to pending: drop again.
            await FanOut(reference, p => new DropAllPending(closing, Now), ct);
            if (Now >= deadline) return inFlight;
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
        var next = reference.Calendar.Next(closing);
        var replies = await FanOut(reference, p => new CloseBusinessDay(closing, next, Now), ct);
        if (SettlementGateway.AccountsRefused(closing, replies) is { } refused) return refused;
        // Other contexts' steps between the accounts' close and the open (income: record dates, payable dates).
        foreach (var step in Services.CloseSteps) await step.AfterAccountsClosedAsync(closing, next, reference, ct);
        var opened = await Reference(new FinishClose(Now), ct);
        // Other contexts' steps once the next day is open (lending: the open's marks, sent as payment orders).
        foreach (var step in Services.OpenSteps) await step.AfterOpenedAsync(closing, opened.BusinessDate, opened, ct);
        return SettlementGateway.Closed(opened.LastClosed ?? throw new InvalidOperationException($"the reference data opened {opened.BusinessDate} without recording the close"));
    }

    public async Task<CommandResult> PutHolidayAsync(Holiday holiday, CancellationToken ct)
    {
        if (HolidayRules.CheckDeclare(await ReferenceAsync(ct), holiday) is { } refused) return new CommandResult(false, refused);
        var after = await Reference(new DeclareHoliday(holiday, Now), ct);
        return after.Calendar.Holidays.Contains(holiday) ? CommandResult.Success : Meanwhile(HolidayRules.CheckDeclare(after, holiday));
    }

    public async Task<CommandResult> DeleteHolidayAsync(DateOnly date, CancellationToken ct)
    {
        if (HolidayRules.CheckRemove(await ReferenceAsync(ct), date) is { } refused) return new CommandResult(false, refused);
        var after = await Reference(new RemoveHoliday(date, Now), ct);
        return !after.Calendar.IsHoliday(date) ? CommandResult.Success : Meanwhile(HolidayRules.CheckRemove(after, date));
    }

    /// <summary>
    /// The reference data changed between the check and the command (the day closed, another
    /// request changed the same date): it decided nothing, and the rules on its new state say why.
    /// </summary>
    private static CommandResult Meanwhile(EntryError? error) => error is not null
        ? new CommandResult(false, error)
        : new CommandResult(false, Message: "the calendar changed while this request ran; send it again");

    private async Task<IReadOnlyList<AccountReply>> FanOut(ReferenceSnapshot reference, Func<ParticipantId, AccountCommand> command, CancellationToken ct) =>
        await Task.WhenAll(reference.Participants.Keys.Select(p => AskAccount<AccountReply>(p, command(p), ct)));
}

/// <summary>An account has more work waiting than it takes; the caller should try again shortly.</summary>
public sealed class LedgerBusyException(string message) : Exception(message);

public static class NewYork
{
    public static readonly TimeZoneInfo TimeZone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
}
