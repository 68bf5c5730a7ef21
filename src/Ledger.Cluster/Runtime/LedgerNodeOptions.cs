namespace Ledger.Cluster;

/// <summary>How to start a ledger node. Defaults are the embedded single node on SQLite.</summary>
public sealed record LedgerNodeOptions
{
    /// <summary>sqlite, postgres or sqlserver.</summary>
    public string Store { get; init; } = "sqlite";

    /// <summary>The connection string for postgres or sqlserver; for sqlite, derived from <see cref="DataDir"/> unless given.</summary>
    public string? Connection { get; init; }

    /// <summary>Where the embedded SQLite file lives.</summary>
    public string DataDir { get; init; } = "./data";

    /// <summary>
    /// The address Akka remoting binds to: 127.0.0.1 on loopback (never "localhost"), or 0.0.0.0 in a
    /// container, where other nodes reach this one by <see cref="PublicHostname"/>.
    /// </summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>
    /// The host name this node gives other nodes (its address is <c>akka.tcp://ledger@PublicHostname:Port</c>),
    /// which must be spelled exactly as in their seed node list. Null: <see cref="Hostname"/>, or the
    /// machine's host name when <see cref="Hostname"/> is a wildcard (0.0.0.0 or ::).
    /// </summary>
    public string? PublicHostname { get; init; }

    /// <summary>The Akka remoting port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Seed node addresses (akka.tcp://ledger@host:port); none means join yourself.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>The clock; tests pass a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Deliver orders per submitted batch at most.</summary>
    public int BatchSizeMax { get; init; } = 10_000;

    /// <summary>
    /// Deliver orders this node's gateway admits at once (<c>--deliver-orders-in-flight-max</c>):
    /// taken from a batch and not yet answered by their deliverers (the answer comes once the
    /// order is in the deliverer's journal). A batch item past it is refused at the door,
    /// <c>deliver-orders-in-flight-max</c>, before anything is journaled, a Market Loan's two legs
    /// together; so overload refuses what it cannot take instead of timing out inside. At least
    /// <see cref="Ledger.Settlement.Admission.InFlightMaxLeast"/>.
    /// </summary>
    public int DeliverOrdersInFlightMax { get; init; } = DeliverOrdersInFlightMaxDefault;

    /// <summary>
    /// The default in-flight limit: about a second of the node's settlement rate on two cores, and
    /// well under what an account buffers (20,000 messages), so what is admitted is never refused
    /// busy by an account and waits about a second at most.
    /// </summary>
    public const int DeliverOrdersInFlightMaxDefault = 10_000;

    /// <summary>How long a request waits on the accounts before it answers 503.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Local time of the automatic recycle cutoff in <see cref="TimeZone"/>; null leaves the cutoff to the operator alone.</summary>
    public TimeOnly? RecycleCutoffLocalTime { get; init; } = new(15, 10);

    /// <summary>
    /// The bounded contexts this node starts, by name (settlement, income, recalls, lending); null,
    /// the default, starts every one. Settlement always starts: the others hang on its gateway.
    /// </summary>
    public IReadOnlySet<string>? Contexts { get; init; }

    /// <summary>The time zone of the business day.</summary>
    public TimeZoneInfo TimeZone { get; init; } = NewYork.TimeZone;

    /// <summary>How often the node looks whether the recycle cutoff is due.</summary>
    public TimeSpan CutoffCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The reclaim threshold and regime (ledger.reclaims in HOCON).</summary>
    public Ledger.Settlement.ReclaimRules ReclaimRules { get; init; } = Ledger.Settlement.ReclaimRules.Default;

    /// <summary>
    /// The holidays a new ledger starts with (ledger.holidays in HOCON: the NYSE holidays of
    /// 2026-2028), journaled when its first business day opens. A ledger already open keeps the
    /// holidays of its journal; operators change them through the calendar endpoints.
    /// </summary>
    public IReadOnlyList<Holiday> DefaultHolidays { get; init; } = Ledger.Journal.LedgerSettings.Default.DefaultHolidays;

    /// <summary>HOCON laid over everything else (for tests and special deployments).</summary>
    public string? ExtraConfig { get; init; }

    /// <summary>How often a deliverer asks its receivers again about deliveries still in flight.</summary>
    public TimeSpan ResendInterval { get; init; } = TimeSpan.FromSeconds(5);
}
