using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>Money is whole cents in a long: parsing refuses what is not a whole cent or does not fit, and sums that overflow throw.</summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("0.01", 1L)]
    [InlineData("-0.01", -1L)]
    [InlineData("1.1", 110L)]
    [InlineData("1.10", 110L)]
    [InlineData("1.000", 100L)]
    [InlineData("40000.00", 4_000_000L)]
    [InlineData("92233720368547758.07", long.MaxValue)]
    [InlineData("-92233720368547758.08", long.MinValue)]
    public void Dollars_in_whole_cents_parse_exactly(string dollars, long cents)
    {
        Assert.True(Money.TryFromDollars(Dollars(dollars), out var money));
        Assert.Equal(cents, money.Cents);
    }

    [Theory]
    [InlineData("0.001")]
    [InlineData("-0.005")]
    [InlineData("1.005")]
    [InlineData("0.0000000000000000000000000001")]
    [InlineData("92233720368547758.08")]   // one cent above long.MaxValue cents
    [InlineData("-92233720368547758.09")]  // one cent below long.MinValue cents
    [InlineData("79228162514264337593543950335")]  // decimal.MaxValue
    [InlineData("-79228162514264337593543950335")] // decimal.MinValue
    public void Dollars_that_are_not_whole_cents_or_do_not_fit_are_refused(string dollars)
    {
        Assert.False(Money.TryFromDollars(Dollars(dollars), out var money));
        Assert.Equal(Money.Zero, money);
    }

    [Fact]
    public void From_dollars_throws_on_a_fraction_of_a_cent() =>
        Assert.Throws<ArgumentException>(() => Money.FromDollars(0.001m));

    [Fact]
    public void Sum_beyond_long_max_value_throws_rather_than_wraps()
    {
        Assert.Equal(long.MaxValue, (new Money(long.MaxValue - 1) + new Money(1)).Cents);
        Assert.Throws<OverflowException>(() => new Money(long.MaxValue) + new Money(1));
        Assert.Throws<OverflowException>(() => new Money(long.MinValue) - new Money(1));
        Assert.Throws<OverflowException>(() => -new Money(long.MinValue));
    }

    [Theory]
    [InlineData(0L, "0.00")]
    [InlineData(1L, "0.01")]
    [InlineData(-1L, "-0.01")]
    [InlineData(4_000_000L, "40000.00")]
    [InlineData(long.MaxValue, "92233720368547758.07")]
    public void Money_prints_dollars_with_two_decimals(long cents, string text) =>
        Assert.Equal(text, new Money(cents).ToString());

    [Fact]
    public void Settlement_balance_that_would_overflow_is_refused_and_leaves_no_trace()
    {
        // $1 trillion a payment (the most one may carry): 92,233 fit in a long of cents, the next does not.
        var ledger = NewLedger().Participant(A, 0m, 0m);
        for (var i = 0; i < 92_233; i++) Ok(ledger.Pay(P(A), Money.AmountMax, Morning));
        var balance = ledger.View(A).SettlementBalance;
        var journal = ledger.Journal(P(A)).Count;
        Assert.Equal(9_223_300_000_000_000_000L, ledger.StateOf(P(A)).SettlementBalance.Cents);

        Assert.Throws<OverflowException>(() => ledger.Pay(P(A), Money.AmountMax, Morning));

        Assert.Equal(balance, ledger.View(A).SettlementBalance);
        Assert.Equal(journal, ledger.Journal(P(A)).Count);
        Assert.Equal(journal, ledger.StateOf(P(A)).Version); // the half-applied decision was thrown away
        Ok(ledger.Pay(P(A), Usd(0.01m), Morning));           // and the account goes on
    }

    [Fact]
    public void Payment_that_is_not_positive_or_above_the_maximum_is_refused()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m);
        Assert.Equal(EntryRejection.NotPositive, ledger.Pay(P(A), Money.Zero, Morning).Error!.Rule);
        Assert.Equal(EntryRejection.AmountNegative, ledger.Pay(P(A), new Money(-1), Morning).Error!.Rule);
        Assert.Equal(EntryRejection.AmountAboveMaximum, ledger.Pay(P(A), Money.AmountMax + new Money(1), Morning).Error!.Rule);
        Assert.Equal(0m, ledger.View(A).SettlementBalance);
    }
}
