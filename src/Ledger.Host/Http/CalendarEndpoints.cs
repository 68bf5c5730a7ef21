using System.Globalization;
using Ledger.Cluster;
using Ledger.Settlement;
using Ledger.Host.Auth;

namespace Ledger.Host.Http;

public sealed record HolidayResponse(string Date, string Name);

/// <summary>A range of the ledger's calendar: its business days and its holidays, both in date order.</summary>
public sealed record CalendarResponse(string From, string To, string BusinessDate, IReadOnlyList<string> BusinessDays, IReadOnlyList<HolidayResponse> Holidays);

/// <summary>A holiday removed: <see cref="Date"/> is a business day again.</summary>
public sealed record HolidayRemovedResponse(string Date, bool BusinessDay);

/// <summary>
/// The business calendar: its holidays are reference data, journaled; the operator changes them,
/// every role reads them. Handlers translate; <see cref="HolidayRules"/> decides.
/// </summary>
/// <summary>The body of <c>PUT /v1/calendar/holidays/{date}</c>: an optional name.</summary>
public sealed record HolidayBody(string? Name);

internal sealed class CalendarEndpoints : IContextEndpoints
{
    public string Context => "calendar";

    public string Description => "The ledger's business days and holidays.";

    private static readonly string[] HolidayFields = ApiContract.FieldsOf<HolidayBody>();

    /// <summary>Calendar days a range covers when <c>to</c> is not given (<c>from</c> included).</summary>
    public const int DefaultRangeDays = 31;

    public void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/calendar", GetCalendar).RequireRole(Role.Operator, Role.Occ, Role.Participant, Role.Risk).AllowQuery("from", "to")
            .WithSummary("The ledger's business days and holidays in a range of dates")
            .Answers<CalendarResponse>()
            .Refuses(400, "date-format", "range-maximum", "from-before-to");
        v1.MapPut("/calendar/holidays/{date}", PutHoliday).RequireRole(Role.Operator)
            .WithSummary("Declares (or renames) a holiday after the current business date")
            .Takes<HolidayBody>().Answers<HolidayResponse>()
            .Refuses(400, "date-format", "name-format", "holiday-weekday", "holiday-horizon")
            .Refuses(409, "holiday-future", "business-day-open", "holidays-maximum");
        v1.MapDelete("/calendar/holidays/{date}", DeleteHoliday).RequireRole(Role.Operator)
            .WithSummary("Removes a holiday after the current business date")
            .Answers<HolidayRemovedResponse>()
            .Refuses(400, "date-format")
            .Refuses(404, "holiday-known")
            .Refuses(409, "holiday-future", "business-day-open");
    }

    /// <summary>
    /// <c>?from=&amp;to=</c> (dates, both included): <c>from</c> defaults to the current business date,
    /// <c>to</c> to <see cref="DefaultRangeDays"/> days from <c>from</c>; at most <see cref="HolidayRules.RangeDaysMax"/> days.
    /// </summary>
    private static async Task<IResult> GetCalendar(HttpContext http, ILedger ledger)
    {
        var query = http.Request.Query;
        DateOnly from = default, to = default;
        if (query.ContainsKey("from") && HolidayRules.DateField(query["from"].ToString(), "from", out from) is { } badFrom) return Problems.Entry(badFrom);
        if (query.ContainsKey("to") && HolidayRules.DateField(query["to"].ToString(), "to", out to) is { } badTo) return Problems.Entry(badTo);

        var reference = await ledger.ReferenceAsync(http.RequestAborted);
        if (!query.ContainsKey("from")) from = reference.BusinessDate;
        if (!query.ContainsKey("to")) to = from.DayNumber + DefaultRangeDays - 1 <= DateOnly.MaxValue.DayNumber ? from.AddDays(DefaultRangeDays - 1) : DateOnly.MaxValue;
        if (HolidayRules.RangeCheck(from, to) is { } badRange) return Problems.Entry(badRange);

        var calendar = reference.Calendar;
        var businessDays = new List<string>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            if (calendar.IsBusinessDay(day)) businessDays.Add(Format(day));
            if (day == DateOnly.MaxValue) break;
        }
        return Results.Ok(new CalendarResponse(Format(from), Format(to), Format(reference.BusinessDate), businessDays,
            calendar.HolidaysBetween(from, to).Select(h => new HolidayResponse(Format(h.Date), h.Name)).ToList()));
    }

    /// <summary>The body is optional: none (or <c>{}</c>) names the holiday <see cref="HolidayRules.DefaultName"/>.</summary>
    private static async Task<IResult> PutHoliday(HttpContext http, string date, ILedger ledger)
    {
        if (HolidayRules.DateField(date, "date", out var day) is { } badDate) return Problems.Entry(badDate);
        var name = HolidayRules.DefaultName;
        if (HasBody(http.Request))
        {
            var (document, bodyProblem) = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
            if (bodyProblem is not null) return bodyProblem;
            using var owned = document;
            var problems = new List<FieldProblem>();
            var body = JsonFields.Of(document!.RootElement, HolidayFields, problems);
            var given = body.String("name");
            if (problems.Count > 0) return Problems.Field(problems[0]);
            if (body.Has("name"))
            {
                if (EntryRules.NameField(given, "name") is { } badName) return Problems.Entry(badName);
                name = given!;
            }
        }

        var holiday = new Holiday(day, name);
        var result = await ledger.PutHolidayAsync(holiday, http.RequestAborted);
        return Refusal(result) ?? Results.Ok(new HolidayResponse(Format(day), name));
    }

    private static async Task<IResult> DeleteHoliday(HttpContext http, string date, ILedger ledger)
    {
        if (HolidayRules.DateField(date, "date", out var day) is { } badDate) return Problems.Entry(badDate);
        var result = await ledger.DeleteHolidayAsync(day, http.RequestAborted);
        return Refusal(result) ?? Results.Ok(new HolidayRemovedResponse(Format(day), true));
    }

    /// <summary>A refused calendar change: the state of the ledger is in the way (409), the holiday is not there (404), or the request can never be right (400).</summary>
    private static IResult? Refusal(CommandResult result)
    {
        if (result.Ok) return null;
        if (result.Error is not { } error) return Problems.Of(result);
        var status = error.Rule switch
        {
            EntryRejection.HolidayNotFuture or EntryRejection.BusinessDayClosing or EntryRejection.HolidaysAboveMaximum => StatusCodes.Status409Conflict,
            EntryRejection.UnknownHoliday => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status400BadRequest,
        };
        return Problems.Entry(error, status);
    }

    /// <summary>Whether the request carries a body: a length above zero, or a chunked one.</summary>
    private static bool HasBody(HttpRequest request) => request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
