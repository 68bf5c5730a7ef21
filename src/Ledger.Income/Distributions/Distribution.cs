using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>
/// A cash dividend or interest payment on a CUSIP: <see cref="RatePerShare"/> dollars a share to
/// whoever is entitled at the close of <see cref="RecordDate"/>, paid on <see cref="PayableDate"/>
/// (the money moves at the open of <see cref="PostingDate"/>). Ids are unique per CUSIP.
/// </summary>
public sealed record Distribution(
    Cusip Cusip,
    string Id,
    DistributionType Type,
    decimal RatePerShare,
    DateOnly RecordDate,
    DateOnly PayableDate,
    DateOnly PostingDate)
{
    /// <summary>
    /// The business date the money of a distribution moves, at its open: the payable date, or the
    /// first business day after it when it is not one; and never before the business day after the
    /// record date, whose close fixes the entitlements (a payable date equal to the record date
    /// pays at the next open).
    /// </summary>
    public static DateOnly PostingDateOf(DateOnly recordDate, DateOnly payableDate, BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var onOrAfterPayable = calendar.OnOrAfter(payableDate);
        var afterRecordClose = calendar.Next(recordDate);
        return onOrAfterPayable > afterRecordClose ? onOrAfterPayable : afterRecordClose;
    }

    public DistributionData ToData() => new(Cusip.Value, Id, Type.Name(), RatePerShare,
        IncomeDates.ToText(RecordDate), IncomeDates.ToText(PayableDate), IncomeDates.ToText(PostingDate));

    public static Distribution FromData(DistributionData d) => new(new Cusip(d.Cusip), d.DistributionId,
        IncomeNames.ParseDistributionType(d.Type), d.RatePerShare,
        IncomeDates.Parse(d.RecordDate), IncomeDates.Parse(d.PayableDate), IncomeDates.Parse(d.PostingDate));
}

/// <summary>The arithmetic of income: shares times the rate, rounded half away from zero to the cent, per memo line or position.</summary>
public static class IncomeArithmetic
{
    /// <summary>The exact product in dollars, before rounding (decimal: 28 digits, no binary fractions).</summary>
    public static decimal ExactDollars(long shares, decimal ratePerShare) => shares * ratePerShare;

    /// <summary>
    /// <paramref name="shares"/> x <paramref name="ratePerShare"/>, rounded half away from zero to
    /// the cent [choice]. Symmetric: the amount for -n shares is minus the amount for n, so a
    /// lender's credit and its borrower's debit always match.
    /// </summary>
    public static Money Amount(long shares, decimal ratePerShare)
    {
        var cents = Math.Round(ExactDollars(shares, ratePerShare) * 100m, 0, MidpointRounding.AwayFromZero);
        return new Money(checked((long)cents));
    }

    /// <summary>Whether <paramref name="value"/> has at most <paramref name="decimals"/> decimals (trailing zeros do not count: 0.2500000 has 2).</summary>
    public static bool HasAtMostDecimals(decimal value, int decimals) => decimal.Round(value, decimals) == value;
}
