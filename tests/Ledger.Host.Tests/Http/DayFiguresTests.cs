using System.Diagnostics.Metrics;
using Ledger.Cluster.Telemetry;
using Ledger.Host.Http;

namespace Ledger.Host.Tests;

/// <summary>
/// <see cref="DayFigures"/> on a meter of its own and a clock the test moves: counts land in the
/// second they were recorded in, leave the chart after <see cref="DayFigures.SecondsKept"/> seconds,
/// and the journal write latency covers exactly its window.
/// </summary>
public sealed class DayFiguresTests : IDisposable
{
    private readonly Meter _meter = new("Ledger.DayFiguresTests");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 14, 0, 0, TimeSpan.Zero));
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _completed;
    private readonly Histogram<double> _latency;
    private readonly DayFigures _figures;

    public DayFiguresTests()
    {
        _accepted = _meter.CreateCounter<long>(LedgerTelemetry.AcceptedName);
        _completed = _meter.CreateCounter<long>(LedgerTelemetry.CompletedName);
        _latency = _meter.CreateHistogram<double>(LedgerTelemetry.WriteLatencyName);
        _figures = new DayFigures(_meter, _clock);
    }

    [Fact]
    public void Counts_land_in_their_own_second_and_leave_the_chart_after_it_is_full()
    {
        var first = _clock.GetUtcNow();
        _accepted.Add(3);
        _completed.Add(2);
        _clock.Advance(TimeSpan.FromSeconds(1));
        _accepted.Add(5);

        // The current second is still counting: it is not on the chart yet, but in the totals.
        var read = _figures.Read();
        Assert.Equal(DayFigures.SecondsKept - 1, read.PerSecond.Count);
        Assert.Equal(new DayFigures.Second(first.UtcDateTime, 3, 2), read.PerSecond[^1]);
        Assert.Equal((8L, 2L), (read.AcceptedTotal, read.CompletedTotal));

        _clock.Advance(TimeSpan.FromSeconds(1));
        read = _figures.Read();
        Assert.Equal(new DayFigures.Second(first.UtcDateTime, 3, 2), read.PerSecond[^2]);
        Assert.Equal(new DayFigures.Second(first.UtcDateTime.AddSeconds(1), 5, 0), read.PerSecond[^1]);

        // The slot of the first second is used again SecondsKept seconds later: what it held is gone, not added to.
        _clock.Advance(TimeSpan.FromSeconds(DayFigures.SecondsKept - 2));
        _accepted.Add(1);
        _clock.Advance(TimeSpan.FromSeconds(1));
        read = _figures.Read();
        Assert.Equal(new DayFigures.Second(first.UtcDateTime.AddSeconds(DayFigures.SecondsKept), 1, 0), read.PerSecond[^1]);
        Assert.Equal(1, read.PerSecond.Sum(s => s.Accepted));
        Assert.Equal(0, read.PerSecond.Sum(s => s.Completed));
        Assert.Equal((9L, 2L), (read.AcceptedTotal, read.CompletedTotal));
        // Oldest first, one a second, ending with the last whole second.
        Assert.Equal(Enumerable.Range(0, DayFigures.SecondsKept - 1).Select(i => read.PerSecond[0].At.AddSeconds(i)), read.PerSecond.Select(s => s.At));
    }

    [Fact]
    public void Write_latency_is_the_nearest_rank_over_its_window_and_empty_after_it()
    {
        for (var ms = 1; ms <= 100; ms++) _latency.Record(ms);

        var latency = _figures.Read().JournalWriteLatency;
        Assert.Equal(new DayFigures.WriteLatency(DayFigures.LatencyWindowSeconds, 100, 100, 50, 99, 100), latency);

        _clock.Advance(TimeSpan.FromSeconds(DayFigures.LatencyWindowSeconds - 1));
        Assert.Equal(100, _figures.Read().JournalWriteLatency.Writes);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new DayFigures.WriteLatency(DayFigures.LatencyWindowSeconds, 0, 0, null, null, null), _figures.Read().JournalWriteLatency);
    }

    [Fact]
    public void Past_the_samples_kept_the_window_counts_every_write_and_summarises_the_latest()
    {
        var writes = DayFigures.LatencySamplesMax + 1_000;
        // The first thousand are slow; the later ones, all kept, are not.
        for (var i = 0; i < writes; i++) _latency.Record(i < 1_000 ? 5_000 : 1);

        var latency = _figures.Read().JournalWriteLatency;
        Assert.Equal(writes, latency.Writes);
        Assert.Equal(DayFigures.LatencySamplesMax, latency.Sampled);
        Assert.Equal((1d, 1d, 1d), (latency.P50Ms, latency.P99Ms, latency.MaxMs));
    }

    [Fact]
    public void Another_meters_instruments_of_the_same_names_are_not_counted()
    {
        using var other = new Meter("Ledger.DayFiguresTests.OtherNode");
        other.CreateCounter<long>(LedgerTelemetry.AcceptedName).Add(7);
        _accepted.Add(1);

        Assert.Equal(1, _figures.Read().AcceptedTotal);
    }

    public void Dispose()
    {
        _figures.Dispose();
        _meter.Dispose();
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
