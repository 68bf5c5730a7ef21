namespace Ledger.Domain;

/// <summary>A DTC participant number: four digits, "0005".</summary>
public readonly record struct ParticipantId(string Value)
{
    public static bool IsValid(string? value) =>
        value is { Length: 4 } && value.All(char.IsAsciiDigit);

    public override string ToString() => Value;
}

/// <summary>The id OCC gives a deliver order: 1 to 64 characters of letters, digits, '-', '_', '.', ':'.</summary>
public readonly record struct DeliverOrderId(string Value)
{
    public const int LengthMax = 64;

    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= LengthMax } &&
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    public override string ToString() => Value;
}

/// <summary>A CUSIP: eight characters of issuer and issue, then a check digit (modulus 10, double-add-double).</summary>
public readonly record struct Cusip(string Value)
{
    public static bool IsValid(string? value)
    {
        if (value is not { Length: 9 }) return false;
        for (var i = 0; i < 8; i++)
        {
            if (CharValue(value[i]) < 0) return false;
        }
        return char.IsAsciiDigit(value[8]) && value[8] - '0' == CheckDigit(value.AsSpan(0, 8));
    }

    /// <summary>The check digit of the first eight characters; callers have validated them.</summary>
    public static int CheckDigit(ReadOnlySpan<char> first8)
    {
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            var v = CharValue(first8[i]);
            if (i % 2 == 1) v *= 2;
            sum += v / 10 + v % 10;
        }
        return (10 - sum % 10) % 10;
    }

    private static int CharValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'Z' => c - 'A' + 10,
        '*' => 36,
        '@' => 37,
        '#' => 38,
        _ => -1,
    };

    public override string ToString() => Value;
}

/// <summary>
/// The id a client gives a deposit or a settlement progress payment so that sending it again after
/// an unknown outcome (a timeout, a 503) is harmless: 1 to 64 letters, digits, '-', '_', '.' or ':',
/// the characters of a deliver order's id. Ids belong to the participant's account: the same id at
/// two participants names two requests, and deposits and payments of one account share its ids.
/// </summary>
public readonly record struct IdempotencyId(string Value)
{
    public const int LengthMax = 64;

    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= LengthMax } &&
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    public override string ToString() => Value;
}
