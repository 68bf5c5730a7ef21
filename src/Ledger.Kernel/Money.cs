using System.Globalization;

namespace Ledger.Kernel;

/// <summary>
/// US dollars held as integer cents. All arithmetic is checked (the build turns on overflow
/// checks), so an impossible sum throws rather than wraps.
/// </summary>
public readonly record struct Money(long Cents) : IComparable<Money>
{
    public static readonly Money Zero = new(0);

    /// <summary>The largest amount a single deliver order, deposit or payment may carry: $1 trillion.</summary>
    public static readonly Money AmountMax = new(100_000_000_000_000);

    public static Money operator +(Money a, Money b) => new(a.Cents + b.Cents);
    public static Money operator -(Money a, Money b) => new(a.Cents - b.Cents);
    public static Money operator -(Money a) => new(-a.Cents);
    public static bool operator <(Money a, Money b) => a.Cents < b.Cents;
    public static bool operator >(Money a, Money b) => a.Cents > b.Cents;
    public static bool operator <=(Money a, Money b) => a.Cents <= b.Cents;
    public static bool operator >=(Money a, Money b) => a.Cents >= b.Cents;

    public int CompareTo(Money other) => Cents.CompareTo(other.Cents);

    public bool IsNegative => Cents < 0;

    /// <summary>Dollars as a decimal, for display and JSON.</summary>
    public decimal Dollars => ToDollars(Cents);

    /// <summary>Cents as dollars with exactly two decimals (adding 0.00m fixes the scale, so JSON shows 50000.00).</summary>
    public static decimal ToDollars(decimal cents) => cents / 100m + 0.00m;

    /// <summary>
    /// Parses dollars with at most two decimals; anything finer is refused rather than rounded,
    /// because a settlement ledger must never invent or lose a fraction of a cent.
    /// </summary>
    public static bool TryFromDollars(decimal dollars, out Money money)
    {
        money = Zero;
        // Refused before multiplying: near decimal.MaxValue the product itself would overflow and throw.
        if (dollars > long.MaxValue / 100m || dollars < long.MinValue / 100m) return false;
        var cents = dollars * 100m;
        if (cents != decimal.Truncate(cents)) return false;
        if (cents > long.MaxValue || cents < long.MinValue) return false;
        money = new Money((long)cents);
        return true;
    }

    public static Money FromDollars(decimal dollars) =>
        TryFromDollars(dollars, out var m) ? m : throw new ArgumentException($"{dollars} has more than two decimals");

    public override string ToString() => Dollars.ToString("0.00", CultureInfo.InvariantCulture);
}
