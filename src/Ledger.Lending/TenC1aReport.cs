using System.Globalization;
using System.Text;
using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>
/// One line of the Rule 10c-1a report: one loan event (opened, returned, marked, recalled, and
/// also cancelled and return-reversed) with the fields lending.md section 5 lists. Quantities and
/// collateral are the loan's after the event. The reporting party is the lender.
/// </summary>
public sealed record TenC1aLine(
    string Event,
    string LoanId,
    Cusip Cusip,
    DateTimeOffset EffectedAt,
    long Shares,
    long OpenShares,
    Money CollateralAmount,
    decimal CollateralMargin,
    decimal? RebateRate,
    ParticipantId ReportingParty,
    DateOnly ReportDate,
    string Book,
    long Sequence)
{
    /// <summary>Every loan here is collateralized in cash.</summary>
    public const string CollateralType = "cash";
}

/// <summary>
/// A reporting party's 10c-1a report of one business date, built only from journals, so the same
/// journals give the same bytes (<see cref="ToCsv"/>, <see cref="ToJsonLines"/>). Lines effected
/// by 19:00 New York are due by 23:59:59 that day (<see cref="Deadline"/>); later ones by 23:59:59
/// of the next business day (<see cref="LateDeadline"/>) [FINRA 6530].
/// </summary>
public sealed class TenC1aReportFile
{
    internal TenC1aReportFile(ParticipantId reportingParty, DateOnly businessDate, DateTimeOffset deadline, DateTimeOffset lateDeadline, DateTimeOffset lateAfter, IReadOnlyList<TenC1aLine> lines, TimeZoneInfo newYork)
    {
        ReportingParty = reportingParty;
        BusinessDate = businessDate;
        Deadline = deadline;
        LateDeadline = lateDeadline;
        LateAfter = lateAfter;
        Lines = lines;
        _newYork = newYork;
    }

    private readonly TimeZoneInfo _newYork;

    public ParticipantId ReportingParty { get; }
    public DateOnly BusinessDate { get; }
    public DateTimeOffset Deadline { get; }
    public DateTimeOffset LateDeadline { get; }

    /// <summary>19:00 New York of the business date: lines effected later are due by <see cref="LateDeadline"/>.</summary>
    public DateTimeOffset LateAfter { get; }

    public IReadOnlyList<TenC1aLine> Lines { get; }

    /// <summary>The deadline of one line.</summary>
    public DateTimeOffset DueBy(TenC1aLine line) => line.EffectedAt > LateAfter ? LateDeadline : Deadline;

    public static readonly string[] Columns =
        ["event", "loanId", "cusip", "effectedAt", "shares", "openShares", "collateralType", "collateralAmount", "collateralMargin", "rebateRate", "reportingParty", "dueBy"];

    /// <summary>A "#" header line, the column names, then one line per event; LF line ends, UTF-8, no BOM.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder();
        text.Append("# report=10c-1a,reportingParty=").Append(ReportingParty.Value)
            .Append(",businessDate=").Append(LendingDates.Format(BusinessDate))
            .Append(",deadline=").Append(Time(Deadline))
            .Append(",lateAfter=").Append(Time(LateAfter))
            .Append(",lateDeadline=").Append(Time(LateDeadline))
            .Append(",lines=").Append(Lines.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append(string.Join(',', Columns)).Append('\n');
        foreach (var l in Lines)
        {
            string[] fields =
            [
                l.Event, l.LoanId, l.Cusip.Value, Time(l.EffectedAt), Number(l.Shares), Number(l.OpenShares), TenC1aLine.CollateralType,
                l.CollateralAmount.ToString(), LoanTerms.Format(l.CollateralMargin), l.RebateRate is { } r ? LoanTerms.Format(r) : "",
                l.ReportingParty.Value, Time(DueBy(l)),
            ];
            text.Append(string.Join(',', fields.Select(Csv))).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A header object, then one object per event; LF line ends, UTF-8, no BOM.</summary>
    public string ToJsonLines()
    {
        var text = new StringBuilder();
        text.Append("{\"report\":\"10c-1a\",\"reportingParty\":").Append(Json(ReportingParty.Value))
            .Append(",\"businessDate\":").Append(Json(LendingDates.Format(BusinessDate)))
            .Append(",\"deadline\":").Append(Json(Time(Deadline)))
            .Append(",\"lateAfter\":").Append(Json(Time(LateAfter)))
            .Append(",\"lateDeadline\":").Append(Json(Time(LateDeadline)))
            .Append(",\"lines\":").Append(Number(Lines.Count)).Append("}\n");
        foreach (var l in Lines)
        {
            text.Append("{\"event\":").Append(Json(l.Event))
                .Append(",\"loanId\":").Append(Json(l.LoanId))
                .Append(",\"cusip\":").Append(Json(l.Cusip.Value))
                .Append(",\"effectedAt\":").Append(Json(Time(l.EffectedAt)))
                .Append(",\"shares\":").Append(Number(l.Shares))
                .Append(",\"openShares\":").Append(Number(l.OpenShares))
                .Append(",\"collateralType\":").Append(Json(TenC1aLine.CollateralType))
                .Append(",\"collateralAmount\":").Append(l.CollateralAmount.ToString())
                .Append(",\"collateralMargin\":").Append(LoanTerms.Format(l.CollateralMargin))
                .Append(",\"rebateRate\":").Append(l.RebateRate is { } r ? LoanTerms.Format(r) : "null")
                .Append(",\"reportingParty\":").Append(Json(l.ReportingParty.Value))
                .Append(",\"dueBy\":").Append(Json(Time(DueBy(l))))
                .Append("}\n");
        }
        return text.ToString();
    }

    public byte[] ToCsvBytes() => Encoding.UTF8.GetBytes(ToCsv());

    public byte[] ToJsonLinesBytes() => Encoding.UTF8.GetBytes(ToJsonLines());

    /// <summary>New York wall-clock time with its offset, to the millisecond: 2026-12-07T10:00:00.000-05:00.</summary>
    private string Time(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, _newYork).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Json(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                default:
                    if (c < 0x20 || c > 0x7e) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }
}

public static class TenC1aReport
{
    /// <summary>Lines effected after this New York time are due the next business day.</summary>
    public static readonly TimeOnly LateAfterLocalTime = new(19, 0);

    /// <summary>The end of the reporting day, New York.</summary>
    public static readonly TimeOnly DeadlineLocalTime = new(23, 59, 59);

    /// <summary>
    /// Every report line one book's journal gives, in journal order, each with the business date
    /// whose report it belongs to: its event's business date, or, for an event the book recorded
    /// after it had closed that date (a late notice), the date the book opened next, so that a
    /// report, once its date is closed, never changes.
    /// </summary>
    public static IReadOnlyList<TenC1aLine> LinesOf(LoanBookId book, IEnumerable<LoanBookEvent> journal)
    {
        var state = new LoanBookState(book);
        var lines = new List<TenC1aLine>();
        DateOnly? closedThrough = null;
        DateOnly nextOpen = default;
        long sequence = 0;
        foreach (var e in journal)
        {
            state.Apply(e);
            DateOnly ReportDate(string businessDate)
            {
                var date = LendingDates.Parse(businessDate);
                return closedThrough is { } c && date <= c ? nextOpen : date;
            }
            void Line(string kind, string loanId, long shares, DateOnly reportDate)
            {
                var loan = state.Loans[loanId];
                lines.Add(new TenC1aLine(kind, loan.Id, loan.Cusip, e.At, shares, loan.OpenShares, loan.CollateralHeld, loan.CollateralMargin,
                    loan.RebateRate, loan.Lender, reportDate, book.Value, ++sequence));
            }
            switch (e)
            {
                case LoanOpened x: Line("opened", x.LoanId, x.Shares, ReportDate(x.BusinessDate)); break;
                case ReturnApplied x:
                    foreach (var a in x.Loans) Line("returned", a.LoanId, a.Shares, ReportDate(x.BusinessDate));
                    break;
                case ReturnReversed x:
                    foreach (var a in x.Loans) Line("return-reversed", a.LoanId, a.Shares, ReportDate(x.BusinessDate));
                    break;
                case LoanCancelled x: Line("cancelled", x.LoanId, x.OpenShares, ReportDate(x.BusinessDate)); break;
                case MarkCompleted x:
                    var mark = state.Marks[x.MarkId];
                    Line("marked", mark.LoanId, state.Loans[mark.LoanId].OpenShares, ReportDate(x.BusinessDate));
                    break;
                case RecallOpened x:
                    foreach (var a in x.Loans) Line("recalled", a.LoanId, a.Shares, ReportDate(x.RecalledOn));
                    break;
                case BookDayClosed x:
                    closedThrough = LendingDates.Parse(x.ClosedDate);
                    nextOpen = LendingDates.Parse(x.NextDate);
                    break;
            }
        }
        return lines;
    }

    /// <summary>
    /// <paramref name="reportingParty"/>'s report of <paramref name="businessDate"/> from the
    /// journals of its books (any order of books: lines are sorted by time effected, then loan
    /// id, then book and place in the book's journal).
    /// </summary>
    public static TenC1aReportFile Build(ParticipantId reportingParty, DateOnly businessDate, IEnumerable<(LoanBookId Book, IEnumerable<LoanBookEvent> Journal)> journals, LendingRules rules, BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return Build(reportingParty, businessDate, journals, rules, calendar.Next(businessDate));
    }

    /// <summary>
    /// As above, with the next business date given as the journal recorded it at the close of
    /// <paramref name="businessDate"/> (so that a holiday declared later does not move the late
    /// deadline of a report already written).
    /// </summary>
    public static TenC1aReportFile Build(ParticipantId reportingParty, DateOnly businessDate, IEnumerable<(LoanBookId Book, IEnumerable<LoanBookEvent> Journal)> journals, LendingRules rules, DateOnly nextBusinessDate)
    {
        ArgumentNullException.ThrowIfNull(journals);
        ArgumentNullException.ThrowIfNull(rules);
        if (nextBusinessDate <= businessDate) throw new ArgumentOutOfRangeException(nameof(nextBusinessDate), nextBusinessDate, "the next business date is after the report's");
        var lines = journals
            .Where(j => j.Book.Contains(reportingParty))
            .SelectMany(j => LinesOf(j.Book, j.Journal))
            .Where(l => l.ReportingParty == reportingParty && l.ReportDate == businessDate)
            .OrderBy(l => l.EffectedAt.UtcTicks).ThenBy(l => l.LoanId, StringComparer.Ordinal)
            .ThenBy(l => l.Book, StringComparer.Ordinal).ThenBy(l => l.Sequence)
            .ToList();
        return new TenC1aReportFile(reportingParty, businessDate,
            rules.NewYorkInstant(businessDate, DeadlineLocalTime),
            rules.NewYorkInstant(nextBusinessDate, DeadlineLocalTime),
            rules.NewYorkInstant(businessDate, LateAfterLocalTime),
            lines, rules.NewYork);
    }
}
