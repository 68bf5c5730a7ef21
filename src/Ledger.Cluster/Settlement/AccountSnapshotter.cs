using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Ledger.Journal;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Cluster;

/// <summary>
/// Takes an account's snapshots off the account's own thread. It keeps a second copy of the
/// account's state, fed the events the account has persisted (in journal order, as recovery would
/// apply them), and saves a snapshot of that copy every <c>ledger.snapshots.every-events</c> events,
/// or after as many events as its last snapshot held records if that is more.
/// <para>
/// Why: copying OCC's whole state on its own thread stalled settlement (0.3 s at 58,000 records,
/// 0.7 s at 128,000, several seconds late in a full day: benchmarks/RESULTS.md, "Snapshots off the
/// account's thread"); here the account only hands over each write's events (a reference), and the
/// copy, serialization and store write happen beside it. The snapshot is the state replaying the
/// journal up to its event gives (this copy is built exactly that way), so recovering from it and
/// the events after it gives what a whole replay gives. It costs a second copy of the account's
/// state in memory and applying each event twice.
/// </para>
/// </summary>
internal sealed class AccountSnapshotter : ReceiveActor
{
    /// <summary>One write of the account, persisted: its events, the first one's sequence number.</summary>
    public sealed record Written(IReadOnlyList<AccountEvent> Events, long FirstSequenceNr);

    private readonly string _persistenceId;
    private readonly IActorRef _snapshotStore;
    private readonly long _everyEvents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AccountState _state;
    private DeliverOrderEventIndex _events;
    private long _sequenceNr;
    private string _chain;
    private long _eventsSinceSnapshot;
    private long _lastSnapshotSize;
    private bool _saving;

    /// <summary>
    /// Starts from <paramref name="from"/> (the state after event <paramref name="fromSequenceNr"/>:
    /// the snapshot the account recovered from when <paramref name="fromStoredSnapshot"/>, else a
    /// copy of its recovered state) and the recovered events after it, <paramref name="after"/>;
    /// the account's last event is <paramref name="lastSequenceNr"/>, with the chain <paramref name="chain"/>.
    /// </summary>
    public AccountSnapshotter(string persistenceId, IActorRef snapshotStore, long everyEvents, ReclaimRules reclaimRules,
        AccountSnapshotState from, bool fromStoredSnapshot, long fromSequenceNr, IReadOnlyList<(AccountEvent Event, long SequenceNr)> after,
        long lastSequenceNr, string chain)
    {
        _persistenceId = persistenceId;
        _snapshotStore = snapshotStore;
        _everyEvents = everyEvents;
        // Built here, on this actor's thread: the account goes on settling meanwhile.
        (_state, _events) = from.Restore(reclaimRules);
        // As the account counted before: the records of the snapshot it recovered from, and every
        // event replayed after it (all of them when it recovered without one).
        _lastSnapshotSize = fromStoredSnapshot ? Size : 0;
        _eventsSinceSnapshot = fromStoredSnapshot ? lastSequenceNr - fromSequenceNr : lastSequenceNr;
        foreach (var (e, sequenceNr) in after) Apply(e, sequenceNr);
        _sequenceNr = lastSequenceNr;
        _chain = chain;

        Receive<Written>(written =>
        {
            for (var i = 0; i < written.Events.Count; i++)
            {
                var e = written.Events[i];
                Apply(e, written.FirstSequenceNr + i);
                // Every event the account writes is sealed onto its chain.
                _chain = EventChain.ChainOf(e) ?? _chain;
            }
            _sequenceNr = written.FirstSequenceNr + written.Events.Count - 1;
            _eventsSinceSnapshot += written.Events.Count;
            if (!_saving && _eventsSinceSnapshot >= Math.Max(_everyEvents, _lastSnapshotSize)) Save();
        });
        Receive<SaveSnapshotSuccess>(saved =>
        {
            _saving = false;
            // Only the latest is kept.
            if (saved.Metadata.SequenceNr > 1)
            {
                _snapshotStore.Tell(new DeleteSnapshots(_persistenceId, new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)), Self);
            }
        });
        Receive<SaveSnapshotFailure>(failed =>
        {
            // The journal has every event; the next snapshot is tried after as many events again.
            _saving = false;
            _log.Warning(failed.Cause, "{0}: the snapshot at event {1} was not saved; recovery replays from the previous one", _persistenceId, failed.Metadata.SequenceNr);
        });
        Receive<DeleteSnapshotsSuccess>(_ => { });
        Receive<DeleteSnapshotsFailure>(failed => _log.Warning(failed.Cause, "{0}: older snapshots were not deleted", _persistenceId));
    }

    public static Props Props(string persistenceId, IActorRef snapshotStore, long everyEvents, ReclaimRules reclaimRules,
        AccountSnapshotState from, bool fromStoredSnapshot, long fromSequenceNr, IReadOnlyList<(AccountEvent Event, long SequenceNr)> after,
        long lastSequenceNr, string chain) =>
        Akka.Actor.Props.Create(() => new AccountSnapshotter(persistenceId, snapshotStore, everyEvents, reclaimRules, from, fromStoredSnapshot, fromSequenceNr, after,
            lastSequenceNr, chain));

    private long Size => _state.Deliveries.Count + _state.Receives.Count + _events.Count;

    /// <summary>As the account applies a recovered event (<see cref="AccountActor"/>'s Evolve).</summary>
    private void Apply(AccountEvent e, long sequenceNr)
    {
        var current = (AccountEvent)Upcast.ToCurrent(e);
        _state.Apply(current);
        _events.Record(sequenceNr, current);
    }

    /// <summary>An immutable copy of the state after <see cref="_sequenceNr"/>, to the snapshot store (which serializes and writes it on its own thread).</summary>
    private void Save()
    {
        var started = Stopwatch.GetTimestamp();
        var state = new AccountSnapshotState(_state.ToSnapshot(), _events.ToSnapshot());
        _lastSnapshotSize = Size;
        _eventsSinceSnapshot = 0;
        _saving = true;
        _snapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(_persistenceId, _sequenceNr, DateTime.UtcNow), new EntitySnapshot(_chain, state)), Self);
        _log.Info("{0}: snapshot at event {1}, {2} records, copied in {3:0} ms beside the account", _persistenceId, _sequenceNr, _lastSnapshotSize,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
