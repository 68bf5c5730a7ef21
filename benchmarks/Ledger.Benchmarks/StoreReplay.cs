using System.Diagnostics;
using Ledger.Cluster;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// End-to-end replay of one account from the SQLite store: a journal of N events for one account
/// (a real node writes the tables and the account's set-up; the rest are real serialized, chained
/// ledger events inserted in bulk), then <see cref="AccountReplay.ReplayAsync"/> through
/// Persistence Query on a reader system, exactly as <c>ledger replay</c> runs it (checking the hash
/// chain as it goes, as the account's own recovery does).
/// </summary>
public static class StoreReplay
{
    public static async Task<int> RunAsync(int events)
    {
        var folder = Directory.CreateTempSubdirectory("ledger-replay-bench-").FullName;
        try
        {
            var participant = new ParticipantId("0001");
            var cusip = new Cusip("037833100");
            await using (var node = await LedgerNode.StartAsync(new LedgerNodeOptions { DataDir = folder, RecycleCutoffLocalTime = null }, null, default))
            {
                await node.Ledger.PutSecurityAsync(cusip, Money.FromDollars(100m), 0.1m, default);
                var set = await node.Ledger.PutParticipantAsync(new ParticipantRecord(participant, "Replay", Money.FromDollars(1_000_000m), Money.FromDollars(1_000_000m), false, false), default);
                if (!set.Ok) throw new InvalidOperationException(set.Message);
            }

            var load = Stopwatch.StartNew();
            var written = Fill(folder, participant, cusip, events);
            Console.WriteLine($"journal of account-0001: {written:N0} events written in {load.Elapsed.TotalSeconds:0.0} s");

            var journal = JournalTable.Of(new StoreSettings(StoreConfig.Sqlite, null, folder));
            // Twice: the first run pays for JIT compilation of the read path, as a fresh `ledger replay` process does.
            for (var run = 1; run <= 2; run++)
            {
                var clock = Stopwatch.StartNew();
                var view = await AccountReplay.ReplayAsync(journal, participant, ReplayBound.Latest, null, default);
                clock.Stop();
                Console.WriteLine($"run {run}: replayed {view!.Version:N0} events in {clock.Elapsed.TotalSeconds:0.00} s = {view.Version / clock.Elapsed.TotalSeconds:N0} events/s");
                Console.WriteLine($"account after replay: balance {view.SettlementBalance:N2}, positions {view.Positions.Sum(p => p.Shares):N0} shares; load average {File.ReadAllText("/proc/loadavg").Trim()}");
            }

            var raw = Stopwatch.StartNew();
            var rows = ReadRaw(folder, participant, checkChain: false);
            raw.Stop();
            Console.WriteLine($"ceiling: the same rows read straight with SqliteDataReader, deserialized and applied: {rows:N0} in {raw.Elapsed.TotalSeconds:0.00} s = {rows / raw.Elapsed.TotalSeconds:N0} events/s");
            var checkedRaw = Stopwatch.StartNew();
            rows = ReadRaw(folder, participant, checkChain: true);
            checkedRaw.Stop();
            Console.WriteLine($"the same loop with the hash-chain check (JournalCheck.Take per event): {rows:N0} in {checkedRaw.Elapsed.TotalSeconds:0.00} s = {rows / checkedRaw.Elapsed.TotalSeconds:N0} events/s; " +
                $"the check costs {(checkedRaw.Elapsed - raw.Elapsed).TotalMicroseconds / rows:0.00} us an event");

            // Actor recovery, the path a failover or restart takes: a node on the same folder, timed until the account answers.
            var started = Stopwatch.StartNew();
            await using (var node = await LedgerNode.StartAsync(new LedgerNodeOptions { DataDir = folder, RecycleCutoffLocalTime = null, AskTimeout = TimeSpan.FromMinutes(10) }, null, default))
            {
                var nodeUp = started.Elapsed;
                var recovered = await node.Ledger.AccountAsync(participant, default);
                started.Stop();
                Console.WriteLine($"actor recovery: a node started in {nodeUp.TotalSeconds:0.0} s and account-0001 ({recovered!.Version:N0} events) answered {started.Elapsed.TotalSeconds:0.0} s after the start = {recovered.Version / started.Elapsed.TotalSeconds:N0} events/s at least");
            }
            return 0;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The ceiling of any replay: one query, rows read in order, deserialized and applied (and checked, as recovery checks them).</summary>
    private static long ReadRaw(string folder, ParticipantId participant, bool checkChain)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT message, manifest FROM journal WHERE persistence_id = $p ORDER BY sequence_number";
        read.Parameters.AddWithValue("$p", AccountReplay.PersistenceIdOf(participant));
        using var reader = read.ExecuteReader();
        var state = new AccountState(participant);
        var check = checkChain ? new JournalCheck(AccountReplay.PersistenceIdOf(participant)) : null;
        long n = 0;
        while (reader.Read())
        {
            var e = (AccountEvent)LedgerSerializer.FromUtf8Json((byte[])reader[0], reader.GetString(1));
            n++;
            if (check is not null && !check.Take(n, e)) throw new InvalidOperationException(check.Finding!.ToString());
            state.Apply(e);
        }
        return n;
    }

    /// <summary>Appends settlement progress payments and deposits, alternating, chained on from the account's last event.</summary>
    private static long Fill(string folder, ParticipantId participant, Cusip cusip, int events)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        var persistenceId = AccountReplay.PersistenceIdOf(participant);
        long sequenceNr;
        string chain;
        using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT sequence_number, message, manifest FROM journal WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1";
            last.Parameters.AddWithValue("$p", persistenceId);
            using var reader = last.ExecuteReader();
            reader.Read();
            sequenceNr = reader.GetInt64(0);
            var stored = (AccountEvent)LedgerSerializer.FromUtf8Json((byte[])reader[1], reader.GetString(2));
            chain = stored.Chain ?? EventChain.Genesis;
        }
        var at = DateTimeOffset.UtcNow;
        var terms = new TermsData(100_00, 0.1m, 1);
        const int perTransaction = 10_000;
        for (var written = 0; written < events;)
        {
            using var tx = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
                VALUES ($created, 0, $p, $seq, $message, NULL, $manifest, 4180, 'replay-benchmark')
                """;
            var created = insert.Parameters.Add("$created", SqliteType.Integer);
            insert.Parameters.AddWithValue("$p", persistenceId);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var message = insert.Parameters.Add("$message", SqliteType.Blob);
            var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
            for (var k = 0; k < perTransaction && written < events; k++, written++)
            {
                at = at.AddMilliseconds(1);
                AccountEvent e = written % 2 == 0
                    ? new SettlementProgressPaymentReceived(1_00, at)
                    : new SharesDeposited(cusip.Value, 1, terms, at);
                e = EventChain.Seal(chain, e);
                chain = e.Chain!;
                created.Value = at.UtcTicks;
                seq.Value = ++sequenceNr;
                message.Value = LedgerSerializer.ToUtf8Json(e);
                manifest.Value = LedgerSerializer.ManifestFor(e.GetType());
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return sequenceNr;
    }
}
