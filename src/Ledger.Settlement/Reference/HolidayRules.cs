using System.Globalization;

namespace Ledger.Settlement;

/// <summary>
/// Which holidays the reference data takes, and the limits of a calendar request. The decider and
/// both gateways (the cluster's and the in-memory ledger's) ask these same rules, so a refused
/// holiday is refused for the same reason everywhere.
/// </summary>
public static class HolidayRules
{
    /// <summary>Holidays a ledger holds at most (the NYSE has about ten a year).</summary>
    public const int HolidaysMax = 1_000;

    /// <summary>How far past the current business date a holiday may be declared, in years.</summary>
    public const int HorizonYearsMax = 10;

    /// <summary>Calendar days one <c>GET /v1/calendar</c> covers at most (two years, a leap day included).</summary>
    public const int RangeDaysMax = 731;

    /// <summary>The name a holiday gets when none is given.</summary>
    public const string DefaultName = "Holiday";

    /// <summary>
    /// Whether <paramref name="holiday"/> may be declared now: only after the current business date
    /// (the open day and the days already settled keep the calendar they ran on), on a weekday,
    /// within <see cref="HorizonYearsMax"/> years, never while the day is closing (the close has
    /// already named the date it opens), and while the ledger holds fewer than <see cref="HolidaysMax"/>.
    /// </summary>
    public static EntryError? CheckDeclare(ReferenceSnapshot reference, Holiday holiday)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(holiday);
        if (CheckDate(reference, holiday.Date) is { } error) return error;
        if (EntryRules.NameField(holiday.Name, "name") is { } badName) return badName;
        if (!reference.Calendar.IsHoliday(holiday.Date) && reference.Calendar.Holidays.Count >= HolidaysMax)
            return new EntryError(EntryRejection.HolidaysAboveMaximum, "date", $"the ledger holds {HolidaysMax} holidays at most; remove one first");
        return null;
    }

    /// <summary>Whether the holiday on <paramref name="date"/> may be removed now: the same date rules as <see cref="CheckDeclare"/>, and it must be a holiday.</summary>
    public static EntryError? CheckRemove(ReferenceSnapshot reference, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (CheckDate(reference, date) is { } error) return error;
        if (!reference.Calendar.IsHoliday(date))
            return new EntryError(EntryRejection.UnknownHoliday, "date", $"{Format(date)} is not a holiday of this ledger");
        return null;
    }

    private static EntryError? CheckDate(ReferenceSnapshot reference, DateOnly date)
    {
        if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            return new EntryError(EntryRejection.HolidayOnWeekend, "date", $"{Format(date)} is a {date.DayOfWeek}: a weekend is never a business day, so it is never a holiday");
        if (reference.Closing)
            return new EntryError(EntryRejection.BusinessDayClosing, "date", $"business day {Format(reference.BusinessDate)} is closing; change holidays once the next day is open");
        if (date <= reference.BusinessDate)
            return new EntryError(EntryRejection.HolidayNotFuture, "date",
                $"holidays change only after the current business date {Format(reference.BusinessDate)}; {Format(date)} is not after it");
        if (date > reference.BusinessDate.AddYears(HorizonYearsMax))
            return new EntryError(EntryRejection.HolidayBeyondHorizon, "date", $"holidays may be declared at most {HorizonYearsMax} years ahead of {Format(reference.BusinessDate)}");
        return null;
    }

    /// <summary>A calendar date as the API writes it (<c>yyyy-MM-dd</c>); anything else is <c>date-format</c>.</summary>
    public static EntryError? DateField(string? text, string field, out DateOnly date)
    {
        date = default;
        if (text is null) return new EntryError(EntryRejection.Missing, field, $"{field} is required");
        if (text.Length != 10 || !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            return new EntryError(EntryRejection.InvalidDate, field, $"{field} must be a date yyyy-MM-dd");
        return null;
    }

    /// <summary>A calendar range: <paramref name="from"/> not after <paramref name="to"/>, at most <see cref="RangeDaysMax"/> days, both included.</summary>
    public static EntryError? RangeCheck(DateOnly from, DateOnly to)
    {
        if (to < from) return new EntryError(EntryRejection.CalendarRangeOrder, "from", $"from {Format(from)} must not be after to {Format(to)}");
        if (to.DayNumber - from.DayNumber + 1 > RangeDaysMax)
            return new EntryError(EntryRejection.CalendarRangeAboveMaximum, "to", $"a calendar range covers at most {RangeDaysMax} days");
        return null;
    }

    /// <summary>
    /// The first business day of a new ledger started at <paramref name="now"/>: the date of now in
    /// <paramref name="zone"/> or the next business day of <paramref name="calendar"/> (weekends and
    /// holidays skipped); once that day's <paramref name="cutoff"/> has passed, the business day after it.
    /// </summary>
    public static DateOnly FirstBusinessDay(DateTimeOffset now, TimeZoneInfo zone, TimeOnly? cutoff, BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(calendar);
        var local = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var date = calendar.OnOrAfter(local);
        if (cutoff is { } c && now >= BusinessCalendar.CutoffInstant(date, c, zone)) date = calendar.Next(date);
        return date;
    }

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
