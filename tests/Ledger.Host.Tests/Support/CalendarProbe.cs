using System.Globalization;

namespace Ledger.Host.Tests.Support;

/// <summary>Reads a node's whole holiday list through <c>GET /v1/calendar</c>, for snapshots that must show a refused request changed nothing.</summary>
public static class CalendarProbe
{
    /// <summary>
    /// Every holiday from 2020 to ten years and a month past the business date (the horizon a
    /// holiday may be declared within), read in ranges of the largest size the endpoint serves.
    /// </summary>
    public static async Task<string> AllHolidaysAsync(ApiHost api)
    {
        var first = await (await api.SendAsync(HttpMethod.Get, "/v1/calendar", "risk-demo")).AssertOk();
        var businessDate = DateOnly.ParseExact(first.GetProperty("businessDate").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var end = businessDate.AddYears(10).AddMonths(1);
        var holidays = new List<string>();
        for (var from = new DateOnly(2020, 1, 1); from <= end; from = from.AddDays(731))
        {
            var to = from.AddDays(730);
            var range = await (await api.SendAsync(HttpMethod.Get, $"/v1/calendar?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}", "risk-demo")).AssertOk();
            holidays.AddRange(range.GetProperty("holidays").EnumerateArray().Select(h => $"{h.GetProperty("date").GetString()} {h.GetProperty("name").GetString()}"));
        }
        return $"business date {businessDate:yyyy-MM-dd}; holidays: {string.Join(", ", holidays)}";
    }
}
