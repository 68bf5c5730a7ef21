using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Ledger.Cluster.Telemetry;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>What deciding one message comes to: the answer for its sender and what to do once its events are durable.</summary>
/// <param name="Reply">Told to the sender once every event of the write is persisted; null for none.</param>
/// <param name="Then">Run once every event of the write is persisted, before the reply: messages to other entities.</param>
public readonly record struct GroupCommitEffect(object? Reply, Action? Then = null)
{
    public static readonly GroupCommitEffect None = new(null);
}

/// <summary>
/// The runtime's one group-commit persistent entity. Messages that arrive while a write is in
/// flight wait in a bounded buffer; when the write ends they are decided together, in arrival
/// order, their events sealed onto the entity's hash chain and persisted as one write; only then
/// do their replies and messages leave (an effect never outruns the events that justify it). A
/// failed or refused write stops the entity: its state, which ran ahead of the journal, is
/// discarded, and it recovers from the journal.
/// <para>
/// Recovery checks the journal as it replays (<see cref="JournalCheck"/>, for the ledger's own
/// journals): an event missing, unreadable or off its hash chain stops the replay there, and the
/// entity then answers every message with <see cref="JournalDamaged"/>, writes nothing and sends
/// nothing.
/// </para>
/// <para>
/// A user supplies: <see cref="Evolve"/> (apply one recovered event), <see cref="Decide"/> (decide
/// one message, adding the events it emits, already applied to the state, and returning its
/// effect), and optionally <see cref="Recovered"/> (start timers; send what is still unsettled),
/// <see cref="ToWrite"/> (combine a write's events, as the index does), <see cref="Persisted"/>
/// (telemetry), <see cref="Bounded"/> and <see cref="Refuse"/>.
/// </para>
/// </summary>
/// <typeparam name="TEvent">The entity's stored event type.</typeparam>
public abstract class GroupCommitEntity<TEvent> : UntypedPersistentActor where TEvent : class
{
    private readonly List<(object Message, IActorRef Sender)> _buffer = new();
    private bool _writing;
    private string _chain = EventChain.Genesis;
    private JournalCheck? _recovery;
    private JournalDamaged? _damaged;
    private readonly long _snapshotEveryEvents;
    private long _eventsSinceSnapshot;
    private long _snapshotSequenceNr;
    private long _lastSnapshotSize;

    protected GroupCommitEntity(string persistenceId)
    {
        PersistenceId = persistenceId;
        // The ledger's own journals are hash-chained and checked; another context's may not be (yet).
        _recovery = Journals.KindOf(persistenceId) is null ? null : new JournalCheck(persistenceId);
        _snapshotEveryEvents = Snapshots.EveryEvents(Context.System.Settings.Config);
    }

    public override string PersistenceId { get; }

    /// <summary>Messages waiting for the write in flight, at most; past it <see cref="Bounded"/> messages are answered <see cref="Busy"/>.</summary>
    protected virtual int BufferedMessagesMax => 20_000;

    /// <summary>Events per write, at most (bounds the journal call's time); the rest wait for the next write.</summary>
    protected virtual int EventsPerWriteMax => 2_000;

    /// <summary>The answer every message gets once recovery found the journal damaged; null otherwise.</summary>
    protected JournalDamaged? Damaged => _damaged;

    /// <summary>Whether a write is in flight.</summary>
    protected bool Writing => _writing;

    /// <summary>Applies one event read back from the journal. Must not throw on a journal the entity wrote.</summary>
    protected abstract void Evolve(TEvent e, long sequenceNr);

    /// <summary>
    /// Decides <paramref name="message"/>: applies and adds to <paramref name="events"/> what it
    /// emits (a later message of the same write sees it), and returns its effect.
    /// </summary>
    protected abstract GroupCommitEffect Decide(object message, IActorRef sender, List<TEvent> events);

    /// <summary>After a clean recovery: start timers, send again whatever is still unsettled.</summary>
    protected virtual void Recovered()
    {
    }

    /// <summary>The events to persist for one write's decided events (by default themselves; the index combines them into one).</summary>
    protected virtual IReadOnlyList<TEvent> ToWrite(List<TEvent> decided) => decided;

    /// <summary>
    /// After a write is persisted, before its effects leave (index what was written, telemetry):
    /// <paramref name="firstSequenceNr"/> is the first event's number, and
    /// <paramref name="writeStartedTimestamp"/> the <see cref="Stopwatch"/>
    /// timestamp taken as the write went to the journal (its events already sealed), so that the
    /// time to confirm a write is measurable.
    /// </summary>
    protected virtual void Persisted(IReadOnlyList<TEvent> written, long firstSequenceNr, long writeStartedTimestamp)
    {
    }

    /// <summary>
    /// The entity's state as values for a snapshot (an immutable copy: the snapshot store
    /// serializes it later, on its own thread), taken when no write is in flight, so that it is
    /// exactly the state after <see cref="Eventsourced.LastSequenceNr"/>; null (the default) for an
    /// entity that takes no snapshots. Saved every <c>ledger.snapshots.every-events</c> events.
    /// </summary>
    protected virtual object? SnapshotState() => null;

    /// <summary>
    /// How many records a snapshot of the state holds now (0 by default). The next snapshot is saved
    /// after <c>ledger.snapshots.every-events</c> events, or, if more, after as many events as the
    /// last snapshot held records: a snapshot costs in proportion to the state, so a large state
    /// (OCC's account late in a day) is written no more often than once per as many events as it
    /// held records, and what snapshots cost per event stays bounded.
    /// </summary>
    protected virtual long SnapshotSize => 0;

    /// <summary>Recovery starts from a snapshot: set the state <see cref="SnapshotState"/> gave; the events after it follow.</summary>
    protected virtual void RestoreSnapshot(object state)
    {
    }

    /// <summary>Recovery starts from a snapshot taken after event <paramref name="sequenceNr"/> (by default <see cref="RestoreSnapshot(object)"/>).</summary>
    protected virtual void RestoreSnapshot(object state, long sequenceNr) => RestoreSnapshot(state);

    /// <summary><c>ledger.snapshots.every-events</c>: events between two snapshots; 0 when snapshots are off.</summary>
    protected long SnapshotEveryEvents => _snapshotEveryEvents;

    /// <summary>The hash chain of the last event written or recovered (the empty genesis before any).</summary>
    protected string Chain => _chain;

    /// <summary>Whether <paramref name="message"/> counts against <see cref="BufferedMessagesMax"/> (protocol steps between entities do not: refusing one would lose it).</summary>
    protected virtual bool Bounded(object message) => true;

    /// <summary>Answers <paramref name="message"/> when the journal is damaged (by default: the finding, to the sender).</summary>
    protected virtual void Refuse(JournalDamaged damaged, object message, IActorRef sender)
    {
        if (!sender.IsNobody()) sender.Tell(damaged);
    }

    protected sealed override void OnRecover(object message)
    {
        var check = _recovery;
        if (message is SnapshotOffer { Snapshot: EntitySnapshot snapshot } offer)
        {
            // The events after the snapshot chain from the one it was taken at: checked from there on.
            RestoreSnapshot(snapshot.State, offer.Metadata.SequenceNr);
            _snapshotSequenceNr = offer.Metadata.SequenceNr;
            _lastSnapshotSize = SnapshotSize;
            _chain = snapshot.Chain;
            check?.ResumeAt(offer.Metadata.SequenceNr, snapshot.Chain);
            return;
        }
        if (message is RecoveryCompleted)
        {
            _recovery = null;
            // The events replayed after the snapshot (all of them without one) count toward the next.
            _eventsSinceSnapshot = LastSequenceNr - _snapshotSequenceNr;
            if (check is not null)
            {
                check.End(LastSequenceNr);
                if (check.Finding is { } finding)
                {
                    _damaged = JournalDamage.Refuse(finding, Log, LedgerTelemetry.Of(Context.System));
                    return;
                }
                _chain = check.Chain;
            }
            Recovered();
            return;
        }
        if (check is not null && !check.Take(LastSequenceNr, message)) return;
        try
        {
            Evolve((TEvent)message, LastSequenceNr);
        }
        catch (Exception e) when (check is not null)
        {
            // An exception here would fail the recovery and restart the entity into the same fault.
            check.NotApplied(e.Message);
        }
    }

    protected sealed override void OnCommand(object message)
    {
        if (SnapshotOutcome(message)) return;
        if (_damaged is { } damaged)
        {
            Refuse(damaged, message, Sender);
            return;
        }
        if (_buffer.Count >= BufferedMessagesMax && Bounded(message))
        {
            Sender.Tell(new Busy($"{PersistenceId} has {_buffer.Count} messages waiting"));
            return;
        }
        _buffer.Add((message, Sender));
        if (!_writing) Flush();
    }

    /// <summary>Decides what is buffered, persists its events as one write, then lets the effects out.</summary>
    private void Flush()
    {
        var decided = new List<TEvent>();
        var effects = new List<(GroupCommitEffect Effect, IActorRef Sender)>();
        var taken = 0;
        while (taken < _buffer.Count && decided.Count < EventsPerWriteMax)
        {
            var (message, sender) = _buffer[taken++];
            effects.Add((Decide(message, sender, decided), sender));
        }
        _buffer.RemoveRange(0, taken);
        if (decided.Count == 0)
        {
            Release(effects);
            return;
        }
        var written = ToWrite(decided).ToList();
        if (_recovery is null && Journals.KindOf(PersistenceId) is not null)
        {
            // Sealed onto the chain; a failed write stops the entity, and the chain it ran ahead with goes with it.
            for (var i = 0; i < written.Count; i++)
            {
                written[i] = EventChain.Seal(_chain, written[i]);
                _chain = EventChain.ChainOf(written[i])!;
            }
        }
        _writing = true;
        var persisted = 0;
        // PersistAllAsync numbers the events on from the last one, in order.
        var firstSequenceNr = LastSequenceNr + 1;
        var writeStarted = Stopwatch.GetTimestamp();
        PersistAllAsync(written, _ =>
        {
            if (++persisted < written.Count) return;
            _writing = false;
            Persisted(written, firstSequenceNr, writeStarted);
            _eventsSinceSnapshot += written.Count;
            if (_snapshotEveryEvents > 0 && _eventsSinceSnapshot >= Math.Max(_snapshotEveryEvents, _lastSnapshotSize)) SaveSnapshotNow();
            Release(effects);
            if (_buffer.Count > 0) Flush();
        });
    }

    /// <summary>Saves the state as it is after the last event written (no write is in flight), with the chain head.</summary>
    private void SaveSnapshotNow()
    {
        _eventsSinceSnapshot = 0;
        if (SnapshotState() is not { } state) return;
        _lastSnapshotSize = SnapshotSize;
        SaveSnapshot(new EntitySnapshot(_chain, state));
    }

    /// <summary>
    /// The snapshot store's answers. Only the latest snapshot is kept: the ones before it are
    /// deleted once it is saved. A failure to save is only logged: the journal has every event,
    /// and the next snapshot is tried after as many events again.
    /// </summary>
    private bool SnapshotOutcome(object message)
    {
        switch (message)
        {
            case SaveSnapshotSuccess saved:
                if (saved.Metadata.SequenceNr > 1) DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                return true;
            case SaveSnapshotFailure failed:
                Log.Warning(failed.Cause, "{0}: the snapshot at event {1} was not saved; recovery replays from the previous one", PersistenceId, failed.Metadata.SequenceNr);
                return true;
            case DeleteSnapshotsSuccess:
                return true;
            case DeleteSnapshotsFailure failed:
                Log.Warning(failed.Cause, "{0}: older snapshots were not deleted", PersistenceId);
                return true;
            default:
                return false;
        }
    }

    private static void Release(List<(GroupCommitEffect Effect, IActorRef Sender)> effects)
    {
        foreach (var (effect, sender) in effects)
        {
            effect.Then?.Invoke();
            if (effect.Reply is not null && !sender.IsNobody()) sender.Tell(effect.Reply);
        }
    }

    protected override void PostStop()
    {
        if (_damaged is not null) LedgerTelemetry.Of(Context.System).JournalDamageGone(PersistenceId);
        base.PostStop();
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The state already holds this event: it must not outlive the refusal.
        Log.Error(cause, "{0}: event {1} at {2} was refused by the journal; restarting from the journal", PersistenceId, @event.GetType().Name, sequenceNr);
        throw new InvalidOperationException($"journal refused {@event.GetType().Name} for {PersistenceId}", cause);
    }
}
