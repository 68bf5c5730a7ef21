using Akka.Actor;
using Akka.Persistence;
using Ledger.Domain;
using Ledger.Domain.Events;

namespace Ledger.Cluster;

/// <summary>
/// One bucket of the deliver-order index: makes ids unique across the ledger and tells which
/// deliverer holds each. A registration is answered only once it is persisted.
/// </summary>
public sealed class DeliverOrderIndexActor : UntypedPersistentActor
{
    private readonly DeliverOrderIndexState _state = new();
    private readonly TimeProvider _clock;

    public DeliverOrderIndexActor(string bucket, TimeProvider clock)
    {
        PersistenceId = "deliver-order-index-" + bucket;
        _clock = clock;
    }

    public override string PersistenceId { get; }

    public static Props Props(string bucket, TimeProvider clock) => Akka.Actor.Props.Create(() => new DeliverOrderIndexActor(bucket, clock));

    protected override void OnRecover(object message)
    {
        if (message is DeliverOrderRegistered e) _state.Apply(e);
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case FindDeliverOrder q:
                Sender.Tell(new DeliverOrderLocation(_state.Find(q.Id)));
                break;
            case RegisterDeliverOrders r:
                var outcomes = new List<RegistrationOutcome>(r.Orders.Count);
                var registeredOn = new List<DateOnly?>(r.Orders.Count);
                var events = new List<DeliverOrderRegistered>();
                var at = _clock.GetUtcNow();
                foreach (var order in r.Orders)
                {
                    var outcome = _state.Check(order);
                    if (outcome == RegistrationOutcome.Registered)
                    {
                        var e = new DeliverOrderRegistered(order.Id.Value, order.Deliverer.Value, order.Receiver.Value, order.Fingerprint, at,
                            AccountState.FormatDate(r.BusinessDate));
                        _state.Apply(e);
                        events.Add(e);
                    }
                    outcomes.Add(outcome);
                    registeredOn.Add(_state.Find(order.Id)?.BusinessDate);
                }
                var sender = Sender;
                if (events.Count == 0)
                {
                    sender.Tell(new RegistrationOutcomes(outcomes, registeredOn));
                    return;
                }
                var persisted = 0;
                // PersistAll stashes later commands until this write ends, so the state applied
                // ahead of the journal above is never seen by another request before it is durable.
                PersistAll(events, _ =>
                {
                    if (++persisted == events.Count) sender.Tell(new RegistrationOutcomes(outcomes, registeredOn));
                });
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
