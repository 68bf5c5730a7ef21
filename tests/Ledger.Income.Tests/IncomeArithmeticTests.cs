using CsCheck;

namespace Ledger.Income.Tests;

/// <summary>Entitlements are shares x rate, rounded half away from zero to the cent, per line [choice].</summary>
public sealed class IncomeArithmeticTests
{
    [Theory]
    [InlineData(600, "0.25", 15_000)]
    [InlineData(1, "0.005", 1)]         // exactly half a cent: away from zero
    [InlineData(-1, "0.005", -1)]
    [InlineData(1, "0.004999", 0)]
    [InlineData(1, "0.015", 2)]
    [InlineData(3, "0.001666", 0)]      // 0.004998 dollars: just under half a cent
    [InlineData(3, "0.001667", 1)]      // 0.005001 dollars: half a cent and a bit
    [InlineData(0, "0.25", 0)]
    [InlineData(1, "0.000001", 0)]
    [InlineData(5_000, "0.000001", 1)]  // 0.005
    [InlineData(1_000_000_000_000, "10000", 1_000_000_000_000_000_000)] // the largest line at the largest rate fits in a long
    public void Amounts_round_half_away_from_zero_to_the_cent(long shares, string rate, long cents) =>
        Assert.Equal(cents, IncomeArithmetic.Amount(shares, decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture)).Cents);

    [Fact]
    public void The_amount_of_minus_n_shares_is_minus_the_amount_of_n_so_credit_and_debit_always_match() =>
        Gen.Select(Gen.Long[-IncomeLimits.MemoLineSharesMax, IncomeLimits.MemoLineSharesMax], Gen.Int[1, 10_000_000])
            .Sample((shares, micros) =>
            {
                var rate = micros / 1_000_000m;
                return IncomeArithmetic.Amount(-shares, rate).Cents == -IncomeArithmetic.Amount(shares, rate).Cents
                    && Math.Abs(IncomeArithmetic.Amount(shares, rate).Cents * 1m - shares * rate * 100m) <= 0.5m;
            });

    [Theory]
    [InlineData("0.25", 6, true)]
    [InlineData("0.123456", 6, true)]
    [InlineData("0.1234560000", 6, true)]
    [InlineData("0.1234567", 6, false)]
    [InlineData("10000", 6, true)]
    public void Decimals_are_counted_without_trailing_zeros(string value, int decimals, bool atMost) =>
        Assert.Equal(atMost, IncomeArithmetic.HasAtMostDecimals(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), decimals));
}
