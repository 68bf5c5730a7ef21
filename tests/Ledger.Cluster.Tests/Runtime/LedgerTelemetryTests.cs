using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ledger.Cluster.Telemetry;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster.Tests;

/// <summary>
/// What <see cref="LedgerTelemetry.Persisted"/> makes of one confirmed write: each deliver order
/// counted once at its deliverer, a line per deliver order at the level its volume allows, and
/// nothing built when the log level is off. No actor system: the events are given directly.
/// </summary>
public sealed class LedgerTelemetryTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 5, 15, 0, 0, TimeSpan.Zero);
    private static readonly TermsData Terms = new(10_000, 0.1m, 1);
    private static readonly CheckInputs Inputs = new(0, 0, 0, 0, 0, false, "passed");

    private static DeliverOrderData Order(string id, string deliverer = "0001", string receiver = "0002") =>
        new(id, deliverer, receiver, "037833100", 100, 1_000_000, "LOAN");

    private static AccountState Account(string participant, bool centralCounterparty)
    {
        var state = new AccountState(new ParticipantId(participant));
        state.Apply(new ParticipantConfigured("P", 0, 0, true, centralCounterparty, "2026-01-05", At));
        return state;
    }

    private static void Persist(LedgerTelemetry telemetry, AccountState state, params AccountEvent[] events)
    {
        foreach (var e in events) state.Apply(e);
        var now = Stopwatch.GetTimestamp();
        telemetry.Persisted(state, events, now, now);
    }

    [Fact]
    public void Each_deliver_order_counts_once_at_its_deliverer()
    {
        using var telemetry = new LedgerTelemetry();
        using var measured = new Measured(telemetry);
        var deliverer = Account("0001", centralCounterparty: false);
        var receiver = Account("0002", centralCounterparty: false);

        Persist(telemetry, deliverer,
            new DeliveryReserved(Order("A"), Terms, Inputs, PendedBefore: false, At),
            new DeliveryPended(Order("B"), Terms, "position", Inputs, At),
            new DeliveryPended(Order("C"), Terms, "position", Inputs, At),
            new DeliveryPended(Order("D"), Terms, "collateral", Inputs, At));
        Persist(telemetry, receiver,
            new ReceivePended(Order("A"), Terms, "net-debit-cap", Inputs, At),
            new ReceiveCompleted(Order("A"), Terms, "recycle", Inputs, At),
            new ReceivePended(Order("X"), Terms, "net-debit-cap", Inputs, At));
        // B recycles (reserved again: not a new acceptance), then completes; C is cancelled; D dropped.
        Persist(telemetry, deliverer,
            new DeliveryReserved(Order("B"), Terms, Inputs, PendedBefore: true, At),
            new DeliveryCompleted("A", "recycle", At),
            new DeliveryCompleted("B", "direct", At),
            new DeliveryCancelled("C", At),
            new DeliveryDropped("D", At));
        Persist(telemetry, receiver, new ReceiveDropped("X", At), new ReceiveCancelled("Y", At));

        Assert.Equal(4, measured.Sum(LedgerTelemetry.AcceptedName));
        Assert.Equal(2, measured.Sum(LedgerTelemetry.CompletedName));
        Assert.Equal(1, measured.Sum(LedgerTelemetry.CompletedName, ("completed_by", "recycle")));
        Assert.Equal(1, measured.Sum(LedgerTelemetry.CompletedName, ("completed_by", "direct")));
        Assert.Equal(5, measured.Sum(LedgerTelemetry.PendedName));
        Assert.Equal(2, measured.Sum(LedgerTelemetry.PendedName, ("side", "deliver"), ("reason", "position")));
        Assert.Equal(1, measured.Sum(LedgerTelemetry.PendedName, ("side", "deliver"), ("reason", "collateral")));
        Assert.Equal(2, measured.Sum(LedgerTelemetry.PendedName, ("side", "receive"), ("reason", "net-debit-cap")));
        // Only the deliverer's drop and cancel count: the receiver's are the same deliver orders.
        Assert.Equal(1, measured.Sum(LedgerTelemetry.DroppedName));
        Assert.Equal(1, measured.Sum(LedgerTelemetry.CancelledName));
        Assert.Equal(4, measured.Count(LedgerTelemetry.WriteLatencyName));
        Assert.Equal(14, measured.Sum(LedgerTelemetry.WriteBatchName));
    }

    [Fact]
    public void A_look_ahead_pair_completes_its_delivery_at_the_central_counterparty()
    {
        using var telemetry = new LedgerTelemetry();
        using var measured = new Measured(telemetry);
        var occ = Account("0900", centralCounterparty: true);

        Persist(telemetry, occ,
            new ReceivePended(Order("L-LEG", "0001", "0900"), Terms, "net-debit-cap", Inputs, At),
            new DeliveryPended(Order("B-LEG", "0900", "0002"), Terms, "position", Inputs, At));
        Assert.Equal(2, measured.Gauge(LedgerTelemetry.PendingDepthName, ("participant", "0900")));
        // Paired, the delivery is in flight to its receiver; the receive still waits (as the account view lists it).
        Persist(telemetry, occ, new LookAheadProposed("L-LEG", "B-LEG", Terms, Inputs, At));
        Assert.Equal(1, measured.Gauge(LedgerTelemetry.PendingDepthName, ("participant", "0900")));
        Persist(telemetry, occ, new LookAheadCompleted("L-LEG", "B-LEG", At));

        // B-LEG is OCC's delivery (accepted and completed here); L-LEG is counted at its own deliverer, 0001.
        Assert.Equal(1, measured.Sum(LedgerTelemetry.AcceptedName));
        Assert.Equal(1, measured.Sum(LedgerTelemetry.CompletedName, ("completed_by", "look-ahead")));
        Assert.Equal(0, measured.Gauge(LedgerTelemetry.PendingDepthName, ("participant", "0900")));
        telemetry.Forget(occ.Participant);
        Assert.Null(measured.GaugeOrNull(LedgerTelemetry.PendingDepthName, ("participant", "0900")));
    }

    [Fact]
    public void Pends_are_information_except_at_a_central_counterparty_where_look_ahead_makes_them_routine()
    {
        var log = new ListLogger(LogLevel.Information);
        using var telemetry = new LedgerTelemetry();
        telemetry.UseLoggerFactory(new OneLoggerFactory(log));

        Persist(telemetry, Account("0002", centralCounterparty: false),
            new ReceivePended(Order("CAP"), Terms, "net-debit-cap", Inputs, At),
            new ReceiveCompleted(Order("OK"), Terms, "direct", Inputs, At));
        Persist(telemetry, Account("0900", centralCounterparty: true),
            new ReceivePended(Order("ML-1", "0001", "0900"), Terms, "net-debit-cap", Inputs, At),
            new DeliveryPended(Order("ML-2", "0900", "0002"), Terms, "position", Inputs, At),
            new DeliveryDropped("ML-2", At));

        var line = Assert.Single(log.Lines, l => l.Properties["DeliverOrderId"] == "CAP");
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal("0002", line.Properties["Participant"]);
        Assert.Equal("net-debit-cap", line.Properties["PendReason"]);
        Assert.DoesNotContain(log.Lines, l => l.Properties["DeliverOrderId"] is "OK" or "ML-1");
        // A drop at OCC is not routine: it stays Information.
        Assert.Single(log.Lines, l => l.Properties["DeliverOrderId"] == "ML-2" && l.Properties["Side"] == "deliver");

        log.Least = LogLevel.Debug;
        Persist(telemetry, Account("0900", centralCounterparty: true),
            new ReceivePended(Order("ML-3", "0001", "0900"), Terms, "net-debit-cap", Inputs, At));
        Assert.Equal(LogLevel.Debug, Assert.Single(log.Lines, l => l.Properties["DeliverOrderId"] == "ML-3").Level);
        Assert.All(log.Lines, l => Assert.Contains("Participant", l.Properties.Keys));
    }

    [Fact]
    public void Refusals_at_the_in_flight_limit_count_each_order_and_log_one_line_for_the_batch()
    {
        var log = new ListLogger(LogLevel.Information);
        using var telemetry = new LedgerTelemetry();
        using var measured = new Measured(telemetry);
        telemetry.UseLoggerFactory(new OneLoggerFactory(log));

        telemetry.RefusedInFlight(1_500, "L7-a", 10_000);
        telemetry.RefusedInFlight(0, "", 10_000);

        Assert.Equal(1_500, measured.Sum(LedgerTelemetry.RejectedName, ("rule", "deliver-orders-in-flight-max")));
        var line = Assert.Single(log.Lines);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(("1500", "L7-a", "10000"), (line.Properties["Count"], line.Properties["DeliverOrderId"], line.Properties["InFlightMax"]));
    }

    [Fact]
    public void With_settlement_logging_off_no_line_is_built()
    {
        var log = new ListLogger(LogLevel.None) { ThrowOnLog = true };
        using var telemetry = new LedgerTelemetry();
        telemetry.UseLoggerFactory(new OneLoggerFactory(log));

        Persist(telemetry, Account("0001", centralCounterparty: false),
            new DeliveryPended(Order("A"), Terms, "position", Inputs, At),
            new DeliveryReserved(Order("B"), Terms, Inputs, PendedBefore: false, At),
            new DeliveryDropped("A", At));
        telemetry.Refused("C", "0001", new EntryError(EntryRejection.UnknownSecurity, "cusip", "unknown"));

        Assert.Empty(log.Lines);
        Assert.True(log.EnabledAsked > 0, "the level was asked");
    }

    /// <summary>Listens to one telemetry's meter only (other tests' nodes have meters of the same name).</summary>
    private sealed class Measured : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

        public Measured(LedgerTelemetry telemetry)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, telemetry.Meter)) l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            _listener.Start();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_measurements) _measurements.Add((instrument.Name, value, tags.ToArray()));
        }

        private IEnumerable<double> Values(string name, (string Key, string Value)[] tags)
        {
            lock (_measurements)
            {
                return _measurements
                    .Where(m => m.Name == name && tags.All(t => m.Tags.Any(x => x.Key == t.Key && Equals(x.Value, t.Value))))
                    .Select(m => m.Value)
                    .ToList();
            }
        }

        public double Sum(string name, params (string Key, string Value)[] tags) => Values(name, tags).Sum();

        public int Count(string name) => Values(name, []).Count();

        public double? GaugeOrNull(string name, params (string Key, string Value)[] tags)
        {
            lock (_measurements) _measurements.RemoveAll(m => m.Name == name);
            _listener.RecordObservableInstruments();
            var values = Values(name, tags).ToList();
            return values.Count == 0 ? null : values.Single();
        }

        public double Gauge(string name, params (string Key, string Value)[] tags) =>
            GaugeOrNull(name, tags) ?? throw new Xunit.Sdk.XunitException($"{name} reported nothing for {string.Join(", ", tags)}");

        public void Dispose() => _listener.Dispose();
    }

    private sealed record Line(LogLevel Level, Dictionary<string, string?> Properties);

    private sealed class ListLogger(LogLevel least) : ILogger
    {
        public LogLevel Least { get; set; } = least;

        public bool ThrowOnLog { get; init; }

        public int EnabledAsked { get; private set; }

        public List<Line> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel)
        {
            EnabledAsked++;
            return Least != LogLevel.None && logLevel >= Least;
        }

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (ThrowOnLog) throw new InvalidOperationException($"logged at {logLevel} while logging is off: {formatter(state, exception)}");
            if (!IsEnabled(logLevel)) return;
            var properties = ((IEnumerable<KeyValuePair<string, object?>>)state!).ToDictionary(p => p.Key, p => p.Value?.ToString());
            Lines.Add(new Line(logLevel, properties));
        }
    }

    private sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}
