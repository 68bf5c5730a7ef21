namespace Ledger.Recalls.Fin;

/// <summary>What <see cref="FinReader.Read"/> found: a message, or the first thing wrong with the text.</summary>
public sealed record FinReading(FinMessage? Message, HubError? Error)
{
    public bool IsMessage => Message is not null;
}

/// <summary>
/// Reads one ISO 15022 message in FIN block form: <c>{1:...}{2:...}{3:{..}{..}}{4:CRLF ... CRLF-}{5:{..}}</c>,
/// blocks 3 and 5 optional. The header blocks are read by the layout tables below; block 4 is split
/// into fields (plain <c>:20:</c> and qualifier <c>:20C::SEME//</c> layout alike) and its
/// <c>:16R:</c>/<c>:16S:</c> sequences must nest. Checks run from the cheapest to the dearest: size,
/// ASCII, blocks, the X set in the text, fields. Errors name the rule (<c>message-size-max</c>,
/// <c>swift-character-set</c>, <c>message-format</c>), the block, and where.
/// </summary>
public static class FinReader
{
    /// <summary>Characters of block 4's content at most, as FIN allows.</summary>
    public const int TextLengthMax = 10_000;

    /// <summary>Characters of the headers (blocks 1, 2, 3, 5 and their braces) at most.</summary>
    public const int HeadersLengthMax = 600;

    /// <summary>Characters of a whole message at most.</summary>
    public const int MessageLengthMax = TextLengthMax + HeadersLengthMax;

    /// <summary><c>{tag:value}</c> entries of block 3 or block 5 at most.</summary>
    public const int HeaderTagsMax = 16;

    /// <summary><c>:16R:</c> sequences open inside each other at most.</summary>
    public const int SequenceDepthMax = 16;

    private const string Crlf = "\r\n";

    /// <summary>One run of characters of a header layout, in order; optional runs come last.</summary>
    private sealed record Segment(string Name, int Length, Func<char, bool> Allowed, bool Optional = false);

    private static bool Terminal(char c) => SwiftCharacters.IsUpperOrDigit(c);

    private static readonly Segment[] BasicLayout =
    [
        new("application id", 1, c => c is 'F' or 'A' or 'L'),
        new("service id", 2, SwiftCharacters.IsDigit),
        new("logical terminal", 12, Terminal),
        new("session number", 4, SwiftCharacters.IsDigit),
        new("sequence number", 6, SwiftCharacters.IsDigit),
    ];

    private static readonly Segment[] InputLayout =
    [
        new("direction", 1, c => c == 'I'),
        new("message type", 3, SwiftCharacters.IsDigit),
        new("receiver address", 12, Terminal),
        new("priority", 1, c => c is 'S' or 'N' or 'U', Optional: true),
        new("delivery monitoring", 1, c => c is '1' or '2' or '3', Optional: true),
        new("obsolescence period", 3, SwiftCharacters.IsDigit, Optional: true),
    ];

    private static readonly Segment[] OutputLayout =
    [
        new("direction", 1, c => c == 'O'),
        new("message type", 3, SwiftCharacters.IsDigit),
        new("input time", 4, SwiftCharacters.IsDigit),
        new("input date", 6, SwiftCharacters.IsDigit),
        new("sender address", 12, Terminal),
        new("session number", 4, SwiftCharacters.IsDigit),
        new("sequence number", 6, SwiftCharacters.IsDigit),
        new("output date", 6, SwiftCharacters.IsDigit),
        new("output time", 4, SwiftCharacters.IsDigit),
        new("priority", 1, c => c is 'S' or 'N' or 'U', Optional: true),
    ];

    public static FinReading Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MessageLengthMax)
            return Fail(HubRule.MessageSizeMax, "message", $"a message may have at most {MessageLengthMax} characters; this one has {text.Length}");
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 127)
                return Fail(HubRule.SwiftCharacterSet, "message", $"character {SwiftCharacters.Describe(text[i])} at offset {i} is not ASCII; FIN messages use the SWIFT character set");
        }

        var pos = 0;
        if (!Block(text, ref pos, '1', nested: false, out var block1, out var error)) return new FinReading(null, error);
        if (!Block(text, ref pos, '2', nested: false, out var block2, out error)) return new FinReading(null, error);
        string? block3 = null;
        var start3 = pos;
        if (At(text, pos, "{3:") && !Block(text, ref pos, '3', nested: true, out block3, out error)) return new FinReading(null, error);
        var userBlock = block3 is null ? null : text[start3..pos];
        if (!At(text, pos, "{4:")) return Fail(HubRule.MessageFormat, "message.block4", $"block 4 must follow at offset {pos}");
        var start4 = pos;
        pos += 3;
        if (!At(text, pos, Crlf)) return Fail(HubRule.MessageFormat, "message.block4", "block 4 must start with CR LF after '{4:'");
        var end = text.IndexOf("\r\n-}", pos, StringComparison.Ordinal);
        if (end < 0) return Fail(HubRule.MessageFormat, "message.block4", "block 4 must end with CR LF '-}'");
        var body = text[(pos + 2)..end];
        pos = end + 4;
        var textBlock = text[start4..pos];
        string? block5 = null;
        var start5 = pos;
        if (At(text, pos, "{5:") && !Block(text, ref pos, '5', nested: true, out block5, out error)) return new FinReading(null, error);
        var trailerBlock = block5 is null ? null : text[start5..pos];
        if (pos != text.Length)
            return Fail(HubRule.MessageFormat, "message", $"unexpected {SwiftCharacters.Describe(text[pos])} at offset {pos}: a message ends after block 4 or block 5");
        if (textBlock.Length - 4 > TextLengthMax)
            return Fail(HubRule.MessageSizeMax, "message.block4", $"block 4 may have at most {TextLengthMax} characters");

        if (!Layout(block1!, BasicLayout, "message.block1", out var b1, out error)) return new FinReading(null, error);
        if (!LogicalTerminal.TryParse(b1["logical terminal"], out var senderTerminal))
            return Fail(HubRule.MessageFormat, "message.block1", $"'{b1["logical terminal"]}' is not a logical-terminal address (4 letters of institution, 2 of country, then 6 letters or digits)");
        var basic = new BasicHeader(b1["application id"][0], b1["service id"], senderTerminal, b1["session number"], b1["sequence number"]);

        var output = block2!.StartsWith('O');
        if (!Layout(block2, output ? OutputLayout : InputLayout, "message.block2", out var b2, out error)) return new FinReading(null, error);
        var address = output ? b2["sender address"] : b2["receiver address"];
        if (!LogicalTerminal.TryParse(address, out var terminal2))
            return Fail(HubRule.MessageFormat, "message.block2", $"'{address}' is not a logical-terminal address");
        var application = new ApplicationHeader(
            output ? FinDirection.Output : FinDirection.Input,
            b2["message type"],
            terminal2,
            b2.TryGetValue("priority", out var p) ? p[0] : null,
            b2.TryGetValue("delivery monitoring", out var m) ? m[0] : null,
            b2.GetValueOrDefault("obsolescence period"),
            b2.GetValueOrDefault("input time"),
            b2.GetValueOrDefault("input date"),
            b2.GetValueOrDefault("session number"),
            b2.GetValueOrDefault("sequence number"),
            b2.GetValueOrDefault("output date"),
            b2.GetValueOrDefault("output time"));

        if (!Tags(block3, "message.block3", out var userHeader, out error)) return new FinReading(null, error);
        if (!Tags(block5, "message.block5", out var trailer, out error)) return new FinReading(null, error);
        if (!Fields(body, out var fields, out error)) return new FinReading(null, error);
        return new FinReading(new FinMessage(basic, application, userBlock, userHeader, textBlock, fields, trailerBlock, trailer), null);
    }

    private static bool At(string text, int pos, string what) =>
        pos + what.Length <= text.Length && string.CompareOrdinal(text, pos, what, 0, what.Length) == 0;

    /// <summary>Reads <c>{n:content}</c> at <paramref name="pos"/>; a nested block's content is <c>{..}{..}</c> with one level of braces.</summary>
    private static bool Block(string text, ref int pos, char number, bool nested, out string? content, out HubError? error)
    {
        content = null;
        error = null;
        var field = $"message.block{number}";
        if (!At(text, pos, "{" + number + ":"))
        {
            error = new HubError(HubRule.MessageFormat, field, $"block {number} must follow at offset {pos}, as '{{{number}:'");
            return false;
        }
        var start = pos + 3;
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{')
            {
                if (!nested || depth > 0)
                {
                    error = new HubError(HubRule.MessageFormat, field, $"unexpected '{{' at offset {i} inside block {number}");
                    return false;
                }
                depth++;
            }
            else if (c == '}')
            {
                if (depth == 0)
                {
                    content = text[start..i];
                    pos = i + 1;
                    return true;
                }
                depth--;
            }
        }
        error = new HubError(HubRule.MessageFormat, field, $"block {number} is not closed with '}}'");
        return false;
    }

    private static bool Layout(string content, Segment[] layout, string field, out Dictionary<string, string> values, out HubError? error)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        var pos = 0;
        foreach (var segment in layout)
        {
            if (segment.Optional && pos == content.Length) break;
            if (pos + segment.Length > content.Length || !content.AsSpan(pos, segment.Length).ToString().All(segment.Allowed))
            {
                var found = pos >= content.Length ? "nothing" : $"'{content[pos..Math.Min(content.Length, pos + segment.Length)]}'";
                error = new HubError(HubRule.MessageFormat, field, $"the {segment.Name} ({segment.Length} characters) is missing or malformed at offset {pos}: found {found}");
                return false;
            }
            values[segment.Name] = content.Substring(pos, segment.Length);
            pos += segment.Length;
        }
        if (pos != content.Length)
        {
            error = new HubError(HubRule.MessageFormat, field, $"unexpected '{content[pos..]}' at the end of the block");
            return false;
        }
        return true;
    }

    private static bool Tags(string? content, string field, out IReadOnlyList<HeaderTag> tags, out HubError? error)
    {
        var list = new List<HeaderTag>();
        tags = list;
        error = null;
        if (content is null) return true;
        var pos = 0;
        while (pos < content.Length)
        {
            var close = content.IndexOf('}', pos);
            var colon = content.IndexOf(':', pos);
            if (content[pos] != '{' || close < 0 || colon < 0 || colon > close || colon - pos - 1 is < 1 or > 3)
            {
                error = new HubError(HubRule.MessageFormat, field, $"expected '{{tag:value}}' at offset {pos} of the block");
                return false;
            }
            var tag = content[(pos + 1)..colon];
            var value = content[(colon + 1)..close];
            if (!tag.All(SwiftCharacters.IsUpperOrDigit))
            {
                error = new HubError(HubRule.MessageFormat, field, $"tag '{tag}' must be 1 to 3 upper-case letters or digits");
                return false;
            }
            var bad = value.FirstOrDefault(c => !SwiftCharacters.IsX(c));
            if (bad != default)
            {
                error = new HubError(HubRule.SwiftCharacterSet, field, $"character {SwiftCharacters.Describe(bad)} in tag {tag} is outside the SWIFT X character set");
                return false;
            }
            list.Add(new HeaderTag(tag, value));
            if (list.Count > HeaderTagsMax)
            {
                error = new HubError(HubRule.MessageFormat, field, $"at most {HeaderTagsMax} tags in a header block");
                return false;
            }
            pos = close + 1;
        }
        return true;
    }

    private static bool Fields(string body, out IReadOnlyList<FinField> fields, out HubError? error)
    {
        var list = new List<FinField>();
        fields = list;
        error = null;
        if (body.Length == 0) return true;

        // Line ends first: CR and LF come only as a pair, and every other character is in the X set.
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '\r' && i + 1 < body.Length && body[i + 1] == '\n') { i++; continue; }
            if (c is '\r' or '\n')
            {
                error = new HubError(HubRule.MessageFormat, "message.block4", $"line {LineAt(body, i)} of block 4 ends with a lone {(c == '\r' ? "CR" : "LF")}; lines end with CR LF");
                return false;
            }
            if (!SwiftCharacters.IsX(c))
            {
                error = new HubError(HubRule.SwiftCharacterSet, "message.block4", $"character {SwiftCharacters.Describe(c)} on line {LineAt(body, i)} of block 4 is outside the SWIFT X character set");
                return false;
            }
        }

        var lines = body.Split(Crlf);
        var sequences = new List<string>();
        string? tag = null;
        var content = new List<string>();
        var startLine = 0;
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.StartsWith(':'))
            {
                var close = line.IndexOf(':', 1);
                var candidate = close < 0 ? "" : line[1..close];
                if (!IsTag(candidate))
                {
                    error = new HubError(HubRule.MessageFormat, "message.block4", $"line {n + 1} of block 4 starts with ':' but not with a field tag ':nn:' or ':nna:'");
                    return false;
                }
                if (tag is not null && !Add(list, sequences, tag, content, startLine, out error)) return false;
                tag = candidate;
                content = [line[(close + 1)..]];
                startLine = n + 1;
            }
            else if (tag is null)
            {
                error = new HubError(HubRule.MessageFormat, "message.block4", "block 4 must start with a field tag on its first line");
                return false;
            }
            else if (line.StartsWith('-'))
            {
                error = new HubError(HubRule.MessageFormat, "message.block4", $"line {n + 1} of block 4 starts with '-', which only the end of the text '-}}' may");
                return false;
            }
            else
            {
                content.Add(line);
            }
        }
        if (tag is not null && !Add(list, sequences, tag, content, startLine, out error)) return false;
        if (sequences.Count > 0)
        {
            error = new HubError(HubRule.MessageFormat, "message.block4", $"sequence {sequences[^1]} opened with :16R: is not closed with :16S:");
            return false;
        }
        return true;
    }

    private static bool Add(List<FinField> list, List<string> sequences, string tag, List<string> content, int line, out HubError? error)
    {
        error = null;
        var value = string.Join(Crlf, content);
        if (tag == "16S")
        {
            if (sequences.Count == 0 || sequences[^1] != value)
            {
                var open = sequences.Count == 0 ? "none is open" : $"{sequences[^1]} is open";
                error = new HubError(HubRule.MessageFormat, "message.block4", $":16S:{value} on line {line} closes a sequence that is not the innermost open one ({open})");
                return false;
            }
            sequences.RemoveAt(sequences.Count - 1);
        }
        list.Add(new FinField(tag, value, line, string.Join('/', sequences)));
        if (tag == "16R")
        {
            if (value.Length is 0 or > 16 || !value.All(SwiftCharacters.IsUpperOrDigit))
            {
                error = new HubError(HubRule.MessageFormat, "message.block4", $":16R: on line {line} must name a sequence of 1 to 16 upper-case letters or digits");
                return false;
            }
            if (sequences.Count == SequenceDepthMax)
            {
                error = new HubError(HubRule.MessageFormat, "message.block4", $"sequences nest at most {SequenceDepthMax} deep");
                return false;
            }
            sequences.Add(value);
        }
        return true;
    }

    private static bool IsTag(string tag) =>
        tag.Length is 2 or 3 && SwiftCharacters.IsDigit(tag[0]) && SwiftCharacters.IsDigit(tag[1]) &&
        (tag.Length == 2 || SwiftCharacters.IsUpper(tag[2]));

    private static int LineAt(string body, int index)
    {
        var line = 1;
        for (var i = 0; i < index; i++)
        {
            if (body[i] == '\n') line++;
        }
        return line;
    }

    private static FinReading Fail(HubRule rule, string field, string message) => new(null, new HubError(rule, field, message));
}
