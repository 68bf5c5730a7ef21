using System.Data.Common;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Journal.Tests;

internal static class TestStores
{
    /// <summary>A plain ADO.NET connection to <paramref name="store"/>, to look at the rows themselves.</summary>
    public static DbConnection Connect(StoreSettings store) => store.Store switch
    {
        StoreConfig.Postgres => new NpgsqlConnection(store.Connection),
        StoreConfig.SqlServer => new SqlConnection(store.Connection),
        _ => new SqliteConnection(StoreConfig.ConnectionStringFor(store)),
    };
}
