using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>Halt letters (income-tracking.md section 5): two or more business days' notice, the counterparty told.</summary>
public sealed class HaltTests
{
    private static readonly DateTimeOffset T = Morning;

    private static Decision<HaltRegisterEvent> File(HaltRegisterState state, string by, string against, DateOnly effective, DateOnly? today = null,
        IncomeSettings? settings = null, ParticipantDirectory? directory = null) =>
        HaltRegisterDecider.Decide(state, new FileHalt(P(by), P(against), effective, new BusinessDayStatus(today ?? Monday), directory ?? Everyone, Calendar, T), settings);

    [Theory]
    [InlineData("2026-11-23", "2026-11-24", false)] // one business day
    [InlineData("2026-11-23", "2026-11-25", true)]  // two
    [InlineData("2026-11-23", "2026-11-23", false)] // same day
    [InlineData("2026-11-23", "2026-11-22", false)] // in the past
    [InlineData("2026-11-24", "2026-11-26", false)] // Wednesday and Thanksgiving: one business day
    [InlineData("2026-11-24", "2026-11-27", true)]  // Wednesday and Friday
    [InlineData("2026-11-25", "2026-11-28", false)] // Friday, then a Saturday
    [InlineData("2026-11-25", "2026-11-30", true)]  // Friday and Monday
    [InlineData("2026-11-23", "2027-11-24", true)]
    public void A_halt_needs_two_or_more_business_days_notice(string filed, string effective, bool accepted)
    {
        var state = new HaltRegisterState();
        var d = File(state, B, L, Date(effective), Date(filed));
        if (accepted)
        {
            SameEvents([new HaltFiled(B, L, effective, filed, T)], d.Events);
            Assert.Equal(new NoteHaltFiled(P(B), Date(effective), Date(filed), T), Assert.Single(d.Messages).Command);
            Assert.Equal(IncomeAddress.MemoAccount(P(L)), d.Messages[0].To);
        }
        else
        {
            Assert.Equal(("halt-notice", "effectiveDate"), (Refused(d).Rule, d.Rejection!.Field));
            Assert.Empty(state.Halts);
        }
    }

    [Fact]
    public void The_notice_is_configuration()
    {
        var state = new HaltRegisterState();
        Assert.Null(File(state, B, L, Tuesday, settings: new IncomeSettings { HaltNoticeBusinessDays = 1 }).Rejection);
    }

    public static TheoryData<string, string, string, string> BadLetters => new()
    {
        { B, B, "counterparty-not-self", "counterparty" },
        { B, "0777", "participant-known", "counterparty" },
        { "0777", B, "participant-known", "participant" },
        { B, Occ, "halt-central-counterparty", "counterparty" },
        { Occ, B, "halt-central-counterparty", "participant" },
    };

    [Theory]
    [MemberData(nameof(BadLetters))]
    public void A_halt_naming_itself_an_unknown_participant_or_the_central_counterparty_is_refused(string by, string against, string rule, string field)
    {
        var state = new HaltRegisterState();
        var error = Refused(File(state, by, against, Wednesday));
        Assert.Equal((rule, field), (error.Rule, error.Field));
        Assert.Empty(state.Halts);
    }

    [Fact]
    public void A_halt_taking_effect_more_than_a_year_ahead_is_refused()
    {
        var error = Refused(File(new HaltRegisterState(), B, L, Monday.AddDays(IncomeLimits.HaltEffectiveAheadDaysMax + 1)));
        Assert.Equal("halt-effective-date-maximum", error.Rule);
    }

    [Fact]
    public void The_same_letter_again_changes_nothing_and_another_for_the_same_pair_is_refused()
    {
        var state = new HaltRegisterState();
        File(state, B, L, Wednesday);
        var again = File(state, B, L, Wednesday, Tuesday);
        Assert.Null(again.Rejection);
        Assert.Empty(again.Events);
        Assert.Equal(("halt-filed", 409), Refused(File(state, B, L, Friday)) is var e ? (e.Rule, e.Status) : default);
        Assert.Null(File(state, L, B, Wednesday).Rejection); // the other way round is another letter
    }

    [Fact]
    public void The_halts_in_effect_on_a_date_are_those_effective_on_or_before_it()
    {
        var state = new HaltRegisterState();
        File(state, B, L, Wednesday);
        File(state, C, L, Friday);
        Assert.Empty(state.InEffectOn(Tuesday));
        Assert.Equal([P(B)], state.InEffectOn(Wednesday).Select(h => h.Instructing));
        Assert.Equal([P(B), P(C)], state.InEffectOn(Friday).Select(h => h.Instructing));
        Assert.Equal([P(B), P(C)], state.FiledAgainst(P(L)).Select(h => h.Instructing));
        Assert.Equal([P(L)], state.FiledBy(P(B)).Select(h => h.Counterparty));
    }

    [Fact]
    public void The_counterparty_is_told_until_its_memo_account_acknowledges()
    {
        var state = new HaltRegisterState();
        File(state, B, L, Wednesday);
        Assert.Single(HaltRegisterDecider.Unsettled(state, T));
        var memo = Memo(L);
        var noted = Ok(memo, new NoteHaltFiled(P(B), Wednesday, Monday, T));
        Assert.IsType<HaltNoted>(Assert.Single(noted.Events));
        Assert.Empty(Ok(memo, new NoteHaltFiled(P(B), Wednesday, Monday, T)).Events);
        HaltRegisterDecider.Decide(state, (HaltRegisterCommand)Assert.Single(noted.Messages).Command);
        Assert.Empty(HaltRegisterDecider.Unsettled(state, T));
    }
}
