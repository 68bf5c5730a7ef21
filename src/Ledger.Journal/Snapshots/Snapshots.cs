namespace Ledger.Journal;

/// <summary>How often the ledger's entities save a snapshot (hocon/ledger.conf, <c>ledger.snapshots</c>).</summary>
public static class Snapshots
{
    /// <summary>The configuration key: events between two snapshots of one entity; 0 turns snapshots off.</summary>
    public const string EveryEventsKey = "ledger.snapshots.every-events";

    /// <summary>The limit when the configuration does not set one (an actor system built without ledger.conf).</summary>
    public const long EveryEventsDefault = 50_000;

    /// <summary>The limit <paramref name="config"/> sets; negative values count as 0 (off).</summary>
    public static long EveryEvents(Akka.Configuration.Config? config) =>
        config is not null && config.HasPath(EveryEventsKey) ? Math.Max(0, config.GetLong(EveryEventsKey, EveryEventsDefault)) : EveryEventsDefault;
}
