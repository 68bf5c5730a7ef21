using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Ledger.Cluster.Telemetry;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// One participant account: a thin shell around <see cref="AccountDecider"/>, and a user of the
/// runtime's <see cref="GroupCommitEntity{TEvent}"/>. Commands that arrive while a write is in
/// flight wait in a bounded buffer and are decided together when it ends, so each account writes
/// one batch at a time (group commit). Replies and messages to other accounts leave only once the
/// events that justify them are persisted; if persisting fails the actor stops, its state (which
/// ran ahead of the journal) is discarded, and it recovers from the journal, resending whatever it
/// still has in flight.
/// <para>
/// Recovery checks the journal as it replays it (<see cref="JournalCheck"/>), then upcasts each
/// event to today's type: an event missing, not readable or not matching its hash chain stops the
/// replay there, and the account then answers every request with <see cref="JournalDamaged"/>
/// naming the event, sends nothing and writes nothing, rather than act on state its journal does
/// not vouch for.
/// </para>
/// </summary>
public sealed class AccountActor : GroupCommitEntity<AccountEvent>, IWithTimers
{
    // Replaced once, by a snapshot recovery starts from.
    private AccountState _state;
    // Which journal rows tell each deliver order's life: fed every event recovered or persisted, answers explanations.
    private DeliverOrderEventIndex _events = new();
    private readonly ReclaimRules _reclaimRules;
    private readonly IActorRef _accounts;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _resendInterval;
    private readonly HashSet<DeliverOrderId> _acknowledgedPending = new();
    private readonly ResendSchedule<DeliverOrderId> _resends = new();
    private readonly LedgerTelemetry _telemetry = LedgerTelemetry.Of(Context.System);
    // Takes the snapshots beside this actor (AccountSnapshotter); started once recovery is complete, null with snapshots off.
    private IActorRef? _snapshotter;
    // During recovery from a snapshot: that snapshot and the events replayed after it, which the snapshotter starts from.
    private AccountSnapshotState? _recoveredFrom;
    private long _recoveredFromSequenceNr;
    private List<(AccountEvent Event, long SequenceNr)>? _recoveredAfter;

    public AccountActor(string participant, IActorRef accounts, TimeProvider clock, TimeSpan resendInterval, ReclaimRules reclaimRules)
        : base(Journals.AccountPrefix + participant)
    {
        _state = new AccountState(new ParticipantId(participant), reclaimRules);
        _reclaimRules = reclaimRules;
        _accounts = accounts;
        _clock = clock;
        _resendInterval = resendInterval;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string participant, IActorRef accounts, TimeProvider clock, TimeSpan resendInterval, ReclaimRules reclaimRules) =>
        Akka.Actor.Props.Create(() => new AccountActor(participant, accounts, clock, resendInterval, reclaimRules));

    internal sealed record ResendTick
    {
        public static readonly ResendTick Instance = new();
    }

    // A command from another account is never refused busy: refusing a protocol step would lose
    // it. Refusals from another account are not commands at all (see Decide).
    protected override bool Bounded(object message) => message is not (AccountCommand or JournalDamaged or Busy);

    protected override void Evolve(AccountEvent e, long sequenceNr)
    {
        // Checked as stored (by the entity, before this), applied as today's type (LegacyEvents).
        var current = (AccountEvent)Upcast.ToCurrent(e);
        _state.Apply(current);
        _events.Record(sequenceNr, current);
        _recoveredAfter?.Add((e, sequenceNr));
    }

    // No SnapshotState here: the account's snapshots are taken by its AccountSnapshotter, off this
    // actor's thread (copying OCC's state here stalled its settlement for up to seconds).

    protected override void RestoreSnapshot(object state, long sequenceNr)
    {
        var snapshot = (AccountSnapshotState)state;
        (_state, _events) = snapshot.Restore(_reclaimRules);
        if (SnapshotEveryEvents > 0)
        {
            // Immutable values: the snapshotter builds its own copy from them, on its own thread.
            _recoveredFrom = snapshot;
            _recoveredFromSequenceNr = sequenceNr;
            _recoveredAfter = new List<(AccountEvent, long)>();
        }
    }

    protected override void Recovered()
    {
        // From a stored snapshot the snapshotter starts without a copy; otherwise only once the
        // journal is long enough to need snapshots soon (below that, no second state is kept).
        if (_recoveredFrom is not null || LastSequenceNr >= SnapshotterStartsAtEvents) StartSnapshotter();
        Timers.StartPeriodicTimer("resend", ResendTick.Instance, _resendInterval);
        SendAll(AccountDecider.Unsettled(_state, _clock.GetUtcNow()));
        _telemetry.PendingDepth(_state);
    }

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<AccountEvent> events)
    {
        var reply = Answer(message, events, out var messages);
        // Outcomes for another account travel as the commands the decider addresses to it, never as replies into the account region.
        return new GroupCommitEffect(sender.Equals(_accounts) ? null : reply, messages is { Count: > 0 } ? () => SendAll(messages) : null);
    }

    private object? Answer(object message, List<AccountEvent> events, out List<Outbound>? messages)
    {
        messages = null;
        switch (message)
        {
            case AccountCommand command:
                {
                    var decision = Decide(command);
                    events.AddRange(decision.Events);
                    messages = decision.Messages;
                    return decision.Reply;
                }
            case AccountCommands batch:
                {
                    var replies = new List<AccountReply?>(batch.Commands.Count);
                    messages = new List<Outbound>();
                    foreach (var command in batch.Commands)
                    {
                        var decision = Decide(command);
                        events.AddRange(decision.Events);
                        messages.AddRange(decision.Messages);
                        replies.Add(decision.Reply);
                    }
                    return new AccountReplies(replies);
                }
            case JournalDamaged or Busy:
                // A refusal from another account, never answered (two accounts must not refuse each
                // other in a loop): a receiver whose journal is damaged says so to every resend, and
                // the delivery stays in flight, asked about again until that journal is repaired.
                return null;
            case GetAccountView:
                return _state.IsConfigured
                    ? AccountView.Of(_state)
                    : new Rejected(AccountRejection.NotConfigured, $"participant {_state.Participant} is not set up");
            case GetDelivery q:
                return new DeliveryFound(_state.Deliveries.TryGetValue(q.Id, out var d)
                    ? new DeliverySnapshot(d.Order, d.Stage, d.PendReason, d.CompletedBy)
                    : null);
            case GetReceive q:
                return _state.Receives.TryGetValue(q.Id, out var r)
                    ? new ReceiveSnapshot(r.Stage, r.PendReason, r.CompletedBy)
                    : new ReceiveSnapshot(null, null, null);
            case ResendTick:
                // Decided in turn like any command: the state may run ahead of the journal while a
                // write is in flight, and a resend must never announce a reservation not yet durable.
                messages = Resend();
                return null;
            case GetInFlightCount:
                return new InFlightCount(_state.Participant.Value, _state.InFlightDeliveries);
            case GetDeliverOrderEvents q:
                {
                    var found = _events.Find(q.Ids, q.BusinessDate);
                    return new DeliverOrderEvents(found.SequenceNrs, found.Retained);
                }
            default:
                Log.Warning("Account {0} ignored an unknown message {1}", _state.Participant, message.GetType().Name);
                return null;
        }
    }

    private Decision Decide(AccountCommand command)
    {
        var decision = AccountDecider.Decide(_state, command);
        // Completions carry what settlement publishes (their order, their business date), taken
        // from the state the decision left; the journal tags them (SettlementTagger).
        for (var i = 0; i < decision.Events.Count; i++) decision.Events[i] = SettlementPublication.Complete(_state, decision.Events[i]);
        if (command is ReportReceiveOutcome report)
        {
            if (report.Stage == ReceiveStage.Pending) _acknowledgedPending.Add(report.DeliverOrderId);
            else _acknowledgedPending.Remove(report.DeliverOrderId);
        }
        return decision;
    }

    /// <summary>
    /// Events an account's journal holds before its snapshotter starts: a tenth of
    /// <c>ledger.snapshots.every-events</c>. Below it the account keeps no second state (most
    /// accounts of a day never get there, and feeding each a second copy of every event cost
    /// settlement latency under load: benchmarks/RESULTS.md); at it, the snapshotter starts from
    /// one copy of the state, small at that size, well before the first snapshot is due.
    /// </summary>
    private long SnapshotterStartsAtEvents => Math.Max(1, SnapshotEveryEvents / 10);

    /// <summary>
    /// Starts the snapshotter from the snapshot recovery started at and the events replayed after
    /// it (no copy on this thread), or, when recovery replayed the whole journal, from one copy of
    /// the recovered state (the replay cost more than the copy).
    /// </summary>
    private void StartSnapshotter()
    {
        if (SnapshotEveryEvents <= 0) return;
        var fromStored = _recoveredFrom is not null;
        var from = _recoveredFrom ?? new AccountSnapshotState(_state.ToSnapshot(), _events.ToSnapshot());
        var fromSequenceNr = fromStored ? _recoveredFromSequenceNr : LastSequenceNr;
        IReadOnlyList<(AccountEvent, long)> after = _recoveredAfter ?? [];
        _recoveredFrom = null;
        _recoveredAfter = null;
        var store = Akka.Persistence.Persistence.Instance.Apply(Context.System).SnapshotStoreFor(SnapshotPluginId);
        _snapshotter = Context.ActorOf(AccountSnapshotter.Props(PersistenceId, store, SnapshotEveryEvents, _reclaimRules, from, fromStored, fromSequenceNr, after,
            LastSequenceNr, Chain));
    }

    protected override void Persisted(IReadOnlyList<AccountEvent> written, long firstSequenceNr, long writeStartedTimestamp)
    {
        var writtenTimestamp = Stopwatch.GetTimestamp();
        for (var i = 0; i < written.Count; i++) _events.Record(firstSequenceNr + i, written[i]);
        if (_snapshotter is not null) _snapshotter.Tell(new AccountSnapshotter.Written(written, firstSequenceNr));
        // No write is in flight here: the state is exactly the journal's up to the last event written, so the copy starts there.
        else if (SnapshotEveryEvents > 0 && firstSequenceNr + written.Count - 1 >= SnapshotterStartsAtEvents) StartSnapshotter();
        _telemetry.Persisted(_state, written, writeStartedTimestamp, writtenTimestamp);
    }

    protected override void Refuse(JournalDamaged damaged, object message, IActorRef sender)
    {
        // Refusals from another account are never answered, nor is anything told into the account region.
        if (message is JournalDamaged or Busy || sender.Equals(_accounts)) return;
        base.Refuse(damaged, message, sender);
    }

    private void SendAll(IEnumerable<Outbound> messages)
    {
        foreach (var m in messages)
        {
            if (m.Command is RequestReceive rr) _resends.Sent(rr.Order.Id);
            else if (m.Command is CancelReceive cr) _resends.Sent(cr.DeliverOrderId);
            _accounts.Tell(new AccountEnvelope(m.To.Value, m.Command), Self);
        }
    }

    /// <summary>
    /// Asks receivers again about deliveries in flight, on <see cref="ResendSchedule{TKey}"/>'s
    /// schedule: backing off while unanswered, every twelfth tick once the receiver said pending
    /// (only a lost completion needs that).
    /// </summary>
    private List<Outbound>? Resend()
    {
        _resends.Tick();
        if (_state.InFlightDeliveries == 0)
        {
            _resends.Clear();
            return null;
        }
        var due = new List<Outbound>();
        var unsettled = new HashSet<DeliverOrderId>();
        foreach (var m in AccountDecider.Unsettled(_state, _clock.GetUtcNow()))
        {
            var id = m.Command switch
            {
                RequestReceive rr => rr.Order.Id,
                CancelReceive cr => cr.DeliverOrderId,
                _ => (DeliverOrderId?)null,
            };
            if (id is not { } known)
            {
                due.Add(m);
                continue;
            }
            unsettled.Add(known);
            if (_resends.Due(known, receiverSaidPending: m.Command is RequestReceive && _acknowledgedPending.Contains(known))) due.Add(m);
        }
        _resends.KeepOnly(unsettled);
        return due;
    }

    protected override void PostStop()
    {
        _telemetry.Forget(_state.Participant);
        base.PostStop();
    }
}
