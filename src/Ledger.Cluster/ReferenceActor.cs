using Akka.Actor;
using Akka.Persistence;
using Ledger.Domain;
using Ledger.Domain.Events;

namespace Ledger.Cluster;

/// <summary>
/// The reference data of the ledger: participants, securities and the business day. Every
/// command is answered with the snapshot after its events are persisted.
/// </summary>
public sealed class ReferenceActor : UntypedPersistentActor
{
    private readonly ReferenceState _state = new();

    public override string PersistenceId => "reference";

    public static Props Props() => Akka.Actor.Props.Create(() => new ReferenceActor());

    protected override void OnRecover(object message)
    {
        if (message is ReferenceEvent e) _state.Apply(e);
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case GetReference:
                Sender.Tell(_state.Snapshot);
                break;
            case ReferenceCommand command:
                var events = ReferenceDecider.Decide(_state, command);
                if (events.Count == 0)
                {
                    Sender.Tell(_state.Snapshot);
                    return;
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
}
