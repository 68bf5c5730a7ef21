namespace Ledger.Recalls.Fin;

/// <summary>Input (to the network: block 2 names the receiver) or output (from it: block 2 names the sender).</summary>
public enum FinDirection
{
    Input = 1,
    Output = 2,
}

/// <summary>Block 1, the basic header: <c>F01</c>, the logical terminal of the sender (input) or receiver (output), session and sequence numbers.</summary>
public sealed record BasicHeader(char ApplicationId, string ServiceId, LogicalTerminal Terminal, string SessionNumber, string SequenceNumber);

/// <summary>
/// Block 2, the application header. <see cref="Terminal"/> is the receiver's address in input form
/// (<c>I526BORRUS33XXXXN</c>) and the sender's, inside the message input reference, in output form
/// (<c>O526 HHMM YYMMDD LENDUS33AXXX 0000 000000 YYMMDD HHMM N</c>); the fields of the other form are null.
/// </summary>
public sealed record ApplicationHeader(
    FinDirection Direction,
    string MessageType,
    LogicalTerminal Terminal,
    char? Priority,
    char? DeliveryMonitoring = null,
    string? ObsolescencePeriod = null,
    string? InputTime = null,
    string? InputDate = null,
    string? SessionNumber = null,
    string? SequenceNumber = null,
    string? OutputDate = null,
    string? OutputTime = null);

/// <summary>One <c>{tag:value}</c> of block 3 (user header) or block 5 (trailer).</summary>
public sealed record HeaderTag(string Tag, string Value);

/// <summary>
/// One field of block 4: its tag (<c>20</c>, <c>23</c>, <c>20C</c>), its content as written (continuation
/// lines joined by CR LF), the line it starts on (1 = the first line after <c>{4:</c>), and the
/// <c>:16R:</c> sequences it sits in (<c>GENL/LINK</c>; empty at the top).
/// </summary>
public sealed record FinField(string Tag, string Content, int Line, string SequencePath)
{
    /// <summary>The two digits of the tag.</summary>
    public string Number => Tag[..2];

    /// <summary>The letter option (<c>C</c> of <c>20C</c>), or null.</summary>
    public char? Option => Tag.Length == 3 ? Tag[2] : null;

    /// <summary>The qualifier of a field in the qualifier layout (<c>SEME</c> of <c>:20C::SEME//REF</c>), or null.</summary>
    public string? Qualifier => Split().Qualifier;

    /// <summary>The data source scheme between the slashes (<c>LDGR</c> of <c>:25D::IPRC/LDGR/RETR</c>; empty for <c>//</c>), or null.</summary>
    public string? Issuer => Split().Issuer;

    /// <summary>What follows the qualifier and the data source scheme (<c>REF</c>), or the whole content in the plain layout.</summary>
    public string Value => Split().Value;

    private (string? Qualifier, string? Issuer, string Value) Split()
    {
        // ISO 15022 qualifier layout: ":" 4!c "/" [8c] "/" value. Anything else is a plain field.
        var c = Content;
        if (c.Length < 7 || c[0] != ':' || c[5] != '/') return (null, null, c);
        for (var i = 1; i <= 4; i++)
        {
            if (!SwiftCharacters.IsUpperOrDigit(c[i])) return (null, null, c);
        }
        var second = c.IndexOf('/', 6);
        if (second < 0 || second - 6 > 8) return (null, null, c);
        for (var i = 6; i < second; i++)
        {
            if (!SwiftCharacters.IsUpperOrDigit(c[i])) return (null, null, c);
        }
        return (c[1..5], c[6..second], c[(second + 1)..]);
    }
}

/// <summary>
/// A FIN message as read: its blocks, the fields of block 4, and the exact text of block 4
/// (<see cref="TextBlock"/>, from <c>{4:</c> to <c>-}</c>), which the hub carries byte for byte.
/// </summary>
public sealed record FinMessage(
    BasicHeader Basic,
    ApplicationHeader Application,
    string? UserBlock,
    IReadOnlyList<HeaderTag> UserHeader,
    string TextBlock,
    IReadOnlyList<FinField> Fields,
    string? TrailerBlock,
    IReadOnlyList<HeaderTag> Trailer)
{
    /// <summary>The message type: the three digits of block 2 (<c>526</c>).</summary>
    public string MessageType => Application.MessageType;

    /// <summary>The first field with this tag, or null.</summary>
    public FinField? Field(string tag) => Fields.FirstOrDefault(f => f.Tag == tag);

    /// <summary>The first field with this tag and qualifier (<c>Field("20C", "SEME")</c>), or null.</summary>
    public FinField? Field(string tag, string qualifier) => Fields.FirstOrDefault(f => f.Tag == tag && f.Qualifier == qualifier);

    /// <summary>
    /// The sender's reference: field 20 in the plain layout (MT 526, 516, 592), else <c>:20C::SEME//</c>
    /// in the qualifier layout (MT 54x, 548, ...); null when the message has neither.
    /// </summary>
    public string? SenderReference => Field("20")?.Content ?? Field("20C", "SEME")?.Value;
}
