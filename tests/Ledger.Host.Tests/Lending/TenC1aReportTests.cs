using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Host.Tests.Income;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Lending;

/// <summary>
/// The Rule 10c-1a report (lending.md section 5) on the real node with a real SQLite file: after a
/// day on which a loan was marked and returned and another opened, the lender's report lists the
/// three events; it is the same bytes on two calls, after a restart on the same folder, and in the
/// file the real <c>ledger report 10c-1a</c> process writes from that folder.
/// </summary>
[Collection("real-node")]
public sealed class TenC1aReportTests
{
    private const string L = "1801", B = "1802";

    private static string CusipOf(int n)
    {
        var first8 = "TCA" + n.ToString("D5", CultureInfo.InvariantCulture);
        return first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<byte[]> Report(ApiHost api, string participant, string date, string token, string? format = null)
    {
        var response = await api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/reports/10c-1a/{date}" + (format is null ? "" : "?format=" + format), token);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(format == "jsonl" ? "application/jsonl" : "text/csv", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Fact]
    public async Task A_day_with_a_loan_opened_marked_and_returned_reports_the_same_bytes_on_every_call_after_a_restart_and_from_the_CLI()
    {
        using var folder = new TempFolder();
        var x = CusipOf(1);
        string d, next, third;
        byte[] csv, jsonl, opening;
        await using (var node = await RealNode.StartAsync(folder.Path))
        {
            var desk = new IncomeDesk(node);
            await desk.Participant(Occ, cap: 0m, fund: 0m, marketLoan: false, ccp: true);
            await desk.Participant(L);
            await desk.Participant(B);
            await desk.Security(x, price: "100", haircut: "0.1");
            await desk.Deposit(L, x, 1200);
            d = await desk.BusinessDate();
            await desk.Submit($$"""{"id":"TCA-A","deliverer":"{{L}}","receiver":"{{B}}","cusip":"{{x}}","shares":1000,"amount":102000,"reasonCode":"SL","rebateRate":0.045}""");
            await desk.Status("TCA-A", L, "completed");
            await node.EventuallyAsync($"/v1/participants/{L}/loans", Token(L), v => v.GetProperty("loans").GetArrayLength() == 1, "loan A listed");

            // The report of a date not closed yet is refused, naming the date.
            await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/reports/10c-1a/{d}", Token(L))).AssertProblem(409, "report-date-closed", "date");

            // X closes at $105: the next open marks A by $5,100.00; that day A is returned and C opened.
            await desk.Security(x, price: "105", haircut: "0.1");
            await desk.Close();
            next = await desk.BusinessDate();
            await node.EventuallyAsync($"/v1/participants/{L}/marks?date={next}", Token(L),
                v => v.GetProperty("marks").EnumerateArray().Any(m => m.GetProperty("status").GetString() == "completed"), "A's mark completed");
            await desk.Submit($$"""{"id":"TCA-C","deliverer":"{{L}}","receiver":"{{B}}","cusip":"{{x}}","shares":200,"amount":21420,"reasonCode":"SL"}""");
            await desk.Status("TCA-C", L, "completed");
            await desk.Submit($$"""{"id":"TCA-R","deliverer":"{{B}}","receiver":"{{L}}","cusip":"{{x}}","shares":1000,"amount":107100,"reasonCode":"SLR"}""");
            await desk.Status("TCA-R", B, "completed");
            await node.EventuallyAsync("/v1/loans/TCA-A", Risk, v => v.GetProperty("openShares").GetInt64() == 0, "A returned");
            await node.EventuallyAsync($"/v1/participants/{L}/loans?state=open", Token(L), v => v.GetProperty("loans").GetArrayLength() == 1, "C open");
            await desk.Close();
            third = await desk.BusinessDate();

            csv = await Report(node.Api, L, next, Token(L));
            Assert.Equal(csv, await Report(node.Api, L, next, Risk, "csv"));
            jsonl = await Report(node.Api, L, next, Operator, "jsonl");
            Assert.Equal(jsonl, await Report(node.Api, L, next, Token(L), "jsonl"));
            opening = await Report(node.Api, L, d, Token(L));

            // The report of the date still open is not written yet; a later date is in the future.
            await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/reports/10c-1a/{third}", Token(L))).AssertProblem(409, "report-date-closed", "date");
            await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/reports/10c-1a/{Next(third)}", Token(L))).AssertProblem(400, "date-not-future", "date");
            await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/reports/10c-1a/{next}?format=xml", Token(L))).AssertProblem(400, "report-format", "format");
            // The borrower reports nothing: the lender is the reporting party.
            var borrowers = Encoding.UTF8.GetString(await Report(node.Api, B, next, Token(B)));
            Assert.EndsWith(",lines=0", borrowers.Split('\n')[0], StringComparison.Ordinal);
            Assert.DoesNotContain("TCA-", borrowers, StringComparison.Ordinal);
        }

        var text = Encoding.UTF8.GetString(csv);
        var lines = text.Split('\n');
        Assert.StartsWith($"# report=10c-1a,reportingParty={L},businessDate={next},deadline={next}T23:59:59.000-0", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",lines=3", lines[0], StringComparison.Ordinal);
        Assert.Equal("event,loanId,cusip,effectedAt,shares,openShares,collateralType,collateralAmount,collateralMargin,rebateRate,reportingParty,dueBy", lines[1]);
        var rows = lines[2..^1].Select(l => l.Split(',')).ToList();
        Assert.Equal(["marked TCA-A", "opened TCA-C", "returned TCA-A"], rows.Select(r => r[0] + " " + r[1]).Order(StringComparer.Ordinal));
        var marked = rows.Single(r => r[0] == "marked");
        // The mark raised A's collateral to 107,100.00; 1,000 shares open until the return, at 1.02 and 4.5%, in cash, reported by the lender.
        Assert.Equal([x, "1000", "1000", "cash", "107100.00", "1.02", "0.045", L], [marked[2], marked[4], marked[5], marked[6], marked[7], marked[8], marked[9], marked[10]]);
        var opened = rows.Single(r => r[0] == "opened");
        Assert.Equal(["200", "200", "21420.00", "1.02", ""], [opened[4], opened[5], opened[7], opened[8], opened[9]]);
        var returned = rows.Single(r => r[0] == "returned");
        Assert.Equal(["1000", "0"], [returned[4], returned[5]]);
        // Times effected are the node's clock, in New York time with its offset.
        Assert.All(rows, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-0[45]:00$", r[3]));
        Assert.Equal("", lines[^1]);
        // JSON lines: the header and the same three events, each a JSON object.
        var objects = Encoding.UTF8.GetString(jsonl).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, objects.Count);
        Assert.Equal(3, objects[0].GetProperty("lines").GetInt32());
        Assert.Equal(rows.Select(r => r[0] + " " + r[1]), objects.Skip(1).Select(o => o.GetProperty("event").GetString() + " " + o.GetProperty("loanId").GetString()));
        Assert.Equal(107_100.00m, objects.Skip(1).Single(o => o.GetProperty("event").GetString() == "marked").GetProperty("collateralAmount").GetDecimal());
        // The report of the opening day: A opened on $102,000.00.
        var openingRows = Encoding.UTF8.GetString(opening).Split('\n')[2..^1];
        Assert.StartsWith("opened,TCA-A,", Assert.Single(openingRows), StringComparison.Ordinal);
        Assert.Contains(",102000.00,", openingRows[0], StringComparison.Ordinal);

        // After a restart on the same folder the journal replays to the same bytes.
        await using (var node = await RealNode.StartAsync(folder.Path))
        {
            Assert.Equal(csv, await Report(node.Api, L, next, Token(L)));
            Assert.Equal(jsonl, await Report(node.Api, L, next, Risk, "jsonl"));
            Assert.Equal(opening, await Report(node.Api, L, d, Operator));

            // The real ledger program reads the same folder beside the running node and writes the same bytes.
            var csvFile = Path.Combine(folder.Path, "report.csv");
            var (exit, output, error) = await LedgerCommand.RunAsync(folder.Path,
                ["report", "10c-1a", "--date", next, "--participant", L, "--data-dir", folder.Path, "--out", csvFile]);
            Assert.True(exit == 0, string.Join("\n", error));
            Assert.Equal(csv, await File.ReadAllBytesAsync(csvFile));
            Assert.Contains($"3 loan events reported by {L} for {next}", string.Join("\n", output), StringComparison.Ordinal);
            var jsonlFile = Path.Combine(folder.Path, "report.jsonl");
            (exit, _, error) = await LedgerCommand.RunAsync(folder.Path,
                ["report", "10c-1a", "--date", next, "--participant", L, "--format", "jsonl", "--data-dir", folder.Path, "--out", jsonlFile]);
            Assert.True(exit == 0, string.Join("\n", error));
            Assert.Equal(jsonl, await File.ReadAllBytesAsync(jsonlFile));
        }
    }
}
