using Akka.Actor;
using Ledger.Journal;
using Ledger.Recalls;

namespace Ledger.Cluster;

/// <summary>
/// The gateway onto the recall hub of a running node: it asks the registry and the mailboxes and
/// hands back what they answered. It decides nothing: the checks are <see cref="SendChecks"/>, the
/// outcomes the mailboxes' (<see cref="MailboxDecider"/>).
/// </summary>
public sealed class RecallHub
{
    private readonly IActorRef _mailboxes;
    private readonly IActorRef _registry;
    private readonly LedgerNodeOptions _options;

    public RecallHub(IActorRef mailboxes, IActorRef registry, LedgerNodeOptions options)
    {
        _mailboxes = mailboxes;
        _registry = registry;
        _options = options;
    }

    /// <summary>Now, as the node's clock tells it: the business time of a step the gateway starts.</summary>
    public DateTimeOffset Now => _options.Clock.GetUtcNow();

    private async Task<T> Ask<T>(IActorRef region, object message, CancellationToken ct)
    {
        var answer = await region.Ask<object>(message, _options.AskTimeout, ct);
        return answer switch
        {
            JournalDamaged damaged => throw new JournalDamagedException(damaged),
            Busy busy => throw new LedgerBusyException(busy.Reason),
            T t => t,
            _ => throw new InvalidOperationException($"{region.Path.Name} answered {answer.GetType().Name}, expected {typeof(T).Name}"),
        };
    }

    private Task<T> AskMailbox<T>(ParticipantId participant, object message, CancellationToken ct) =>
        Ask<T>(_mailboxes, new MailboxEnvelope(participant.Value, message), ct);

    public async Task<RegistryState> RegistryAsync(CancellationToken ct) =>
        (await Ask<RegistrySnapshot>(_registry, new RegistryEnvelope(GetRegistry.Instance), ct)).State;

    public Task<RegistryOutcome> ChangeRegistryAsync(RegistryCommand command, CancellationToken ct) =>
        Ask<RegistryOutcome>(_registry, new RegistryEnvelope(command), ct);

    /// <summary>
    /// Hands a screened message to its sender's mailbox and waits for the answer: a
    /// <see cref="SendAnswer"/> once the message is available at its receiver (or rejected back),
    /// or a <see cref="MailboxRefusal"/>. No answer within the ask timeout is a timeout: the client
    /// sends again, and the same bytes get the same answer.
    /// </summary>
    public Task<MailboxReply> SendAsync(TakenMessage message, CancellationToken ct) =>
        AskMailbox<MailboxReply>(message.Sender, new SendMessage(message, Now), ct);

    public Task<MailboxListing> ListAsync(ParticipantId participant, string? after, int? limit, CancellationToken ct) =>
        AskMailbox<MailboxListing>(participant, new ListMailbox(after, limit), ct);

    /// <summary>The entry in the form its subscriber gets it (<see cref="Retrieved"/>), or a <see cref="MailboxRefusal"/>.</summary>
    public Task<object> RetrieveAsync(ParticipantId participant, string controlNumber, CancellationToken ct) =>
        AskMailbox<object>(participant, new RetrieveEntry(controlNumber, Now), ct);

    /// <summary>The control number under which <paramref name="receiver"/>'s mailbox made <paramref name="sender"/>'s message <paramref name="senderReference"/> available; null when it has not.</summary>
    public async Task<string?> DeliveredAsAsync(ParticipantId receiver, ParticipantId sender, string senderReference, CancellationToken ct) =>
        (await AskMailbox<DeliveredAs>(receiver, new FindDelivered(sender.Value, senderReference), ct)).ControlNumber;

    public async Task<IReadOnlyList<string>> WaitingAsync(ParticipantId participant, CancellationToken ct) =>
        (await AskMailbox<WaitingEntries>(participant, GetWaiting.Instance, ct)).ControlNumbers;

    /// <summary>Every step of <paramref name="controlNumber"/> (a well-formed one), from the mailbox that allocated it and, for a message, its sender's; null when no mailbox knows it.</summary>
    public async Task<TraceView?> TraceAsync(string controlNumber, CancellationToken ct)
    {
        var owner = ControlNumber.Owner(controlNumber);
        var located = await AskMailbox<TraceAnswer>(owner, new LocateTrace(controlNumber), ct);
        if (located.Trace is { } found) return found;
        if (located.AskSender is not { } senderId) return null;
        var sender = new ParticipantId(senderId);
        var sent = (await AskMailbox<SentRecord>(sender, new GetSent(located.SenderReference!), ct)).Sent;
        // The receiver holds a message only once its sender took it: the sender's record is there for good.
        if (sent is null) throw new InvariantViolation($"{controlNumber} is in {owner}'s mailbox, but {sender} has no message {located.SenderReference}");
        var delivered = new MailboxEntry(located.DeliveredControlNumber!, EntryKind.Message, sent.MessageType, sender, sent.SenderReference, null,
            sent.ReceivedAt, located.DeliveredAt!.Value, null, null, null, null, located.RetrievedAt);
        return Traces.Of(sender, sent, delivered);
    }
}
