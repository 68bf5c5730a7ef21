using Akka.Actor;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// The reference data of the ledger: participants, securities, the business day and the calendar.
/// A thin user of <see cref="GroupCommitEntity{TEvent}"/>: <see cref="ReferenceDecider"/>
/// decides, and every command is answered with the snapshot it left once its events are
/// persisted; a snapshot asked for during a write waits for it, so it never shows what is not
/// durable yet.
/// <para>
/// Each event is sealed onto the journal's hash chain, and recovery checks it (events written
/// before the reference journal was chained carry none, and recover as before). A missing,
/// unreadable or edited event stops the replay there: the reference data then answers every
/// request with <see cref="JournalDamaged"/> rather than hand out caps, prices or a business date
/// its journal does not vouch for.
/// </para>
/// </summary>
public sealed class ReferenceActor : GroupCommitEntity<ReferenceEvent>
{
    // Replaced once, by a snapshot recovery starts from.
    private ReferenceState _state = new();

    public ReferenceActor()
        : base(Journals.ReferenceId)
    {
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new ReferenceActor());

    // Operators and the gateway wait on every answer, and a reference command is rare: never refused busy.
    protected override bool Bounded(object message) => false;

    protected override void Evolve(ReferenceEvent e, long sequenceNr) => _state.Apply(e);

    protected override object SnapshotState() => _state.ToSnapshot();

    protected override void RestoreSnapshot(object state) => _state = ReferenceState.FromSnapshot((ReferenceStateSnapshot)state);

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<ReferenceEvent> events)
    {
        switch (message)
        {
            case GetReference:
                return new GroupCommitEffect(_state.Snapshot);
            case ReferenceCommand command:
                // Applied here, ahead of the journal, so a later command of the same write sees it.
                foreach (var e in ReferenceDecider.Decide(_state, command))
                {
                    _state.Apply(e);
                    events.Add(e);
                }
                return new GroupCommitEffect(_state.Snapshot);
            default:
                Unhandled(message);
                return GroupCommitEffect.None;
        }
    }
}
