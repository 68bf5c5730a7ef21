using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using Ledger.Journal;

namespace Ledger.Cluster.Telemetry;

/// <summary>
/// One readiness check: its name, whether it held, a sentence safe to show anyone (the health
/// endpoint needs no token), and for the node's own log the cause when it did not hold.
/// </summary>
/// <param name="Rule">The problem rule a failure of this check answers with, when it has its own (a store fault's).</param>
public sealed record HealthCheck(string Name, bool Ok, string Detail, string? Cause = null, string? Rule = null)
{
    public const string ClusterName = "cluster";
    public const string JournalName = "journal";
    public const string StoreName = "store";
    public const string JournalsName = "journals";
}

/// <summary>What a node checks before it says it is ready, beyond the ledger answering.</summary>
public interface INodeHealth
{
    /// <summary>Every check, each bounded by <paramref name="timeout"/>; never throws for a failed check.</summary>
    Task<IReadOnlyList<HealthCheck>> CheckAsync(TimeSpan timeout, CancellationToken ct);

    /// <summary>The fault the store is in now (a replaced or removed file, a full disk, a read-only or unreachable store); null while it takes writes.</summary>
    StoreFault? StoreFault => null;

    /// <summary>Cancelled when the next store failure is reported, so that a request in flight can answer with it at once.</summary>
    CancellationToken NextStoreFailure => CancellationToken.None;
}

/// <summary>
/// A node is ready when its cluster member is Up, its journal answers and its store is in no known
/// fault (<see cref="StoreHealth"/>: the SQLite file replaced or removed, a full disk, a read-only or
/// unreachable store). It also lists the entities on it whose journal recovery found damaged
/// (<c>journals</c>). The journal check is a
/// round trip through the node's own write journal (the plugin its accounts persist through):
/// asking for the highest sequence number of a persistence id that never has events costs one
/// small query on the store and replays nothing.
/// </summary>
public sealed class NodeHealth(ActorSystem system) : INodeHealth
{
    /// <summary>A persistence id no actor uses: the probe reads it, nothing ever writes it.</summary>
    public const string ProbePersistenceId = "ledger-readiness-probe";

    public async Task<IReadOnlyList<HealthCheck>> CheckAsync(TimeSpan timeout, CancellationToken ct)
    {
        var cluster = Cluster();
        var journal = await JournalAsync(timeout, ct);
        return [cluster, journal, Store(), Journals()];
    }

    /// <summary>Damaged journals named in the readiness answer at most; the count covers them all.</summary>
    public const int DamagedNamedMax = 20;

    /// <summary>
    /// The entities on this node that refuse to serve because their journal is damaged: persistence
    /// id, event and finding only (the endpoint needs no token; the chains and manifests are in the log).
    /// </summary>
    private HealthCheck Journals()
    {
        if (system.WhenTerminated.IsCompleted)
            return new HealthCheck(HealthCheck.JournalsName, false, "the node's actor system has stopped");
        var damaged = LedgerTelemetry.Of(system).DamagedJournals;
        if (damaged.Count == 0) return new HealthCheck(HealthCheck.JournalsName, true, "every journal recovered on this node is intact");
        var named = string.Join(", ", damaged.Take(DamagedNamedMax).Select(f => $"{f.PersistenceId} (event {f.SequenceNr}: {f.Name})"));
        var more = damaged.Count > DamagedNamedMax ? $" and {damaged.Count - DamagedNamedMax} more" : "";
        return new HealthCheck(HealthCheck.JournalsName, false,
            $"{damaged.Count} {(damaged.Count == 1 ? "entity refuses" : "entities refuse")} to serve, their journal damaged: {named}{more}");
    }

    public StoreFault? StoreFault => StoreHealth.Get(system).Fault;

    public CancellationToken NextStoreFailure => StoreHealth.Get(system).NextFailure;

    private HealthCheck Store() => StoreFault is { } fault
        ? new HealthCheck(HealthCheck.StoreName, false, fault.Detail, Rule: fault.Rule)
        : new HealthCheck(HealthCheck.StoreName, true, "no store fault is known: the last write or probe went through");

    private HealthCheck Cluster()
    {
        if (system.WhenTerminated.IsCompleted)
            return new HealthCheck(HealthCheck.ClusterName, false, "the node's actor system has stopped");
        var self = Akka.Cluster.Cluster.Get(system).SelfMember;
        return self.Status == MemberStatus.Up
            ? new HealthCheck(HealthCheck.ClusterName, true, "this node is an Up member of the cluster")
            : new HealthCheck(HealthCheck.ClusterName, false, $"this node's cluster membership is {self.Status}, not Up");
    }

    private async Task<HealthCheck> JournalAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (system.WhenTerminated.IsCompleted)
            return new HealthCheck(HealthCheck.JournalName, false, "the node's actor system has stopped");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var journal = Persistence.Instance.Apply(system).JournalFor(null);
            // max 0 and toSequenceNr 0: the journal only looks up the highest sequence number.
            var answer = await journal.Ask<object>(replyTo => new ReplayMessages(0, 0, 0, ProbePersistenceId, replyTo), timeout, ct);
            var elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return answer switch
            {
                RecoverySuccess => new HealthCheck(HealthCheck.JournalName, true, $"the journal answered in {elapsedMs:0} ms"),
                ReplayMessagesFailure failure => new HealthCheck(HealthCheck.JournalName, false, "the journal could not be read", failure.Cause.Message),
                _ => new HealthCheck(HealthCheck.JournalName, false, "the journal answered unexpectedly", answer.GetType().Name),
            };
        }
        catch (AskTimeoutException)
        {
            return new HealthCheck(HealthCheck.JournalName, false, $"the journal did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new HealthCheck(HealthCheck.JournalName, false, "the journal could not be reached", e.Message);
        }
    }
}
