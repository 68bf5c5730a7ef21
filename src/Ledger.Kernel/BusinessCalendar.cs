using System.Collections.Immutable;

namespace Ledger.Kernel;

/// <summary>An exchange holiday: a weekday on which nothing settles.</summary>
public sealed record Holiday(DateOnly Date, string Name);

/// <summary>
/// Which dates are business days: weekdays that are not holidays. Every context counts business
/// days with one of these (the recycle cutoff and the close, halt notice, adjustment expiry,
/// recall due dates), so that all of them agree. Immutable: a changed holiday list is a new
/// calendar.
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>Business days a single count may step over, at most (about 40 years); a larger count is a bug.</summary>
    public const int BusinessDaysStepMax = 10_000;

    private readonly ImmutableSortedDictionary<DateOnly, Holiday> _holidays;

    /// <summary>A calendar without holidays: every weekday is a business day.</summary>
    public static BusinessCalendar Weekdays { get; } = new([]);

    public BusinessCalendar(IEnumerable<Holiday> holidays)
    {
        ArgumentNullException.ThrowIfNull(holidays);
        var builder = ImmutableSortedDictionary.CreateBuilder<DateOnly, Holiday>();
        foreach (var holiday in holidays)
        {
            if (IsWeekend(holiday.Date)) continue; // a weekend is never a business day anyway
            builder[holiday.Date] = holiday;
        }
        _holidays = builder.ToImmutable();
    }

    /// <summary>The holidays, in date order (weekend dates left out).</summary>
    public IReadOnlyCollection<Holiday> Holidays => _holidays.Values.ToList();

    /// <summary>The holidays from <paramref name="from"/> to <paramref name="to"/>, both included, in date order.</summary>
    public IEnumerable<Holiday> HolidaysBetween(DateOnly from, DateOnly to) =>
        _holidays.Where(h => h.Key >= from && h.Key <= to).Select(h => h.Value);

    public bool IsHoliday(DateOnly date) => _holidays.ContainsKey(date);

    public bool IsBusinessDay(DateOnly date) => !IsWeekend(date) && !_holidays.ContainsKey(date);

    /// <summary>The first business day after <paramref name="date"/>.</summary>
    public DateOnly Next(DateOnly date) => AddBusinessDays(date, 1);

    /// <summary>The last business day before <paramref name="date"/>.</summary>
    public DateOnly Previous(DateOnly date) => AddBusinessDays(date, -1);

    /// <summary>The business date a calendar date falls in: itself, or the next business day.</summary>
    public DateOnly OnOrAfter(DateOnly date)
    {
        for (var steps = 0; !IsBusinessDay(date); steps++)
        {
            if (steps > BusinessDaysStepMax) throw new InvariantViolation($"no business day within {BusinessDaysStepMax} days of {date:yyyy-MM-dd}");
            date = date.AddDays(1);
        }
        return date;
    }

    /// <summary>
    /// The business day <paramref name="count"/> business days after <paramref name="date"/>
    /// (before it when negative); <paramref name="date"/> itself need not be a business day. Zero
    /// gives <paramref name="date"/> unchanged.
    /// </summary>
    public DateOnly AddBusinessDays(DateOnly date, int count)
    {
        if (count is > BusinessDaysStepMax or < -BusinessDaysStepMax)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"at most {BusinessDaysStepMax} business days");
        var step = count >= 0 ? 1 : -1;
        for (var left = Math.Abs(count); left > 0;)
        {
            date = date.AddDays(step);
            if (IsBusinessDay(date)) left--;
        }
        return date;
    }

    /// <summary>
    /// How many business days come after <paramref name="from"/> up to and including
    /// <paramref name="to"/>: 0 for the same date, negative when <paramref name="to"/> is earlier.
    /// "Two business days' notice" on day D means <c>BusinessDaysBetween(D, effective) &gt;= 2</c>.
    /// </summary>
    public int BusinessDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -BusinessDaysBetween(to, from);
        if (to.DayNumber - from.DayNumber > BusinessDaysStepMax * 2)
            throw new ArgumentOutOfRangeException(nameof(to), to, "dates too far apart");
        var count = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
        {
            if (IsBusinessDay(d)) count++;
        }
        return count;
    }

    /// <summary>The business days from <paramref name="from"/> to <paramref name="to"/>, both included, in order.</summary>
    public IEnumerable<DateOnly> BusinessDays(DateOnly from, DateOnly to)
    {
        for (var d = OnOrAfter(from); d <= to; d = Next(d)) yield return d;
    }

    /// <summary>This calendar with one more holiday (or the same date renamed).</summary>
    public BusinessCalendar With(Holiday holiday) => new(_holidays.Values.Where(h => h.Date != holiday.Date).Append(holiday));

    /// <summary>This calendar without the holiday on <paramref name="date"/>.</summary>
    public BusinessCalendar Without(DateOnly date) => new(_holidays.Values.Where(h => h.Date != date));

    /// <summary>The instant of the recycle cutoff of <paramref name="businessDate"/>: its local <paramref name="cutoff"/> time in <paramref name="zone"/>.</summary>
    public static DateTimeOffset CutoffInstant(DateOnly businessDate, TimeOnly cutoff, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = businessDate.ToDateTime(cutoff, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static bool IsWeekend(DateOnly date) => date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
}
