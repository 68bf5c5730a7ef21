using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Ledger.Cluster.Telemetry;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// The reference data of the ledger: participants, securities and the business day. Every
/// command is answered with the snapshot after its events are persisted.
/// <para>
/// Each event is sealed onto the journal's hash chain, and recovery checks it (events written
/// before the reference journal was chained carry none, and recover as before). A missing,
/// unreadable or edited event stops the replay there: the reference data then answers every
/// request with <see cref="JournalDamaged"/> rather than hand out caps, prices or a business date
/// its journal does not vouch for.
/// </para>
/// </summary>
public sealed class ReferenceActor : UntypedPersistentActor
{
    private readonly ReferenceState _state = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string _chain = EventChain.Genesis;
    private JournalCheck? _recovery = new(Journals.ReferenceId);
    private JournalDamaged? _damaged;

    public override string PersistenceId => Journals.ReferenceId;

    public static Props Props() => Akka.Actor.Props.Create(() => new ReferenceActor());

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
            _state.Apply((ReferenceEvent)message);
        }
        catch (Exception e)
        {
            // An exception here would fail the recovery and restart the reference data into the same fault.
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
        switch (message)
        {
            case GetReference:
                Sender.Tell(_state.Snapshot);
                break;
            case ReferenceCommand command:
                var events = ReferenceDecider.Decide(_state, command).ToList();
                if (events.Count == 0)
                {
                    Sender.Tell(_state.Snapshot);
                    return;
                }
                // Sealed onto the journal's chain; a failed write stops the actor, and the chain it ran ahead with goes with it.
                for (var i = 0; i < events.Count; i++)
                {
                    events[i] = EventChain.Seal(_chain, events[i]);
                    _chain = events[i].Chain!;
                }
                var sender = Sender;
                var persisted = 0;
                PersistAll(events, e =>
                {
                    _state.Apply(e);
                    if (++persisted == events.Count) sender.Tell(_state.Snapshot);
                });
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PostStop()
    {
        if (_damaged is not null) LedgerTelemetry.Of(Context.System).JournalDamageGone(PersistenceId);
        base.PostStop();
    }
}
