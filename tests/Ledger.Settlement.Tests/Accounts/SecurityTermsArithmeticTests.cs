using CsCheck;

namespace Ledger.Settlement.Tests;

/// <summary>
/// The collateral value in whole integers (SecurityTerms' fast way) is the decimal formula's value to
/// the last bit (value, scale and sign), inside the bounds of a long and beyond them, where the
/// decimal formula decides (and throws where it always threw).
/// </summary>
public sealed class SecurityTermsArithmeticTests
{
    private static decimal Formula(long shares, long priceCents, decimal haircut, bool roundUp)
    {
        var value = shares * (decimal)priceCents * (1m - haircut);
        return roundUp ? decimal.Ceiling(value) : decimal.Floor(value);
    }

    private static decimal Haircut(long units, int scale) => new(unchecked((int)units), (int)(units >> 32), 0, false, (byte)scale);

    private static void AgreesWithFormula(long shares, long priceCents, decimal haircut)
    {
        var terms = new SecurityTerms(new Money(priceCents), haircut, 1);
        foreach (var roundUp in new[] { false, true })
        {
            decimal expected;
            try
            {
                expected = Formula(shares, priceCents, haircut, roundUp);
            }
            catch (OverflowException)
            {
                Assert.Throws<OverflowException>(() => roundUp ? terms.CollateralValueRoundedUpCents(shares) : terms.CollateralValueCents(shares));
                continue;
            }
            var actual = roundUp ? terms.CollateralValueRoundedUpCents(shares) : terms.CollateralValueCents(shares);
            Assert.True(decimal.GetBits(expected).SequenceEqual(decimal.GetBits(actual)),
                $"{shares} sh at {priceCents} cents, haircut {haircut}, {(roundUp ? "up" : "down")}: formula {expected}, got {actual}");
        }
    }

    [Fact]
    public void Random_terms_value_shares_as_the_decimal_formula_does()
    {
        var shares = Gen.Frequency((6, Gen.Long[0, DeliverOrder.SharesMax]), (1, Gen.Long[long.MinValue, long.MaxValue]), (1, Gen.Long[-1_000, 1_000]));
        var prices = Gen.Frequency((6, Gen.Long[0, SecurityTerms.PriceMax.Cents]), (1, Gen.Long[long.MinValue, long.MaxValue]));
        var haircuts = Gen.Int[0, 12].SelectMany(scale => Gen.Long[0, scale >= 12 ? 1_000_000_000_000 : (long)Math.Pow(10, scale)].Select(units => Haircut(units, scale)));
        Gen.Select(shares, prices, haircuts).Sample((s, p, h) => AgreesWithFormula(s, p, h), iter: 200_000);
    }

    [Theory]
    [InlineData(0L, 100L, "0.1")]
    [InlineData(1L, 1L, "0.999999")]
    [InlineData(1L, 1L, "0.000001")]
    [InlineData(3L, 1L, "0.5")]
    [InlineData(100L, 1_000L, "0")]
    [InlineData(100L, 1_000L, "1")]
    [InlineData(100L, 1_000L, "1.000000")]
    [InlineData(100L, 1_000L, "0.100000000")] // scale 9: the largest the integer way takes
    [InlineData(100L, 1_000L, "0.1000000000")] // scale 10: the formula decides
    [InlineData(10_000_000_000L, 1_000_000_000L, "0.1")] // SharesMax at PriceMax: 10^19 cents, beyond a long
    [InlineData(9_223_372_036L, 1_000_000_000L, "0")] // shares x price just below 2^63
    [InlineData(9_223_372_037L, 1_000_000_000L, "0")] // just above
    [InlineData(922_337_203L, 1_000_000_000L, "0.9")] // x (1 - haircut) x 10 just below 2^63
    [InlineData(922_337_204L, 1_000_000_000L, "0.9")] // just above
    [InlineData(-100L, 1_000L, "0.15")] // a negative figure: the formula decides
    [InlineData(100L, -1_000L, "0.15")]
    [InlineData(long.MaxValue, long.MaxValue, "0.5")] // the formula overflows, and so does the value
    public void Boundary_terms_value_shares_as_the_decimal_formula_does(long shares, long priceCents, string haircut) =>
        AgreesWithFormula(shares, priceCents, decimal.Parse(haircut, System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("5", 5L)]
    [InlineData("5.00", 5L)]
    [InlineData("-7", -7L)]
    [InlineData("9223372036854775806", long.MaxValue - 1)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("9223372036854775808", long.MaxValue)]
    [InlineData("-9223372036854775807", long.MinValue + 1)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("-9223372036854775809", long.MinValue)]
    public void Recorded_takes_whole_cents_of_any_scale(string cents, long recorded) =>
        Assert.Equal(recorded, Checks.Recorded(decimal.Parse(cents, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Recorded_refuses_a_fraction_of_a_cent() =>
        Assert.Throws<InvariantViolation>(() => Checks.Recorded(0.5m));
}
