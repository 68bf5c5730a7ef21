using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The runtime's group-commit entity on a journal whose writes the test holds open: messages that
/// arrive during a write wait and are written together, the buffer is bounded, nothing is answered
/// before its events are persisted, and a restarted entity recovers every event it answered for.
/// </summary>
public sealed class GroupCommitEntityTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Config = """
        akka.persistence.journal.plugin = "akka.persistence.journal.gated"
        akka.persistence.journal.gated.class = "Ledger.Cluster.Tests.GatedJournal, Ledger.Cluster.Tests"
        akka.persistence.journal.gated.plugin-dispatcher = "akka.actor.default-dispatcher"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    public GroupCommitEntityTests() : base(Config)
    {
    }

    [Fact]
    public async Task Messages_arriving_during_a_write_are_written_together_after_it_and_past_the_bound_are_busy()
    {
        var writes = new List<int>();
        GatedJournal.Close();
        var entity = Sys.ActorOf(Props.Create(() => new CountingEntity("counting-1", writes)));

        entity.Tell("a", TestActor);
        await GatedJournal.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var m in new[] { "b", "c", "d", "e" }) entity.Tell(m, TestActor);

        // The write of "a" is held: b, c and d wait (the bound is 3) and e is refused at once.
        var busy = ExpectMsg<Busy>(TimeSpan.FromSeconds(5));
        Assert.Contains("3 messages waiting", busy.Reason);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        GatedJournal.Open();
        Assert.Equal(["a:1", "b:2", "c:3", "d:4"], ReceiveN(4, TimeSpan.FromSeconds(10)).Cast<string>());
        // One write for a, one for the three that waited.
        Assert.Equal([1, 3], writes);

        // A new incarnation recovers every event it answered for, and goes on from there.
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        var again = Sys.ActorOf(Props.Create(() => new CountingEntity("counting-1", new List<int>())));
        again.Tell("f", TestActor);
        ExpectMsg("f:5", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Persisted_hears_when_the_write_went_to_the_journal_not_when_it_ended()
    {
        // The write is held open between two readings of the clock: the start it reports must lie
        // between them, so the write's confirmation time (an account's write-latency histogram) is measurable.
        var started = new TaskCompletionSource<(long FirstSequenceNr, long StartedTimestamp)>(TaskCreationOptions.RunContinuationsAsynchronously);
        GatedJournal.Close();
        var entity = Sys.ActorOf(Props.Create(() => new TimedEntity("timed-1", started)));
        var beforeTell = Stopwatch.GetTimestamp();
        entity.Tell("a", TestActor);
        await GatedJournal.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var whileHeld = Stopwatch.GetTimestamp();
        Assert.False(started.Task.IsCompleted);

        GatedJournal.Open();
        var (firstSequenceNr, startedTimestamp) = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, firstSequenceNr);
        Assert.InRange(startedTimestamp, beforeTell, whileHeld);
        ExpectMsg("a", TimeSpan.FromSeconds(5));
    }

    /// <summary>Writes each message as its event and reports when its write went to the journal.</summary>
    private sealed class TimedEntity(string persistenceId, TaskCompletionSource<(long, long)> started) : GroupCommitEntity<string>(persistenceId)
    {
        protected override void Evolve(string e, long sequenceNr)
        {
        }

        protected override GroupCommitEffect Decide(object message, IActorRef sender, List<string> events)
        {
            events.Add((string)message);
            return new GroupCommitEffect(message);
        }

        protected override void Persisted(IReadOnlyList<string> written, long firstSequenceNr, long writeStartedTimestamp) =>
            started.TrySetResult((firstSequenceNr, writeStartedTimestamp));
    }

    /// <summary>Counts the messages it persisted; answers each with its count once durable.</summary>
    private sealed class CountingEntity(string persistenceId, List<int> writes) : GroupCommitEntity<string>(persistenceId)
    {
        private int _count;

        protected override int BufferedMessagesMax => 3;

        protected override void Evolve(string e, long sequenceNr) => _count++;

        protected override GroupCommitEffect Decide(object message, IActorRef sender, List<string> events)
        {
            events.Add((string)message);
            _count++;
            return new GroupCommitEffect($"{message}:{_count}");
        }

        protected override void Persisted(IReadOnlyList<string> written, long firstSequenceNr, long writeStartedTimestamp) => writes.Add(written.Count);
    }
}

/// <summary>The in-memory journal with writes the test can hold open.</summary>
public sealed class GatedJournal : MemoryJournal
{
    private static TaskCompletionSource _gate = Opened();

    public static TaskCompletionSource WriteStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static void Close()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WriteStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static void Open() => _gate.TrySetResult();

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        WriteStarted.TrySetResult();
        await _gate.Task;
        return await base.WriteMessagesAsync(messages, cancellationToken);
    }
}
