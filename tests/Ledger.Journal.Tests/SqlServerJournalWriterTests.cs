using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Data;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Ledger.Settlement.Events;
using Ledger.TestSupport;
using Microsoft.Data.SqlClient;

namespace Ledger.Journal.Tests;

/// <summary>
/// The SQL Server bulk-copy writer under <see cref="GroupCommitJournal"/>. Without a server: the
/// rows it shapes are, column for column, the values the plugin writes (the same serialized bytes,
/// manifest, serializer id and tags column), every column is mapped by name with the identity left
/// to the server, a table it does not know is left to the plugin, and the switch turns it on only
/// by name. On the server that <c>LEDGER_SQLSERVER_CONNECTION</c> names (skipped, saying why, as
/// <see cref="SqlServerJournalTests"/> is, when it is unset): its rows are the plugin's rows byte
/// for byte and the plugin recovers them, and a bulk copy that fails (a sequence number already
/// taken) fails every write in it and leaves none of its rows.
/// </summary>
public sealed class SqlServerJournalWriterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string WriterTag = "sqlserver-bulk-copy";

    /// <summary>The plugin's journal table on SQL Server as INFORMATION_SCHEMA.COLUMNS gives it (DATA_TYPE).</summary>
    private static Dictionary<string, string> PluginTable() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["ordering"] = "bigint",
        ["created"] = "bigint",
        ["deleted"] = "bit",
        ["persistence_id"] = "nvarchar",
        ["sequence_number"] = "bigint",
        ["message"] = "varbinary",
        ["tags"] = "nvarchar",
        ["manifest"] = "nvarchar",
        ["identifier"] = "int",
        ["writer_uuid"] = "nvarchar",
    };

    [Fact]
    public async Task Shaped_rows_hold_the_values_the_plugin_writes_in_the_order_written()
    {
        var system = ActorSystem.Create("sqlserver-shape", ServerlessConfig());
        try
        {
            var events = SampleEvents.ByType.Values.OfType<AccountEvent>().Take(6).Select(e => (object)e).ToList();
            // The settlement tagger's wrapping, as the event adapter hands published events to the journal.
            var tagged = new Tagged(events[0], [Settlement.SettlementPublication.Tag]);
            var writes = new List<AtomicWrite>
            {
                Write("account-0101", 1, [tagged, events[1], events[2]]),
                Write("account-0981", 7, [events[3], events[4], events[5]]),
            };
            var rows = JournalRows.Serialize((ExtendedActorSystem)system, writes, ";", out var rejections);
            Assert.All(rejections, Assert.Null);
            const long created = 639_000_000_000_000_000;

            using var table = SqlServerJournalWriter.Shape(rows, created, "writer-1", identifierBigint: false);

            Assert.Equal(SqlServerJournalWriter.Columns.Select(c => c.Column), table.Columns.Cast<DataColumn>().Select(c => c.ColumnName));
            Assert.Equal([typeof(long), typeof(bool), typeof(string), typeof(long), typeof(byte[]), typeof(string), typeof(string), typeof(int), typeof(string)],
                table.Columns.Cast<DataColumn>().Select(c => c.DataType));
            Assert.Equal(6, table.Rows.Count);
            Assert.Equal(["account-0101", "account-0101", "account-0101", "account-0981", "account-0981", "account-0981"],
                table.Rows.Cast<DataRow>().Select(r => (string)r["persistence_id"]));
            Assert.Equal([1L, 2L, 3L, 7L, 8L, 9L], table.Rows.Cast<DataRow>().Select(r => (long)r["sequence_number"]));
            Assert.Equal(";settlement-published;", (string)table.Rows[0]["tags"]);
            Assert.Equal("", (string)table.Rows[1]["tags"]);
            var serialization = system.Serialization;
            for (var i = 0; i < rows.Count; i++)
            {
                var row = table.Rows[i];
                Assert.Equal(created, (long)row["created"]);
                Assert.False((bool)row["deleted"]);
                Assert.Equal("writer-1", (string)row["writer_uuid"]);
                Assert.Equal(rows[i].Message, (byte[])row["message"]);
                Assert.Equal(rows[i].Manifest, (string)row["manifest"]);
                Assert.Equal(rows[i].Identifier, (int)row["identifier"]);
                // The bytes are the ledger serializer's (never CLR type names), and read back as the event written.
                Assert.Equal(serialization.FindSerializerForType(typeof(AccountEvent)).Identifier, (int)row["identifier"]);
                Assert.Equal(events[i], serialization.Deserialize((byte[])row["message"], (int)row["identifier"], (string)row["manifest"]));
            }

            // A table whose identifier column is bigint gets the same numbers as bigint.
            using var wide = SqlServerJournalWriter.Shape(rows, created, "writer-1", identifierBigint: true);
            Assert.Equal(typeof(long), wide.Columns["identifier"]!.DataType);
            Assert.Equal((long)rows[0].Identifier, (long)wide.Rows[0]["identifier"]);
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }
    }

    [Fact]
    public void Every_shaped_column_is_mapped_by_name_and_the_identity_is_left_to_the_server()
    {
        // Neither opened nor reached: the bulk copy's set-up is read back only.
        using var connection = new SqlConnection("Server=127.0.0.1,1;Database=unused;User Id=unused;Password=unused;TrustServerCertificate=True");
        using var bulk = SqlServerJournalWriter.BulkCopy(connection, null, "journal");
        using var table = SqlServerJournalWriter.Shape([], 0, "w", identifierBigint: false);

        Assert.Equal("[journal]", bulk.DestinationTableName);
        Assert.Equal(0, bulk.BatchSize);
        var mappings = bulk.ColumnMappings.Cast<SqlBulkCopyColumnMapping>().ToList();
        Assert.Equal(table.Columns.Cast<DataColumn>().Select(c => c.ColumnName), mappings.Select(m => m.SourceColumn));
        Assert.All(mappings, m => Assert.Equal(m.SourceColumn, m.DestinationColumn));
        Assert.All(mappings, m => Assert.Equal(-1, m.SourceOrdinal));
        Assert.DoesNotContain(mappings, m => m.DestinationColumn == "ordering");
        // As an INSERT: the server numbers ordering, checks constraints and fires triggers; no table lock, so the group commit's parallel writes proceed.
        Assert.False(SqlServerJournalWriter.Options.HasFlag(SqlBulkCopyOptions.KeepIdentity));
        Assert.False(SqlServerJournalWriter.Options.HasFlag(SqlBulkCopyOptions.TableLock));
        Assert.True(SqlServerJournalWriter.Options.HasFlag(SqlBulkCopyOptions.CheckConstraints));
        Assert.True(SqlServerJournalWriter.Options.HasFlag(SqlBulkCopyOptions.FireTriggers));
        Assert.Equal("[odd]]name]", SqlServerJournalWriter.QuoteName("odd]name"));
    }

    [Fact]
    public void A_table_missing_a_column_or_with_a_type_the_writer_does_not_write_is_left_to_the_plugin()
    {
        Assert.False(SqlServerJournalWriter.IdentifierIsBigint(PluginTable()));
        var wide = PluginTable();
        wide["identifier"] = "bigint";
        Assert.True(SqlServerJournalWriter.IdentifierIsBigint(wide));
        var upper = PluginTable().ToDictionary(kv => kv.Key.ToUpperInvariant(), kv => kv.Value.ToUpperInvariant(), StringComparer.OrdinalIgnoreCase);
        Assert.False(SqlServerJournalWriter.IdentifierIsBigint(upper));

        foreach (var column in SqlServerJournalWriter.Columns.Select(c => c.Column))
        {
            var missing = PluginTable();
            missing.Remove(column);
            Assert.Null(SqlServerJournalWriter.IdentifierIsBigint(missing));
        }
        var legacy = PluginTable();
        legacy["sequence_number"] = "numeric";
        Assert.Null(SqlServerJournalWriter.IdentifierIsBigint(legacy));
        var guid = PluginTable();
        guid["writer_uuid"] = "uniqueidentifier";
        Assert.Null(SqlServerJournalWriter.IdentifierIsBigint(guid));
    }

    [Fact]
    public void The_bulk_copy_writer_is_on_only_on_sql_server_with_ledger_writer_on_by_name()
    {
        static Akka.Configuration.Config Journal(string store, string? extra) =>
            (extra is null ? ConfigurationFactory.Empty : ConfigurationFactory.ParseString(extra))
            .WithFallback(StoreConfig.BuildWithLedgerDefaults(new StoreSettings(store, "Server=unused;Host=unused", "unused")))
            .GetConfig(StoreConfig.JournalPluginId);

        // As shipped, sqlserver.conf leaves it off: the plugin writes SQL Server's rows.
        Assert.False(GroupCommitJournal.SqlServerBulkCopyOn(Journal(StoreConfig.SqlServer, null)));
        Assert.True(GroupCommitJournal.SqlServerBulkCopyOn(Journal(StoreConfig.SqlServer, "akka.persistence.journal.sql.ledger-writer = on")));
        Assert.False(GroupCommitJournal.SqlServerBulkCopyOn(Journal(StoreConfig.SqlServer, "akka.persistence.journal.sql.ledger-writer = off")));
        Assert.False(GroupCommitJournal.SqlServerBulkCopyOn(Journal(StoreConfig.Postgres, "akka.persistence.journal.sql.ledger-writer = on")));
    }

    [SkippableFact]
    public async Task Bulk_copied_rows_are_the_plugins_rows_and_the_plugin_recovers_them()
    {
        await using var pluginDatabase = await SqlServerDatabase.CreateAsync("ledger_bulk_plugin");
        await using var bulkDatabase = await SqlServerDatabase.CreateAsync("ledger_bulk_copy");
        // Every account event type the ledger stores; the published ones are tagged by the settlement tagger.
        var events = SampleEvents.ByType.Values.OfType<AccountEvent>().Select(e => (object)e).ToList();
        Assert.Contains(events, e => e is AccountEvent a && Settlement.SettlementPublication.IsPublished(a));

        var byPlugin = await WriteAllAsync(Store(pluginDatabase), events, ledgerWriter: false);
        var byBulk = await WriteAllAsync(Store(bulkDatabase), events, ledgerWriter: true);

        Assert.Equal(0, byPlugin.BulkRows);
        Assert.True(byBulk.BulkRows >= events.Count * 3, $"the bulk copy wrote {byBulk.BulkRows} rows");
        Assert.Equal(byPlugin.Rows.Count, byBulk.Rows.Count);
        Assert.Contains(byBulk.Rows, r => ((string)r[5]).Contains(Settlement.SettlementPublication.Tag, StringComparison.Ordinal));
        for (var i = 0; i < byPlugin.Rows.Count; i++) Assert.Equal(byPlugin.Rows[i], byBulk.Rows[i]);
        // ordering, the table's identity, numbers each account's events in the order they were written.
        foreach (var account in byBulk.Orderings.GroupBy(o => o.PersistenceId))
        {
            var orderings = account.OrderBy(o => o.SequenceNr).Select(o => o.Ordering).ToList();
            Assert.Equal(orderings.Order(), orderings);
        }
    }

    [SkippableFact]
    public async Task A_failed_bulk_copy_fails_every_write_in_it_and_writes_none_of_its_rows()
    {
        await using var database = await SqlServerDatabase.CreateAsync("ledger_bulk_failure");
        var store = Store(database);
        var events = SampleEvents.Stream(4).Select(e => (object)e).ToList();
        var name = "bulk-failure-" + Guid.NewGuid().ToString("N");
        var bulkRows = new ConcurrentBag<long>();
        using var listener = JournalWriterProbe.Listen(name, WriterTag, bulkRows);
        var system = ActorSystem.Create(name, Config(store, ledgerWriter: true));
        try
        {
            await JournalWriterProbe.WarmUpAsync(system, bulkRows, Timeout);
            var ids = Enumerable.Range(0, 30).Select(i => $"account-{i:0000}").Append("account-0666").ToList();
            var writers = ids.Select(id => system.ActorOf(Props.Create(() => new JournalWriterProbe.Writer(id)))).ToList();
            // Recovered (empty) before the row below goes in: account-0666 will write its events from number 1.
            Assert.All(await Task.WhenAll(writers.Select(w => w.Ask<string>("ready?", Timeout))), a => Assert.Equal("ready", a));
            // account-0666's first sequence number is taken meanwhile: a bulk copy holding its event fails as a whole.
            await using (var db = new SqlConnection(store.Connection))
            {
                await db.OpenAsync();
                await using var insert = new SqlCommand("""
                    INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
                    SELECT created, deleted, 'account-0666', sequence_number, message, tags, manifest, identifier, writer_uuid
                    FROM journal WHERE persistence_id = 'warm-up' AND sequence_number = 1
                    """, db);
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
            // Held back behind a table lock, so that the writes reach the journal together and share bulk copies.
            await using var locker = new SqlConnection(store.Connection);
            await locker.OpenAsync();
            await using var transaction = (SqlTransaction)await locker.BeginTransactionAsync();
            await using (var lockTable = new SqlCommand("SELECT COUNT(*) FROM journal WITH (TABLOCKX, HOLDLOCK)", locker, transaction)) await lockTable.ExecuteScalarAsync();
            var answers = writers.Select(w => w.Ask<string>(events, Timeout)).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await transaction.RollbackAsync();
            var outcomes = (await Task.WhenAll(answers)).Zip(ids, (outcome, id) => (Outcome: outcome, Id: id)).ToList();

            Assert.Equal("failed", outcomes.Single(o => o.Id == "account-0666").Outcome);
            await using var db2 = new SqlConnection(store.Connection);
            await db2.OpenAsync();
            foreach (var (outcome, id) in outcomes)
            {
                await using var count = new SqlCommand("SELECT COUNT_BIG(*) FROM journal WHERE persistence_id = @id", db2);
                count.Parameters.Add(new SqlParameter("@id", SqlDbType.NVarChar, 255) { Value = id });
                var rows = (long)(await count.ExecuteScalarAsync())!;
                // All of a write or none of it: a caller told it failed has no rows (0666 keeps only the row put there).
                Assert.Equal(outcome == "written" ? events.Count : id == "account-0666" ? 1 : 0, rows);
            }
            Assert.Contains(outcomes, o => o.Outcome == "written");
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }
    }

    private static AtomicWrite Write(string persistenceId, long firstSequenceNr, IReadOnlyList<object> payloads) =>
        new(payloads.Select((p, i) => (IPersistentRepresentation)new Persistent(p, firstSequenceNr + i, persistenceId)).ToImmutableList());

    /// <summary>The ledger's configuration on SQL Server with no server behind it: enough for its serializers.</summary>
    private static Akka.Configuration.Config ServerlessConfig() =>
        ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            """)
            .WithFallback(StoreConfig.BuildWithLedgerDefaults(new StoreSettings(StoreConfig.SqlServer, "Server=unused", "unused-for-sqlserver")));

    private static StoreSettings Store(SqlServerDatabase database)
    {
        var store = new StoreSettings(StoreConfig.SqlServer, database.ConnectionString, DataDir: "unused-for-sqlserver");
        StoreConfig.Prepare(store);
        return store;
    }

    private static async Task<(List<object[]> Rows, List<(string PersistenceId, long SequenceNr, long Ordering)> Orderings, long BulkRows)> WriteAllAsync(
        StoreSettings store, IReadOnlyList<object> events, bool ledgerWriter)
    {
        var name = "bulk-rows-" + Guid.NewGuid().ToString("N");
        var bulkRows = new ConcurrentBag<long>();
        using var listener = JournalWriterProbe.Listen(name, WriterTag, bulkRows);
        var system = ActorSystem.Create(name, Config(store, ledgerWriter));
        try
        {
            if (ledgerWriter) await JournalWriterProbe.WarmUpAsync(system, bulkRows, Timeout);
            var before = bulkRows.Sum();
            var writers = Enumerable.Range(0, 3).Select(i => system.ActorOf(Props.Create(() => new JournalWriterProbe.Writer($"account-{i:0000}")))).ToList();
            var outcomes = await Task.WhenAll(writers.Select(w => w.Ask<string>(events, Timeout)));
            Assert.All(outcomes, o => Assert.Equal("written", o));
            var copied = bulkRows.Sum() - before;

            // The plugin's own recovery reads every row back as the event written.
            foreach (var id in new[] { "account-0000", "account-0002" })
            {
                var done = new TaskCompletionSource<List<object>>(TaskCreationOptions.RunContinuationsAsynchronously);
                system.ActorOf(Props.Create(() => new JournalWriterProbe.Reader(id, done)));
                Assert.Equal(events, await done.Task.WaitAsync(Timeout));
            }

            await using var db = new SqlConnection(store.Connection);
            await db.OpenAsync();
            await using var command = new SqlCommand("""
                SELECT persistence_id, sequence_number, message, manifest, identifier, tags, deleted, ordering
                FROM journal WHERE persistence_id LIKE 'account-%' ORDER BY persistence_id, sequence_number
                """, db);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<object[]>();
            var orderings = new List<(string, long, long)>();
            while (await reader.ReadAsync())
            {
                // Every column but ordering, which differs between two databases by the warm-up's rows.
                var row = new object[reader.FieldCount - 1];
                for (var i = 0; i < row.Length; i++) row[i] = reader.GetValue(i);
                rows.Add(row);
                orderings.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(7)));
            }
            return (rows, orderings, copied);
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }
    }

    private static async Task WarmUpAsync(ActorSystem system, ConcurrentBag<long> bulkRows)
    {
        var warmUp = system.ActorOf(Props.Create(() => new JournalWriterProbe.Writer("warm-up")));
        for (var i = 0; bulkRows.IsEmpty; i++)
        {
            Assert.True(i < 200, "no write went through the bulk copy");
            Assert.Equal("written", await warmUp.Ask<string>(new List<object> { SampleEvents.Stream(1)[0] }, Timeout));
        }
    }

    private static Akka.Configuration.Config Config(StoreSettings store, bool ledgerWriter) =>
        ConfigurationFactory.ParseString($"""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.persistence.journal.sql.ledger-writer = {(ledgerWriter ? "on" : "off")}
            """)
            .WithFallback(StoreConfig.BuildWithLedgerDefaults(store));
}
