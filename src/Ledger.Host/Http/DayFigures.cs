using System.Diagnostics.Metrics;
using Ledger.Cluster.Telemetry;

namespace Ledger.Host.Http;

/// <summary>
/// The node's own telemetry, kept for the day's summary (<c>GET /v1/day</c>): deliver orders
/// accepted and completed in each of the last <see cref="SecondsKept"/> seconds, and the latency of
/// recent journal writes. It listens to this node's meter (<see cref="LedgerTelemetry"/>), whose
/// counters are fed by what accounts have just persisted, so it shows only what is durable. Like
/// the counters, it starts at zero when the node starts and covers the accounts on this node.
/// </summary>
public sealed class DayFigures : IDisposable
{
    /// <summary>Seconds of per-second counts kept: the live chart's width.</summary>
    public const int SecondsKept = 120;

    /// <summary>The window the journal write latency is summarised over.</summary>
    public const int LatencyWindowSeconds = 10;

    /// <summary>Latency samples kept at most; past it, the window's figures are over its most recent writes.</summary>
    public const int LatencySamplesMax = 8_192;

    private readonly Meter _meter;
    private readonly TimeProvider _clock;
    private readonly MeterListener _listener = new();
    private readonly object _gate = new();
    private readonly long[] _second = new long[SecondsKept];
    private readonly long[] _accepted = new long[SecondsKept];
    private readonly long[] _completed = new long[SecondsKept];
    private readonly long[] _writes = new long[SecondsKept];
    private readonly (long Second, double Ms)[] _latency = new (long, double)[LatencySamplesMax];
    private long _latencyNext;
    private long _acceptedTotal;
    private long _completedTotal;

    public DayFigures(Meter meter, TimeProvider clock)
    {
        _meter = meter;
        _clock = clock;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, _meter)) return;
            if (instrument.Name is LedgerTelemetry.AcceptedName or LedgerTelemetry.CompletedName or LedgerTelemetry.WriteLatencyName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == LedgerTelemetry.AcceptedName) Count(value, accepted: true);
            else Count(value, accepted: false);
        });
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => Latency(value));
        _listener.Start();
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>The slot of <paramref name="second"/>, emptied first when it still holds an older second.</summary>
    private int Slot(long second)
    {
        var slot = (int)(second % SecondsKept);
        if (_second[slot] != second)
        {
            _second[slot] = second;
            _accepted[slot] = 0;
            _completed[slot] = 0;
            _writes[slot] = 0;
        }
        return slot;
    }

    private void Count(long value, bool accepted)
    {
        lock (_gate)
        {
            var slot = Slot(Now());
            if (accepted)
            {
                _accepted[slot] += value;
                _acceptedTotal += value;
            }
            else
            {
                _completed[slot] += value;
                _completedTotal += value;
            }
        }
    }

    private void Latency(double ms)
    {
        lock (_gate)
        {
            var second = Now();
            _writes[Slot(second)]++;
            _latency[_latencyNext++ % LatencySamplesMax] = (second, ms);
        }
    }

    /// <summary>One second of the live chart (its start, UTC) and what happened in it.</summary>
    public sealed record Second(DateTime At, long Accepted, long Completed);

    /// <summary>Journal writes of the last <see cref="LatencyWindowSeconds"/> seconds; the figures are null when there were none.</summary>
    public sealed record WriteLatency(int WindowSeconds, long Writes, long Sampled, double? P50Ms, double? P99Ms, double? MaxMs);

    public sealed record Snapshot(long AcceptedTotal, long CompletedTotal, IReadOnlyList<Second> PerSecond, WriteLatency JournalWriteLatency);

    /// <summary>
    /// The counts of every whole second of the last <see cref="SecondsKept"/> (the current second,
    /// still counting, is left out so that the chart's last point never drops), oldest first.
    /// </summary>
    public Snapshot Read()
    {
        lock (_gate)
        {
            var now = Now();
            var seconds = new List<Second>(SecondsKept);
            for (var second = now - SecondsKept + 1; second < now; second++)
            {
                var slot = (int)(second % SecondsKept);
                var held = _second[slot] == second;
                seconds.Add(new Second(DateTimeOffset.FromUnixTimeSeconds(second).UtcDateTime, held ? _accepted[slot] : 0, held ? _completed[slot] : 0));
            }

            long writes = 0;
            for (var second = now - LatencyWindowSeconds + 1; second <= now; second++)
            {
                var slot = (int)(second % SecondsKept);
                if (_second[slot] == second) writes += _writes[slot];
            }
            var samples = new List<double>();
            var kept = Math.Min(_latencyNext, LatencySamplesMax);
            for (long i = 0; i < kept; i++)
            {
                var (second, ms) = _latency[i];
                if (second > now - LatencyWindowSeconds) samples.Add(ms);
            }
            samples.Sort();
            var latency = new WriteLatency(LatencyWindowSeconds, writes, samples.Count,
                Percentile(samples, 0.50), Percentile(samples, 0.99), samples.Count == 0 ? null : Math.Round(samples[^1], 3));
            return new Snapshot(_acceptedTotal, _completedTotal, seconds, latency);
        }
    }

    /// <summary>The nearest-rank percentile of sorted samples, to the microsecond.</summary>
    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 3);

    public void Dispose() => _listener.Dispose();
}
