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
/// offset is journaled. It reads only those (<see cref="Settings"/>: loans, returns, reclaims and
/// marks): every other completion is skipped undecoded by the journal's query (a row written before
/// kinds were tagged is read, and <see cref="LendingRouting.BookOf(CompletedDeliverOrder)"/> finds no book for it).
/// </summary>
public sealed class LendingConsumer : IPublishedEventHandler
{
    /// <summary>The consumer's name: its offsets are the journal <c>published-consumer-lending</c>.</summary>
    public const string Name = "lending";

    /// <summary>What it reads: settlement's published completions and drops of loans, returns, reclaims and marks.</summary>
    public static ConsumerSettings Settings { get; } = new(Name, SettlementPublication.Tag)
    {
        KindPrefix = SettlementPublication.KindPrefix,
        Kinds =
        [
            SettlementPublication.ReasonKind(LoanTerms.LoanReasonCode), SettlementPublication.ReasonKind(LoanTerms.ReturnReasonCode),
            SettlementPublication.ReasonKind(Ledger.Settlement.PaymentOrders.ReasonCode), SettlementPublication.ReclaimKind,
        ],
    };

    private readonly LendingGateway _lending;
    private readonly ILogger _log;
    private readonly ConsumerProgress _progress;

    public LendingConsumer(LendingGateway lending, JournalTable journal, TimeProvider clock, ILogger log)
    {
        _lending = lending;
        _log = log;
        _progress = new ConsumerProgress(Name, Settings.Query, journal, clock);
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
        _progress.Handled(published.Offset);
    }

    /// <summary>Completes once the consumer has handed over every settlement event written so far: what it handled in this process, or what its journaled offset says it confirmed before.</summary>
    public Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct) => _progress.CaughtUpAsync(timeout, ct);
}
