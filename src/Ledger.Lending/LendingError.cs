namespace Ledger.Lending;

/// <summary>
/// Why the lending context refused a request or a command. Numbers are never reused; each maps to
/// the problem+json <c>rule</c> in <see cref="LendingError.RuleName"/>.
/// </summary>
public enum LendingRejection
{
    Required = 1,
    RebateRateRange = 2,
    RebateRateDecimals = 3,
    CollateralMarginRange = 4,
    CollateralMarginDecimals = 5,
    LoanTermsOnLoanOnly = 6,
    MonthFormat = 7,
    MonthNotFuture = 8,
    DateFormat = 9,
    DateNotFuture = 10,
    ParticipantIdFormat = 11,
    CounterpartyNotSelf = 12,
    LoanIdFormat = 13,
    LoanIdUnique = 14,
    AmountTwoDecimals = 15,
    AmountMaximum = 16,
    StatementLinesMaximum = 17,
    LoanStateFilter = 18,
    RecallStateFilter = 19,
    ReportFormat = 20,
    MarksUnresolved = 21,
    LoansPerBookMaximum = 22,
    UnknownMark = 23,
    MarkPartiesMismatch = 24,
    PriceRange = 25,
    CusipFormat = 26,
    PricesMaximum = 27,
    BooksMaximum = 28,
    BookNotInRun = 29,
    NotABusinessDay = 30,
    DayNotStarted = 31,
    WrongBook = 32,
    ControlNumberFormat = 33,
    PriceDateRange = 34,
    ExceptionsPerBookMaximum = 35,
    DayDateMismatch = 36,
    ReportDateClosed = 37,
    CounterpartyKnown = 38,
}

/// <summary>A refusal: the rule broken, the field at fault (a JSON path for a request body), and a sentence for people.</summary>
public sealed record LendingError(LendingRejection Rule, string Field, string Message)
{
    /// <summary>The stable problem+json rule name.</summary>
    public string RuleName => NameOf(Rule);

    public static string NameOf(LendingRejection rule) => rule switch
    {
        LendingRejection.Required => "required",
        LendingRejection.RebateRateRange => "rebate-rate-range",
        LendingRejection.RebateRateDecimals => "rebate-rate-decimals",
        LendingRejection.CollateralMarginRange => "collateral-margin-range",
        LendingRejection.CollateralMarginDecimals => "collateral-margin-decimals",
        LendingRejection.LoanTermsOnLoanOnly => "loan-terms-on-loan-only",
        LendingRejection.MonthFormat => "month-format",
        LendingRejection.MonthNotFuture => "month-not-future",
        LendingRejection.DateFormat => "date-format",
        LendingRejection.DateNotFuture => "date-not-future",
        LendingRejection.ParticipantIdFormat => "participant-id-format",
        LendingRejection.CounterpartyNotSelf => "counterparty-not-self",
        LendingRejection.LoanIdFormat => "loan-id-format",
        LendingRejection.LoanIdUnique => "loan-id-unique",
        LendingRejection.AmountTwoDecimals => "amount-two-decimals",
        LendingRejection.AmountMaximum => "amount-maximum",
        LendingRejection.StatementLinesMaximum => "statement-lines-maximum",
        LendingRejection.LoanStateFilter => "loan-state",
        LendingRejection.RecallStateFilter => "recall-state",
        LendingRejection.ReportFormat => "report-format",
        LendingRejection.MarksUnresolved => "marks-unresolved",
        LendingRejection.LoansPerBookMaximum => "book-loans-maximum",
        LendingRejection.UnknownMark => "mark-known",
        LendingRejection.MarkPartiesMismatch => "mark-parties",
        LendingRejection.PriceRange => "price-range",
        LendingRejection.CusipFormat => "cusip-check-digit",
        LendingRejection.PricesMaximum => "prices-maximum",
        LendingRejection.BooksMaximum => "books-maximum",
        LendingRejection.BookNotInRun => "book-in-run",
        LendingRejection.NotABusinessDay => "business-day",
        LendingRejection.DayNotStarted => "lending-day-started",
        LendingRejection.WrongBook => "loan-book-pair",
        LendingRejection.ControlNumberFormat => "control-number-format",
        LendingRejection.PriceDateRange => "price-date-before-mark-date",
        LendingRejection.ExceptionsPerBookMaximum => "book-exceptions-maximum",
        LendingRejection.DayDateMismatch => "lending-day-date",
        LendingRejection.ReportDateClosed => "report-date-closed",
        LendingRejection.CounterpartyKnown => "counterparty-known",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };
}
