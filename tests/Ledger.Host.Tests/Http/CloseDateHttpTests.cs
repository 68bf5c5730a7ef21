using System.Globalization;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// <c>POST /v1/business-day/close</c> names its date, on a real node (SQLite): the open day closes;
/// the same date sent again answers the same and closes nothing, also after a restart; any other
/// date is 409 <c>business-date</c> and changes nothing; a date not written YYYY-MM-DD is 400.
/// </summary>
[Collection("real-node")]
public sealed class CloseDateHttpTests
{
    private static async Task<string> OpenDateAsync(RealNode node) =>
        (await (await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk()).GetProperty("businessDate").GetString()!;

    private static async Task<string> AccountAsync(RealNode node) =>
        (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "risk-demo")).AssertOk()).ToString();

    private static async Task SetUpAsync(RealNode node)
    {
        await (await node.Api.SendAsync(HttpMethod.Put, "/v1/participants/0001", "operator-demo",
            """{"name":"Firm 0001","netDebitCap":1000,"participantsFund":10,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
    }

    private static string Close(string date) => $$"""{"businessDate":"{{date}}"}""";

    [Fact]
    public async Task The_day_closed_sent_again_answers_the_same_and_closes_nothing_even_after_a_restart()
    {
        using var folder = new TempFolder();
        string open, first, account;
        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            await SetUpAsync(node);
            open = await OpenDateAsync(node);
            first = (await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", Close(open))).AssertOk()).ToString();
            account = await AccountAsync(node);

            var again = (await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", Close(open))).AssertOk()).ToString();

            Assert.Equal(first, again);
            Assert.Equal(account, await AccountAsync(node));
        }
        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            var afterRestart = (await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", Close(open))).AssertOk()).ToString();

            Assert.Equal(first, afterRestart);
            Assert.Equal(account, await AccountAsync(node));
            var next = await OpenDateAsync(node);
            Assert.Contains($"\"businessDate\":\"{open}\"", first, StringComparison.Ordinal);
            Assert.Contains($"\"nextBusinessDate\":\"{next}\"", first, StringComparison.Ordinal);
            Assert.Contains("\"accounts\":1", first, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Any_other_date_is_409_business_date_and_a_date_not_written_yyyy_mm_dd_is_400_and_neither_changes_anything()
    {
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null });
        await SetUpAsync(node);
        var open = await OpenDateAsync(node);
        var account = await AccountAsync(node);
        var day = DateOnly.ParseExact(open, "yyyy-MM-dd", CultureInfo.InvariantCulture);

        foreach (var other in new[] { day.AddDays(-1), day.AddDays(1), day.AddYears(-3) })
        {
            var text = other.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var refused = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", Close(text)))
                .AssertProblem(409, "business-date", "businessDate");
            Assert.Contains($"not the open business day {open}", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", Close(open.Replace('-', '/'))))
            .AssertProblem(400, "date-format", "businessDate");
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", """{"businessDate":20260105}"""))
            .AssertProblem(400, "json-type", "businessDate");
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", """{"date":"2026-01-05"}"""))
            .AssertProblem(400, "field-known", "date");

        Assert.Equal(open, await OpenDateAsync(node));
        Assert.Equal(account, await AccountAsync(node));
        // Without a body, and with one that names no date, the open day closes, as before dates were named.
        var closed = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", "{}")).AssertOk();
        Assert.Equal(open, closed.GetProperty("businessDate").GetString());
        await (await node.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk();
        Assert.NotEqual(closed.GetProperty("nextBusinessDate").GetString(), await OpenDateAsync(node));
    }
}
