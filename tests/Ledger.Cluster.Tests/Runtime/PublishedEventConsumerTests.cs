using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Settlement's published events and the consumer that applies them exactly once, end to end on a
/// real node and store: completions at both parties and closes are tagged in the journal; a
/// consumer killed (its node stopped) between its target applying an event and confirming it, and
/// again between confirming events and storing its offset, hands those events again after the
/// restart, and the deduplicating target applies every published event exactly once, none missed.
/// One test body, one subclass per store.
/// </summary>
public abstract class PublishedEventConsumerTests
{
    private const string ConsumerName = "income-test";

    protected abstract Task<LedgerNodeOptions> OptionsAsync(string folder);

    private static async Task Settle(ILedger ledger, string prefix, int orders)
    {
        var results = await ledger.SubmitAsync(Enumerable.Range(1, orders).Select(i => Setup.Do($"{prefix}-{i}", "0001", "0002", 10, 1_020m)).ToList(), Setup.None);
        Assert.All(results, r => Assert.True(r.Accepted, r.Error?.Message));
        foreach (var i in Enumerable.Range(1, orders)) await Eventually.Status(ledger, $"{prefix}-{i}", "completed");
    }

    [SkippableFact]
    public async Task A_consumer_killed_between_applying_and_confirming_and_between_confirming_and_storing_its_offset_applies_every_event_once()
    {
        using var folder = new TempFolder();
        var options = await OptionsAsync(folder.Path);
        var settings = new ConsumerSettings(ConsumerName, SettlementPublication.Tag) { BatchSize = 50, PollInterval = TimeSpan.FromMilliseconds(100), RetryInterval = TimeSpan.FromMilliseconds(200) };
        using var target = new DedupTarget(Path.Combine(folder.Path, "target.db"));

        // Run 1: twelve deliver orders and a close; the target applies the fifth event it is handed,
        // and the node dies before the target confirms it.
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(node.Ledger, "0002", 1_000_000m, 1_000_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 10_000, Setup.None)).Ok);
            await Settle(node.Ledger, "DO-A", 12);
            Assert.True((await node.Ledger.CloseAsync(Setup.None)).Ok);

            target.Mode = TargetMode.HangAfterApplying(5);
            node.StartConsumer(settings, target);
            await target.Killed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(5, target.Applied().Count);
        Assert.Empty(await StoredOffsets(options));

        // Run 2: the consumer starts from nothing stored and hands the fifth again (applied once);
        // the target confirms up to the twelfth, and the node dies when the thirteenth is handed,
        // before the consumer stores its offset (it stores after each batch of 50).
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            target.Mode = TargetMode.HangBeforeApplying(13);
            node.StartConsumer(settings, target);
            await target.Killed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(12, target.Applied().Count);
        Assert.Empty(await StoredOffsets(options));
        // Handed again from the start: the four confirmed and the fifth applied but never confirmed.
        Assert.Equal(5, target.Duplicates);

        // Run 3: more settlement while the consumer runs; it catches up and stores its offset.
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            target.Mode = TargetMode.Normal;
            node.StartConsumer(settings, target);
            await Settle(node.Ledger, "DO-B", 8);
            var table = node.JournalTable!;
            IReadOnlyList<TaggedRow> published = [];
            await Eventually.Until(async () =>
            {
                published = await table.TaggedAfterAsync(SettlementPublication.Tag, 0, long.MaxValue, 10_000, Setup.None);
                var offsets = await StoredOffsets(options);
                return target.Applied().Count == published.Count && offsets.Count > 0 && offsets[^1] >= published[^1].Ordering;
            }, TimeSpan.FromSeconds(60), "the consumer applies every published event and stores its offset");

            // Exactly the published events, each once (the target's key is its primary key), none missed.
            Assert.Equal(published.Select(r => $"{r.PersistenceId}#{r.SequenceNr}").Order(), target.Applied().Keys.Order());
            // Handed again from the start once more: the twelve applied before the second kill.
            Assert.Equal(5 + 12, target.Duplicates);

            // 20 deliver orders completed at both parties, and the close of each participant's day.
            var facts = published.SelectMany(r => new PublishedEvent(r.Ordering, r.PersistenceId, r.SequenceNr, r.Manifest, r.Event).SettlementFacts()).ToList();
            var settled = facts.OfType<DeliverOrderSettled>().ToList();
            Assert.Equal(40, settled.Count);
            Assert.Equal(40, settled.Select(s => s.Key).Distinct().Count());
            Assert.All(settled, s =>
            {
                Assert.Equal(s.Side == SettledSide.Delivery ? "0001" : "0002", s.Participant);
                Assert.Equal(("0001", "0002", 10L, 102_000L, "SL"), (s.Order.Deliverer, s.Order.Receiver, s.Order.Shares, s.Order.AmountCents, s.Order.ReasonCode));
                Assert.Equal("direct", s.CompletedBy);
            });
            var closes = facts.OfType<BusinessDayClosedAt>().ToList();
            Assert.Equal(["0001", "0002"], closes.Select(c => c.Participant).Order());
            var closed = closes[0].ClosedDate;
            Assert.All(settled.Where(s => s.Order.Id.StartsWith("DO-A", StringComparison.Ordinal)), s => Assert.Equal(closed, s.BusinessDate));
            Assert.All(settled.Where(s => s.Order.Id.StartsWith("DO-B", StringComparison.Ordinal)), s => Assert.Equal(closes[0].NextDate, s.BusinessDate));
            // In journal order a participant's completions of a date come before its close of that date.
            foreach (var close in closes)
            {
                var closeAt = published.First(r => r.PersistenceId == Journals.AccountPrefix + close.Participant && r.Event is BusinessDayClosed).Ordering;
                Assert.All(published.Where(r => r.PersistenceId == Journals.AccountPrefix + close.Participant && r.Event is DeliveryCompleted or ReceiveCompleted),
                    r => Assert.Equal(((r.Event is DeliveryCompleted d ? d.BusinessDate : ((ReceiveCompleted)r.Event).BusinessDate) == closed), r.Ordering < closeAt));
            }
        }
    }

    [SkippableFact]
    public async Task Only_completions_and_closes_are_tagged_and_the_accounts_recover_unchanged()
    {
        using var folder = new TempFolder();
        var options = await OptionsAsync(folder.Path);
        AccountView before;
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
            await Setup.Participant(node.Ledger, "0002", 80_000m, 50_000m);
            Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None)).Ok);
            await node.Ledger.SubmitAsync([Setup.Do("DO-A", "0001", "0002", 100, 5_000m), Setup.Do("DO-B", "0001", "0002", 900, 90_000m)], Setup.None);
            await Eventually.Status(node.Ledger, "DO-A", "completed");
            await Eventually.Status(node.Ledger, "DO-B", "pending");
            before = (await node.Ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;

            var all = await node.JournalTable!.TaggedAfterAsync(SettlementPublication.Tag, 0, long.MaxValue, 1_000, Setup.None);
            // DO-A completed at both parties; DO-B is pending, and reservations, deposits and set-up are not published.
            Assert.Equal(["account-0001:account.delivery-completed.v1", "account-0002:account.receive-completed.v2"],
                all.Select(r => $"{r.PersistenceId}:{r.Manifest}").Order());
            var delivered = Assert.IsType<DeliveryCompleted>(all.Single(r => r.PersistenceId == "account-0001").Event);
            Assert.Equal(new DeliverOrderData("DO-A", "0001", "0002", Cusips.Apple.Value, 100, 500_000, "SL"), delivered.Order);
            var reference = await node.Ledger.ReferenceAsync(Setup.None);
            Assert.Equal(AccountState.FormatDate(reference.BusinessDate), delivered.BusinessDate);
        }
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            var after = (await node.Ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
            Assert.Equal(before with { Positions = [], Pending = [] }, after with { Positions = [], Pending = [] });
            Assert.Equal(before.Positions, after.Positions);
        }
    }

    [SkippableFact]
    public async Task Each_published_event_carries_its_kinds_and_a_consumer_reads_only_its_kinds_and_rows_written_before_kinds_were_tagged()
    {
        using var folder = new TempFolder();
        var options = await OptionsAsync(folder.Path);
        await using var node = await LedgerNode.StartAsync(options, null, Setup.None);
        await Setup.Participant(node.Ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(node.Ledger, "0002", 1_000_000m, 1_000_000m);
        Assert.True((await node.Ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await node.Ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 10_000, Setup.None)).Ok);
        var results = await node.Ledger.SubmitAsync(
        [
            Setup.Do("DO-SL", "0001", "0002", 10, 1_020m),
            Setup.Do("DO-T1", "0001", "0002", 10, 1_000m) with { ReasonCode = "TRADE" },
            Setup.Do("DO-T2", "0001", "0002", 10, 1_000m) with { ReasonCode = "TRADE" },
            Setup.Do("DO-U", "0001", "0002", 10, 1_000m) with { ReasonCode = "ODD_LOT" },
        ], Setup.None);
        Assert.All(results, r => Assert.True(r.Accepted, r.Error?.Message));
        foreach (var id in new[] { "DO-SL", "DO-T1", "DO-T2", "DO-U" }) await Eventually.Status(node.Ledger, id, "completed");
        Assert.True((await node.Ledger.CloseAsync(Setup.None)).Ok);
        var table = node.JournalTable!;

        async Task<string[]> Read(params string[] kinds)
        {
            var query = new TagQuery(SettlementPublication.Tag) { KindPrefix = SettlementPublication.KindPrefix, Kinds = kinds };
            var rows = await table.TaggedAfterAsync(query, 0, long.MaxValue, 1_000, Setup.None);
            // The newest matching row is what a caught-up wait aims at.
            Assert.Equal(rows.Count == 0 ? 0 : rows[^1].Ordering, await table.HighestTaggedOrderingAsync(query, Setup.None));
            return [.. rows.SelectMany(r => new PublishedEvent(r.Ordering, r.PersistenceId, r.SequenceNr, r.Manifest, r.Event).SettlementFacts())
                .Select(f => f switch { DeliverOrderSettled d => $"{d.Order.Id}@{d.Participant}", BusinessDayClosedAt c => $"close@{c.Participant}", _ => f.ToString() })
                .Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["DO-SL@0001", "DO-SL@0002"], await Read(SettlementPublication.ReasonKind("SL")));
        Assert.Equal(["DO-T1@0001", "DO-T1@0002", "DO-T2@0001", "DO-T2@0002"], await Read(SettlementPublication.ReasonKind("TRADE")));
        Assert.Equal(["DO-U@0001", "DO-U@0002"], await Read(SettlementPublication.ReasonKind("ODD_LOT")));
        Assert.Equal(["close@0001", "close@0002"], await Read(SettlementPublication.CloseKind));
        Assert.Empty(await Read(SettlementPublication.ReasonKind("SLR"), SettlementPublication.ReclaimKind));
        Assert.Equal(10, (await table.TaggedAfterAsync(SettlementPublication.Tag, 0, long.MaxValue, 1_000, Setup.None)).Count);

        // A row written before kinds were tagged (its tags column holds the published tag alone) is
        // read by every consumer, which then filters on the decoded facts.
        var legacy = (await table.TaggedAfterAsync(SettlementPublication.Tag, 0, long.MaxValue, 1_000, Setup.None))
            .First(r => r.Event is ReceiveCompleted { Order.Id: "DO-T2" }).Ordering;
        await SetTagsAsync(options, legacy, ";" + SettlementPublication.Tag + ";");
        Assert.Equal(["DO-SL@0001", "DO-SL@0002", "DO-T2@0002"], await Read(SettlementPublication.ReasonKind("SL")));
        Assert.Equal(["DO-T1@0001", "DO-T1@0002", "DO-T2@0001", "DO-T2@0002"], await Read(SettlementPublication.ReasonKind("TRADE")));
        Assert.Equal(["DO-T2@0002", "close@0001", "close@0002"], await Read(SettlementPublication.CloseKind));
    }

    /// <summary>Overwrites the tags column of the journal row at <paramref name="ordering"/> (the store's own SQL).</summary>
    protected abstract Task SetTagsAsync(LedgerNodeOptions options, long ordering, string tags);

    /// <summary>The offsets the consumer stored, in order, read from its own journal.</summary>
    private static async Task<IReadOnlyList<long>> StoredOffsets(LedgerNodeOptions options)
    {
        var table = JournalTable.Of(new StoreSettings(options.Store, options.Connection, options.DataDir));
        return (await table.ConsumerOffsetsAsync(ConsumerName, Setup.None)).Select(o => o.Offset).ToList();
    }
}

/// <summary>How the test target behaves.</summary>
internal sealed record TargetMode(int? HangAfterApplyingNth, int? HangBeforeApplyingNth)
{
    public static readonly TargetMode Normal = new(null, null);

    /// <summary>Applies the nth event handed to it in this run (durably), then never confirms: killed between applying and confirming.</summary>
    public static TargetMode HangAfterApplying(int n) => new(n, null);

    /// <summary>Never answers the nth event handed to it in this run, without applying it: the events before it are confirmed and the offset not yet stored.</summary>
    public static TargetMode HangBeforeApplying(int n) => new(null, n);
}

/// <summary>
/// A target as a subscribing context would write one: it applies each published event in one
/// transaction with the record of its key (a primary key in a real SQLite file), so that an event
/// handed again changes nothing.
/// </summary>
internal sealed class DedupTarget : IPublishedEventHandler, IDisposable
{
    private readonly string _connection;
    private readonly object _gate = new();
    private TargetMode _mode = TargetMode.Normal;
    private int _handed;

    public DedupTarget(string file)
    {
        _connection = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString();
        using var c = Open();
        using var command = c.CreateCommand();
        command.CommandText = "CREATE TABLE applied (key TEXT PRIMARY KEY, offset INTEGER NOT NULL, manifest TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    /// <summary>Completed when the target "dies" in this run.</summary>
    public TaskCompletionSource Killed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Events handed again after they were applied.</summary>
    public int Duplicates { get; private set; }

    public TargetMode Mode
    {
        set
        {
            lock (_gate)
            {
                _mode = value;
                _handed = 0;
                Killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public Task HandleAsync(PublishedEvent published, CancellationToken ct)
    {
        lock (_gate)
        {
            var n = ++_handed;
            if (_mode.HangBeforeApplyingNth == n)
            {
                Killed.TrySetResult();
                return new TaskCompletionSource().Task;
            }
            using var c = Open();
            using var transaction = c.BeginTransaction();
            using var command = c.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO applied (key, offset, manifest) VALUES (@key, @offset, @manifest)";
            command.Parameters.AddWithValue("@key", published.Key);
            command.Parameters.AddWithValue("@offset", published.Offset);
            command.Parameters.AddWithValue("@manifest", published.Manifest);
            if (command.ExecuteNonQuery() == 0) Duplicates++;
            transaction.Commit();
            if (_mode.HangAfterApplyingNth == n)
            {
                Killed.TrySetResult();
                return new TaskCompletionSource().Task;
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>What the target applied, by key.</summary>
    public IReadOnlyDictionary<string, long> Applied()
    {
        using var c = Open();
        using var command = c.CreateCommand();
        command.CommandText = "SELECT key, offset FROM applied";
        using var reader = command.ExecuteReader();
        var applied = new Dictionary<string, long>();
        while (reader.Read()) applied.Add(reader.GetString(0), reader.GetInt64(1));
        return applied;
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connection);
        c.Open();
        return c;
    }

    public void Dispose() => SqliteConnection.ClearAllPools();
}

[Collection("cluster")]
public sealed class SqlitePublishedEventConsumerTests : PublishedEventConsumerTests
{
    protected override Task<LedgerNodeOptions> OptionsAsync(string folder) =>
        Task.FromResult(new LedgerNodeOptions { DataDir = folder, ResendInterval = TimeSpan.FromMilliseconds(200) });

    protected override async Task SetTagsAsync(LedgerNodeOptions options, long ordering, string tags)
    {
        await using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(options.DataDir));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE journal SET tags = $tags WHERE ordering = $ordering";
        command.Parameters.AddWithValue("$tags", tags);
        command.Parameters.AddWithValue("$ordering", ordering);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}

/// <summary>On PostgreSQL, on the test process's throwaway server; under CI=true a missing server fails the test.</summary>
[Collection("cluster")]
public sealed class PostgresPublishedEventConsumerTests(PostgresFixture postgres) : PublishedEventConsumerTests, IClassFixture<PostgresFixture>
{
    protected override async Task<LedgerNodeOptions> OptionsAsync(string folder) =>
        new() { Store = "postgres", Connection = await postgres.CreateDatabaseAsync("ledger_consumer"), DataDir = folder, ResendInterval = TimeSpan.FromMilliseconds(200) };

    protected override async Task SetTagsAsync(LedgerNodeOptions options, long ordering, string tags)
    {
        await using var connection = new Npgsql.NpgsqlConnection(options.Connection);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE journal SET tags = @tags WHERE ordering = @ordering";
        command.Parameters.AddWithValue("tags", tags);
        command.Parameters.AddWithValue("ordering", ordering);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
