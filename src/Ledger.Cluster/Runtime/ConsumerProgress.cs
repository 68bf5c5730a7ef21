using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>
/// How far a consumer's handler has got, for the day steps that must wait for it (a close waits
/// until every completion written before it has been handed over): what the handler handled in
/// this process, or, when the consumer runs on another node, what its journaled offset says it
/// confirmed. Thread-safe: the handler records from the consumer's tasks, a day step waits.
/// </summary>
public sealed class ConsumerProgress
{
    private readonly string _consumerName;
    private readonly TagQuery _query;
    private readonly JournalTable _journal;
    private readonly TimeProvider _clock;
    private long _handled;

    /// <param name="consumerName">The consumer's name (its offsets are <c>published-consumer-{name}</c>).</param>
    /// <param name="query">The rows it reads: the same query as its <see cref="ConsumerSettings.Query"/>.</param>
    public ConsumerProgress(string consumerName, TagQuery query, JournalTable journal, TimeProvider clock)
    {
        _consumerName = consumerName;
        _query = query.Checked();
        _journal = journal;
        _clock = clock;
    }

    /// <summary>Records that the handler has handled the event at <paramref name="offset"/> (and so everything the consumer handed before it).</summary>
    public void Handled(long offset)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _handled)) < offset && Interlocked.CompareExchange(ref _handled, offset, seen) != seen)
        {
        }
    }

    /// <summary>
    /// Completes once the consumer has handed over every row its query takes that was written when
    /// this was called: handled here, or confirmed by its stored offset.
    /// </summary>
    /// <exception cref="TimeoutException">It did not get there within <paramref name="timeout"/>.</exception>
    public async Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        var target = await _journal.HighestTaggedOrderingAsync(_query, ct);
        var deadline = _clock.GetUtcNow() + timeout;
        while (Interlocked.Read(ref _handled) < target)
        {
            var stored = await _journal.ConsumerOffsetsAsync(_consumerName, ct);
            if (stored.Count > 0 && stored[^1].Offset >= target) return;
            if (_clock.GetUtcNow() >= deadline) throw new TimeoutException($"the consumer {_consumerName} did not reach ordering {target} in {timeout.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }
}
