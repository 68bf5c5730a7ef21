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

    private readonly LendingGateway _lending;
    private readonly Func<RecallHub?> _hub;
    private readonly JournalTable _journal;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private long _handled;

    /// <param name="hub">The recall hub's gateway, once its context has started (it starts after lending).</param>
    public LendingRecallConsumer(LendingGateway lending, Func<RecallHub?> hub, JournalTable journal, TimeProvider clock, ILogger log)
    {
        _lending = lending;
        _hub = hub;
        _journal = journal;
        _clock = clock;
        _log = log;
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
        InterlockedMax(published.Offset);
    }

    /// <summary>The control number of the recall a cancel names: the borrower's mailbox knows under which number it made the lender's message (its field 20) available.</summary>
    private async Task<string?> RecallOfAsync(RecallCancelRequest cancel, CancellationToken ct)
    {
        var hub = _hub() ?? throw new InvalidOperationException("the recall hub has not started yet; the cancel is handed again");
        return await hub.DeliveredAsAsync(cancel.Borrower, cancel.Lender, cancel.CancelsReference, ct);
    }

    private void InterlockedMax(long offset)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _handled)) < offset && Interlocked.CompareExchange(ref _handled, offset, seen) != seen)
        {
        }
    }

    /// <summary>Completes once the consumer has handed over every message the hub made available so far (in this process, or confirmed before by its journaled offset).</summary>
    public async Task CaughtUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        var target = await _journal.HighestTaggedOrderingAsync(RecallPublication.Tag, ct);
        var deadline = _clock.GetUtcNow() + timeout;
        while (Interlocked.Read(ref _handled) < target)
        {
            var stored = await _journal.ConsumerOffsetsAsync(Name, ct);
            if (stored.Count > 0 && stored[^1].Offset >= target) return;
            if (_clock.GetUtcNow() >= deadline) throw new TimeoutException($"the lending recall consumer did not reach ordering {target} in {timeout.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }
}
