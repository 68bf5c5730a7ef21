namespace Ledger.Cluster;

/// <summary>
/// When a sender asks again about a message still unanswered, counted in resend ticks (one every
/// resend interval). Deterministic bookkeeping, no clock: the entity calls <see cref="Tick"/> on
/// its timer and asks <see cref="Due"/> for each message it still has in flight.
/// <para>
/// The schedule: a message is asked about again once it has waited
/// <see cref="TicksBeforeResend"/> ticks since it was last sent: 2 (at least one whole interval,
/// since a message sent just before a tick is not yet late), then 4, 8, and at most
/// <see cref="TicksMax"/> (12) from then on, so that a receiver slow under load is not buried in
/// repeats of what it has not reached yet. A message its receiver answered "pending" is asked
/// about only every <see cref="TicksMax"/> ticks: only a lost completion needs that.
/// </para>
/// </summary>
/// <typeparam name="TKey">What identifies a message across resends (a deliver order id).</typeparam>
public sealed class ResendSchedule<TKey> where TKey : notnull
{
    /// <summary>The longest wait between two asks about one message, in ticks.</summary>
    public const int TicksMax = 12;

    private readonly Dictionary<TKey, (int Tick, int Attempts)> _sent = new();

    /// <summary>Ticks so far.</summary>
    public int Now { get; private set; }

    /// <summary>Messages being tracked.</summary>
    public int Count => _sent.Count;

    /// <summary>Ticks to wait after a send before asking again, after <paramref name="attempts"/> earlier resends: 2, 4, 8, then 12.</summary>
    public static int TicksBeforeResend(int attempts) => Math.Min(TicksMax, 2 << Math.Clamp(attempts, 0, 4));

    /// <summary>One resend interval passed.</summary>
    public int Tick() => ++Now;

    /// <summary><paramref name="key"/> was sent now: a first send, or one more attempt.</summary>
    public void Sent(TKey key) =>
        _sent[key] = _sent.TryGetValue(key, out var before) ? (Now, before.Attempts + 1) : (Now, 0);

    /// <summary>
    /// Whether <paramref name="key"/> is to be asked about again now: it was never sent (after a
    /// recovery, say), or it has waited its turn (<see cref="TicksMax"/> when its receiver said pending).
    /// </summary>
    public bool Due(TKey key, bool receiverSaidPending)
    {
        if (!_sent.TryGetValue(key, out var sent)) return true;
        var wait = receiverSaidPending ? TicksMax : TicksBeforeResend(sent.Attempts);
        return Now - sent.Tick >= wait;
    }

    /// <summary>Stops tracking every message not in <paramref name="stillUnsettled"/> (answered, settled, dropped).</summary>
    public void KeepOnly(IReadOnlySet<TKey> stillUnsettled)
    {
        foreach (var key in _sent.Keys.Where(k => !stillUnsettled.Contains(k)).ToList()) _sent.Remove(key);
    }

    /// <summary>Stops tracking everything.</summary>
    public void Clear() => _sent.Clear();
}
