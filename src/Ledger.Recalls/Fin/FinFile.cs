using System.Text;

namespace Ledger.Recalls.Fin;

/// <summary>
/// A file of many FIN messages, as file transfer carries them (<c>ledger recalls send --file</c>,
/// <c>ledger recalls fetch --out</c>): messages one after another, separated by nothing, by line
/// ends, or by <c>$</c> as in SWIFT's RJE files. Splitting does not judge a message: each piece is
/// checked on its own and gets its own answer line.
/// </summary>
public static class FinFile
{
    /// <summary>Messages in one file at most.</summary>
    public const int MessagesPerFileMax = 100_000;

    /// <summary>The separator <see cref="Write"/> puts between messages: RJE's <c>$</c> on a line of its own.</summary>
    public const string Separator = "\r\n$\r\n";

    /// <summary>
    /// The messages of <paramref name="text"/>: each from a <c>{1:</c> outside any block up to the next
    /// one, without the separators around it. Text before the first <c>{1:</c> that is not a separator
    /// is a piece of its own (so that it is answered, not lost).
    /// </summary>
    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var starts = new List<int>();
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{')
            {
                if (depth == 0 && string.CompareOrdinal(text, i, "{1:", 0, 3) == 0) starts.Add(i);
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
        }
        var pieces = new List<string>();
        var leading = Trim(text[..(starts.Count == 0 ? text.Length : starts[0])]);
        if (leading.Length > 0) pieces.Add(leading);
        for (var n = 0; n < starts.Count; n++)
        {
            var end = n + 1 < starts.Count ? starts[n + 1] : text.Length;
            pieces.Add(Trim(text[starts[n]..end]));
            if (pieces.Count > MessagesPerFileMax)
                throw new ArgumentException($"a file may hold at most {MessagesPerFileMax} messages", nameof(text));
        }
        return pieces;
    }

    /// <summary>The messages as one file, separated by <see cref="Separator"/>.</summary>
    public static string Write(IEnumerable<string> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        foreach (var m in messages)
        {
            if (text.Length > 0) text.Append(Separator);
            text.Append(m);
        }
        return text.ToString();
    }

    private static string Trim(string piece) => piece.Trim('\r', '\n', '$', ' ');
}
