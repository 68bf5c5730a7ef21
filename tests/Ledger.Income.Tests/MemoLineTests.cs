using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>
/// Memo lines follow completed stock-loan deliver orders (income-tracking.md section 2), at one
/// memo account at a time: given its journal, when a command arrives, then these events or this refusal.
/// </summary>
public sealed class MemoLineTests
{
    private static readonly DateTimeOffset T = Morning;

    private static StockLoanDeliverOrderApplied Applied(CompletedDeliverOrder o, string type, string counterparty, long change) =>
        new(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode, type,
            o.ReclaimOf?.Value, o.CompletedBy, IncomeDates.ToText(o.BusinessDate), counterparty, change, T);

    public static TheoryData<string, string, string, string, long, string, long> Changes => new()
    {
        // code, deliverer, receiver, at, shares, expected counterparty, expected change
        { "SL", L, B, L, 1_000, B, 1_000 },
        { "SL", L, B, B, 1_000, L, -1_000 },
        { "SLR", B, L, B, 400, L, 400 },
        { "SLR", B, L, L, 400, B, -400 },
        { "SL", L, B, L, 1, B, 1 },
        { "SL", L, B, L, 10_000_000_000, B, 10_000_000_000 },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_completed_stock_loan_deliver_order_adds_its_shares_to_the_deliverers_line_and_takes_them_from_the_receivers(
        string code, string deliverer, string receiver, string at, long shares, string counterparty, long change)
    {
        var order = Do("DO-1", deliverer, receiver, shares, code);
        var memo = Memo(at);

        var d = Ok(memo, new ApplyCompletedDeliverOrder(order, T));

        SameEvents([Applied(order, code == "SL" ? "loan" : "return", counterparty, change)], d.Events);
        Assert.Equal(change, memo.LineShares(P(counterparty), Cu(X)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("LOAN")]
    [InlineData("sl")]
    [InlineData("RECLAIM")]
    public void A_deliver_order_without_a_stock_loan_code_changes_no_line(string code)
    {
        var memo = Memo(L);
        var d = Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 1_000, code), T));
        Assert.Empty(d.Events);
        Assert.Empty(memo.Lines);
    }

    [Fact]
    public void The_loan_and_return_codes_are_configuration()
    {
        var settings = new IncomeSettings { LoanReasonCodes = new HashSet<string> { "LN", "LOAN" }, ReturnReasonCodes = new HashSet<string> { "RT" } };
        var memo = new MemoAccountState(P(L), settings);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 1_000, "LOAN"), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-2", B, L, 300, "RT"), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-3", L, B, 50, "SL"), T));
        Assert.Equal(700, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void Settings_with_a_code_both_loan_and_return_are_refused()
    {
        var settings = new IncomeSettings { LoanReasonCodes = new HashSet<string> { "SL" }, ReturnReasonCodes = new HashSet<string> { "SL" } };
        Assert.Throws<ArgumentException>(() => new MemoAccountState(P(L), settings));
    }

    [Fact]
    public void A_deliver_order_sent_again_is_counted_once()
    {
        var memo = Memo(L);
        var order = Do("DO-1", L, B, 1_000);
        Ok(memo, new ApplyCompletedDeliverOrder(order, T));

        var again = Ok(memo, new ApplyCompletedDeliverOrder(order, T.AddMinutes(5)));

        Assert.Empty(again.Events);
        Assert.Equal(1_000, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void The_same_deliver_order_id_with_other_terms_is_refused_and_changes_nothing()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 1_000), T));
        var version = memo.Version;

        var error = Refused(MemoAccountDecider.Decide(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 999), T)));

        Assert.Equal(("deliver-order-id-unique", "deliverOrderId"), (error.Rule, error.Field));
        Assert.Equal(version, memo.Version);
        Assert.Equal(1_000, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void A_deliver_order_between_two_other_participants_is_refused()
    {
        var error = Refused(MemoAccountDecider.Decide(Memo(C), new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 1_000), T)));
        Assert.Equal("deliver-order-party", error.Rule);
    }

    [Fact]
    public void A_return_larger_than_the_loan_crosses_zero_and_is_listed_as_an_exception_at_both_parties()
    {
        var lender = Memo(L);
        var borrower = Memo(B);
        foreach (var order in new[] { Do("DO-1", L, B, 600), Do("DO-2", B, L, 1_000, "SLR", on: Tuesday) })
        {
            Ok(lender, new ApplyCompletedDeliverOrder(order, T));
            Ok(borrower, new ApplyCompletedDeliverOrder(order, T));
        }

        var atLender = Assert.Single(MemoAccountView.Of(lender).Exceptions);
        Assert.Equal((B, X, -400L, "2026-11-24"), (atLender.Counterparty, atLender.Cusip, atLender.Shares, atLender.Since));
        Assert.Contains("DO-2", atLender.Cause, StringComparison.Ordinal);
        Assert.Equal(400, Assert.Single(MemoAccountView.Of(borrower).Exceptions).Shares);
    }

    [Fact]
    public void An_exception_clears_when_the_line_comes_back_to_zero_or_crosses_back()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 600), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-2", B, L, 1_000, "SLR"), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-3", L, B, 400), T)); // back to zero
        Assert.Empty(MemoAccountView.Of(memo).Exceptions);
        Assert.Empty(memo.Lines);

        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-4", L, B, 100), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-5", B, L, 300, "SLR"), T)); // crosses: 100 -> -200
        Assert.Single(MemoAccountView.Of(memo).Exceptions);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-6", L, B, 250), T)); // crosses back: -200 -> 50
        Assert.Empty(MemoAccountView.Of(memo).Exceptions);
        Assert.Equal(50, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void A_completed_reclaim_reverses_exactly_its_deliver_orders_change()
    {
        var original = Do("DO-1", L, B, 1_000);
        var reclaim = Reclaim("R-1", original);
        var lender = Memo(L);
        var borrower = Memo(B);
        Ok(lender, new ApplyCompletedDeliverOrder(Do("DO-0", L, B, 250), T));
        Ok(borrower, new ApplyCompletedDeliverOrder(Do("DO-0", L, B, 250), T));
        Ok(lender, new ApplyCompletedDeliverOrder(original, T));
        Ok(borrower, new ApplyCompletedDeliverOrder(original, T));

        var atLender = Ok(lender, new ApplyCompletedDeliverOrder(reclaim, T));
        Ok(borrower, new ApplyCompletedDeliverOrder(reclaim, T));

        SameEvents([Applied(reclaim, "reclaim", B, -1_000)], atLender.Events);
        Assert.Equal(250, lender.LineShares(P(B), Cu(X)));
        Assert.Equal(-250, borrower.LineShares(P(L), Cu(X)));
    }

    [Fact]
    public void A_reclaim_of_a_return_gives_the_return_back()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 1_000), T));
        var ret = Do("DO-2", B, L, 400, "SLR");
        Ok(memo, new ApplyCompletedDeliverOrder(ret, T));
        Ok(memo, new ApplyCompletedDeliverOrder(Reclaim("R-2", ret), T));
        Assert.Equal(1_000, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void A_reclaim_arriving_before_its_deliver_order_is_held_and_applies_with_it()
    {
        var original = Do("DO-1", L, B, 1_000);
        var memo = Memo(L);

        var held = Ok(memo, new ApplyCompletedDeliverOrder(Reclaim("R-1", original), T));
        Assert.IsType<StockLoanDeliverOrderNoted>(Assert.Single(held.Events));
        Assert.Empty(memo.Lines);

        var both = Ok(memo, new ApplyCompletedDeliverOrder(original, T));

        Assert.Equal([1_000L, -1_000L], both.Events.Cast<StockLoanDeliverOrderApplied>().Select(e => e.SharesChange));
        Assert.Empty(memo.Lines);
        Assert.Empty(Ok(memo, new ApplyCompletedDeliverOrder(Reclaim("R-1", original), T)).Events); // and once only
    }

    [Fact]
    public void A_reclaim_of_a_deliver_order_that_was_no_stock_loan_changes_nothing_and_is_forgotten_with_its_day()
    {
        var settings = new IncomeSettings { DeliverOrderDedupCloses = 2 };
        var memo = new MemoAccountState(P(L), settings);
        Ok(memo, new ApplyCompletedDeliverOrder(Reclaim("R-1", Do("DO-1", L, B, 1_000, "LOAN")), T));
        Assert.Single(memo.HeldReclaims);
        foreach (var (closed, next) in new[] { (Monday, Tuesday), (Tuesday, Wednesday), (Wednesday, Friday) })
            Ok(memo, new CloseMemoDay(closed, next, [], new Dictionary<Cusip, long>(), T));
        Assert.Empty(memo.HeldReclaims);
        Assert.Empty(memo.Lines);
    }

    [Fact]
    public void A_deliver_order_older_than_the_memory_of_the_account_is_refused_not_counted_twice()
    {
        var settings = new IncomeSettings { DeliverOrderDedupCloses = 2 };
        var memo = new MemoAccountState(P(L), settings);
        var old = Do("DO-1", L, B, 1_000, on: Monday);
        Ok(memo, new ApplyCompletedDeliverOrder(old, T));
        foreach (var (closed, next) in new[] { (Monday, Tuesday), (Tuesday, Wednesday) })
            Ok(memo, new CloseMemoDay(closed, next, [], new Dictionary<Cusip, long>(), T));
        Assert.Empty(Ok(memo, new ApplyCompletedDeliverOrder(old, T)).Events); // still remembered: two closes kept

        Ok(memo, new CloseMemoDay(Wednesday, Friday, [], new Dictionary<Cusip, long>(), T));
        var error = Refused(MemoAccountDecider.Decide(memo, new ApplyCompletedDeliverOrder(old, T)));

        Assert.Equal(("deliver-order-dedup-window", "businessDate"), (error.Rule, error.Field));
        Assert.Equal(1_000, memo.LineShares(P(B), Cu(X)));
        Assert.Single(Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-9", L, B, 5, on: Wednesday), T)).Events.OfType<StockLoanDeliverOrderApplied>()); // a later day's still counts
    }

    [Fact]
    public void A_line_is_bounded_and_a_change_beyond_the_bound_is_refused_whole()
    {
        var memo = Memo(L);
        for (var i = 0; i < 100; i++) Ok(memo, new ApplyCompletedDeliverOrder(Do($"DO-{i}", L, B, 10_000_000_000), T));
        Assert.Equal(IncomeLimits.MemoLineSharesMax, memo.LineShares(P(B), Cu(X)));
        var version = memo.Version;

        var error = Refused(MemoAccountDecider.Decide(memo, new ApplyCompletedDeliverOrder(Do("DO-100", L, B, 1), T)));

        Assert.Equal("memo-line-maximum", error.Rule);
        Assert.Equal(version, memo.Version);
        Assert.Single(Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-101", B, L, 1, "SLR"), T)).Events); // back inside the bound
        Assert.Equal(IncomeLimits.MemoLineSharesMax - 1, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void Lines_are_per_counterparty_and_cusip()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 100), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-2", L, C, 200), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-3", L, B, 300, cusip: Y), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-4", C, L, 50), T));
        Assert.Equal([$"{B} {X} 100", $"{B} {Y} 300", $"{C} {X} 150"], LinesOf(memo));
    }
}
