using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>The lending context's part of the role matrix's world: a loan RM-LOAN-1, 0001 lending 0002 100 AAPL for $10,200, opened once per world.</summary>
public static class LendingMatrix
{
    public const string Loan = "RM-LOAN-1";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly HashSet<MatrixWorld> Opened = [];

    /// <summary>Opens the loan (once per world) and waits until the lender's list shows it.</summary>
    public static async Task<string> LoanAsync(MatrixWorld world)
    {
        await Gate.WaitAsync();
        try
        {
            if (Opened.Contains(world)) return Loan;
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
