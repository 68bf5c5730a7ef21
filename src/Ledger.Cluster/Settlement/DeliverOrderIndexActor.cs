using Akka.Actor;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// One bucket of the deliver-order index: makes ids unique across the ledger and tells which
/// deliverer holds each. A thin user of <see cref="GroupCommitEntity{TEvent}"/>: requests that
/// arrive while a write is in flight wait and are decided together when it ends, the ids they
/// register are written as one event, and a registration is answered only once it is persisted; a
/// lookup waits too, so it never sees an id that is not durable yet.
/// <para>
/// Each event is sealed onto the bucket's hash chain, and recovery checks the chain (events
/// written before buckets were chained carry none, and recover as before). A missing, unreadable
/// or edited event stops the replay there: the bucket then answers every request with
/// <see cref="JournalDamaged"/>, since an index that lost an id would call a taken id free.
/// </para>
/// </summary>
public sealed class DeliverOrderIndexActor : GroupCommitEntity<object>
{
    // Replaced once, by a snapshot recovery starts from.
    private DeliverOrderIndexState _state = new();
    private readonly TimeProvider _clock;

    public DeliverOrderIndexActor(string bucket, TimeProvider clock)
        : base(Journals.IndexPrefix + bucket)
    {
        _clock = clock;
    }

    public static Props Props(string bucket, TimeProvider clock) => Akka.Actor.Props.Create(() => new DeliverOrderIndexActor(bucket, clock));

    // The gateway waits on every answer: a Busy would only turn into a retry of the same registration.
    protected override bool Bounded(object message) => false;

    protected override void Evolve(object e, long sequenceNr)
    {
        if (e is DeliverOrdersRegistered batch) _state.Apply(batch);
        else _state.Apply((DeliverOrderRegistered)e);
    }

    protected override object SnapshotState() => _state.ToSnapshot();

    protected override void RestoreSnapshot(object state) => _state = DeliverOrderIndexState.FromSnapshot((DeliverOrderIndexSnapshot)state);

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<object> events)
    {
        switch (message)
        {
            case FindDeliverOrder q:
                return new GroupCommitEffect(new DeliverOrderLocation(_state.Find(q.Id)));
            case RegisterDeliverOrders r:
            {
                // Decided in the domain (applied there ahead of the journal, so a later order of the
                // same write sees it); nothing is answered before the write ends.
                var decided = _state.Register(r.Orders, r.BusinessDate, _clock.GetUtcNow());
                events.AddRange(decided.Registered);
                return new GroupCommitEffect(new RegistrationOutcomes(decided.Outcomes, decided.RegisteredOn));
            }
            default:
                Unhandled(message);
                return GroupCommitEffect.None;
        }
    }

    /// <summary>One event per write: the order itself, or all of the write's orders together.</summary>
    protected override IReadOnlyList<object> ToWrite(List<object> decided) =>
        decided.Count == 1
            ? decided
            : [new DeliverOrdersRegistered(decided.Cast<DeliverOrderRegistered>().ToList(), ((DeliverOrderRegistered)decided[^1]).At)];
}
