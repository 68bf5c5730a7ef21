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
/// effect, so each completion is counted exactly once. It reads only the completions of its loan
/// and return reason codes and of reclaims (<see cref="SettingsFor"/>): the journal's query skips
/// the rest undecoded.
/// </summary>
public sealed class IncomeConsumer : IPublishedEventHandler
{
    /// <summary>The consumer's name: its offsets are the journal <c>published-consumer-income</c>.</summary>
    public const string Name = "income";

    private readonly IncomeGateway _income;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly ConsumerProgress _progress;

    public IncomeConsumer(IncomeGateway income, JournalTable journal, TimeProvider clock, ILogger log)
    {
        _income = income;
        _clock = clock;
        _log = log;
        Settings = SettingsFor(income.Settings);
        _progress = new ConsumerProgress(Name, Settings.Query, journal, clock);
    }

    /// <summary>What it reads: settlement's published completions of its reason codes and of reclaims.</summary>
    public ConsumerSettings Settings { get; }

    /// <summary>The published rows income takes under <paramref name="settings"/>: its loan and return reason codes, and reclaims.</summary>
    public static ConsumerSettings SettingsFor(IncomeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new ConsumerSettings(Name, SettlementPublication.Tag)
        {
            KindPrefix = SettlementPublication.KindPrefix,
            Kinds = [.. settings.LoanReasonCodes.Concat(settings.ReturnReasonCodes).Select(SettlementPublication.ReasonKind), SettlementPublication.ReclaimKind],
        };
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
        _progress.Handled(published.Offset);
    }

    private bool Counts(DeliverOrderSettled settled) =>
        settled.Order.ReclaimOf is not null || _income.Settings.TransactionTypeOf(settled.Order.ReasonCode) is not null;

    public Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct) => _progress.CaughtUpAsync(timeout, ct);
}
