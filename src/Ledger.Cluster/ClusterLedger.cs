using Ledger.Journal;
using Akka.Actor;
using Ledger.Cluster.Explain;
using Ledger.Cluster.Replay;
using Ledger.Cluster.Telemetry;
using Ledger.Domain;
using Ledger.Domain.Events;

namespace Ledger.Cluster;

/// <summary>
/// The gateway into a running ledger node: entry checks against the reference data, the
/// deliver-order index, then the accounts. It only translates and routes; every rule it applies
/// is called from Ledger.Domain.
/// </summary>
public sealed class ClusterLedger : ILedger, IJournalReader, IDeliverOrderExplainer
{
    private readonly IJournalReader? _journal;
    private readonly JournalTable? _journalTable;

    private readonly IActorRef _accounts;
    private readonly IActorRef _reference;
    private readonly IActorRef _index;
    private readonly TimeProvider _clock;
    private readonly LedgerNodeOptions _options;
    private readonly LedgerTelemetry? _telemetry;

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
    }

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
        var reference = await ReferenceAsync(ct);
        if (!reference.Participants.ContainsKey(participant))
            return new CommandResult(false, new EntryError(EntryRejection.UnknownParticipant, "participant", $"participant {participant} is not known"));
        if (!reference.Securities.TryGetValue(cusip, out var terms))
            return new CommandResult(false, new EntryError(EntryRejection.UnknownSecurity, "cusip", $"cusip {cusip} is not a known security"));
        return ToResult(await AskAccount<AccountReply>(participant, new DepositShares(cusip, shares, terms, Now, id), ct));
    }

    public async Task<CommandResult> SettlementProgressPaymentAsync(ParticipantId participant, Money amount, IdempotencyId? id, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        if (!reference.Participants.ContainsKey(participant))
            return new CommandResult(false, new EntryError(EntryRejection.UnknownParticipant, "participant", $"participant {participant} is not known"));
        return ToResult(await AskAccount<AccountReply>(participant, new ReceiveSettlementProgressPayment(amount, Now, id), ct));
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
            if (outcome == RegistrationOutcome.ConflictingPayload)
            {
                results[index] = new SubmitResult(order.Id.Value, false, DeliverOrderStatus.Rejected.Name(), new EntryError(
                    EntryRejection.SameIdOtherPayload, "id", $"deliver order {order.Id} was already submitted with other details"));
            }
            else if (outcome == RegistrationOutcome.SameAsBefore && registeredOn != reference.BusinessDate)
            {
                // A resubmission from an earlier business day is answered from the records, never applied
                // again: the deliverer forgets the deliveries of days closed before the last one.
                var view = await DeliverOrderAsync(order.Id, ct);
                results[index] = view is not null
                    ? new SubmitResult(order.Id.Value, true, view.Status, null)
                    : new SubmitResult(order.Id.Value, false, DeliverOrderStatus.Rejected.Name(), new EntryError(EntryRejection.SameIdOtherPayload, "id",
                        $"deliver order {order.Id} was taken on business day {registeredOn:yyyy-MM-dd}, which is closed; ids are never reused"));
            }
            else
            {
                toDeliverers.Add((index, order));
            }
        }

        // A resubmission with the same payload goes to the deliverer again: it answers from its records.
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
                    DeliveryStatusReply s => new SubmitResult(order.Id.Value, true, StatusName(s), null),
                    Rejected r => new SubmitResult(order.Id.Value, false, DeliverOrderStatus.Rejected.Name(),
                        new EntryError(EntryRejection.UnknownParticipant, "deliverer", r.Message)),
                    var other => throw new InvalidOperationException($"unexpected reply {other?.GetType().Name} to a delivery"),
                };
            }
        }));
        if (_telemetry is { } telemetry)
        {
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i] is { Accepted: false, Error: { } error }) telemetry.Refused(requests[i].Id, requests[i].Deliverer, error);
            }
        }
        return results.Select(r => r!).ToList();
    }

    private static string StatusName(DeliveryStatusReply s) => s.Stage switch
    {
        DeliveryStage.PendingAtDeliverer => DeliverOrderStatus.Pending.Name(),
        DeliveryStage.Completed => DeliverOrderStatus.Completed.Name(),
        DeliveryStage.Dropped => DeliverOrderStatus.Dropped.Name(),
        DeliveryStage.Cancelled => DeliverOrderStatus.Cancelled.Name(),
        _ => DeliverOrderStatus.Accepted.Name(),
    };

    public async Task<DeliverOrderView?> DeliverOrderAsync(DeliverOrderId id, CancellationToken ct)
    {
        var location = await Ask<DeliverOrderLocation>(_index, new IndexEnvelope(IndexBuckets.Of(id), new FindDeliverOrder(id)), ct);
        if (location.Entry is not { } entry) return null;
        var found = await AskAccount<DeliveryFound>(entry.Deliverer, new GetDelivery(id), ct);
        if (found.Delivery is not { } delivery) return null; // registered, but the deliverer never took it: not accepted
        ReceiveSnapshot? receive = null;
        if (delivery.Stage is DeliveryStage.InFlight or DeliveryStage.CancelRequested)
        {
            receive = await AskAccount<ReceiveSnapshot>(entry.Receiver, new GetReceive(id), ct);
        }
        return DeliverOrderViews.Combine(delivery.Order, delivery.Stage, delivery.PendReason, delivery.CompletedBy,
            receive?.Stage, receive?.PendReason, receive?.CompletedBy);
    }

    public async Task<SubmitResult> ReclaimAsync(ReclaimId id, DeliverOrderId original, CancellationToken ct)
    {
        var reclaimer = id.Reclaimer;
        var reclaimId = id.DeliverOrderId;
        SubmitResult Refused(EntryRejection rule, string field, string message)
        {
            var error = new EntryError(rule, field, message);
            _telemetry?.Refused(reclaimId.Value, reclaimer.Value, error);
            return new(reclaimId.Value, false, DeliverOrderStatus.Rejected.Name(), error);
        }

        if (EntryRules.ReclaimReferenceField(id.Reference, "id") is { } badReference) return Refused(badReference.Rule, badReference.Field, badReference.Message);

        var location = await Ask<DeliverOrderLocation>(_index, new IndexEnvelope(IndexBuckets.Of(original), new FindDeliverOrder(original)), ct);
        if (location.Entry is not { } entry)
            return Refused(EntryRejection.UnknownDeliverOrder, "deliverOrderId", $"deliver order {original} is not known");
        if (entry.Receiver != reclaimer)
            return Refused(EntryRejection.NotTheOriginalReceiver, "deliverOrderId", $"only the receiver of {original} may reclaim it");
        var found = await AskAccount<DeliveryFound>(entry.Deliverer, new GetDelivery(original), ct);
        if (found.Delivery is not { } delivery)
            return Refused(EntryRejection.UnknownDeliverOrder, "deliverOrderId", $"deliver order {original} is not known");

        if (delivery.Stage != DeliveryStage.Completed && (await DeliverOrderAsync(original, ct))?.Status != DeliverOrderStatus.Completed.Name())
            return Refused(EntryRejection.ReclaimRefused, "deliverOrderId", $"{original} is not completed, so there is nothing to reclaim");

        var reclaim = Reclaims.Of(reclaimId, delivery.Order);
        var reference = await ReferenceAsync(ct);
        if (reference.Closing)
            return Refused(EntryRejection.BusinessDayClosing, "id", $"business day {reference.BusinessDate:yyyy-MM-dd} is closing");
        var outcome = (await Ask<RegistrationOutcomes>(_index,
            new IndexEnvelope(IndexBuckets.Of(reclaimId), new RegisterDeliverOrders([reclaim], reference.BusinessDate)), ct)).Outcomes[0];
        if (outcome == RegistrationOutcome.ConflictingPayload)
            return Refused(EntryRejection.SameIdOtherPayload, "id", $"reclaim {reclaimId} was already made of another deliver order");

        // The reclaimer's account decides whether the original may be reclaimed (completed today, not reclaimed yet).
        var reply = await AskAccount<AccountReply>(reclaimer, new SubmitDelivery(reclaim, reference.Securities[reclaim.Cusip], Now), ct);
        return reply switch
        {
            DeliveryStatusReply s => new SubmitResult(reclaimId.Value, true, StatusName(s), null),
            Rejected r => Refused(r.Rejection switch
            {
                AccountRejection.AlreadyReclaimed => EntryRejection.AlreadyReclaimed,
                AccountRejection.ReclaimOfEarlierDay => EntryRejection.ReclaimOfEarlierDay,
                AccountRejection.ReclaimOfUnknown => EntryRejection.UnknownDeliverOrder,
                _ => EntryRejection.ReclaimRefused,
            }, "deliverOrderId", r.Message),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to a reclaim"),
        };
    }

    public async Task<CancelResult> CancelAsync(DeliverOrderId id, CancellationToken ct)
    {
        var location = await Ask<DeliverOrderLocation>(_index, new IndexEnvelope(IndexBuckets.Of(id), new FindDeliverOrder(id)), ct);
        if (location.Entry is not { } entry) return new CancelResult(CancelOutcome.NotFound, null);
        var reply = await AskAccount<AccountReply>(entry.Deliverer, new CancelDelivery(id, Now), ct);
        if (reply is not DeliveryStatusReply) return new CancelResult(CancelOutcome.NotFound, null);
        // A cancel of a receive-side pend is decided by the receiver; give it a moment to answer.
        var deadline = Now + TimeSpan.FromSeconds(2);
        while (true)
        {
            var view = await DeliverOrderAsync(id, ct);
            if (view is null) return new CancelResult(CancelOutcome.NotFound, null);
            if (view.Status == DeliverOrderStatus.Cancelled.Name()) return new CancelResult(CancelOutcome.Cancelled, view);
            if (view.Status is "completed" or "dropped") return new CancelResult(CancelOutcome.NotPending, view);
            if (Now >= deadline) return new CancelResult(CancelOutcome.Requested, view);
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
        var location = await Ask<DeliverOrderLocation>(_index, new IndexEnvelope(IndexBuckets.Of(id), new FindDeliverOrder(id)), ct);
        if (location.Entry is not { } entry) return ExplainResult.Unknown;
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

    private IJournalReader Journal => _journal ?? throw new NotSupportedException($"the store '{_options.Store}' of this node has no read journal");

    public async Task<BusinessDayResult> CutoffAsync(CancellationToken ct)
    {
        var reference = await Reference(new StartRecycleCutoff(Now), ct);
        var replies = await FanOut(reference, p => new ReachRecycleCutoff(reference.BusinessDate, Now), ct);
        var refused = replies.OfType<Rejected>().ToList();
        return new BusinessDayResult(refused.Count == 0, AccountState.FormatDate(reference.BusinessDate), null, replies.Count,
            refused.Count == 0 ? "recycle cutoff reached: every pending deliver order dropped" : string.Join("; ", refused.Select(r => r.Message)));
    }

    /// <summary>
    /// End of day: stop taking deliver orders, drop what is pending, wait until no delivery is in
    /// flight anywhere (so no day's money crosses into the next), then settle every account.
    /// </summary>
    public async Task<BusinessDayResult> CloseAsync(CancellationToken ct)
    {
        var reference = await Reference(new StartClose(Now), ct);
        var closing = reference.BusinessDate;
        await FanOut(reference, p => new DropAllPending(closing, Now), ct);
        var deadline = Now + _options.AskTimeout;
        while (true)
        {
            var counts = await Task.WhenAll(reference.Participants.Keys.Select(p => AskAccount<InFlightCount>(p, GetInFlightCount.Instance, ct)));
            var busy = counts.Where(c => c.Deliveries > 0).ToList();
            if (busy.Count == 0) break;
            // A look-ahead pair unpaired by a drop puts its receive back to pending: drop again.
            await FanOut(reference, p => new DropAllPending(closing, Now), ct);
            if (Now >= deadline)
            {
                return new BusinessDayResult(false, AccountState.FormatDate(closing), null, counts.Length,
                    $"deliveries still in flight at {string.Join(", ", busy.Select(b => $"{b.Participant} ({b.Deliveries})"))}; close again shortly");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
        var next = reference.Calendar.Next(closing);
        var replies = await FanOut(reference, p => new CloseBusinessDay(closing, next, Now), ct);
        var refused = replies.OfType<Rejected>().ToList();
        if (refused.Count > 0)
        {
            return new BusinessDayResult(false, AccountState.FormatDate(closing), null, replies.Count, string.Join("; ", refused.Select(r => r.Message)));
        }
        var opened = await Reference(new FinishClose(Now), ct);
        return new BusinessDayResult(true, AccountState.FormatDate(closing), AccountState.FormatDate(opened.BusinessDate), replies.Count,
            "business day closed: balances settled, positions carried over");
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
