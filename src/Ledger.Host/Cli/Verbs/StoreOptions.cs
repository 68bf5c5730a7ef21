using System.CommandLine;
using Ledger.Journal;

namespace Ledger.Host.Verbs;

/// <summary>
/// The store options of the verbs that read a journal straight from the store (replay, explain,
/// verify, what-if): <c>--data-dir</c>, <c>--store</c>, <c>--connection</c>, and the rule that
/// postgres and sqlserver need a connection string.
/// </summary>
public sealed class StoreOptions
{
    public StoreOptions() => Store.AcceptOnlyFromAmong(Cli.Stores);

    public Option<string> DataDir { get; } = new("--data-dir") { Description = "Folder of the embedded SQLite journal", HelpName = "DIR", DefaultValueFactory = _ => "./data" };

    public Option<string> Store { get; } = new("--store") { Description = "Journal store", DefaultValueFactory = _ => StoreConfig.Sqlite };

    public Option<string?> Connection { get; } = new("--connection") { Description = "Connection string (required for postgres and sqlserver)", HelpName = "STRING" };

    public void AddTo(Command command)
    {
        command.Options.Add(DataDir);
        command.Options.Add(Store);
        command.Options.Add(Connection);
        command.Validators.Add(r =>
        {
            var storeName = r.GetResult(Store)?.Tokens.FirstOrDefault()?.Value ?? StoreConfig.Sqlite;
            if (storeName is StoreConfig.Postgres or StoreConfig.SqlServer && string.IsNullOrWhiteSpace(r.GetResult(Connection)?.Tokens.FirstOrDefault()?.Value))
                r.AddError("--connection is required with --store postgres or sqlserver");
        });
    }
}
