using Akka.Actor;
using Ledger.Recalls;
using Ledger.Recalls.Events;

namespace Ledger.Cluster;

/// <summary>
/// The hub's registry (subscribers, vendors and their letters, the eligibility files), one entity
/// for the whole hub: a thin user of <see cref="GroupCommitEntity{TEvent}"/> around
/// <see cref="RegistryDecider"/>. Every command is answered with the state it left once its events
/// are persisted; a snapshot asked for during a write waits for it, so a send is never screened
/// against a subscription that is not durable yet.
/// </summary>
public sealed class RegistryActor : GroupCommitEntity<RegistryEvent>
{
    public const string PersistenceIdOfHub = "recall-registry";

    private readonly TimeProvider _clock;
    private RegistryState _state = RegistryState.Empty;

    public RegistryActor(TimeProvider clock)
        : base(PersistenceIdOfHub)
    {
        _clock = clock;
    }

    public static Props Props(TimeProvider clock) => Akka.Actor.Props.Create(() => new RegistryActor(clock));

    // The operator and every send wait on its answers, and a registry command is rare: never refused busy.
    protected override bool Bounded(object message) => false;

    protected override void Evolve(RegistryEvent e, long sequenceNr) => _state = _state.Apply(e);

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<RegistryEvent> events)
    {
        switch (message)
        {
            case GetRegistry:
                return new GroupCommitEffect(new RegistrySnapshot(_state));
            case RegistryCommand command:
                {
                    // The business time of a change is when the registry decides it.
                    var decision = RegistryDecider.Decide(_state, command with { At = _clock.GetUtcNow() });
                    foreach (var e in decision.Events)
                    {
                        _state = _state.Apply(e);
                        events.Add(e);
                    }
                    return new GroupCommitEffect(new RegistryOutcome(_state, decision.Error));
                }
            default:
                Unhandled(message);
                return GroupCommitEffect.None;
        }
    }
}
