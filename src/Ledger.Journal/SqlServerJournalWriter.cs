using System.Collections.Immutable;
using System.Data;
using System.Globalization;
using Akka.Actor;
using Akka.Persistence;
using Microsoft.Data.SqlClient;

namespace Ledger.Journal;

/// <summary>
/// Writes journal rows into SQL Server with <see cref="SqlBulkCopy"/> (one bulk copy per combined
/// write, inside its own transaction) into the plugin's own table and columns, with the values the
/// plugin writes, so that its recovery, queries and the ledger's readers read the rows back
/// unchanged. The plugin writes a batch as one multi-row INSERT with every value a parameter (SQL
/// Server allows 2,100 parameters, so a large batch is several statements); bulk copy streams the
/// rows in the server's bulk-load protocol. The SQL Server counterpart of
/// <see cref="PostgresJournalWriter"/>.
/// </summary>
/// <remarks>
/// Durability is the plugin's: one transaction per combined write, committed before any caller
/// hears of it; a failure (a sequence number already taken: the plugin's unique index answers
/// SqlException 2601 or 2627, as it does to the plugin's INSERT; a lost connection) rolls back the
/// whole combined write and fails every caller in it. <c>ordering</c> is the table's identity: the
/// server numbers the rows as they arrive, as it does the plugin's INSERT (identity values are not
/// kept from the client). The bulk copy checks constraints and fires triggers, as an INSERT does,
/// so that a constraint on the table is neither skipped nor left untrusted. The columns are read
/// from the table once; a table whose columns this writer does not know is left to the plugin
/// (<see cref="TryOpenAsync"/>).
/// </remarks>
internal sealed class SqlServerJournalWriter
{
    /// <summary>The columns written, in the order of the rows shaped for the bulk copy, and the SQL Server types this writer can write each as.</summary>
    internal static readonly (string Column, string[] Types)[] Columns =
    [
        ("created", ["bigint"]),
        ("deleted", ["bit"]),
        ("persistence_id", ["nvarchar", "varchar"]),
        ("sequence_number", ["bigint"]),
        ("message", ["varbinary", "image"]),
        ("tags", ["nvarchar", "varchar"]),
        ("manifest", ["nvarchar", "varchar"]),
        ("identifier", ["int", "bigint"]),
        ("writer_uuid", ["nvarchar", "varchar"]),
    ];

    /// <summary>Insert as the plugin's INSERT would: constraints checked (and so kept trusted), triggers fired, identity numbered by the server.</summary>
    internal const SqlBulkCopyOptions Options = SqlBulkCopyOptions.CheckConstraints | SqlBulkCopyOptions.FireTriggers;

    private readonly ExtendedActorSystem _system;
    private readonly string _connectionString;
    private readonly string _table;
    private readonly bool _identifierBigint;
    // The separator of the tags column (Csv tag mode), as SqliteJournalWriter.TagSeparator.
    private readonly string _tagSeparator;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");

    private SqlServerJournalWriter(ExtendedActorSystem system, string connectionString, string table, bool identifierBigint, string tagSeparator)
    {
        _system = system;
        _connectionString = connectionString;
        _table = table;
        _identifierBigint = identifierBigint;
        _tagSeparator = tagSeparator;
    }

    /// <summary>
    /// A writer for the journal table <paramref name="table"/> (in the login's default schema, where
    /// the plugin creates it) of the database <paramref name="connectionString"/> names, once that
    /// table exists with columns of known types; null when it does not (yet), or has columns this
    /// writer does not know: the plugin then writes, as before.
    /// </summary>
    public static async Task<SqlServerJournalWriter?> TryOpenAsync(ExtendedActorSystem system, string connectionString, string table, string tagSeparator,
        CancellationToken ct)
    {
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new SqlCommand(
            "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = @table", connection);
        command.Parameters.Add(new SqlParameter("@table", SqlDbType.NVarChar, 128) { Value = table });
        var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) found[reader.GetString(0)] = reader.GetString(1);
        }
        return IdentifierIsBigint(found) is { } bigint ? new SqlServerJournalWriter(system, connectionString, table, bigint, tagSeparator) : null;
    }

    /// <summary>
    /// Whether the table whose columns (name to <c>DATA_TYPE</c>) are <paramref name="found"/> holds
    /// <c>identifier</c> as bigint (else int); null when a column is missing or of a type this writer
    /// does not write.
    /// </summary>
    internal static bool? IdentifierIsBigint(IReadOnlyDictionary<string, string> found)
    {
        foreach (var (column, types) in Columns)
        {
            if (!found.TryGetValue(column, out var type) || !types.Contains(type, StringComparer.OrdinalIgnoreCase)) return null;
        }
        return string.Equals(found["identifier"], "bigint", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Serializes and bulk-copies <paramref name="writes"/> in one transaction. A write whose event
    /// cannot be serialized is rejected (its entry in the answer) and the others are written; a
    /// failure of the transaction throws and writes nothing.
    /// </summary>
    public async Task<IImmutableList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct)
    {
        var created = DateTime.UtcNow.Ticks;
        var rows = JournalRows.Serialize(_system, writes, _tagSeparator, out var rejections);
        if (rows.Count > 0) await BulkCopyAsync(rows, created, ct);
        return ImmutableList.CreateRange(rejections);
    }

    private async Task BulkCopyAsync(List<JournalRowData> rows, long created, CancellationToken ct)
    {
        using var table = Shape(rows, created, _writerUuid, _identifierBigint);
        await using var connection = new SqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = (SqlTransaction)await connection.BeginTransactionAsync(ct);
        using (var bulk = BulkCopy(connection, transaction, _table))
        {
            await bulk.WriteToServerAsync(table, ct);
        }
        // Disposed uncommitted (a failed copy), the transaction rolls back: none of the rows stays.
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// The rows as the bulk copy sends them: one column per entry of <see cref="Columns"/>, typed as
    /// the table's column, every value as the plugin writes it, in the order given (the order the
    /// server numbers them in).
    /// </summary>
    internal static DataTable Shape(IReadOnlyList<JournalRowData> rows, long created, string writerUuid, bool identifierBigint)
    {
        var table = new DataTable("journal") { Locale = CultureInfo.InvariantCulture };
        table.Columns.Add("created", typeof(long));
        table.Columns.Add("deleted", typeof(bool));
        table.Columns.Add("persistence_id", typeof(string));
        table.Columns.Add("sequence_number", typeof(long));
        table.Columns.Add("message", typeof(byte[]));
        table.Columns.Add("tags", typeof(string));
        table.Columns.Add("manifest", typeof(string));
        table.Columns.Add("identifier", identifierBigint ? typeof(long) : typeof(int));
        table.Columns.Add("writer_uuid", typeof(string));
        table.BeginLoadData();
        foreach (var row in rows)
        {
            table.Rows.Add(created, false, row.PersistenceId, row.SequenceNr, row.Message, row.Tags, row.Manifest,
                identifierBigint ? (long)row.Identifier : row.Identifier, writerUuid);
        }
        table.EndLoadData();
        return table;
    }

    /// <summary>
    /// The bulk copy into <paramref name="table"/> inside <paramref name="transaction"/>: every shaped
    /// column mapped to the table's column of the same name (never by position: the table also has
    /// <c>ordering</c>, its identity), all rows in one batch (the transaction is the unit anyway).
    /// </summary>
    internal static SqlBulkCopy BulkCopy(SqlConnection connection, SqlTransaction? transaction, string table)
    {
        var bulk = new SqlBulkCopy(connection, Options, transaction)
        {
            DestinationTableName = QuoteName(table),
            BatchSize = 0,
        };
        foreach (var (column, _) in Columns) bulk.ColumnMappings.Add(column, column);
        return bulk;
    }

    /// <summary>A table name as a SQL Server identifier: <c>[journal]</c>, a <c>]</c> in it doubled.</summary>
    internal static string QuoteName(string table) => "[" + table.Replace("]", "]]", StringComparison.Ordinal) + "]";
}
