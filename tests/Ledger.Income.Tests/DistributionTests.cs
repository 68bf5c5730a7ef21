using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>The operator announces distributions (income-tracking.md sections 3 and 9): terms checked, one per CUSIP and id.</summary>
public sealed class DistributionTests
{
    private static (DistributionScheduleState State, Decision<DistributionScheduleEvent> Decision) Announce(
        decimal rate, DateOnly record, DateOnly payable, DateOnly? today = null, bool closing = false, string id = "Q4", string cusip = X,
        DistributionScheduleState? state = null, DistributionType type = DistributionType.CashDividend)
    {
        state ??= new DistributionScheduleState();
        var d = DistributionScheduleDecider.Decide(state, new AnnounceDistribution(Cu(cusip), id, type, rate, record, payable,
            new BusinessDayStatus(today ?? Monday, closing), Calendar, Morning));
        return (state, d);
    }

    public static TheoryData<decimal, string, string, string, bool, string?, string?> Terms => new()
    {
        // rate, today, record, payable, closing -> rule, field (null: accepted)
        { 0.25m, "2026-11-23", "2026-11-23", "2026-11-24", false, null, null },
        { 0.000001m, "2026-11-23", "2026-11-23", "2026-11-24", false, null, null },
        { 1.250000m, "2026-11-23", "2026-11-23", "2026-11-24", false, null, null },     // trailing zeros are not decimals
        { 0m, "2026-11-23", "2026-11-23", "2026-11-24", false, "rate-positive", "ratePerShare" },
        { -0.01m, "2026-11-23", "2026-11-23", "2026-11-24", false, "rate-positive", "ratePerShare" },
        { 0.0000001m, "2026-11-23", "2026-11-23", "2026-11-24", false, "rate-six-decimals", "ratePerShare" },
        { 0.1234567m, "2026-11-23", "2026-11-23", "2026-11-24", false, "rate-six-decimals", "ratePerShare" },
        { 10_000m, "2026-11-23", "2026-11-23", "2026-11-24", false, null, null },
        { 10_000.000001m, "2026-11-23", "2026-11-23", "2026-11-24", false, "rate-maximum", "ratePerShare" },
        { 0.25m, "2026-11-24", "2026-11-23", "2026-11-24", false, "record-date-not-past", "recordDate" },
        { 0.25m, "2026-11-23", "2026-11-23", "2026-11-23", false, null, null },          // payable on the record date: paid at the next open
        { 0.25m, "2026-11-23", "2026-11-24", "2026-11-23", false, "payable-date-not-before-record-date", "payableDate" },
        { 0.25m, "2026-11-23", "2026-11-23", "2026-11-24", true, "business-day-open", "recordDate" },
        { 0.25m, "2026-11-23", "2026-11-24", "2026-11-25", true, null, null },            // closing today: tomorrow's record date is fine
        { 0.25m, "2026-11-23", "2028-11-23", "2028-11-24", false, null, null },
        { 0.25m, "2026-11-23", "2028-11-24", "2028-11-25", false, "record-date-maximum", "recordDate" },
        { 0.25m, "2026-11-23", "2026-11-23", "2027-11-24", false, null, null },
        { 0.25m, "2026-11-23", "2026-11-23", "2027-11-25", false, "payable-date-maximum", "payableDate" },
    };

    [Theory]
    [MemberData(nameof(Terms))]
    public void Announcement_terms_are_checked_and_a_refusal_names_field_and_rule(
        decimal rate, string today, string record, string payable, bool closing, string? rule, string? field)
    {
        var (state, d) = Announce(rate, Date(record), Date(payable), Date(today), closing);
        if (rule is null)
        {
            Assert.Null(d.Rejection);
            Assert.Single(d.Events);
            Assert.Single(state.All);
        }
        else
        {
            Assert.Equal((rule, field), (d.Rejection?.Rule, d.Rejection?.Field));
            Assert.Empty(d.Events);
            Assert.Empty(state.All);
        }
    }

    [Theory]
    [InlineData("037833101")] // wrong check digit
    [InlineData("03783310")]
    [InlineData("037833100 ")]
    public void A_cusip_without_a_valid_check_digit_is_refused(string cusip)
    {
        var (state, d) = Announce(0.25m, Monday, Tuesday, cusip: cusip);
        Assert.Equal(("cusip-check-digit", "cusip"), (d.Rejection!.Rule, d.Rejection.Field));
        Assert.Empty(state.All);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public void A_bad_distribution_id_is_refused(string id)
    {
        var (_, d) = Announce(0.25m, Monday, Tuesday, id: id);
        Assert.Equal(("distribution-id-format", "id"), (d.Rejection!.Rule, d.Rejection.Field));
    }

    [Fact]
    public void The_same_id_with_the_same_terms_again_changes_nothing_and_with_other_terms_is_refused()
    {
        var (state, _) = Announce(0.25m, Monday, Tuesday);
        var (_, again) = Announce(0.250m, Monday, Tuesday, state: state);
        Assert.Null(again.Rejection);
        Assert.Empty(again.Events);

        var (_, other) = Announce(0.26m, Monday, Tuesday, state: state);
        Assert.Equal(("distribution-id-unique", "id"), (other.Rejection!.Rule, other.Rejection.Field));
        var (_, otherType) = Announce(0.25m, Monday, Tuesday, state: state, type: DistributionType.Interest);
        Assert.Equal("distribution-id-unique", otherType.Rejection!.Rule);
        var (_, sameIdOtherCusip) = Announce(0.26m, Monday, Tuesday, state: state, cusip: Y);
        Assert.Null(sameIdOtherCusip.Rejection); // ids are per security
        Assert.Equal(2, state.All.Count);
    }

    [Theory]
    [InlineData("2026-11-23", "2026-11-24", "2026-11-24")] // record Monday, payable Tuesday
    [InlineData("2026-11-23", "2026-11-23", "2026-11-24")] // payable on the record date: the next open
    [InlineData("2026-11-25", "2026-11-26", "2026-11-27")] // payable on Thanksgiving: the next business day
    [InlineData("2026-11-25", "2026-11-25", "2026-11-27")] // record Wednesday, payable Wednesday: Friday's open
    [InlineData("2026-11-27", "2026-11-28", "2026-11-30")] // payable on a Saturday: Monday
    [InlineData("2026-11-23", "2026-12-15", "2026-12-15")]
    public void The_money_moves_at_the_open_of_the_payable_date_or_the_first_business_day_the_record_close_allows(string record, string payable, string posting) =>
        Assert.Equal(Date(posting), Distribution.PostingDateOf(Date(record), Date(payable), Calendar));

    [Fact]
    public void The_schedule_answers_which_record_dates_a_close_fixes_and_which_runs_an_open_posts()
    {
        var state = new DistributionScheduleState();
        Announce(0.25m, Wednesday, Friday, id: "A", state: state);
        Announce(0.10m, Thanksgiving, NextMonday, id: "B", state: state, today: Monday);
        Announce(0.10m, Friday, Friday, id: "C", state: state);
        Announce(0.10m, Monday, Wednesday, id: "D", state: state, cusip: Y);

        Assert.Equal(["A", "B"], state.WithRecordDateClosing(Wednesday, Friday).Select(x => x.Id));
        Assert.Equal([Friday], state.PostingDatesOpening(Wednesday, Friday));
        Assert.Equal([NextMonday], state.PostingDatesOpening(Friday, NextMonday));
        Assert.Equal(["A"], state.PostingOn(Friday).Select(x => x.Id));
        Assert.Equal(["B", "C"], state.PostingOn(NextMonday).Select(x => x.Id));
        Assert.Equal(["A", "B", "C"], DistributionView.ForSecurity(state, Cu(X)).Select(v => v.Id));
        var view = DistributionView.ForSecurity(state, Cu(Y)).Single();
        Assert.Equal(("cash-dividend", 0.10m, "2026-11-23", "2026-11-25", "2026-11-25", "2026-11-23"),
            (view.Type, view.RatePerShare, view.RecordDate, view.PayableDate, view.PostingDate, view.AnnouncedOn));
    }
}
