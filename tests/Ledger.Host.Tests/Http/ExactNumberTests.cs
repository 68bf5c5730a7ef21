using Ledger.Host.Http;

namespace Ledger.Host.Tests;

/// <summary>JSON numbers are read as decimal exactly: never through double, never rounded.</summary>
public sealed class ExactNumberTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("100", "100")]
    [InlineData("100.10", "100.1")]
    [InlineData("100.005", "100.005")]
    [InlineData("0.001", "0.001")]
    [InlineData("1e2", "100")]
    [InlineData("1.5E+3", "1500")]
    [InlineData("25e-3", "0.025")]
    [InlineData("-12.34", "-12.34")]
    [InlineData("0.1", "0.1")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("100.0000000000000000000000001", "100.0000000000000000000000001")]
    public void Reads_exactly(string literal, string expected)
    {
        Assert.Equal(NumberReading.Exact, ExactNumber.Read(literal, out var value, out _));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Theory]
    [InlineData("79228162514264337593543950336", false)]
    [InlineData("1e29", false)]
    [InlineData("1e400", false)]
    [InlineData("-1e400", true)]
    [InlineData("123456789012345678901234567890.5", false)]
    public void Refuses_what_is_beyond_decimal_and_keeps_the_sign(string literal, bool negative)
    {
        Assert.Equal(NumberReading.TooLarge, ExactNumber.Read(literal, out _, out var isNegative));
        Assert.Equal(negative, isNegative);
    }

    [Theory]
    [InlineData("0.00000000000000000000000000001")]
    [InlineData("1.00000000000000000000000000000000001")]
    [InlineData("1e-400")]
    [InlineData("7922816251426433759354395033.51")]
    public void Refuses_what_decimal_would_round(string literal)
    {
        Assert.Equal(NumberReading.TooPrecise, ExactNumber.Read(literal, out _, out _));
    }

    [Fact]
    public void Trailing_zeros_do_not_make_a_number_too_precise()
    {
        Assert.Equal(NumberReading.Exact, ExactNumber.Read("1.000000000000000000000000000000000000", out var value, out _));
        Assert.Equal(1m, value);
    }

    [Fact]
    public void A_literal_of_64_characters_is_read_and_one_of_65_is_not()
    {
        var at = "1." + new string('0', ExactNumber.LiteralLengthMax - 2);
        Assert.Equal(64, at.Length);
        Assert.Equal(NumberReading.Exact, ExactNumber.Read(at, out var value, out _));
        Assert.Equal(1m, value);

        Assert.Equal(NumberReading.TooLong, ExactNumber.Read(at + "0", out _, out _));
    }

    /// <summary>
    /// A million digits scaled back into range ("1000...0e-999999") would otherwise be parsed as a
    /// big integer, which costs seconds; it is refused by its length alone, with its sign.
    /// </summary>
    [Theory]
    [InlineData("", false)]
    [InlineData("-", true)]
    public void A_literal_of_a_million_digits_is_refused_by_its_length_before_any_arithmetic(string sign, bool negative)
    {
        var literal = sign + "1" + new string('7', 999_999) + "e-999999";

        Assert.Equal(NumberReading.TooLong, ExactNumber.Read(literal, out var value, out var isNegative));
        Assert.Equal(0m, value);
        Assert.Equal(negative, isNegative);
    }
}
