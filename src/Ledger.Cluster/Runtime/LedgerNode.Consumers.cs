using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Pattern;
using Ledger.Journal;

namespace Ledger.Cluster;

// Published-event consumers: one per subscribing context, started by that context on every node.
public sealed partial class LedgerNode
{
    /// <summary>
    /// Starts the consumer <paramref name="settings"/> names, delivering to
    /// <paramref name="handler"/>. Call it on every node with the same name and an equivalent
    /// handler: it runs as a cluster singleton (one journal, one writer), moves to a survivor when
    /// its node goes, and restarts after a failure (a failed offset write stops it; it then
    /// recovers its offset and reads on from there).
    /// </summary>
    /// <exception cref="InvalidOperationException">The node runs on the memory store, which has no journal table to read.</exception>
    public IActorRef StartConsumer(ConsumerSettings settings, IPublishedEventHandler handler) => StartConsumer(System, JournalTable, settings, handler);

    /// <summary>The same, for a context starting in <paramref name="system"/> before its node is built (<see cref="ClusterContextStart"/>).</summary>
    public static IActorRef StartConsumer(ActorSystem system, JournalTable? journal, ConsumerSettings settings, IPublishedEventHandler handler)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(handler);
        settings.Check();
        var table = journal ?? throw new InvalidOperationException("published events are read from a SQL journal; the memory store has none");
        var consumer = PublishedEventConsumer.Props(settings, table, handler);
        var supervised = BackoffSupervisor.Props(Backoff.OnStop(consumer, "consumer", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, -1));
        return system.ActorOf(ClusterSingletonManager.Props(supervised, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(system)),
            Journals.ConsumerPrefix + settings.Name);
    }
}
