using Akka.Configuration;
using Ledger.Settlement;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal.Tests;

public sealed class StoreConfigTests
{
    private const string PgConnection = "Host=127.0.0.1;Port=5432;Database=ledger;Username=ledger;Password=p";

    [Theory]
    [InlineData("sqlite", "SQLite.MS", 1)]
    [InlineData("postgres", "PostgreSQL.15", 3)]
    [InlineData("sqlserver", "SqlServer.2019", 3)]
    public void Each_store_file_sets_every_class_its_provider_and_csv_tags(string store, string provider, int parallelism)
    {
        using var dir = new TempDirectory();
        var config = StoreConfig.Build(new StoreSettings(store, store == "sqlite" ? null : PgConnection, dir.Path));

        Assert.Equal("Ledger.Journal.GroupCommitJournal, Ledger.Journal", config.GetString("akka.persistence.journal.sql.class"));
        Assert.Equal("Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql", config.GetString("akka.persistence.snapshot-store.sql.class"));
        Assert.Equal("Akka.Persistence.Sql.Query.SqlReadJournalProvider, Akka.Persistence.Sql", config.GetString("akka.persistence.query.journal.sql.class"));
        Assert.Equal(StoreConfig.JournalPluginId, config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(StoreConfig.SnapshotPluginId, config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal(StoreConfig.JournalPluginId, config.GetString("akka.persistence.query.journal.sql.write-plugin"));
        foreach (var plugin in new[] { "journal.sql", "snapshot-store.sql", "query.journal.sql" })
        {
            Assert.Equal(provider, config.GetString($"akka.persistence.{plugin}.provider-name"));
            Assert.Equal("default", config.GetString($"akka.persistence.{plugin}.table-mapping"));
        }

        Assert.Equal("Csv", config.GetString("akka.persistence.journal.sql.tag-write-mode"));
        Assert.Equal("Csv", config.GetString("akka.persistence.query.journal.sql.tag-read-mode"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.Equal(parallelism, config.GetInt("akka.persistence.journal.sql.parallelism"));
    }

    [Fact]
    public void Sqlserver_provider_resolves_to_Microsoft_Data_SqlClient()
    {
        // SQL Server cannot run here; this at least proves the provider name picks the client the architecture names.
        var provider = LinqToDB.Data.DataConnection.GetDataProvider(
            StoreConfig.Build(new StoreSettings("sqlserver", "Server=127.0.0.1;Database=ledger;TrustServerCertificate=True", "unused"))
                .GetString("akka.persistence.journal.sql.provider-name"),
            "Server=127.0.0.1;Database=ledger;TrustServerCertificate=True");
        Assert.NotNull(provider);
        Assert.Equal("Microsoft.Data.SqlClient", provider.DataReaderType.Assembly.GetName().Name);
    }

    [Fact]
    public void Connection_string_is_set_on_journal_snapshot_store_and_read_journal_verbatim()
    {
        // Quotes, backslashes, HOCON syntax and non-ASCII must survive the HOCON round trip.
        const string tricky = "Host=127.0.0.1;Password=\"p\\a;s${x}s\" # not a comment // nor this {}[]=:,é;Database=ledger";
        var config = StoreConfig.Build(new StoreSettings("postgres", tricky, "unused"));
        Assert.Equal(tricky, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(tricky, config.GetString("akka.persistence.snapshot-store.sql.connection-string"));
        Assert.Equal(tricky, config.GetString("akka.persistence.query.journal.sql.connection-string"));
    }

    [Theory]
    [InlineData("mysql")]
    [InlineData("")]
    [InlineData("sqlite3")]
    [InlineData(null)]
    public void Unknown_store_is_an_argument_exception_listing_the_known_ones(string? store)
    {
        var e = Assert.Throws<ArgumentException>(() => StoreConfig.Build(new StoreSettings(store!, "x", "unused")));
        Assert.Contains("sqlite, postgres, sqlserver", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlserver")]
    public void Server_stores_need_a_connection_string(string store)
    {
        var e = Assert.Throws<ArgumentException>(() => StoreConfig.Build(new StoreSettings(store, null, "unused")));
        Assert.Contains("connection", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_names_are_matched_ignoring_case()
    {
        Assert.Equal("postgres", StoreConfig.NormalizeStore(" PostgreS "));
    }

    [Fact]
    public void Sqlite_connection_string_points_at_ledger_db_in_the_data_folder_and_creates_it()
    {
        using var dir = new TempDirectory();
        var dataDir = dir.Combine("nested", "data");
        var connection = StoreConfig.SqliteConnectionString(dataDir);
        Assert.True(Directory.Exists(dataDir));
        Assert.Equal(Path.Combine(dataDir, "ledger.db"), new SqliteConnectionStringBuilder(connection).DataSource);

        var built = StoreConfig.Build(new StoreSettings("sqlite", null, dataDir));
        Assert.Equal(connection, built.GetString("akka.persistence.journal.sql.connection-string"));
    }

    [Fact]
    public void PrepareSqlite_switches_the_file_to_wal_for_every_later_connection()
    {
        using var dir = new TempDirectory();
        var connection = StoreConfig.SqliteConnectionString(dir.Path);
        Assert.Equal("delete", JournalMode(connection));

        StoreConfig.Prepare(new StoreSettings("sqlite", null, dir.Path));

        SqliteConnection.ClearAllPools();
        Assert.Equal("wal", JournalMode(connection));
    }

    [Fact]
    public void Every_hocon_file_is_embedded_and_parses()
    {
        Assert.Equal(["contexts.income.conf", "contexts.lending.conf", "contexts.recalls.conf", "contexts.runtime.conf", "contexts.settlement.conf", "ledger.conf", "postgres.conf", "sqlite.conf", "sqlserver.conf"], StoreConfig.EmbeddedNames);
        foreach (var name in StoreConfig.EmbeddedNames)
        {
            Assert.False(StoreConfig.LoadEmbedded(name).IsEmpty, name);
        }

        var e = Assert.Throws<ArgumentException>(() => StoreConfig.LoadEmbedded("cluster.conf"));
        Assert.Contains("ledger.conf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ledger_conf_comes_with_every_contexts_own_bindings_and_a_context_file_alone_holds_them()
    {
        const string Bindings = "akka.actor.serialization-bindings";
        string[] KeysOf(string name) => StoreConfig.LoadEmbedded(name).GetConfig(Bindings).AsEnumerable().Select(p => p.Key.Trim('"')).ToArray();
        var contexts = StoreConfig.EmbeddedNames.Where(n => n.StartsWith(StoreConfig.ContextsFolder, StringComparison.Ordinal)).ToArray();

        Assert.Contains("contexts.settlement.conf", contexts);
        Assert.Contains("Ledger.Settlement.Events.AccountEvent, Ledger.Settlement", KeysOf(StoreConfig.ContextsFolder + "settlement.conf"));
        Assert.Equal(contexts.SelectMany(KeysOf).Order(StringComparer.Ordinal), KeysOf(StoreConfig.LedgerConfName).Order(StringComparer.Ordinal));
        Assert.Equal("Ledger.Journal.LedgerSerializer, Ledger.Journal", StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName).GetString("akka.actor.serializers.ledger"));
        Assert.Equal("Ledger.Journal.RuntimeSerializer, Ledger.Journal", StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName).GetString("akka.actor.serializers.ledger-runtime"));
    }

    [Fact]
    public void Ledger_conf_sets_cluster_provider_loopback_remoting_serializer_bindings_and_sharding_on_the_ledger_journal()
    {
        var config = StoreConfig.BuildWithLedgerDefaults(new StoreSettings("postgres", PgConnection, "unused"));
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("Ledger.Journal.LedgerSerializer, Ledger.Journal", config.GetString("akka.actor.serializers.ledger"));
        var bindings = config.GetConfig("akka.actor.serialization-bindings");
        Assert.Equal("ledger", bindings.GetString("\"Ledger.Settlement.Events.AccountEvent, Ledger.Settlement\""));
        Assert.Equal("ledger", bindings.GetString("\"Ledger.Settlement.Events.ReferenceEvent, Ledger.Settlement\""));
        Assert.Equal("ledger", bindings.GetString("\"Ledger.Settlement.Events.DeliverOrderRegistered, Ledger.Settlement\""));
        Assert.Equal("ddata", config.GetString("akka.cluster.sharding.state-store-mode"));
        Assert.True(config.GetBoolean("akka.cluster.sharding.remember-entities"));
        Assert.Equal("eventsourced", config.GetString("akka.cluster.sharding.remember-entities-store"));
        Assert.Equal(StoreConfig.JournalPluginId, config.GetString("akka.cluster.sharding.journal-plugin-id"));
        Assert.Equal(StoreConfig.SnapshotPluginId, config.GetString("akka.cluster.sharding.snapshot-plugin-id"));
    }

    [Fact]
    public void Ledger_conf_downs_by_keep_majority_with_the_documented_timings_and_binds_cross_node_messages_to_the_protocol_serializer()
    {
        var config = StoreConfig.BuildWithLedgerDefaults(new StoreSettings("postgres", PgConnection, "unused"));
        Assert.Equal("Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster", config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(20), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal("on", config.GetString("akka.cluster.split-brain-resolver.down-all-when-unstable"));
        Assert.Equal("off", config.GetString("akka.cluster.down-removal-margin"));
        Assert.Equal(TimeSpan.FromSeconds(3), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.True(config.GetBoolean("akka.cluster.run-coordinated-shutdown-when-down"));

        Assert.Equal("Ledger.Cluster.ProtocolSerializer, Ledger.Cluster", config.GetString("akka.actor.serializers.ledger-protocol"));
        var bindings = config.GetConfig("akka.actor.serialization-bindings");
        foreach (var type in new[] { "Ledger.Cluster.IProtocolMessage, Ledger.Cluster", "Ledger.Settlement.AccountCommand, Ledger.Settlement",
                     "Ledger.Settlement.AccountReply, Ledger.Settlement", "Ledger.Settlement.ReferenceCommand, Ledger.Settlement",
                     "Ledger.Settlement.AccountView, Ledger.Settlement", "Ledger.Settlement.ReferenceSnapshot, Ledger.Settlement" })
        {
            Assert.Equal("ledger-protocol", bindings.GetString($"\"{type}\""));
        }
    }

    [Fact]
    public void Ledger_settings_come_from_the_ledger_section()
    {
        var s = LedgerSettings.Default;
        Assert.Equal(10_000, s.BatchSizeMax);
        Assert.Equal(TimeSpan.FromSeconds(30), s.AskTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), s.ResendInterval);
        Assert.Equal(new TimeOnly(15, 10), s.RecycleCutoffLocalTime);
        Assert.Equal("America/New_York", s.TimeZone.Id);
        Assert.Equal(Money.FromDollars(15_000_000m), s.ReclaimThreshold);
        Assert.Equal(2009, s.ReclaimsRegime);
    }

    [Fact]
    public void Ledger_settings_take_overrides_and_keep_defaults_for_the_rest()
    {
        var config = ConfigurationFactory.ParseString("ledger { recycle-cutoff = \"14:45\", reclaims.regime = 2015, reclaims.threshold = 1000.25 }");
        var s = LedgerSettings.FromConfig(config);
        Assert.Equal(new TimeOnly(14, 45), s.RecycleCutoffLocalTime);
        Assert.Equal(2015, s.ReclaimsRegime);
        Assert.Equal(new Money(100_025), s.ReclaimThreshold);
        Assert.Equal(10_000, s.BatchSizeMax);
    }

    [Theory]
    [InlineData("ledger.batch-size-max = 0", "batch-size-max")]
    [InlineData("ledger.recycle-cutoff = \"3pm\"", "recycle-cutoff")]
    [InlineData("ledger.time-zone = \"Mars/Olympus_Mons\"", "time-zone")]
    [InlineData("ledger.reclaims.regime = 2010", "reclaims.regime")]
    [InlineData("ledger.reclaims.threshold = 0.001", "reclaims.threshold")]
    [InlineData("ledger.ask-timeout = 0s", "ask-timeout")]
    public void Bad_ledger_settings_are_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<ArgumentException>(() => LedgerSettings.FromConfig(ConfigurationFactory.ParseString(hocon)));
        Assert.Contains("ledger." + key, e.Message, StringComparison.Ordinal);
    }

    private static string JournalMode(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        return (string)command.ExecuteScalar()!;
    }
}
