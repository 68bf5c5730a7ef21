using System.Data.Common;
using System.Diagnostics;
using Ledger.Cluster;
using Ledger.Journal;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Benchmarks;

/// <summary>What restarting a node after a load run costs OCC's account (<c>load --recovery</c>).</summary>
/// <param name="OccEvents">Events in OCC's journal.</param>
/// <param name="SnapshotSequenceNr">The event OCC's latest snapshot was taken at; null without one.</param>
/// <param name="SnapshotMb">Its stored size.</param>
/// <param name="FromSnapshotSeconds">From the node's start to OCC's account answering, recovering from the snapshot and the events after it.</param>
/// <param name="WholeJournalSeconds">The same with OCC's snapshots deleted first: the whole journal replayed.</param>
public sealed record RecoveryResult(long OccEvents, long? SnapshotSequenceNr, double? SnapshotMb, double FromSnapshotSeconds, double WholeJournalSeconds,
    double NodeStartSeconds);

public static class RecoveryMeasure
{
    private const string OccId = "account-0900";

    /// <summary>Restarts a node on the run's store twice and times OCC's account: from its snapshot, then (snapshots deleted) from its whole journal.</summary>
    public static async Task<RecoveryResult> MeasureAsync(LedgerNodeOptions options, TextWriter log, CancellationToken ct)
    {
        options = options with { AskTimeout = TimeSpan.FromMinutes(10) };
        var (sequenceNr, bytes) = await LatestSnapshotAsync(options, ct);
        log.WriteLine(sequenceNr is null
            ? "recovery: OCC has no snapshot"
            : $"recovery: OCC's snapshot at event {sequenceNr:N0}, {bytes / 1e6:N1} MB");
        var (fromSnapshot, events, nodeStart) = await TimeOccAsync(options, ct);
        log.WriteLine($"recovery from the snapshot: OCC ({events:N0} events) answered {fromSnapshot:0.00} s after the node's start (node up in {nodeStart:0.00} s)");
        await DeleteSnapshotsAsync(options, ct);
        var (whole, _, _) = await TimeOccAsync(options, ct);
        log.WriteLine($"recovery from the whole journal (snapshots deleted): OCC answered {whole:0.00} s after the node's start");
        return new RecoveryResult(events, sequenceNr, bytes / 1e6, fromSnapshot, whole, nodeStart);
    }

    private static async Task<(double Seconds, long Events, double NodeStart)> TimeOccAsync(LedgerNodeOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using var node = await LedgerNode.StartAsync(options, null, ct);
        var nodeUp = clock.Elapsed.TotalSeconds;
        var view = await node.Ledger.AccountAsync(LoadDriver.Occ, ct) ?? throw new InvalidOperationException("OCC's account did not answer");
        return (clock.Elapsed.TotalSeconds, view.Version, nodeUp);
    }

    private static DbConnection Open(LedgerNodeOptions options)
    {
        DbConnection c = options.Store == "sqlite"
            ? new SqliteConnection(StoreConfig.SqliteConnectionString(options.DataDir))
            : new NpgsqlConnection(options.Connection);
        c.Open();
        return c;
    }

    private static async Task<(long? SequenceNr, long Bytes)> LatestSnapshotAsync(LedgerNodeOptions options, CancellationToken ct)
    {
        await using var c = Open(options);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT sequence_number, length(snapshot) FROM snapshot WHERE persistence_id = '{OccId}' ORDER BY sequence_number DESC LIMIT 1";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)) : (null, 0);
    }

    private static async Task DeleteSnapshotsAsync(LedgerNodeOptions options, CancellationToken ct)
    {
        await using var c = Open(options);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"DELETE FROM snapshot WHERE persistence_id = '{OccId}'";
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
