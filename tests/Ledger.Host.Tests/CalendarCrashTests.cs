using Ledger.Benchmarks.Crash;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;

namespace Ledger.Host.Tests;

/// <summary>
/// A holiday the operator was answered 200 for is in the journal: a real <c>ledger serve</c>
/// process killed with SIGKILL right after the answer starts again with it, and a removed one stays removed.
/// </summary>
[Collection("real-node")]
public sealed class CalendarCrashTests
{
    private static readonly TimeSpan StartMax = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_holiday_answered_200_survives_a_sigkill()
    {
        using var work = new TempDirectory("ledger-calendar");
        var data = work.Combine("data");
        var declared = MatrixWorld.HolidayDate(40);
        var removed = MatrixWorld.HolidayDate(50);
        await using (var first = ServeProcess.Start(work.Path, work.Combine("first.log"), "--data-dir", data))
        {
            await first.WaitReadyAsync(StartMax);
            Assert.Equal(200, (await first.SendAsync(HttpMethod.Put, $"/v1/calendar/holidays/{removed}", ServeProcess.Operator)).Status);
            Assert.Equal(200, (await first.SendAsync(HttpMethod.Delete, $"/v1/calendar/holidays/{removed}", ServeProcess.Operator)).Status);
            var answer = await first.SendAsync(HttpMethod.Put, $"/v1/calendar/holidays/{declared}", ServeProcess.Operator, """{"name":"Kept Through a Crash"}""");
            Assert.True(answer.Status == 200, answer.ToString());

            Assert.Equal(LedgerProcess.SigkillExitCode, await first.Process.KillHard());
        }

        await using var again = ServeProcess.Start(work.Path, work.Combine("again.log"), "--data-dir", data);
        await again.WaitReadyAsync(StartMax);
        var range = await again.SendAsync(HttpMethod.Get, $"/v1/calendar?from={declared}&to={removed}", ServeProcess.Occ);
        Assert.True(range.Status == 200, range.ToString());
        var holidays = range.Json.GetProperty("holidays").EnumerateArray().Select(h => $"{h.GetProperty("date").GetString()} {h.GetProperty("name").GetString()}").ToList();
        Assert.Contains($"{declared} Kept Through a Crash", holidays);
        Assert.DoesNotContain(holidays, h => h.StartsWith(removed, StringComparison.Ordinal));
        Assert.Contains(removed, range.Json.GetProperty("businessDays").EnumerateArray().Select(d => d.GetString()));
    }
}
