using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>One tagged journal row: its position in the whole journal (<c>ordering</c>), whose event it is, and the event.</summary>
public readonly record struct TaggedRow(long Ordering, string PersistenceId, long SequenceNr, string Manifest, object Event);

// The reads a published-events consumer makes (Ledger.Cluster.PublishedEventConsumer).
public sealed partial class JournalTable
{
    /// <summary>
    /// True when a row visible to a reader implies that every row with a lower ordering is visible
    /// too: SQLite takes one writer at a time and numbers rows as it writes them. On PostgreSQL
    /// and SQL Server, transactions written concurrently take their orderings first and commit in
    /// any order, so a reader may see a row before one with a lower ordering that commits later.
    /// </summary>
    public bool CommitsInOrderingOrder => _store == StoreConfig.Sqlite;

    /// <summary>The highest ordering in the journal; 0 when it is empty.</summary>
    public async Task<long> HighestOrderingAsync(CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(ordering) FROM journal";
        return await command.ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt64(max, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The highest ordering of a row tagged <paramref name="tag"/>; 0 when there is none.</summary>
    public async Task<long> HighestTaggedOrderingAsync(string tag, CancellationToken ct)
    {
        CheckTag(tag);
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(ordering) FROM journal WHERE tags LIKE @tag";
        Add(command, "@tag", "%;" + tag + ";%");
        return await command.ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt64(max, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The orderings of the rows after <paramref name="afterOrdering"/>, ascending, at most <paramref name="max"/>, of any tag or none.</summary>
    public async Task<IReadOnlyList<long>> OrderingsAfterAsync(long afterOrdering, int max, CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = _store == StoreConfig.SqlServer
            ? "SELECT TOP (@max) ordering FROM journal WHERE ordering > @after ORDER BY ordering"
            : "SELECT ordering FROM journal WHERE ordering > @after ORDER BY ordering LIMIT @max";
        Add(command, "@after", afterOrdering);
        Add(command, "@max", max);
        var orderings = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) orderings.Add(reader.GetInt64(0));
        return orderings;
    }

    /// <summary>
    /// The events tagged <paramref name="tag"/> with an ordering after <paramref name="afterOrdering"/>
    /// and at most <paramref name="toOrdering"/>, in ordering order, at most <paramref name="max"/>.
    /// Tags are the journal's Csv column (<c>;a;b;</c>).
    /// </summary>
    /// <exception cref="JournalRowException">A tagged row the ledger's serializer did not write, or cannot read.</exception>
    public async Task<IReadOnlyList<TaggedRow>> TaggedAfterAsync(string tag, long afterOrdering, long toOrdering, int max, CancellationToken ct)
    {
        CheckTag(tag);
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        const string Where = "WHERE ordering > @after AND ordering <= @to AND deleted = @deleted AND tags LIKE @tag ORDER BY ordering";
        command.CommandText = _store == StoreConfig.SqlServer
            ? $"SELECT TOP (@max) ordering, persistence_id, sequence_number, manifest, identifier, message FROM journal {Where}"
            : $"SELECT ordering, persistence_id, sequence_number, manifest, identifier, message FROM journal {Where} LIMIT @max";
        Add(command, "@after", afterOrdering);
        Add(command, "@to", toOrdering);
        Add(command, "@deleted", false);
        Add(command, "@tag", "%;" + tag + ";%");
        Add(command, "@max", max);
        var rows = new List<TaggedRow>();
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        var synchronous = connection is SqliteConnection;
        while (synchronous ? reader.Read() : await reader.ReadAsync(ct))
        {
            var ordering = reader.GetInt64(0);
            var persistenceId = reader.GetString(1);
            var sequenceNr = reader.GetInt64(2);
            var manifest = reader.GetString(3);
            var serializer = reader.GetInt32(4);
            var e = EventOf(persistenceId, sequenceNr, manifest, serializer, reader.GetFieldValue<byte[]>(5));
            Interlocked.Increment(ref _rowsRead);
            rows.Add(new TaggedRow(ordering, persistenceId, sequenceNr, manifest, e));
        }
        return rows;
    }

    /// <summary>The offsets consumer <paramref name="consumerName"/> stored, oldest first (its own journal, <see cref="RuntimeSerializer"/>'s events).</summary>
    public async Task<IReadOnlyList<ConsumerOffsetStored>> ConsumerOffsetsAsync(string consumerName, CancellationToken ct)
    {
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT manifest, message FROM journal
            WHERE persistence_id = @persistence_id AND deleted = @deleted
            ORDER BY sequence_number
            """;
        Add(command, "@persistence_id", Journals.ConsumerPrefix + consumerName);
        Add(command, "@deleted", false);
        var offsets = new List<ConsumerOffsetStored>();
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            var manifest = reader.GetString(0);
            offsets.Add((ConsumerOffsetStored)RuntimeSerializer.FromUtf8Json(reader.GetFieldValue<byte[]>(1), manifest));
        }
        return offsets;
    }

    /// <summary>A tag is matched with LIKE: letters, digits, '-' and '.' only, so that it holds no wildcard and no separator.</summary>
    public static void CheckTag(string tag)
    {
        if (string.IsNullOrEmpty(tag) || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
        {
            throw new ArgumentException($"A tag is letters, digits, '-' and '.' only; '{tag}' is not.", nameof(tag));
        }
    }
}
