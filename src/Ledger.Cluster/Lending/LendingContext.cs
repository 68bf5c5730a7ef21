using Akka.Actor;
using Ledger.Journal;
using Ledger.Lending;
using Microsoft.Extensions.Logging;
using ReferenceSnapshot = Ledger.Settlement.ReferenceSnapshot;
using SettlementPublication = Ledger.Settlement.SettlementPublication;

namespace Ledger.Cluster.Lending;

/// <summary>
/// The lending context's part of a node: the lending region (loan books, the directory, lending
/// days; one persistent entity each), the consumer of settlement's published events (loans,
/// returns, reclaims, mark outcomes), its step in the close (rebates) and at the open (marks), and
/// the gateway the host calls (hung on settlement's gateway, <see cref="ClusterLedger.Services"/>).
/// </summary>
public sealed class LendingContext : IClusterContext
{
    public const string Region = "lending";

    public string Name => "lending";

    // After settlement: it consumes settlement's published events and submits payment orders to it.
    public int StartOrder => 12;

    public LendingGateway? Gateway { get; private set; }

    public async Task StartAsync(ClusterContextStart start, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(start);
        var ledger = start.Contexts.OfType<SettlementContext>().Single().Ledger
            ?? throw new InvalidOperationException("lending starts after settlement");
        var options = start.Options;
        var rules = LendingRules.Default(options.TimeZone);
        var log = start.LoggerFactory.CreateLogger("Ledger.Lending");
        IActorRef? lending = null;
        lending = await start.Sharding.StartAsync(Region,
            entityId => LendingEntities.PropsOf(entityId, new LendingEntityServices(lending!, ledger, rules, options.Clock, options.ResendInterval, options.AskTimeout)),
            start.Settings, new LendingMessageExtractor(LedgerMessageExtractor.ShardCountDefault));
        Gateway = new LendingGateway(lending, ledger, options.Clock, options.AskTimeout, rules, log);
        ledger.Services.Add(Gateway);
        ledger.Services.Add(new LendingReports(start.Journal, rules));
        if (start.Journal is not { } journal) return; // the memory store publishes nothing to consume
        var consumer = new LendingConsumer(Gateway, journal, options.Clock, log);
        LedgerNode.StartConsumer(start.System, journal, LendingConsumer.Settings, consumer);
        // Recalls made available by the hub (the hub's context starts after this one: asked for when a cancel needs it).
        var recalls = new LendingRecallConsumer(Gateway, () => start.Contexts.OfType<RecallsContext>().SingleOrDefault()?.Hub, journal, options.Clock, log);
        LedgerNode.StartConsumer(start.System, journal, LendingRecallConsumer.Settings, recalls);
        var steps = new LendingDaySteps(Gateway, consumer, ledger, options.AskTimeout, log) { Recalls = recalls };
        ledger.Services.AddCloseStep(steps);
        ledger.Services.AddOpenStep(steps);
        // A node that stopped between the open and its marks (or whose marks waited on outcomes)
        // finishes them: the lending day keeps what was done, so running the open again is safe.
        var stop = new CancellationTokenSource();
        start.System.RegisterOnTermination(stop.Cancel);
        _ = Task.Run(() => steps.ResumeLoopAsync(options.ResendInterval, stop.Token), CancellationToken.None);
    }
}

/// <summary>
/// The lending context's steps in settlement's day:
/// - after every account closed D: wait until the lending consumer has read every settlement
///   event written so far (every completion and mark outcome of D reached its book), then every
///   book accrues its rebates for D;
/// - once N is open: wait again (the close's drops of marks), then every book marks from D's
///   close prices, and the marks leave as payment orders for N.
/// Each is idempotent (the lending day and the books record what was done).
/// </summary>
public sealed class LendingDaySteps : IBusinessDayCloseStep, IBusinessDayOpenStep
{
    private readonly LendingGateway _lending;
    private readonly LendingConsumer _consumer;
    private readonly ClusterLedger _ledger;
    private readonly TimeSpan _timeout;
    private readonly ILogger _log;

    public LendingDaySteps(LendingGateway lending, LendingConsumer consumer, ClusterLedger ledger, TimeSpan timeout, ILogger log)
    {
        _lending = lending;
        _consumer = consumer;
        _ledger = ledger;
        _timeout = timeout;
        _log = log;
    }

    /// <summary>The consumer of the hub's recalls: the close waits for it too, so that a recall made available on D counts from D.</summary>
    public LendingRecallConsumer? Recalls { get; init; }

    public async Task AfterAccountsClosedAsync(DateOnly closed, DateOnly next, ReferenceSnapshot reference, CancellationToken ct)
    {
        await _consumer.CaughtUpAsync(_timeout, ct);
        if (Recalls is { } recalls)
        {
            try
            {
                await recalls.CaughtUpAsync(_timeout, ct);
            }
            catch (TimeoutException e)
            {
                // The rebates of D do not wait on the hub: a recall read late counts from the day it is read.
                _log.LogWarning("The close of {Date} goes on before every recall was read: {Message}", closed, e.Message);
            }
        }
        await _lending.CloseAsync(closed, reference, ct);
    }

    public async Task AfterOpenedAsync(DateOnly closed, DateOnly opened, ReferenceSnapshot reference, CancellationToken ct)
    {
        try
        {
            await _consumer.CaughtUpAsync(_timeout, ct);
            await _lending.OpenAsync(closed, opened, reference, ct);
        }
        catch (Exception e) when (e is TimeoutException or AskTimeoutException or LedgerBusyException)
        {
            // The day is open either way: the resume loop finishes the marks.
            _log.LogWarning(e, "The marks of {Date} did not finish at the open; they are resumed", opened);
        }
    }

    /// <summary>Runs the open of the business day the reference data has open, until its marks are done (and again after each new open).</summary>
    public async Task ResumeLoopAsync(TimeSpan interval, CancellationToken ct)
    {
        DateOnly? done = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, ct);
                var reference = await _ledger.ReferenceAsync(ct);
                if (reference.LastClosed is not { } last || reference.BusinessDate != last.NextBusinessDate || reference.Closing || done == reference.BusinessDate) continue;
                await _consumer.CaughtUpAsync(_timeout, ct);
                if (await _lending.OpenAsync(last.BusinessDate, reference.BusinessDate, reference, ct)) done = reference.BusinessDate;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogInformation("The lending open is resumed later: {Message}", e.Message);
            }
        }
    }
}
