using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Benchmarks;

/// <summary>Read-only access to the node's journal table (Akka.Persistence.Sql's default mapping) for the driver.</summary>
public sealed class JournalDb : IAsyncDisposable
{
    /// <summary>A gap in the orderings (a rolled-back write) older than this is stepped over.</summary>
    public static readonly TimeSpan GapPatience = TimeSpan.FromSeconds(2);

    private const string CompletionManifests =
        "'account.receive-completed.v1', 'account.receive-completed.v2', 'account.look-ahead-completed.v1', 'account.delivery-completed.v1'";

    private readonly DbConnection _connection;

    private JournalDb(DbConnection connection) => _connection = connection;

    public static JournalDb Open(string store, string connectionString)
    {
        DbConnection c = store == "sqlite" ? new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
        c.Open();
        return new JournalDb(c);
    }

    /// <summary>A journal row; <see cref="Payload"/> only for completion events.</summary>
    public readonly record struct Row(long Ordering, string Manifest, byte[]? Payload);

    public async Task<long> MaxOrderingAsync(CancellationToken ct)
    {
        await using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM journal";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every row after <paramref name="after"/>, the payload only of completion events. The caller
    /// passes the highest ordering below which it has seen every row, so a row committed late
    /// (PostgreSQL writes with parallelism 3) is still found, and a row is read again only while
    /// such a gap lasts.
    /// </summary>
    public async Task<List<Row>> RowsSinceAsync(long after, CancellationToken ct)
    {
        await using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT ordering, manifest, CASE WHEN manifest IN ({CompletionManifests}) THEN message END FROM journal WHERE ordering > {after} ORDER BY ordering";
        var rows = new List<Row>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.IsDBNull(1) ? "" : reader.GetString(1), reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2)));
        }
        return rows;
    }

    /// <summary>Rows written after <paramref name="after"/>: in all, by persistence id (top 8 and the rest), by manifest.</summary>
    public async Task<(long Total, Dictionary<string, long> ByAccount, Dictionary<string, long> ByManifest)> CountSinceAsync(long after, CancellationToken ct)
    {
        var byId = await GroupAsync("persistence_id", after, ct);
        var byManifest = await GroupAsync("manifest", after, ct);
        var total = byId.Values.Sum();
        var top = byId.OrderByDescending(kv => kv.Value).Take(8).ToDictionary(kv => kv.Key, kv => kv.Value);
        var accounts = byId.Where(kv => kv.Key.StartsWith("account-", StringComparison.Ordinal)).ToList();
        top["(all accounts)"] = accounts.Sum(kv => kv.Value);
        top["(index buckets)"] = byId.Where(kv => !kv.Key.StartsWith("account-", StringComparison.Ordinal)).Sum(kv => kv.Value);
        top["(accounts written)"] = accounts.Count;
        return (total, top, byManifest);
    }

    private async Task<Dictionary<string, long>> GroupAsync(string column, long after, CancellationToken ct)
    {
        await using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {column}, COUNT(*) FROM journal WHERE ordering > {after} GROUP BY {column}";
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) result[reader.IsDBNull(0) ? "(null)" : reader.GetString(0)] = reader.GetInt64(1);
        return result;
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
