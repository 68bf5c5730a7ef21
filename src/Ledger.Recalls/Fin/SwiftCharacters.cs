namespace Ledger.Recalls.Fin;

/// <summary>
/// The character classes of ISO 15022 / FIN, as tables. The SWIFT X character set is what block 4
/// of every message the hub carries may hold: <c>a-z A-Z 0-9 / - ? : ( ) . , ' +</c>, space, and
/// CR LF as line ends. Anything else, and any non-ASCII character, is refused by name
/// (<c>swift-character-set</c>) rather than passed on to a counterparty whose system may choke on it.
/// </summary>
public static class SwiftCharacters
{
    /// <summary>The characters of the X set besides letters and digits (CR and LF are line ends, checked apart).</summary>
    public const string XPunctuation = "/-?:().,'+ ";

    private static readonly bool[] XTable = BuildX();

    private static bool[] BuildX()
    {
        var table = new bool[128];
        for (var c = 'a'; c <= 'z'; c++) table[c] = true;
        for (var c = 'A'; c <= 'Z'; c++) table[c] = true;
        for (var c = '0'; c <= '9'; c++) table[c] = true;
        foreach (var c in XPunctuation) table[c] = true;
        return table;
    }

    /// <summary>True for a character of the X set other than CR and LF.</summary>
    public static bool IsX(char c) => c < 128 && XTable[c];

    /// <summary>Upper-case letter (the <c>a</c> class of the standard's formats).</summary>
    public static bool IsUpper(char c) => c is >= 'A' and <= 'Z';

    /// <summary>Upper-case letter or digit (the <c>c</c> class).</summary>
    public static bool IsUpperOrDigit(char c) => c is >= 'A' and <= 'Z' or >= '0' and <= '9';

    /// <summary>Digit (the <c>n</c> class).</summary>
    public static bool IsDigit(char c) => c is >= '0' and <= '9';

    /// <summary>True when every character of <paramref name="text"/> is in the X set and the line ends are CR LF.</summary>
    public static bool IsXText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') { i++; continue; }
            if (!IsX(c)) return false;
        }
        return true;
    }

    /// <summary>A printable name for a character in an error message: <c>'é' (U+00E9)</c>.</summary>
    public static string Describe(char c) =>
        c is >= ' ' and < (char)127 ? $"'{c}' (U+{(int)c:X4})" : $"U+{(int)c:X4}";
}
