using System.Text.Json;
using Ledger.Benchmarks.Crash;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests;

/// <summary>
/// The crash test's lending checks (after a kill while the open's marks settle) on views and
/// journals made by hand: a consistent set passes, and each way of breaking "computed once, paid
/// once, collateral = opening + completed marks, balances = marks" fails the check that guards it.
/// </summary>
public sealed class CrashMarkChecksTests
{
    private const string L = "0001", B = "0002", Cusip = "CRS000017", Closed = "2026-12-08", Day = "2026-12-09";
    private const string MarkId = "MK-20261209-D1";

    // L lent B 1,000 shares for $102,000.00 (D1, opened 2026-12-07); the price moved to $105.00: required $107,100.00, mark $5,100.00 paid by B.
    private static readonly IReadOnlyDictionary<string, decimal> Prices = new Dictionary<string, decimal> { [Cusip] = 105.00m };
    private static readonly IReadOnlyDictionary<string, DeliverOrderLine> Acknowledged = new Dictionary<string, DeliverOrderLine>
    {
        ["D1"] = new("D1", L, B, Cusip, 1_000, 102_000m, "SL"),
    };

    private static CrashMarkView Mark(string status = "completed", decimal amount = 5_100m, string payer = B, string payee = L, string id = MarkId) =>
        new("D1", id, amount, payer, payee, status, Day, 105.00m, 107_100m, 102_000m, status == "completed" ? Day : null);

    private static CrashLoanView Loan(decimal collateral = 107_100m, params CrashMarkView[] marks) =>
        new("D1", L, B, Cusip, 1_000, 1_000, 102_000m, collateral, 1.02m, "2026-12-07", "open", marks, []);

    private static CrashJournalEntry Entry(string manifest, string json) => new(1, manifest, JsonDocument.Parse(json).RootElement.Clone());

    private static Dictionary<string, IReadOnlyList<CrashJournalEntry>> Journals(int paidTimes = 1) => new()
    {
        [L] = [Entry("account.business-day-closed.v1", $$"""{"closedDate":"{{Closed}}"}"""),
            .. Enumerable.Repeat(Entry("account.delivery-completed.v1", $$"""{"deliverOrderId":"{{MarkId}}"}"""), paidTimes)],
        [B] = [Entry("account.business-day-closed.v1", $$"""{"closedDate":"{{Closed}}"}"""),
            .. Enumerable.Repeat(Entry("account.receive-completed.v2", $$$"""{"order":{"id":"{{{MarkId}}}"}}"""), paidTimes)],
    };

    private static CrashAccount Account(string id, decimal balance) => new(id, balance, Math.Max(0m, -balance), 1_000_000m, 1_000_000m, false, [], [], 5, Day);

    private static Dictionary<string, CrashAccount> Accounts(decimal lender = 5_100m, decimal borrower = -5_100m) => new() { [L] = Account(L, lender), [B] = Account(B, borrower) };

    [Fact]
    public void A_consistent_open_passes_every_check()
    {
        IReadOnlyList<CrashLoanView> loans = [Loan(107_100m, Mark())];
        Assert.True(CrashMarkChecks.ComputedOnce(loans, Day, Prices).Passed, CrashMarkChecks.ComputedOnce(loans, Day, Prices).Detail);
        Assert.True(CrashMarkChecks.PaidOnce(loans, Journals()).Passed, CrashMarkChecks.PaidOnce(loans, Journals()).Detail);
        Assert.True(CrashMarkChecks.CollateralIsOpeningPlusMarks(loans, Acknowledged).Passed);
        Assert.True(CrashMarkChecks.BalancesAreTheMarks(loans, Accounts(), Journals(), Closed, Day).Passed,
            CrashMarkChecks.BalancesAreTheMarks(loans, Accounts(), Journals(), Closed, Day).Detail);
        // A dropped mark moved nothing: the loan holds its opening amount and the accounts nothing.
        IReadOnlyList<CrashLoanView> dropped = [Loan(102_000m, Mark("dropped"))];
        Assert.True(CrashMarkChecks.PaidOnce(dropped, Journals(paidTimes: 0)).Passed);
        Assert.True(CrashMarkChecks.CollateralIsOpeningPlusMarks(dropped, Acknowledged).Passed);
        Assert.True(CrashMarkChecks.BalancesAreTheMarks(dropped, Accounts(0m, 0m), Journals(paidTimes: 0), Closed, Day).Passed);
    }

    [Fact]
    public void A_missing_a_second_or_a_wrong_mark_fails_computed_once()
    {
        Assert.Contains("got 0 marks", CrashMarkChecks.ComputedOnce([Loan(102_000m)], Day, Prices).Detail);
        Assert.False(CrashMarkChecks.ComputedOnce([Loan(102_000m)], Day, Prices).Passed);
        Assert.False(CrashMarkChecks.ComputedOnce([Loan(107_100m, Mark(), Mark(id: "MK-OTHER"))], Day, Prices).Passed);
        var wrong = CrashMarkChecks.ComputedOnce([Loan(107_100m, Mark(amount: 5_000m))], Day, Prices);
        Assert.False(wrong.Passed);
        Assert.Contains("the rule gives $5,100.00 from 0002 to 0001", wrong.Detail);
        Assert.False(CrashMarkChecks.ComputedOnce([Loan(107_100m, Mark(payer: L, payee: B))], Day, Prices).Passed);
        // No loan due a mark: nothing was in flight, so the kill tested nothing.
        Assert.False(CrashMarkChecks.ComputedOnce([Loan(102_000m)], Day, new Dictionary<string, decimal> { [Cusip] = 100.00m }).Passed);
    }

    [Fact]
    public void A_mark_paid_twice_or_paid_without_completing_fails_paid_once()
    {
        var twice = CrashMarkChecks.PaidOnce([Loan(107_100m, Mark())], Journals(paidTimes: 2));
        Assert.False(twice.Passed);
        Assert.Contains("completed 2 time(s) at its payer 0002 and 2 at its payee 0001", twice.Detail);
        Assert.False(CrashMarkChecks.PaidOnce([Loan(107_100m, Mark("dropped"))], Journals()).Passed);
        Assert.False(CrashMarkChecks.PaidOnce([Loan(107_100m, Mark(), Mark(id: "MK-20261210-D1") with { MarkDate = Day })], Journals()).Passed);
        var unknown = CrashMarkChecks.PaidOnce([Loan(102_000m)], Journals());
        Assert.False(unknown.Passed);
        Assert.Contains("no loan shows it", unknown.Detail);
    }

    [Fact]
    public void Collateral_off_by_a_cent_or_an_opening_unlike_the_order_fails()
    {
        Assert.False(CrashMarkChecks.CollateralIsOpeningPlusMarks([Loan(107_100.01m, Mark())], Acknowledged).Passed);
        Assert.False(CrashMarkChecks.CollateralIsOpeningPlusMarks([Loan(102_000m, Mark())], Acknowledged).Passed);
        Assert.False(CrashMarkChecks.CollateralIsOpeningPlusMarks([Loan(107_100m, Mark()) with { OpeningCollateral = 101_999.99m, Collateral = 107_099.99m }], Acknowledged).Passed);
    }

    [Fact]
    public void A_balance_other_than_the_marks_or_a_day_closed_twice_fails()
    {
        IReadOnlyList<CrashLoanView> loans = [Loan(107_100m, Mark())];
        Assert.False(CrashMarkChecks.BalancesAreTheMarks(loans, Accounts(10_200m, -5_100m), Journals(), Closed, Day).Passed);
        var journals = Journals();
        journals[L] = [.. journals[L], Entry("account.business-day-closed.v1", $$"""{"closedDate":"{{Closed}}"}""")];
        var twice = CrashMarkChecks.BalancesAreTheMarks(loans, Accounts(), journals, Closed, Day);
        Assert.False(twice.Passed);
        Assert.Contains("0001 journaled 2 closes", twice.Detail);
    }
}
