using Ledger.Journal;
using Ledger.Lending;
using Ledger.Recalls;
using Ledger.Recalls.Events;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster.Lending;

/// <summary>
/// The lending context's consumer of the recall hub's published messages
/// (<see cref="RecallPublication.Tag"/>): an MT 526 recall made available to the borrower opens a
/// recall on the pair's book, an MT 592 cancelling it closes what is open (<see cref="RecallFeed"/>).
/// Its offset is journaled (<c>published-consumer-lending-recalls</c>); a message handed again
/// after a crash finds its control number in the book and changes nothing, so a recall is neither
/// lost nor doubled. The business date a recall counts as made on is the node's business date
/// when the consumer handles it: the lending close waits for this consumer
/// (<see cref="CaughtUpAsync"/>), so a recall made available before a close belongs to that day.
/// </summary>
public sealed class LendingRecallConsumer : IPublishedEventHandler
{
    /// <summary>The consumer's name: its offsets are the journal <c>published-consumer-lending-recalls</c>.</summary>
    public const string Name = "lending-recalls";

    /// <summary>What it reads: every message the hub made available (the hub's tag).</summary>
    public static ConsumerSettings Settings { get; } = new(Name, RecallPublication.Tag);

    private readonly LendingGateway _lending;
    private readonly Func<RecallHub?> _hub;
    private readonly ILogger _log;
    private readonly ConsumerProgress _progress;

    /// <param name="hub">The recall hub's gateway, once its context has started (it starts after lending).</param>
    public LendingRecallConsumer(LendingGateway lending, Func<RecallHub?> hub, JournalTable journal, TimeProvider clock, ILogger log)
    {
        _lending = lending;
        _hub = hub;
        _log = log;
        _progress = new ConsumerProgress(Name, Settings.Query, journal, clock);
    }

    public async Task HandleAsync(PublishedEvent published, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(published);
        if (published.Event is MessageMadeAvailable made
            && published.PersistenceId.StartsWith(RecallFeed.MailboxPrefix, StringComparison.Ordinal)
            && ParticipantId.IsValid(published.PersistenceId[RecallFeed.MailboxPrefix.Length..]))
        {
            var receiver = new ParticipantId(published.PersistenceId[RecallFeed.MailboxPrefix.Length..]);
            var reference = await _lending.ReferenceAsync(ct);
            LoanBookCommand? command = RecallFeed.ToLending(receiver, made, reference.BusinessDate) switch
            {
                RecallNotice notice => new OpenRecall(notice),
                RecallCancelRequest cancel => new CancelRecall(cancel.Resolve(await RecallOfAsync(cancel, ct))),
                _ => null,
            };
            if (command is not null)
            {
                var book = LoanBookId.Of(new ParticipantId(made.Sender), receiver);
                var reply = await _lending.BookCommandAsync(book, command, ct);
                // A refusal changes nothing and shows a message no rule can record (a bug or a limit): logged, never retried forever.
                if (reply is Refused refused)
                    _log.LogWarning("Loan book {Book} refused {Command} {ControlNumber}: {Rule} ({Message})", book, command.GetType().Name, made.ControlNumber, refused.Error.Rule, refused.Error.Message);
            }
        }
        _progress.Handled(published.Offset);
    }

    /// <summary>The control number of the recall a cancel names: the borrower's mailbox knows under which number it made the lender's message (its field 20) available.</summary>
    private async Task<string?> RecallOfAsync(RecallCancelRequest cancel, CancellationToken ct)
    {
        var hub = _hub() ?? throw new InvalidOperationException("the recall hub has not started yet; the cancel is handed again");
        return await hub.DeliveredAsAsync(cancel.Borrower, cancel.Lender, cancel.CancelsReference, ct);
    }

    /// <summary>Completes once the consumer has handed over every message the hub made available so far (in this process, or confirmed before by its journaled offset).</summary>
    public Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct) => _progress.CaughtUpAsync(timeout, ct);
}
