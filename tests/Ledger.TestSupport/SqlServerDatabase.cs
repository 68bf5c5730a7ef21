using System.Security.Cryptography;
using Microsoft.Data.SqlClient;
using Xunit;

namespace Ledger.TestSupport;

/// <summary>
/// A fresh, empty database on the SQL Server that <c>LEDGER_SQLSERVER_CONNECTION</c> names, dropped
/// on dispose. SQL Server cannot run on the CI machine, so unlike PostgreSQL a test that needs it is
/// skipped, saying why, whenever the variable is unset, under <c>CI=true</c> too. With the variable
/// set, every failure (no server, no permission) fails the test.
/// </summary>
public sealed class SqlServerDatabase : IAsyncDisposable
{
    /// <summary>A connection string of a login allowed to CREATE DATABASE, e.g. <c>Server=127.0.0.1,1433;User Id=sa;Password=...;TrustServerCertificate=True</c>.</summary>
    public const string ConnectionVariable = "LEDGER_SQLSERVER_CONNECTION";

    private readonly string _serverConnectionString;
    private int _disposed;

    private SqlServerDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new SqlConnectionStringBuilder(serverConnectionString) { InitialCatalog = name }.ConnectionString;
    }

    /// <summary>The database's name: the prefix and eight random hex digits.</summary>
    public string Name { get; }

    /// <summary>The server's connection string with this database as its initial catalog.</summary>
    public string ConnectionString { get; }

    /// <summary>Why a SQL Server test skips when <see cref="ConnectionVariable"/> is unset.</summary>
    public static string SkipReason =>
        $"SQL Server is not configured: set {ConnectionVariable} to the connection string of a login allowed to CREATE DATABASE " +
        "(for example \"Server=127.0.0.1,1433;User Id=sa;Password=...;TrustServerCertificate=True\") to run this test against SQL Server. " +
        "SQL Server does not run in CI, so there it skips too.";

    /// <summary>Creates the database; skips the calling test (a <c>[SkippableFact]</c>) when <see cref="ConnectionVariable"/> is unset.</summary>
    public static async Task<SqlServerDatabase> CreateAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var server = Environment.GetEnvironmentVariable(ConnectionVariable);
        Skip.If(string.IsNullOrWhiteSpace(server), SkipReason);

        var safePrefix = new string(prefix.Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').Take(40).ToArray());
        var name = $"{(safePrefix.Length == 0 ? "ledger_test" : safePrefix)}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        await using var connection = new SqlConnection(server);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new SqlCommand($"CREATE DATABASE [{name}]", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new SqlServerDatabase(server!, name);
    }

    /// <summary>Drops the database (closing whatever connections the test left open); a failure is reported, not thrown.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        SqlConnection.ClearAllPools();
        try
        {
            var master = new SqlConnectionStringBuilder(_serverConnectionString) { InitialCatalog = "master" }.ConnectionString;
            await using var connection = new SqlConnection(master);
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new SqlCommand($"ALTER DATABASE [{Name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{Name}];", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (SqlException e)
        {
            Console.Error.WriteLine($"Could not drop the test database {Name}: {e.Message}");
        }
    }

    public override string ToString() => Name;
}
