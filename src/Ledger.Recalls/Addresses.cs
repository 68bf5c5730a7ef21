using Ledger.Recalls.Fin;

namespace Ledger.Recalls;

/// <summary>
/// A subscriber's address: a BIC of 8 or 11 characters (institution 4 letters, country 2 letters,
/// location 2 letters or digits, then an optional branch of 3), held in its 11-character form
/// (<c>XXX</c> stands for "no branch", as the standard has it), so that <c>LENDUS33</c> and
/// <c>LENDUS33XXX</c> are one address.
/// </summary>
public readonly record struct Bic
{
    /// <summary>The 11-character form: the first 8 characters, then the branch code.</summary>
    public string Value { get; }

    private Bic(string value) => Value = value;

    /// <summary>Reads an 8- or 11-character BIC in upper case; anything else is not an address.</summary>
    public static bool TryParse(string? text, out Bic bic)
    {
        bic = default;
        if (text is not ({ Length: 8 } or { Length: 11 })) return false;
        for (var i = 0; i < text.Length; i++)
        {
            var ok = i < 6 ? SwiftCharacters.IsUpper(text[i]) : SwiftCharacters.IsUpperOrDigit(text[i]);
            if (!ok) return false;
        }
        bic = new Bic(text.Length == 8 ? text + "XXX" : text);
        return true;
    }

    public static Bic Parse(string text) =>
        TryParse(text, out var bic) ? bic : throw new ArgumentException($"'{text}' is not an 8- or 11-character BIC", nameof(text));

    /// <summary>The institution, country and location: the first 8 characters.</summary>
    public string Institution => Value[..8];

    /// <summary>The branch code: the last 3 characters, <c>XXX</c> for the head office.</summary>
    public string Branch => Value[8..];

    /// <summary>The 12-character logical-terminal address of this BIC with the given terminal letter.</summary>
    public LogicalTerminal Terminal(char terminalLetter = LogicalTerminal.DefaultTerminalLetter) =>
        LogicalTerminal.Parse(Institution + terminalLetter + Branch);

    public override string ToString() => Value;
}

/// <summary>
/// A 12-character logical-terminal address as FIN writes it in blocks 1 and 2: the BIC's first 8
/// characters, a terminal letter, and the branch code. It names a subscriber by its BIC alone:
/// the terminal letter is ignored, because the hub has subscribers, not terminals.
/// </summary>
public readonly record struct LogicalTerminal
{
    /// <summary>The terminal letter the hub writes where it has to invent one (SWIFT writes X for a receiver's terminal in block 2, too).</summary>
    public const char DefaultTerminalLetter = 'X';

    public string Value { get; }

    private LogicalTerminal(string value) => Value = value;

    public static bool TryParse(string? text, out LogicalTerminal terminal)
    {
        terminal = default;
        if (text is not { Length: 12 }) return false;
        for (var i = 0; i < 12; i++)
        {
            var ok = i < 6 ? SwiftCharacters.IsUpper(text[i]) : SwiftCharacters.IsUpperOrDigit(text[i]);
            if (!ok) return false;
        }
        terminal = new LogicalTerminal(text);
        return true;
    }

    public static LogicalTerminal Parse(string text) =>
        TryParse(text, out var t) ? t : throw new ArgumentException($"'{text}' is not a 12-character logical-terminal address", nameof(text));

    /// <summary>The BIC this terminal belongs to: its first 8 characters and its branch code, without the terminal letter.</summary>
    public Bic Bic => Bic.Parse(Value[..8] + Value[9..]);

    public char TerminalLetter => Value[8];

    public override string ToString() => Value;
}
