using System.Globalization;
using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>
/// Rebate arithmetic (lending.md section 3): Act/360 on the collateral held at a close, kept in
/// hundredths of a cent and rounded to the cent only when billed.
/// </summary>
public static class Rebates
{
    /// <summary>Hundredths of a cent in a cent.</summary>
    public const long CentHundredthsPerCent = 100;

    /// <summary>
    /// collateral held x rate x days / 360, in hundredths of a cent, half away from zero. Positive:
    /// owed by the lender to the borrower (a rebate); negative: by the borrower to the lender (a fee).
    /// </summary>
    public static long AccrualCentHundredths(Money held, decimal rebateRate, int days)
    {
        if (days < 0) throw new ArgumentOutOfRangeException(nameof(days), days, "days are not negative");
        return (long)decimal.Round(held.Cents * rebateRate * days * CentHundredthsPerCent / 360m, 0, MidpointRounding.AwayFromZero);
    }

    /// <summary>An amount in hundredths of a cent billed: rounded half away from zero to the cent.</summary>
    public static Money Billed(long centHundredths) =>
        new((long)decimal.Round(centHundredths / (decimal)CentHundredthsPerCent, 0, MidpointRounding.AwayFromZero));

    /// <summary>Hundredths of a cent as dollars with four decimals (13.3875), for display.</summary>
    public static decimal ToDollars(long centHundredths) => centHundredths / 10_000m + 0.0000m;

    /// <summary>The calendar days a close of <paramref name="businessDate"/> accrues: to the next business date (a Friday close: 3).</summary>
    public static int Days(DateOnly businessDate, DateOnly nextBusinessDate) => nextBusinessDate.DayNumber - businessDate.DayNumber;

    /// <summary>
    /// An accrual split by the calendar months its days fall in: a close on Friday 30 January
    /// accrues 30 and 31 January and 1 February, so two days go to January's statement and one to
    /// February's. Every part but the last is computed on its own days; the last takes the rest, so
    /// the parts add up to the accrual exactly.
    /// </summary>
    public static IReadOnlyList<(StatementMonth Month, int Days, long CentHundredths)> ByMonth(RebateAccrued accrual)
    {
        var from = LendingDates.Parse(accrual.BusinessDate);
        var segments = new List<(StatementMonth Month, int Days)>();
        for (var i = 0; i < accrual.Days; i++)
        {
            var month = StatementMonth.Of(from.AddDays(i));
            if (segments.Count > 0 && segments[^1].Month == month) segments[^1] = (month, segments[^1].Days + 1);
            else segments.Add((month, 1));
        }
        if (segments.Count <= 1)
            return [(segments.Count == 1 ? segments[0].Month : StatementMonth.Of(from), accrual.Days, accrual.AccrualCentHundredths)];
        var parts = new List<(StatementMonth, int, long)>(segments.Count);
        var left = accrual.AccrualCentHundredths;
        for (var i = 0; i < segments.Count; i++)
        {
            var part = i == segments.Count - 1 ? left : AccrualCentHundredths(new Money(accrual.HeldCents), accrual.RebateRate, segments[i].Days);
            parts.Add((segments[i].Month, segments[i].Days, part));
            left -= part;
        }
        return parts;
    }
}

/// <summary>A statement month, "YYYY-MM".</summary>
public readonly record struct StatementMonth(int Year, int Month) : IComparable<StatementMonth>
{
    public static StatementMonth Of(DateOnly date) => new(date.Year, date.Month);

    /// <summary>Reads exactly "YYYY-MM" (year 0001 to 9999, month 01 to 12).</summary>
    public static bool TryParse(string? value, out StatementMonth month)
    {
        month = default;
        if (value is not { Length: 7 } || value[4] != '-') return false;
        for (var i = 0; i < 7; i++)
        {
            if (i != 4 && !char.IsAsciiDigit(value[i])) return false;
        }
        var year = int.Parse(value.AsSpan(0, 4), CultureInfo.InvariantCulture);
        var m = int.Parse(value.AsSpan(5, 2), CultureInfo.InvariantCulture);
        if (year < 1 || m is < 1 or > 12) return false;
        month = new StatementMonth(year, m);
        return true;
    }

    public DateOnly FirstDay => new(Year, Month, 1);

    public DateOnly LastDay => FirstDay.AddMonths(1).AddDays(-1);

    public int CompareTo(StatementMonth other) => (Year, Month).CompareTo((other.Year, other.Month));

    public static bool operator <(StatementMonth a, StatementMonth b) => a.CompareTo(b) < 0;
    public static bool operator >(StatementMonth a, StatementMonth b) => a.CompareTo(b) > 0;
    public static bool operator <=(StatementMonth a, StatementMonth b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StatementMonth a, StatementMonth b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Year:0000}-{Month:00}";
}

/// <summary>Dates as events store them: "yyyy-MM-dd".</summary>
public static class LendingDates
{
    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateOnly Parse(string value) => DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static bool TryParse(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}
