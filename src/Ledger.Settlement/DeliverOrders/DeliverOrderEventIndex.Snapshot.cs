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
        _byId.Select(kv => new DeliverOrderEventIndexSnapshot.Entry(kv.Key, kv.Value.Day, PackedArray(kv.Value))).ToList(),
        _dayMarks.ToList(),
        _lastCloseSequenceNr,
        _businessDate,
        RetainedSince);

    /// <summary>An entry's packed sequence numbers as one array (no iterator: a full day's snapshot copies 1.4 million of them).</summary>
    private static long[] PackedArray(in Entry entry)
    {
        var packed = new long[entry.Count];
        if (entry.Count > 0) packed[0] = entry.First;
        if (entry.Count > 1) packed[1] = entry.Second;
        if (entry.Count > 2) packed[2] = entry.Third;
        for (var i = 3; i < entry.Count; i++) packed[i] = entry.More![i - 3];
        return packed;
    }

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
            for (var i = 0; i < e.Packed.Count; i++) entry.Add(e.Packed[i]);
            index._byId.Add(e.DeliverOrderId, entry);
        }
        return index;
    }
}
