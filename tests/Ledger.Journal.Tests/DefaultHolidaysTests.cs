using Akka.Configuration;

namespace Ledger.Journal.Tests;

/// <summary>
/// The holidays a new ledger starts with (ledger.holidays in hocon/ledger.conf) are the NYSE
/// holidays of 2026-2028. This test derives them again from the rules NYSE states (fixed dates and
/// n-th weekdays, Good Friday from Easter, a Saturday holiday observed the Friday before and a
/// Sunday one the Monday after, no New Year's Day when it falls on a Saturday) and requires the
/// configured list to be exactly that, so a mistyped date in the file cannot go unnoticed.
/// </summary>
public sealed class DefaultHolidaysTests
{
    [Fact]
    public void The_default_holidays_are_the_NYSE_holidays_of_2026_to_2028()
    {
        var expected = new[] { 2026, 2027, 2028 }.SelectMany(NyseHolidays).ToList();

        var configured = LedgerSettings.Default.DefaultHolidays;

        Assert.Equal(expected.Select(e => e.Date), configured.Select(h => h.Date));
        Assert.Equal(expected.Select(e => e.Name), configured.Select(h => h.Name));
        Assert.Equal(29, configured.Count); // ten a year, less New Year's Day 2028 (a Saturday)
    }

    [Fact]
    public void NYSE_published_dates_spot_check()
    {
        var dates = LedgerSettings.Default.DefaultHolidays.ToDictionary(h => h.Date, h => h.Name);
        // As NYSE Group announced them on 2025-12-23.
        Assert.Equal("Good Friday", dates[new DateOnly(2026, 4, 3)]);
        Assert.Equal("Independence Day (observed)", dates[new DateOnly(2026, 7, 3)]);
        Assert.Equal("Juneteenth National Independence Day (observed)", dates[new DateOnly(2027, 6, 18)]);
        Assert.Equal("Christmas Day (observed)", dates[new DateOnly(2027, 12, 24)]);
        Assert.Equal("Good Friday", dates[new DateOnly(2028, 4, 14)]);
        Assert.False(dates.ContainsKey(new DateOnly(2027, 12, 31)));
        Assert.False(dates.ContainsKey(new DateOnly(2028, 1, 1)));
    }

    [Fact]
    public void Holidays_can_be_replaced_in_configuration()
    {
        var s = LedgerSettings.FromConfig(ConfigurationFactory.ParseString(
            "ledger.holidays = [ { date = \"2029-01-01\", name = \"New Year's Day\" } ]"));
        Assert.Equal([new Holiday(new DateOnly(2029, 1, 1), "New Year's Day")], s.DefaultHolidays);

        Assert.Empty(LedgerSettings.FromConfig(ConfigurationFactory.ParseString("ledger.holidays = []")).DefaultHolidays);
    }

    [Theory]
    [InlineData("[ { date = \"2026-1-19\", name = \"MLK\" } ]", "not yyyy-MM-dd")]
    [InlineData("[ { name = \"MLK\" } ]", "not yyyy-MM-dd")]
    [InlineData("[ { date = \"2026-01-17\", name = \"a Saturday\" } ]", "weekend")]
    [InlineData("[ { date = \"2026-01-19\" } ]", "name")]
    [InlineData("[ { date = \"2026-01-19\", name = \"\" } ]", "name")]
    [InlineData("[ { date = \"2026-01-19\", name = \"A\" }, { date = \"2026-01-19\", name = \"B\" } ]", "twice")]
    public void A_bad_holiday_list_is_refused_naming_the_key(string list, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => LedgerSettings.FromConfig(ConfigurationFactory.ParseString("ledger.holidays = " + list)));
        Assert.Contains("ledger.holidays", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<(DateOnly Date, string Name)> NyseHolidays(int year)
    {
        var newYear = new DateOnly(year, 1, 1);
        // A Saturday New Year's Day would be observed on 31 December, the last day of an accounting year: NYSE stays open.
        if (newYear.DayOfWeek != DayOfWeek.Saturday) yield return Observed(newYear, "New Year's Day");
        yield return (NthWeekday(year, 1, DayOfWeek.Monday, 3), "Martin Luther King, Jr. Day");
        yield return (NthWeekday(year, 2, DayOfWeek.Monday, 3), "Washington's Birthday");
        yield return (Easter(year).AddDays(-2), "Good Friday");
        yield return (LastWeekday(year, 5, DayOfWeek.Monday), "Memorial Day");
        yield return Observed(new DateOnly(year, 6, 19), "Juneteenth National Independence Day");
        yield return Observed(new DateOnly(year, 7, 4), "Independence Day");
        yield return (NthWeekday(year, 9, DayOfWeek.Monday, 1), "Labor Day");
        yield return (NthWeekday(year, 11, DayOfWeek.Thursday, 4), "Thanksgiving Day");
        yield return Observed(new DateOnly(year, 12, 25), "Christmas Day");
    }

    private static (DateOnly, string) Observed(DateOnly date, string name) => date.DayOfWeek switch
    {
        DayOfWeek.Saturday => (date.AddDays(-1), name + " (observed)"),
        DayOfWeek.Sunday => (date.AddDays(1), name + " (observed)"),
        _ => (date, name),
    };

    private static DateOnly NthWeekday(int year, int month, DayOfWeek day, int n)
    {
        var first = new DateOnly(year, month, 1);
        return first.AddDays(((int)day - (int)first.DayOfWeek + 7) % 7 + (n - 1) * 7);
    }

    private static DateOnly LastWeekday(int year, int month, DayOfWeek day)
    {
        var last = new DateOnly(year, month, DateTime.DaysInMonth(year, month));
        return last.AddDays(-(((int)last.DayOfWeek - (int)day + 7) % 7));
    }

    /// <summary>Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm).</summary>
    private static DateOnly Easter(int year)
    {
        int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
        int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
        return new DateOnly(year, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
    }
}
