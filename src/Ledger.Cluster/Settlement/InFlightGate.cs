namespace Ledger.Cluster;

/// <summary>
/// The gateway's count of deliver orders admitted and not yet answered by their deliverers,
/// bounded by <see cref="Max"/>. A unit (a Market Loan's two legs) is taken whole or not at all, so
/// concurrent batches never split one. Thread-safe; the count lives only as long as the requests
/// it counts (a restarted node has none in flight), so it is not journaled.
/// </summary>
internal sealed class InFlightGate
{
    private long _inFlight;

    public InFlightGate(int max)
    {
        if (max < Ledger.Settlement.Admission.InFlightMaxLeast)
            throw new ArgumentOutOfRangeException(nameof(max), max,
                $"the deliver orders in flight at most must be {Ledger.Settlement.Admission.InFlightMaxLeast} or more: a Market Loan's two legs go in together");
        Max = max;
    }

    public int Max { get; }

    /// <summary>Admitted deliver orders not yet answered.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Takes <paramref name="count"/> places if all of them are free; otherwise takes none.</summary>
    public bool TryTake(int count)
    {
        while (true)
        {
            var now = Interlocked.Read(ref _inFlight);
            if (now + count > Max) return false;
            if (Interlocked.CompareExchange(ref _inFlight, now + count, now) == now) return true;
        }
    }

    /// <summary>Gives back <paramref name="count"/> places once their orders have been answered (or failed).</summary>
    public void Release(int count) => Interlocked.Add(ref _inFlight, -count);
}
