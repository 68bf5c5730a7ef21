using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>Adjustments subject to the counterparty's affirmation (income-tracking.md section 4).</summary>
public sealed class AdjustmentTests
{
    private static readonly DateTimeOffset T = Morning;

    private static EnterAdjustment Enter(string id = "ADJ-1", string by = L, string counterparty = B, long shares = 100, string cusip = X,
        ParticipantDirectory? directory = null, DateOnly? on = null) =>
        new(id, P(by), P(counterparty), Cu(cusip), shares, new BusinessDayStatus(on ?? Monday), directory ?? Everyone, Calendar, T);

    private static AdjustmentState Entered(string id = "ADJ-1", long shares = 100)
    {
        var state = new AdjustmentState(id);
        Assert.Null(AdjustmentDecider.Decide(state, Enter(id, shares: shares)).Rejection);
        return state;
    }

    [Fact]
    public void Entering_records_the_terms_and_the_last_day_and_tells_the_counterparty()
    {
        var state = new AdjustmentState("ADJ-1");
        var d = AdjustmentDecider.Decide(state, Enter());
        SameEvents([new AdjustmentEntered("ADJ-1", L, B, X, 100, "2026-11-23", "2026-12-22", T)], d.Events);
        var notice = Assert.IsType<NoteAdjustmentAwaiting>(Assert.Single(d.Messages).Command);
        Assert.Equal((P(L), -100L, new DateOnly(2026, 12, 22)), (notice.EnteredBy, notice.SharesChange, notice.ExpiresOn));
        Assert.Equal(IncomeAddress.MemoAccount(P(B)), d.Messages[0].To);
    }

    [Fact]
    public void The_expiry_is_configuration()
    {
        var state = new AdjustmentState("ADJ-1");
        AdjustmentDecider.Decide(state, Enter(), new IncomeSettings { AdjustmentExpiryBusinessDays = 3 });
        Assert.Equal(Friday, state.ExpiresOn); // Tuesday, Wednesday, then Friday: Thanksgiving is no business day
    }

    public static TheoryData<string, string, long, string, string, string> BadTerms => new()
    {
        // id, counterparty, shares, cusip -> rule, field
        { "ADJ 1", B, 100, X, "adjustment-id-format", "id" },
        { "", B, 100, X, "adjustment-id-format", "id" },
        { "ADJ-1", L, 100, X, "counterparty-not-self", "counterparty" },
        { "ADJ-1", "0777", 100, X, "participant-known", "counterparty" },
        { "ADJ-1", B, 0, X, "shares-not-zero", "shares" },
        { "ADJ-1", B, IncomeLimits.AdjustmentSharesMax + 1, X, "shares-maximum", "shares" },
        { "ADJ-1", B, -IncomeLimits.AdjustmentSharesMax - 1, X, "shares-maximum", "shares" },
        { "ADJ-1", B, 100, "037833101", "cusip-check-digit", "cusip" },
    };

    [Theory]
    [MemberData(nameof(BadTerms))]
    public void Bad_terms_are_refused_naming_field_and_rule_and_change_nothing(string id, string counterparty, long shares, string cusip, string rule, string field)
    {
        var state = new AdjustmentState(id);
        var error = Refused(AdjustmentDecider.Decide(state, Enter(id, counterparty: counterparty, shares: shares, cusip: cusip)));
        Assert.Equal((rule, field), (error.Rule, error.Field));
        Assert.False(state.Entered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(IncomeLimits.AdjustmentSharesMax)]
    [InlineData(-IncomeLimits.AdjustmentSharesMax)]
    public void Shares_up_to_the_limit_either_way_are_accepted(long shares) => Assert.True(Entered(shares: shares).Entered);

    [Fact]
    public void An_adjustment_with_a_counterparty_no_longer_active_is_refused()
    {
        var directory = new ParticipantDirectory(new Dictionary<ParticipantId, ParticipantFacts>
        {
            [P(L)] = new(false),
            [P(B)] = new(false, ParticipantStanding.Terminated),
        });
        var error = Refused(AdjustmentDecider.Decide(new AdjustmentState("A"), Enter("A", directory: directory)));
        Assert.Equal(("participant-active", "counterparty"), (error.Rule, error.Field));
    }

    [Fact]
    public void The_same_id_with_the_same_terms_again_changes_nothing_and_with_other_terms_is_refused()
    {
        var state = Entered();
        var again = AdjustmentDecider.Decide(state, Enter(on: Tuesday));
        Assert.Null(again.Rejection);
        Assert.Empty(again.Events);
        foreach (var other in new[] { Enter(shares: 101), Enter(counterparty: C), Enter(cusip: Y), Enter(by: B, counterparty: L) })
        {
            var error = Refused(AdjustmentDecider.Decide(state, other));
            Assert.Equal(("adjustment-id-unique", "id"), (error.Rule, error.Field));
        }
    }

    [Fact]
    public void The_counterparty_affirms_and_both_lines_are_told_to_change()
    {
        var state = Entered();
        var d = AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(B), Tuesday, T));
        SameEvents([new AdjustmentAffirmed("2026-11-24", T)], d.Events);
        var applies = d.Messages.Select(m => (ApplyAdjustment)m.Command).ToList();
        Assert.Equal([(P(L), P(B), 100L), (P(B), P(L), -100L)], applies.Select(a => (a.Participant, a.Counterparty, a.SharesChange)));
        Assert.Empty(AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(B), Tuesday, T)).Events); // a resend
    }

    [Fact]
    public void The_entering_party_cannot_affirm_its_own_adjustment()
    {
        var state = Entered();
        var error = Refused(AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(L), Monday, T)));
        Assert.Equal(("affirm-by-counterparty", 403), (error.Rule, error.Status));
        Assert.Equal(AdjustmentStatus.Pending, state.Status);
    }

    [Fact]
    public void A_participant_not_party_to_it_can_neither_affirm_nor_cancel()
    {
        var state = Entered();
        Assert.Equal("adjustment-party", Refused(AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(C), Monday, T))).Rule);
        Assert.Equal("adjustment-party", Refused(AdjustmentDecider.Decide(state, new CancelAdjustment("ADJ-1", P(C), Monday, T))).Rule);
        Assert.Equal("adjustment-known", Refused(AdjustmentDecider.Decide(new AdjustmentState("NONE"), new AffirmAdjustment("NONE", P(B), Monday, T))).Rule);
    }

    [Theory]
    [InlineData(L)]
    [InlineData(B)]
    public void Either_party_cancels_while_pending_and_then_it_can_no_longer_be_affirmed(string by)
    {
        var state = Entered();
        var d = AdjustmentDecider.Decide(state, new CancelAdjustment("ADJ-1", P(by), Monday, T));
        Assert.IsType<AdjustmentCancelled>(Assert.Single(d.Events));
        Assert.Equal(new ClearAdjustmentAwaiting("ADJ-1", AdjustmentStatus.Cancelled, T), Assert.Single(d.Messages).Command);
        Assert.Equal("adjustment-pending", Refused(AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(B), Monday, T))).Rule);
    }

    [Fact]
    public void An_affirmed_adjustment_cannot_be_cancelled()
    {
        var state = Entered();
        AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(B), Monday, T));
        var error = Refused(AdjustmentDecider.Decide(state, new CancelAdjustment("ADJ-1", P(L), Monday, T)));
        Assert.Equal(("adjustment-pending", 409), (error.Rule, error.Status));
    }

    [Fact]
    public void It_may_be_affirmed_through_its_last_day_and_not_after()
    {
        var lastDay = new DateOnly(2026, 12, 22);
        Assert.Null(AdjustmentDecider.Decide(Entered(), new AffirmAdjustment("ADJ-1", P(B), lastDay, T)).Rejection);
        var late = Entered();
        var error = Refused(AdjustmentDecider.Decide(late, new AffirmAdjustment("ADJ-1", P(B), lastDay.AddDays(1), T)));
        Assert.Contains("expired at the close of 2026-12-22", error.Message, StringComparison.Ordinal);
        Assert.Equal("expired", AdjustmentView.Of(late, lastDay.AddDays(1))!.Status);
        Assert.Equal("pending", AdjustmentView.Of(late, lastDay)!.Status);
    }

    [Fact]
    public void Expiry_is_recorded_only_after_the_last_day_and_once()
    {
        var state = Entered();
        Assert.Empty(AdjustmentDecider.Decide(state, new ExpireAdjustment("ADJ-1", new DateOnly(2026, 12, 22), T)).Events);
        var d = AdjustmentDecider.Decide(state, new ExpireAdjustment("ADJ-1", new DateOnly(2026, 12, 23), T));
        Assert.IsType<AdjustmentExpired>(Assert.Single(d.Events));
        Assert.Empty(AdjustmentDecider.Decide(state, new ExpireAdjustment("ADJ-1", new DateOnly(2026, 12, 24), T)).Events);
    }

    [Fact]
    public void Notices_are_sent_again_until_acknowledged()
    {
        var state = Entered();
        Assert.IsType<NoteAdjustmentAwaiting>(Assert.Single(AdjustmentDecider.Unsettled(state, T)).Command);
        AdjustmentDecider.Decide(state, new AcknowledgeAdjustmentNotice("ADJ-1", P(B), AdjustmentNotice.Awaiting, T));
        Assert.Empty(AdjustmentDecider.Unsettled(state, T));
        AdjustmentDecider.Decide(state, new AffirmAdjustment("ADJ-1", P(B), Monday, T));
        Assert.Equal(2, AdjustmentDecider.Unsettled(state, T).Count);
        AdjustmentDecider.Decide(state, new AcknowledgeAdjustmentNotice("ADJ-1", P(L), AdjustmentNotice.Applied, T));
        Assert.Equal(IncomeAddress.MemoAccount(P(B)), Assert.Single(AdjustmentDecider.Unsettled(state, T)).To);
    }

    // ------------------------------------------------------------------ at the memo accounts

    [Fact]
    public void An_affirmed_adjustment_changes_each_line_once_however_often_it_arrives()
    {
        var memo = Memo(L);
        var apply = new ApplyAdjustment("ADJ-1", P(L), P(L), P(B), Cu(X), 100, Tuesday, T);
        var d = Ok(memo, apply);
        SameEvents([new MemoAdjustmentApplied("ADJ-1", L, B, X, 100, "2026-11-24", T)], d.Events);
        Assert.Equal(new AcknowledgeAdjustmentNotice("ADJ-1", P(L), AdjustmentNotice.Applied, T), Assert.Single(d.Messages).Command);
        var again = Ok(memo, apply);
        Assert.Empty(again.Events);
        Assert.Single(again.Messages); // acknowledged again
        Assert.Equal(100, memo.LineShares(P(B), Cu(X)));
    }

    [Fact]
    public void A_stale_awaiting_notice_after_the_outcome_is_ignored()
    {
        var memo = Memo(B);
        Ok(memo, new ClearAdjustmentAwaiting("ADJ-1", AdjustmentStatus.Cancelled, T));
        Ok(memo, new NoteAdjustmentAwaiting("ADJ-1", P(L), Cu(X), -100, Monday, new DateOnly(2026, 12, 22), T));
        Assert.Empty(memo.AwaitingAdjustments);
        Assert.Empty(NotificationsView.Of(memo).Notifications);
    }

    [Fact]
    public void An_adjustment_does_not_rewrite_an_entitlement_already_fixed()
    {
        var world = new IncomeWorld(Monday).With(L, B);
        world.Complete(Do("DO-1", L, B, 1_000));
        Assert.Null(world.Announce(Dividend("Q", 0.10m, Monday, Wednesday)));
        Assert.Null(world.EnterAdjustment("ADJ-1", L, B, 500));
        world.CloseDay(); // record date fixed at 1,000
        Assert.Null(world.Affirm("ADJ-1", B));
        world.CloseDay();
        Assert.Equal(1_500, world.Line(L, B));
        Assert.Equal(10_000, world.BalancesCents[P(L)]);
    }

    // ------------------------------------------------------------------ the initial load

    [Fact]
    public void The_initial_load_checks_each_line_on_its_own_and_an_id_twice_with_other_terms()
    {
        var lines = new AdjustmentRequest[]
        {
            new("LOAD-1", B, X, 1_000),
            new("LOAD-2", C, Y, -250),
            new("LOAD-3", "0777", X, 5),
            new("LOAD-1", B, X, 1_000),   // the same line twice: harmless
            new("LOAD-2", C, Y, 250),     // the same id with other terms
            new(null, B, X, 5),
            new("LOAD-4", B, "BADCUSIP1", 5),
            new("LOAD-5", B, X, null),
        };
        var (results, error) = IncomeRequests.AdjustmentBatch(P(L), lines, new BusinessDayStatus(Monday), Everyone, Calendar, T);
        Assert.Null(error);
        Assert.Equal(
            [null, null, "participant-known", null, "adjustment-id-unique", "required", "cusip-check-digit", "required"],
            results.Select(r => r.Error?.Rule));
        Assert.Equal(["id", "cusip", "shares"], results.Skip(5).Select(r => r.Error!.Field));
        Assert.All(results.Where(r => r.Error is null), r => Assert.Equal(P(L), r.Command!.EnteredBy));
    }

    [Fact]
    public void A_batch_larger_than_the_limit_is_refused_whole()
    {
        var lines = Enumerable.Range(0, IncomeLimits.AdjustmentBatchMax + 1).Select(i => new AdjustmentRequest($"L-{i}", B, X, 1)).ToList();
        var (results, error) = IncomeRequests.AdjustmentBatch(P(L), lines, new BusinessDayStatus(Monday), Everyone, Calendar, T);
        Assert.Empty(results);
        Assert.Equal("batch-maximum", error!.Rule);
    }

    [Fact]
    public void A_loaded_loan_counts_once_its_counterparty_affirms()
    {
        var world = new IncomeWorld(Monday).With(L, B, C);
        var (results, _) = IncomeRequests.AdjustmentBatch(P(L), [new("LOAD-1", B, X, 1_000), new("LOAD-2", C, X, -300)],
            new BusinessDayStatus(Monday), world.Directory, Calendar, T);
        foreach (var r in results) Assert.Null(world.Handle(IncomeAddress.Adjustment(r.Command!.AdjustmentId), r.Command));
        world.Quiesce();
        Assert.Empty(world.Memo(L).State.Lines);
        Assert.Null(world.Affirm("LOAD-1", B));
        Assert.Null(world.Affirm("LOAD-2", C));
        world.Quiesce();
        Assert.Equal([$"{B} {X} 1000", $"{C} {X} -300"], LinesOf(world.Memo(L).State));
        Assert.Equal(300, world.Line(C, L));
    }
}
