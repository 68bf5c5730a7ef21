using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// The business calendar through HTTP on the real host over a real node (SQLite in a temporary
/// folder), its clock set to Thanksgiving week 2026: the default NYSE holidays arrive with the
/// first business day, the close opens the business day after a holiday, holidays survive a
/// restart, and dates on or before the open day are refused with nothing changed.
/// </summary>
[Collection("real-node")]
public sealed class CalendarHttpTests
{
    private const string Operator = "operator-demo";

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        private long _ticks = now.UtcTicks;

        public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    // Thanksgiving, Thursday 2026-11-26, 09:00 in New York: a default holiday, so the first business day is Friday 2026-11-27.
    private static readonly DateTimeOffset Thanksgiving = new(2026, 11, 26, 14, 0, 0, TimeSpan.Zero);

    private static Task<RealNode> Start(string folder, TimeProvider clock) =>
        RealNode.StartAsync(folder, o => o with { Clock = clock });

    private static async Task<JsonElement> Calendar(ApiHost api, string from, string to, string token = "participant-0001") =>
        await (await api.SendAsync(HttpMethod.Get, $"/v1/calendar?from={from}&to={to}", token)).AssertOk();

    private static string[] Days(JsonElement calendar) => calendar.GetProperty("businessDays").EnumerateArray().Select(d => d.GetString()!).ToArray();

    private static string[] Holidays(JsonElement calendar) =>
        calendar.GetProperty("holidays").EnumerateArray().Select(h => $"{h.GetProperty("date").GetString()} {h.GetProperty("name").GetString()}").ToArray();

    private static async Task<string> BusinessDate(ApiHost api) =>
        (await (await api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk()).GetProperty("businessDate").GetString()!;

    [Fact]
    public async Task A_new_ledger_opens_after_the_default_holiday_and_a_close_before_a_declared_holiday_opens_the_day_after_it()
    {
        using var folder = new TempFolder();
        await using var node = await Start(folder.Path, new SettableClock(Thanksgiving));
        await (await node.Api.SendAsync(HttpMethod.Put, "/v1/participants/0001", Operator,
            """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();

        Assert.Equal("2026-11-27", await BusinessDate(node.Api));
        var week = await Calendar(node.Api, "2026-11-23", "2026-12-04");
        Assert.Equal(["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"], Days(week));
        Assert.Equal(["2026-11-26 Thanksgiving Day"], Holidays(week));

        var declared = await (await node.Api.SendAsync(HttpMethod.Put, "/v1/calendar/holidays/2026-11-30", Operator, """{"name":"Day of Mourning"}""")).AssertOk();
        Assert.Equal("2026-11-30", declared.GetProperty("date").GetString());
        Assert.Equal("Day of Mourning", declared.GetProperty("name").GetString());

        var close = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", Operator)).AssertOk();

        Assert.Equal("2026-11-27", close.GetProperty("businessDate").GetString());
        Assert.Equal("2026-12-01", close.GetProperty("nextBusinessDate").GetString());
        Assert.Equal("2026-12-01", await BusinessDate(node.Api));
        var account = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "participant-0001")).AssertOk();
        Assert.Equal("2026-12-01", account.GetProperty("businessDate").GetString());
        // The holiday is now behind the business date: it stays, and can no longer be removed.
        await (await node.Api.SendAsync(HttpMethod.Delete, "/v1/calendar/holidays/2026-11-30", Operator)).AssertProblem(409, "holiday-future", "date");
    }

    [Fact]
    public async Task A_restart_keeps_the_declared_and_removed_holidays()
    {
        using var folder = new TempFolder();
        var clock = new SettableClock(Thanksgiving);
        string before;
        await using (var node = await Start(folder.Path, clock))
        {
            await (await node.Api.SendAsync(HttpMethod.Put, "/v1/calendar/holidays/2026-12-07", Operator)).AssertOk(); // no body: the default name
            await (await node.Api.SendAsync(HttpMethod.Put, "/v1/calendar/holidays/2026-12-08", Operator, """{"name":"Storm"}""")).AssertOk();
            await (await node.Api.SendAsync(HttpMethod.Put, "/v1/calendar/holidays/2026-12-08", Operator, """{"name":"Great Storm"}""")).AssertOk();
            var removed = await (await node.Api.SendAsync(HttpMethod.Delete, "/v1/calendar/holidays/2026-12-25", Operator)).AssertOk();
            Assert.True(removed.GetProperty("businessDay").GetBoolean());
            before = (await Calendar(node.Api, "2026-11-01", "2027-01-31")).ToString();
            Assert.Equal(["2026-11-26 Thanksgiving Day", "2026-12-07 Holiday", "2026-12-08 Great Storm"], Holidays(await Calendar(node.Api, "2026-11-01", "2026-12-31")));
        }

        // A day later, on the same folder: the journal, not the configured defaults, gives the holidays.
        clock.Set(Thanksgiving.AddDays(1));
        await using (var node = await Start(folder.Path, clock))
        {
            Assert.Equal(before, (await Calendar(node.Api, "2026-11-01", "2027-01-31")).ToString());
            Assert.Contains("2026-12-25", Days(await Calendar(node.Api, "2026-12-21", "2026-12-31")));
            Assert.Equal("2026-11-27", await BusinessDate(node.Api));
        }
    }

    [Theory]
    [InlineData("PUT", "2026-11-27", 409, "holiday-future")]  // the open business day itself
    [InlineData("PUT", "2026-11-26", 409, "holiday-future")]  // the day before it, a holiday already
    [InlineData("PUT", "2026-01-02", 409, "holiday-future")]  // long past
    [InlineData("DELETE", "2026-11-26", 409, "holiday-future")]
    [InlineData("PUT", "2026-11-28", 400, "holiday-weekday")] // a Saturday
    [InlineData("PUT", "2036-11-29", 400, "holiday-weekday")] // a Saturday past the horizon: the weekend rule first
    [InlineData("PUT", "2036-11-28", 400, "holiday-horizon")] // ten years and a day ahead of the open day
    [InlineData("DELETE", "2026-12-02", 404, "holiday-known")]
    [InlineData("PUT", "2026-11-31", 400, "date-format")]
    [InlineData("DELETE", "27-11-2026", 400, "date-format")]
    public async Task A_date_the_rules_keep_is_refused_and_changes_nothing(string method, string date, int status, string rule)
    {
        using var folder = new TempFolder();
        await using var node = await Start(folder.Path, new SettableClock(Thanksgiving));
        Assert.Equal("2026-11-27", await BusinessDate(node.Api));
        var before = await CalendarProbe.AllHolidaysAsync(node.Api);

        var response = await node.Api.SendAsync(new HttpMethod(method), $"/v1/calendar/holidays/{date}", Operator, method == "PUT" ? """{"name":"Refused"}""" : null);

        await response.AssertProblem(status, rule, "date");
        Assert.Equal(before, await CalendarProbe.AllHolidaysAsync(node.Api));
    }

    [Fact]
    public async Task The_calendar_answers_ranges_within_its_limit_and_refuses_others_by_rule()
    {
        using var folder = new TempFolder();
        await using var node = await Start(folder.Path, new SettableClock(Thanksgiving));

        var defaults = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/calendar", "risk-demo")).AssertOk();
        Assert.Equal("2026-11-27", defaults.GetProperty("from").GetString());
        Assert.Equal("2026-12-27", defaults.GetProperty("to").GetString()); // 31 days, the first included
        Assert.Equal(["2026-12-25 Christmas Day"], Holidays(defaults));

        var longest = await Calendar(node.Api, "2027-01-01", "2028-12-31", "occ-demo"); // 731 days
        Assert.Equal(19, Holidays(longest).Length);   // 2027: ten; 2028: nine (no New Year's Day)
        Assert.Equal(251 + 251, Days(longest).Length); // NYSE trading days: 251 in 2027, 251 in 2028

        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/calendar?from=2027-01-01&to=2029-01-01", "occ-demo")).AssertProblem(400, "range-maximum", "to");
        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/calendar?from=2027-01-02&to=2027-01-01", "occ-demo")).AssertProblem(400, "from-before-to", "from");
        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/calendar?from=2027-1-2", "occ-demo")).AssertProblem(400, "date-format", "from");
        await (await node.Api.SendAsync(HttpMethod.Get, "/v1/calendar?to=0001-01-01", "occ-demo")).AssertProblem(400, "from-before-to", "from");
        var last = await Calendar(node.Api, "9999-12-30", "9999-12-31");
        Assert.Equal(["9999-12-30", "9999-12-31"], Days(last));
    }
}
