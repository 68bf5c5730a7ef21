using Ledger.Journal;
using Ledger.Lending;
using Microsoft.Extensions.Logging;
using SettlementPublication = Ledger.Settlement.SettlementPublication;

namespace Ledger.Cluster.Lending;

/// <summary>
/// The lending context's consumer of settlement's published events (<see cref="SettlementFeed"/>):
/// each completed <c>SL</c> or <c>SLR</c> deliver order, each reclaim and each mark's completion
/// or drop goes to its pair's loan book, which applies it once by its id (a completion is
/// published by both parties, and a feed read again after a crash hands it again). The consumer's
/// offset is journaled.
/// </summary>
public sealed class LendingConsumer : IPublishedEventHandler
{
    /// <summary>The consumer's name: its offsets are the journal <c>published-consumer-lending</c>.</summary>
    public const string Name = "lending";

    private readonly LendingGateway _lending;
    private readonly JournalTable _journal;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private long _handled;

    public LendingConsumer(LendingGateway lending, JournalTable journal, TimeProvider clock, ILogger log)
    {
        _lending = lending;
        _journal = journal;
        _clock = clock;
        _log = log;
    }

    public async Task HandleAsync(PublishedEvent published, CancellationToken ct)
    {
        foreach (var fact in published.SettlementFacts())
        {
            var (book, command) = SettlementFeed.ToLending(fact) switch
            {
                CompletedDeliverOrder order => (LendingRouting.BookOf(order), (LoanBookCommand)new RecordDeliverOrderCompleted(order)),
                PaymentOrderOutcome outcome => (LendingRouting.BookOf(outcome), new RecordPaymentOrderOutcome(outcome)),
                _ => ((LoanBookId?)null, (LoanBookCommand?)null),
            };
            if (book is not { } to || command is null) continue;
            var reply = await _lending.BookCommandAsync(to, command, ct);
            // A refusal of the adapter's own command changes nothing and shows a bug or a lag: logged, never retried forever.
            if (reply is Refused refused)
                _log.LogWarning("Loan book {Book} refused {Command}: {Rule} ({Message})", to, command.GetType().Name, refused.Error.Rule, refused.Error.Message);
        }
        InterlockedMax(published.Offset);
    }

    private void InterlockedMax(long offset)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _handled)) < offset && Interlocked.CompareExchange(ref _handled, offset, seen) != seen)
        {
        }
    }

    /// <summary>Completes once the consumer has handed over every settlement event written so far: what it handled in this process, or what its journaled offset says it confirmed before.</summary>
    public async Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        var target = await _journal.HighestTaggedOrderingAsync(SettlementPublication.Tag, ct);
        var deadline = _clock.GetUtcNow() + timeout;
        while (Interlocked.Read(ref _handled) < target)
        {
            var stored = await _journal.ConsumerOffsetsAsync(Name, ct);
            if (stored.Count > 0 && stored[^1].Offset >= target) return;
            if (_clock.GetUtcNow() >= deadline) throw new TimeoutException($"the lending consumer did not reach ordering {target} in {timeout.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }
}
