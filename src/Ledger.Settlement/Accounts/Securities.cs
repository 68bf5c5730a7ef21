namespace Ledger.Settlement;

/// <summary>
/// A security's price and haircut as the reference data gave them. <see cref="Version"/> grows
/// with every change, so an account that hears of terms twice keeps the newer.
/// </summary>
public readonly record struct SecurityTerms(Money Price, decimal Haircut, long Version)
{
    /// <summary>The highest price Ledger takes for one share: $10,000,000.</summary>
    public static readonly Money PriceMax = new(1_000_000_000);

    public static bool IsValidHaircut(decimal haircut) =>
        haircut is >= 0m and <= 1m && haircut == decimal.Round(haircut, 6);

    /// <summary>Collateral value of <paramref name="shares"/>: shares x price x (1 - haircut), rounded down to the cent.</summary>
    public decimal CollateralValueCents(long shares) =>
        TryValueAfterHaircutCents(shares, roundUp: false, out var cents)
            ? cents
            : decimal.Floor(shares * (decimal)Price.Cents * (1m - Haircut));

    /// <summary>
    /// Shares x price x (1 - haircut) rounded up to the cent: what delivering <paramref name="shares"/>
    /// can take from the deliverer's collateral value at most (see Checks.Deliverer).
    /// </summary>
    public decimal CollateralValueRoundedUpCents(long shares) =>
        TryValueAfterHaircutCents(shares, roundUp: true, out var cents)
            ? cents
            : decimal.Ceiling(MarketValueCents(shares) * (1m - Haircut));

    /// <summary>Market value of <paramref name="shares"/>: shares x price, in cents.</summary>
    public decimal MarketValueCents(long shares) => shares * (decimal)Price.Cents;

    // 10^0 .. 10^9: the haircut's scale, when the figures fit a long.
    private static ReadOnlySpan<long> PowersOfTen => [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

    /// <summary>
    /// The value after haircut in whole integers, where every figure fits a long: shares and price
    /// not negative, the haircut of at most nine decimals between 0 and 1, and shares x price x
    /// (1 - haircut) scaled to an integer below 2^63. The decimal formula computes the same exact
    /// product (its 96 bits hold it) and rounds it the same way, so both give the same whole
    /// cents; this way is several times faster, and each deliver order values its shares three
    /// or four times. False (use the decimal formula) outside those bounds.
    /// </summary>
    private bool TryValueAfterHaircutCents(long shares, bool roundUp, out long cents)
    {
        cents = 0;
        var price = Price.Cents;
        if (shares < 0 || price < 0) return false;
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(Haircut, bits);
        var scale = (bits[3] >> 16) & 0xFF;
        if (bits[3] < 0 || bits[1] != 0 || bits[2] != 0 || scale >= PowersOfTen.Length) return false;
        var unit = PowersOfTen[scale];
        var haircutUnits = (long)(uint)bits[0];
        if (haircutUnits > unit) return false;
        var keptUnits = unit - haircutUnits; // (1 - haircut) x 10^scale
        if (Math.BigMul(shares, price, out var marketCents) != 0 || marketCents < 0) return false;
        if (Math.BigMul(marketCents, keptUnits, out var scaled) != 0 || scaled < 0) return false;
        var (whole, remainder) = Math.DivRem(scaled, unit);
        cents = roundUp && remainder != 0 ? whole + 1 : whole;
        return true;
    }
}
