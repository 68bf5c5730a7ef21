using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Journal;

/// <summary>
/// Writes journal rows into PostgreSQL with binary COPY (one <c>COPY journal (...) FROM STDIN
/// (FORMAT BINARY)</c> per combined write, in its own transaction) into the plugin's own table and
/// columns, with the values the plugin writes, so that its recovery, queries and the ledger's
/// readers read the rows back unchanged. The plugin writes a batch as one multi-row INSERT with
/// every value a parameter, parsed and planned by the server each time; COPY streams the rows.
/// </summary>
/// <remarks>
/// Durability is the plugin's: one transaction per combined write, committed (with the server's
/// <c>synchronous_commit</c>) before any caller hears of it; a failure (a duplicate sequence
/// number, a lost connection) fails the whole combined write, and every caller in it. The column
/// types are read from the table once (PostgreSQL's binary COPY needs them exactly); a table
/// whose columns this writer does not know is left to the plugin (<see cref="TryOpenAsync"/>).
/// </remarks>
internal sealed class PostgresJournalWriter : IAsyncDisposable
{
    /// <summary>The columns written, in COPY order, and the types this writer can write each as.</summary>
    private static readonly (string Column, string[] Types)[] Columns =
    [
        ("created", ["bigint"]),
        ("deleted", ["boolean"]),
        ("persistence_id", ["character varying", "text"]),
        ("sequence_number", ["bigint"]),
        ("message", ["bytea"]),
        ("tags", ["character varying", "text"]),
        ("manifest", ["character varying", "text"]),
        ("identifier", ["integer", "bigint"]),
        ("writer_uuid", ["character varying", "text"]),
    ];

    private readonly NpgsqlDataSource _dataSource;
    private readonly ExtendedActorSystem _system;
    private readonly string _copySql;
    private readonly NpgsqlDbType[] _types;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");

    private PostgresJournalWriter(ExtendedActorSystem system, NpgsqlDataSource dataSource, string table, NpgsqlDbType[] types, string tagSeparator)
    {
        _system = system;
        _tagSeparator = tagSeparator;
        _dataSource = dataSource;
        _types = types;
        _copySql = $"COPY {table} ({string.Join(", ", Columns.Select(c => c.Column))}) FROM STDIN (FORMAT BINARY)";
    }

    // The separator of the tags column (Csv tag mode), as SqliteJournalWriter.TagSeparator.
    private readonly string _tagSeparator;

    /// <summary>
    /// A writer for the journal table <paramref name="table"/> of the database
    /// <paramref name="connectionString"/> names, once that table exists with columns of known
    /// types; null when it does not (yet), or has columns this writer does not know: the plugin
    /// then writes, as before.
    /// </summary>
    public static async Task<PostgresJournalWriter?> TryOpenAsync(ExtendedActorSystem system, string connectionString, string table, string tagSeparator,
        CancellationToken ct)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table", connection);
            command.Parameters.AddWithValue("table", table);
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) found[reader.GetString(0)] = reader.GetString(1);
            }
            var types = new NpgsqlDbType[Columns.Length];
            for (var i = 0; i < Columns.Length; i++)
            {
                if (!found.TryGetValue(Columns[i].Column, out var type) || !Columns[i].Types.Contains(type))
                {
                    await dataSource.DisposeAsync();
                    return null;
                }
                types[i] = TypeOf(type);
            }
            return new PostgresJournalWriter(system, dataSource, table, types, tagSeparator);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    private static NpgsqlDbType TypeOf(string dataType) => dataType switch
    {
        "bigint" => NpgsqlDbType.Bigint,
        "integer" => NpgsqlDbType.Integer,
        "boolean" => NpgsqlDbType.Boolean,
        "bytea" => NpgsqlDbType.Bytea,
        "text" => NpgsqlDbType.Text,
        _ => NpgsqlDbType.Varchar,
    };

    /// <summary>
    /// Serializes and copies <paramref name="writes"/> in one transaction. A write whose event cannot
    /// be serialized is rejected (its entry in the answer) and the others are written; a failure of
    /// the transaction throws and writes nothing.
    /// </summary>
    public async Task<IImmutableList<Exception?>> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct)
    {
        var created = DateTime.UtcNow.Ticks;
        var rows = JournalRows.Serialize(_system, writes, _tagSeparator, out var rejections);
        if (rows.Count > 0) await CopyAsync(rows, created, ct);
        return ImmutableList.CreateRange(rejections);
    }

    private async Task CopyAsync(List<JournalRowData> rows, long created, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var copy = await connection.BeginBinaryImportAsync(_copySql, ct))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(created, _types[0], ct);
                await copy.WriteAsync(false, _types[1], ct);
                await copy.WriteAsync(row.PersistenceId, _types[2], ct);
                await copy.WriteAsync(row.SequenceNr, _types[3], ct);
                await copy.WriteAsync(row.Message, _types[4], ct);
                await copy.WriteAsync(row.Tags, _types[5], ct);
                await copy.WriteAsync(row.Manifest, _types[6], ct);
                if (_types[7] == NpgsqlDbType.Bigint) await copy.WriteAsync((long)row.Identifier, _types[7], ct);
                else await copy.WriteAsync(row.Identifier, _types[7], ct);
                await copy.WriteAsync(_writerUuid, _types[8], ct);
            }
            await copy.CompleteAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
