using System.Globalization;

namespace Ledger.Recalls;

/// <summary>
/// The hub's id for everything it takes or issues: 16 digits, the participant whose mailbox
/// allocated it (4) then that mailbox's sequence (12), <c>0002000000000017</c>.
/// <para>
/// Why this shape: a mailbox lists its entries in control-number order, and a client pages with
/// <c>?after=</c>. If numbers came from anywhere else (a hub-wide sequence, the sender's side), an
/// entry could arrive after a later number was already listed and a client paging by
/// <c>after</c> would never see it. So each mailbox numbers what enters it, and its numbers only grow.
/// They are unique across the cluster without any coordination: the prefix is the mailbox's
/// participant, and only one mailbox entity per participant ever writes (sharding runs one, and the
/// journal refuses a second writer's event at a sequence number already taken). The prefix also
/// says which mailbox to ask when tracing a number. The decider takes the allocation as an input of
/// the entity: its owner, and the next sequence its own journal arrived at.
/// </para>
/// </summary>
public static class ControlNumber
{
    public const int Length = 16;

    /// <summary>Digits of the sequence part.</summary>
    public const int SequenceDigits = 12;

    /// <summary>The last sequence a mailbox can allocate; passing it is a broken invariant, not a business outcome.</summary>
    public const long SequenceMax = 999_999_999_999;

    public static string Of(ParticipantId owner, long sequence)
    {
        if (sequence is < 1 or > SequenceMax) throw new InvariantViolation($"control-number sequence {sequence} of mailbox {owner} is outside 1..{SequenceMax}");
        return owner.Value + sequence.ToString("D12", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a control number: 16 digits, with a sequence of at least 1.</summary>
    public static bool TryParse(string? text, out ParticipantId owner, out long sequence)
    {
        owner = default;
        sequence = 0;
        if (text is not { Length: Length } || !text.All(char.IsAsciiDigit)) return false;
        sequence = long.Parse(text.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture);
        if (sequence < 1) return false;
        owner = new ParticipantId(text[..4]);
        return true;
    }

    /// <summary>The mailbox that allocated <paramref name="controlNumber"/>.</summary>
    public static ParticipantId Owner(string controlNumber) =>
        TryParse(controlNumber, out var owner, out _) ? owner : throw new ArgumentException($"'{controlNumber}' is not a control number", nameof(controlNumber));

    public static long Sequence(string controlNumber) =>
        TryParse(controlNumber, out _, out var sequence) ? sequence : throw new ArgumentException($"'{controlNumber}' is not a control number", nameof(controlNumber));

    /// <summary>A refusal naming <c>control-number-format</c> when <paramref name="text"/> is not a control number.</summary>
    public static HubError? FormatError(string? text, string field = "controlNumber") =>
        TryParse(text, out _, out _) ? null : new HubError(HubRule.ControlNumberFormat, field, $"{field} must be {Length} digits: a participant number then a sequence");
}
