using System.Globalization;
using System.Text;

namespace Ledger.Recalls.Fin;

/// <summary>Which of the hub's own messages a status advice is.</summary>
public enum StatusKind
{
    /// <summary>The message is available to its receiver (<c>:25D::IPRC//PACK</c>).</summary>
    Acknowledgement = 1,
    /// <summary>The receiver has retrieved the message (<c>:25D::IPRC/LDGR/RETR</c>).</summary>
    RetrievalReceipt = 2,
    /// <summary>The hub could not deliver the message (<c>:25D::IPRC//REJT</c> with the rule in <c>:70D::REAS//</c>).</summary>
    Reject = 3,
}

/// <summary>
/// One of the hub's messages to a participant, before it is written: its own control number, the
/// type and sender reference of the message it is about, the rule of a reject, the participant's
/// logical terminal (block 1) and the moment the hub issued it (block 2, in UTC).
/// </summary>
public sealed record StatusAdvice(
    StatusKind Kind,
    string ControlNumber,
    string LinkedMessageType,
    string SenderReference,
    string? RejectRule,
    LogicalTerminal Recipient,
    DateTimeOffset IssuedAt);

/// <summary>
/// Writes the hub's FIN messages: its status advices (MT 548 in the qualifier layout of recall-hub.md
/// section 3) and the output form of a delivered message. Lines end with CR LF; times are UTC.
/// </summary>
public static class FinWriter
{
    /// <summary>The message type of every status advice.</summary>
    public const string StatusMessageType = "548";

    /// <summary>The data source scheme of the hub's own status code (<c>:25D::IPRC/LDGR/RETR</c>).</summary>
    public const string DataSourceScheme = "LDGR";

    /// <summary>The hub's logical terminal unless the node is given another: the sender named in block 2 of its status advices.</summary>
    public static readonly LogicalTerminal DefaultHubTerminal = LogicalTerminal.Parse("LDGRUS33XXXX");

    // Sessions and sequence numbers belong to SWIFT's links, which the hub does not have; it writes
    // zeros there, and its control number (in :20C::SEME// or the trace) identifies each message.
    private const string NoSession = "0000000000";

    /// <summary>The lines of block 4 of a status advice, from the table of section 3.</summary>
    public static IReadOnlyList<string> StatusLines(StatusAdvice advice)
    {
        ArgumentNullException.ThrowIfNull(advice);
        var lines = new List<string>
        {
            ":16R:GENL",
            ":20C::SEME//" + advice.ControlNumber,
            ":23G:INST",
            ":16R:LINK",
            ":13A::LINK//" + advice.LinkedMessageType,
            ":20C::RELA//" + advice.SenderReference,
            ":16S:LINK",
            ":16S:GENL",
            ":16R:STAT",
        };
        switch (advice.Kind)
        {
            case StatusKind.Acknowledgement:
                lines.Add(":25D::IPRC//PACK");
                break;
            case StatusKind.RetrievalReceipt:
                lines.Add($":25D::IPRC/{DataSourceScheme}/RETR");
                break;
            case StatusKind.Reject:
                if (string.IsNullOrEmpty(advice.RejectRule)) throw new ArgumentException("a reject names its rule", nameof(advice));
                lines.Add(":25D::IPRC//REJT");
                lines.Add(":16R:REAS");
                lines.Add(":24B::REJT//NARR");
                lines.Add(":70D::REAS//" + advice.RejectRule);
                lines.Add(":16S:REAS");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(advice), advice.Kind, "no such status advice");
        }
        lines.Add(":16S:STAT");
        return lines;
    }

    /// <summary>
    /// The status advice as an MT 548 in output form: block 1 with the participant's terminal, block 2
    /// naming the hub as sender, block 4 from <see cref="StatusLines"/>.
    /// </summary>
    public static string StatusMessage(StatusAdvice advice, LogicalTerminal hub)
    {
        ArgumentNullException.ThrowIfNull(advice);
        var at = advice.IssuedAt.ToUniversalTime();
        var text = new StringBuilder(400);
        text.Append("{1:F01").Append(advice.Recipient.Value).Append(NoSession).Append('}');
        text.Append("{2:O").Append(StatusMessageType).Append(Hhmm(at)).Append(Yymmdd(at)).Append(hub.Value).Append(NoSession)
            .Append(Yymmdd(at)).Append(Hhmm(at)).Append('N').Append('}');
        text.Append("{4:\r\n");
        foreach (var line in StatusLines(advice)) text.Append(line).Append("\r\n");
        text.Append("-}");
        return text.ToString();
    }

    /// <summary>
    /// A message as its receiver gets it: block 1 with the receiver's terminal (as the sender named it
    /// in block 2), block 2 in output form naming the sender (the message input reference: the input
    /// date, the sender's terminal, session and sequence from its block 1) with the input and output
    /// times, the sender's block 3 as sent, and block 4 unchanged. Block 5 is left out: trailers
    /// (checksums, authentication) belong to one transmission and do not hold for another.
    /// </summary>
    public static string OutputForm(FinMessage input, DateTimeOffset receivedAt, DateTimeOffset deliveredAt)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Application.Direction != FinDirection.Input) throw new ArgumentException("only an input message has an output form", nameof(input));
        var inAt = receivedAt.ToUniversalTime();
        var outAt = deliveredAt.ToUniversalTime();
        var text = new StringBuilder(input.TextBlock.Length + 120);
        text.Append("{1:F01").Append(input.Application.Terminal.Value).Append(NoSession).Append('}');
        text.Append("{2:O").Append(input.MessageType).Append(Hhmm(inAt)).Append(Yymmdd(inAt))
            .Append(input.Basic.Terminal.Value).Append(input.Basic.SessionNumber).Append(input.Basic.SequenceNumber)
            .Append(Yymmdd(outAt)).Append(Hhmm(outAt)).Append(input.Application.Priority ?? 'N').Append('}');
        text.Append(input.UserBlock);
        text.Append(input.TextBlock);
        return text.ToString();
    }

    private static string Hhmm(DateTimeOffset at) => at.ToString("HHmm", CultureInfo.InvariantCulture);

    private static string Yymmdd(DateTimeOffset at) => at.ToString("yyMMdd", CultureInfo.InvariantCulture);
}
