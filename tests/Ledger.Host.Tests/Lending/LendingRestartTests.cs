using Ledger.Host.Tests.Income;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Lending;

/// <summary>
/// The lending context's state is journaled: after a restart on the same folder the loan, its
/// completed mark and its collateral read the same, the next open does not pay the mark again, and
/// the book's journal replays to the same answers.
/// </summary>
[Collection("real-node")]
public sealed class LendingRestartTests
{
    private const string L = "1601", B = "1602";
    private const string Cusip = "037833100";

    [Fact]
    public async Task A_restart_keeps_loans_and_marks_and_the_next_open_pays_no_mark_twice()
    {
        using var folder = new TempFolder();
        string loanBefore, marksBefore, markOrderBefore, next;
        await using (var node = await RealNode.StartAsync(folder.Path))
        {
            var desk = new IncomeDesk(node);
            await desk.Participant(Occ, cap: 0m, fund: 0m, marketLoan: false, ccp: true);
            await desk.Participant(L);
            await desk.Participant(B);
            await desk.Security(Cusip, price: "100", haircut: "0.1");
            await desk.Deposit(L, Cusip, 1000);
            await desk.Submit($$"""{"id":"RST-1","deliverer":"{{L}}","receiver":"{{B}}","cusip":"{{Cusip}}","shares":1000,"amount":102000,"reasonCode":"SL"}""");
            await desk.Status("RST-1", L, "completed");
            await node.EventuallyAsync($"/v1/participants/{L}/loans", Token(L), v => v.GetProperty("loans").GetArrayLength() == 1, "the loan listed");
            await desk.Security(Cusip, price: "95", haircut: "0.1");
            await desk.Close();
            next = await desk.BusinessDate();
            // The price fell: required 96,900.00, the lender pays 5,100.00 back to the borrower.
            var marks = await node.EventuallyAsync($"/v1/participants/{B}/marks?date={next}", Token(B),
                v => v.GetProperty("marks").EnumerateArray().Any(m => m.GetProperty("status").GetString() == "completed"), "the mark completed");
            var mark = Assert.Single(marks.GetProperty("marks").EnumerateArray().ToList());
            Assert.Equal((5_100.00m, L, B), (mark.GetProperty("amount").GetDecimal(), mark.GetProperty("payer").GetString(), mark.GetProperty("payee").GetString()));
            var loan = await node.EventuallyAsync("/v1/loans/RST-1", Risk, v => v.GetProperty("collateral").GetDecimal() == 96_900.00m, "collateral after the mark");
            loanBefore = loan.ToString();
            marksBefore = marks.ToString();
            markOrderBefore = (await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{mark.GetProperty("deliverOrderId").GetString()}", OccToken)).AssertOk()).ToString();
        }

        await using (var node = await RealNode.StartAsync(folder.Path))
        {
            var desk = new IncomeDesk(node);
            Assert.Equal(loanBefore, (await (await node.Api.SendAsync(HttpMethod.Get, "/v1/loans/RST-1", Risk)).AssertOk()).ToString());
            Assert.Equal(marksBefore, (await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/marks?date={next}", Token(B))).AssertOk()).ToString());
            var markId = "MK-" + next.Replace("-", "", StringComparison.Ordinal) + "-RST-1";
            Assert.Equal(markOrderBefore, (await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{markId}", OccToken)).AssertOk()).ToString());

            // The next open at the same price: the loan is at its required collateral, nothing is marked or paid again.
            await desk.Close();
            var third = await desk.BusinessDate();
            var after = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/loans/RST-1", Risk)).AssertOk();
            Assert.Equal(96_900.00m, after.GetProperty("collateral").GetDecimal());
            Assert.Single(after.GetProperty("marks").EnumerateArray());
            Assert.Empty((await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L}/marks?date={third}", Token(L))).AssertOk())
                .GetProperty("marks").EnumerateArray());
        }
    }
}
