using Ledger.Benchmarks.Crash;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;

namespace Ledger.Host.Tests.Lending;

/// <summary>
/// A SIGKILL between the hub and lending: the real <c>ledger serve</c> process is killed right after
/// the hub made the last of several MT 526 recalls available (lending's consumer may not have read
/// them, or may have applied some without storing its offset). After a restart on the same folder
/// every recall is open exactly once, for what it asked, and the loan's recalled shares add up.
/// </summary>
[Collection("real-node")]
public sealed class LendingRecallCrashTests
{
    private const string L = "1751", B = "1752";
    private const string LenderToken = "participant-1751-token-0123456789abcdef";
    private static readonly TimeSpan StartMax = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan WaitMax = TimeSpan.FromSeconds(30);

    private static void Ok(ServeProcess.Answer answer) => Assert.True(answer.Status == 200, answer.ToString());

    [Fact]
    public async Task Recalls_made_available_just_before_a_SIGKILL_open_exactly_once_after_the_restart()
    {
        using var work = new TempDirectory("ledger-recall-crash");
        var data = work.Combine("data");
        // The tokens file ServeProcess reads, with the lender's participant token beside the operator's and OCC's.
        await File.WriteAllTextAsync(work.Combine("tokens.json"), $$"""
            [{"token":"{{ServeProcess.Operator}}","role":"operator"},{"token":"{{ServeProcess.Occ}}","role":"occ"},
             {"token":"{{LenderToken}}","role":"participant","participant":"{{L}}"}]
            """);
        var x = LendingRecallDesk.CusipOf(5);
        var controls = new List<string>();
        await using (var node = ServeProcess.Start(work.Path, work.Combine("first.log"), "--data-dir", data))
        {
            await node.WaitReadyAsync(StartMax);
            foreach (var p in new[] { L, B })
            {
                Ok(await node.PutParticipantAsync(p));
                Ok(await node.SendAsync(HttpMethod.Put, $"/v1/recall-hub/subscribers/{p}", ServeProcess.Operator, $$"""{"address":"{{LendingRecallDesk.Bic8(p)}}XXX"}"""));
            }
            Ok(await node.SendAsync(HttpMethod.Put, $"/v1/securities/{x}", ServeProcess.Operator, """{"price":100,"haircut":0.1}"""));
            Ok(await node.SendAsync(HttpMethod.Post, $"/v1/participants/{L}/deposits", ServeProcess.Operator, $$"""{"cusip":"{{x}}","shares":1000}"""));
            Ok(await node.SendAsync(HttpMethod.Post, "/v1/deliver-orders", ServeProcess.Occ,
                $$"""[{"id":"RCL-K1","deliverer":"{{L}}","receiver":"{{B}}","cusip":"{{x}}","shares":1000,"amount":10200,"reasonCode":"SL"}]"""));
            await node.EventuallyAsync(() => node.SendAsync(HttpMethod.Get, "/v1/loans/RCL-K1", ServeProcess.Operator), a => a.Status == 200, WaitMax, "the loan opened");

            for (var i = 0; i < 6; i++)
            {
                var sent = await node.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", LenderToken,
                    RecallMessages.Body(LendingRecallDesk.Recall526(RecallMessages.FreshReference("K-"), L, B, x, "10,")));
                Ok(sent);
                Assert.Equal("available", sent.Json.GetProperty("status").GetString());
                controls.Add(sent.Json.GetProperty("controlNumber").GetString()!);
            }
            Assert.Equal(LedgerProcess.SigkillExitCode, await node.Process.KillHard());
        }

        await using var again = ServeProcess.Start(work.Path, work.Combine("again.log"), "--data-dir", data);
        await again.WaitReadyAsync(StartMax);
        var answer = await again.EventuallyAsync(() => again.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/recalls", ServeProcess.Operator),
            a => a.Status == 200 && a.Json.GetProperty("recalls").GetArrayLength() >= controls.Count, WaitMax, "every recall opened after the restart");
        var recalls = answer.Json.GetProperty("recalls").EnumerateArray().ToList();
        Assert.Equal(controls.Order(StringComparer.Ordinal), recalls.Select(r => r.GetProperty("controlNumber").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(recalls, r => Assert.Equal((10L, 10L, "open"), (r.GetProperty("shares").GetInt64(), r.GetProperty("openShares").GetInt64(), r.GetProperty("state").GetString())));
        var loan = await again.SendAsync(HttpMethod.Get, "/v1/loans/RCL-K1", ServeProcess.Operator);
        Ok(loan);
        Assert.Equal(60L, loan.Json.GetProperty("recalledShares").GetInt64());
        Assert.Equal(controls.Count, loan.Json.GetProperty("recalls").GetArrayLength());
    }
}
