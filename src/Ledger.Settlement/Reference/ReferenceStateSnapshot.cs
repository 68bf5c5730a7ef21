namespace Ledger.Settlement;

/// <summary>
/// The reference data's state as values (<see cref="ReferenceSnapshot"/> is immutable, so it is
/// shared, not copied). State added to <see cref="ReferenceState"/> gets a property here, and the
/// reference manifest of Ledger.Journal's <c>SnapshotSerializer</c> takes the next version.
/// </summary>
public sealed record ReferenceStateSnapshot(ReferenceSnapshot Reference, DateOnly ClosingTo, int ClosingAccounts, long Version);

public sealed partial class ReferenceState
{
    public ReferenceStateSnapshot ToSnapshot() => new(Snapshot, ClosingTo, _closingAccounts, Version);

    public static ReferenceState FromSnapshot(ReferenceStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new ReferenceState
        {
            Snapshot = snapshot.Reference,
            ClosingTo = snapshot.ClosingTo,
            _closingAccounts = snapshot.ClosingAccounts,
            Version = snapshot.Version,
        };
    }
}
