using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>
/// A small real write on the store, beside the journal: one row inserted into and deleted from
/// <c>ledger_store_probe</c> in one transaction. It tells whether the store takes writes now (a full
/// disk, a read-only or stopped database refuse it just as they refuse the journal's), without
/// touching any journal. Also the start-up check of a database server: it must answer within
/// <see cref="StartTimeout"/>.
/// </summary>
public static class StoreProbe
{
    /// <summary>How long a node waits for a database server at start before it gives up.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Bytes the probe writes: enough to need new pages, as the journal's writes do.</summary>
    public const int FillerBytes = 8192;

    /// <summary>Creates the probe table when it is missing.</summary>
    public static async Task EnsureTableAsync(string store, string connectionString, CancellationToken ct)
    {
        await using var connection = Connect(store, connectionString);
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = store switch
        {
            StoreConfig.Sqlite => "CREATE TABLE IF NOT EXISTS ledger_store_probe (id INTEGER PRIMARY KEY, probed_at INTEGER NOT NULL, filler BLOB)",
            StoreConfig.Postgres => "CREATE TABLE IF NOT EXISTS ledger_store_probe (id BIGSERIAL PRIMARY KEY, probed_at BIGINT NOT NULL, filler BYTEA)",
            _ => "IF OBJECT_ID(N'ledger_store_probe', N'U') IS NULL CREATE TABLE ledger_store_probe (id BIGINT IDENTITY PRIMARY KEY, probed_at BIGINT NOT NULL, filler VARBINARY(MAX))",
        };
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Writes and deletes one probe row in one committed transaction; throws what the store answered.</summary>
    public static async Task WriteAsync(string store, string connectionString, CancellationToken ct)
    {
        await using var connection = Connect(store, connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO ledger_store_probe (probed_at, filler) VALUES (@at, @filler)";
        var at = insert.CreateParameter();
        at.ParameterName = "@at";
        at.Value = DateTime.UtcNow.Ticks;
        insert.Parameters.Add(at);
        var filler = insert.CreateParameter();
        filler.ParameterName = "@filler";
        filler.Value = new byte[FillerBytes];
        insert.Parameters.Add(filler);
        await insert.ExecuteNonQueryAsync(ct);
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM ledger_store_probe";
        await delete.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// The start-up check of a database server: reachable within <see cref="StartTimeout"/>, and the
    /// probe table in place. Fails with one line naming the server (never the password).
    /// </summary>
    /// <exception cref="StoreStartException">The server cannot be reached, or refused the connection.</exception>
    public static async Task CheckServerAtStartAsync(string store, string connectionString, CancellationToken ct)
    {
        var quick = WithConnectTimeout(store, connectionString, StartTimeout);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(StartTimeout + TimeSpan.FromSeconds(1));
        try
        {
            await EnsureTableAsync(store, quick, limit.Token);
        }
        catch (Exception e) when (e is DbException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException
                                   || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            var why = e is OperationCanceledException ? $"no answer within {StartTimeout.TotalSeconds:0} s" : e.GetBaseException().Message.ReplaceLineEndings(" ");
            throw new StoreStartException(StoreStartException.StoreUnreachableRule, $"{Describe(store, connectionString)} cannot be reached: {why}", e);
        }
    }

    /// <summary>Names a store for the log: the server, port and database, or the SQLite file; never a password.</summary>
    public static string Describe(string store, string connectionString)
    {
        try
        {
            switch (store)
            {
                case StoreConfig.Postgres:
                    var pg = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                    return string.Create(CultureInfo.InvariantCulture, $"PostgreSQL at {pg.Host}:{pg.Port}, database {pg.Database}");
                case StoreConfig.SqlServer:
                    var sql = new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString);
                    return $"SQL Server at {sql.DataSource}, database {sql.InitialCatalog}";
                default:
                    return $"SQLite file {new SqliteConnectionStringBuilder(connectionString).DataSource}";
            }
        }
        catch (ArgumentException)
        {
            return $"the {store} store (its connection string could not be read)";
        }
    }

    private static string WithConnectTimeout(string store, string connectionString, TimeSpan timeout)
    {
        var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
        return store switch
        {
            StoreConfig.Postgres => new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Timeout = seconds, CommandTimeout = seconds }.ConnectionString,
            StoreConfig.SqlServer => new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString) { ConnectTimeout = seconds, CommandTimeout = seconds, ConnectRetryCount = 0 }.ConnectionString,
            _ => connectionString,
        };
    }

    internal static DbConnection Connect(string store, string connectionString) => store switch
    {
        StoreConfig.Sqlite => new SqliteConnection(connectionString),
        StoreConfig.Postgres => new Npgsql.NpgsqlConnection(connectionString),
        StoreConfig.SqlServer => new Microsoft.Data.SqlClient.SqlConnection(connectionString),
        _ => throw new ArgumentException($"Unknown store '{store}'.", nameof(store)),
    };
}
