using Ledger.Cluster.Replay;
using Ledger.Journal;
using Ledger.Settlement;
using Microsoft.Data.Sqlite;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Snapshots on a real SQLite data folder: accounts save them every
/// <c>ledger.snapshots.every-events</c> events (here 3) and keep only the latest; a restarted node
/// recovers every account from its snapshot and the events after it, to the same state, explains
/// deliver orders from before the snapshot as the whole journal does, and verifies every chain; a
/// damaged snapshot is ignored and the account replays its whole journal; and recovery really
/// starts from the snapshot (with the journal's first events gone, the account still recovers).
/// </summary>
[Collection("cluster")]
public sealed class SnapshotRecoveryTests
{
    private const string Borrower = "account-0002";

    [Fact]
    public async Task Accounts_recover_from_their_snapshots_as_from_their_whole_journals()
    {
        using var folder = new TempFolder();
        var options = OptionsFor(folder, everyEvents: 3);
        var database = Path.Combine(folder.Path, StoreConfig.SqliteFileName);
        var borrower = new ParticipantId("0002");
        var lender = new ParticipantId("0001");

        AccountView before, lenderBefore;
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(node.Ledger, "0002", 80_000m, 50_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(lender, Cusips.Apple, 10_000, Setup.None)).Ok);
            for (var i = 0; i < 8; i++)
            {
                var results = await node.Ledger.SubmitAsync([Setup.Do($"DO-{i}", "0001", "0002", 10, 500m)], Setup.None);
                Assert.True(results[0].Accepted, results[0].Error?.Message);
                await Eventually.Status(node.Ledger, $"DO-{i}", "completed");
            }
            // Over the receiver's cap: pends there, and is pending in the snapshot.
            await node.Ledger.SubmitAsync([Setup.Do("DO-BIG", "0001", "0002", 900, 90_000m)], Setup.None);
            await Eventually.Status(node.Ledger, "DO-BIG", "pending");
            await Eventually.Until(() => Task.FromResult(SnapshotsOf(database, Borrower).Count == 1 && SnapshotsOf(database, "account-0001").Count == 1
                    && SnapshotsOf(database, Journals.ReferenceId).Count == 1),
                TimeSpan.FromSeconds(10), "one snapshot (the latest) of each account and of the reference data");
            before = (await node.Ledger.AccountAsync(borrower, Setup.None))!;
            lenderBefore = (await node.Ledger.AccountAsync(lender, Setup.None))!;
        }
        var (snapshotSequenceNr, manifest, snapshotBytes) = SnapshotsOf(database, Borrower).Single();
        Assert.Equal(SnapshotSerializer.AccountManifest, manifest);
        Assert.True(snapshotSequenceNr >= 3, $"the snapshot is at event {snapshotSequenceNr}");

        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            AssertSameAccount(before, (await node.Ledger.AccountAsync(borrower, Setup.None))!);
            AssertSameAccount(lenderBefore, (await node.Ledger.AccountAsync(lender, Setup.None))!);
            Assert.Equal(SnapshotSerializer.ReferenceManifest, SnapshotsOf(database, Journals.ReferenceId).Single().Manifest);
            // The reference data (from its snapshot) still knows both participants; the index still knows DO-0.
            var again = await node.Ledger.SubmitAsync([Setup.Do("DO-0", "0001", "0002", 10, 500m)], Setup.None);
            Assert.True(again[0].Accepted, again[0].Error?.Message);
            Assert.Equal("completed", again[0].Status);
            // Replay (`?asOf=`, `ledger replay`) still reads the whole journal, and agrees.
            AssertSameAccount(before, (await node.Journal.ReplayAsync(borrower, ReplayBound.Latest, Setup.None))!);
            // Explained by key (the account's index of journal rows, restored from its snapshot) as from the whole journal.
            var table = JournalTable.Of(new StoreSettings("sqlite", null, folder.Path));
            foreach (var id in new[] { "DO-0", "DO-3", "DO-BIG" })
            {
                var byKey = await node.Explainer.ExplainAsync(new DeliverOrderId(id), null, Setup.None);
                var whole = await Explain.ExplainReader.ExplainAsync(table, new DeliverOrderId(id), Setup.None);
                Assert.Equal(Explain.ExplainOutcome.Explained, byKey.Outcome);
                Assert.Equal(System.Text.Json.JsonSerializer.Serialize(whole), System.Text.Json.JsonSerializer.Serialize(byKey.Explanation));
            }
            // The pending receive still recycles, and events written after the snapshot chain on from it.
            Assert.True((await node.Ledger.SettlementProgressPaymentAsync(borrower, Money.FromDollars(20_000m), Setup.None)).Ok);
            await Eventually.Status(node.Ledger, "DO-BIG", "completed");
            var after = await node.Ledger.SubmitAsync([Setup.Do("DO-AFTER", "0001", "0002", 10, 500m)], Setup.None);
            Assert.True(after[0].Accepted, after[0].Error?.Message);
            await Eventually.Status(node.Ledger, "DO-AFTER", "completed");
            before = (await node.Ledger.AccountAsync(borrower, Setup.None))!;
            // (Read while the deliverer may still be writing DO-AFTER's completion: a verify between its highest number and its rows sees one missing.)
            IReadOnlyList<JournalVerification> verified = [];
            await Eventually.Until(async () =>
            {
                verified = await JournalVerifier.VerifyAsync(table, null, Setup.None);
                return verified.All(v => v.Ok);
            }, TimeSpan.FromSeconds(10), "every journal verifies");
            Assert.Contains(verified, v => v.PersistenceId == Borrower && v.Events > snapshotSequenceNr);
            // More deliver orders until a newer snapshot replaces the older one (an account snapshots
            // after 3 events, or after as many as its state holds records: about two a deliver order).
            // (The newest: a new snapshot is saved before the older one is deleted, so for a moment there are two.)
            for (var i = 0; SnapshotsOf(database, Borrower).Max(s => s.SequenceNr) == snapshotSequenceNr; i++)
            {
                Assert.True(i < 300, "no newer snapshot after 300 more deliver orders");
                var more = await node.Ledger.SubmitAsync([Setup.Do($"DO-MORE-{i}", "0001", "0002", 1, 100m)], Setup.None);
                Assert.True(more[0].Accepted, more[0].Error?.Message);
                await Eventually.Status(node.Ledger, $"DO-MORE-{i}", "completed");
            }
            await Eventually.Until(() => Task.FromResult(SnapshotsOf(database, Borrower).Count == 1), TimeSpan.FromSeconds(10), "only the latest snapshot kept");
            before = (await node.Ledger.AccountAsync(borrower, Setup.None))!;
        }
        (snapshotSequenceNr, _, snapshotBytes) = SnapshotsOf(database, Borrower).Single();

        // A damaged snapshot is ignored: the account replays its whole journal, to the same state.
        var damaged = (byte[])snapshotBytes.Clone();
        damaged[damaged.Length / 2] ^= 0x55;
        SetSnapshot(database, Borrower, damaged);
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            AssertSameAccount(before, (await node.Ledger.AccountAsync(borrower, Setup.None))!);
        }

        // Recovery starts from the snapshot: with the journal's events up to it gone, the account
        // still recovers to the same state (a whole replay would find them missing and refuse).
        SetSnapshot(database, Borrower, snapshotBytes);
        Execute(database, $"DELETE FROM journal WHERE persistence_id = '{Borrower}' AND sequence_number <= {snapshotSequenceNr - 1}");
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            AssertSameAccount(before, (await node.Ledger.AccountAsync(borrower, Setup.None))!);
        }
    }

    /// <summary>
    /// Accounts take their snapshots beside themselves (AccountSnapshotter), from a copy of their
    /// state fed the events they persist: every snapshot saved, before and after a restart (when the
    /// copy starts from the snapshot recovered from and the events replayed after it), holds exactly
    /// what replaying the journal up to its event gives, index of journal rows and chain included.
    /// </summary>
    [Fact]
    public async Task An_account_snapshot_is_its_journal_replayed_to_the_snapshot_event()
    {
        using var folder = new TempFolder();
        var options = OptionsFor(folder, everyEvents: 3);
        var database = Path.Combine(folder.Path, StoreConfig.SqliteFileName);
        long lenderSnapshot, borrowerSnapshot;
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            var table = JournalTable.Of(new StoreSettings("sqlite", null, folder.Path));
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(node.Ledger, "0002", 80_000m, 50_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 10_000, Setup.None)).Ok);
            // Until both accounts have a snapshot holding deliver orders (the comparison below is then
            // a real one): when a snapshot is saved depends on how many records the last one held.
            for (var i = 0; i < 6 || !HoldsDeliverOrders(database, Borrower) || !HoldsDeliverOrders(database, "account-0001"); i++)
            {
                Assert.True(i < 200, "no snapshot holding deliver orders after 200 deliver orders");
                var results = await node.Ledger.SubmitAsync([Setup.Do($"DO-{i}", "0001", "0002", 10, 500m)], Setup.None);
                Assert.True(results[0].Accepted, results[0].Error?.Message);
                await Eventually.Status(node.Ledger, $"DO-{i}", "completed");
            }
            // Pending at the receiver's cap when a snapshot is taken.
            await node.Ledger.SubmitAsync([Setup.Do("DO-BIG", "0001", "0002", 900, 90_000m)], Setup.None);
            await Eventually.Status(node.Ledger, "DO-BIG", "pending");
            await Eventually.Until(() => Task.FromResult(SnapshotsOf(database, Borrower).Count == 1 && SnapshotsOf(database, "account-0001").Count == 1),
                TimeSpan.FromSeconds(10), "one snapshot of each account");
            borrowerSnapshot = await AssertSnapshotIsReplay(table, database, Borrower);
            lenderSnapshot = await AssertSnapshotIsReplay(table, database, "account-0001");
        }
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            var table = JournalTable.Of(new StoreSettings("sqlite", null, folder.Path));
            Assert.True((await node.Ledger.SettlementProgressPaymentAsync(new ParticipantId("0002"), Money.FromDollars(20_000m), Setup.None)).Ok);
            await Eventually.Status(node.Ledger, "DO-BIG", "completed");
            for (var i = 0; SnapshotsOf(database, Borrower).Max(s => s.SequenceNr) == borrowerSnapshot
                            || SnapshotsOf(database, "account-0001").Max(s => s.SequenceNr) == lenderSnapshot; i++)
            {
                Assert.True(i < 300, "no newer snapshots after 300 more deliver orders");
                var more = await node.Ledger.SubmitAsync([Setup.Do($"DO-MORE-{i}", "0001", "0002", 1, 100m)], Setup.None);
                Assert.True(more[0].Accepted, more[0].Error?.Message);
                await Eventually.Status(node.Ledger, $"DO-MORE-{i}", "completed");
            }
            await Eventually.Until(() => Task.FromResult(SnapshotsOf(database, Borrower).Count == 1 && SnapshotsOf(database, "account-0001").Count == 1),
                TimeSpan.FromSeconds(10), "only the latest snapshot kept");
            Assert.True(await AssertSnapshotIsReplay(table, database, Borrower) > borrowerSnapshot);
            Assert.True(await AssertSnapshotIsReplay(table, database, "account-0001") > lenderSnapshot);
        }
    }

    /// <summary>
    /// An account's snapshotter starts only once its journal holds a tenth of every-events (here
    /// 40: at event 4), from one copy of the state taken between writes; the events before it were
    /// never fed to a second state, and the snapshots it saves are still the journal replayed.
    /// </summary>
    [Fact]
    public async Task A_snapshotter_started_part_way_through_the_journal_saves_the_journal_replayed()
    {
        using var folder = new TempFolder();
        var options = OptionsFor(folder, everyEvents: 40);
        var database = Path.Combine(folder.Path, StoreConfig.SqliteFileName);
        long borrowerSnapshot;
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            var table = JournalTable.Of(new StoreSettings("sqlite", null, folder.Path));
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(node.Ledger, "0002", 1_000_000m, 1_000_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 10_000, Setup.None)).Ok);
            for (var i = 0; SnapshotsOf(database, Borrower).Count == 0; i++)
            {
                Assert.True(i < 300, "no snapshot of the borrower after 300 deliver orders");
                var results = await node.Ledger.SubmitAsync([Setup.Do($"DO-{i}", "0001", "0002", 1, 100m)], Setup.None);
                Assert.True(results[0].Accepted, results[0].Error?.Message);
                await Eventually.Status(node.Ledger, $"DO-{i}", "completed");
            }
            borrowerSnapshot = await AssertSnapshotIsReplay(table, database, Borrower);
            Assert.True(borrowerSnapshot >= 40, $"the snapshot at event {borrowerSnapshot}, before every-events");
        }
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            // Recovered from its snapshot: the snapshotter starts from it at once, and the next one is the journal replayed too.
            var table = JournalTable.Of(new StoreSettings("sqlite", null, folder.Path));
            for (var i = 0; SnapshotsOf(database, Borrower).Max(s => s.SequenceNr) == borrowerSnapshot; i++)
            {
                Assert.True(i < 300, "no newer snapshot of the borrower after 300 more deliver orders");
                var more = await node.Ledger.SubmitAsync([Setup.Do($"DO-MORE-{i}", "0001", "0002", 1, 100m)], Setup.None);
                Assert.True(more[0].Accepted, more[0].Error?.Message);
                await Eventually.Status(node.Ledger, $"DO-MORE-{i}", "completed");
            }
            await Eventually.Until(() => Task.FromResult(SnapshotsOf(database, Borrower).Count == 1), TimeSpan.FromSeconds(10), "only the latest snapshot kept");
            Assert.True(await AssertSnapshotIsReplay(table, database, Borrower) > borrowerSnapshot);
        }
    }

    /// <summary>A node on <paramref name="folder"/> whose entities snapshot every <paramref name="everyEvents"/> events.</summary>
    private static LedgerNodeOptions OptionsFor(TempFolder folder, int everyEvents) => new()
    {
        DataDir = folder.Path,
        ResendInterval = TimeSpan.FromMilliseconds(200),
        ExtraConfig = $"ledger.snapshots.every-events = {everyEvents}",
    };

    /// <summary>Compares the account's stored snapshot with its journal replayed to the snapshot's event; returns that event's number.</summary>
    private static async Task<long> AssertSnapshotIsReplay(JournalTable table, string database, string persistenceId)
    {
        // The newest: a new snapshot is saved before the older one is deleted.
        var (sequenceNr, manifest, bytes) = SnapshotsOf(database, persistenceId).MaxBy(s => s.SequenceNr);
        var stored = SnapshotSerializer.FromBytes(bytes, manifest);
        var snapshot = Assert.IsType<AccountSnapshotState>(stored.State);
        var state = new AccountState(new ParticipantId(persistenceId[Journals.AccountPrefix.Length..]));
        var index = new DeliverOrderEventIndex();
        string? chain = null;
        long last = 0;
        await foreach (var e in table.EventsAsync(persistenceId, sequenceNr, Setup.None))
        {
            var current = (Ledger.Settlement.Events.AccountEvent)e.Event;
            state.Apply(current);
            index.Record(e.SequenceNr, current);
            chain = EventChain.ChainOf(e.AsStored);
            last = e.SequenceNr;
        }
        Assert.Equal(sequenceNr, last);
        Assert.Equal(chain, stored.Chain);
        Assert.Equal(Normalized(state.ToSnapshot()), Normalized(snapshot.Account));
        Assert.Equal(Normalized(index.ToSnapshot()), Normalized(snapshot.Events));
        // A real comparison: the account has deliver orders in it.
        Assert.True(snapshot.Account.Deliveries.Count + snapshot.Account.Receives.Count > 0, $"{persistenceId}'s snapshot holds no deliver orders");
        return sequenceNr;
    }

    /// <summary>Whether the account's newest snapshot holds any deliver order.</summary>
    private static bool HoldsDeliverOrders(string database, string persistenceId)
    {
        var snapshots = SnapshotsOf(database, persistenceId);
        if (snapshots.Count == 0) return false;
        var (_, manifest, bytes) = snapshots.MaxBy(s => s.SequenceNr);
        var account = Assert.IsType<AccountSnapshotState>(SnapshotSerializer.FromBytes(bytes, manifest).State).Account;
        return account.Deliveries.Count + account.Receives.Count > 0;
    }

    /// <summary>Every property as JSON, a collection's items sorted (the order of a dictionary's items is not part of the state).</summary>
    private static List<string> Normalized(object value) =>
        value.GetType().GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p =>
        {
            var v = p.GetValue(value);
            var json = v is System.Collections.IEnumerable items and not string
                ? "[" + string.Join(",", items.Cast<object?>().Select(item => System.Text.Json.JsonSerializer.Serialize(item)).Order(StringComparer.Ordinal)) + "]"
                : System.Text.Json.JsonSerializer.Serialize(v);
            return $"{p.Name}={json}";
        }).ToList();

    private static List<(long SequenceNr, string Manifest, byte[] Bytes)> SnapshotsOf(string database, string persistenceId)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_number, manifest, snapshot FROM snapshot WHERE persistence_id = $id ORDER BY sequence_number";
        command.Parameters.AddWithValue("$id", persistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string, byte[])>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        return rows;
    }

    private static void SetSnapshot(string database, string persistenceId, byte[] bytes)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE snapshot SET snapshot = $bytes WHERE persistence_id = $id";
        command.Parameters.AddWithValue("$bytes", bytes);
        command.Parameters.AddWithValue("$id", persistenceId);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private static void Execute(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() > 0, sql);
    }

    private static void AssertSameAccount(AccountView expected, AccountView actual)
    {
        Assert.Equal(expected with { Positions = [], Pending = [] }, actual with { Positions = [], Pending = [] });
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.Pending, actual.Pending);
    }
}
