using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>The Rule 10c-1a report: one line per loan event of the day, New York times, the deadline in the header, a pure function of the journals.</summary>
public sealed class ReportTests
{
    private static Fixture Day()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 1_000, 102_000m, rate: 0.045m, hour: 10));
        book.Run(Recall("R-1", L, B, 400, hour: 14));
        book.Run(Slr("RET-1", B, L, 400, 40_800m, hour: 19, minute: 30));
        book.Run(Close(D));
        var mark = book.Run(MarksAt(D.AddDays(1), (X, 105m))).PaymentOrders.Single();
        book.Run(Outcome(mark, PaymentOrderStatus.Completed));
        return book;
    }

    private static TenC1aReportFile Report(ParticipantId party, DateOnly date, params Fixture[] books) =>
        TenC1aReport.Build(party, date, books.Select(b => (b.State.Book, (IEnumerable<LoanBookEvent>)b.Journal)), Rules, BusinessCalendar.Weekdays);

    [Fact]
    public void The_CSV_report_has_the_deadline_in_its_header_and_one_line_per_loan_event_in_New_York_time()
    {
        var csv = Report(L, D, Day()).ToCsv();

        Assert.Equal(
            "# report=10c-1a,reportingParty=0001,businessDate=2026-12-07,deadline=2026-12-07T23:59:59.000-05:00,lateAfter=2026-12-07T19:00:00.000-05:00,lateDeadline=2026-12-08T23:59:59.000-05:00,lines=3\n" +
            "event,loanId,cusip,effectedAt,shares,openShares,collateralType,collateralAmount,collateralMargin,rebateRate,reportingParty,dueBy\n" +
            "opened,DO-1,037833100,2026-12-07T10:00:00.000-05:00,1000,1000,cash,102000.00,1.02,0.045,0001,2026-12-07T23:59:59.000-05:00\n" +
            "recalled,DO-1,037833100,2026-12-07T14:00:00.000-05:00,400,1000,cash,102000.00,1.02,0.045,0001,2026-12-07T23:59:59.000-05:00\n" +
            "returned,DO-1,037833100,2026-12-07T19:30:00.000-05:00,400,600,cash,61200.00,1.02,0.045,0001,2026-12-08T23:59:59.000-05:00\n",
            csv);
    }

    [Fact]
    public void The_JSON_lines_report_carries_the_same_header_and_lines()
    {
        var jsonl = Report(L, D.AddDays(1), Day()).ToJsonLines();

        Assert.Equal(
            "{\"report\":\"10c-1a\",\"reportingParty\":\"0001\",\"businessDate\":\"2026-12-08\",\"deadline\":\"2026-12-08T23:59:59.000-05:00\",\"lateAfter\":\"2026-12-08T19:00:00.000-05:00\",\"lateDeadline\":\"2026-12-09T23:59:59.000-05:00\",\"lines\":1}\n" +
            "{\"event\":\"marked\",\"loanId\":\"DO-1\",\"cusip\":\"037833100\",\"effectedAt\":\"2026-12-08T10:00:00.000-05:00\",\"shares\":600,\"openShares\":600,\"collateralType\":\"cash\",\"collateralAmount\":64260.00,\"collateralMargin\":1.02,\"rebateRate\":0.045,\"reportingParty\":\"0001\",\"dueBy\":\"2026-12-08T23:59:59.000-05:00\"}\n",
            jsonl);
        foreach (var line in jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)) System.Text.Json.JsonDocument.Parse(line).Dispose();
    }

    [Fact]
    public void The_reporting_party_is_the_lender_a_borrower_has_no_lines()
    {
        var report = Report(B, D, Day());
        Assert.Empty(report.Lines);
        Assert.EndsWith("lines=0\n" + string.Join(',', TenC1aReportFile.Columns) + "\n", report.ToCsv(), StringComparison.Ordinal);
    }

    [Fact]
    public void Summer_times_carry_the_daylight_saving_offset()
    {
        var july = new DateOnly(2026, 7, 15);
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m, date: july, hour: 9, minute: 45));
        var line = Report(L, july, book).ToCsv().Split('\n')[2];
        Assert.Contains(",2026-07-15T09:45:00.000-04:00,", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loan_event_recorded_after_the_book_closed_its_date_is_reported_the_next_business_date()
    {
        var book = new Fixture();
        book.Run(Sl("DO-1", L, B, 100, 10_200m, hour: 10));
        book.Run(Close(D));
        var closedReport = Report(L, D, book).ToCsv();

        book.Run(Sl("DO-LATE", L, B, 100, 10_200m, hour: 15));

        Assert.Equal(closedReport, Report(L, D, book).ToCsv());
        var next = Report(L, D.AddDays(1), book).Lines.Single();
        Assert.Equal(("DO-LATE", At(D, 15)), (next.LoanId, next.EffectedAt));
    }

    [Fact]
    public void The_same_journals_give_the_same_bytes_in_any_order_of_books_and_on_replay()
    {
        var lenderSide = new Fixture(L, Occ);
        var borrowerSide = new Fixture(Occ, B);
        var direct = new Fixture(L, B);
        lenderSide.Run(Sl("ML-1-L", L, Occ, 1_000, 102_000m, hour: 10));
        borrowerSide.Run(Sl("ML-1-B", Occ, B, 1_000, 102_000m, hour: 10));
        direct.Run(Sl("DO-1", L, B, 500, 51_000m, hour: 10));

        var forwards = Report(L, D, lenderSide, borrowerSide, direct).ToCsvBytes();
        var backwards = Report(L, D, direct, borrowerSide, lenderSide).ToCsvBytes();
        var replayed = TenC1aReport.Build(L, D, new[] { lenderSide, borrowerSide, direct }
            .Select(b => (b.State.Book, (IEnumerable<LoanBookEvent>)b.Journal.ToArray())), Rules, BusinessCalendar.Weekdays).ToCsvBytes();

        Assert.Equal(forwards, backwards);
        Assert.Equal(forwards, replayed);
        Assert.Equal(["DO-1", "ML-1-L"], Report(L, D, lenderSide, borrowerSide, direct).Lines.Select(l => l.LoanId));
        Assert.Equal(["ML-1-B"], Report(Occ, D, lenderSide, borrowerSide, direct).Lines.Select(l => l.LoanId));
        Assert.Equal((byte)'#', forwards[0]); // no byte-order mark
    }

    [Fact]
    public void Cancellations_and_reversed_returns_are_reported_as_modifications()
    {
        var book = new Fixture();
        var open = Sl("DO-1", L, B, 100, 10_200m, hour: 10);
        var other = Sl("DO-2", L, B, 100, 10_200m, hour: 10, minute: 1);
        book.Run(open);
        book.Run(other);
        var ret = Slr("RET-1", B, L, 50, 5_100m, hour: 11);
        book.Run(ret);
        book.Run(Reclaim("RC-1", ret, hour: 12));
        book.Run(Reclaim("RC-2", other, hour: 13));

        Assert.Equal(["opened", "opened", "returned", "return-reversed", "cancelled"], Report(L, D, book).Lines.Select(l => l.Event));
    }
}
