using System.Data.Common;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Settlement.Events;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.Journal.Tests;

/// <summary>
/// The configured Akka.Persistence.Sql journal, run against a real store: events persisted in
/// batches by one actor system come back in order and equal in a second actor system on the same
/// store, both through actor recovery and through the read journal, and the rows carry the ledger
/// serializer's id, manifests and JSON, never CLR type names. One test body, one subclass per store.
/// </summary>
public abstract class JournalContractTests
{
    private const int EventCount = 360;
    private const int OtherEventCount = 45;
    private const int BatchSize = 25;
    private const string AccountTag = "account";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>A fresh, empty store for this test.</summary>
    protected abstract Task<StoreSettings> CreateStoreAsync();

    [SkippableFact]
    public async Task Events_persisted_in_batches_recover_in_order_in_a_second_actor_system_and_through_the_read_journal()
    {
        var store = await CreateStoreAsync();
        StoreConfig.Prepare(store);
        const string pid = "account-0101";
        const string otherPid = "account-0981";
        var events = SampleEvents.Stream(EventCount);
        var otherEvents = SampleEvents.Stream(OtherEventCount).Reverse().ToArray();
        var expectedSequenceNrs = Enumerable.Range(1, EventCount).Select(i => (long)i).ToArray();

        var writing = ActorSystem.Create("ledger", SystemConfig(store));
        try
        {
            var writer = writing.ActorOf(Props.Create(() => new EventWriter(pid)), "writer");
            var otherWriter = writing.ActorOf(Props.Create(() => new EventWriter(otherPid)), "other-writer");
            var written = writer.Ask<Written>(new Write(events, BatchSize), Timeout);
            var otherWritten = otherWriter.Ask<Written>(new Write(otherEvents, BatchSize), Timeout);
            Assert.Equal(EventCount, (await written).LastSequenceNr);
            Assert.Equal(OtherEventCount, (await otherWritten).LastSequenceNr);
        }
        finally
        {
            await writing.Terminate().WaitAsync(Timeout);
        }

        var reading = ActorSystem.Create("ledger", SystemConfig(store));
        try
        {
            var done = new TaskCompletionSource<IReadOnlyList<(long SequenceNr, object Event)>>(TaskCreationOptions.RunContinuationsAsynchronously);
            reading.ActorOf(Props.Create(() => new EventReader(pid, done)), "reader");
            var recovered = await done.Task.WaitAsync(Timeout);
            Assert.Equal(expectedSequenceNrs, recovered.Select(r => r.SequenceNr));
            Assert.Equal(events, recovered.Select(r => r.Event));

            var readJournal = PersistenceQuery.Get(reading).ReadJournalFor<SqlReadJournal>(StoreConfig.ReadJournalPluginId);
            var materializer = reading.Materializer();
            var envelopes = await readJournal.CurrentEventsByPersistenceId(pid, 0, long.MaxValue)
                .RunWith(Sink.Seq<EventEnvelope>(), materializer).WaitAsync(Timeout);
            Assert.Equal(expectedSequenceNrs, envelopes.Select(e => e.SequenceNr));
            Assert.Equal(events, envelopes.Select(e => e.Event));
            Assert.All(envelopes, e => Assert.Equal(pid, e.PersistenceId));

            // A bound on the sequence number is honoured (replay "up to" without the actor).
            var firstTen = await readJournal.CurrentEventsByPersistenceId(pid, 1, 10)
                .RunWith(Sink.Seq<EventEnvelope>(), materializer).WaitAsync(Timeout);
            Assert.Equal(events.Take(10), firstTen.Select(e => e.Event));

            // Tags written as Csv are read back as Csv: both accounts' account events, each in its own order.
            var tagged = await readJournal.CurrentEventsByTag(AccountTag, Offset.NoOffset())
                .RunWith(Sink.Seq<EventEnvelope>(), materializer).WaitAsync(Timeout);
            Assert.Equal(events.OfType<AccountEvent>(), tagged.Where(e => e.PersistenceId == pid).Select(e => e.Event));
            Assert.Equal(otherEvents.OfType<AccountEvent>(), tagged.Where(e => e.PersistenceId == otherPid).Select(e => e.Event));
        }
        finally
        {
            await reading.Terminate().WaitAsync(Timeout);
        }

        await AssertRowsAreLedgerJsonAsync(store, pid, events);
    }

    private async Task AssertRowsAreLedgerJsonAsync(StoreSettings store, string pid, IReadOnlyList<object> events)
    {
        await using var connection = TestStores.Connect(store);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence_number, identifier, manifest, message, tags FROM journal WHERE persistence_id = @pid ORDER BY sequence_number";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "pid";
        parameter.Value = pid;
        command.Parameters.Add(parameter);

        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var expected = events[rows];
            rows++;
            Assert.Equal(rows, Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(LedgerSerializer.SerializerId, Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(LedgerSerializer.Manifests[expected.GetType()], reader.GetString(2));
            Assert.Equal(LedgerSerializer.ToUtf8Json(expected), (byte[])reader.GetValue(3));
            var tags = reader.IsDBNull(4) ? "" : reader.GetString(4);
            Assert.Equal(expected is AccountEvent, tags.Contains(AccountTag, StringComparison.Ordinal));
        }

        Assert.Equal(events.Count, rows);
    }

    private static Config SystemConfig(StoreSettings store) =>
        ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            """)
            .WithFallback(StoreConfig.BuildWithLedgerDefaults(store));

    private sealed record Write(IReadOnlyList<object> Events, int BatchSize);

    private sealed record Written(long LastSequenceNr);

    /// <summary>Persists a stream with PersistAll in batches; replies once the last event is durable, or with the failure.</summary>
    private sealed class EventWriter : ReceivePersistentActor
    {
        private IActorRef _replyTo = ActorRefs.Nobody;

        public EventWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<object>(_ => { });
            Command<Write>(write =>
            {
                _replyTo = Sender;
                var remaining = write.Events.Count;
                foreach (var batch in write.Events.Chunk(write.BatchSize))
                {
                    PersistAll(batch.Select(e => e is AccountEvent ? new Tagged(e, [AccountTag]) : e), _ =>
                    {
                        remaining--;
                        if (remaining == 0) _replyTo.Tell(new Written(LastSequenceNr));
                    });
                }
            });
        }

        public override string PersistenceId { get; }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _replyTo.Tell(new Status.Failure(cause));
            base.OnPersistFailure(cause, @event, sequenceNr);
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
        {
            _replyTo.Tell(new Status.Failure(cause));
            base.OnPersistRejected(cause, @event, sequenceNr);
        }
    }

    /// <summary>Recovers a persistence id and hands over what it replayed, with sequence numbers.</summary>
    private sealed class EventReader : ReceivePersistentActor
    {
        private readonly TaskCompletionSource<IReadOnlyList<(long SequenceNr, object Event)>> _done;

        public EventReader(string persistenceId, TaskCompletionSource<IReadOnlyList<(long SequenceNr, object Event)>> done)
        {
            PersistenceId = persistenceId;
            _done = done;
            var replayed = new List<(long, object)>();
            Recover<RecoveryCompleted>(_ => done.TrySetResult(replayed));
            Recover<object>(e => replayed.Add((LastSequenceNr, e)));
            CommandAny(_ => { });
        }

        public override string PersistenceId { get; }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            _done.TrySetException(reason);
            base.OnRecoveryFailure(reason, message);
        }
    }
}

public sealed class SqliteJournalTests : JournalContractTests, IDisposable
{
    private readonly TempDirectory _dataDir = new("ledger-journal-sqlite");

    protected override Task<StoreSettings> CreateStoreAsync() => Task.FromResult(new StoreSettings(StoreConfig.Sqlite, null, _dataDir.Path));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dataDir.Dispose();
    }
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresJournalTests(PostgresFixture postgres) : JournalContractTests
{
    protected override async Task<StoreSettings> CreateStoreAsync() =>
        new(StoreConfig.Postgres, await postgres.CreateDatabaseAsync("ledger_journal"), DataDir: "unused-for-postgres");

    [SkippableFact]
    public async Task Each_call_gets_a_fresh_empty_database()
    {
        var first = await postgres.CreateDatabaseAsync("fresh");
        var second = await postgres.CreateDatabaseAsync("fresh");
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        await using var connection = new NpgsqlConnection(second);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", connection);
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }
}

[CollectionDefinition(PostgresFixture.Collection)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
