using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Journal.Tests;

/// <summary>
/// <see cref="GroupCommitJournal"/> on a real store: writes of many persistent actors that arrive
/// together share transactions, each actor still recovers exactly its own events in order, and an
/// event that cannot be serialized rejects only its own write.
/// </summary>
public abstract class GroupCommitJournalTests
{
    private const int Writers = 120;
    private const int EventsPerWriter = 12;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    protected abstract Task<StoreSettings> CreateStoreAsync();

    /// <summary>
    /// Takes the store's write lock from a connection of its own (the journal's tables exist by
    /// then), until disposed: writes wait for it meanwhile.
    /// </summary>
    private static async Task<IAsyncDisposable> HoldWriteLockAsync(StoreSettings store)
    {
        var connection = TestStores.Connect(store);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // SQLite: any write takes the database's one write lock until commit. PostgreSQL: the
            // journal's inserts wait for an exclusive table lock.
            command.CommandText = store.Store == StoreConfig.Sqlite
                ? "CREATE TABLE IF NOT EXISTS write_lock_holder (x INTEGER); INSERT INTO write_lock_holder VALUES (1)"
                : "LOCK TABLE journal IN EXCLUSIVE MODE";
            await command.ExecuteNonQueryAsync();
        }
        return new LockHolder(connection, transaction);
    }

    private sealed class LockHolder(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Writes_arriving_together_share_a_transaction_and_each_actor_recovers_its_own_events_in_order()
    {
        var store = await CreateStoreAsync();
        StoreConfig.Prepare(store);
        var events = SampleEvents.Stream(EventsPerWriter);
        // One write first, from an actor system of its own (its transactions are not counted): the
        // journal creates its tables, which the write lock below is taken on.
        var warmUp = ActorSystem.Create("group-commit-warm-up-" + Guid.NewGuid().ToString("N"), SystemConfig(store));
        try
        {
            var writer = warmUp.ActorOf(Props.Create(() => new Writer("warm-up")), "warm-up");
            await writer.Ask<long>(new Write([events[0]], 1, -1), Timeout);
        }
        finally
        {
            await warmUp.Terminate().WaitAsync(Timeout);
        }
        var systemName = "group-commit-" + Guid.NewGuid().ToString("N");
        var writesPerTransaction = new ConcurrentBag<int>();
        using var listener = Listen(systemName, writesPerTransaction);

        var system = ActorSystem.Create(systemName, SystemConfig(store));
        try
        {
            var writers = Enumerable.Range(0, Writers)
                .Select(i => system.ActorOf(Props.Create(() => new Writer($"account-{i:0000}")), $"writer-{i}"))
                .ToList();
            // Every writer persists in several writes of two events; all of them at once. Another
            // connection holds the store's write lock meanwhile, so the journal's first transaction
            // waits and the writes of the others arrive while it is in flight, however busy the
            // machine is (without it, each write could finish before the next one arrives).
            var holder = await HoldWriteLockAsync(store);
            var writing = writers.Select(w => w.Ask<long>(new Write(events.Select(e => (object)e).ToList(), 2, -1), Timeout)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(1));
            await holder.DisposeAsync();
            var written = await Task.WhenAll(writing);
            Assert.All(written, last => Assert.Equal(EventsPerWriter, last));
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }

        // One write per actor: its six PersistAll calls of one command reach the journal together.
        Assert.Equal(Writers, writesPerTransaction.Sum());
        Assert.True(writesPerTransaction.Max() > 1, $"no transaction combined writes: {string.Join(",", writesPerTransaction)}");

        var reading = ActorSystem.Create(systemName, SystemConfig(store));
        try
        {
            foreach (var i in new[] { 0, 1, 57, Writers - 1 })
            {
                var recovered = await Recover(reading, $"account-{i:0000}");
                Assert.Equal(Enumerable.Range(1, EventsPerWriter).Select(n => (long)n), recovered.Select(r => r.SequenceNr));
                Assert.Equal(events, recovered.Select(r => r.Event));
            }
        }
        finally
        {
            await reading.Terminate().WaitAsync(Timeout);
        }

        await using var connection = TestStores.Connect(store);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(DISTINCT persistence_id), min(identifier), max(identifier) FROM journal WHERE persistence_id LIKE 'account-%'";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(Writers * EventsPerWriter, Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Writers, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(LedgerSerializer.SerializerId, Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(LedgerSerializer.SerializerId, Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
    }

    [SkippableFact]
    public async Task An_event_that_cannot_be_serialized_rejects_its_own_write_and_no_other()
    {
        var store = await CreateStoreAsync();
        StoreConfig.Prepare(store);
        var events = SampleEvents.Stream(6).Select(e => (object)e).ToList();
        var systemName = "group-commit-" + Guid.NewGuid().ToString("N");
        var system = ActorSystem.Create(systemName, SystemConfig(store));
        try
        {
            var others = Enumerable.Range(0, 40)
                .Select(i => system.ActorOf(Props.Create(() => new Writer($"account-{i:0000}")), $"other-{i}"))
                .ToList();
            var victim = system.ActorOf(Props.Create(() => new Writer("account-9999")), "victim");
            // The victim's third write (of one event each) holds an event the ledger serializer refuses.
            var rejected = victim.Ask<object>(new Write([.. events.Take(2), new Unstorable("no manifest"), .. events.Skip(2)], 1, 2), Timeout);
            var written = await Task.WhenAll(others.Select(w => w.Ask<long>(new Write(events, 1, -1), Timeout)));
            Assert.All(written, last => Assert.Equal(events.Count, last));
            Assert.Equal(events.Count + 1, Assert.IsType<long>(await rejected));
        }
        finally
        {
            await system.Terminate().WaitAsync(Timeout);
        }

        var reading = ActorSystem.Create(systemName, SystemConfig(store));
        try
        {
            var victim = await Recover(reading, "account-9999");
            Assert.Equal(new long[] { 1, 2, 4, 5, 6, 7 }, victim.Select(r => r.SequenceNr));
            Assert.Equal(events, victim.Select(r => r.Event));
            var other = await Recover(reading, "account-0007");
            Assert.Equal(events, other.Select(r => r.Event));
        }
        finally
        {
            await reading.Terminate().WaitAsync(Timeout);
        }
    }

    private static MeterListener Listen(string systemName, ConcurrentBag<int> writesPerTransaction)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GroupCommitJournal.MeterName && instrument.Name == GroupCommitJournal.WritesPerTransactionName)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "actor_system" && (string?)tag.Value == systemName) writesPerTransaction.Add(value);
            }
        });
        listener.Start();
        return listener;
    }

    private static async Task<IReadOnlyList<(long SequenceNr, object Event)>> Recover(ActorSystem system, string persistenceId)
    {
        var done = new TaskCompletionSource<IReadOnlyList<(long, object)>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new Reader(persistenceId, done)));
        return await done.Task.WaitAsync(Timeout);
    }

    private static Config SystemConfig(StoreSettings store) =>
        ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.serialization-bindings { "Ledger.Journal.Tests.Unstorable, Ledger.Journal.Tests" = ledger }
            """)
            .WithFallback(StoreConfig.BuildWithLedgerDefaults(store));

    /// <summary>Persist <paramref name="Events"/> in writes of <paramref name="PerWrite"/> events, all in one command.</summary>
    private sealed record Write(IReadOnlyList<object> Events, int PerWrite, int RejectedWrite);

    private sealed class Writer : ReceivePersistentActor
    {
        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<object>(_ => { });
            Command<Write>(write =>
            {
                var replyTo = Sender;
                var chunks = write.Events.Chunk(write.PerWrite).ToList();
                // The handler runs once per persisted event; a rejected write's never.
                var remaining = write.Events.Count - (write.RejectedWrite >= 0 ? chunks[write.RejectedWrite].Length : 0);
                foreach (var chunk in chunks)
                {
                    PersistAll(chunk, _ =>
                    {
                        if (--remaining == 0) replyTo.Tell(LastSequenceNr);
                    });
                }
            });
        }

        public override string PersistenceId { get; }
    }

    private sealed class Reader : ReceivePersistentActor
    {
        public Reader(string persistenceId, TaskCompletionSource<IReadOnlyList<(long, object)>> done)
        {
            PersistenceId = persistenceId;
            var replayed = new List<(long, object)>();
            Recover<RecoveryCompleted>(_ => done.TrySetResult(replayed));
            Recover<object>(e => replayed.Add((LastSequenceNr, e)));
            CommandAny(_ => { });
        }

        public override string PersistenceId { get; }
    }
}

/// <summary>Bound to the ledger serializer in these tests, which has no manifest for it: it cannot be stored.</summary>
public sealed record Unstorable(string Note);

public sealed class SqliteGroupCommitJournalTests : GroupCommitJournalTests, IDisposable
{
    private readonly TempDirectory _dataDir = new("ledger-group-commit");

    protected override Task<StoreSettings> CreateStoreAsync() => Task.FromResult(new StoreSettings(StoreConfig.Sqlite, null, _dataDir.Path));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dataDir.Dispose();
    }
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresGroupCommitJournalTests(PostgresFixture postgres) : GroupCommitJournalTests
{
    protected override async Task<StoreSettings> CreateStoreAsync() =>
        new(StoreConfig.Postgres, await postgres.CreateDatabaseAsync("ledger_group_commit"), DataDir: "unused-for-postgres");
}
