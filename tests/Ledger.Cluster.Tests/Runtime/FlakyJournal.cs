using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The SQL journal with injected write failures for account entities (modelled on Akka's
/// ChaosJournal): a failed write writes nothing, and the account must recover from what was.
/// </summary>
public sealed class FlakyJournal(Akka.Configuration.Config config) : Ledger.Journal.GroupCommitJournal(config)
{
    private static readonly object Gate = new();
    private static Random _random = new(1);
    private static double _failureRate;
    private static int _failures;

    public static readonly System.Collections.Concurrent.ConcurrentBag<string> FailedWrites = new();

    public static int Failures => Volatile.Read(ref _failures);

    /// <summary>Sets the failure rate; the failure count goes on across calls.</summary>
    public static void Configure(int seed, double failureRate)
    {
        lock (Gate)
        {
            _random = new Random(seed);
            _failureRate = failureRate;
        }
    }

    public static void ResetCount() => Interlocked.Exchange(ref _failures, 0);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        bool fail;
        lock (Gate)
        {
            fail = writes[0].PersistenceId.StartsWith("account-", StringComparison.Ordinal) && _random.NextDouble() < _failureRate;
        }
        if (!fail) return base.WriteMessagesAsync(writes, cancellationToken);
        Interlocked.Increment(ref _failures);
        foreach (var w in writes)
        {
            foreach (var r in (IEnumerable<IPersistentRepresentation>)w.Payload)
            {
                FailedWrites.Add($"{r.PersistenceId}#{r.SequenceNr} {r.Payload}");
            }
        }
        return Task.FromException<IImmutableList<Exception>>(new IOException("injected journal write failure"));
    }
}
