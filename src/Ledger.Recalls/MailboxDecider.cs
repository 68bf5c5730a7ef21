using Ledger.Recalls.Events;

namespace Ledger.Recalls;

/// <summary>What a mailbox is asked to do. Every command carries its business time.</summary>
public abstract record MailboxCommand(DateTimeOffset At);

/// <summary>Take a message this mailbox's subscriber sends (screened by <see cref="SendChecks.Screen"/>).</summary>
public sealed record SendMessage(TakenMessage Message, DateTimeOffset At) : MailboxCommand(At);

/// <summary>Sender's mailbox to receiver's: make this message available. Sent again until confirmed; the receiver dedups on (sender, sender reference).</summary>
public sealed record DeliverMessage(ParticipantId Sender, string SenderReference, string MessageType, string Text, DateTimeOffset ReceivedAt, DateTimeOffset At)
    : MailboxCommand(At);

/// <summary>Receiver's mailbox to sender's: the message is available under <see cref="ControlNumber"/>. The sender dedups on its reference.</summary>
public sealed record ConfirmDelivery(ParticipantId Receiver, string SenderReference, string ControlNumber, DateTimeOffset MadeAvailableAt, DateTimeOffset At)
    : MailboxCommand(At);

/// <summary>The subscriber (or its vendor) retrieves an entry of its mailbox.</summary>
public sealed record RetrieveEntry(string ControlNumber, DateTimeOffset At) : MailboxCommand(At);

/// <summary>Receiver's mailbox to sender's: the message was retrieved. Sent again until confirmed; the sender dedups on its reference.</summary>
public sealed record RecordRetrieval(
    ParticipantId Receiver,
    string SenderReference,
    string ControlNumber,
    DateTimeOffset MadeAvailableAt,
    DateTimeOffset RetrievedAt,
    DateTimeOffset At) : MailboxCommand(At);

/// <summary>Sender's mailbox to receiver's: the retrieval receipt is issued; the receiver stops sending <see cref="RecordRetrieval"/>.</summary>
public sealed record ConfirmRetrievalReceipt(string ControlNumber, string ReceiptControlNumber, DateTimeOffset At) : MailboxCommand(At);

/// <summary>A command for another subscriber's mailbox, to be sent once the events that justify it are persisted.</summary>
public sealed record MailboxOutbound(ParticipantId To, MailboxCommand Command);

/// <summary>The answer to a command that has one.</summary>
public abstract record MailboxReply;

/// <summary>
/// The answer to a send: the message's control number and whether it is available or rejected (with
/// the rule). For a message not yet confirmed by its receiver, <see cref="SendPending"/> comes first
/// and this follows in <see cref="MailboxDecision.Answers"/> of a later decision.
/// </summary>
public sealed record SendAnswer(string SenderReference, string ControlNumber, bool Available, string? Rule) : MailboxReply
{
    /// <summary>The contract's <c>status</c>: <c>available</c> or <c>rejected</c>.</summary>
    public string Status => Available ? "available" : "rejected";
}

/// <summary>The message is taken and on its way: hold the caller until an answer for <see cref="SenderReference"/> comes.</summary>
public sealed record SendPending(string SenderReference) : MailboxReply;

/// <summary>The entry retrieved (render it with <see cref="MailboxViews.Retrieval"/>).</summary>
public sealed record RetrievalAnswer(MailboxEntry Entry) : MailboxReply;

/// <summary>Refused: nothing changed.</summary>
public sealed record MailboxRefusal(HubError Error) : MailboxReply;

/// <summary>The result of a command: events to persist, then messages, a reply and answers to let out.</summary>
public sealed class MailboxDecision
{
    public List<MailboxEvent> Events { get; } = [];

    public List<MailboxOutbound> Messages { get; } = [];

    public MailboxReply? Reply { get; set; }

    /// <summary>Answers for senders held by <see cref="SendPending"/>, by sender reference.</summary>
    public List<SendAnswer> Answers { get; } = [];
}

/// <summary>
/// The logic of one mailbox. <see cref="Decide"/> applies each event to the state as it goes, so the
/// caller persists <see cref="MailboxDecision.Events"/> before anything leaves, and throws the state
/// away if persisting fails.
/// <para>
/// Exactly once across crashes: a message is taken at the sender's mailbox (<c>MessageTaken</c>)
/// before the sender hears anything; the sender's mailbox then sends <see cref="DeliverMessage"/>
/// after recovery and on a timer until <see cref="ConfirmDelivery"/> comes back
/// (<see cref="Unsettled"/>). The receiver dedups on (sender, sender reference): a repeat is answered
/// with the control number it first gave. The sender dedups the confirmation on its reference:
/// one acknowledgement. A first retrieval is recorded at the receiver (<c>EntryRetrieved</c>) before
/// the reader gets the entry, and <see cref="RecordRetrieval"/> goes to the sender until
/// <see cref="ConfirmRetrievalReceipt"/> comes back: one retrieval receipt. A retrieval record that
/// overtakes the delivery confirmation acknowledges first, so order does not matter either.
/// </para>
/// </summary>
public static class MailboxDecider
{
    /// <summary>Messages a mailbox may have in flight to receivers; past it, sends are refused until receivers confirm.</summary>
    public const int DeliveriesInFlightMax = 10_000;

    public static MailboxDecision Decide(MailboxState state, MailboxCommand command)
    {
        ArgumentNullException.ThrowIfNull(state);
        var decision = new MailboxDecision();
        switch (command)
        {
            case SendMessage c: Send(state, c, decision); break;
            case DeliverMessage c: Deliver(state, c, decision); break;
            case ConfirmDelivery c: Confirm(state, c, decision); break;
            case RetrieveEntry c: Retrieve(state, c, decision); break;
            case RecordRetrieval c: OnRetrieval(state, c, decision); break;
            case ConfirmRetrievalReceipt c: OnReceiptConfirmed(state, c, decision); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return decision;
    }

    /// <summary>
    /// What to send again after recovery or on a resend timer: every message still in flight to its
    /// receiver, and every retrieval whose receipt the sender has not confirmed. Receivers answer
    /// repeats from their records.
    /// </summary>
    public static IEnumerable<MailboxOutbound> Unsettled(MailboxState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var sent in state.Sent)
        {
            if (sent.Status == SentStatus.InFlight) yield return Delivery(state.Owner, sent, at);
        }
        foreach (var controlNumber in state.ReceiptsPending)
        {
            var entry = state.FindEntry(controlNumber)!;
            yield return new MailboxOutbound(entry.Sender!.Value,
                new RecordRetrieval(state.Owner, entry.SenderReference, entry.ControlNumber, entry.EnteredAt, entry.RetrievedAt!.Value, at));
        }
    }

    private static void Emit(MailboxState state, MailboxDecision decision, MailboxEvent e)
    {
        state.Apply(e);
        decision.Events.Add(e);
    }

    private static string NextControlNumber(MailboxState state, int ahead = 0) => ControlNumber.Of(state.Owner, state.NextSequence + ahead);

    private static MailboxOutbound Delivery(ParticipantId owner, SentMessage sent, DateTimeOffset at) =>
        new(sent.Receiver!.Value, new DeliverMessage(owner, sent.SenderReference, sent.MessageType, sent.Text, sent.ReceivedAt, at));

    private static void Send(MailboxState state, SendMessage c, MailboxDecision decision)
    {
        var m = c.Message;
        if (m.Sender != state.Owner) throw new ArgumentException($"a message of {m.Sender} was routed to mailbox {state.Owner}", nameof(c));
        if (state.FindSent(m.SenderReference) is { } before)
        {
            if (!string.Equals(before.Text, m.Text, StringComparison.Ordinal))
            {
                decision.Reply = new MailboxRefusal(new HubError(HubRule.SenderReferenceReused, "message.block4.20",
                    $"sender reference {m.SenderReference} already names another message of participant {state.Owner} (control number {before.ControlNumber ?? "pending"}); the same reference may only be sent again with the same bytes"));
                return;
            }
            switch (before.Status)
            {
                case SentStatus.Rejected:
                    decision.Reply = new SendAnswer(before.SenderReference, before.ControlNumber!, Available: false, before.Rule);
                    return;
                case SentStatus.Available:
                    decision.Reply = new SendAnswer(before.SenderReference, before.ControlNumber!, Available: true, null);
                    return;
                default:
                    // Still in flight: ask the receiver again now rather than at the next timer; it answers from its records.
                    decision.Messages.Add(Delivery(state.Owner, before, c.At));
                    decision.Reply = new SendPending(before.SenderReference);
                    return;
            }
        }

        if (m.Reject is { } reject)
        {
            var controlNumber = NextControlNumber(state);
            var rejectNumber = NextControlNumber(state, 1);
            Emit(state, decision, new MessageRejected(m.SenderReference, m.MessageType, reject.RuleName, m.Text, controlNumber, rejectNumber, c.At));
            decision.Reply = new SendAnswer(m.SenderReference, controlNumber, Available: false, reject.RuleName);
            return;
        }
        if (state.InFlightCount >= DeliveriesInFlightMax)
        {
            decision.Reply = new MailboxRefusal(new HubError(HubRule.DeliveriesInFlightMax, "message",
                $"participant {state.Owner} has {DeliveriesInFlightMax} messages on their way to receivers; send again once some are acknowledged"));
            return;
        }
        if (m.Receiver is null) throw new ArgumentException("a message taken without a reject names its receiver", nameof(c));
        Emit(state, decision, new MessageTaken(m.SenderReference, m.MessageType, m.Receiver.Value.Value, m.Text, c.At));
        decision.Messages.Add(Delivery(state.Owner, state.FindSent(m.SenderReference)!, c.At));
        decision.Reply = new SendPending(m.SenderReference);
    }

    private static void Deliver(MailboxState state, DeliverMessage c, MailboxDecision decision)
    {
        var controlNumber = state.DeliveredAs(c.Sender, c.SenderReference);
        if (controlNumber is null)
        {
            controlNumber = NextControlNumber(state);
            Emit(state, decision, new MessageMadeAvailable(controlNumber, c.Sender.Value, c.SenderReference, c.MessageType, c.Text, c.ReceivedAt, c.At));
        }
        var entry = state.FindEntry(controlNumber)!;
        decision.Messages.Add(new MailboxOutbound(c.Sender, new ConfirmDelivery(state.Owner, c.SenderReference, controlNumber, entry.EnteredAt, c.At)));
    }

    private static void Confirm(MailboxState state, ConfirmDelivery c, MailboxDecision decision) =>
        Acknowledge(state, decision, c.Receiver, c.SenderReference, c.ControlNumber, c.MadeAvailableAt, c.At);

    /// <summary>The acknowledgement, once per sent message, whichever confirmation comes first.</summary>
    private static void Acknowledge(MailboxState state, MailboxDecision decision, ParticipantId receiver, string reference, string controlNumber,
        DateTimeOffset madeAvailableAt, DateTimeOffset at)
    {
        var sent = state.FindSent(reference);
        if (sent is null || sent.Status == SentStatus.Rejected) return; // nothing of ours: a stray message changes nothing
        if (sent.Status == SentStatus.Available)
        {
            if (sent.ControlNumber != controlNumber)
                throw new InvariantViolation($"message {reference} of {state.Owner} is {sent.ControlNumber} at its receiver, now confirmed as {controlNumber}");
            return;
        }
        if (sent.Receiver != receiver)
            throw new InvariantViolation($"message {reference} of {state.Owner} went to {sent.Receiver}, confirmed by {receiver}");
        Emit(state, decision, new MessageAcknowledged(reference, controlNumber, receiver.Value, madeAvailableAt, NextControlNumber(state), at));
        decision.Answers.Add(new SendAnswer(reference, controlNumber, Available: true, null));
    }

    private static void Retrieve(MailboxState state, RetrieveEntry c, MailboxDecision decision)
    {
        if (ControlNumber.FormatError(c.ControlNumber) is { } bad)
        {
            decision.Reply = new MailboxRefusal(bad);
            return;
        }
        var entry = state.FindEntry(c.ControlNumber);
        if (entry is null)
        {
            decision.Reply = new MailboxRefusal(new HubError(HubRule.ControlNumberKnown, "controlNumber", $"mailbox {state.Owner} has no entry {c.ControlNumber}"));
            return;
        }
        if (!entry.Retrieved)
        {
            Emit(state, decision, new EntryRetrieved(entry.ControlNumber, c.At));
            entry = state.FindEntry(c.ControlNumber)!;
            if (entry.Kind == EntryKind.Message)
            {
                decision.Messages.Add(new MailboxOutbound(entry.Sender!.Value,
                    new RecordRetrieval(state.Owner, entry.SenderReference, entry.ControlNumber, entry.EnteredAt, c.At, c.At)));
            }
        }
        decision.Reply = new RetrievalAnswer(entry);
    }

    private static void OnRetrieval(MailboxState state, RecordRetrieval c, MailboxDecision decision)
    {
        Acknowledge(state, decision, c.Receiver, c.SenderReference, c.ControlNumber, c.MadeAvailableAt, c.At);
        var sent = state.FindSent(c.SenderReference);
        if (sent is null || sent.Status != SentStatus.Available) return;
        if (sent.ReceiptControlNumber is null)
        {
            Emit(state, decision, new RetrievalReceiptIssued(c.SenderReference, c.ControlNumber, c.RetrievedAt, NextControlNumber(state), c.At));
            sent = state.FindSent(c.SenderReference)!;
        }
        decision.Messages.Add(new MailboxOutbound(c.Receiver, new ConfirmRetrievalReceipt(c.ControlNumber, sent.ReceiptControlNumber!, c.At)));
    }

    private static void OnReceiptConfirmed(MailboxState state, ConfirmRetrievalReceipt c, MailboxDecision decision)
    {
        var entry = state.FindEntry(c.ControlNumber);
        if (entry is { Kind: EntryKind.Message, ReceiptControlNumber: null } && state.ReceiptsPending.Contains(c.ControlNumber))
            Emit(state, decision, new RetrievalReceiptConfirmed(c.ControlNumber, c.ReceiptControlNumber, c.At));
    }
}
