using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>The lending context's part of the role matrix's world: a loan RM-LOAN-1, 0001 lending 0002 100 AAPL for $10,200, opened once per world.</summary>
public static class LendingMatrix
{
    public const string Loan = "RM-LOAN-1";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly HashSet<MatrixWorld> Opened = [];

    private static readonly HashSet<MatrixWorld> Recalled = [];

    /// <summary>
    /// Recalls 40 of the loan's shares (once per world): an MT 526 0001 sends 0002 through the hub,
    /// and waits until the lender's recalls show a recall on the loan (the hub rows' recalls of the
    /// same pair may have taken its shares first: this one is then an exception record).
    /// </summary>
    public static async Task RecallAsync(MatrixWorld world)
    {
        await LoanAsync(world);
        await Gate.WaitAsync();
        try
        {
            if (Recalled.Contains(world)) return;
            var message = "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:RM-RCL-LOAN\r\n:23:RECALL/PART\r\n" +
                ":35B:ISIN US0378331005\r\nAPPLE INC COMMON STOCK\r\n:36:SHS40,\r\n-}";
            await (await world.Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", "participant-0001", RecallMessages.Body(message))).AssertOk();
            await world.Node.EventuallyAsync("/v1/participants/0001/recalls", "participant-0001",
                v => v.GetProperty("recalls").EnumerateArray().Any(r => r.GetProperty("loanIds").EnumerateArray().Any(l => l.GetString() == Loan)), "the matrix recall listed");
            Recalled.Add(world);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Opens the loan (once per world) and waits until the lender's list shows it.</summary>
    public static async Task<string> LoanAsync(MatrixWorld world)
    {
        await Gate.WaitAsync();
        try
        {
            if (Opened.Contains(world)) return Loan;
            // The world's two recalls between 0001 and 0002 came before any loan: lending keeps them as
            // exception records. Waiting for them keeps the loan's recalls the matrix's own, whatever
            // the order of the rows and however soon after the start lending reads the hub.
            await world.Node.EventuallyAsync("/v1/participants/0001/loan-exceptions", "participant-0001",
                v => new[] { world.InboundRecall, world.OutboundRecall }.All(c => v.GetProperty("exceptions").EnumerateArray().Any(e => e.GetProperty("id").GetString() == c)),
                "the world's recalls kept as exceptions");
            var answer = await (await world.Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
                $$"""[{"id":"{{Loan}}","deliverer":"0001","receiver":"0002","cusip":"{{MatrixWorld.Apple}}","shares":100,"amount":10200,"reasonCode":"SL","rebateRate":0.045}]""")).AssertOk();
            Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
            await world.Node.EventuallyAsync("/v1/participants/0001/loans", "participant-0001",
                v => v.GetProperty("loans").EnumerateArray().Any(l => l.GetProperty("id").GetString() == Loan), "the matrix loan listed");
            Opened.Add(world);
            return Loan;
        }
        finally
        {
            Gate.Release();
        }
    }
}
