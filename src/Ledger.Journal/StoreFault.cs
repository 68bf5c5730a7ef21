using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace Ledger.Journal;

/// <summary>
/// Why the store cannot take the ledger's writes now: a stable <see cref="Rule"/> (the problem's
/// <c>rule</c> in HTTP answers and <c>/health/ready</c>), a sentence safe to show anyone, and whether
/// it lasts until the node is restarted (<see cref="Latched"/>: the store file was replaced or
/// removed) or ends once the store takes a write again (a full disk, a read-only or unreachable store).
/// </summary>
public sealed record StoreFault(string Rule, string Detail, bool Latched)
{
    /// <summary>The SQLite file at the node's path is no longer the file the node opened (renamed away and another moved in, or replaced).</summary>
    public const string ReplacedRule = "store-replaced";

    /// <summary>The SQLite file is gone from the data folder (renamed away or deleted).</summary>
    public const string MissingRule = "store-missing";

    /// <summary>The disk or database is full.</summary>
    public const string FullRule = "store-full";

    /// <summary>The store takes no writes (a read-only file, file system or database).</summary>
    public const string ReadOnlyRule = "store-read-only";

    /// <summary>The store cannot be reached or opened (a database server stopped or cut off, an I/O error).</summary>
    public const string UnreachableRule = "store-unreachable";

    public static StoreFault Full(string why) =>
        new(FullRule, $"the store is full ({why}): nothing is acknowledged until space is freed", Latched: false);

    public static StoreFault ReadOnly(string why) =>
        new(ReadOnlyRule, $"the store is read-only ({why}): nothing is acknowledged until it takes writes again", Latched: false);

    public static StoreFault Unreachable(string why) =>
        new(UnreachableRule, $"the store cannot be reached ({why}): nothing is acknowledged until it answers again", Latched: false);

    /// <summary>
    /// The store fault <paramref name="error"/> (or an exception inside it) stands for, or null when
    /// it is not one (a rejected row, a bug). Driver messages are kept out of <see cref="Detail"/>
    /// beyond the error's name: they may hold host names or paths only the operator should see.
    /// </summary>
    public static StoreFault? Of(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreFaultException fault:
                    return fault.Fault;
                case AggregateException aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        if (Of(inner) is { } found) return found;
                    }
                    return null;
                case SqliteException sqlite:
                    return sqlite.SqliteErrorCode switch
                    {
                        13 => Full("SQLITE_FULL: the disk or the database file is full"),
                        8 => ReadOnly("SQLITE_READONLY"),
                        14 => Unreachable("SQLITE_CANTOPEN: the database file cannot be opened"),
                        10 => Unreachable("SQLITE_IOERR: disk I/O error"),
                        _ => null,
                    };
                case Npgsql.PostgresException postgres:
                    return postgres.SqlState switch
                    {
                        "53100" => Full("PostgreSQL disk_full"),
                        "53200" => Full("PostgreSQL out_of_memory"),
                        "25006" => ReadOnly("PostgreSQL read_only_sql_transaction"),
                        "57P01" or "57P02" or "57P03" => Unreachable($"PostgreSQL {postgres.SqlState}: the server is shutting down or not accepting connections"),
                        _ when postgres.SqlState.StartsWith("08", StringComparison.Ordinal) => Unreachable($"PostgreSQL connection error {postgres.SqlState}"),
                        _ => null,
                    };
                case Npgsql.NpgsqlException:
                    // Not an error the server sent: the connection itself failed (refused, reset, timed out).
                    return Unreachable("PostgreSQL connection failed");
                case Microsoft.Data.SqlClient.SqlException sqlServer:
                    return sqlServer.Number switch
                    {
                        1105 or 9002 => Full($"SQL Server error {sqlServer.Number}"),
                        3906 => ReadOnly("SQL Server error 3906"),
                        -2 or 2 or 53 or 233 or 10053 or 10054 or 10060 or 10061 or 40613 => Unreachable($"SQL Server connection error {sqlServer.Number}"),
                        _ => null,
                    };
                case SocketException:
                    return Unreachable("connection failed");
                case IOException io when io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase):
                    return Full("no space left on the device");
                case DbException:
                    return null;
            }
        }
        return null;
    }
}

/// <summary>A write or read refused because of a store fault the node already knows of.</summary>
public sealed class StoreFaultException(StoreFault fault) : Exception(fault.Detail)
{
    public StoreFault Fault { get; } = fault;
}

/// <summary>
/// The node cannot start on this store as it is: the data folder is held by another node, holds an
/// earlier ledger's traces, is not a usable folder, or the database cannot be reached. The message is
/// one line for the operator: what was found and what to do.
/// </summary>
public sealed class StoreStartException(string rule, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Another running node holds the data folder's lock.</summary>
    public const string FolderInUseRule = "data-folder-in-use";

    /// <summary>The folder holds a write-ahead log without its database, a marker without its database, or another ledger's database.</summary>
    public const string FolderRefusedRule = "data-folder-refused";

    /// <summary>The data folder is not a folder the node can use (a file, no permission).</summary>
    public const string FolderUnusableRule = "data-folder-unusable";

    /// <summary>The database server cannot be reached or refused the connection.</summary>
    public const string StoreUnreachableRule = "store-unreachable";

    public string Rule { get; } = rule;
}
