using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>
/// Which tagged rows a reader takes: the rows tagged <see cref="Tag"/>; and when
/// <see cref="KindPrefix"/> is set, of those that carry a tag starting with it (a kind tag), only
/// the ones carrying one of <see cref="Kinds"/>. Rows with no kind tag are always taken (rows
/// written before kinds were tagged: the reader filters them on their decoded content).
/// </summary>
public sealed record TagQuery(string Tag)
{
    public string? KindPrefix { get; init; }

    public IReadOnlyCollection<string> Kinds { get; init; } = [];

    /// <summary>Throws unless every tag and the prefix are tags <see cref="JournalTable.CheckTag"/> accepts.</summary>
    public TagQuery Checked()
    {
        JournalTable.CheckTag(Tag);
        if (KindPrefix is not null) JournalTable.CheckTag(KindPrefix);
        foreach (var kind in Kinds)
        {
            JournalTable.CheckTag(kind);
            if (KindPrefix is null || !kind.StartsWith(KindPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"The kind '{kind}' does not start with the kind prefix '{KindPrefix}'.", nameof(Kinds));
        }
        return this;
    }

    /// <summary>The WHERE clause's part for this query (parameters <c>@tag</c>, <c>@kinds</c>, <c>@kind0</c>...), and its parameters.</summary>
    internal (string Sql, IReadOnlyList<(string Name, string Value)> Parameters) Where()
    {
        var parameters = new List<(string, string)> { ("@tag", "%;" + Tag + ";%") };
        if (KindPrefix is null) return ("tags LIKE @tag", parameters);
        var sql = new System.Text.StringBuilder("tags LIKE @tag AND (tags NOT LIKE @kinds");
        parameters.Add(("@kinds", "%;" + KindPrefix + "%"));
        var i = 0;
        foreach (var kind in Kinds)
        {
            sql.Append(" OR tags LIKE @kind").Append(i);
            parameters.Add(("@kind" + i, "%;" + kind + ";%"));
            i++;
        }
        return (sql.Append(')').ToString(), parameters);
    }
}

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
    public Task<long> HighestTaggedOrderingAsync(string tag, CancellationToken ct) => HighestTaggedOrderingAsync(new TagQuery(tag), ct);

    /// <summary>The highest ordering of a row <paramref name="query"/> takes; 0 when there is none.</summary>
    public async Task<long> HighestTaggedOrderingAsync(TagQuery query, CancellationToken ct)
    {
        var (where, parameters) = query.Checked().Where();
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // Read from the end: the newest matching row is usually near it.
        command.CommandText = _store == StoreConfig.SqlServer
            ? $"SELECT TOP (1) ordering FROM journal WHERE {where} ORDER BY ordering DESC"
            : $"SELECT ordering FROM journal WHERE {where} ORDER BY ordering DESC LIMIT 1";
        foreach (var (name, value) in parameters) Add(command, name, value);
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
    public Task<IReadOnlyList<TaggedRow>> TaggedAfterAsync(string tag, long afterOrdering, long toOrdering, int max, CancellationToken ct) =>
        TaggedAfterAsync(new TagQuery(tag), afterOrdering, toOrdering, max, ct);

    /// <summary>The same, for the rows <paramref name="query"/> takes (the others are neither read nor decoded).</summary>
    /// <exception cref="JournalRowException">A tagged row the ledger's serializer did not write, or cannot read.</exception>
    public async Task<IReadOnlyList<TaggedRow>> TaggedAfterAsync(TagQuery query, long afterOrdering, long toOrdering, int max, CancellationToken ct)
    {
        var (where, parameters) = query.Checked().Where();
        await using var connection = Connect();
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var clause = $"WHERE ordering > @after AND ordering <= @to AND deleted = @deleted AND {where} ORDER BY ordering";
        command.CommandText = _store == StoreConfig.SqlServer
            ? $"SELECT TOP (@max) ordering, persistence_id, sequence_number, manifest, identifier, message FROM journal {clause}"
            : $"SELECT ordering, persistence_id, sequence_number, manifest, identifier, message FROM journal {clause} LIMIT @max";
        Add(command, "@after", afterOrdering);
        Add(command, "@to", toOrdering);
        Add(command, "@deleted", false);
        foreach (var (name, value) in parameters) Add(command, name, value);
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
