using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Ledger.Settlement;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>Which store a node journals to.</summary>
/// <param name="Store"><c>sqlite</c>, <c>postgres</c> or <c>sqlserver</c>.</param>
/// <param name="Connection">The connection string; required for postgres and sqlserver; for sqlite, derived from <paramref name="DataDir"/> when null.</param>
/// <param name="DataDir">The folder of the embedded SQLite file (<c>ledger.db</c>).</param>
public sealed record StoreSettings(string Store, string? Connection, string DataDir);

/// <summary>
/// Builds the Akka configuration of the ledger from the HOCON files in <c>hocon/</c> (embedded in
/// this assembly) plus the values only known at run time. Akka's HOCON parser here does not read
/// environment variables, so connection strings are applied in code, never through <c>${?VAR}</c>.
/// </summary>
public static class StoreConfig
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
    public const string SqlServer = "sqlserver";

    /// <summary>The store names <see cref="Build"/> accepts.</summary>
    public static IReadOnlyList<string> StoreNames { get; } = [Sqlite, Postgres, SqlServer];

    /// <summary>The write journal every persistent actor of the ledger uses (also sharding's remember-entities store).</summary>
    public const string JournalPluginId = "akka.persistence.journal.sql";

    public const string SnapshotPluginId = "akka.persistence.snapshot-store.sql";

    /// <summary>For <c>PersistenceQuery.Get(system).ReadJournalFor&lt;SqlReadJournal&gt;(ReadJournalPluginId)</c>.</summary>
    public const string ReadJournalPluginId = "akka.persistence.query.journal.sql";

    /// <summary>The base configuration: actor provider, serializer bindings, remoting, sharding, the <c>ledger</c> section.</summary>
    public const string LedgerConfName = "ledger.conf";

    /// <summary>The embedded SQLite file's name inside the data folder.</summary>
    public const string SqliteFileName = "ledger.db";

    private const string ResourcePrefix = "Ledger.Journal.hocon.";

    private static readonly ConcurrentDictionary<string, Config> Embedded = new(StringComparer.Ordinal);

    /// <summary>
    /// The persistence part of the configuration for <paramref name="settings"/>: the store's file
    /// with its connection string set, falling back on the SQL plugin's own defaults. Combine it
    /// with <see cref="LoadEmbedded"/>("ledger.conf"), or use <see cref="BuildWithLedgerDefaults"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown store, or postgres/sqlserver without a connection string.</exception>
    public static Config Build(StoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var store = NormalizeStore(settings.Store);
        var connection = ConnectionStringFor(settings with { Store = store });
        var quoted = HoconString(connection);
        var overrides = ConfigurationFactory.ParseString(
            $"""
            akka.persistence.journal.sql.connection-string = {quoted}
            akka.persistence.snapshot-store.sql.connection-string = {quoted}
            akka.persistence.query.journal.sql.connection-string = {quoted}
            """);
        return overrides
            .WithFallback(LoadEmbedded(store + ".conf"))
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary><see cref="Build"/> over the base <c>ledger.conf</c>: a complete node configuration, before per-node overrides (port, seed nodes).</summary>
    public static Config BuildWithLedgerDefaults(StoreSettings settings) =>
        Build(settings).WithFallback(LoadEmbedded(LedgerConfName));

    /// <summary>Runs whatever the store needs once before the actor system starts: for SQLite, WAL mode on the file.</summary>
    public static void Prepare(StoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var store = NormalizeStore(settings.Store);
        if (store == Sqlite) PrepareSqlite(ConnectionStringFor(settings with { Store = store }));
    }

    /// <summary>The canonical store name for <paramref name="store"/> (case and surrounding spaces ignored).</summary>
    /// <exception cref="ArgumentException">Not one of sqlite, postgres, sqlserver.</exception>
    public static string NormalizeStore(string? store)
    {
        var name = store?.Trim().ToLowerInvariant();
        return name is Sqlite or Postgres or SqlServer
            ? name
            : throw new ArgumentException($"Unknown store '{store}': use one of {string.Join(", ", StoreNames)}.", nameof(store));
    }

    /// <summary>The connection string the journal will use for <paramref name="settings"/>.</summary>
    public static string ConnectionStringFor(StoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var store = NormalizeStore(settings.Store);
        if (!string.IsNullOrWhiteSpace(settings.Connection)) return settings.Connection;
        if (store == Sqlite) return SqliteConnectionString(settings.DataDir);
        throw new ArgumentException($"The store '{store}' needs a connection string (--connection).", nameof(settings));
    }

    /// <summary>The connection string of <c>ledger.db</c> in <paramref name="dataDir"/>; creates the folder.</summary>
    public static string SqliteConnectionString(string dataDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        var folder = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(folder);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, SqliteFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
    }

    /// <summary>
    /// Switches the SQLite file to write-ahead logging. The mode is stored in the file, but a
    /// connection string cannot ask for it, so this runs once before the actor system starts
    /// (Persist is about ten times faster with it). Creates the file if needed; a no-op for an
    /// in-memory database.
    /// </summary>
    public static void PrepareSqlite(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "memory", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite refused WAL mode on '{connection.DataSource}': journal_mode is '{mode}'.");
        }
    }

    /// <summary>The names of the embedded HOCON files (ledger.conf, sqlite.conf, postgres.conf, sqlserver.conf).</summary>
    public static IReadOnlyList<string> EmbeddedNames { get; } =
        typeof(StoreConfig).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>One of the HOCON files of <c>hocon/</c>, by file name, as embedded in this assembly.</summary>
    /// <exception cref="ArgumentException">No such file.</exception>
    public static Config LoadEmbedded(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Embedded.GetOrAdd(name, static n =>
        {
            // ledger.conf comes with every context's own file under it: their serializers and bindings.
            if (n == LedgerConfName)
            {
                return EmbeddedNames.Where(e => e.StartsWith(ContextsFolder, StringComparison.Ordinal))
                    .Aggregate(Parse(n), (config, context) => config.WithFallback(Parse(context)));
            }
            return Parse(n);
        });
    }

    /// <summary>Where each bounded context's HOCON lives (hocon/contexts/&lt;context&gt;.conf), by embedded name.</summary>
    public const string ContextsFolder = "contexts.";

    private static Config Parse(string name)
    {
        using var stream = typeof(StoreConfig).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new ArgumentException($"No embedded HOCON file '{name}': there are {string.Join(", ", EmbeddedNames)}.", nameof(name));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>A HOCON quoted string (JSON escaping), so that any connection string survives parsing.</summary>
    internal static string HoconString(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}

/// <summary>The ledger's own settings, from the <c>ledger</c> section of the configuration.</summary>
/// <param name="BatchSizeMax">Deliver orders per submitted batch at most.</param>
/// <param name="AskTimeout">How long a request waits on the accounts before it answers 503.</param>
/// <param name="ResendInterval">How often a deliverer asks its receivers again about deliveries in flight.</param>
/// <param name="RecycleCutoffLocalTime">The recycle cutoff, in <paramref name="TimeZone"/>.</param>
/// <param name="TimeZone">The time zone of the business day.</param>
/// <param name="ReclaimThreshold">A reclaim under this amount overrides controls (regime 2009).</param>
/// <param name="ReclaimsRegime">2009 or 2015.</param>
public sealed record LedgerSettings(
    int BatchSizeMax,
    TimeSpan AskTimeout,
    TimeSpan ResendInterval,
    TimeOnly RecycleCutoffLocalTime,
    TimeZoneInfo TimeZone,
    Money ReclaimThreshold,
    int ReclaimsRegime)
{
    public const string Section = "ledger";

    /// <summary>The largest accepted <see cref="BatchSizeMax"/>.</summary>
    public const int BatchSizeLimit = 1_000_000;

    /// <summary>The settings of the embedded <c>ledger.conf</c>.</summary>
    public static LedgerSettings Default { get; } = FromConfig(StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName));

    /// <summary>
    /// Reads the <c>ledger</c> section of <paramref name="config"/>; keys it lacks come from the
    /// embedded <c>ledger.conf</c>. Every value is checked: a bad one throws naming its key.
    /// </summary>
    /// <exception cref="ArgumentException">A value out of range or unparseable.</exception>
    public static LedgerSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var defaults = StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName).GetConfig(Section);
        var own = config.HasPath(Section) ? config.GetConfig(Section) : null;
        var c = own is null ? defaults : own.WithFallback(defaults);

        var batchSizeMax = c.GetInt("batch-size-max");
        if (batchSizeMax is < 1 or > BatchSizeLimit) throw Bad("batch-size-max", batchSizeMax, $"must be 1..{BatchSizeLimit}");

        var askTimeout = c.GetTimeSpan("ask-timeout");
        if (askTimeout <= TimeSpan.Zero) throw Bad("ask-timeout", askTimeout, "must be positive");

        var resendInterval = c.GetTimeSpan("resend-interval");
        if (resendInterval <= TimeSpan.Zero) throw Bad("resend-interval", resendInterval, "must be positive");

        var cutoffText = c.GetString("recycle-cutoff");
        if (!TimeOnly.TryParseExact(cutoffText, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var cutoff))
            throw Bad("recycle-cutoff", cutoffText, "must be a local time \"HH:mm\"");

        var zoneId = c.GetString("time-zone");
        if (string.IsNullOrWhiteSpace(zoneId) || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
            throw Bad("time-zone", zoneId, "must be an IANA time zone known to this machine (is tzdata installed?)");

        var thresholdDollars = c.GetDecimal("reclaims.threshold");
        if (thresholdDollars < 0 || !Money.TryFromDollars(thresholdDollars, out var threshold))
            throw Bad("reclaims.threshold", thresholdDollars, "must be US dollars >= 0 with at most 2 decimals");

        var regime = c.GetInt("reclaims.regime");
        if (regime is not (2009 or 2015)) throw Bad("reclaims.regime", regime, "must be 2009 or 2015");

        return new LedgerSettings(batchSizeMax, askTimeout, resendInterval, cutoff, zone, threshold, regime)
        {
            DefaultHolidays = HolidaysOf(c),
        };
    }

    /// <summary>
    /// The holidays a new ledger starts with (<c>ledger.holidays</c>: <c>[{ date = "yyyy-MM-dd", name = "..." }]</c>).
    /// Each must be a weekday with a name the calendar endpoint would take, each date once, at most
    /// <see cref="HolidayRules.HolidaysMax"/>: a list the ledger could not have been given by its API is a configuration error.
    /// </summary>
    public IReadOnlyList<Holiday> DefaultHolidays { get; init; } = [];

    private static List<Holiday> HolidaysOf(Config c)
    {
        var holidays = new List<Holiday>();
        if (!c.HasPath("holidays")) return holidays;
        var items = c.GetValue("holidays").GetArray();
        if (items.Count > HolidayRules.HolidaysMax) throw Bad("holidays", items.Count, $"must hold at most {HolidayRules.HolidaysMax} holidays");
        foreach (var item in items)
        {
            var fields = item.GetObject();
            var dateText = fields.GetKey("date")?.GetString();
            var name = fields.GetKey("name")?.GetString();
            if (HolidayRules.DateField(dateText, "date", out var date) is not null)
                throw Bad("holidays", dateText, "holds a date that is not yyyy-MM-dd");
            if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                throw Bad("holidays", dateText, "holds a weekend date: a weekend is never a business day");
            if (EntryRules.NameField(name, "name") is { } badName) throw Bad("holidays", dateText, $"holds a holiday whose {badName.Message}");
            if (holidays.Any(h => h.Date == date)) throw Bad("holidays", dateText, "holds the same date twice");
            holidays.Add(new Holiday(date, name!));
        }
        return holidays;
    }

    private static ArgumentException Bad(string key, object? value, string rule) =>
        new($"{Section}.{key} = '{value}' {rule}.", "config");
}
