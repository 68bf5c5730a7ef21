using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>The worked scenarios of income-tracking.md section 8, one test each, through every entity they touch.</summary>
public sealed class WorkedScenarioTests
{
    private static IncomeWorld NewWorld() => new IncomeWorld(Monday).With(L, B, C, Occ);

    [Fact]
    public void Scenario_1_a_loan_makes_the_lenders_line_positive_and_the_borrowers_negative()
    {
        var world = NewWorld();
        world.Complete(Do("DO-1", L, B, 1_000));
        world.Quiesce();
        Assert.Equal(1_000, world.Line(L, B));
        Assert.Equal(-1_000, world.Line(B, L));
    }

    [Fact]
    public void Scenario_2_a_return_brings_both_lines_back_toward_zero()
    {
        var world = NewWorld();
        world.Complete(Do("DO-1", L, B, 1_000));
        world.Complete(Do("DO-2", B, L, 400, "SLR"));
        world.Quiesce();
        Assert.Equal(600, world.Line(L, B));
        Assert.Equal(-600, world.Line(B, L));
        Assert.Equal([$"{B} {X} 600"], LinesOf(world.Memo(L).State));
    }

    [Fact]
    public void Scenario_3_a_market_loan_names_OCC_as_the_counterparty_on_both_sides()
    {
        var world = NewWorld();
        world.Complete(Do("ML-1-L", L, Occ, 500, completedBy: "look-ahead"));
        world.Complete(Do("ML-1-B", Occ, B, 500, completedBy: "look-ahead"));
        world.Quiesce();
        Assert.Equal([$"{Occ} {X} 500"], LinesOf(world.Memo(L).State));
        Assert.Equal([$"{Occ} {X} -500"], LinesOf(world.Memo(B).State));
        Assert.Equal([$"{L} {X} -500", $"{B} {X} 500"], LinesOf(world.Memo(Occ).State));
        Assert.Equal(0, world.Memo(Occ).State.Lines.Values.Sum(l => l.Shares)); // OCC nets to zero per CUSIP
    }

    [Fact]
    public void Scenario_4_the_lender_ends_with_what_its_shares_earned_and_the_borrower_with_nothing()
    {
        var world = NewWorld();
        world.Deposit(L, 1_000);
        world.Complete(Do("DO-1", L, B, 1_000));
        world.Complete(Do("DO-2", B, L, 400, "SLR"));
        Assert.Null(world.Announce(Dividend("Q4", 0.25m, Monday, Tuesday)));

        world.CloseDay(); // the close of D fixes the entitlements; the open of D+1 pays them

        Assert.Equal(Tuesday, world.BusinessDate);
        Assert.Equal(Money.FromDollars(250.00m).Cents, world.BalancesCents[P(L)]);
        Assert.Equal(0, world.BalancesCents[P(B)]);
        var lender = IncomeView.Of(world.Memo(L).State, Tuesday);
        Assert.Equal(
            [("holder-of-record", null, 400L, 100.00m), ("stock-loan-income", B, 600L, 150.00m)],
            lender.Entries.Select(e => (e.Kind, e.Counterparty, e.Shares, e.Amount)));
        var borrower = IncomeView.Of(world.Memo(B).State, Tuesday);
        Assert.Equal(
            [("holder-of-record", null, 600L, 150.00m), ("stock-loan-income", L, 600L, -150.00m)],
            borrower.Entries.Select(e => (e.Kind, e.Counterparty, e.Shares, e.Amount)));
        var summary = PayableDateSummary.Of(world.Run(Tuesday).State);
        Assert.Equal(0, summary.StockLoanIncomeNetCents);
        Assert.Equal(25_000, summary.HolderOfRecordCents);
    }

    [Fact]
    public void Scenario_5_a_loan_that_pended_and_dropped_changes_no_line_and_earns_nothing()
    {
        // Settlement sends only completions; a deliver order that pended all day and dropped at the cutoff never arrives.
        var world = NewWorld();
        world.Deposit(L, 1_000);
        Assert.Null(world.Announce(Dividend("Q4", 0.25m, Monday, Tuesday)));
        world.CloseDay();
        Assert.Empty(world.Memo(L).State.Lines);
        Assert.Empty(world.Memo(B).State.Lines);
        Assert.Equal(25_000, world.BalancesCents[P(L)]); // only its holder-of-record credit
        Assert.False(world.BalancesCents.ContainsKey(P(B)));
        Assert.DoesNotContain(world.SettledEntries, e => e.Entry.Kind == "stock-loan-income");
    }

    [Fact]
    public void Scenario_6_a_halt_needs_two_business_days_notice_and_the_lender_is_told()
    {
        var world = NewWorld();
        var refused = world.FileHalt(B, L, Tuesday);
        Assert.Equal(("halt-notice", "effectiveDate"), (refused!.Rule, refused.Field));
        Assert.Empty(world.Halts.Journal);

        Assert.Null(world.FileHalt(B, L, Wednesday));
        world.Quiesce();
        var notice = Assert.Single(NotificationsView.Of(world.Memo(L).State).Notifications);
        Assert.Equal(("halt-filed", B, "2026-11-25"), (notice.Kind, notice.Counterparty, notice.Date));
        Assert.Empty(NotificationsView.Of(world.Memo(B).State).Notifications);
    }

    [Fact]
    public void Scenario_6_from_the_effective_date_on_no_transfer_goes_from_the_borrower_to_the_lender()
    {
        var world = NewWorld();
        world.Complete(Do("DO-1", L, B, 1_000));
        Assert.Null(world.FileHalt(B, L, Wednesday));
        Assert.Null(world.Announce(Dividend("A", 0.10m, Monday, Tuesday)));   // paid Tuesday: before the halt
        Assert.Null(world.Announce(Dividend("B", 0.20m, Tuesday, Wednesday))); // paid Wednesday: halted
        world.CloseDay();
        world.CloseDay();

        Assert.Equal(10_000, world.BalancesCents[P(L)]);
        // The borrower holds the 1,000 shares: it keeps both holder-of-record credits ($100 + $200) and passes on only A's.
        Assert.Equal(10_000 - 10_000 + 20_000, world.BalancesCents[P(B)]);
        Assert.Equal([("A", -10_000L)], world.SettledEntries.Where(e => e.Participant == P(B) && e.Entry.Kind == "stock-loan-income")
            .Select(e => (e.Entry.DistributionId, e.Entry.AmountCents)));
        var skipped = world.Memo(L).State.Postings.Values.SelectMany(p => p.Posting.Skipped).Single();
        Assert.Equal(("halted", "B", 20_000L), (skipped.Reason, skipped.DistributionId, skipped.AmountCents));
        Assert.Equal(1_000, world.Line(L, B)); // memo lines keep changing as usual; the halt stops only money
    }

    [Fact]
    public void Scenario_7_an_adjustment_changes_nothing_until_the_counterparty_affirms()
    {
        var world = NewWorld();
        Assert.Null(world.EnterAdjustment("ADJ-1", L, B, 100));
        world.Quiesce();
        Assert.Equal(0, world.Line(L, B));
        Assert.Equal("adjustment-awaiting", Assert.Single(NotificationsView.Of(world.Memo(B).State).Notifications).Kind);

        Assert.Null(world.Affirm("ADJ-1", B));
        world.Quiesce();
        Assert.Equal(100, world.Line(L, B));
        Assert.Equal(-100, world.Line(B, L));
        Assert.Empty(NotificationsView.Of(world.Memo(B).State).Notifications);
        Assert.Equal("affirmed", AdjustmentView.Of(world.Adjustment("ADJ-1").State, world.BusinessDate)!.Status);
    }

    [Fact]
    public void Scenario_7_unanswered_for_20_business_days_it_expires()
    {
        var world = NewWorld();
        Assert.Null(world.EnterAdjustment("ADJ-1", L, B, 100));
        for (var day = 0; day < 20; day++) world.CloseDay();
        // Twenty business days after Monday (Thanksgiving skipped): still pending through its last day.
        Assert.Equal(new DateOnly(2026, 12, 22), world.BusinessDate);
        Assert.Equal("pending", AdjustmentView.Of(world.Adjustment("ADJ-1").State, world.BusinessDate)!.Status);

        world.CloseDay();

        Assert.Equal("expired", AdjustmentView.Of(world.Adjustment("ADJ-1").State, world.BusinessDate)!.Status);
        Assert.IsType<AdjustmentExpired>(world.Adjustment("ADJ-1").Journal.Last(e => e is not AdjustmentNoticeAcknowledged));
        Assert.Empty(NotificationsView.Of(world.Memo(B).State).Notifications);
        var late = world.Affirm("ADJ-1", B);
        Assert.Equal("adjustment-pending", late!.Rule);
        Assert.Equal(0, world.Line(L, B));
    }
}
