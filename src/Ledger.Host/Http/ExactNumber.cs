using System.Numerics;

namespace Ledger.Host.Http;

public enum NumberReading
{
    Exact = 1,
    /// <summary>Beyond decimal's range (about 7.9e28) in magnitude.</summary>
    TooLarge = 2,
    /// <summary>More significant digits than decimal holds (28 to 29); reading it would round.</summary>
    TooPrecise = 3,
    /// <summary>A literal longer than <see cref="ExactNumber.LiteralLengthMax"/>: not read at all.</summary>
    TooLong = 4,
}

/// <summary>
/// Reads a JSON number literal into a decimal exactly, or says why it cannot. It never goes through
/// double and never rounds: "100.005" stays three decimals, so the money rules can refuse it.
/// </summary>
public static class ExactNumber
{
    /// <summary>
    /// The longest literal read. decimal's largest value has 29 digits; with a sign, a point, an
    /// exponent and some zeros a reasonable writer adds, 64 is ample. Longer literals are refused
    /// before any arithmetic: parsing one of a million digits costs seconds.
    /// </summary>
    public const int LiteralLengthMax = 64;

    private const int ExponentClamp = 100_000;
    private static readonly BigInteger DecimalMax = new(decimal.MaxValue);

    /// <param name="literal">A literal that is valid JSON number syntax (the JSON reader has checked it).</param>
    /// <param name="negative">The literal's sign, also when it is too large to read.</param>
    public static NumberReading Read(ReadOnlySpan<char> literal, out decimal value, out bool negative)
    {
        value = 0m;
        var i = 0;
        negative = literal.Length > 0 && literal[0] == '-';
        if (literal.Length > LiteralLengthMax) return NumberReading.TooLong;
        if (negative) i++;

        var digits = new System.Text.StringBuilder(literal.Length);
        var fractionDigits = 0;
        while (i < literal.Length && char.IsAsciiDigit(literal[i])) digits.Append(literal[i++]);
        if (i < literal.Length && literal[i] == '.')
        {
            i++;
            while (i < literal.Length && char.IsAsciiDigit(literal[i]))
            {
                digits.Append(literal[i++]);
                fractionDigits++;
            }
        }
        long exponent = 0;
        if (i < literal.Length && literal[i] is 'e' or 'E')
        {
            i++;
            var exponentNegative = false;
            if (i < literal.Length && literal[i] is '+' or '-') exponentNegative = literal[i++] == '-';
            while (i < literal.Length && char.IsAsciiDigit(literal[i]))
            {
                // Any exponent past the clamp is far outside decimal either way.
                if (exponent < ExponentClamp) exponent = exponent * 10 + (literal[i] - '0');
                i++;
            }
            if (exponentNegative) exponent = -exponent;
        }
        if (i != literal.Length) throw new FormatException("not a JSON number literal");

        // value = significand x 10^scaleExponent, with no leading or trailing zeros in the significand.
        var significand = digits.ToString().TrimStart('0');
        var scaleExponent = exponent - fractionDigits;
        var trimmed = significand.TrimEnd('0');
        scaleExponent += significand.Length - trimmed.Length;
        significand = trimmed;
        if (significand.Length == 0) return NumberReading.Exact;

        // Digits left of the point: significand.Length + scaleExponent. decimal.MaxValue has 29.
        if (significand.Length + scaleExponent > 29) return NumberReading.TooLarge;
        var magnitude = BigInteger.Parse(significand, System.Globalization.CultureInfo.InvariantCulture);
        if (scaleExponent >= 0)
        {
            magnitude *= BigInteger.Pow(10, (int)scaleExponent);
            if (magnitude > DecimalMax) return NumberReading.TooLarge;
            value = negative ? -(decimal)magnitude : (decimal)magnitude;
            return NumberReading.Exact;
        }
        if (-scaleExponent > 28 || magnitude > DecimalMax) return NumberReading.TooPrecise;
        var bits = magnitude.ToByteArray(isUnsigned: true, isBigEndian: false);
        Array.Resize(ref bits, 12);
        value = new decimal(
            BitConverter.ToInt32(bits, 0),
            BitConverter.ToInt32(bits, 4),
            BitConverter.ToInt32(bits, 8),
            negative,
            (byte)-scaleExponent);
        return NumberReading.Exact;
    }
}
