namespace Ledger.Lending;

/// <summary>
/// The clocks of a recall (lending.md section 4): when it counts from, when it is due, and, once
/// overdue, the earliest buy-in and the close-out deadline.
/// </summary>
public static class RecallDeadlines
{
    /// <summary>The earliest buy-in is the third business day after the due date [FINRA 11810].</summary>
    public const int BuyInBusinessDaysAfterDue = 3;

    /// <summary>Buy-in notice is due two business days before the buy-in [FINRA 11810].</summary>
    public const int BuyInNoticeBusinessDaysBefore = 2;

    /// <summary>... by noon New York.</summary>
    public static readonly TimeOnly BuyInNoticeLocalTime = new(12, 0);

    /// <summary>
    /// The lender's sale that depended on the recall is closed out by the market open of the third
    /// settlement day after the due date (the long-sale clock of Rule 204) [SEC staff guidance; choice].
    /// </summary>
    public const int CloseOutSettlementDaysAfterDue = 3;

    /// <summary>Regular trading opens at 9:30 New York.</summary>
    public static readonly TimeOnly MarketOpenLocalTime = new(9, 30);

    /// <summary>
    /// The business date a recall counts from: its own business date, or the next business day when
    /// it was made available after the recall cutoff of that date [choice, from T+1 practice].
    /// </summary>
    public static DateOnly CountsFrom(DateOnly businessDate, DateTimeOffset at, LendingRules rules, BusinessCalendar calendar)
    {
        var date = calendar.OnOrAfter(businessDate);
        return at > rules.NewYorkInstant(businessDate, rules.RecallCutoffLocalTime) ? calendar.Next(date) : date;
    }

    /// <summary>The settlement cycle after <paramref name="countsFrom"/>, or the named return date (moved to a business day) when that is later.</summary>
    public static DateOnly DueOn(DateOnly countsFrom, DateOnly? returnDate, LendingRules rules, BusinessCalendar calendar)
    {
        var due = calendar.AddBusinessDays(countsFrom, rules.SettlementCycleBusinessDays);
        if (returnDate is { } named && calendar.OnOrAfter(named) > due) due = calendar.OnOrAfter(named);
        return due;
    }

    public static DateOnly BuyInFrom(DateOnly dueOn, BusinessCalendar calendar) =>
        calendar.AddBusinessDays(dueOn, BuyInBusinessDaysAfterDue);

    public static DateTimeOffset BuyInNoticeBy(DateOnly buyInFrom, LendingRules rules, BusinessCalendar calendar) =>
        rules.NewYorkInstant(calendar.AddBusinessDays(buyInFrom, -BuyInNoticeBusinessDaysBefore), BuyInNoticeLocalTime);

    public static DateTimeOffset CloseOutBy(DateOnly dueOn, LendingRules rules, BusinessCalendar calendar) =>
        rules.NewYorkInstant(calendar.AddBusinessDays(dueOn, CloseOutSettlementDaysAfterDue), MarketOpenLocalTime);

    /// <summary>A recall still open is overdue once the business date is past its due date.</summary>
    public static bool IsOverdue(DateOnly dueOn, DateOnly businessDate) => businessDate > dueOn;
}
