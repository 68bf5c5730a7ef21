using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Ledger.Cluster.Telemetry;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// One participant account: a thin shell around <see cref="AccountDecider"/>. Commands that
/// arrive while a write is in flight wait in a bounded buffer and are decided together when it
/// ends, so each account writes one batch at a time (group commit). Replies and messages to other
/// accounts leave only once the events that justify them are persisted; if persisting fails the
/// actor stops, its state (which ran ahead of the journal) is discarded, and it recovers from the
/// journal, resending whatever it still has in flight.
/// <para>
/// Recovery checks the journal as it replays it (<see cref="JournalCheck"/>): an event missing, not
/// readable or not matching its hash chain stops the replay there, and the account then answers
/// every request with <see cref="JournalDamaged"/> naming the event, sends nothing and writes
/// nothing, rather than act on state its journal does not vouch for.
/// </para>
/// </summary>
public sealed class AccountActor : UntypedPersistentActor, IWithTimers
{
    /// <summary>Commands waiting for the write in flight, at most; beyond it a client gets <see cref="Busy"/>.</summary>
    public const int BufferedCommandsMax = 20_000;

    /// <summary>Events per write, at most; bounds journal call time.</summary>
    public const int EventsPerWriteMax = 2_000;

    private readonly AccountState _state;
    // Which journal rows tell each deliver order's life: fed every event recovered or persisted, answers explanations.
    private readonly DeliverOrderEventIndex _events = new();
    private readonly IActorRef _accounts;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _resendInterval;
    private readonly List<(object Message, IActorRef Sender)> _buffer = new();
    private readonly HashSet<DeliverOrderId> _acknowledgedPending = new();
    private readonly ResendSchedule<DeliverOrderId> _resends = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LedgerTelemetry _telemetry = LedgerTelemetry.Of(Context.System);
    private bool _writing;
    private string _chain = EventChain.Genesis;
    private JournalCheck? _recovery;
    private JournalDamaged? _damaged;

    public AccountActor(string participant, IActorRef accounts, TimeProvider clock, TimeSpan resendInterval, ReclaimRules reclaimRules)
    {
        _state = new AccountState(new ParticipantId(participant), reclaimRules);
        _accounts = accounts;
        _clock = clock;
        _resendInterval = resendInterval;
        PersistenceId = Journals.AccountPrefix + participant;
        _recovery = new JournalCheck(PersistenceId);
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string participant, IActorRef accounts, TimeProvider clock, TimeSpan resendInterval, ReclaimRules reclaimRules) =>
        Akka.Actor.Props.Create(() => new AccountActor(participant, accounts, clock, resendInterval, reclaimRules));

    internal sealed record ResendTick
    {
        public static readonly ResendTick Instance = new();
    }

    protected override void OnRecover(object message)
    {
        var check = _recovery!;
        if (message is RecoveryCompleted)
        {
            _recovery = null;
            check.End(LastSequenceNr);
            if (check.Finding is { } finding)
            {
                _damaged = JournalDamage.Refuse(finding, _log, _telemetry);
                return;
            }
            _chain = check.Chain;
            Timers.StartPeriodicTimer("resend", ResendTick.Instance, _resendInterval);
            SendAll(AccountDecider.Unsettled(_state, _clock.GetUtcNow()));
            _telemetry.PendingDepth(_state);
            return;
        }
        if (!check.Take(LastSequenceNr, message)) return;
        try
        {
            // Checked as stored, applied as today's type (LegacyEvents).
            var current = (AccountEvent)Upcast.ToCurrent(message);
            _state.Apply(current);
            _events.Record(LastSequenceNr, current);
        }
        catch (Exception e)
        {
            // An exception here would fail the recovery and restart the account into the same fault.
            check.NotApplied(e.Message);
        }
    }

    protected override void OnCommand(object message)
    {
        // Refusals from another account, never answered (two accounts must not refuse each other
        // in a loop): a receiver whose journal is damaged says so to every resend, and the delivery
        // stays in flight, asked about again until that journal is repaired.
        if (message is JournalDamaged or Busy) return;
        if (_damaged is { } damaged)
        {
            if (!Sender.IsNobody() && !Sender.Equals(_accounts)) Sender.Tell(damaged);
            return;
        }
        if (_buffer.Count >= BufferedCommandsMax && message is not AccountCommand)
        {
            Sender.Tell(new Busy($"account {_state.Participant} has {_buffer.Count} commands waiting"));
            return;
        }
        _buffer.Add((message, Sender));
        if (!_writing) Flush();
    }

    /// <summary>Decides everything buffered, persists the events as one write, then lets the effects out.</summary>
    private void Flush()
    {
        var events = new List<AccountEvent>();
        var effects = new List<(object? Reply, IActorRef Sender, List<Outbound>? Messages)>();
        var taken = 0;
        while (taken < _buffer.Count && events.Count < EventsPerWriteMax)
        {
            var (message, sender) = _buffer[taken++];
            effects.Add(Handle(message, sender, events));
        }
        _buffer.RemoveRange(0, taken);
        if (events.Count == 0)
        {
            Release(effects);
            return;
        }
        // Seal each event onto the account's hash chain; a failed write stops the actor, and the
        // chain it ran ahead with goes with it.
        for (var i = 0; i < events.Count; i++)
        {
            events[i] = EventChain.Seal(_chain, events[i]);
            _chain = events[i].Chain!;
        }
        _writing = true;
        var persisted = 0;
        var writeStarted = Stopwatch.GetTimestamp();
        // PersistAllAsync numbers the events on from the last one, in order.
        var firstSequenceNr = LastSequenceNr + 1;
        PersistAllAsync(events, e =>
        {
            _events.Record(firstSequenceNr + persisted, e);
            if (++persisted < events.Count) return;
            var written = Stopwatch.GetTimestamp();
            _writing = false;
            Release(effects);
            _telemetry.Persisted(_state, events, writeStarted, written);
            if (_buffer.Count > 0) Flush();
        });
    }

    private (object? Reply, IActorRef Sender, List<Outbound>? Messages) Handle(object message, IActorRef sender, List<AccountEvent> events)
    {
        switch (message)
        {
            case AccountCommand command:
            {
                var decision = Decide(command);
                events.AddRange(decision.Events);
                return (decision.Reply, sender, decision.Messages);
            }
            case AccountCommands batch:
            {
                var replies = new List<AccountReply?>(batch.Commands.Count);
                var messages = new List<Outbound>();
                foreach (var command in batch.Commands)
                {
                    var decision = Decide(command);
                    events.AddRange(decision.Events);
                    messages.AddRange(decision.Messages);
                    replies.Add(decision.Reply);
                }
                return (new AccountReplies(replies), sender, messages);
            }
            case GetAccountView:
                return (_state.IsConfigured
                    ? AccountView.Of(_state)
                    : new Rejected(AccountRejection.NotConfigured, $"participant {_state.Participant} is not set up"), sender, null);
            case GetDelivery q:
                return (new DeliveryFound(_state.Deliveries.TryGetValue(q.Id, out var d)
                    ? new DeliverySnapshot(d.Order, d.Stage, d.PendReason, d.CompletedBy)
                    : null), sender, null);
            case GetReceive q:
                return (_state.Receives.TryGetValue(q.Id, out var r)
                    ? new ReceiveSnapshot(r.Stage, r.PendReason, r.CompletedBy)
                    : new ReceiveSnapshot(null, null, null), sender, null);
            case ResendTick:
                // Decided in turn like any command: the state may run ahead of the journal while a
                // write is in flight, and a resend must never announce a reservation not yet durable.
                return (null, sender, Resend());
            case GetInFlightCount:
                return (new InFlightCount(_state.Participant.Value, _state.InFlightDeliveries), sender, null);
            case GetDeliverOrderEvents q:
            {
                var found = _events.Find(q.Ids, q.BusinessDate);
                return (new DeliverOrderEvents(found.SequenceNrs, found.Retained), sender, null);
            }
            default:
                _log.Warning("Account {0} ignored an unknown message {1}", _state.Participant, message.GetType().Name);
                return (null, sender, null);
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

    private void Release(List<(object? Reply, IActorRef Sender, List<Outbound>? Messages)> effects)
    {
        foreach (var (reply, sender, messages) in effects)
        {
            if (messages is { Count: > 0 }) SendAll(messages);
            if (reply is not null && !sender.IsNobody() && !sender.Equals(_accounts)) sender.Tell(reply);
        }
    }

    private void SendAll(IEnumerable<Outbound> messages)
    {
        foreach (var m in messages)
        {
            if (m.Command is RequestReceive rr) Sent(rr.Order.Id);
            else if (m.Command is CancelReceive cr) Sent(cr.DeliverOrderId);
            _accounts.Tell(new AccountEnvelope(m.To.Value, m.Command), Self);
        }
    }

    private void Sent(DeliverOrderId id) => _resends.Sent(id);

    /// <summary>
    /// Asks receivers again about deliveries in flight: those not yet answered every tick, those
    /// the receiver said are pending every twelfth tick (only a lost completion needs that).
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
            // The schedule is ResendSchedule's: backing off, and rarely for a receiver that said "pending".
            if (_resends.Due(known, receiverSaidPending: m.Command is RequestReceive && _acknowledgedPending.Contains(known))) due.Add(m);
        }
        _resends.KeepOnly(unsettled);
        return due;
    }

    protected override void PostStop()
    {
        _telemetry.Forget(_state.Participant);
        if (_damaged is not null) _telemetry.JournalDamageGone(PersistenceId);
        base.PostStop();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The in-memory state already holds this event: it must not outlive the refusal.
        _log.Error(cause, "Account {0}: event {1} at {2} was refused by the journal; restarting from the journal",
            _state.Participant, @event.GetType().Name, sequenceNr);
        throw new InvalidOperationException($"journal refused {@event.GetType().Name} for account {_state.Participant}", cause);
    }
}
