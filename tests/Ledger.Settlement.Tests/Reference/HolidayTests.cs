using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// The ledger's holidays as reference data: which dates may change (holiday-future, holiday-weekday,
/// the horizon, the closing day, the maximum), what the decider journals, and the close and the
/// first business day skipping holidays, in the in-memory ledger the cluster's gateway agrees with.
/// </summary>
public sealed class HolidayTests
{
    // Thursday 2 January 2025 is the business date of every ledger here.
    private static readonly DateOnly Wednesday = new(2025, 1, 1);
    private static readonly DateOnly Saturday = new(2025, 1, 4);
    private static readonly DateOnly Tuesday = new(2025, 1, 7);

    private static Holiday H(DateOnly date, string name = "Closed") => new(date, name);

    /// <summary>Given the ledger on Thursday 2025-01-02, when a holiday is declared on the date, then it is taken or refused with the rule.</summary>
    [Theory]
    [InlineData("2024-12-31", "holiday-future")]      // before the business date
    [InlineData("2025-01-01", "holiday-future")]      // the day before: business date - 1
    [InlineData("2025-01-02", "holiday-future")]      // the business date itself: boundary
    [InlineData("2025-01-03", null)]                  // business date + 1: the first date that may change
    [InlineData("2025-01-04", "holiday-weekday")]     // Saturday
    [InlineData("2025-01-05", "holiday-weekday")]     // Sunday
    [InlineData("2025-01-06", null)]
    [InlineData("2035-01-02", null)]                  // the horizon: business date + 10 years
    [InlineData("2035-01-03", "holiday-horizon")]     // horizon + 1 day
    [InlineData("9999-12-31", "holiday-horizon")]     // DateOnly.MaxValue (a Friday)
    public void Declaring_a_holiday_follows_the_date_rules(string date, string? rule)
    {
        var ledger = NewLedger();
        var day = DateOnly.ParseExact(date, "yyyy-MM-dd");

        var outcome = ledger.Declare(H(day), Morning);

        Assert.Equal(rule, outcome.Error?.RuleName);
        Assert.Equal(rule is null, outcome.Ok);
        Assert.Equal(rule is null, ledger.Reference.Calendar.IsHoliday(day));
        Assert.Equal(rule is null ? 1 : 0, ledger.ReferenceJournal.OfType<HolidayDeclared>().Count());
        if (rule is not null) Assert.Equal("date", outcome.Error!.Field);
    }

    [Theory]
    [InlineData("2025-01-02", "holiday-future")]
    [InlineData("2025-01-03", null)]
    [InlineData("2025-01-04", "holiday-weekday")]
    [InlineData("2025-01-06", "holiday-known")]       // a weekday that is no holiday
    public void Removing_a_holiday_follows_the_same_date_rules_and_needs_a_holiday(string date, string? rule)
    {
        var ledger = NewLedger();
        Ok(ledger.Declare(H(Friday), Morning));
        var day = DateOnly.ParseExact(date, "yyyy-MM-dd");
        var before = ledger.ReferenceJournal.Count;

        var outcome = ledger.Remove(day, Morning);

        Assert.Equal(rule, outcome.Error?.RuleName);
        Assert.Equal(rule is null ? before + 1 : before, ledger.ReferenceJournal.Count);
        if (rule is null) Assert.Equal("2025-01-03", Assert.IsType<HolidayRemoved>(ledger.ReferenceJournal[^1]).Date);
    }

    [Fact]
    public void A_holiday_before_the_business_date_cannot_be_removed_either()
    {
        var ledger = new InMemoryLedger(Thursday, Morning, holidays: [H(Wednesday, "New Year's Day")]);

        var outcome = ledger.Remove(Wednesday, Morning);

        Assert.Equal("holiday-future", outcome.Error?.RuleName);
        Assert.True(ledger.Reference.Calendar.IsHoliday(Wednesday));
    }

    [Theory]
    [InlineData("", "name-format")]
    [InlineData("New\u0000Year", "name-format")]
    [InlineData("Bank\u202eHoliday", "name-format")]
    public void A_holiday_name_must_be_printable_text(string name, string rule)
    {
        var ledger = NewLedger();

        var outcome = ledger.Declare(H(Friday, name), Morning);

        Assert.Equal(rule, outcome.Error?.RuleName);
        Assert.Equal("name", outcome.Error?.Field);
        Assert.False(ledger.Reference.Calendar.IsHoliday(Friday));
    }

    [Fact]
    public void Declaring_the_same_holiday_again_journals_nothing_and_a_new_name_renames_it()
    {
        var ledger = NewLedger();
        Ok(ledger.Declare(H(Friday, "Day of Mourning"), Morning));
        Ok(ledger.Declare(H(Friday, "Day of Mourning"), Morning));
        Assert.Single(ledger.ReferenceJournal.OfType<HolidayDeclared>());

        Ok(ledger.Declare(H(Friday, "National Day of Mourning"), Morning));

        Assert.Equal(2, ledger.ReferenceJournal.OfType<HolidayDeclared>().Count());
        Assert.Equal("National Day of Mourning", Assert.Single(ledger.Reference.Calendar.Holidays).Name);
    }

    [Fact]
    public void While_the_day_is_closing_holidays_do_not_change()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Holds(A, 1_000).Participant(C, 1_000_000m, 1_000_000m);
        Expect(ledger.Submit("DO-1", A, C, 1_000, 100_000m), "accepted");
        Assert.False(ledger.Close(At(22)).Ok);  // the delivery is in flight: the close stays started
        Assert.True(ledger.Reference.Closing);

        Assert.Equal("business-day-open", ledger.Declare(H(Monday), At(22)).Error?.RuleName);
        Assert.Equal("business-day-open", ledger.Remove(Monday, At(22)).Error?.RuleName);
    }

    [Fact]
    public void The_holidays_stop_at_their_maximum_but_a_rename_still_goes_through()
    {
        var dates = Enumerable.Range(1, 3_000).Select(Thursday.AddDays).Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));
        var full = dates.Take(HolidayRules.HolidaysMax).Select(d => H(d)).ToList();
        var ledger = new InMemoryLedger(Thursday, Morning, holidays: full);
        Assert.Equal(HolidayRules.HolidaysMax, ledger.Reference.Calendar.Holidays.Count);
        var next = dates.Skip(HolidayRules.HolidaysMax).First();

        Assert.Equal("holidays-maximum", ledger.Declare(H(next), Morning).Error?.RuleName);
        Ok(ledger.Declare(H(full[^1].Date, "Renamed"), Morning));
        Ok(ledger.Remove(full[^1].Date, Morning));
        Ok(ledger.Declare(H(next), Morning));   // room again: maximum - 1 + 1
    }

    [Fact]
    public void Close_before_a_holiday_opens_the_business_day_after_it()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(C, 1_000_000m, 1_000_000m);
        Ok(ledger.Declare(H(Friday, "Day of Mourning"), Morning));

        Ok(ledger.Close(At(22)));

        Assert.Equal(Monday, ledger.Reference.BusinessDate);
        var started = Assert.Single(ledger.ReferenceJournal.OfType<BusinessDayCloseStarted>());
        Assert.Equal("2025-01-06", started.NextDate);
        Assert.All(new[] { A, C }, p => Assert.Equal("2025-01-06", Assert.Single(ledger.EventsOf<BusinessDayClosed>(p)).NextDate));
        Assert.All(new[] { A, C }, p => Assert.Equal("2025-01-06", ledger.View(p).BusinessDate));
    }

    [Fact]
    public void Close_before_a_friday_holiday_and_a_monday_holiday_opens_the_tuesday()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m);
        Ok(ledger.Declare(H(Friday), Morning));
        Ok(ledger.Declare(H(Monday), Morning));

        Ok(ledger.Close(At(22)));

        Assert.Equal(Tuesday, ledger.Reference.BusinessDate);
    }

    [Fact]
    public void A_holiday_removed_before_the_close_is_a_business_day_again()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m);
        Ok(ledger.Declare(H(Friday), Morning));
        Ok(ledger.Remove(Friday, Morning));

        Ok(ledger.Close(At(22)));

        Assert.Equal(Friday, ledger.Reference.BusinessDate);
    }

    [Fact]
    public void The_first_open_journals_the_default_holidays_before_the_day_and_a_second_open_changes_nothing()
    {
        var state = new ReferenceState();
        var events = new List<ReferenceEvent>();
        ReferenceDecider.Execute(state, new OpenFirstBusinessDay(Thursday, Morning, [H(Monday, "B"), H(Friday, "A"), H(Saturday, "weekend")]), events);

        Assert.Collection(events,
            e => Assert.Equal(new HolidayDeclared("2025-01-03", "A", Morning), e),   // in date order
            e => Assert.Equal(new HolidayDeclared("2025-01-06", "B", Morning), e),   // the weekend date left out
            e => Assert.Equal(new BusinessDayOpened("2025-01-02", Morning), e));
        Assert.Equal([Friday, Monday], state.Snapshot.Calendar.Holidays.Select(h => h.Date));

        Assert.Empty(ReferenceDecider.Decide(state, new OpenFirstBusinessDay(Monday, Morning, [H(Tuesday)])));
    }

    [Fact]
    public void Replaying_the_reference_journal_gives_the_same_calendar()
    {
        var ledger = new InMemoryLedger(Thursday, Morning, holidays: [H(Wednesday, "New Year's Day")]);
        Ok(ledger.Declare(H(Friday, "Day of Mourning"), Morning));
        Ok(ledger.Declare(H(Tuesday, "Storm"), Morning));
        Ok(ledger.Remove(Tuesday, Morning));

        var replayed = new ReferenceState();
        foreach (var e in ledger.ReferenceJournal) replayed.Apply(e);

        Assert.Equal(ledger.Reference.Calendar.Holidays, replayed.Snapshot.Calendar.Holidays);
        Assert.Equal([H(Wednesday, "New Year's Day"), H(Friday, "Day of Mourning")], replayed.Snapshot.Calendar.Holidays);
    }

    /// <summary>The first business day of a new ledger: the New York date of now, weekends and holidays skipped, the next business day once the cutoff has passed.</summary>
    [Theory]
    [InlineData("2025-01-02T14:00:00Z", "2025-01-03")]   // Thursday 09:00 New York, but the Thursday is a holiday here: Friday
    [InlineData("2025-01-03T14:00:00Z", "2025-01-03")]   // Friday morning
    [InlineData("2025-01-03T20:09:59Z", "2025-01-03")]   // Friday 15:09:59: cutoff - 1 s
    [InlineData("2025-01-03T20:10:00Z", "2025-01-07")]   // Friday 15:10 cutoff: the next business day, Monday a holiday: Tuesday
    [InlineData("2025-01-04T15:00:00Z", "2025-01-07")]   // Saturday: Monday is a holiday, Tuesday
    [InlineData("2025-01-03T04:59:59Z", "2025-01-03")]   // 23:59:59 Thursday in New York is still Thursday: the holiday, so Friday
    public void The_first_business_day_skips_weekends_and_holidays(string now, string expected)
    {
        var calendar = new BusinessCalendar([H(Thursday), H(Monday)]);

        var first = HolidayRules.FirstBusinessDay(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture),
            TimeZoneInfo.FindSystemTimeZoneById("America/New_York"), new TimeOnly(15, 10), calendar);

        Assert.Equal(DateOnly.ParseExact(expected, "yyyy-MM-dd"), first);
    }

    [Theory]
    [InlineData("2025-01-01", "2025-01-01", null)]
    [InlineData("2025-01-02", "2025-01-01", "from-before-to")]
    [InlineData("2025-01-01", "2026-12-31", null)]            // 730 days
    [InlineData("2024-01-01", "2025-12-31", null)]            // 731 days, a leap day included: the maximum
    [InlineData("2024-01-01", "2026-01-01", "range-maximum")] // 732 days
    public void A_calendar_range_is_ordered_and_limited(string from, string to, string? rule)
    {
        var error = HolidayRules.RangeCheck(DateOnly.ParseExact(from, "yyyy-MM-dd"), DateOnly.ParseExact(to, "yyyy-MM-dd"));
        Assert.Equal(rule, error?.RuleName);
    }

    [Theory]
    [InlineData("2025-01-02", null)]
    [InlineData("2025-1-2", "date-format")]
    [InlineData("2025-02-30", "date-format")]
    [InlineData("02/01/2025", "date-format")]
    [InlineData("2025-01-02T00:00:00Z", "date-format")]
    [InlineData(" 2025-01-02", "date-format")]
    [InlineData("２０２５-01-02", "date-format")]
    [InlineData("", "date-format")]
    public void A_date_is_yyyy_MM_dd_only(string text, string? rule)
    {
        Assert.Equal(rule, HolidayRules.DateField(text, "date", out _)?.RuleName);
    }

    /// <summary>What-if replays a day on the holidays as the journal had them when it opened, and the day's own holiday changes as inputs.</summary>
    [Fact]
    public void What_if_reads_the_holidays_as_they_stood_from_the_journal()
    {
        var ledger = new InMemoryLedger(Thursday, Morning, holidays: [H(Wednesday, "New Year's Day")]);
        Ok(ledger.Configure(new ParticipantRecord(P(A), "A", Usd(0), Usd(0), false, false), Morning));
        Ok(ledger.Declare(H(Friday, "Day of Mourning"), At(15)));
        Ok(ledger.Declare(H(Tuesday, "Storm"), At(15, 30)));
        Ok(ledger.Remove(Tuesday, At(16)));
        Ok(ledger.Close(At(22)));
        Assert.Equal(Monday, ledger.Reference.BusinessDate);

        var day = WhatIf.Reconstruct(Thursday, ledger.ReferenceJournal,
            ledger.Participants.ToDictionary(p => p.Value, p => ledger.Journal(p), StringComparer.Ordinal));

        Assert.Equal([H(Wednesday, "New Year's Day")], day.Holidays);
        Assert.Equal([typeof(WhatIfHolidayDeclared), typeof(WhatIfHolidayDeclared), typeof(WhatIfHolidayRemoved)],
            day.Inputs.Where(i => i is WhatIfHolidayDeclared or WhatIfHolidayRemoved).Select(i => i.GetType()));
        Assert.True(WhatIfSettings.TryParse(["netDebitCap[0001]=1"], out var settings, out var error), error);
        var report = WhatIf.Run(day, settings);
        Assert.Empty(report.Refusals);   // each holiday change was taken again, on the same calendar
    }
}
