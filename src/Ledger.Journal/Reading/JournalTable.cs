using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>One stored event: its sequence number in its journal, its manifest and the event itself.</summary>
/// <summary>
/// One stored event: <see cref="AsStored"/> as its manifest's type reads it (what its hash chain
/// covers), <see cref="Event"/> upcast to the type the domain applies (<see cref="Upcast"/>).
/// </summary>
public readonly record struct StoredEvent(long SequenceNr, string Manifest, object AsStored)
{
    public object Event { get; } = Upcast.ToCurrent(AsStored);
}

/// <summary>
/// Reads the ledger's journals straight from the table the SQL journal plugin writes (its
/// <c>default</c> table mapping: table <c>journal</c>, one row per event, the payload written by
/// <see cref="LedgerSerializer"/>), one query per journal, rows in sequence order. This is the read
/// side of <c>ledger replay</c>, <c>explain</c>, <c>verify</c>, <c>what-if</c> and of a node's
/// <c>?asOf=</c> and journal queries: no actor system, no node, and a running node is not disturbed
/// (SQLite in WAL mode lets a reader in beside the writer; PostgreSQL and SQL Server read committed
/// rows). It never writes.
/// </summary>
/// <remarks>
/// Persistence Query's <c>CurrentEventsByPersistenceId</c> returns the same rows, but pages them
/// through a stream of a few stages per event: on SQLite it replayed about 55,000 events/s where
/// one query and a data reader give five times that (benchmarks/RESULTS.md).
/// </remarks>
public sealed partial class JournalTable
{
    /// <summary>Sequence numbers per keyed query, at most: SQL Server takes 2,100 parameters, old SQLite builds 999.</summary>
    public const int KeysPerQueryMax = 500;

    private readonly string _store;
    private readonly string _connection;
    private long _rowsRead;

    private JournalTable(string store, string connection)
    {
        _store = store;
        _connection = connection;
    }

    /// <summary>The journal table of <paramref name="settings"/>'s store.</summary>
    /// <exception cref="ReplayStoreException">The SQLite file does not exist (a reader never creates one).</exception>
    /// <exception cref="ArgumentException">An unknown store, or a server store without a connection string.</exception>
    public static JournalTable Of(StoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var store = StoreConfig.NormalizeStore(settings.Store);
        if (store == StoreConfig.Sqlite && string.IsNullOrWhiteSpace(settings.Connection))
        {
            var file = Path.Combine(Path.GetFullPath(settings.DataDir), StoreConfig.SqliteFileName);
            if (!File.Exists(file)) throw new ReplayStoreException($"there is no journal at {file} (is --data-dir right?)");
            return new JournalTable(store, new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, Pooling = true }.ToString());
        }
        return new JournalTable(store, StoreConfig.ConnectionStringFor(settings with { Store = store }));
    }

    /// <summary>
    /// The events of <paramref name="persistenceId"/> with sequence numbers up to
    /// <paramref name="toSequenceNr"/>, in order. Stop enumerating to stop the query.
    /// </summary>
    /// <exception cref="JournalRowException">A row the ledger's serializer did not write, or cannot read.</exception>
    public async IAsyncEnumerable<StoredEvent> EventsAsync(string persistenceId, long toSequenceNr, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sequence_number, manifest, identifier, message FROM journal
            WHERE persistence_id = @persistence_id AND sequence_number <= @to AND deleted = @deleted
            ORDER BY sequence_number
            """;
        Add(command, "@persistence_id", persistenceId);
        Add(command, "@to", toSequenceNr);
        Add(command, "@deleted", false);
        await foreach (var stored in Rows(connection, command, persistenceId, ct)) yield return stored;
    }

    /// <summary>
    /// Exactly the events of <paramref name="persistenceId"/> at <paramref name="sequenceNrs"/>, in
    /// sequence order (a number with no row is skipped): each a lookup on the journal's unique
    /// (persistence_id, sequence_number) index, so the cost follows the rows asked for, never the
    /// length of the journal.
    /// </summary>
    /// <exception cref="JournalRowException">A row the ledger's serializer did not write, or cannot read.</exception>
    public async Task<IReadOnlyList<StoredEvent>> EventsAtAsync(string persistenceId, IReadOnlyCollection<long> sequenceNrs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sequenceNrs);
        var events = new List<StoredEvent>(sequenceNrs.Count);
        if (sequenceNrs.Count == 0) return events;
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        foreach (var chunk in sequenceNrs.Distinct().Order().Chunk(KeysPerQueryMax))
        {
            await using var command = connection.CreateCommand();
            var keys = new string[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                keys[i] = "@s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Add(command, keys[i], chunk[i]);
            }
            command.CommandText = $"""
                SELECT sequence_number, manifest, identifier, message FROM journal
                WHERE persistence_id = @persistence_id AND deleted = @deleted AND sequence_number IN ({string.Join(", ", keys)})
                ORDER BY sequence_number
                """;
            Add(command, "@persistence_id", persistenceId);
            Add(command, "@deleted", false);
            await foreach (var stored in Rows(connection, command, persistenceId, ct)) events.Add(stored);
        }
        return events;
    }

    /// <summary>Rows this reader has decoded since it was made, over every query: what an explanation or a replay cost the store.</summary>
    public long RowsRead => Interlocked.Read(ref _rowsRead);

    private async IAsyncEnumerable<StoredEvent> Rows(DbConnection connection, DbCommand command, string persistenceId, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        // Microsoft.Data.Sqlite reads synchronously under its async methods; its plain Read skips their cost per row.
        var synchronous = connection is SqliteConnection;
        long rows = 0;
        try
        {
            while (synchronous ? reader.Read() : await reader.ReadAsync(ct))
            {
                ct.ThrowIfCancellationRequested();
                rows++;
                var sequenceNr = reader.GetInt64(0);
                var manifest = reader.GetString(1);
                var serializer = reader.GetInt32(2);
                var e = EventOf(persistenceId, sequenceNr, manifest, serializer, reader.GetFieldValue<byte[]>(3));
                yield return new StoredEvent(sequenceNr, manifest, e);
            }
        }
        finally
        {
            Interlocked.Add(ref _rowsRead, rows);
        }
    }

    /// <summary>The event a journal row holds, read with the ledger's serializer (income's for income's journals, the hub's for its mailboxes: their published messages, lending's for lending's).</summary>
    /// <exception cref="JournalRowException">The row was written by another serializer, or does not read.</exception>
    private static object EventOf(string persistenceId, long sequenceNr, string manifest, int serializer, byte[] message)
    {
        if (serializer == IncomeSerializer.SerializerId || serializer == RecallsSerializer.SerializerId)
        {
            try
            {
                return serializer == IncomeSerializer.SerializerId
                    ? IncomeSerializer.FromUtf8Json(message, manifest)
                    : RecallsSerializer.FromUtf8Json(message, manifest);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw new JournalRowException(persistenceId, sequenceNr, error.GetBaseException().Message, manifest);
            }
        }
        if (serializer == LendingSerializer.SerializerId)
        {
            try
            {
                return LendingSerializer.FromUtf8Json(message, manifest);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw new JournalRowException(persistenceId, sequenceNr, error.GetBaseException().Message, manifest);
            }
        }
        if (serializer != LedgerSerializer.SerializerId)
        {
            throw new JournalRowException(persistenceId, sequenceNr, $"it was written by serializer {serializer}, not the ledger's ({LedgerSerializer.SerializerId})", manifest);
        }
        try
        {
            return LedgerSerializer.FromUtf8Json(message, manifest);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw new JournalRowException(persistenceId, sequenceNr, error.GetBaseException().Message, manifest);
        }
    }

    /// <summary>
    /// The events of one of the ledger's journals, checked as they are read (<see cref="JournalCheck"/>),
    /// as its entity checks them when it recovers.
    /// </summary>
    /// <exception cref="JournalDamagedException">An event is missing, unreadable or does not match its hash chain; nothing from it on is returned.</exception>
    public async IAsyncEnumerable<StoredEvent> CheckedEventsAsync(string persistenceId, [EnumeratorCancellation] CancellationToken ct)
    {
        var check = new JournalCheck(persistenceId);
        await using var events = EventsAsync(persistenceId, long.MaxValue, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            bool more;
            try
            {
                more = await events.MoveNextAsync();
            }
            catch (JournalRowException e)
            {
                check.Take(e.SequenceNr, new UnreadableEvent(e.Manifest, e.Why));
                throw new JournalDamagedException(JournalDamaged.Of(check.Finding!));
            }
            if (!more) yield break;
            var stored = events.Current;
            if (!check.Take(stored.SequenceNr, stored.AsStored)) throw new JournalDamagedException(JournalDamaged.Of(check.Finding!));
            yield return stored;
        }
    }

    /// <summary>Every persistence id in the journal that starts with <paramref name="prefix"/>, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> PersistenceIdsAsync(string prefix, CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // The prefix is matched in code, not with LIKE: ids hold '_' and '-' and stores differ on escapes.
        command.CommandText = "SELECT DISTINCT persistence_id FROM journal";
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetString(0);
            if (id.StartsWith(prefix, StringComparison.Ordinal)) ids.Add(id);
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>The highest sequence number of <paramref name="persistenceId"/>: 0 for a journal with no events.</summary>
    public async Task<long> HighestSequenceNrAsync(string persistenceId, CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = @persistence_id";
        Add(command, "@persistence_id", persistenceId);
        return await command.ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt64(max, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private DbConnection Connect() => _store switch
    {
        StoreConfig.Sqlite => new SqliteConnection(_connection),
        StoreConfig.Postgres => new Npgsql.NpgsqlConnection(_connection),
        StoreConfig.SqlServer => new Microsoft.Data.SqlClient.SqlConnection(_connection),
        _ => throw new ArgumentException($"Unknown store '{_store}'."),
    };

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

/// <summary>A journal row that is not an event the ledger can read: tampering, or another writer.</summary>
public sealed class JournalRowException(string persistenceId, long sequenceNr, string why, string manifest)
    : Exception($"event {sequenceNr} ({manifest}) of {persistenceId} could not be read: {why}")
{
    public string PersistenceId { get; } = persistenceId;
    public long SequenceNr { get; } = sequenceNr;
    public string Why { get; } = why;
    public string Manifest { get; } = manifest;
}

/// <summary>The store could not be read (unreachable, or its journal table missing).</summary>
public sealed class ReplayStoreException(string message) : Exception(message);
