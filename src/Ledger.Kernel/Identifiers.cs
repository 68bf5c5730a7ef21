namespace Ledger.Kernel;

/// <summary>A DTC participant number: four digits, "0005".</summary>
public readonly record struct ParticipantId(string Value)
{
    public static bool IsValid(string? value) =>
        value is { Length: 4 } && value.All(char.IsAsciiDigit);

    public override string ToString() => Value;
}

/// <summary>
/// A deliver order's id: the one OCC gives it (1 to 64 letters, digits, '-', '_', '.', ':'), or for
/// a reclaim the one the ledger files it under, <c>PPPP~reference</c> (<see cref="ReclaimId"/>).
/// </summary>
public readonly record struct DeliverOrderId(string Value)
{
    public const int LengthMax = 64;

    /// <summary>Any id the ledger may hold: one OCC may submit, or a reclaim's.</summary>
    public static bool IsValid(string? value) => IsSubmittable(value) || ReclaimId.TryParse(value, out _);

    /// <summary>An id OCC may submit: 1 to <see cref="LengthMax"/> letters, digits, '-', '_', '.' or ':' (never a reclaim's '~').</summary>
    public static bool IsSubmittable(string? value) =>
        value is { Length: > 0 and <= LengthMax } && value.All(IsSubmittableChar);

    internal static bool IsSubmittableChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':';

    public override string ToString() => Value;
}

/// <summary>
/// A reclaim's id: the reclaiming participant's own <see cref="Reference"/>, in a namespace of that
/// participant's alone. The ledger files the reclaim as deliver order <c>PPPP~reference</c>
/// (<see cref="DeliverOrderId"/>): OCC's ids never hold a '~', and a participant can only name
/// references under its own number, so no participant's reclaim can take an id OCC (or another
/// participant) will use, and whether a reclaim id is taken tells a participant nothing about
/// anyone else's deliver orders.
/// </summary>
public readonly record struct ReclaimId(ParticipantId Reclaimer, string Reference)
{
    public const char Separator = '~';

    /// <summary>The longest reference: the filed id (four digits, '~', the reference) stays within <see cref="DeliverOrderId.LengthMax"/>.</summary>
    public const int ReferenceLengthMax = DeliverOrderId.LengthMax - 5;

    /// <summary>A participant's reference: 1 to <see cref="ReferenceLengthMax"/> letters, digits, '-', '_', '.' or ':'.</summary>
    public static bool IsValidReference(string? value) =>
        value is { Length: > 0 and <= ReferenceLengthMax } && value.All(DeliverOrderId.IsSubmittableChar);

    /// <summary>The deliver order the reclaim is filed as: <c>0002~R-1</c>.</summary>
    public DeliverOrderId DeliverOrderId => new(Reclaimer.Value + Separator + Reference);

    /// <summary>Reads a filed reclaim id (<c>0002~R-1</c>) back; false for any other text.</summary>
    public static bool TryParse(string? value, out ReclaimId id)
    {
        id = default;
        if (value is not { Length: > 5 } || value[4] != Separator) return false;
        var participant = value[..4];
        var reference = value[5..];
        if (!ParticipantId.IsValid(participant) || !IsValidReference(reference)) return false;
        id = new ReclaimId(new ParticipantId(participant), reference);
        return true;
    }

    public override string ToString() => DeliverOrderId.Value;
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
