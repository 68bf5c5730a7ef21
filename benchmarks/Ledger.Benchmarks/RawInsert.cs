using System.Data.Common;
using System.Diagnostics;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Benchmarks;

public sealed record RawInsertResult(long Rows, int Batch, double Seconds, double RowsPerSecond, int PayloadBytes, string Settings);

/// <summary>
/// The store's ceiling: rows shaped like the journal's (same columns and indexes, the payload of a
/// real serialized DeliveryReserved) inserted in transactions of <c>batch</c> rows, one writer, on the
/// same file or server as the ledger's journal.
/// </summary>
public static class RawInsert
{
    public static DeliveryReserved SampleEvent() => new(
        new DeliverOrderData("L12345-a", "0007", "0900", "LDG001234", 112, 56000, "LOAN"),
        new TermsData(1000, 0.1m, 1),
        new CheckInputs(999_987_654, 9_000_000_000_000, -44_800, -1_234_500, 1_000_000_000_000, false, "passed"),
        PendedBefore: false,
        new DateTimeOffset(2026, 3, 2, 14, 30, 0, TimeSpan.Zero));

    public static async Task<RawInsertResult> MeasureAsync(string store, string connectionString, int rows, int batch, CancellationToken ct)
    {
        var payload = LedgerSerializer.ToUtf8Json(SampleEvent());
        var manifest = LedgerSerializer.ManifestFor(typeof(DeliveryReserved));
        var sqlite = store == "sqlite";
        await using DbConnection c = sqlite ? new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
        await c.OpenAsync(ct);
        string settings;
        if (sqlite)
        {
            settings = $"journal_mode={await ScalarAsync(c, "PRAGMA journal_mode", ct)}, synchronous={await ScalarAsync(c, "PRAGMA synchronous", ct)} (the journal's connections use the same defaults: Microsoft.Data.Sqlite, no PRAGMA set)";
        }
        else
        {
            settings = $"fsync={await ScalarAsync(c, "SHOW fsync", ct)}, synchronous_commit={await ScalarAsync(c, "SHOW synchronous_commit", ct)}, {await ScalarAsync(c, "SELECT version()", ct)}";
        }
        var blob = sqlite ? "BLOB" : "BYTEA";
        var key = sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
        var boolean = sqlite ? "INTEGER" : "BOOLEAN";
        await ExecAsync(c, "DROP TABLE IF EXISTS bench_raw_insert", ct);
        await ExecAsync(c, $"""
            CREATE TABLE bench_raw_insert (
              ordering {key}, created BIGINT NOT NULL, deleted {boolean} NOT NULL, persistence_id VARCHAR(255) NOT NULL,
              sequence_number BIGINT NOT NULL, message {blob} NOT NULL, tags VARCHAR(100) NULL, manifest VARCHAR(500) NULL,
              identifier INTEGER NULL, writer_uuid VARCHAR(128) NULL)
            """, ct);
        await ExecAsync(c, "CREATE UNIQUE INDEX bench_raw_insert_uq ON bench_raw_insert (persistence_id, sequence_number)", ct);
        await ExecAsync(c, "CREATE INDEX bench_raw_insert_created ON bench_raw_insert (created)", ct);
        await ExecAsync(c, "CREATE INDEX bench_raw_insert_seq ON bench_raw_insert (sequence_number)", ct);
        try
        {
            var writer = Guid.NewGuid().ToString();
            var clock = Stopwatch.StartNew();
            var written = 0L;
            while (written < rows)
            {
                if (c is NpgsqlConnection npg)
                {
                    // One round trip per transaction: the batch's INSERTs go together (NpgsqlBatch), as a batching journal would send them.
                    await using var ptx = await npg.BeginTransactionAsync(ct);
                    await using var b = new NpgsqlBatch(npg, ptx);
                    for (var i = 0; i < batch; i++, written++)
                    {
                        var bc = new NpgsqlBatchCommand("INSERT INTO bench_raw_insert (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid) VALUES ($1, false, $2, $3, $4, NULL, $5, 4180, $6)");
                        bc.Parameters.Add(new NpgsqlParameter { Value = DateTime.UtcNow.Ticks });
                        bc.Parameters.Add(new NpgsqlParameter { Value = "account-" + (written % 100).ToString("D4", System.Globalization.CultureInfo.InvariantCulture) });
                        bc.Parameters.Add(new NpgsqlParameter { Value = written / 100 + 1 });
                        bc.Parameters.Add(new NpgsqlParameter { Value = payload });
                        bc.Parameters.Add(new NpgsqlParameter { Value = manifest });
                        bc.Parameters.Add(new NpgsqlParameter { Value = writer });
                        b.BatchCommands.Add(bc);
                    }
                    await b.ExecuteNonQueryAsync(ct);
                    await ptx.CommitAsync(ct);
                    continue;
                }
                await using var tx = await c.BeginTransactionAsync(ct);
                await using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = sqlite
                    ? "INSERT INTO bench_raw_insert (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid) VALUES ($c, 0, $p, $s, $m, NULL, $man, 4180, $w)"
                    : throw new InvalidOperationException("unreachable");
                var pc = Add(cmd, sqlite ? "$c" : "@c", 0L);
                var pp = Add(cmd, sqlite ? "$p" : "@p", "");
                var ps = Add(cmd, sqlite ? "$s" : "@s", 0L);
                Add(cmd, sqlite ? "$m" : "@m", payload);
                Add(cmd, sqlite ? "$man" : "@man", manifest);
                Add(cmd, sqlite ? "$w" : "@w", writer);
                await cmd.PrepareAsync(ct);
                for (var i = 0; i < batch; i++, written++)
                {
                    // Spread over 100 "accounts", as the ledger's writes are.
                    pc.Value = DateTime.UtcNow.Ticks;
                    pp.Value = "account-" + (written % 100).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
                    ps.Value = written / 100 + 1;
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
            }
            clock.Stop();
            return new RawInsertResult(written, batch, clock.Elapsed.TotalSeconds, written / clock.Elapsed.TotalSeconds, payload.Length, settings);
        }
        finally
        {
            await ExecAsync(c, "DROP TABLE IF EXISTS bench_raw_insert", ct);
        }
    }

    private static DbParameter Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
        return p;
    }

    private static async Task ExecAsync(DbConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<string> ScalarAsync(DbConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
