using System.Data.Common;
using Ledger.TestSupport;
using Microsoft.Data.SqlClient;

namespace Ledger.Journal.Tests;

/// <summary>
/// The journal contract on SQL Server (provider SqlServer.2019, Microsoft.Data.SqlClient), in a fresh
/// database on the server that <c>LEDGER_SQLSERVER_CONNECTION</c> names. Without that variable the
/// test skips and says so: SQL Server does not run in CI.
/// </summary>
public sealed class SqlServerJournalTests : JournalContractTests, IAsyncLifetime
{
    private SqlServerDatabase? _database;

    protected override async Task<StoreSettings> CreateStoreAsync()
    {
        _database = await SqlServerDatabase.CreateAsync("ledger_journal");
        return new StoreSettings(StoreConfig.SqlServer, _database.ConnectionString, DataDir: "unused-for-sqlserver");
    }


    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }
}
