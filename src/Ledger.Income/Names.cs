using System.Globalization;

namespace Ledger.Income;

/// <summary>What a stock-loan deliver order was, by its reason code; the arithmetic is the same, reports and files tell them apart.</summary>
public enum TransactionType
{
    /// <summary>The deliverer lends to the receiver (<c>SL</c>).</summary>
    Loan = 1,
    /// <summary>A borrower delivers borrowed shares back to its lender (<c>SLR</c>).</summary>
    Return = 2,
    /// <summary>A reclaim of a stock-loan deliver order: it reverses exactly that deliver order's change.</summary>
    Reclaim = 3,
}

/// <summary>A distribution's type (the contract's <c>type</c>).</summary>
public enum DistributionType
{
    CashDividend = 1,
    Interest = 2,
}

/// <summary>The two kinds of income entry (the contract's <c>kind</c>).</summary>
public enum IncomeKind
{
    /// <summary>Money from the paying agent to whoever held the position at the close of the record date.</summary>
    HolderOfRecord = 1,
    /// <summary>Borrower to lender, on a memo line open at the close of the record date.</summary>
    StockLoanIncome = 2,
}

/// <summary>Why an entitlement fixed at the record date moved no money on the payable date.</summary>
public enum SkipReason
{
    /// <summary>The borrower filed a halt against the lender effective on or before the posting date.</summary>
    Halted = 1,
    /// <summary>The ledger no longer acts for one of the parties.</summary>
    Terminated = 2,
}

public enum AdjustmentStatus
{
    Pending = 1,
    Affirmed = 2,
    Cancelled = 3,
    Expired = 4,
}

/// <summary>Where a participant stands in income tracking.</summary>
public enum ParticipantStanding
{
    Active = 1,
    /// <summary>Its accounts moved to another participant; its memo account forwards what still arrives.</summary>
    Merged = 2,
    Retired = 3,
    /// <summary>The ledger ceased to act for it.</summary>
    Terminated = 4,
}

/// <summary>The words the public contract and the journal use for the enums, one each.</summary>
public static class IncomeNames
{
    public static string Name(this TransactionType t) => t switch
    {
        TransactionType.Loan => "loan",
        TransactionType.Return => "return",
        TransactionType.Reclaim => "reclaim",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, null),
    };

    public static string Name(this DistributionType t) => t switch
    {
        DistributionType.CashDividend => "cash-dividend",
        DistributionType.Interest => "interest",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, null),
    };

    public static string Name(this IncomeKind k) => k switch
    {
        IncomeKind.HolderOfRecord => "holder-of-record",
        IncomeKind.StockLoanIncome => "stock-loan-income",
        _ => throw new ArgumentOutOfRangeException(nameof(k), k, null),
    };

    public static string Name(this SkipReason r) => r switch
    {
        SkipReason.Halted => "halted",
        SkipReason.Terminated => "terminated",
        _ => throw new ArgumentOutOfRangeException(nameof(r), r, null),
    };

    public static string Name(this AdjustmentStatus s) => s switch
    {
        AdjustmentStatus.Pending => "pending",
        AdjustmentStatus.Affirmed => "affirmed",
        AdjustmentStatus.Cancelled => "cancelled",
        AdjustmentStatus.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    public static string Name(this ParticipantStanding s) => s switch
    {
        ParticipantStanding.Active => "active",
        ParticipantStanding.Merged => "merged",
        ParticipantStanding.Retired => "retired",
        ParticipantStanding.Terminated => "terminated",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, null),
    };

    public static bool TryParseDistributionType(string? value, out DistributionType type)
    {
        type = value switch
        {
            "cash-dividend" => DistributionType.CashDividend,
            "interest" => DistributionType.Interest,
            _ => 0,
        };
        return type != 0;
    }

    internal static TransactionType ParseTransactionType(string value) => value switch
    {
        "loan" => TransactionType.Loan,
        "return" => TransactionType.Return,
        "reclaim" => TransactionType.Reclaim,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    internal static DistributionType ParseDistributionType(string value) =>
        TryParseDistributionType(value, out var t) ? t : throw new ArgumentOutOfRangeException(nameof(value), value, null);

    internal static IncomeKind ParseKind(string value) => value switch
    {
        "holder-of-record" => IncomeKind.HolderOfRecord,
        "stock-loan-income" => IncomeKind.StockLoanIncome,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };

    internal static AdjustmentStatus ParseAdjustmentStatus(string value) => value switch
    {
        "pending" => AdjustmentStatus.Pending,
        "affirmed" => AdjustmentStatus.Affirmed,
        "cancelled" => AdjustmentStatus.Cancelled,
        "expired" => AdjustmentStatus.Expired,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, null),
    };
}

/// <summary>Business dates as the journal and the contract write them: <c>yyyy-MM-dd</c>.</summary>
public static class IncomeDates
{
    public const string Format = "yyyy-MM-dd";

    public static string ToText(DateOnly date) => date.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Reads a date the ledger wrote; anything else is a bug.</summary>
    public static DateOnly Parse(string text) => DateOnly.ParseExact(text, Format, CultureInfo.InvariantCulture);

    /// <summary>Reads a date a request carries: exactly <c>yyyy-MM-dd</c>.</summary>
    public static bool TryParse(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}

/// <summary>Ids of adjustments and distributions.</summary>
public static class IncomeIds
{
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= IncomeLimits.IdLengthMax } &&
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>The id of a holder-of-record entry: one per distribution and holder.</summary>
    public static string HolderOfRecordEntry(string cusip, string distributionId, string holder) => $"hor:{cusip}:{distributionId}:{holder}";

    /// <summary>The id of a stock-loan income transfer: one per distribution and memo line (lender, borrower); the same at both parties.</summary>
    public static string StockLoanIncomeEntry(string cusip, string distributionId, string lender, string borrower) => $"sli:{cusip}:{distributionId}:{lender}:{borrower}";

    /// <summary>The id of the batch a payable-date run posts to one participant; <paramref name="sequence"/> 1 at the posting, then 2, 3... for reports that came late.</summary>
    public static string Posting(DateOnly postingDate, string participant, int sequence) => $"income:{IncomeDates.ToText(postingDate)}:{participant}:{sequence}";
}
