namespace Ledger.Kernel.Tests;

/// <summary>Business days are weekdays that are not holidays; counts step over both, in either direction.</summary>
public sealed class BusinessCalendarTests
{
    private static readonly DateOnly Wednesday = new(2026, 11, 25);
    private static readonly DateOnly Thanksgiving = new(2026, 11, 26);
    private static readonly DateOnly Friday = new(2026, 11, 27);
    private static readonly DateOnly Monday = new(2026, 11, 30);

    private static readonly BusinessCalendar WithThanksgiving = new([new Holiday(Thanksgiving, "Thanksgiving Day")]);

    [Fact]
    public void Weekdays_are_business_days_and_weekends_are_not()
    {
        Assert.True(BusinessCalendar.Weekdays.IsBusinessDay(Wednesday));
        Assert.True(BusinessCalendar.Weekdays.IsBusinessDay(Thanksgiving));
        Assert.False(BusinessCalendar.Weekdays.IsBusinessDay(new DateOnly(2026, 11, 28)));
        Assert.False(BusinessCalendar.Weekdays.IsBusinessDay(new DateOnly(2026, 11, 29)));
    }

    [Fact]
    public void A_holiday_is_not_a_business_day_and_next_steps_over_it()
    {
        Assert.False(WithThanksgiving.IsBusinessDay(Thanksgiving));
        Assert.True(WithThanksgiving.IsHoliday(Thanksgiving));
        Assert.Equal(Friday, WithThanksgiving.Next(Wednesday));
        Assert.Equal(Thanksgiving, BusinessCalendar.Weekdays.Next(Wednesday));
        Assert.Equal(Monday, WithThanksgiving.Next(Friday));
        Assert.Equal(Wednesday, WithThanksgiving.Previous(Friday));
    }

    [Fact]
    public void On_or_after_keeps_a_business_day_and_moves_a_weekend_or_holiday_forward()
    {
        Assert.Equal(Wednesday, WithThanksgiving.OnOrAfter(Wednesday));
        Assert.Equal(Friday, WithThanksgiving.OnOrAfter(Thanksgiving));
        Assert.Equal(Monday, WithThanksgiving.OnOrAfter(new DateOnly(2026, 11, 28)));
    }

    [Theory]
    [InlineData(0, "2026-11-25")]
    [InlineData(1, "2026-11-27")]
    [InlineData(2, "2026-11-30")]
    [InlineData(-1, "2026-11-24")]
    [InlineData(20, "2026-12-24")]
    public void Adding_business_days_skips_weekends_and_holidays(int count, string expected) =>
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), WithThanksgiving.AddBusinessDays(Wednesday, count));

    [Fact]
    public void Business_days_between_counts_those_after_the_first_date_up_to_and_including_the_second()
    {
        Assert.Equal(0, WithThanksgiving.BusinessDaysBetween(Wednesday, Wednesday));
        Assert.Equal(1, WithThanksgiving.BusinessDaysBetween(Wednesday, Friday));
        Assert.Equal(1, WithThanksgiving.BusinessDaysBetween(Wednesday, Thanksgiving.AddDays(2)));
        Assert.Equal(2, WithThanksgiving.BusinessDaysBetween(Wednesday, Monday));
        Assert.Equal(-2, WithThanksgiving.BusinessDaysBetween(Monday, Wednesday));
        Assert.Equal(3, BusinessCalendar.Weekdays.BusinessDaysBetween(Wednesday, Monday));
    }

    [Fact]
    public void Business_days_lists_every_business_day_of_a_range_in_order()
    {
        Assert.Equal([Wednesday, Friday, Monday], WithThanksgiving.BusinessDays(Wednesday, Monday));
        Assert.Equal([Friday], WithThanksgiving.BusinessDays(Thanksgiving, Friday));
        Assert.Empty(WithThanksgiving.BusinessDays(Friday, Wednesday));
    }

    [Fact]
    public void A_weekend_holiday_is_left_out_and_holidays_can_be_added_renamed_and_removed()
    {
        var saturday = new DateOnly(2026, 11, 28);
        var calendar = new BusinessCalendar([new Holiday(saturday, "a Saturday"), new Holiday(Thanksgiving, "Thanksgiving")]);
        Assert.Equal([new Holiday(Thanksgiving, "Thanksgiving")], calendar.Holidays);
        var renamed = calendar.With(new Holiday(Thanksgiving, "Thanksgiving Day")).With(new Holiday(Monday, "A day off"));
        Assert.Equal([new Holiday(Thanksgiving, "Thanksgiving Day"), new Holiday(Monday, "A day off")], renamed.Holidays);
        Assert.Equal([new Holiday(Monday, "A day off")], renamed.Without(Thanksgiving).Holidays);
        Assert.Equal([new Holiday(Monday, "A day off")], renamed.HolidaysBetween(Friday, Monday));
        Assert.Equal([new Holiday(Thanksgiving, "Thanksgiving")], calendar.Holidays); // unchanged: calendars are values
    }

    [Fact]
    public void A_count_beyond_the_limit_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BusinessCalendar.Weekdays.AddBusinessDays(Wednesday, BusinessCalendar.BusinessDaysStepMax + 1));
    }

    [Fact]
    public void The_cutoff_instant_is_the_local_time_in_the_zone_of_the_business_day()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 20, 10, 0, TimeSpan.Zero), BusinessCalendar.CutoffInstant(Wednesday, new TimeOnly(15, 10), newYork).ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 19, 10, 0, TimeSpan.Zero), BusinessCalendar.CutoffInstant(new DateOnly(2026, 7, 1), new TimeOnly(15, 10), newYork).ToUniversalTime());
    }
}
