namespace Ledger.Settlement;

/// <summary>
/// An index bucket's state as values: every deliver order id it registered and what it registered
/// it as. State added to <see cref="DeliverOrderIndexState"/> gets a property here, and the
/// index manifest of Ledger.Journal's <c>SnapshotSerializer</c> takes the next version.
/// </summary>
public sealed record DeliverOrderIndexSnapshot(IReadOnlyList<KeyValuePair<DeliverOrderId, IndexEntry>> Entries);

public sealed partial class DeliverOrderIndexState
{
    public DeliverOrderIndexSnapshot ToSnapshot() => new(_entries.ToList());

    public static DeliverOrderIndexState FromSnapshot(DeliverOrderIndexSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var state = new DeliverOrderIndexState();
        state._entries.EnsureCapacity(snapshot.Entries.Count);
        foreach (var (id, entry) in snapshot.Entries) state._entries.Add(id, entry);
        return state;
    }
}
