using Ledger.Recalls.Events;
using Ledger.Recalls.Fin;

namespace Ledger.Recalls;

/// <summary>What an entry of a mailbox is.</summary>
public enum EntryKind
{
    /// <summary>A message from another subscriber.</summary>
    Message = 1,
    /// <summary>The hub's receipt: a message this subscriber sent is available to its receiver.</summary>
    Acknowledgement = 2,
    /// <summary>The hub's second receipt: the receiver retrieved a message this subscriber sent.</summary>
    RetrievalReceipt = 3,
    /// <summary>A message this subscriber sent, rejected back with its rule.</summary>
    Reject = 4,
}

/// <summary>
/// One entry of a mailbox. For a <see cref="EntryKind.Message"/>: who sent it, its reference, type and
/// text. For the hub's own status advices: the message it is about (<see cref="RelatesTo"/>, with that
/// message's type and reference) and, for a reject, the rule. <see cref="EnteredAt"/> is when it
/// entered this mailbox.
/// </summary>
public sealed record MailboxEntry(
    string ControlNumber,
    EntryKind Kind,
    string MessageType,
    ParticipantId? Sender,
    string SenderReference,
    string? Text,
    DateTimeOffset ReceivedAt,
    DateTimeOffset EnteredAt,
    string? RelatesTo,
    string? LinkedMessageType,
    string? Rule,
    LogicalTerminal? Recipient,
    DateTimeOffset? RetrievedAt = null,
    string? ReceiptControlNumber = null)
{
    public bool Retrieved => RetrievedAt is not null;
}

/// <summary>Where a message this subscriber sent stands.</summary>
public enum SentStatus
{
    /// <summary>Taken, on its way to the receiver's mailbox.</summary>
    InFlight = 1,
    /// <summary>In the receiver's mailbox; acknowledged.</summary>
    Available = 2,
    /// <summary>Rejected back.</summary>
    Rejected = 3,
}

/// <summary>
/// A message this subscriber sent, under its sender reference: the bytes (a resend must match them),
/// what became of it, and every time the trace shows.
/// </summary>
public sealed record SentMessage(
    string SenderReference,
    string MessageType,
    ParticipantId? Receiver,
    string Text,
    DateTimeOffset ReceivedAt,
    SentStatus Status,
    string? ControlNumber = null,
    string? Rule = null,
    string? ReplyControlNumber = null,
    DateTimeOffset? RepliedAt = null,
    DateTimeOffset? MadeAvailableAt = null,
    DateTimeOffset? RetrievedAt = null,
    string? ReceiptControlNumber = null,
    DateTimeOffset? ReceiptAt = null);

/// <summary>
/// One subscriber's mailbox, one entity per participant: the entries in it (messages to it and the
/// hub's messages to it), in control-number order, and the messages it sent, by sender reference.
/// It owns its references (idempotent resends), its control numbers, and both ends of the
/// protocol that moves a message from a sender's mailbox to a receiver's exactly once.
/// <see cref="Apply"/> is the only mutator and never throws on an event the decider wrote.
/// </summary>
public sealed class MailboxState(ParticipantId owner)
{
    private readonly List<MailboxEntry> _entries = [];
    private readonly Dictionary<string, int> _entryIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Sender, string Reference), string> _delivered = [];
    private readonly Dictionary<string, SentMessage> _sent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sentByControlNumber = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _receiptsPending = new(StringComparer.Ordinal);

    public ParticipantId Owner { get; } = owner;

    /// <summary>The sequence of the next control number this mailbox allocates.</summary>
    public long NextSequence { get; private set; } = 1;

    /// <summary>Events applied: the entity's journal position.</summary>
    public long Version { get; private set; }

    /// <summary>Messages sent and not yet confirmed by their receivers.</summary>
    public int InFlightCount { get; private set; }

    /// <summary>Entries in control-number order (which is the order they entered).</summary>
    public IReadOnlyList<MailboxEntry> Entries => _entries;

    public IReadOnlyCollection<SentMessage> Sent => _sent.Values;

    /// <summary>Retrieved messages whose retrieval receipt the sender's mailbox has not yet confirmed.</summary>
    public IReadOnlyCollection<string> ReceiptsPending => _receiptsPending;

    public MailboxEntry? FindEntry(string controlNumber) =>
        _entryIndex.TryGetValue(controlNumber, out var i) ? _entries[i] : null;

    public SentMessage? FindSent(string senderReference) => _sent.GetValueOrDefault(senderReference);

    /// <summary>A sent message by its control number (a rejected one, numbered here, or an available one, numbered by its receiver).</summary>
    public SentMessage? FindSentByControlNumber(string controlNumber) =>
        _sentByControlNumber.TryGetValue(controlNumber, out var reference) ? _sent[reference] : null;

    /// <summary>The control number under which a message of <paramref name="sender"/> is in this mailbox, or null.</summary>
    public string? DeliveredAs(ParticipantId sender, string senderReference) =>
        _delivered.GetValueOrDefault((sender.Value, senderReference));

    /// <summary>The index of the first entry after <paramref name="controlNumber"/> (entries are in ordinal order).</summary>
    public int IndexAfter(string controlNumber)
    {
        int lo = 0, hi = _entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (string.CompareOrdinal(_entries[mid].ControlNumber, controlNumber) <= 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    public void Apply(MailboxEvent @event)
    {
        Version++;
        switch (@event)
        {
            case MessageTaken e:
                _sent[e.SenderReference] = new SentMessage(e.SenderReference, e.MessageType, new ParticipantId(e.Receiver), e.Text, e.At, SentStatus.InFlight);
                InFlightCount++;
                break;
            case MessageRejected e:
                Allocated(e.ControlNumber);
                Allocated(e.RejectControlNumber);
                _sent[e.SenderReference] = new SentMessage(e.SenderReference, e.MessageType, null, e.Text, e.At, SentStatus.Rejected,
                    e.ControlNumber, e.Rule, e.RejectControlNumber, e.At);
                _sentByControlNumber[e.ControlNumber] = e.SenderReference;
                Add(new MailboxEntry(e.RejectControlNumber, EntryKind.Reject, FinWriter.StatusMessageType, null, e.SenderReference, null, e.At, e.At,
                    e.ControlNumber, e.MessageType, e.Rule, SenderTerminal(e.Text)));
                break;
            case MessageMadeAvailable e:
                Allocated(e.ControlNumber);
                _delivered[(e.Sender, e.SenderReference)] = e.ControlNumber;
                Add(new MailboxEntry(e.ControlNumber, EntryKind.Message, e.MessageType, new ParticipantId(e.Sender), e.SenderReference, e.Text,
                    e.ReceivedAt, e.At, null, null, null, null));
                break;
            case MessageAcknowledged e:
                Allocated(e.AcknowledgementControlNumber);
                if (_sent.TryGetValue(e.SenderReference, out var sent))
                {
                    if (sent.Status == SentStatus.InFlight) InFlightCount--;
                    _sent[e.SenderReference] = sent with
                    {
                        Status = SentStatus.Available,
                        ControlNumber = e.ControlNumber,
                        ReplyControlNumber = e.AcknowledgementControlNumber,
                        RepliedAt = e.At,
                        MadeAvailableAt = e.MadeAvailableAt,
                    };
                    _sentByControlNumber[e.ControlNumber] = e.SenderReference;
                    Add(new MailboxEntry(e.AcknowledgementControlNumber, EntryKind.Acknowledgement, FinWriter.StatusMessageType, null, e.SenderReference, null,
                        e.At, e.At, e.ControlNumber, sent.MessageType, null, SenderTerminal(sent.Text)));
                }
                break;
            case EntryRetrieved e:
                if (_entryIndex.TryGetValue(e.ControlNumber, out var r) && !_entries[r].Retrieved)
                {
                    _entries[r] = _entries[r] with { RetrievedAt = e.At };
                    if (_entries[r].Kind == EntryKind.Message) _receiptsPending.Add(e.ControlNumber);
                }
                break;
            case RetrievalReceiptIssued e:
                Allocated(e.ReceiptControlNumber);
                if (_sent.TryGetValue(e.SenderReference, out var retrieved))
                {
                    _sent[e.SenderReference] = retrieved with { RetrievedAt = e.RetrievedAt, ReceiptControlNumber = e.ReceiptControlNumber, ReceiptAt = e.At };
                    Add(new MailboxEntry(e.ReceiptControlNumber, EntryKind.RetrievalReceipt, FinWriter.StatusMessageType, null, e.SenderReference, null,
                        e.At, e.At, e.ControlNumber, retrieved.MessageType, null, SenderTerminal(retrieved.Text)));
                }
                break;
            case RetrievalReceiptConfirmed e:
                _receiptsPending.Remove(e.ControlNumber);
                if (_entryIndex.TryGetValue(e.ControlNumber, out var c)) _entries[c] = _entries[c] with { ReceiptControlNumber = e.ReceiptControlNumber };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "no evolve rule");
        }
    }

    public static MailboxState Replay(ParticipantId owner, IEnumerable<MailboxEvent> events)
    {
        var state = new MailboxState(owner);
        foreach (var e in events) state.Apply(e);
        return state;
    }

    private void Add(MailboxEntry entry)
    {
        _entryIndex[entry.ControlNumber] = _entries.Count;
        _entries.Add(entry);
    }

    private void Allocated(string controlNumber)
    {
        // Only numbers of this mailbox move its sequence; a message's number in a sender's record is the receiver's.
        if (ControlNumber.TryParse(controlNumber, out var owner, out var sequence) && owner == Owner && sequence >= NextSequence)
            NextSequence = sequence + 1;
    }

    /// <summary>
    /// The sender's logical terminal: characters 6 to 18 of a message the hub took, which begins
    /// <c>{1:F01</c> and the terminal (the checks saw to that). The hub's advices about it go there.
    /// </summary>
    private static LogicalTerminal? SenderTerminal(string text) =>
        text.Length >= 18 && LogicalTerminal.TryParse(text.Substring(6, 12), out var t) ? t : null;
}
