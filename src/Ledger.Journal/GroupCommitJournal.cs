using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace Ledger.Journal;

/// <summary>
/// The SQL journal with group commit: the writes of many persistent actors that arrive while a
/// transaction is in flight are written together in the next one.
/// </summary>
/// <remarks>
/// Akka.Persistence.Sql queues writes and merges those queued while its writer is busy, but with a
/// driver whose calls complete synchronously (Microsoft.Data.Sqlite) its writer never yields between
/// one queued write and the next, so nothing is ever merged: every account write was its own
/// transaction, and SQLite's single writer spent its time on per-transaction overhead (the commit,
/// the fsync) rather than on rows. This journal holds writes in its own queue while
/// <c>parallelism</c> combined writes are in flight and hands the rest to the plugin as one call,
/// hence one transaction: atomic for all of them, so a failure fails every write in it, exactly as
/// if each had failed alone. Each caller still gets its own answer, in order, and writes of one
/// persistence id keep their order (the queue is first in, first out).
/// </remarks>
public class GroupCommitJournal : SqlWriteJournal
{
    /// <summary>Rows in one combined write, at most, unless a single write is larger.</summary>
    public const int RowsPerWriteDefault = 1_000;

    /// <summary>The meter of the ledger's journal instruments (the same name as the node's own meter).</summary>
    public const string MeterName = "Ledger";

    /// <summary>Histogram: persistent actors' writes combined in one journal transaction.</summary>
    public const string WritesPerTransactionName = "ledger.journal.transaction.writes";

    /// <summary>Histogram: events (rows) in one journal transaction.</summary>
    public const string RowsPerTransactionName = "ledger.journal.transaction.rows";

    /// <summary>Counter: rows written, by writer (<c>writer</c> tag: <c>sqlite</c>, <c>postgres-copy</c>, <c>sqlserver-bulk-copy</c> or <c>plugin</c>).</summary>
    public const string RowsWrittenName = "ledger.journal.rows.written";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> RowsWritten = Meter.CreateCounter<long>(RowsWrittenName, "{event}",
        "Journal rows written, by the writer that wrote them");
    private static readonly Histogram<int> WritesPerTransaction = Meter.CreateHistogram<int>(WritesPerTransactionName, "{write}",
        "Persistent actors' writes combined in one journal transaction (group commit)");
    private static readonly Histogram<int> RowsPerTransaction = Meter.CreateHistogram<int>(RowsPerTransactionName, "{event}",
        "Events written in one journal transaction");
    private readonly KeyValuePair<string, object?> _systemTag;

    private readonly int _writesInFlightMax;
    private readonly int _rowsPerWriteMax;
    private readonly Queue<PendingWrite> _queue = new();
    private readonly Dictionary<string, Task> _lastWriteOf = new();
    private readonly SqliteJournalWriter? _sqlite;
    // Tags written as a column of the row (Csv mode): the SQLite writer writes them as the plugin would.
    private readonly bool _csvTags;
    private readonly StoreHealth _health;
    private int _writesInFlight;
    // PostgreSQL: the COPY writer, once the plugin's table exists (it creates it as it starts).
    private readonly string? _postgresConnection;
    private readonly string _tagSeparator;
    private PostgresJournalWriter? _postgres;
    private Task<PostgresJournalWriter?>? _postgresOpening;
    private int _postgresOpenAttempts;
    // SQL Server: the bulk-copy writer, once the plugin's table exists, when ledger-writer is on by name (SqlServerBulkCopyOn).
    private readonly string? _sqlServerConnection;
    private SqlServerJournalWriter? _sqlServer;
    private Task<SqlServerJournalWriter?>? _sqlServerOpening;
    private int _sqlServerOpenAttempts;

    /// <summary>Attempts to open the PostgreSQL COPY writer (the table may not exist yet at the first writes) before the plugin writes for good.</summary>
    private const int PostgresOpenAttemptsMax = 20;

    /// <summary>The same for the SQL Server bulk-copy writer.</summary>
    private const int SqlServerOpenAttemptsMax = 20;

    public GroupCommitJournal(Akka.Configuration.Config config) : base(config)
    {
        _systemTag = new KeyValuePair<string, object?>("actor_system", Context.System.Name);
        _writesInFlightMax = Math.Max(1, config.GetInt("parallelism", 1));
        _rowsPerWriteMax = Math.Max(1, config.GetInt("group-commit-rows", RowsPerWriteDefault));
        _health = StoreHealth.Get(Context.System);
        _tagSeparator = config.GetString("tag-separator", ";");
        var ledgerWriter = config.GetBoolean("ledger-writer", true);
        _csvTags = string.Equals(config.GetString("tag-write-mode", "TagTable"), "Csv", StringComparison.OrdinalIgnoreCase);
        if (ledgerWriter && config.GetString("provider-name", "").StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            _postgresConnection = config.GetString("connection-string");
        }
        if (SqlServerBulkCopyOn(config))
        {
            _sqlServerConnection = config.GetString("connection-string");
        }
        if (ledgerWriter && config.GetString("provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            _sqlite = new SqliteJournalWriter((ExtendedActorSystem)Context.System, config.GetString("connection-string"))
            {
                TagSeparator = config.GetString("tag-separator", ";"),
            };
        }
    }

    /// <summary>
    /// Whether the journal <paramref name="config"/> describes writes SQL Server through
    /// <see cref="SqlServerJournalWriter"/>: a SqlServer provider with <c>ledger-writer = on</c>
    /// set in so many words. Unlike SQLite's and PostgreSQL's writers it is not on by default: no
    /// SQL Server runs where Ledger is built and measured, so until it is turned on the plugin
    /// writes SQL Server's rows, as it always has.
    /// </summary>
    internal static bool SqlServerBulkCopyOn(Akka.Configuration.Config config) =>
        config.GetString("provider-name", "").StartsWith("SqlServer", StringComparison.OrdinalIgnoreCase)
        && config.HasPath("ledger-writer") && config.GetBoolean("ledger-writer");

    private sealed record PendingWrite(IReadOnlyList<AtomicWrite> Writes, int Rows, TaskCompletionSource<IImmutableList<Exception>?> Done);

    private sealed record CombinedWriteEnded(IReadOnlyList<PendingWrite> Writes);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var rows = 0;
        foreach (var w in writes) rows += w.Size;
        var pending = new PendingWrite(writes, rows, new TaskCompletionSource<IImmutableList<Exception>?>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Enqueue(pending);
        foreach (var w in writes) _lastWriteOf[w.PersistenceId] = pending.Done.Task;
        if (_writesInFlight < _writesInFlightMax) WriteNext();
        return pending.Done.Task!;
    }

    /// <summary>Takes what is queued, up to the row limit, and writes it as one call to the plugin.</summary>
    private void WriteNext()
    {
        if (_queue.Count == 0) return;
        var taken = new List<PendingWrite>();
        var rows = 0;
        while (_queue.TryPeek(out var next) && (taken.Count == 0 || rows + next.Rows <= _rowsPerWriteMax))
        {
            taken.Add(_queue.Dequeue());
            rows += next.Rows;
        }
        _writesInFlight++;
        WritesPerTransaction.Record(taken.Count, _systemTag);
        RowsPerTransaction.Record(rows, _systemTag);
        var all = taken.Count == 1 ? taken[0].Writes : taken.SelectMany(t => t.Writes).ToList();
        var postgres = PostgresWriter();
        var sqlServer = SqlServerWriter();
        Task<IImmutableList<Exception>> written;
        string writer;
        try
        {
            // SQLite's driver completes synchronously: write on a pool thread, never on this actor's.
            if (_sqlite is { } sqlite && SqliteJournalWriter.Handles(all, _csvTags))
            {
                writer = "sqlite";
                written = Task.Run(() => (IImmutableList<Exception>)sqlite.Write(all)!);
            }
            else if (postgres is not null && SqliteJournalWriter.Handles(all, _csvTags))
            {
                writer = "postgres-copy";
                written = WritePostgresAsync(postgres, all);
            }
            else if (sqlServer is not null && SqliteJournalWriter.Handles(all, _csvTags))
            {
                writer = "sqlserver-bulk-copy";
                written = WriteSqlServerAsync(sqlServer, all);
            }
            else
            {
                writer = "plugin";
                written = base.WriteMessagesAsync(all, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            writer = "plugin";
            written = Task.FromException<IImmutableList<Exception>>(e);
        }
        var self = Self;
        var systemTag = _systemTag;
        var health = _health;
        written.ContinueWith(t =>
        {
            Observe(health, t);
            if (t.IsCompletedSuccessfully) RowsWritten.Add(rows, systemTag, new KeyValuePair<string, object?>("writer", writer));
            Answer(taken, t);
            self.Tell(new CombinedWriteEnded(taken), ActorRefs.NoSender);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static async Task<IImmutableList<Exception>> WritePostgresAsync(PostgresJournalWriter writer, IReadOnlyList<AtomicWrite> writes) =>
        (IImmutableList<Exception>)(await writer.WriteAsync(writes, CancellationToken.None))!;

    private static async Task<IImmutableList<Exception>> WriteSqlServerAsync(SqlServerJournalWriter writer, IReadOnlyList<AtomicWrite> writes) =>
        (IImmutableList<Exception>)(await writer.WriteAsync(writes, CancellationToken.None))!;

    /// <summary>The SQL Server bulk-copy writer once it is open; null before (the plugin writes meanwhile), when it is off and on another store. Opened as <see cref="PostgresWriter"/> is.</summary>
    private SqlServerJournalWriter? SqlServerWriter()
    {
        if (_sqlServer is not null || _sqlServerConnection is null) return _sqlServer;
        if (_sqlServerOpening is { IsCompleted: true } opening)
        {
            _sqlServerOpening = null;
            if (opening.IsCompletedSuccessfully && opening.Result is { } writer)
            {
                _sqlServer = writer;
                return _sqlServer;
            }
        }
        if (_sqlServerOpening is null && _sqlServerOpenAttempts < SqlServerOpenAttemptsMax)
        {
            _sqlServerOpenAttempts++;
            _sqlServerOpening = SqlServerJournalWriter.TryOpenAsync((ExtendedActorSystem)Context.System, _sqlServerConnection, "journal", _tagSeparator, CancellationToken.None);
        }
        return null;
    }

    /// <summary>
    /// The PostgreSQL COPY writer once it is open; null before (the plugin writes meanwhile) and on
    /// another store. Opening reads the table's columns, which the plugin creates as it starts: until
    /// they are there it is tried again at later writes, a bounded number of times.
    /// </summary>
    private PostgresJournalWriter? PostgresWriter()
    {
        if (_postgres is not null || _postgresConnection is null) return _postgres;
        if (_postgresOpening is { IsCompleted: true } opening)
        {
            _postgresOpening = null;
            if (opening.IsCompletedSuccessfully && opening.Result is { } writer)
            {
                _postgres = writer;
                return _postgres;
            }
        }
        if (_postgresOpening is null && _postgresOpenAttempts < PostgresOpenAttemptsMax)
        {
            _postgresOpenAttempts++;
            _postgresOpening = PostgresJournalWriter.TryOpenAsync((ExtendedActorSystem)Context.System, _postgresConnection, "journal", _tagSeparator, CancellationToken.None);
        }
        return null;
    }

    /// <summary>Tells the store's health what a store call came to: a store fault, or a success that ends a passing one.</summary>
    private static void Observe(StoreHealth health, Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            health.WriteSucceeded();
            return;
        }
        var error = task.Exception?.GetBaseException();
        if (error is Akka.Pattern.OpenCircuitException) health.ReportFailingFast();
        else if (StoreFault.Of(task.Exception) is { } fault) health.Report(fault);
    }

    /// <summary>Gives each caller its part of the combined answer: its own rejections, or the failure of all.</summary>
    private static void Answer(List<PendingWrite> taken, Task<IImmutableList<Exception>> written)
    {
        if (written.IsFaulted || written.IsCanceled)
        {
            var cause = written.Exception?.InnerExceptions is { Count: 1 } one ? one[0] : (Exception?)written.Exception ?? new TaskCanceledException();
            foreach (var t in taken) t.Done.TrySetException(cause);
            return;
        }
        var rejections = written.Result;
        if (taken.Count == 1 || rejections is null || rejections.Count == 0)
        {
            // No rejections (or the caller's own list): every caller gets what it would have got alone.
            foreach (var t in taken) t.Done.TrySetResult(rejections);
            return;
        }
        var at = 0;
        foreach (var t in taken)
        {
            t.Done.TrySetResult(rejections.Skip(at).Take(t.Writes.Count).ToImmutableList());
            at += t.Writes.Count;
        }
    }

    protected override void PostStop()
    {
        _sqlite?.Dispose();
        if (_postgres is { } postgres) _ = postgres.DisposeAsync().AsTask();
        else if (_postgresOpening is { } opening) _ = opening.ContinueWith(t => t.Result?.DisposeAsync(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        base.PostStop();
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not CombinedWriteEnded ended) return base.ReceivePluginInternal(message);
        _writesInFlight--;
        foreach (var pending in ended.Writes)
        {
            foreach (var w in pending.Writes)
            {
                if (_lastWriteOf.TryGetValue(w.PersistenceId, out var last) && last == pending.Done.Task) _lastWriteOf.Remove(w.PersistenceId);
            }
        }
        while (_writesInFlight < _writesInFlightMax && _queue.Count > 0) WriteNext();
        return true;
    }

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        var replay = _sqlite is { } sqlite
            ? Task.Run(() => sqlite.Replay(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback))
            : base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback);
        var health = _health;
        // A failed recovery is a store failure too (an unreachable server); a good one proves nothing about writes.
        replay.ContinueWith(t => { if (!t.IsCompletedSuccessfully) Observe(health, t); }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return replay;
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        // A replaced or removed SQLite file would answer 0, and the actor would recover as a new, empty account.
        if (_sqlite is not null) _health.CheckFile();
        // A recovering actor must see its own write that is still queued or in flight here.
        if (_lastWriteOf.TryGetValue(persistenceId, out var last))
        {
            try
            {
                await last;
            }
            catch
            {
                // Its outcome does not matter here, only that it has ended.
            }
        }
        try
        {
            return await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
        }
        catch (Exception e) when (StoreFault.Of(e) is { } fault)
        {
            _health.Report(fault);
            throw;
        }
    }
}
