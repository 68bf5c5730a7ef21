using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>One published event as a consumer hands it to its target.</summary>
/// <param name="Offset">Its journal ordering: increasing along the tag, the consumer's offset once confirmed.</param>
/// <param name="PersistenceId">The journal that wrote it (settlement: <c>account-{participant}</c>).</param>
/// <param name="SequenceNr">Its sequence number in that journal.</param>
/// <param name="Manifest">Its stored manifest.</param>
/// <param name="Event">The stored event, as its entity replays it.</param>
public sealed record PublishedEvent(long Offset, string PersistenceId, long SequenceNr, string Manifest, object Event)
{
    /// <summary>What a target deduplicates on: the event's journal and sequence number, unique and never reused.</summary>
    public string Key => $"{PersistenceId}#{SequenceNr}";

    /// <summary>What a settlement event publishes (<see cref="SettlementPublication.Read"/>); nothing for another journal's event.</summary>
    public IReadOnlyList<SettlementFact> SettlementFacts() =>
        PersistenceId.StartsWith(Journals.AccountPrefix, StringComparison.Ordinal)
            ? SettlementPublication.Read(PersistenceId[Journals.AccountPrefix.Length..], Event)
            : [];
}

/// <summary>
/// The target a consumer delivers to. It must apply each event exactly once: the consumer may hand
/// it the same event again (after a crash between the target applying it and the consumer storing
/// its offset), and it must then change nothing and confirm. Deduplicate on
/// <see cref="PublishedEvent.Key"/> (or a key of the event's own, such as the deliver order id and
/// party), recorded in the same transaction, or the same persisted event, as the effect.
/// </summary>
public interface IPublishedEventHandler
{
    /// <summary>Applies <paramref name="published"/> (or finds it applied) and completes once that is durable: completing is the confirmation. Throwing makes the consumer hand it again later.</summary>
    Task HandleAsync(PublishedEvent published, CancellationToken ct);
}

/// <summary>What one consumer reads, and how.</summary>
/// <param name="Name">The subscribing context's consumer name (letters, digits, '-'); its offset journal is <c>published-consumer-{name}</c>.</param>
/// <param name="Tag">The journal tag it reads, e.g. <see cref="SettlementPublication.Tag"/>.</param>
public sealed record ConsumerSettings(string Name, string Tag)
{
    /// <summary>
    /// With <see cref="Kinds"/>: the prefix of the kind tags written beside <see cref="Tag"/>
    /// (e.g. <see cref="SettlementPublication.KindPrefix"/>). Rows carrying a kind tag are read only
    /// when it is one of <see cref="Kinds"/>; rows with none are always read. Null: every row of the tag.
    /// </summary>
    public string? KindPrefix { get; init; }

    /// <summary>The kinds the consumer's handler takes (see <see cref="KindPrefix"/>); the rest are not read.</summary>
    public IReadOnlyCollection<string> Kinds { get; init; } = [];

    /// <summary>The rows it reads, as the journal table is asked for them.</summary>
    public TagQuery Query => new(Tag) { KindPrefix = KindPrefix, Kinds = Kinds };

    /// <summary>Events read, handed over and confirmed per offset write, at most.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How long it waits before reading again when it has caught up.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long it waits after a failed read or a target that threw.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// On PostgreSQL and SQL Server: how long an ordering may stay missing below visible rows
    /// before the consumer reads past it. A write that took the number and has not committed yet
    /// would otherwise be skipped for good; one that rolled back leaves the number missing forever.
    /// Longer than the journal's write <c>call-timeout</c> (20 s).
    /// </summary>
    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Rows of any tag looked at per read to find how far the journal is complete (PostgreSQL, SQL Server).</summary>
    public int GapScanRows { get; init; } = 10_000;

    internal void Check()
    {
        if (string.IsNullOrEmpty(Name) || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new ArgumentException($"A consumer name is letters, digits and '-' only; '{Name}' is not.", nameof(Name));
        Query.Checked();
        if (BatchSize < 1) throw new ArgumentException("BatchSize is at least 1.", nameof(BatchSize));
    }
}

/// <summary>An ordering seen missing below visible rows, and since when.</summary>
public readonly record struct OrderingGap(long Ordering, DateTimeOffset Since);

/// <summary>
/// How far a reader may read the journal without skipping a row that has not committed yet. Pure.
/// </summary>
public static class CompleteJournal
{
    /// <summary>
    /// The highest ordering up to which every row is visible, given the orderings visible after
    /// <paramref name="after"/> (ascending). A missing ordering stops it there until it has been
    /// missing for <paramref name="gapTimeout"/> (then it is taken as a write that rolled back and
    /// read past); the gap it stopped at comes back to be passed in on the next read.
    /// </summary>
    public static (long UpTo, OrderingGap? Gap) UpTo(long after, IReadOnlyList<long> visible, OrderingGap? gap, DateTimeOffset now, TimeSpan gapTimeout)
    {
        ArgumentNullException.ThrowIfNull(visible);
        var upTo = after;
        foreach (var ordering in visible)
        {
            if (ordering <= upTo) continue;
            if (ordering == upTo + 1)
            {
                upTo = ordering;
                continue;
            }
            var missing = upTo + 1;
            if (gap is { } known && known.Ordering == missing)
            {
                if (now - known.Since < gapTimeout) return (upTo, known);
                // Missing for longer than any write takes: a rolled-back write's number.
                upTo = ordering;
                gap = null;
                continue;
            }
            return (upTo, new OrderingGap(missing, now));
        }
        return (upTo, null);
    }
}

/// <summary>
/// A reusable consumer of published events: reads one tag of the journal in journal order (the
/// <c>ordering</c> column), hands each event to its <see cref="IPublishedEventHandler"/> one at a
/// time, and once the target has confirmed a batch stores how far it got in its own journal
/// (<see cref="ConsumerOffsetStored"/>). After a crash it starts again from the offset stored: the
/// events confirmed after it are handed again, and the target's deduplication makes that harmless,
/// so every event is applied exactly once and none is skipped.
/// <para>
/// A consumer that takes only some kinds of its tag's events names them
/// (<see cref="ConsumerSettings.Kinds"/>): the journal's query then skips the rows of other kinds
/// without reading or decoding them, and its offset moves on when it next confirms a batch.
/// </para>
/// <para>
/// Reads go to the journal table directly (<see cref="JournalTable"/>), not through Persistence
/// Query: one query per batch on every store. On SQLite a visible row implies every lower ordering
/// is visible (one writer). On PostgreSQL and SQL Server concurrent writes commit out of ordering,
/// so the consumer reads only up to the first ordering still missing (<see cref="CompleteJournal"/>)
/// and passes a gap only after <see cref="ConsumerSettings.GapTimeout"/>.
/// </para>
/// <para>
/// Run one per subscribing context and cluster: <see cref="LedgerNode.StartConsumer"/> makes it a
/// cluster singleton, so that one journal has one writer.
/// </para>
/// </summary>
public sealed class PublishedEventConsumer : UntypedPersistentActor, IWithTimers
{
    private readonly ConsumerSettings _settings;
    private readonly TagQuery _query;
    private readonly JournalTable _table;
    private readonly IPublishedEventHandler _handler;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stop = new();
    private long _stored;
    private long _scanned;
    private OrderingGap? _gap;
    private bool _busy;
    private Batch? _batch;
    private int _next;
    private long _confirmed;

    public PublishedEventConsumer(ConsumerSettings settings, JournalTable table, IPublishedEventHandler handler, TimeProvider clock)
    {
        settings.Check();
        _settings = settings;
        _query = settings.Query;
        _table = table;
        _handler = handler;
        _clock = clock;
        PersistenceId = Journals.ConsumerPrefix + settings.Name;
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ConsumerSettings settings, JournalTable table, IPublishedEventHandler handler, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new PublishedEventConsumer(settings, table, handler, clock ?? TimeProvider.System));

    /// <summary>Asks the consumer how far it has stored; answered with <see cref="ConsumerPosition"/>.</summary>
    public sealed record GetPosition
    {
        public static readonly GetPosition Instance = new();
    }

    /// <param name="Stored">The offset in its journal.</param>
    /// <param name="Scanned">How far it has read (at least <paramref name="Stored"/>; what lies between holds no event of its tag).</param>
    public sealed record ConsumerPosition(long Stored, long Scanned);

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record Batch(IReadOnlyList<TaggedRow> Rows, long ScannedTo, OrderingGap? Gap);

    private sealed record ReadFailed(Exception Cause);

    private sealed record Handled(long Offset);

    private sealed record HandlerFailed(long Offset, Exception Cause);

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case ConsumerOffsetStored stored:
                _stored = stored.Offset;
                break;
            case RecoveryCompleted:
                _scanned = _stored;
                _confirmed = _stored;
                Self.Tell(Poll.Instance);
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case Poll:
                if (_busy) return;
                _busy = true;
                ReadAsync(_scanned, _gap).PipeTo(Self, success: b => b, failure: e => new ReadFailed(e));
                break;
            case Batch batch:
                _gap = batch.Gap;
                if (batch.Rows.Count == 0)
                {
                    _scanned = Math.Max(_scanned, batch.ScannedTo);
                    Idle(_settings.PollInterval);
                    return;
                }
                _batch = batch;
                _next = 0;
                HandNext();
                break;
            case Handled handled:
                _confirmed = handled.Offset;
                _next++;
                if (_next < _batch!.Rows.Count) HandNext();
                else StoreOffset(_batch.ScannedTo, _batch.Rows.Count, full: _batch.Rows.Count == _settings.BatchSize);
                break;
            case HandlerFailed failed:
                _log.Warning("Consumer {0}: the target did not confirm the event at {1} ({2}); handing it again in {3}",
                    _settings.Name, failed.Offset, failed.Cause.GetBaseException().Message, _settings.RetryInterval);
                // What the target confirmed before it is stored; the rest is read again.
                var confirmedEvents = _next;
                _batch = null;
                if (confirmedEvents > 0) StoreOffset(_confirmed, confirmedEvents, full: false, retry: true);
                else
                {
                    _scanned = _stored;
                    Idle(_settings.RetryInterval);
                }
                break;
            case ReadFailed failed:
                _log.Warning("Consumer {0}: reading the journal failed ({1}); reading again in {2}",
                    _settings.Name, failed.Cause.GetBaseException().Message, _settings.RetryInterval);
                Idle(_settings.RetryInterval);
                break;
            case GetPosition:
                Sender.Tell(new ConsumerPosition(_stored, _scanned));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void HandNext()
    {
        var row = _batch!.Rows[_next];
        var published = new PublishedEvent(row.Ordering, row.PersistenceId, row.SequenceNr, row.Manifest, row.Event);
        Task task;
        try
        {
            task = _handler.HandleAsync(published, _stop.Token);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        task.PipeTo(Self, success: () => new Handled(row.Ordering), failure: e => new HandlerFailed(row.Ordering, e));
    }

    /// <summary>Stores the offset, after the target confirmed everything up to it; then reads on.</summary>
    private void StoreOffset(long offset, int events, bool full, bool retry = false)
    {
        Persist(new ConsumerOffsetStored(offset, events, _clock.GetUtcNow()), stored =>
        {
            _stored = stored.Offset;
            _scanned = stored.Offset;
            _batch = null;
            if (retry) Idle(_settings.RetryInterval);
            else if (full)
            {
                // More may be waiting: read on at once.
                _busy = false;
                Self.Tell(Poll.Instance);
            }
            else Idle(_settings.PollInterval);
        });
    }

    private void Idle(TimeSpan wait)
    {
        _busy = false;
        Timers.StartSingleTimer("poll", Poll.Instance, wait);
    }

    private async Task<Batch> ReadAsync(long after, OrderingGap? gap)
    {
        var ct = _stop.Token;
        long upTo;
        if (_table.CommitsInOrderingOrder)
        {
            upTo = await _table.HighestOrderingAsync(ct);
            gap = null;
        }
        else
        {
            var visible = await _table.OrderingsAfterAsync(after, _settings.GapScanRows, ct);
            (upTo, gap) = CompleteJournal.UpTo(after, visible, gap, _clock.GetUtcNow(), _settings.GapTimeout);
        }
        if (upTo <= after) return new Batch([], after, gap);
        var rows = await _table.TaggedAfterAsync(_query, after, upTo, _settings.BatchSize, ct);
        // A full batch may stop short of upTo: the next read starts after its last row.
        return new Batch(rows, rows.Count == _settings.BatchSize ? rows[^1].Ordering : upTo, gap);
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        _stop.Dispose();
        base.PostStop();
    }
}
