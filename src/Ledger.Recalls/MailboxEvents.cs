namespace Ledger.Recalls.Events;

// Stored events of a subscriber's mailbox: records of primitives, extend-only. Participants are
// four-digit strings, control numbers 16 digits, times the business time of the step.

/// <summary>Base of a mailbox's events.</summary>
public abstract record MailboxEvent(DateTimeOffset At);

/// <summary>
/// Sender side: the hub took this subscriber's message for <see cref="Receiver"/>; it is on its way
/// to the receiver's mailbox (sent again until the receiver confirms). At is when the hub received it.
/// </summary>
public sealed record MessageTaken(string SenderReference, string MessageType, string Receiver, string Text, DateTimeOffset At) : MailboxEvent(At);

/// <summary>
/// Sender side: the hub took this subscriber's message and rejected it back by <see cref="Rule"/>:
/// the message got <see cref="ControlNumber"/>, the reject in this mailbox <see cref="RejectControlNumber"/>.
/// </summary>
public sealed record MessageRejected(
    string SenderReference,
    string MessageType,
    string Rule,
    string Text,
    string ControlNumber,
    string RejectControlNumber,
    DateTimeOffset At) : MailboxEvent(At);

/// <summary>Receiver side: a message is available in this mailbox under <see cref="ControlNumber"/>; <see cref="ReceivedAt"/> is when the hub received it from the sender.</summary>
public sealed record MessageMadeAvailable(
    string ControlNumber,
    string Sender,
    string SenderReference,
    string MessageType,
    string Text,
    DateTimeOffset ReceivedAt,
    DateTimeOffset At) : MailboxEvent(At);

/// <summary>Sender side: the receiver confirmed the message available; the acknowledgement is in this mailbox.</summary>
public sealed record MessageAcknowledged(
    string SenderReference,
    string ControlNumber,
    string Receiver,
    DateTimeOffset MadeAvailableAt,
    string AcknowledgementControlNumber,
    DateTimeOffset At) : MailboxEvent(At);

/// <summary>Owner side: the entry was retrieved for the first time.</summary>
public sealed record EntryRetrieved(string ControlNumber, DateTimeOffset At) : MailboxEvent(At);

/// <summary>Sender side: the receiver retrieved the message at <see cref="RetrievedAt"/>; the retrieval receipt is in this mailbox.</summary>
public sealed record RetrievalReceiptIssued(
    string SenderReference,
    string ControlNumber,
    DateTimeOffset RetrievedAt,
    string ReceiptControlNumber,
    DateTimeOffset At) : MailboxEvent(At);

/// <summary>Receiver side: the sender's mailbox holds the retrieval receipt; nothing more to send about this message.</summary>
public sealed record RetrievalReceiptConfirmed(string ControlNumber, string ReceiptControlNumber, DateTimeOffset At) : MailboxEvent(At);
