using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Pattern;
using Ledger.Journal;
using Ledger.Recalls;
using Ledger.Recalls.Fin;
using Ledger.Settlement;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>
/// The recall hub's part of a node: the sharded mailboxes (one per subscriber) and registry, the
/// gateway onto them (<see cref="Hub"/>), and the consumer of settlement's published events that
/// writes the eligibility file at each business-day close.
/// </summary>
public sealed class RecallsContext : IClusterContext
{
    public const string MailboxRegion = "recall-mailbox";
    public const string RegistryRegion = "recall-registry";

    /// <summary>The consumer's name: its offset journal is <c>published-consumer-recalls</c>.</summary>
    public const string ConsumerName = "recalls";

    public string Name => "recalls";

    // After settlement, whose published events it reads.
    public int StartOrder => 20;

    /// <summary>The gateway, once started.</summary>
    public RecallHub? Hub { get; private set; }

    public async Task StartAsync(ClusterContextStart start, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(start);
        var (sharding, settings, options) = (start.Sharding, start.Settings, start.Options);
        var extractor = new RecallsMessageExtractor(RecallsMessageExtractor.ShardCountDefault);
        IActorRef? mailboxes = null;
        // A mailbox sends to other mailboxes through its own region, known once the region has started.
        mailboxes = await sharding.StartAsync(MailboxRegion,
            participant => MailboxActor.Props(participant, mailboxes!, options.Clock, options.ResendInterval, FinWriter.DefaultHubTerminal), settings, extractor);
        var registry = await sharding.StartAsync(RegistryRegion, _ => RegistryActor.Props(options.Clock), settings, extractor);
        Hub = new RecallHub(mailboxes, registry, options);

        if (start.Journal is { } table)
        {
            // As LedgerNode.StartConsumer runs one (the node does not exist yet while contexts start):
            // a cluster singleton (one offset journal, one writer), restarted with back-off after a failure.
            var consumer = PublishedEventConsumer.Props(EligibilityAtClose.Settings, table, new EligibilityAtClose(Hub));
            var supervised = BackoffSupervisor.Props(Backoff.OnStop(consumer, "consumer", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2, -1));
            start.System.ActorOf(ClusterSingletonManager.Props(supervised, PoisonPill.Instance, ClusterSingletonManagerSettings.Create(start.System)),
                Journals.ConsumerPrefix + ConsumerName);
        }
        else
        {
            start.LoggerFactory.CreateLogger("Ledger.Recalls").LogWarning("The memory store has no journal to read settlement's closes from: no eligibility file is written");
        }
    }
}

/// <summary>
/// Writes the eligibility file at each business-day close: every account publishes the close of
/// its day, and the first of them has the registry write the next date's file; the others (and a
/// close handed again after a crash) find it written and change nothing.
/// </summary>
public sealed class EligibilityAtClose(RecallHub hub) : IPublishedEventHandler
{
    /// <summary>What it reads: settlement's published closes only (the journal's query skips every completion undecoded).</summary>
    public static ConsumerSettings Settings { get; } = new(RecallsContext.ConsumerName, SettlementPublication.Tag)
    {
        KindPrefix = SettlementPublication.KindPrefix,
        Kinds = [SettlementPublication.CloseKind],
    };

    public async Task HandleAsync(PublishedEvent published, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(published);
        foreach (var fact in published.SettlementFacts())
        {
            if (fact is not BusinessDayClosedAt closed) continue;
            var outcome = await hub.ChangeRegistryAsync(
                new WriteEligibilityFile(Date(closed.ClosedDate), Date(closed.NextDate), hub.Now), ct);
            if (outcome.Error is { } error) throw new InvalidOperationException($"the eligibility file for {closed.NextDate} was refused: {error.Message}");
        }
    }

    private static DateOnly Date(string text) =>
        Dates.TryParse(text, out var date) ? date : throw new InvalidOperationException($"a published close names the date '{text}', not yyyy-MM-dd");
}
