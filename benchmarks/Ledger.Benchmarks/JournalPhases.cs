using System.Globalization;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// When each step of a benchmarked run happened, from the events' own times in a node's SQLite
/// journal (not from a polling loop): per manifest, how many events and the first and last time.
/// </summary>
internal static class JournalPhases
{
    /// <summary>
    /// Prints a table of the rows <paramref name="where"/> selects, by first time: <paramref name="timeOf"/>
    /// reads an event's time from its payload, manifest and serializer id, or null to leave it out
    /// (a seeded event, whose time is the fill's). Returns the first and last time of each manifest.
    /// </summary>
    public static Dictionary<string, (DateTimeOffset First, DateTimeOffset Last, long Count)> Print(string folder, string where,
        IReadOnlyDictionary<string, object> parameters, Func<byte[], string, int, DateTimeOffset?> timeOf)
    {
        var firstLast = new Dictionary<string, (DateTimeOffset First, DateTimeOffset Last, long Count)>(StringComparer.Ordinal);
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT message, manifest, identifier FROM journal WHERE " + where;
        foreach (var (name, value) in parameters) read.Parameters.AddWithValue(name, value);
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            var manifest = reader.GetString(1);
            if (timeOf((byte[])reader[0], manifest, reader.GetInt32(2)) is not { } at) continue;
            firstLast[manifest] = firstLast.TryGetValue(manifest, out var seen)
                ? (at < seen.First ? at : seen.First, at > seen.Last ? at : seen.Last, seen.Count + 1)
                : (at, at, 1);
        }
        var start = firstLast.Values.Min(v => v.First);
        Console.WriteLine("| event (journal) | count | first at (s after the first) | last at (s) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (manifest, v) in firstLast.OrderBy(kv => kv.Value.First))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {manifest} | {v.Count:N0} | {(v.First - start).TotalSeconds:0.00} | {(v.Last - start).TotalSeconds:0.00} |"));
        return firstLast;
    }
}
