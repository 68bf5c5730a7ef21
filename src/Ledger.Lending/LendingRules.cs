namespace Ledger.Lending;

/// <summary>
/// The settings the loan lifecycle decides by that lending.md makes configurable. Everything the
/// page fixes (the margin and rate ranges, the buy-in and close-out clocks, the report deadline)
/// is a constant beside the rule it belongs to. The zone comes in as a value because reading the
/// time-zone database is IO: the adapter passes <c>TimeZoneInfo.FindSystemTimeZoneById("America/New_York")</c>.
/// </summary>
public sealed record LendingRules
{
    /// <summary>The margin a loan gets when its deliver order names none: 1.02 [DTC].</summary>
    public decimal CollateralMarginDefault { get; }

    /// <summary>A mark whose size is below this is not sent (default $0: every mark that is not zero is sent).</summary>
    public Money MarkMinimum { get; }

    /// <summary>Business days from a recall's date to its due date (default 1, T+1).</summary>
    public int SettlementCycleBusinessDays { get; }

    /// <summary>A recall made after this New York time counts from the next business day (default 23:59).</summary>
    public TimeOnly RecallCutoffLocalTime { get; }

    /// <summary>America/New_York: business dates, recall cutoffs, buy-in notices and report times are New York times.</summary>
    public TimeZoneInfo NewYork { get; }

    /// <summary>The longest settlement cycle the rules take: 10 business days.</summary>
    public const int SettlementCycleBusinessDaysMax = 10;

    public LendingRules(decimal collateralMarginDefault, Money markMinimum, int settlementCycleBusinessDays, TimeOnly recallCutoffLocalTime, TimeZoneInfo newYork)
    {
        ArgumentNullException.ThrowIfNull(newYork);
        if (LoanTerms.MarginError(collateralMarginDefault) is { } e)
            throw new ArgumentOutOfRangeException(nameof(collateralMarginDefault), collateralMarginDefault, e.Message);
        if (markMinimum.IsNegative || markMinimum > Money.AmountMax)
            throw new ArgumentOutOfRangeException(nameof(markMinimum), markMinimum, "the mark minimum is $0 to the largest amount");
        if (settlementCycleBusinessDays is < 0 or > SettlementCycleBusinessDaysMax)
            throw new ArgumentOutOfRangeException(nameof(settlementCycleBusinessDays), settlementCycleBusinessDays, $"0 to {SettlementCycleBusinessDaysMax} business days");
        CollateralMarginDefault = collateralMarginDefault;
        MarkMinimum = markMinimum;
        SettlementCycleBusinessDays = settlementCycleBusinessDays;
        RecallCutoffLocalTime = recallCutoffLocalTime;
        NewYork = newYork;
    }

    /// <summary>The defaults of lending.md: margin 1.02, no mark minimum, T+1, recall cutoff 23:59 New York.</summary>
    public static LendingRules Default(TimeZoneInfo newYork) => new(1.02m, Money.Zero, 1, new TimeOnly(23, 59), newYork);

    public LendingRules With(decimal? collateralMarginDefault = null, Money? markMinimum = null, int? settlementCycleBusinessDays = null, TimeOnly? recallCutoffLocalTime = null) =>
        new(collateralMarginDefault ?? CollateralMarginDefault, markMinimum ?? MarkMinimum,
            settlementCycleBusinessDays ?? SettlementCycleBusinessDays, recallCutoffLocalTime ?? RecallCutoffLocalTime, NewYork);

    /// <summary><paramref name="at"/> as New York wall-clock time.</summary>
    public DateTimeOffset InNewYork(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, NewYork);

    /// <summary>The instant of a New York wall-clock <paramref name="time"/> on <paramref name="date"/>.</summary>
    public DateTimeOffset NewYorkInstant(DateOnly date, TimeOnly time) => BusinessCalendar.CutoffInstant(date, time, NewYork);
}

/// <summary>The limits of the lending context, each named once. A limit reached is a rejection or an exception record, never a silent loss.</summary>
public static class LendingLimits
{
    /// <summary>Loans one book (one counterparty pair) keeps, open or not: one million.</summary>
    public const int LoansPerBookMax = 1_000_000;

    /// <summary>Recalls one book keeps, in any state: one million.</summary>
    public const int RecallsPerBookMax = 1_000_000;

    /// <summary>Loans one recall may name: ten thousand; shares owed on further loans are reported as excess.</summary>
    public const int LoansPerRecallMax = 10_000;

    /// <summary>Exception records one book keeps: one million; past it the book refuses further bad input (rule <c>book-exceptions-maximum</c>).</summary>
    public const int ExceptionsPerBookMax = 1_000_000;

    /// <summary>Closes a book catches up by itself at a mark run when it missed them: 31.</summary>
    public const int CatchUpClosesMax = 31;

    /// <summary>Close prices one lending day freezes: one million securities.</summary>
    public const int PricesPerDayMax = 1_000_000;

    /// <summary>Books one lending day marks and closes: one million.</summary>
    public const int BooksPerDayMax = 1_000_000;

    /// <summary>Books the directory holds: ten million counterparty pairs.</summary>
    public const int BooksMax = 10_000_000;

    /// <summary>Lines of a counterparty's statement submitted for reconciliation: one hundred thousand.</summary>
    public const int StatementLinesMax = 100_000;

    /// <summary>Characters of a recall hub control number: 32.</summary>
    public const int ControlNumberLengthMax = 32;

    /// <summary>How far after its recall date a named return date may lie: 366 calendar days.</summary>
    public const int ReturnDateDaysMax = 366;

    /// <summary>The most shares one loan, return or recall may carry (settlement's deliver-order maximum): ten billion.</summary>
    public const long SharesMax = 10_000_000_000;

    /// <summary>The highest close price a mark takes for one share (settlement's maximum): $10,000,000.</summary>
    public static readonly Money PriceMax = new(1_000_000_000);

    public static bool IsValidControlNumber(string? value) =>
        value is { Length: > 0 and <= ControlNumberLengthMax } &&
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/');
}
