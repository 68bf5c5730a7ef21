namespace Ledger.Lending;

/// <summary>
/// The terms a stock-loan deliver order may carry (lending.md section 1) and their checks. The
/// host calls <see cref="Validate"/> at deliver-order entry, so a bad term is refused before
/// settlement takes the order; a loan book checks again and records an exception if one slips past.
/// </summary>
public static class LoanTerms
{
    /// <summary>The reason code of a deliver order that opens a loan.</summary>
    public const string LoanReasonCode = "SL";

    /// <summary>The reason code of a deliver order that returns loaned shares (borrower to lender).</summary>
    public const string ReturnReasonCode = "SLR";

    /// <summary>The reason code of a payment order that settles a mark.</summary>
    public const string MarkReasonCode = "MARK";

    public const decimal CollateralMarginMin = 1.00m;
    public const decimal CollateralMarginMax = 1.10m;

    /// <summary>-100% a year: the lowest rebate rate (a hard-to-borrow fee of the whole collateral).</summary>
    public const decimal RebateRateMin = -1m;

    /// <summary>+100% a year: the highest rebate rate.</summary>
    public const decimal RebateRateMax = 1m;

    /// <summary>Decimals a rate or a margin may carry: 6 (0.000001 = 0.0001%).</summary>
    public const int DecimalsMax = 6;

    /// <summary>
    /// The terms of a deliver order with reason code <paramref name="reasonCode"/>: null when they
    /// are acceptable. Only a loan (<c>SL</c>) may carry them; absent terms are always acceptable.
    /// </summary>
    public static LendingError? Validate(string? reasonCode, decimal? rebateRate, decimal? collateralMargin)
    {
        if (reasonCode != LoanReasonCode)
        {
            if (rebateRate is not null)
                return new LendingError(LendingRejection.LoanTermsOnLoanOnly, "rebateRate", $"rebateRate may only be given on a deliver order with reasonCode {LoanReasonCode}");
            if (collateralMargin is not null)
                return new LendingError(LendingRejection.LoanTermsOnLoanOnly, "collateralMargin", $"collateralMargin may only be given on a deliver order with reasonCode {LoanReasonCode}");
            return null;
        }
        if (rebateRate is { } rate && RateError(rate) is { } e1) return e1;
        if (collateralMargin is { } margin && MarginError(margin) is { } e2) return e2;
        return null;
    }

    public static LendingError? RateError(decimal rate)
    {
        if (rate < RebateRateMin || rate > RebateRateMax)
            return new LendingError(LendingRejection.RebateRateRange, "rebateRate", "rebateRate is an annual rate from -1 (-100%) to 1 (+100%)");
        if (!HasAtMostDecimals(rate))
            return new LendingError(LendingRejection.RebateRateDecimals, "rebateRate", $"rebateRate has at most {DecimalsMax} decimals");
        return null;
    }

    public static LendingError? MarginError(decimal margin)
    {
        if (margin < CollateralMarginMin || margin > CollateralMarginMax)
            return new LendingError(LendingRejection.CollateralMarginRange, "collateralMargin", "collateralMargin is from 1.00 to 1.10 (1.02 when not given)");
        if (!HasAtMostDecimals(margin))
            return new LendingError(LendingRejection.CollateralMarginDecimals, "collateralMargin", $"collateralMargin has at most {DecimalsMax} decimals");
        return null;
    }

    private static bool HasAtMostDecimals(decimal value) => value == decimal.Round(value, DecimalsMax);

    /// <summary>A rate or margin written the same way whatever scale it was stored with ("1.02", "-0.0025"), so reports are byte-stable.</summary>
    public static string Format(decimal value) => value.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}
