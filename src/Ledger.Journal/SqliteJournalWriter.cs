using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>
/// Writes journal rows into SQLite the way the SQL journal plugin does (its <c>default</c> table
/// mapping: the same columns and values, so the plugin's recovery and queries read them back
/// unchanged), but with one prepared INSERT per transaction instead of a statement text with every
/// payload inlined as a hex literal, which is how the plugin's bulk copy writes SQLite rows and where
/// most of its time per row went.
/// </summary>
/// <remarks>
/// Durability is the plugin's: the same connection string (WAL, <c>synchronous</c> FULL by default),
/// one transaction per combined write, committed before any caller hears of it.
/// </remarks>
internal sealed class SqliteJournalWriter : IDisposable
{
    private const string InsertSql = """
        INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
        VALUES (@created, 0, @persistence_id, @sequence_number, @message, @tags, @manifest, @identifier, @writer_uuid)
        """;

    private readonly string _connectionString;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly ExtendedActorSystem _system;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stop = new();
    private readonly StoreHealth _health;
    private readonly string? _walFile;
    private int _commitsSinceCheckpoint;
    private volatile bool _walResetDue;

    /// <summary>How often the log is copied into the database file while there are writes.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The write-ahead log's size past which the writer resets it (a TRUNCATE checkpoint) before its
    /// next transaction. Passive checkpoints copy the log into the database but never reset it while
    /// writes keep coming, so under sustained load it grew without bound (2.7 GB after 150,000 deliver
    /// orders); reset here, it stays near this size.
    /// </summary>
    public const long WalResetBytes = 64L * 1024 * 1024;

    /// <summary>SQLite's <c>journal_size_limit</c>: a log reset by any checkpoint is cut back to this size.</summary>
    public const long JournalSizeLimitBytes = 64L * 1024 * 1024;

    /// <summary>Rounds of <see cref="CheckpointInterval"/> without a commit after which the log is reset to nothing: a node at rest keeps everything in the database file.</summary>
    private const int IdleRoundsBeforeTruncate = 5;

    public SqliteJournalWriter(ExtendedActorSystem system, string connectionString)
    {
        _system = system;
        _serialization = system.Serialization;
        _connectionString = connectionString;
        _health = StoreHealth.Get(system);
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (!string.IsNullOrEmpty(file) && file != ":memory:" && !connectionString.Contains("Mode=Memory", StringComparison.OrdinalIgnoreCase)) _walFile = file + "-wal";
        _ = Task.Run(() => Checkpoints(_stop.Token));
    }

    /// <summary>The write-ahead log's size now; 0 when there is none.</summary>
    public long WalBytes()
    {
        if (_walFile is null) return 0;
        try
        {
            var info = new FileInfo(_walFile);
            return info.Exists ? info.Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The separator of the <c>tags</c> column (the journal's <c>tag-separator</c>, Csv tag mode):
    /// tags are written as the plugin writes them, <c>;a;b;</c>, so that its queries and the
    /// ledger's consumers (<c>tags LIKE '%;a;%'</c>) find them.
    /// </summary>
    public string TagSeparator { get; init; } = ";";

    /// <summary>
    /// True when every event of <paramref name="writes"/> can be written here: untagged, or tagged
    /// while the journal writes tags as a column (Csv mode), as this writer does.
    /// </summary>
    public static bool Handles(IReadOnlyList<AtomicWrite> writes, bool csvTags)
    {
        if (csvTags) return true;
        foreach (var w in writes)
        {
            foreach (var r in (IImmutableList<IPersistentRepresentation>)w.Payload)
            {
                if (r.Payload is Akka.Persistence.Journal.Tagged) return false;
            }
        }
        return true;
    }

    /// <summary>The <c>tags</c> column for <paramref name="tags"/>: empty, or each tag between separators.</summary>
    internal static string TagsColumn(IEnumerable<string> tags, string separator)
    {
        var list = tags.ToList();
        return list.Count == 0 ? string.Empty : separator + string.Join(separator, list) + separator;
    }

    /// <summary>
    /// Serializes and inserts <paramref name="writes"/> in one transaction. A write whose event cannot
    /// be serialized is rejected (its entry in the answer) and the others are written; a failure of
    /// the transaction throws and writes nothing.
    /// </summary>
    public IImmutableList<Exception?> Write(IReadOnlyList<AtomicWrite> writes)
    {
        var created = DateTime.UtcNow.Ticks;
        var rows = JournalRows.Serialize(_system, writes, TagSeparator, out var rejections);
        if (rows.Count > 0) Insert(rows, created);
        return ImmutableList.CreateRange(rejections);
    }

    private void Insert(List<JournalRowData> rows, long created)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // Checkpoints run beside the writer (Checkpoints), never inside one of its commits.
            pragma.CommandText = $"PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={JournalSizeLimitBytes};";
            pragma.ExecuteNonQuery();
        }
        if (_walResetDue)
        {
            // Between two of the writer's own transactions: no writer to wait for. Readers still on
            // the log make it busy; then the next write tries again.
            _walResetDue = !TryCheckpoint(connection, "TRUNCATE");
        }
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertSql;
        var pCreated = command.Parameters.Add("@created", SqliteType.Integer);
        var pPersistenceId = command.Parameters.Add("@persistence_id", SqliteType.Text);
        var pSequenceNr = command.Parameters.Add("@sequence_number", SqliteType.Integer);
        var pMessage = command.Parameters.Add("@message", SqliteType.Blob);
        var pManifest = command.Parameters.Add("@manifest", SqliteType.Text);
        var pIdentifier = command.Parameters.Add("@identifier", SqliteType.Integer);
        var pWriterUuid = command.Parameters.Add("@writer_uuid", SqliteType.Text);
        var pTags = command.Parameters.Add("@tags", SqliteType.Text);
        pCreated.Value = created;
        pWriterUuid.Value = _writerUuid;
        command.Prepare();
        foreach (var row in rows)
        {
            pPersistenceId.Value = row.PersistenceId;
            pSequenceNr.Value = row.SequenceNr;
            pMessage.Value = row.Message;
            pManifest.Value = row.Manifest;
            pIdentifier.Value = row.Identifier;
            pTags.Value = row.Tags;
            command.ExecuteNonQuery();
        }
        // The last moment to notice that the file at the path is not the one the node opened:
        // rows committed into a replaced or removed file would be acknowledged and then lost.
        _health.CheckFile();
        transaction.Commit();
        Interlocked.Increment(ref _commitsSinceCheckpoint);
    }

    /// <summary>
    /// Replays <paramref name="persistenceId"/>'s events from <paramref name="fromSequenceNr"/> to
    /// <paramref name="toSequenceNr"/>, at most <paramref name="max"/>, in order, as the plugin's
    /// replay does (rows marked deleted are skipped), with one query and a plain data reader: the
    /// plugin's replay goes through linq2db and a stream of several stages per event, several times
    /// slower, and an account's recovery after a long day is all replay.
    /// </summary>
    public void Replay(string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr) return;
        // A replaced file would recover an account into another ledger's state.
        _health.CheckFile();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sequence_number, message, manifest, identifier, writer_uuid FROM journal
            WHERE persistence_id = @persistence_id AND sequence_number >= @from AND sequence_number <= @to AND deleted = 0
            ORDER BY sequence_number
            LIMIT @max
            """;
        command.Parameters.AddWithValue("@persistence_id", persistenceId);
        command.Parameters.AddWithValue("@from", fromSequenceNr);
        command.Parameters.AddWithValue("@to", toSequenceNr);
        command.Parameters.AddWithValue("@max", max);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var sequenceNr = reader.GetInt64(0);
            var message = (byte[])reader.GetValue(1);
            var manifest = reader.IsDBNull(2) ? string.Empty : reader.GetString(2);
            var identifier = reader.GetInt32(3);
            var writer = reader.IsDBNull(4) ? null : reader.GetString(4);
            object payload;
            try
            {
                payload = _serialization.Deserialize(message, identifier, manifest);
            }
            catch (Exception e) when (e is System.Runtime.Serialization.SerializationException or ArgumentException or InvalidOperationException
                && Journals.KindOf(persistenceId) is not null)
            {
                // A row of one of the ledger's journals that no serializer here reads: handed to the
                // entity in the event's place, as the ledger's serializer hands an unreadable payload,
                // so that the entity refuses to serve naming it instead of failing its recovery over
                // and over. Akka's own journals (sharding) fail their recovery as before.
                payload = new UnreadableEvent(manifest, $"serializer {identifier}: {e.Message}");
            }
            recoveryCallback(new Persistent(payload, sequenceNr, persistenceId, string.Empty, isDeleted: false, ActorRefs.NoSender, writer));
        }
    }

    /// <summary>
    /// Copies the write-ahead log into the database file every <see cref="CheckpointInterval"/> while
    /// there are new commits, on its own connection: SQLite's automatic checkpoint would run inside
    /// the writer's commit every 1,000 pages and stall every write behind it. A passive checkpoint
    /// never blocks the writer or readers, but never resets a log that keeps being written either:
    /// past <see cref="WalResetBytes"/> the writer is asked to reset it before its next transaction,
    /// and after a second at rest this loop cuts it to nothing.
    /// </summary>
    private async Task Checkpoints(CancellationToken ct)
    {
        var idleRounds = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(CheckpointInterval, ct);
                if (Interlocked.Exchange(ref _commitsSinceCheckpoint, 0) == 0)
                {
                    if (++idleRounds == IdleRoundsBeforeTruncate && WalBytes() > 0 && !Checkpoint("TRUNCATE")) idleRounds = 0;
                    continue;
                }
                idleRounds = 0;
                // Busy or locked now: the next round copies what this one did not.
                if (!Checkpoint("PASSIVE")) Interlocked.Increment(ref _commitsSinceCheckpoint);
                if (WalBytes() > WalResetBytes) _walResetDue = true;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A checkpoint on a connection of its own; false when SQLite was busy or failed.</summary>
    private bool Checkpoint(string mode)
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = $"PRAGMA journal_size_limit={JournalSizeLimitBytes};";
                pragma.ExecuteNonQuery();
            }
            return TryCheckpoint(connection, mode);
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    /// <summary>Runs <c>wal_checkpoint(mode)</c>; true when it copied the whole log (and for RESTART and TRUNCATE, reset it).</summary>
    private static bool TryCheckpoint(SqliteConnection connection, string mode)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA wal_checkpoint({mode});";
            using var reader = command.ExecuteReader();
            // One row: busy (1 when it could not finish), frames in the log, frames copied.
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    /// <summary>Stops the checkpoints after one last one (what it cannot copy, the next writer's checkpoints will).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        Checkpoint("PASSIVE");
    }
}
