using Ledger.Recalls.Fin;

namespace Ledger.Recalls;

/// <summary>One line of <c>GET /v1/recall-hub/mailbox/{participant}</c>. <see cref="Sender"/> is null for the hub's own messages.</summary>
public sealed record MailboxEntryView(
    string ControlNumber,
    string Kind,
    string MessageType,
    string? Sender,
    DateTimeOffset ReceivedAt,
    bool Retrieved,
    string? RelatesTo);

/// <summary>The answer of a retrieval: the entry's control number, kind, and the FIN message as the participant gets it.</summary>
public sealed record RetrievalView(string ControlNumber, string Kind, string Message);

/// <summary>One step of a trace: when, what (<c>received</c>, <c>made-available</c>, <c>rejected</c>, <c>acknowledgement</c>, <c>retrieved</c>, <c>retrieval-receipt</c>, <c>issued</c>), and a detail.</summary>
public sealed record TraceStep(DateTimeOffset At, string What, string? Detail);

/// <summary>
/// <c>GET /v1/recall-hub/messages/{controlNumber}/trace</c>. For a message: its sender and receiver
/// (null when rejected for an unknown receiver). For one of the hub's status advices: no sender
/// (the hub), the receiver is the participant it went to, and the reference is that of the message it is about.
/// </summary>
public sealed record TraceView(
    string ControlNumber,
    string? Sender,
    string? Receiver,
    string MessageType,
    string? SenderReference,
    IReadOnlyList<TraceStep> Events);

/// <summary>Views of a mailbox, built from its state.</summary>
public static class MailboxViews
{
    /// <summary>Entries a listing returns unless asked for fewer.</summary>
    public const int ListLimitDefault = 100;

    /// <summary>Entries a listing returns at most.</summary>
    public const int ListLimitMax = 1_000;

    public static string KindName(EntryKind kind) => kind switch
    {
        EntryKind.Message => "message",
        EntryKind.Acknowledgement => "acknowledgement",
        EntryKind.RetrievalReceipt => "retrieval-receipt",
        EntryKind.Reject => "reject",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such entry kind"),
    };

    public static MailboxEntryView View(MailboxEntry e) =>
        new(e.ControlNumber, KindName(e.Kind), e.MessageType, e.Sender?.Value, e.EnteredAt, e.Retrieved, e.RelatesTo);

    /// <summary>Entries after <paramref name="after"/> (all when null), at most <paramref name="limit"/>, in control-number order.</summary>
    public static (IReadOnlyList<MailboxEntryView>? Entries, HubError? Error) List(MailboxState state, string? after, int? limit)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (after is not null && ControlNumber.FormatError(after, "after") is { } bad) return (null, bad);
        var count = limit ?? ListLimitDefault;
        if (count is < 1 or > ListLimitMax)
            return (null, new HubError(HubRule.LimitRange, "limit", $"limit must be 1 to {ListLimitMax}"));
        var start = after is null ? 0 : state.IndexAfter(after);
        var entries = new List<MailboxEntryView>(Math.Min(count, state.Entries.Count - start));
        for (var i = start; i < state.Entries.Count && entries.Count < count; i++) entries.Add(View(state.Entries[i]));
        return (entries, null);
    }

    /// <summary>Entries not yet retrieved, in control-number order: what <c>ledger recalls fetch</c> takes.</summary>
    public static IEnumerable<MailboxEntry> Waiting(MailboxState state) => state.Entries.Where(e => !e.Retrieved);

    /// <summary>
    /// The entry as FIN text: a message in output form (<see cref="FinWriter.OutputForm"/>, received and
    /// delivered at the times of its journey, so a second retrieval gets the same bytes), a status
    /// advice as its MT 548 from <paramref name="hub"/>.
    /// </summary>
    public static RetrievalView Retrieval(MailboxEntry entry, LogicalTerminal hub)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new RetrievalView(entry.ControlNumber, KindName(entry.Kind), Text(entry, hub));
    }

    public static string Text(MailboxEntry entry, LogicalTerminal hub)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind == EntryKind.Message)
        {
            var reading = FinReader.Read(entry.Text!);
            var message = reading.Message ?? throw new InvariantViolation($"entry {entry.ControlNumber} holds a message the hub cannot read: {reading.Error}");
            return FinWriter.OutputForm(message, entry.ReceivedAt, entry.EnteredAt);
        }
        return FinWriter.StatusMessage(Advice(entry), hub);
    }

    /// <summary>The status advice an entry of the hub's stands for.</summary>
    public static StatusAdvice Advice(MailboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var kind = entry.Kind switch
        {
            EntryKind.Acknowledgement => StatusKind.Acknowledgement,
            EntryKind.RetrievalReceipt => StatusKind.RetrievalReceipt,
            EntryKind.Reject => StatusKind.Reject,
            _ => throw new ArgumentException($"entry {entry.ControlNumber} is a message, not a status advice", nameof(entry)),
        };
        var recipient = entry.Recipient ?? throw new InvariantViolation($"status advice {entry.ControlNumber} has no recipient terminal");
        return new StatusAdvice(kind, entry.ControlNumber, entry.LinkedMessageType!, entry.SenderReference, entry.Rule, recipient, entry.EnteredAt);
    }
}

/// <summary>Where the trace of a control number is found, from the mailbox that allocated it (<see cref="ControlNumber.Owner"/>).</summary>
public abstract record TraceLocation
{
    /// <summary>The owner's mailbox has nothing under that number.</summary>
    public sealed record NotFound : TraceLocation;

    /// <summary>Everything was in the owner's mailbox.</summary>
    public sealed record Found(TraceView Trace) : TraceLocation;

    /// <summary>A message in the owner's (the receiver's) mailbox: ask <see cref="Sender"/>'s mailbox for <see cref="SenderReference"/>, then <see cref="Traces.Of"/>.</summary>
    public sealed record AskSender(ParticipantId Sender, string SenderReference, MailboxEntry Delivered) : TraceLocation;
}

/// <summary>Traces: every step of a control number with its time, built from the mailboxes that hold them.</summary>
public static class Traces
{
    /// <summary>Looks <paramref name="controlNumber"/> up in the mailbox that allocated it.</summary>
    public static TraceLocation Locate(MailboxState owner, string controlNumber)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (owner.FindSentByControlNumber(controlNumber) is { Status: SentStatus.Rejected } rejected)
            return new TraceLocation.Found(Of(owner.Owner, rejected, null));
        var entry = owner.FindEntry(controlNumber);
        if (entry is null) return new TraceLocation.NotFound();
        if (entry.Kind == EntryKind.Message) return new TraceLocation.AskSender(entry.Sender!.Value, entry.SenderReference, entry);
        var steps = new List<TraceStep> { new(entry.EnteredAt, "issued", $"{MailboxViews.KindName(entry.Kind)} about {entry.RelatesTo}") };
        if (entry.RetrievedAt is { } at) steps.Add(new TraceStep(at, "retrieved", null));
        return new TraceLocation.Found(new TraceView(entry.ControlNumber, null, owner.Owner.Value, entry.MessageType, entry.SenderReference, steps));
    }

    /// <summary>
    /// The trace of a message from its sender's record and, when at hand, the receiver's entry (which
    /// may know of a delivery or retrieval the sender has not heard of yet).
    /// </summary>
    public static TraceView Of(ParticipantId sender, SentMessage sent, MailboxEntry? delivered)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var steps = new List<TraceStep> { new(sent.ReceivedAt, "received", null) };
        if (sent.Status == SentStatus.Rejected)
        {
            steps.Add(new TraceStep(sent.RepliedAt!.Value, "rejected", sent.Rule));
            steps.Add(new TraceStep(sent.RepliedAt!.Value, "reject", sent.ReplyControlNumber));
        }
        else
        {
            var madeAvailable = sent.MadeAvailableAt ?? delivered?.EnteredAt;
            if (madeAvailable is { } available) steps.Add(new TraceStep(available, "made-available", sent.Receiver?.Value));
            if (sent.Status == SentStatus.Available) steps.Add(new TraceStep(sent.RepliedAt!.Value, "acknowledgement", sent.ReplyControlNumber));
            var retrieved = sent.RetrievedAt ?? delivered?.RetrievedAt;
            if (retrieved is { } r) steps.Add(new TraceStep(r, "retrieved", null));
            if (sent.ReceiptAt is { } receipt) steps.Add(new TraceStep(receipt, "retrieval-receipt", sent.ReceiptControlNumber));
        }
        var controlNumber = sent.ControlNumber ?? delivered?.ControlNumber;
        // Stable: steps happen in this order; times only break ties the other way if clocks disagree.
        return new TraceView(controlNumber ?? "", sender.Value, sent.Receiver?.Value, sent.MessageType, sent.SenderReference, steps);
    }
}
