using Ledger.Cluster;

namespace Ledger.Cluster.Tests;

/// <summary>How far a consumer reads a journal whose writes commit out of ordering (PostgreSQL, SQL Server).</summary>
public sealed class CompleteJournalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 15, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void Contiguous_orderings_are_read_to_the_last()
    {
        var (upTo, gap) = CompleteJournal.UpTo(10, [11, 12, 13], null, T0, Timeout);
        Assert.Equal((13L, (OrderingGap?)null), (upTo, gap));
    }

    [Fact]
    public void A_missing_ordering_stops_the_read_below_it_and_is_remembered()
    {
        var (upTo, gap) = CompleteJournal.UpTo(10, [11, 12, 14, 15], null, T0, Timeout);
        Assert.Equal(12, upTo);
        Assert.Equal(new OrderingGap(13, T0), gap);
    }

    [Fact]
    public void A_gap_that_fills_in_is_read_through()
    {
        var first = CompleteJournal.UpTo(12, [14, 15], new OrderingGap(13, T0), T0.AddSeconds(1), Timeout);
        Assert.Equal((12L, (OrderingGap?)new OrderingGap(13, T0)), first);
        var (upTo, gap) = CompleteJournal.UpTo(12, [13, 14, 15], first.Gap, T0.AddSeconds(2), Timeout);
        Assert.Equal((15L, (OrderingGap?)null), (upTo, gap));
    }

    [Fact]
    public void A_gap_still_missing_after_the_timeout_is_a_rolled_back_write_and_is_read_past()
    {
        var waiting = CompleteJournal.UpTo(12, [14, 15], new OrderingGap(13, T0), T0 + Timeout - TimeSpan.FromTicks(1), Timeout);
        Assert.Equal(12, waiting.UpTo);
        var (upTo, gap) = CompleteJournal.UpTo(12, [14, 15, 17], new OrderingGap(13, T0), T0 + Timeout, Timeout);
        // Past 13, and stopped at the next gap (16), which starts its own wait.
        Assert.Equal(15, upTo);
        Assert.Equal(new OrderingGap(16, T0 + Timeout), gap);
    }

    [Fact]
    public void Nothing_visible_reads_nothing()
    {
        Assert.Equal((7L, (OrderingGap?)null), CompleteJournal.UpTo(7, [], null, T0, Timeout));
    }
}
