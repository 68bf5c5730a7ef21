using Akka.Actor;
using Ledger.Income;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster.Income;

/// <summary>
/// Income tracking's part of a node: the income region (memo accounts, adjustments, the halt
/// register, the distribution schedule, payable-date runs; one persistent entity each), the
/// consumer of settlement's published events, its step in the close, and the gateway the host
/// calls (hung on settlement's gateway, <see cref="ClusterLedger.Services"/>).
/// </summary>
public sealed class IncomeContext : IClusterContext
{
    public const string Region = "income";

    public string Name => "income";

    // After settlement: it consumes settlement's published events and hangs on its gateway.
    public int StartOrder => 10;

    public IncomeGateway? Gateway { get; private set; }

    public async Task StartAsync(ClusterContextStart start, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(start);
        var ledger = start.Contexts.OfType<SettlementContext>().Single().Ledger
            ?? throw new InvalidOperationException("income starts after settlement");
        var options = start.Options;
        var settings = IncomeSettings.Default.Validated();
        // Settlement started the account region on this node: income postings go to it.
        var accounts = start.Sharding.ShardRegion(LedgerNode.AccountRegion);
        IActorRef? income = null;
        income = await start.Sharding.StartAsync(Region,
            entityId => IncomeEntities.PropsOf(entityId, new IncomeEntityServices(income!, accounts, options.Clock, options.ResendInterval, options.AskTimeout, settings)),
            start.Settings, new IncomeMessageExtractor(LedgerMessageExtractor.ShardCountDefault));
        Gateway = new IncomeGateway(income, ledger, start.Journal, options.Clock, options.AskTimeout, settings);
        ledger.Services.Add(Gateway);
        if (start.Journal is not { } journal) return; // the memory store publishes nothing to consume
        var log = start.LoggerFactory.CreateLogger("Ledger.Income");
        var consumer = new IncomeConsumer(Gateway, journal, options.Clock, log);
        LedgerNode.StartConsumer(start.System, journal, consumer.Settings, consumer);
        ledger.Services.AddCloseStep(new IncomeCloseStep(Gateway, consumer, ledger, options.Clock, options.AskTimeout, log));
    }
}
