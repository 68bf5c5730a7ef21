using System.Runtime.InteropServices;
using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>What an account's event index answers: the sequence numbers to read, and whether it still holds the deliver order's day.</summary>
/// <param name="SequenceNrs">Ascending and distinct: the events about the deliver orders asked for, and the events their explanation reads beside them.</param>
/// <param name="Retained">False when the deliver order's business day is older than the days this index keeps (its explanation must be read from the whole journal).</param>
public readonly record struct IndexedEvents(IReadOnlyList<long> SequenceNrs, bool Retained);

/// <summary>
/// Which events of one account's journal tell each deliver order's life, by sequence number. The
/// account actor keeps one beside its state, fed every event it recovers or persists (rebuilt from the
/// journal on recovery, never a source of truth of its own), so that an explanation reads a handful
/// of journal rows by key instead of the whole journal. Besides each deliver order's own events it
/// answers the rows <see cref="Explanation"/> reads next to them: the event just before a completion or
/// reservation (what gave a recycle its headroom) and the last recycle cutoff or close before a drop.
/// <para>
/// It keeps the deliver orders of the current and the last closed business day, as the account keeps
/// their records (<see cref="AccountState"/> forgets older ones at each close): its size follows two
/// days of deliver orders, not the journal.
/// </para>
/// </summary>
public sealed partial class DeliverOrderEventIndex
{
    // Each recorded sequence number is packed with what its explanation reads beside it: (sequenceNr << 2) | context.
    private const long ContextNone = 0, ContextPrevious = 1, ContextDayMark = 2;
    private const int ContextBits = 2;

    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    // Recycle cutoffs and closes, ascending, from the close before the last one on: every drop still indexed needs only these.
    private readonly List<long> _dayMarks = new();
    private long _lastCloseSequenceNr;
    private DateOnly _businessDate;

    /// <summary>The deliver orders indexed now.</summary>
    public int Count => _byId.Count;

    /// <summary>The earliest business day whose deliver orders are indexed; null when no day has closed yet (then every one is).</summary>
    public DateOnly? RetainedSince { get; private set; }

    /// <summary>One deliver order's events: three inline (most have at most three at one account), the rest in a list.</summary>
    private struct Entry
    {
        public DateOnly Day;
        public int Count;
        public long First, Second, Third;
        public List<long>? More;

        public void Add(long packed)
        {
            switch (Count)
            {
                case 0: First = packed; break;
                case 1: Second = packed; break;
                case 2: Third = packed; break;
                default: (More ??= new List<long>(2)).Add(packed); break;
            }
            Count++;
        }

        public readonly IEnumerable<long> Packed()
        {
            if (Count > 0) yield return First;
            if (Count > 1) yield return Second;
            if (Count > 2) yield return Third;
            if (More is not null)
            {
                foreach (var p in More) yield return p;
            }
        }
    }

    /// <summary>Records the event at <paramref name="sequenceNr"/> of the account's journal; events must come in journal order.</summary>
    public void Record(long sequenceNr, AccountEvent e)
    {
        switch (e)
        {
            case ParticipantConfigured c:
                if (_businessDate == default) _businessDate = AccountState.ParseDate(c.BusinessDate);
                break;
            case DeliveryReserved r:
                AddOrder(r.Order, sequenceNr, ContextPrevious);
                break;
            case DeliveryPended p:
                AddOrder(p.Order, sequenceNr, ContextNone);
                break;
            case ReceiveCompleted c:
                AddOrder(c.Order, sequenceNr, ContextPrevious);
                break;
            case ReceivePended p:
                AddOrder(p.Order, sequenceNr, ContextNone);
                break;
            case DeliveryCompleted c:
                Add(c.DeliverOrderId, sequenceNr, ContextNone);
                break;
            case DeliveryCancelRequested c:
                Add(c.DeliverOrderId, sequenceNr, ContextNone);
                break;
            case DeliveryCancelled c:
                Add(c.DeliverOrderId, sequenceNr, ContextNone);
                break;
            case ReceiveCancelled c:
                Add(c.DeliverOrderId, sequenceNr, ContextNone);
                break;
            case DeliveryDropped d:
                Add(d.DeliverOrderId, sequenceNr, ContextDayMark);
                break;
            case ReceiveDropped d:
                Add(d.DeliverOrderId, sequenceNr, ContextDayMark);
                break;
            case LookAheadProposed p:
                Add(p.ReceiveId, sequenceNr, ContextNone);
                Add(p.DeliveryId, sequenceNr, ContextNone);
                break;
            case LookAheadCompleted l:
                Add(l.ReceiveId, sequenceNr, ContextNone);
                Add(l.DeliveryId, sequenceNr, ContextNone);
                break;
            case RecycleCutoffReached:
                _dayMarks.Add(sequenceNr);
                break;
            case BusinessDayClosed c:
            {
                _dayMarks.Add(sequenceNr);
                // A drop of the days still indexed looks back at most to the close before this one.
                var keepFrom = _lastCloseSequenceNr;
                _dayMarks.RemoveAll(m => m < keepFrom);
                _lastCloseSequenceNr = sequenceNr;
                var closed = AccountState.ParseDate(c.ClosedDate);
                Forget(closed);
                _businessDate = AccountState.ParseDate(c.NextDate);
                break;
            }
        }
    }

    /// <summary>
    /// The events to read to explain <paramref name="ids"/> (a deliver order, and its look-ahead
    /// partners), ascending. <paramref name="businessDate"/> is the day the first id was registered on
    /// (null when the registration did not record it).
    /// </summary>
    public IndexedEvents Find(IReadOnlyList<DeliverOrderId> ids, DateOnly? businessDate)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var found = false;
        var read = new SortedSet<long>();
        foreach (var id in ids)
        {
            if (!_byId.TryGetValue(id.Value, out var entry)) continue;
            found = true;
            foreach (var packed in entry.Packed())
            {
                var sequenceNr = packed >> ContextBits;
                read.Add(sequenceNr);
                switch (packed & ((1 << ContextBits) - 1))
                {
                    case ContextPrevious when sequenceNr > 1:
                        read.Add(sequenceNr - 1);
                        break;
                    case ContextDayMark when LastDayMarkBefore(sequenceNr) is { } mark:
                        read.Add(mark);
                        break;
                }
            }
        }
        // A deliver order found is of a day still kept (forgetting takes whole days); one not found is
        // known to be absent only if its day is one this index still covers.
        var retained = found || RetainedSince is null || (businessDate is { } day && day >= RetainedSince.Value);
        return new IndexedEvents(read.ToList(), retained);
    }

    private long? LastDayMarkBefore(long sequenceNr)
    {
        var i = _dayMarks.BinarySearch(sequenceNr);
        var before = (i >= 0 ? i : ~i) - 1;
        return before >= 0 ? _dayMarks[before] : null;
    }

    private void AddOrder(DeliverOrderData order, long sequenceNr, long context)
    {
        Add(order.Id, sequenceNr, context);
        // A reclaim's events also tell the life of the deliver order it reclaims.
        if (order.ReclaimOf is { } original && original != order.Id) Add(original, sequenceNr, context);
    }

    private void Add(string id, long sequenceNr, long context)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_byId, id, out var existed);
        if (!existed) entry.Day = _businessDate;
        entry.Add((sequenceNr << ContextBits) | context);
    }

    /// <summary>Forgets the deliver orders of the days before <paramref name="closedDate"/>, as the account forgets their records.</summary>
    private void Forget(DateOnly closedDate)
    {
        foreach (var (id, entry) in _byId)
        {
            if (entry.Day < closedDate) _byId.Remove(id);
        }
        RetainedSince = closedDate;
    }
}
