namespace Ledger.Settlement;

/// <summary>
/// A <see cref="DeliverOrderEventIndex"/> as values: which journal rows tell each deliver order's
/// life, kept in an account's snapshot so that explanations still find the rows written before it.
/// Each sequence number is packed as the index keeps it (<c>(sequenceNr &lt;&lt; 2) | context</c>).
/// </summary>
public sealed record DeliverOrderEventIndexSnapshot(
    IReadOnlyList<DeliverOrderEventIndexSnapshot.Entry> Entries,
    IReadOnlyList<long> DayMarks,
    long LastCloseSequenceNr,
    DateOnly BusinessDate,
    DateOnly? RetainedSince)
{
    public sealed record Entry(string DeliverOrderId, DateOnly Day, IReadOnlyList<long> Packed);
}

public sealed partial class DeliverOrderEventIndex
{
    public DeliverOrderEventIndexSnapshot ToSnapshot() => new(
        _byId.Select(kv => new DeliverOrderEventIndexSnapshot.Entry(kv.Key, kv.Value.Day, kv.Value.Packed().ToList())).ToList(),
        _dayMarks.ToList(),
        _lastCloseSequenceNr,
        _businessDate,
        RetainedSince);

    public static DeliverOrderEventIndex FromSnapshot(DeliverOrderEventIndexSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var index = new DeliverOrderEventIndex
        {
            _lastCloseSequenceNr = snapshot.LastCloseSequenceNr,
            _businessDate = snapshot.BusinessDate,
            RetainedSince = snapshot.RetainedSince,
        };
        index._dayMarks.AddRange(snapshot.DayMarks);
        index._byId.EnsureCapacity(snapshot.Entries.Count);
        foreach (var e in snapshot.Entries)
        {
            var entry = new Entry { Day = e.Day };
            foreach (var packed in e.Packed) entry.Add(packed);
            index._byId.Add(e.DeliverOrderId, entry);
        }
        return index;
    }
}
