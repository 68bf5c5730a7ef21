using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>
/// The report built with the next business date the journal recorded at the close (what the node
/// and <c>ledger report 10c-1a</c> do) is the report the calendar of that close gives, and a
/// holiday declared afterwards cannot move its late deadline.
/// </summary>
public sealed class ReportNextDateTests
{
    private static Fixture Day()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m, hour: 20));
        return book;
    }

    private static IEnumerable<(LoanBookId, IEnumerable<LoanBookEvent>)> Journals(Fixture book) => [(book.State.Book, book.Journal)];

    [Fact]
    public void The_recorded_next_date_gives_the_calendars_bytes_and_a_later_holiday_does_not_move_the_late_deadline()
    {
        var book = Day();
        var byCalendar = TenC1aReport.Build(L, D, Journals(book), Rules, BusinessCalendar.Weekdays).ToCsv();
        var byRecord = TenC1aReport.Build(L, D, Journals(book), Rules, BusinessCalendar.Weekdays.Next(D)).ToCsv();
        Assert.Equal(byCalendar, byRecord);

        // The line was effected after 19:00 New York: it is due by the next business date's end, the one recorded.
        var holiday = new BusinessCalendar([new Holiday(D.AddDays(1), "declared after the close")]);
        Assert.NotEqual(byCalendar, TenC1aReport.Build(L, D, Journals(book), Rules, holiday).ToCsv());
        Assert.Contains(",lateDeadline=2026-12-08T23:59:59.000-05:00,", byRecord, StringComparison.Ordinal);
        Assert.EndsWith(",2026-12-08T23:59:59.000-05:00\n", byRecord, StringComparison.Ordinal);
    }

    [Fact]
    public void A_next_date_not_after_the_reports_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TenC1aReport.Build(L, D, Journals(Day()), Rules, D));
    }
}
