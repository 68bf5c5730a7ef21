using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>
/// Entitlements fixed at the close of the record date, paid at the open of the payable date
/// (income-tracking.md section 3): at the memo accounts that report, and at the run that pays.
/// </summary>
public sealed class PayableDateTests
{
    private static readonly Distribution Q4 = Dividend("Q4", 0.25m, Monday, Tuesday);
    private static readonly DateTimeOffset T = Morning;

    private static ReportRecordDate Report(string participant, MemoLineData[] lines, PositionData[]? positions = null, DateOnly? recordDate = null) =>
        new(Tuesday, P(participant), recordDate ?? Monday, lines, positions ?? [], T);

    private static PostPayableDate Post(IReadOnlyList<Halt>? halts = null, IReadOnlyCollection<ParticipantId>? terminated = null, params Distribution[] distributions) =>
        new(Tuesday, Tuesday, distributions.Length == 0 ? [Q4] : distributions, halts ?? [], terminated ?? [], T);

    private static PayableDateRunState RunWith(params ReportRecordDate[] reports)
    {
        var run = new PayableDateRunState(Tuesday);
        foreach (var r in reports) Assert.Null(PayableDateRunDecider.Decide(run, r).Rejection);
        return run;
    }

    private static IncomePostingDecided PostingOf(Decision<PayableDateEvent> d, string participant) =>
        d.Events.OfType<IncomePostingDecided>().Single(p => p.Participant == participant);

    [Fact]
    public void The_run_credits_holders_of_record_and_moves_each_lenders_entitlement_from_its_borrower()
    {
        var run = RunWith(
            Report(L, [new(B, X, 600)], [new(X, 400)]),
            Report(B, [new(L, X, -600)], [new(X, 600)]));

        var d = PayableDateRunDecider.Decide(run, Post());

        var lender = PostingOf(d, L);
        Assert.Equal("income:2026-11-24:0001:1", lender.PostingId);
        Assert.Equal(
            [("hor:037833100:Q4:0001", "holder-of-record", (string?)null, 400L, 10_000L), ("sli:037833100:Q4:0001:0002", "stock-loan-income", B, 600L, 15_000L)],
            lender.Entries.Select(e => (e.EntryId, e.Kind, e.Counterparty, e.Shares, e.AmountCents)));
        Assert.Equal(["2026-11-23"], lender.ResolvedRecordDates);
        var borrower = PostingOf(d, B);
        Assert.Equal(
            [("hor:037833100:Q4:0002", (string?)null, 15_000L), ("sli:037833100:Q4:0001:0002", L, -15_000L)],
            borrower.Entries.Select(e => (e.EntryId, e.Counterparty, e.AmountCents)));
        Assert.Equal(0, PayableDateSummary.Of(run).StockLoanIncomeNetCents);
        Assert.Equal(2, d.Messages.Count(m => m.Command is RecordIncomePosting));
    }

    [Fact]
    public void Each_memo_line_rounds_on_its_own()
    {
        // 1 share at $0.005 is half a cent: each of three lines rounds up to a cent; summed first they would make 1.5 cents.
        var run = RunWith(Report(L, [new(B, X, 1), new(C, X, 1), new(D, X, 1)]));
        var d = PayableDateRunDecider.Decide(run, Post(distributions: Dividend("Q4", 0.005m, Monday, Tuesday)));
        Assert.Equal([1L, 1L, 1L], PostingOf(d, L).Entries.Select(e => e.AmountCents));
        Assert.Equal([-1L], PostingOf(d, B).Entries.Select(e => e.AmountCents));
    }

    [Fact]
    public void The_lenders_line_fixes_the_entitlement_and_a_borrower_that_disagrees_is_listed_as_a_mismatch()
    {
        var run = RunWith(Report(L, [new(B, X, 600)]), Report(B, [new(L, X, -500)]), Report(C, [new(D, X, -10)]));
        var d = PayableDateRunDecider.Decide(run, Post());
        Assert.Equal(-15_000, PostingOf(d, B).Entries.Single().AmountCents);
        Assert.Equal(
            [new RecordDateMismatch("2026-11-23", L, B, X, 600, -500), new RecordDateMismatch("2026-11-23", D, C, X, null, -10)],
            PayableDateSummary.MismatchesOf(run));
    }

    [Fact]
    public void OCC_passes_each_market_loans_income_on_rounded_per_line_so_it_keeps_at_most_half_a_cent_a_line()
    {
        // L lent 800 through OCC, which lent 500 to B and 300 to C. At $0.00125 a share: L is owed $1.00,
        // OCC is owed $0.625 -> $0.63 and $0.375 -> $0.38: per-line rounding leaves OCC a cent. Money is conserved all the same.
        var run = RunWith(Report(L, [new(Occ, X, 800)]), Report(Occ, [new(L, X, -800), new(B, X, 500), new(C, X, 300)]));
        var d = PayableDateRunDecider.Decide(run, Post(distributions: Dividend("Q4", 0.00125m, Monday, Tuesday)));
        Assert.Equal([-100L, 63L, 38L], PostingOf(d, Occ).Entries.Select(e => e.AmountCents));
        Assert.Equal(1, PostingOf(d, Occ).Entries.Sum(e => e.AmountCents));
        Assert.Equal(0, PayableDateSummary.Of(run).StockLoanIncomeNetCents);
    }

    [Fact]
    public void Lines_of_other_cusips_and_the_borrowers_own_lines_move_no_money()
    {
        var run = RunWith(Report(L, [new(B, Y, 600), new(C, X, -100)], [new(Y, 5)]));
        var d = PayableDateRunDecider.Decide(run, Post());
        var lender = PostingOf(d, L);
        Assert.Empty(lender.Entries);
        Assert.Equal(["2026-11-23"], lender.ResolvedRecordDates); // its report is settled all the same
        Assert.DoesNotContain(d.Events.OfType<IncomePostingDecided>(), p => p.Participant == C);
    }

    [Fact]
    public void Two_distributions_on_one_cusip_give_each_line_two_entitlements()
    {
        var special = Dividend("SPECIAL", 1.50m, Monday, Tuesday);
        var run = RunWith(Report(L, [new(B, X, 100)]));
        var d = PayableDateRunDecider.Decide(run, Post(null, null, Q4, special));
        Assert.Equal([("Q4", 2_500L), ("SPECIAL", 15_000L)], PostingOf(d, L).Entries.Select(e => (e.DistributionId, e.AmountCents)));
    }

    [Theory]
    [InlineData("2026-11-24", true)]  // effective on the posting date: halted
    [InlineData("2026-11-23", true)]
    [InlineData("2026-11-25", false)] // effective the day after: paid
    public void A_halt_in_effect_on_the_posting_date_stops_the_transfer_and_only_it(string effective, bool halted)
    {
        var run = RunWith(Report(L, [new(B, X, 600), new(C, X, 100)], [new(X, 400)]));
        var halt = new Halt(P(B), P(L), Date(effective), Monday, true);

        var d = PayableDateRunDecider.Decide(run, Post([halt]));

        var lender = PostingOf(d, L);
        Assert.Contains(lender.Entries, e => e.Kind == "holder-of-record");
        Assert.Contains(lender.Entries, e => e.Counterparty == C);
        Assert.Equal(!halted, lender.Entries.Any(e => e.Counterparty == B));
        Assert.Equal(halted, lender.Skipped.Any(s => s.Reason == "halted" && s.Borrower == B));
        Assert.Equal(halted, PostingOf(d, B).Skipped.Any());
    }

    [Fact]
    public void A_halt_by_the_lender_does_not_stop_what_its_borrower_owes_it()
    {
        var run = RunWith(Report(L, [new(B, X, 600)]));
        var d = PayableDateRunDecider.Decide(run, Post([new Halt(P(L), P(B), Monday, Monday, true)]));
        Assert.Single(PostingOf(d, L).Entries);
    }

    [Fact]
    public void Nothing_is_allocated_to_or_from_a_participant_the_ledger_no_longer_acts_for()
    {
        var run = RunWith(Report(L, [new(B, X, 600), new(C, X, 100)], [new(X, 400)]), Report(B, [], [new(X, 600)]));
        var d = PayableDateRunDecider.Decide(run, Post(terminated: [P(B)]));
        var lender = PostingOf(d, L);
        Assert.Equal(["holder-of-record", "stock-loan-income"], lender.Entries.Select(e => e.Kind));
        Assert.Equal(C, lender.Entries[1].Counterparty);
        Assert.Equal("terminated", lender.Skipped.Single().Reason);
        Assert.Empty(PostingOf(d, B).Entries);
    }

    [Fact]
    public void Posting_again_changes_nothing()
    {
        var run = RunWith(Report(L, [new(B, X, 600)]));
        Assert.NotEmpty(PayableDateRunDecider.Decide(run, Post()).Events);
        var again = PayableDateRunDecider.Decide(run, Post());
        Assert.Empty(again.Events);
        Assert.Empty(again.Messages);
    }

    [Fact]
    public void A_report_arriving_after_the_posting_is_paid_at_once_in_postings_of_its_own_with_the_same_halts()
    {
        var run = RunWith(Report(L, [new(B, X, 600)]));
        PayableDateRunDecider.Decide(run, Post([new Halt(P(D), P(C), Monday, Monday, true)]));

        var late = PayableDateRunDecider.Decide(run, Report(C, [new(B, X, 10), new(D, X, 20)]));

        Assert.Equal(["income:2026-11-24:0002:2", "income:2026-11-24:0003:1", "income:2026-11-24:0004:1"],
            late.Events.OfType<IncomePostingDecided>().Select(p => p.PostingId).Order(StringComparer.Ordinal));
        Assert.Equal(250, PostingOf(late, C).Entries.Single().AmountCents);
        Assert.Equal("halted", PostingOf(late, C).Skipped.Single().Reason);
        Assert.Equal(0, PayableDateSummary.Of(run).StockLoanIncomeNetCents);
    }

    [Fact]
    public void A_report_sent_again_is_acknowledged_again_and_one_with_other_lines_is_refused()
    {
        var run = RunWith(Report(L, [new(B, X, 600)]));
        var again = PayableDateRunDecider.Decide(run, Report(L, [new(B, X, 600)]));
        Assert.Empty(again.Events);
        Assert.IsType<AcknowledgeRecordDateReport>(Assert.Single(again.Messages).Command);
        Assert.Equal("record-date-report-unique", Refused(PayableDateRunDecider.Decide(run, Report(L, [new(B, X, 601)]))).Rule);
    }

    [Fact]
    public void Postings_are_sent_again_until_each_memo_account_acknowledges()
    {
        var run = RunWith(Report(L, [new(B, X, 600)]));
        PayableDateRunDecider.Decide(run, Post());
        Assert.Equal(2, PayableDateRunDecider.Unsettled(run, T).Count);
        PayableDateRunDecider.Decide(run, new AcknowledgeIncomePosting(Tuesday, "income:2026-11-24:0001:1", T));
        Assert.Equal(IncomeAddress.MemoAccount(P(B)), Assert.Single(PayableDateRunDecider.Unsettled(run, T)).To);
    }

    // ------------------------------------------------------------------ at the memo account

    [Fact]
    public void The_close_of_the_record_date_reports_the_lines_and_positions_in_the_distributed_cusips_only()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 600), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-2", C, L, 50), T));
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-3", L, B, 70, cusip: Y), T));

        var d = Ok(memo, new CloseMemoDay(Monday, Tuesday, [Q4], new Dictionary<Cusip, long> { [Cu(X)] = 400, [Cu(Y)] = 9 }, T));

        var report = Assert.Single(d.Events.OfType<RecordDateFixed>());
        Assert.Equal([new MemoLineData(B, X, 600), new MemoLineData(C, X, -50)], report.Lines);
        Assert.Equal([new PositionData(X, 400)], report.Positions);
        var message = Assert.Single(d.Messages);
        Assert.Equal(IncomeAddress.PayableDateRun(Tuesday), message.To);
        Assert.Equal("entitlements-open", MemoAccountDecider.Decide(memo, new MergeInto(P(C), new MergerFacts(0, Money.Zero), Everyone, Tuesday, T)).Rejection!.Rule);
    }

    [Fact]
    public void A_participant_with_nothing_in_the_distributed_cusips_reports_nothing()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-3", L, B, 70, cusip: Y), T));
        var d = Ok(memo, new CloseMemoDay(Monday, Tuesday, [Q4], new Dictionary<Cusip, long> { [Cu(X)] = 0 }, T));
        Assert.Equal([typeof(MemoDayClosed)], d.Events.Select(e => e.GetType()));
        Assert.Empty(d.Messages);
    }

    [Fact]
    public void A_record_date_on_a_holiday_is_fixed_by_the_close_before_it()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 600), T));
        var onThanksgiving = Dividend("H", 0.10m, Thanksgiving, Friday);
        var d = Ok(memo, new CloseMemoDay(Wednesday, Friday, [onThanksgiving], new Dictionary<Cusip, long>(), T));
        var report = Assert.Single(d.Events.OfType<RecordDateFixed>());
        Assert.Equal(("2026-11-26", "2026-11-27"), (report.RecordDate, report.PostingDate));
    }

    [Fact]
    public void A_posting_is_recorded_once_goes_to_settlement_and_settles_the_report()
    {
        var memo = Memo(L);
        Ok(memo, new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 600), T));
        Ok(memo, new CloseMemoDay(Monday, Tuesday, [Q4], new Dictionary<Cusip, long>(), T));
        Ok(memo, new AcknowledgeRecordDateReport(Monday, Tuesday, T));
        Assert.Empty(MemoAccountDecider.Unsettled(memo, T).Messages);
        var entry = new IncomeEntryData("sli:037833100:Q4:0001:0002", "stock-loan-income", X, "Q4", "cash-dividend", B, 600, 0.25m, 15_000, "2026-11-23", "2026-11-24");
        var posting = new RecordIncomePosting("income:2026-11-24:0001:1", Tuesday, Tuesday, [entry], [], [Monday], T);

        var d = Ok(memo, posting);

        Assert.Single(d.Events.OfType<IncomePostingRecorded>());
        var toSettlement = Assert.Single(d.SettlementPostings);
        Assert.Equal(("income:2026-11-24:0001:1", 15_000L), (toSettlement.PostingId, toSettlement.Net.Cents));
        Assert.Empty(memo.OpenReports);
        Assert.Empty(Ok(memo, posting).Events); // a resend
        Assert.Single(MemoAccountDecider.Unsettled(memo, T).Postings);
        Ok(memo, new AcknowledgeSettlementPosting("income:2026-11-24:0001:1", T));
        Assert.Empty(MemoAccountDecider.Unsettled(memo, T).Postings);
        Assert.Equal(150.00m, IncomeView.Of(memo, Tuesday).Total);
    }

    // ------------------------------------------------------------------ end to end

    [Fact]
    public void A_payable_date_on_a_holiday_pays_at_the_next_open_and_the_entries_keep_their_payable_date()
    {
        var world = new IncomeWorld(Wednesday).With(L, B);
        world.Complete(Do("DO-1", L, B, 1_000, on: Wednesday));
        Assert.Null(world.Announce(Dividend("H", 0.10m, Wednesday, Thanksgiving)));
        world.CloseDay();
        Assert.Equal(Friday, world.BusinessDate);
        var entry = IncomeView.Of(world.Memo(L).State, Thanksgiving).Entries.Single(e => e.Kind == "stock-loan-income");
        Assert.Equal(("2026-11-26", "2026-11-27", 100.00m), (entry.PayableDate, entry.PostedOn, entry.Amount));
        Assert.Empty(IncomeView.Of(world.Memo(L).State, Friday).Entries);
    }

    [Fact]
    public void A_payable_date_equal_to_the_record_date_pays_at_the_next_open()
    {
        var world = new IncomeWorld(Monday).With(L, B);
        world.Complete(Do("DO-1", L, B, 1_000));
        Assert.Null(world.Announce(Dividend("SAME", 0.10m, Monday, Monday)));
        world.CloseDay();
        Assert.Equal(10_000, world.BalancesCents[P(L)]);
        Assert.Equal("2026-11-24", IncomeView.Of(world.Memo(L).State, Monday).Entries.Single(e => e.Kind == "stock-loan-income").PostedOn);
    }

    [Fact]
    public void Changes_after_the_record_date_close_do_not_change_the_entitlement()
    {
        var world = new IncomeWorld(Monday).With(L, B);
        world.Complete(Do("DO-1", L, B, 1_000));
        Assert.Null(world.Announce(Dividend("Q", 0.10m, Monday, Wednesday)));
        world.CloseDay(); // Monday's close fixes 1,000
        world.Complete(Do("DO-2", B, L, 1_000, "SLR", on: Tuesday));
        world.CloseDay(); // Wednesday's open pays it though the loan is back
        Assert.Equal(10_000, world.BalancesCents[P(L)]);
        Assert.Equal(0, world.Line(L, B));
    }
}
