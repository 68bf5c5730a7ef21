using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>
/// The embedded store's data folder, owned by one node at a time. Opening it:
/// <list type="number">
/// <item>refuses a path that is a file or cannot be created;</item>
/// <item>takes <c>ledger.lock</c>: the file held open with an exclusive lock (<see cref="FileShare.None"/>,
/// which .NET takes with <c>flock</c> on Linux), which the kernel drops when the process ends, however it
/// ends, so a SIGKILLed node never leaves a stale lock. A second node finds it held and stops, naming the
/// holder as <c>ledger.lock.holder</c> records it (pid, host, since);</item>
/// <item>never starts a new ledger over an earlier one's traces: a write-ahead log without its database,
/// a marker (<c>ledger.id</c>) without its database, or a database whose ledger id is not the marker's
/// (another ledger's file moved in) are refused, saying what was found and how to start fresh
/// deliberately. A new ledger gets an id, stored inside the database (table <c>ledger_identity</c>)
/// and in the marker; a database without an id (a folder of an earlier release) gets one.</item>
/// </list>
/// Readers (replay, explain, verify, what-if) open the database without the lock: they never write.
/// </summary>
public sealed class DataFolder : IDisposable
{
    public const string LockFileName = "ledger.lock";
    public const string HolderFileName = "ledger.lock.holder";
    public const string MarkerFileName = "ledger.id";

    private readonly FileStream _lock;

    private DataFolder(FileStream lockStream, string folder, string databaseFile, string ledgerId, DataFolderStart start, FileIdentity? identity)
    {
        _lock = lockStream;
        Folder = folder;
        DatabaseFile = databaseFile;
        LedgerId = ledgerId;
        Start = start;
        DatabaseIdentity = identity;
    }

    public string Folder { get; }

    public string DatabaseFile { get; }

    /// <summary>The ledger's id, as the database and the marker hold it.</summary>
    public string LedgerId { get; }

    public DataFolderStart Start { get; }

    /// <summary>The database file's identity once open; null where identities cannot be read.</summary>
    public FileIdentity? DatabaseIdentity { get; }

    /// <summary>Locks the folder of <paramref name="databaseFile"/>, checks what it holds, and creates or adopts the ledger in it.</summary>
    /// <exception cref="StoreStartException">In use by another node, refused, or unusable; the message says which and what to do.</exception>
    public static DataFolder Open(string databaseFile)
    {
        var file = Path.GetFullPath(databaseFile);
        var folder = Path.GetDirectoryName(file)!;
        if (File.Exists(folder))
            throw Unusable($"the data folder {folder} is a file, not a folder: pass --data-dir a folder (it is created if missing)");
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable($"the data folder {folder} cannot be created: {e.Message}");
        }

        var lockStream = TakeLock(folder);
        try
        {
            var (ledgerId, start) = CheckAndClaim(folder, file);
            return new DataFolder(lockStream, folder, file, ledgerId, start, FileIdentity.Supported ? FileIdentity.Of(file) : null);
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock (the kernel does as much when the process ends).</summary>
    public void Dispose() => _lock.Dispose();

    private static FileStream TakeLock(string folder)
    {
        var lockFile = Path.Combine(folder, LockFileName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (IsHeld(e))
        {
            throw new StoreStartException(StoreStartException.FolderInUseRule,
                $"the data folder {folder} is in use by another ledger node ({Holder(folder)}): stop that node first, or give this one another --data-dir", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable($"cannot lock the data folder {folder} ({lockFile}): {e.Message}");
        }
        try
        {
            var holder = string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on host {Environment.MachineName} since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");
            var bytes = System.Text.Encoding.UTF8.GetBytes(holder + "\n");
            stream.SetLength(0);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            // The lock file itself cannot be read by another .NET process while it is held; this copy can.
            File.WriteAllText(Path.Combine(folder, HolderFileName), holder + "\n");
            return stream;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw Unusable($"cannot write the lock of the data folder {folder}: {e.Message}");
        }
    }

    // .NET reports a lock held elsewhere (flock's EWOULDBLOCK) as a sharing violation.
    private static bool IsHeld(IOException e) =>
        e.HResult == 11 || e.Message.Contains("being used by another process", StringComparison.OrdinalIgnoreCase);

    private static string Holder(string folder)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(folder, HolderFileName)).Trim();
            return text.Length is > 0 and < 200 ? "held by " + text : "its holder did not record itself";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "its holder did not record itself";
        }
    }

    private static (string LedgerId, DataFolderStart Start) CheckAndClaim(string folder, string file)
    {
        var name = Path.GetFileName(file);
        var wal = file + "-wal";
        var markerFile = Path.Combine(folder, MarkerFileName);
        var marker = ReadMarker(markerFile);
        var startFresh = $"to start a new ledger instead, move the folder aside (mv {folder} {folder}.old) or pass another --data-dir";

        if (!File.Exists(file))
        {
            if (File.Exists(wal))
            {
                throw Refused($"{wal} ({new FileInfo(wal).Length:N0} bytes) is there but {name} is not: the write-ahead log of a ledger whose " +
                              $"database file was moved or deleted, which may hold acknowledged writes. Put {name} back beside it; {startFresh}");
            }
            if (marker is not null)
            {
                throw Refused($"{markerFile} names ledger {marker.LedgerId} (created {marker.CreatedAt}) but {name} is not there: its database " +
                              $"was moved or deleted. Put {name} back; {startFresh}");
            }
            var created = NewLedger(file);
            WriteMarker(markerFile, created);
            return (created.LedgerId, DataFolderStart.Created);
        }

        var stored = ReadLedgerId(file);
        if (stored is null)
        {
            if (marker is not null)
            {
                throw Refused($"{markerFile} names ledger {marker.LedgerId} (created {marker.CreatedAt}) but {name} holds no ledger id: " +
                              $"it is not this folder's database (another file was put in its place). Put the ledger's own {name} back; {startFresh}");
            }
            // A database of an earlier release, which wrote no id: it is this folder's ledger, and gets its id now.
            var adopted = ClaimLedgerId(file);
            WriteMarker(markerFile, adopted);
            return (adopted.LedgerId, DataFolderStart.Adopted);
        }
        if (marker is null)
        {
            // The marker was lost; the database is the record.
            WriteMarker(markerFile, stored);
            return (stored.LedgerId, DataFolderStart.Opened);
        }
        if (marker.LedgerId != stored.LedgerId)
        {
            throw Refused($"{name} is ledger {stored.LedgerId} (created {stored.CreatedAt}) but {markerFile} names ledger {marker.LedgerId} " +
                          $"(created {marker.CreatedAt}): another ledger's database was put in this folder. Put this folder's own {name} back; {startFresh}");
        }
        return (stored.LedgerId, DataFolderStart.Opened);
    }

    private sealed record LedgerMarker(string LedgerId, string CreatedAt);

    private static LedgerMarker? ReadMarker(string markerFile)
    {
        if (!File.Exists(markerFile)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(markerFile));
            var id = document.RootElement.GetProperty("ledgerId").GetString();
            var createdAt = document.RootElement.GetProperty("createdAt").GetString();
            if (string.IsNullOrWhiteSpace(id) || createdAt is null) throw new JsonException("ledgerId or createdAt is empty");
            return new LedgerMarker(id, createdAt);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw Refused($"{markerFile} cannot be read ({e.Message}): it marks an earlier ledger in this folder, so the node will not start a new one over it");
        }
    }

    private static void WriteMarker(string markerFile, LedgerMarker marker)
    {
        var temporary = markerFile + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, new Dictionary<string, string> { ["ledgerId"] = marker.LedgerId, ["createdAt"] = marker.CreatedAt });
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, markerFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable($"cannot write {markerFile}: {e.Message}");
        }
    }

    private static SqliteConnection Open(string file, SqliteOpenMode mode) =>
        new(new SqliteConnectionStringBuilder { DataSource = file, Mode = mode, Pooling = false }.ToString());

    private static LedgerMarker NewLedger(string file)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        StoreConfig.PrepareSqlite(connection);
        return ClaimLedgerId(file);
    }

    private static LedgerMarker? ReadLedgerId(string file)
    {
        try
        {
            using var connection = Open(file, SqliteOpenMode.ReadWrite);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ledger_identity'";
            if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 0) return null;
            command.CommandText = "SELECT ledger_id, created_at FROM ledger_identity LIMIT 1";
            using var reader = command.ExecuteReader();
            return reader.Read() ? new LedgerMarker(reader.GetString(0), reader.GetString(1)) : null;
        }
        catch (SqliteException e)
        {
            throw Unusable($"{file} cannot be read as a SQLite database: {e.Message}");
        }
    }

    private static LedgerMarker ClaimLedgerId(string file)
    {
        var marker = new LedgerMarker(Guid.NewGuid().ToString("N"), DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        try
        {
            using var connection = Open(file, SqliteOpenMode.ReadWrite);
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "CREATE TABLE IF NOT EXISTS ledger_identity (ledger_id TEXT NOT NULL, created_at TEXT NOT NULL)";
            command.ExecuteNonQuery();
            command.CommandText = "SELECT ledger_id, created_at FROM ledger_identity LIMIT 1";
            using (var reader = command.ExecuteReader())
            {
                if (reader.Read()) return new LedgerMarker(reader.GetString(0), reader.GetString(1));
            }
            command.CommandText = "INSERT INTO ledger_identity (ledger_id, created_at) VALUES (@id, @at)";
            command.Parameters.AddWithValue("@id", marker.LedgerId);
            command.Parameters.AddWithValue("@at", marker.CreatedAt);
            command.ExecuteNonQuery();
            transaction.Commit();
            return marker;
        }
        catch (SqliteException e)
        {
            throw Unusable($"{file} cannot be written: {e.Message}");
        }
    }

    private static StoreStartException Unusable(string message) => new(StoreStartException.FolderUnusableRule, message);

    private static StoreStartException Refused(string message) => new(StoreStartException.FolderRefusedRule, message);
}

/// <summary>How a node found its data folder.</summary>
public enum DataFolderStart
{
    /// <summary>Empty: a new ledger was created.</summary>
    Created = 1,

    /// <summary>This folder's ledger, as its id says.</summary>
    Opened = 2,

    /// <summary>A database of an earlier release without an id: it got one.</summary>
    Adopted = 3,
}
