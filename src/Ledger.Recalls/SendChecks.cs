using System.Collections.Frozen;
using Ledger.Recalls.Fin;

namespace Ledger.Recalls;

/// <summary>
/// A message the hub takes: it gets a control number at its sender's mailbox, and is either made
/// available to <see cref="Receiver"/> or, when <see cref="Reject"/> is set, rejected back.
/// </summary>
public sealed record TakenMessage(
    ParticipantId Sender,
    string SenderReference,
    string MessageType,
    ParticipantId? Receiver,
    HubError? Reject,
    string Text);

/// <summary>The outcome of <see cref="SendChecks.Screen"/>: refused (nothing taken) or taken.</summary>
public sealed record Screening(HubError? Refusal, TakenMessage? Taken)
{
    public static Screening Refused(HubError error) => new(error, null);
}

/// <summary>
/// The checks of recall-hub.md section 3, in order; the first that fails is the reason.
/// <list type="number">
/// <item>well-formed blocks (<c>message-size-max</c>, <c>swift-character-set</c>, <c>message-format</c>, which includes a sender reference the hub can key on) and a type the hub carries (<c>message-type</c>);</item>
/// <item>the sender (block 1) is a subscriber (<c>sender-subscribed</c>) and the caller may send for it (<c>own-participant</c>, <c>vendor-authorized</c>);</item>
/// <item>the receiver (block 2) is a subscriber (<c>receiver-subscribed</c>) other than the sender (<c>receiver-not-sender</c>).</item>
/// </list>
/// Whether a failed message is <em>refused</em> (problem+json, no control number, nothing changes) or
/// <em>rejected back</em> (taken: a control number, a reject in the sender's mailbox, a trace) depends on
/// one thing: a reject goes to the sender's mailbox, so the hub takes a message only once it knows a
/// sender the caller may act for, and a sender reference to answer resends by. So format and sender
/// failures are refused, and <c>message-type</c>, <c>receiver-subscribed</c> and
/// <c>receiver-not-sender</c> are rejected back (a wrong type with an unknown or foreign sender is
/// refused, still naming <c>message-type</c>, the first check that failed).
/// <c>sender-reference-reused</c> is decided by the sender's mailbox, which owns its references.
/// </summary>
public static class SendChecks
{
    /// <summary>The message types the hub carries: recall and return notices (526), loan confirmations (516), cancellations (592).</summary>
    public static readonly FrozenSet<string> CarriedMessageTypes = FrozenSet.ToFrozenSet(["526", "516", "592"], StringComparer.Ordinal);

    /// <summary>Characters of a sender reference at most (field 20 is 16x).</summary>
    public const int SenderReferenceLengthMax = 16;

    public static Screening Screen(string text, Caller caller, RegistryState registry)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(registry);
        if (caller is not (Caller.Participant or Caller.Vendor))
            return Screening.Refused(new HubError(HubRule.Role, "message", "only a participant or its vendor may send messages"));

        // 1. Blocks, and the parts the hub reads.
        var reading = FinReader.Read(text);
        if (reading.Error is { } unreadable) return Screening.Refused(unreadable);
        var message = reading.Message!;
        if (message.Basic.ApplicationId != 'F' || message.Basic.ServiceId != "01")
            return Screening.Refused(new HubError(HubRule.MessageFormat, "message.block1", "block 1 must start F01 (FIN, user-to-user)"));
        if (message.Application.Direction != FinDirection.Input)
            return Screening.Refused(new HubError(HubRule.MessageFormat, "message.block2", "the hub takes input messages: block 2 is {2:I<type><receiver address>...}"));
        if (ReferenceError(message) is { } noReference) return Screening.Refused(noReference);
        var typeError = CarriedMessageTypes.Contains(message.MessageType)
            ? null
            : new HubError(HubRule.MessageType, "message.block2", $"the hub carries MT 526, 516 and 592, not MT {message.MessageType}");

        // 2. The sender, and whether the caller may send for it. Failing here, nothing is taken.
        var sender = registry.FindByTerminal(message.Basic.Terminal);
        if (sender is null)
            return Screening.Refused(typeError ?? new HubError(HubRule.SenderSubscribed, "message.block1", $"sender address {message.Basic.Terminal} is not a subscriber's"));
        if (HubAccess.ActFor(caller, sender.Participant, registry, "message.block1") is { } notYours)
            return Screening.Refused(typeError ?? notYours);

        var reference = message.SenderReference!;
        if (typeError is not null) return Taken(sender.Participant, reference, message, null, typeError, text);

        // 3. The receiver.
        var receiver = registry.FindByTerminal(message.Application.Terminal);
        if (receiver is null)
            return Taken(sender.Participant, reference, message, null,
                new HubError(HubRule.ReceiverSubscribed, "message.block2", $"receiver address {message.Application.Terminal} is not a subscriber's"), text);
        if (receiver.Participant == sender.Participant)
            return Taken(sender.Participant, reference, message, receiver.Participant,
                new HubError(HubRule.ReceiverNotSender, "message.block2", "a message must go to another subscriber than its sender"), text);
        return Taken(sender.Participant, reference, message, receiver.Participant, null, text);
    }

    private static Screening Taken(ParticipantId sender, string reference, FinMessage message, ParticipantId? receiver, HubError? reject, string text) =>
        new(null, new TakenMessage(sender, reference, message.MessageType, receiver, reject, text));

    /// <summary>Null when the message has a sender reference the hub can key on: 1 to 16 X characters, no '/' at either end, no '//'.</summary>
    public static HubError? ReferenceError(FinMessage message)
    {
        var reference = message.SenderReference;
        if (reference is null)
            return new HubError(HubRule.MessageFormat, "message.block4.20", "field 20 (the sender's reference) is missing");
        if (reference.Length is 0 or > SenderReferenceLengthMax || reference.Contains('\r', StringComparison.Ordinal) ||
            reference.StartsWith('/') || reference.EndsWith('/') || reference.Contains("//", StringComparison.Ordinal))
            return new HubError(HubRule.MessageFormat, "message.block4.20",
                $"field 20 must be 1 to {SenderReferenceLengthMax} characters on one line, without '/' at either end or '//'");
        return null;
    }
}
