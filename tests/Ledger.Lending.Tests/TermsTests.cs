namespace Ledger.Lending.Tests;

/// <summary>The terms a deliver order may carry: margin 1.00 to 1.10, rate -100% to +100%, at most 6 decimals, on SL only.</summary>
public sealed class TermsTests
{
    [Theory]
    [InlineData("1.00", null)]
    [InlineData("1.02", null)]
    [InlineData("1.10", null)]
    [InlineData("1.000001", null)]
    [InlineData("0.999999", "collateral-margin-range")]
    [InlineData("1.100001", "collateral-margin-range")]
    [InlineData("0", "collateral-margin-range")]
    [InlineData("1.0200001", "collateral-margin-decimals")]
    public void Collateral_margin_is_from_1_00_to_1_10_with_at_most_six_decimals(string margin, string? rule) =>
        Assert.Equal(rule, LoanTerms.Validate("SL", null, decimal.Parse(margin, System.Globalization.CultureInfo.InvariantCulture))?.RuleName);

    [Theory]
    [InlineData("-1", null)]
    [InlineData("1", null)]
    [InlineData("0", null)]
    [InlineData("0.045", null)]
    [InlineData("-0.000001", null)]
    [InlineData("-1.000001", "rebate-rate-range")]
    [InlineData("1.000001", "rebate-rate-range")]
    [InlineData("0.0450001", "rebate-rate-decimals")]
    public void Rebate_rate_is_from_minus_100_to_plus_100_percent_with_at_most_six_decimals(string rate, string? rule)
    {
        var error = LoanTerms.Validate("SL", decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture), null);
        Assert.Equal(rule, error?.RuleName);
        if (error is not null) Assert.Equal("rebateRate", error.Field);
    }

    [Theory]
    [InlineData("SLR")]
    [InlineData("")]
    [InlineData(null)]
    public void Only_an_SL_deliver_order_may_carry_loan_terms(string? reasonCode)
    {
        Assert.Equal(("loan-terms-on-loan-only", "rebateRate"), Pair(LoanTerms.Validate(reasonCode, 0.01m, null)));
        Assert.Equal(("loan-terms-on-loan-only", "collateralMargin"), Pair(LoanTerms.Validate(reasonCode, null, 1.02m)));
        Assert.Null(LoanTerms.Validate(reasonCode, null, null));
    }

    [Fact]
    public void The_rules_refuse_a_default_margin_or_settlement_cycle_out_of_range()
    {
        var ny = Fixture.NewYork;
        Assert.Throws<ArgumentOutOfRangeException>(() => new LendingRules(1.2m, Money.Zero, 1, new TimeOnly(23, 59), ny));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LendingRules(1.02m, new Money(-1), 1, new TimeOnly(23, 59), ny));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LendingRules(1.02m, Money.Zero, -1, new TimeOnly(23, 59), ny));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LendingRules(1.02m, Money.Zero, 11, new TimeOnly(23, 59), ny));
    }

    [Fact]
    public void Rates_and_margins_print_the_same_whatever_scale_they_were_stored_with()
    {
        Assert.Equal("1.02", LoanTerms.Format(1.020000m));
        Assert.Equal("1", LoanTerms.Format(1.00m));
        Assert.Equal("-0.0025", LoanTerms.Format(-0.002500m));
        Assert.Equal("0.000001", LoanTerms.Format(0.000001m));
    }

    private static (string, string)? Pair(LendingError? e) => e is null ? null : (e.RuleName, e.Field);
}
