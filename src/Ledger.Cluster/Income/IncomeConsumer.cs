using Ledger.Income;
using Ledger.Journal;
using Ledger.Settlement;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster.Income;

/// <summary>
/// Income tracking's consumer of settlement's published events: each completed deliver order
/// with a loan or return code (and every reclaim) goes to the memo account of the party whose
/// journal published it, which counts it once by its id. The consumer's offset is journaled: after
/// a crash it reads again from there, and the memo account answers a duplicate without a second
/// effect, so each completion is counted exactly once.
/// </summary>
public sealed class IncomeConsumer : IPublishedEventHandler
{
    /// <summary>The consumer's name: its offsets are the journal <c>published-consumer-income</c>.</summary>
    public const string Name = "income";

    private readonly IncomeGateway _income;
    private readonly JournalTable _journal;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private long _handled;

    public IncomeConsumer(IncomeGateway income, JournalTable journal, TimeProvider clock, ILogger log)
    {
        _income = income;
        _journal = journal;
        _clock = clock;
        _log = log;
    }

    public async Task HandleAsync(PublishedEvent published, CancellationToken ct)
    {
        foreach (var fact in published.SettlementFacts())
        {
            if (fact is not DeliverOrderSettled settled || !Counts(settled)) continue;
            var order = settled.Order;
            var completed = new CompletedDeliverOrder(new DeliverOrderId(order.Id), new ParticipantId(order.Deliverer), new ParticipantId(order.Receiver),
                new Cusip(order.Cusip), order.Shares, new Money(order.AmountCents), order.ReasonCode,
                order.ReclaimOf is null ? null : new DeliverOrderId(order.ReclaimOf), settled.CompletedBy, IncomeDates.Parse(settled.BusinessDate));
            var refused = await _income.CommandAsync(IncomeAddress.MemoAccount(new ParticipantId(settled.Participant)),
                new ApplyCompletedDeliverOrder(completed, _clock.GetUtcNow()), ct);
            // A refusal of the adapter's own command changes nothing and shows a bug or a lag: logged, never retried forever.
            if (refused is not null)
                _log.LogWarning("The memo account of {Participant} refused deliver order {Id}: {Rule} ({Message})", settled.Participant, order.Id, refused.Rule, refused.Message);
        }
        InterlockedMax(published.Offset);
    }

    private bool Counts(DeliverOrderSettled settled) =>
        settled.Order.ReclaimOf is not null || _income.Settings.TransactionTypeOf(settled.Order.ReasonCode) is not null;

    private void InterlockedMax(long offset)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _handled)) < offset && Interlocked.CompareExchange(ref _handled, offset, seen) != seen)
        {
        }
    }

    /// <summary>
    /// Completes once the consumer has handed over every settlement event written so far: what it
    /// handled in this process, or what its journaled offset says it confirmed before.
    /// </summary>
    public async Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        var target = await _journal.HighestTaggedOrderingAsync(SettlementPublication.Tag, ct);
        var deadline = _clock.GetUtcNow() + timeout;
        while (Interlocked.Read(ref _handled) < target)
        {
            var stored = await _journal.ConsumerOffsetsAsync(Name, ct);
            if (stored.Count > 0 && stored[^1].Offset >= target) return;
            if (_clock.GetUtcNow() >= deadline) throw new TimeoutException($"the income consumer did not reach ordering {target} in {timeout.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }
}
