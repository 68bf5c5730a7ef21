using System.Globalization;
using Ledger.Lending;
using Ledger.Recalls.Events;
using Ledger.Recalls.Fin;

namespace Ledger.Cluster.Lending;

/// <summary>An MT 592 cancelling an MT 526, before its field 21 is resolved to the recall's control number (the borrower's mailbox knows it).</summary>
public sealed record RecallCancelRequest(string ControlNumber, string CancelsReference, ParticipantId Lender, ParticipantId Borrower, DateOnly BusinessDate, DateTimeOffset At)
{
    /// <summary>The notice for the book, once <paramref name="recallControlNumber"/> is known (or the field 21 as written when it is not, so the book records the cancel of an unknown recall).</summary>
    public RecallCancelNotice Resolve(string? recallControlNumber) =>
        new(ControlNumber, recallControlNumber ?? RecallFeed.AsControlNumber(CancelsReference), Lender, Borrower, BusinessDate, At);
}

/// <summary>
/// What the recall hub's published messages (<see cref="MessageMadeAvailable"/> in a receiver's
/// mailbox, tag <see cref="Ledger.Recalls.RecallPublication.Tag"/>) mean to the lending context,
/// translated (pure). The hub carries block 4 without reading it; lending reads it here:
/// - MT 526 with field 23 <c>RECALL/...</c>: a <see cref="RecallNotice"/> from the sender (the
///   lender) to the receiver (the borrower), under the control number the receiver's mailbox
///   gave it; CUSIP from field 35B (<c>ISIN US...</c>/<c>CA...</c>, whose characters 3 to 11 are
///   the CUSIP, or <c>/US/&lt;CUSIP&gt;</c>), shares from field 36 (<c>SHS500,</c>) or 36B
///   (<c>:QRCL//UNIT/500,</c>), the named return date from field 30 (<c>YYMMDD</c>, when not before the recall's date);
/// - MT 592 whose field 11S names an MT 526: a <see cref="RecallCancelRequest"/> for the recall
///   whose field 20 its field 21 names;
/// - anything else (MT 516 answers, 526 <c>RETURN/...</c> notices, cancels of other types): nothing.
/// A field that cannot be read is passed on as a value the book refuses by its rule (a CUSIP that
/// is no CUSIP, zero shares, a return date before the recall), so the book keeps the recall as an
/// exception record instead of it vanishing.
/// </summary>
public static class RecallFeed
{
    /// <summary>The journal of a mailbox: <c>recall-mailbox-&lt;participant&gt;</c>.</summary>
    public const string MailboxPrefix = Ledger.Cluster.MailboxActor.PersistenceIdPrefix;

    // Longest raw text kept from an unreadable field in an exception record.
    private const int RawTextMax = 35;

    /// <summary>
    /// The lending input a message made available in <paramref name="receiver"/>'s mailbox stands
    /// for: a <see cref="RecallNotice"/>, a <see cref="RecallCancelRequest"/>, or null.
    /// <paramref name="businessDate"/> is the business date it counts as made available on.
    /// </summary>
    public static object? ToLending(ParticipantId receiver, MessageMadeAvailable made, DateOnly businessDate)
    {
        ArgumentNullException.ThrowIfNull(made);
        if (!ParticipantId.IsValid(made.Sender) || made.Sender == receiver.Value) return null;
        var sender = new ParticipantId(made.Sender);
        if (made.MessageType is not ("526" or "592")) return null;
        var reading = FinReader.Read(made.Text);
        if (reading.Message is not { } message) return null; // the hub made only well-formed messages available
        if (made.MessageType == "526")
        {
            var function = message.Field("23")?.Content ?? message.Field("23G")?.Value ?? "";
            if (!function.StartsWith("RECALL", StringComparison.Ordinal)) return null;
            return new RecallNotice(made.ControlNumber, sender, receiver, CusipOf(message), SharesOf(message), businessDate, made.At, ReturnDateOf(message, businessDate));
        }
        var cancels = message.Field("11S")?.Content ?? "";
        if (!cancels.StartsWith("526", StringComparison.Ordinal)) return null;
        var related = message.Field("21")?.Content ?? message.Field("20C", "PREV")?.Value;
        if (string.IsNullOrEmpty(related)) return null;
        return new RecallCancelRequest(made.ControlNumber, related, sender, receiver, businessDate, made.At);
    }

    /// <summary>A reference as a lending control number: the characters a control number may not hold become '_' (the text is the sender's).</summary>
    public static string AsControlNumber(string reference)
    {
        var chars = reference.Take(LendingLimits.ControlNumberLengthMax)
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' ? c : '_').ToArray();
        return chars.Length == 0 ? "_" : new string(chars);
    }

    private static string FirstLine(string content)
    {
        var end = content.IndexOfAny(['\r', '\n']);
        return (end < 0 ? content : content[..end]).Trim();
    }

    private static Cusip CusipOf(FinMessage message)
    {
        var line = message.Field("35B")?.Content is { } c ? FirstLine(c) : "";
        if (line.StartsWith("ISIN ", StringComparison.Ordinal))
        {
            var isin = line[5..].Trim();
            var end = isin.IndexOf(' ', StringComparison.Ordinal);
            if (end >= 0) isin = isin[..end];
            // A US or Canadian ISIN is the country, the CUSIP and a check digit.
            if (isin.Length == 12 && (isin.StartsWith("US", StringComparison.Ordinal) || isin.StartsWith("CA", StringComparison.Ordinal)))
                return new Cusip(isin[2..11]);
            return new Cusip(Raw(isin));
        }
        if (line.StartsWith("/US/", StringComparison.Ordinal)) return new Cusip(Raw(line[4..].Trim()));
        return new Cusip(Raw(line));
    }

    private static string Raw(string text) => text.Length <= RawTextMax ? text : text[..RawTextMax];

    /// <summary>Whole shares, or 0 (which the book refuses as <c>shares-positive</c>) when the field is missing, fractional or no number.</summary>
    private static long SharesOf(FinMessage message)
    {
        var text = message.Field("36")?.Content ?? message.Field("36B")?.Value;
        if (text is null) return 0;
        text = FirstLine(text);
        foreach (var prefix in new[] { "SHS", "UNIT/", "FAMT/" })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                text = text[prefix.Length..];
                break;
            }
        }
        // ISO 15022 decimals: a comma, always present, digits after it optional.
        var comma = text.IndexOf(',', StringComparison.Ordinal);
        var whole = comma < 0 ? text : text[..comma];
        var fraction = comma < 0 ? "" : text[(comma + 1)..];
        if (whole.Length is 0 or > 15 || !whole.All(char.IsAsciiDigit) || !fraction.All(c => c == '0')) return 0;
        return long.Parse(whole, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Field 30's date as the return date the recall names, when it is on or after the recall's
    /// business date; an earlier date is the message's own date (as many senders fill field 30) and
    /// names no return date. Text that is no date becomes <see cref="DateOnly.MinValue"/>, which the
    /// book keeps as a <c>return-date-range</c> exception.
    /// </summary>
    private static DateOnly? ReturnDateOf(FinMessage message, DateOnly businessDate)
    {
        if (message.Field("30")?.Content is not { } text) return null;
        if (!DateOnly.TryParseExact(FirstLine(text), "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return DateOnly.MinValue;
        return date >= businessDate ? date : null;
    }
}
