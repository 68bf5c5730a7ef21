using Akka.Actor;
using Ledger.Journal;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster;

/// <summary>
/// Settlement's part of a node: the sharded accounts, reference data and deliver-order index, the
/// gateway onto them (<see cref="ClusterLedger"/>), and the first business day opened.
/// </summary>
public sealed class SettlementContext : IClusterContext
{
    public string Name => "settlement";

    public int StartOrder => 0;

    /// <summary>The gateway, once started.</summary>
    public ClusterLedger? Ledger { get; private set; }

    public async Task StartAsync(ClusterContextStart start, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(start);
        var (sharding, settings, extractor, options) = (start.Sharding, start.Settings, start.Extractor, start.Options);
        IActorRef? accounts = null;
        // An account sends to other accounts through its own region, known once the region has started.
        accounts = await sharding.StartAsync(LedgerNode.AccountRegion,
            participant => AccountActor.Props(participant, accounts!, options.Clock, options.ResendInterval, options.ReclaimRules), settings, extractor);
        var reference = await sharding.StartAsync(LedgerNode.ReferenceRegion, _ => ReferenceActor.Props(), settings, extractor);
        var index = await sharding.StartAsync(LedgerNode.IndexRegion, bucket => DeliverOrderIndexActor.Props(bucket, options.Clock), settings, extractor);

        Ledger = new ClusterLedger(accounts, reference, index, options, start.Journal, start.Telemetry);
        try
        {
            await Ledger.OpenFirstBusinessDayAsync(ct);
        }
        catch (JournalDamagedException e)
        {
            // The node still serves what does not need the reference data (the status of deliver
            // orders); everything else answers that the reference journal is damaged, and so does readiness.
            start.LoggerFactory.CreateLogger("Ledger.Journal")
                .LogError("{Damage}: the node starts without its reference data; run `ledger verify`", e.Message);
        }
    }
}
