using System.Globalization;

namespace Ledger.Settlement;

/// <summary>
/// The loan terms a stock-loan deliver order may carry at entry (lending.md section 1):
/// <c>rebateRate</c> (annual, -1 to +1) and <c>collateralMargin</c> (1.00 to 1.10), each with at most
/// 6 decimals, and only on reason code <c>SL</c>. The same bounds and rule names as the lending
/// context's <c>LoanTerms.Validate</c> (a test holds the two together); settlement keeps its own
/// copy because a context never references another.
/// </summary>
public static class LoanTermRules
{
    /// <summary>The reason code of a deliver order that opens a loan.</summary>
    public const string LoanReasonCode = "SL";

    public const decimal CollateralMarginMin = 1.00m;
    public const decimal CollateralMarginMax = 1.10m;
    public const decimal RebateRateMin = -1m;
    public const decimal RebateRateMax = 1m;
    public const int DecimalsMax = 6;

    /// <summary>The terms of a deliver order with <paramref name="reasonCode"/>: null when acceptable (absent terms always are).</summary>
    public static EntryError? Check(string? reasonCode, decimal? rebateRate, decimal? collateralMargin)
    {
        if (reasonCode != LoanReasonCode)
        {
            if (rebateRate is not null)
                return new EntryError(EntryRejection.LoanTermsOnLoanOnly, "rebateRate", $"rebateRate may only be given on a deliver order with reasonCode {LoanReasonCode}");
            if (collateralMargin is not null)
                return new EntryError(EntryRejection.LoanTermsOnLoanOnly, "collateralMargin", $"collateralMargin may only be given on a deliver order with reasonCode {LoanReasonCode}");
            return null;
        }
        if (rebateRate is { } rate)
        {
            if (rate < RebateRateMin || rate > RebateRateMax)
                return new EntryError(EntryRejection.RebateRateRange, "rebateRate", "rebateRate is an annual rate from -1 (-100%) to 1 (+100%)");
            if (!HasAtMostDecimals(rate))
                return new EntryError(EntryRejection.RebateRateDecimals, "rebateRate", $"rebateRate has at most {DecimalsMax} decimals");
        }
        if (collateralMargin is { } margin)
        {
            if (margin < CollateralMarginMin || margin > CollateralMarginMax)
                return new EntryError(EntryRejection.CollateralMarginRange, "collateralMargin", "collateralMargin is from 1.00 to 1.10 (1.02 when not given)");
            if (!HasAtMostDecimals(margin))
                return new EntryError(EntryRejection.CollateralMarginDecimals, "collateralMargin", $"collateralMargin has at most {DecimalsMax} decimals");
        }
        return null;
    }

    private static bool HasAtMostDecimals(decimal value) => value == decimal.Round(value, DecimalsMax);

    /// <summary>A term written the same whatever scale it came with ("1.02" for 1.020; "" when absent): fingerprints compare terms by value.</summary>
    public static string Format(decimal? value) => value?.ToString("0.######", CultureInfo.InvariantCulture) ?? "";

    /// <summary>
    /// What a Market Loan's legs must agree on at the central counterparty besides shares and amount:
    /// the margin as given (absent matches only absent). The lending context marks each leg's loan on
    /// its own margin, so legs that differ would make OCC's two loans mark different amounts: they
    /// never pair, and drop at the recycle cutoff.
    /// </summary>
    public static string? MarginKey(DeliverOrder order) => order.CollateralMargin is { } m ? Format(m) : null;
}
