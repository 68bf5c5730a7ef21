using Akka.Persistence.Sql.Config;
using LinqToDB.Data;
using Microsoft.Data.SqlClient;

namespace Ledger.Journal.Tests;

/// <summary>
/// The SQL Server configuration, read back by Akka.Persistence.Sql's own settings classes, with no
/// server: what each plugin will do once it has one. The same plugins run against a real server in
/// <see cref="SqlServerJournalTests"/> when LEDGER_SQLSERVER_CONNECTION is set.
/// </summary>
public sealed class SqlServerConfigTests
{
    // A password with a ';' must be quoted in the connection string; the quotes must survive HOCON.
    private const string Connection = "Server=sqlserver,1433;Database=ledger;User Id=ledger;Password=\"p@ss;word\";TrustServerCertificate=True";

    private static readonly Akka.Configuration.Config Config =
        StoreConfig.BuildWithLedgerDefaults(new StoreSettings("sqlserver", Connection, "unused"));

    [Fact]
    public void The_journal_writes_to_sql_server_with_csv_tags_into_the_default_tables()
    {
        var journal = new JournalConfig(Config.GetConfig(StoreConfig.JournalPluginId));

        Assert.Equal("SqlServer.2019", journal.ProviderName);
        Assert.Equal(Connection, journal.ConnectionString);
        Assert.Equal(TagMode.Csv, journal.PluginConfig.TagMode);
        Assert.Equal(";", journal.PluginConfig.TagSeparator);
        Assert.True(journal.AutoInitialize);
        Assert.Equal("journal", journal.TableConfig.EventJournalTable.Name);
        Assert.Equal("persistence_id", journal.TableConfig.EventJournalTable.ColumnNames.PersistenceId);
        Assert.Equal("tags", journal.TableConfig.TagTable.Name);
        Assert.Equal(3, journal.DaoConfig.Parallelism);
        Assert.Equal(100, journal.DaoConfig.BatchSize);
        Assert.Equal(5000, journal.DaoConfig.BufferSize);
        Assert.False(journal.DaoConfig.SqlCommonCompatibilityMode);
    }

    [Fact]
    public void The_snapshot_store_writes_to_sql_server_into_the_default_table()
    {
        var snapshots = new SnapshotConfig(Config.GetConfig(StoreConfig.SnapshotPluginId));

        Assert.Equal("SqlServer.2019", snapshots.ProviderName);
        Assert.Equal(Connection, snapshots.ConnectionString);
        Assert.True(snapshots.AutoInitialize);
        Assert.Equal("snapshot", snapshots.TableConfig.SnapshotTable.Name);
    }

    [Fact]
    public void The_read_journal_reads_what_the_journal_writes()
    {
        var read = new ReadJournalConfig(Config.GetConfig(StoreConfig.ReadJournalPluginId));
        var journal = new JournalConfig(Config.GetConfig(StoreConfig.JournalPluginId));

        Assert.Equal("SqlServer.2019", read.ProviderName);
        Assert.Equal(Connection, read.ConnectionString);
        Assert.Equal(StoreConfig.JournalPluginId, read.WritePluginId);
        Assert.Equal(TagMode.Csv, read.PluginConfig.TagMode);
        Assert.Equal(journal.PluginConfig.TagSeparator, read.PluginConfig.TagSeparator);
        Assert.Equal(journal.TableConfig.EventJournalTable.Name, read.TableConfig.EventJournalTable.Name);
        Assert.Equal(journal.TableConfig.SchemaName, read.TableConfig.SchemaName);
        Assert.Equal(TimeSpan.FromSeconds(1), read.RefreshInterval);
    }

    [Fact]
    public void The_provider_opens_Microsoft_Data_SqlClient_connections_with_the_configured_string()
    {
        var journal = new JournalConfig(Config.GetConfig(StoreConfig.JournalPluginId));
        var provider = DataConnection.GetDataProvider(journal.ProviderName, journal.ConnectionString);
        Assert.NotNull(provider);

        using var connection = provider.CreateConnection(journal.ConnectionString);

        var sql = Assert.IsType<SqlConnection>(connection);
        var parsed = new SqlConnectionStringBuilder(sql.ConnectionString);
        Assert.Equal("sqlserver,1433", parsed.DataSource);
        Assert.Equal("ledger", parsed.InitialCatalog);
        Assert.Equal("p@ss;word", parsed.Password);
        Assert.True(parsed.TrustServerCertificate);
    }
}
