using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// A benchmark's fill of a node's SQLite journal (Akka.Persistence.Sql's default mapping), written
/// straight into the table in one transaction because millions of events through the entities would
/// take longer than the measurement: each persistence id's events follow what it already holds,
/// under the context's event serializer and manifests, exactly as the node would have written them.
/// Only for journals that are not hash-chained (settlement's accounts are).
/// </summary>
internal static class JournalSeed
{
    /// <summary>Appends <paramref name="journals"/> (persistence id, events in order) with payloads and manifests from the context's serializer.</summary>
    public static void Append(string folder, string writer, int serializerId, IEnumerable<KeyValuePair<string, List<object>>> journals,
        Func<object, byte[]> payloadOf, Func<object, string> manifestOf, DateTimeOffset at)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
            VALUES ($created, 0, $p, $seq, $message, NULL, $manifest, $identifier, $writer)
            """;
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        var persistenceId = insert.Parameters.Add("$p", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var message = insert.Parameters.Add("$message", SqliteType.Blob);
        var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
        insert.Parameters.AddWithValue("$identifier", serializerId);
        insert.Parameters.AddWithValue("$writer", writer);
        foreach (var (pid, events) in journals)
        {
            long sequenceNr;
            using (var last = connection.CreateCommand())
            {
                last.Transaction = tx;
                last.CommandText = "SELECT COALESCE(MAX(sequence_number), 0) FROM journal WHERE persistence_id = $p";
                last.Parameters.AddWithValue("$p", pid);
                sequenceNr = (long)last.ExecuteScalar()!;
            }
            foreach (var e in events)
            {
                created.Value = at.UtcTicks;
                persistenceId.Value = pid;
                seq.Value = ++sequenceNr;
                message.Value = payloadOf(e);
                manifest.Value = manifestOf(e);
                insert.ExecuteNonQuery();
            }
        }
        tx.Commit();
    }
}
