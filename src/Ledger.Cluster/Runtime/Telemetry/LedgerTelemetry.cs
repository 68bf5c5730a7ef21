using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Cluster.Telemetry;

/// <summary>
/// One node's metrics and settlement log. Both are driven by the events an account has just
/// persisted, so they report what is durable and never what merely was decided. Deliver-order
/// outcomes are counted at the deliverer's account, where each deliver order has exactly one
/// life: accepted once, then completed, dropped or cancelled at most once.
/// <para>
/// One instance per actor system (an Akka extension), with its own <see cref="Meter"/>: several
/// nodes in one process (tests) keep apart, and the host exports only its own node's meter.
/// </para>
/// </summary>
public sealed partial class LedgerTelemetry : IExtension, IDisposable
{
    public const string MeterName = "Ledger";

    /// <summary>The log category of the per-deliver-order settlement lines.</summary>
    public const string SettlementCategory = "Ledger.Settlement";

    public const string AcceptedName = "ledger.deliver_orders.accepted";
    public const string CompletedName = "ledger.deliver_orders.completed";
    public const string PendedName = "ledger.deliver_orders.pended";
    public const string DroppedName = "ledger.deliver_orders.dropped";
    public const string CancelledName = "ledger.deliver_orders.cancelled";
    public const string RejectedName = "ledger.deliver_orders.rejected";
    public const string PendingDepthName = "ledger.account.pending";
    public const string WriteLatencyName = "ledger.journal.write.duration";
    public const string WriteBatchName = "ledger.journal.write.events";
    public const string JournalsDamagedName = "ledger.journals.damaged";

    private const string Unit = "{deliver_order}";

    private static readonly KeyValuePair<string, object?> DeliverySide = new("side", "deliver");
    private static readonly KeyValuePair<string, object?> ReceiveSide = new("side", "receive");

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _pended;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _cancelled;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _writeLatency;
    private readonly Histogram<int> _writeEvents;
    private readonly ConcurrentDictionary<string, int> _pendingDepth = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JournalFinding> _damaged = new(StringComparer.Ordinal);
    private volatile ILogger _settlement = NullLogger.Instance;

    public LedgerTelemetry()
    {
        Meter = new Meter(MeterName, typeof(LedgerTelemetry).Assembly.GetName().Version?.ToString());
        _accepted = Meter.CreateCounter<long>(AcceptedName, Unit, "Deliver orders the deliverer's account took (reserved or pended)");
        _completed = Meter.CreateCounter<long>(CompletedName, Unit, "Deliver orders completed, by completed_by (direct, recycle, look-ahead, reclaim-override)");
        _pended = Meter.CreateCounter<long>(PendedName, Unit,
            "Pends: a deliver order set to recycle at its deliverer or its receiver, by side and reason; one deliver order may pend at both");
        _dropped = Meter.CreateCounter<long>(DroppedName, Unit, "Deliver orders dropped (recycle cutoff or end of day)");
        _cancelled = Meter.CreateCounter<long>(CancelledName, Unit, "Deliver orders cancelled while pending");
        _rejected = Meter.CreateCounter<long>(RejectedName, Unit, "Deliver orders and reclaims refused at entry, by rule");
        Meter.CreateObservableGauge(PendingDepthName, ObservePendingDepth, Unit,
            "Deliver orders pending in an account's recycle queue (deliveries and receives), by participant");
        _writeLatency = Meter.CreateHistogram(WriteLatencyName, "ms", "Time from an account's journal write to its confirmation",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] });
        Meter.CreateObservableGauge(JournalsDamagedName, ObserveDamaged, "{entity}",
            "Entities on this node that refuse to serve because recovery found their journal damaged (an event missing, unreadable or not matching its hash chain), by journal (account, deliver-order-index, reference)");
        _writeEvents = Meter.CreateHistogram(WriteBatchName, "{event}", "Events in one journal write of an account (its group commit)",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000] });
    }

    /// <summary>This node's meter; every instrument above lives on it.</summary>
    public Meter Meter { get; }

    /// <summary>The settlement log; a null logger until <see cref="UseLoggerFactory"/>.</summary>
    public ILogger Settlement => _settlement;

    /// <summary>The telemetry of <paramref name="system"/>, created on first use and disposed when the system terminates.</summary>
    public static LedgerTelemetry Of(ActorSystem system) => system.WithExtension<LedgerTelemetry, LedgerTelemetryProvider>();

    /// <summary>Set before the accounts start (the node does so right after creating its actor system).</summary>
    public void UseLoggerFactory(ILoggerFactory factory) => _settlement = factory.CreateLogger(SettlementCategory);

    /// <summary>
    /// Called by an account once a write is confirmed, with the state that now matches the journal.
    /// Cheap when nobody listens: a pass over the events that counts into locals, one Add per
    /// kind, and log calls only when their level is on.
    /// </summary>
    public void Persisted(AccountState state, IReadOnlyList<AccountEvent> events, long writeStartedTimestamp, long writtenTimestamp)
    {
        _writeLatency.Record(Stopwatch.GetElapsedTime(writeStartedTimestamp, writtenTimestamp).TotalMilliseconds);
        _writeEvents.Record(events.Count);
        var logger = _settlement;
        var info = logger.IsEnabled(LogLevel.Information);
        var debug = info && logger.IsEnabled(LogLevel.Debug);
        // At a central counterparty (OCC) every Market Loan leg pends until look-ahead pairs it:
        // there a pend is the normal path, and logged as such.
        var pendLevel = state.CentralCounterparty ? LogLevel.Debug : LogLevel.Information;
        var pends = state.CentralCounterparty ? debug : info;
        long accepted = 0, direct = 0, recycle = 0, lookAhead = 0, overridden = 0, dropped = 0, cancelled = 0;
        var participant = state.Participant.Value;
        for (var i = 0; i < events.Count; i++)
        {
            switch (events[i])
            {
                case DeliveryReserved e:
                    if (!e.PendedBefore) accepted++;
                    if (debug) Log.Reserved(logger, e.Order.Id, participant, e.Order.Receiver, e.Order.Shares, e.Order.Cusip, e.PendedBefore);
                    break;
                case DeliveryPended e:
                    accepted++;
                    _pended.Add(1, DeliverySide, Reason(e.Reason));
                    if (pends) Log.DeliveryPended(logger, pendLevel, e.Order.Id, participant, e.Reason, e.Order.Receiver, e.Order.Shares, e.Order.Cusip);
                    break;
                case ReceivePended e:
                    _pended.Add(1, ReceiveSide, Reason(e.Reason));
                    if (pends) Log.ReceivePended(logger, pendLevel, e.Order.Id, participant, e.Reason, e.Order.Deliverer, e.Order.Shares, e.Order.Cusip);
                    break;
                case ReceiveCompleted e:
                    if (debug) Log.ReceiveCompleted(logger, e.Order.Id, participant, e.CompletedBy, e.Order.Deliverer);
                    break;
                case DeliveryCompleted e:
                    switch (e.CompletedBy)
                    {
                        case "recycle": recycle++; break;
                        case "look-ahead": lookAhead++; break;
                        case "reclaim-override": overridden++; break;
                        default: direct++; break;
                    }
                    if (debug) Log.DeliveryCompleted(logger, e.DeliverOrderId, participant, e.CompletedBy);
                    break;
                case LookAheadProposed e:
                    if (debug)
                    {
                        Log.LookAheadProposed(logger, e.DeliveryId, participant, e.ReceiveId);
                        Log.LookAheadProposed(logger, e.ReceiveId, participant, e.DeliveryId);
                    }
                    break;
                case LookAheadCompleted e:
                    // The delivery completes here, at its deliverer; the receive's own deliverer counts the receive.
                    lookAhead++;
                    if (debug)
                    {
                        Log.LookAheadCompleted(logger, e.DeliveryId, participant, e.ReceiveId);
                        Log.LookAheadCompleted(logger, e.ReceiveId, participant, e.DeliveryId);
                    }
                    break;
                case DeliveryDropped e:
                    dropped++;
                    if (info) Log.Dropped(logger, e.DeliverOrderId, participant, "deliver");
                    break;
                case ReceiveDropped e:
                    if (info) Log.Dropped(logger, e.DeliverOrderId, participant, "receive");
                    break;
                case DeliveryCancelRequested e:
                    if (info) Log.CancelRequested(logger, e.DeliverOrderId, participant);
                    break;
                case DeliveryCancelled e:
                    cancelled++;
                    if (info) Log.Cancelled(logger, e.DeliverOrderId, participant, "deliver");
                    break;
                case ReceiveCancelled e:
                    if (info) Log.Cancelled(logger, e.DeliverOrderId, participant, "receive");
                    break;
            }
        }
        if (accepted > 0) _accepted.Add(accepted);
        if (direct > 0) _completed.Add(direct, CompletedByTag.Direct);
        if (recycle > 0) _completed.Add(recycle, CompletedByTag.Recycle);
        if (lookAhead > 0) _completed.Add(lookAhead, CompletedByTag.LookAhead);
        if (overridden > 0) _completed.Add(overridden, CompletedByTag.ReclaimOverride);
        if (dropped > 0) _dropped.Add(dropped);
        if (cancelled > 0) _cancelled.Add(cancelled);
        PendingDepth(state);
    }

    /// <summary>Records how many deliver orders wait in the account's recycle queue (as its account view lists them).</summary>
    public void PendingDepth(AccountState state)
    {
        var depth = state.PendingDeliveries.Count + state.PendingReceives.Count + state.PairedReceives.Count;
        _pendingDepth[state.Participant.Value] = depth;
    }

    /// <summary>The account stopped on this node (passivated, moved, or the node is stopping): its gauge goes with it.</summary>
    public void Forget(ParticipantId participant) => _pendingDepth.TryRemove(participant.Value, out _);

    /// <summary>An entity on this node found its journal damaged as it recovered: it refuses to serve until its journal is repaired.</summary>
    public void JournalDamaged(JournalFinding finding) => _damaged[finding.PersistenceId] = finding;

    /// <summary>A damaged entity stopped on this node (moved, or the node is stopping).</summary>
    public void JournalDamageGone(string persistenceId) => _damaged.TryRemove(persistenceId, out _);

    /// <summary>The entities on this node that refuse to serve, with the first damaged event of each, by persistence id.</summary>
    public IReadOnlyList<JournalFinding> DamagedJournals => _damaged.Values.OrderBy(f => f.PersistenceId, StringComparer.Ordinal).ToList();

    private static readonly (JournalKind Kind, KeyValuePair<string, object?> Tag)[] JournalTags =
    [
        (JournalKind.Account, new("journal", "account")),
        (JournalKind.DeliverOrderIndex, new("journal", "deliver-order-index")),
        (JournalKind.Reference, new("journal", "reference")),
    ];

    private IEnumerable<Measurement<int>> ObserveDamaged()
    {
        // Every kind, zeros included: an alert on the series needs it to exist before anything breaks.
        foreach (var (kind, tag) in JournalTags)
        {
            yield return new Measurement<int>(_damaged.Values.Count(f => Journals.KindOf(f.PersistenceId) == kind), tag);
        }
    }

    /// <summary>
    /// A deliver order (or reclaim) refused at entry: counted by rule, and logged with the id and
    /// deliverer the request named. Only well-formed ids reach the log, never raw request text.
    /// </summary>
    public void Refused(string? deliverOrderId, string? participant, EntryError error)
    {
        _rejected.Add(1, new KeyValuePair<string, object?>("rule", error.RuleName));
        var logger = _settlement;
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.Refused(logger, DeliverOrderId.IsValid(deliverOrderId) ? deliverOrderId! : Malformed,
                ParticipantId.IsValid(participant) ? participant! : Malformed, error.Field, error.RuleName);
        }
    }

    /// <summary>
    /// Deliver orders of one batch the gateway had no room for (<c>deliver-orders-in-flight-max</c>):
    /// counted per order under that rule, like every refusal, but logged once for the batch, with the
    /// first id: under overload a line per order would swamp the log just when it is read.
    /// </summary>
    public void RefusedInFlight(int count, string firstDeliverOrderId, int inFlightMax)
    {
        if (count == 0) return;
        _rejected.Add(count, new KeyValuePair<string, object?>("rule", RuleInFlightMax));
        var logger = _settlement;
        if (logger.IsEnabled(LogLevel.Information))
            Log.RefusedInFlight(logger, count, DeliverOrderId.IsValid(firstDeliverOrderId) ? firstDeliverOrderId : Malformed, inFlightMax);
    }

    private static readonly string RuleInFlightMax = new EntryError(EntryRejection.DeliverOrdersInFlightMax, "id", "").RuleName;

    private const string Malformed = "(malformed)";

    private IEnumerable<Measurement<int>> ObservePendingDepth()
    {
        foreach (var (participant, depth) in _pendingDepth)
        {
            yield return new Measurement<int>(depth, new KeyValuePair<string, object?>("participant", participant));
        }
    }

    private static KeyValuePair<string, object?> Reason(string reason) => reason switch
    {
        "position" => ReasonTag.Position,
        "collateral" => ReasonTag.Collateral,
        "net-debit-cap" => ReasonTag.NetDebitCap,
        _ => new KeyValuePair<string, object?>("reason", reason),
    };

    private static class ReasonTag
    {
        public static readonly KeyValuePair<string, object?> Position = new("reason", PendReason.Position.Name());
        public static readonly KeyValuePair<string, object?> Collateral = new("reason", PendReason.Collateral.Name());
        public static readonly KeyValuePair<string, object?> NetDebitCap = new("reason", PendReason.NetDebitCap.Name());
    }

    private static class CompletedByTag
    {
        public static readonly KeyValuePair<string, object?> Direct = new("completed_by", CompletedBy.Direct.Name());
        public static readonly KeyValuePair<string, object?> Recycle = new("completed_by", CompletedBy.Recycle.Name());
        public static readonly KeyValuePair<string, object?> LookAhead = new("completed_by", CompletedBy.LookAhead.Name());
        public static readonly KeyValuePair<string, object?> ReclaimOverride = new("completed_by", CompletedBy.ReclaimOverride.Name());
    }

    public void Dispose()
    {
        _pendingDepth.Clear();
        _damaged.Clear();
        Meter.Dispose();
    }

    /// <summary>
    /// The settlement lines. Every one names the deliver order and the account it happened at
    /// (<c>DeliverOrderId</c>, <c>Participant</c>). Completions and reservations are Debug (one per
    /// deliver order at full rate would swamp the log); pends, drops, cancels and refusals are
    /// Information, except pends at a central counterparty, which are Debug (see <see cref="Persisted"/>).
    /// </summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Debug,
            Message = "Deliver order {DeliverOrderId} reserved at deliverer {Participant}: {Shares} shares of {Cusip} to {Counterparty} (recycled: {Recycled})")]
        public static partial void Reserved(ILogger logger, string deliverOrderId, string participant, string counterparty, long shares, string cusip, bool recycled);

        [LoggerMessage(EventId = 1002,
            Message = "Deliver order {DeliverOrderId} pended at deliverer {Participant} on {PendReason}: {Shares} shares of {Cusip} to {Counterparty}")]
        public static partial void DeliveryPended(ILogger logger, LogLevel level, string deliverOrderId, string participant, string pendReason, string counterparty, long shares, string cusip);

        [LoggerMessage(EventId = 1003,
            Message = "Deliver order {DeliverOrderId} pended at receiver {Participant} on {PendReason}: {Shares} shares of {Cusip} from {Counterparty}")]
        public static partial void ReceivePended(ILogger logger, LogLevel level, string deliverOrderId, string participant, string pendReason, string counterparty, long shares, string cusip);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Debug,
            Message = "Deliver order {DeliverOrderId} received by {Participant} from {Counterparty} ({CompletedBy})")]
        public static partial void ReceiveCompleted(ILogger logger, string deliverOrderId, string participant, string completedBy, string counterparty);

        [LoggerMessage(EventId = 1005, Level = LogLevel.Debug,
            Message = "Deliver order {DeliverOrderId} completed at deliverer {Participant} ({CompletedBy})")]
        public static partial void DeliveryCompleted(ILogger logger, string deliverOrderId, string participant, string completedBy);

        [LoggerMessage(EventId = 1006, Level = LogLevel.Debug,
            Message = "Deliver order {DeliverOrderId} paired by look-ahead at {Participant} with {PairedDeliverOrderId}")]
        public static partial void LookAheadProposed(ILogger logger, string deliverOrderId, string participant, string pairedDeliverOrderId);

        [LoggerMessage(EventId = 1007, Level = LogLevel.Debug,
            Message = "Deliver order {DeliverOrderId} completed by look-ahead at {Participant} with {PairedDeliverOrderId}")]
        public static partial void LookAheadCompleted(ILogger logger, string deliverOrderId, string participant, string pairedDeliverOrderId);

        [LoggerMessage(EventId = 1008, Level = LogLevel.Information,
            Message = "Deliver order {DeliverOrderId} dropped at {Participant} ({Side})")]
        public static partial void Dropped(ILogger logger, string deliverOrderId, string participant, string side);

        [LoggerMessage(EventId = 1009, Level = LogLevel.Information,
            Message = "Deliver order {DeliverOrderId}: deliverer {Participant} asked its receiver to cancel")]
        public static partial void CancelRequested(ILogger logger, string deliverOrderId, string participant);

        [LoggerMessage(EventId = 1010, Level = LogLevel.Information,
            Message = "Deliver order {DeliverOrderId} cancelled at {Participant} ({Side})")]
        public static partial void Cancelled(ILogger logger, string deliverOrderId, string participant, string side);

        [LoggerMessage(EventId = 1011, Level = LogLevel.Information,
            Message = "Deliver order {DeliverOrderId} from {Participant} refused: {Field} breaks {Rule}")]
        public static partial void Refused(ILogger logger, string deliverOrderId, string participant, string field, string rule);

        [LoggerMessage(EventId = 1012, Level = LogLevel.Information,
            Message = "{Count} deliver orders of a batch, from {DeliverOrderId} on, refused: id breaks deliver-orders-in-flight-max (at most {InFlightMax} in flight); nothing of them was taken")]
        public static partial void RefusedInFlight(ILogger logger, int count, string deliverOrderId, int inFlightMax);
    }
}

/// <summary>Creates a node's <see cref="LedgerTelemetry"/> and disposes it (and its meter) when the actor system terminates.</summary>
public sealed class LedgerTelemetryProvider : ExtensionIdProvider<LedgerTelemetry>
{
    public override LedgerTelemetry CreateExtension(ExtendedActorSystem system)
    {
        var telemetry = new LedgerTelemetry();
        system.RegisterOnTermination(telemetry.Dispose);
        return telemetry;
    }
}
