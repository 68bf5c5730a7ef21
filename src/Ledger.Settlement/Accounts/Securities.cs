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
        decimal.Floor(shares * (decimal)Price.Cents * (1m - Haircut));

    /// <summary>Market value of <paramref name="shares"/>: shares x price, in cents.</summary>
    public decimal MarketValueCents(long shares) => shares * (decimal)Price.Cents;
}
