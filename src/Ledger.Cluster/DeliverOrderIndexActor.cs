using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Ledger.Cluster.Telemetry;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// One bucket of the deliver-order index: makes ids unique across the ledger and tells which
/// deliverer holds each. A registration is answered only once it is persisted. Requests that
/// arrive while a write is in flight wait and are decided together when it ends, and the ids they
/// register are written as one event (group commit, as the accounts do); a lookup waits too, so
/// it never sees an id that is not durable yet.
/// <para>
/// Each event is sealed onto the bucket's hash chain, and recovery checks the chain (events
/// written before buckets were chained carry none, and recover as before). A missing, unreadable
/// or edited event stops the replay there: the bucket then answers every request with
/// <see cref="JournalDamaged"/>, since an index that lost an id would call a taken id free.
/// </para>
/// </summary>
public sealed class DeliverOrderIndexActor : UntypedPersistentActor
{
    private readonly DeliverOrderIndexState _state = new();
    private readonly TimeProvider _clock;
    private readonly List<(object Message, IActorRef Sender)> _waiting = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _writing;
    private string _chain = EventChain.Genesis;
    private JournalCheck? _recovery;
    private JournalDamaged? _damaged;

    public DeliverOrderIndexActor(string bucket, TimeProvider clock)
    {
        PersistenceId = Journals.IndexPrefix + bucket;
        _clock = clock;
        _recovery = new JournalCheck(PersistenceId);
    }

    public override string PersistenceId { get; }

    public static Props Props(string bucket, TimeProvider clock) => Akka.Actor.Props.Create(() => new DeliverOrderIndexActor(bucket, clock));

    protected override void OnRecover(object message)
    {
        var check = _recovery!;
        if (message is RecoveryCompleted)
        {
            _recovery = null;
            check.End(LastSequenceNr);
            if (check.Finding is { } finding) _damaged = JournalDamage.Refuse(finding, _log, LedgerTelemetry.Of(Context.System));
            else _chain = check.Chain;
            return;
        }
        if (!check.Take(LastSequenceNr, message)) return;
        try
        {
            if (message is DeliverOrdersRegistered batch) _state.Apply(batch);
            else _state.Apply((DeliverOrderRegistered)message);
        }
        catch (Exception e)
        {
            // An exception here would fail the recovery and restart the bucket into the same fault.
            check.NotApplied(e.Message);
        }
    }

    protected override void OnCommand(object message)
    {
        if (_damaged is { } damaged)
        {
            Sender.Tell(damaged);
            return;
        }
        if (message is not (FindDeliverOrder or RegisterDeliverOrders))
        {
            Unhandled(message);
            return;
        }
        _waiting.Add((message, Sender));
        if (!_writing) Flush();
    }

    /// <summary>Decides everything waiting; persists the new ids as one event, then answers.</summary>
    private void Flush()
    {
        var taken = _waiting.ToList();
        _waiting.Clear();
        var registered = new List<DeliverOrderRegistered>();
        var answers = new List<(object Answer, IActorRef Sender)>(taken.Count);
        var at = _clock.GetUtcNow();
        foreach (var (message, sender) in taken)
        {
            switch (message)
            {
                case FindDeliverOrder q:
                    answers.Add((new DeliverOrderLocation(_state.Find(q.Id)), sender));
                    break;
                case RegisterDeliverOrders r:
                    // Decided in the domain; nothing is answered before the write ends.
                    var decided = _state.Register(r.Orders, r.BusinessDate, at);
                    registered.AddRange(decided.Registered);
                    answers.Add((new RegistrationOutcomes(decided.Outcomes, decided.RegisteredOn), sender));
                    break;
            }
        }
        if (registered.Count == 0)
        {
            Answer(answers);
            return;
        }
        _writing = true;
        // Sealed onto the bucket's chain; a failed write stops the bucket, and the chain it ran ahead with goes with it.
        object written = registered.Count == 1 ? EventChain.Seal(_chain, registered[0]) : EventChain.Seal(_chain, new DeliverOrdersRegistered(registered, at));
        _chain = EventChain.ChainOf(written)!;
        PersistAsync(written, _ =>
        {
            _writing = false;
            Answer(answers);
            if (_waiting.Count > 0) Flush();
        });
    }

    private static void Answer(List<(object Answer, IActorRef Sender)> answers)
    {
        foreach (var (answer, sender) in answers) sender.Tell(answer);
    }

    protected override void PostStop()
    {
        if (_damaged is not null) LedgerTelemetry.Of(Context.System).JournalDamageGone(PersistenceId);
        base.PostStop();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The state already holds these ids: it must not outlive the refusal.
        throw new InvalidOperationException($"journal refused {@event.GetType().Name} for {PersistenceId}", cause);
    }
}
