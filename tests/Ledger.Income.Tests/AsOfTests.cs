using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>A participant sees its memo lines as at the close of any past business date, replayed from its journal (income-tracking.md section 7).</summary>
public sealed class AsOfTests
{
    /// <summary>DO-1 on Monday, DO-2 on Tuesday, DO-3 on Wednesday, Thanksgiving off, DO-4 on Friday (not closed yet).</summary>
    private static (MemoAccountState Memo, List<MemoAccountEvent> Journal) Week()
    {
        var memo = Memo(L);
        var journal = new List<MemoAccountEvent>();
        void Run(MemoAccountCommand c) => journal.AddRange(Ok(memo, c).Events);
        var none = new Dictionary<Cusip, long>();
        Run(new ApplyCompletedDeliverOrder(Do("DO-1", L, B, 100, on: Monday), At(Monday)));
        Run(new CloseMemoDay(Monday, Tuesday, [], none, At(Monday, 22)));
        Run(new ApplyCompletedDeliverOrder(Do("DO-2", L, B, 20, on: Tuesday), At(Tuesday)));
        Run(new CloseMemoDay(Tuesday, Wednesday, [], none, At(Tuesday, 22)));
        Run(new ApplyCompletedDeliverOrder(Do("DO-3", L, C, 3, on: Wednesday), At(Wednesday)));
        Run(new CloseMemoDay(Wednesday, Friday, [], none, At(Wednesday, 22)));
        Run(new ApplyCompletedDeliverOrder(Do("DO-4", B, L, 120, "SLR", on: Friday), At(Friday)));
        return (memo, journal);
    }

    [Theory]
    [InlineData("2026-11-23", new[] { "0002 037833100 100" })]
    [InlineData("2026-11-24", new[] { "0002 037833100 120" })]
    [InlineData("2026-11-25", new[] { "0002 037833100 120", "0003 037833100 3" })]
    [InlineData("2026-11-26", new[] { "0002 037833100 120", "0003 037833100 3" })] // Thanksgiving: as at the close before it
    public void As_of_a_past_date_shows_the_lines_at_its_close(string date, string[] expected)
    {
        var (_, journal) = Week();
        var (view, error) = MemoAccountView.AsOf(P(L), journal, Date(date));
        Assert.Null(error);
        Assert.Equal(date, view!.BusinessDate);
        Assert.Equal(expected, view.Lines.Select(l => $"{l.Counterparty} {l.Cusip} {l.Shares}"));
    }

    [Fact]
    public void As_of_a_date_before_the_first_close_shows_no_lines()
    {
        var (_, journal) = Week();
        var (view, error) = MemoAccountView.AsOf(P(L), journal, Monday.AddDays(-1));
        Assert.Null(error);
        Assert.Empty(view!.Lines);
    }

    [Theory]
    [InlineData("2026-11-27")] // the open day
    [InlineData("2026-11-28")] // the weekend after it
    [InlineData("2027-01-04")]
    public void As_of_a_date_not_closed_yet_is_refused(string date)
    {
        var (_, journal) = Week();
        var (view, error) = MemoAccountView.AsOf(P(L), journal, Date(date));
        Assert.Null(view);
        Assert.Equal(("as-of-closed-date", "asOf"), (error!.Rule, error.Field));
    }

    [Fact]
    public void A_weekend_shows_the_close_of_the_friday_before_it()
    {
        var (memo, journal) = Week();
        journal.AddRange(Ok(memo, new CloseMemoDay(Friday, NextMonday, [], new Dictionary<Cusip, long>(), At(Friday, 22))).Events);
        var (saturday, _) = MemoAccountView.AsOf(P(L), journal, Friday.AddDays(1));
        Assert.Equal(["0003 037833100 3"], saturday!.Lines.Select(l => $"{l.Counterparty} {l.Cusip} {l.Shares}"));
    }

    [Fact]
    public void The_view_now_is_the_live_state_and_replay_to_a_time_stops_at_that_moment()
    {
        var (memo, journal) = Week();
        Assert.Equal(["0003 037833100 3"], MemoAccountView.Of(memo).Lines.Select(l => $"{l.Counterparty} {l.Cusip} {l.Shares}"));
        Assert.Equal("2026-11-27", MemoAccountView.Of(memo).BusinessDate);
        var tuesdayNoon = MemoAccountView.ReplayTo(P(L), journal, At(Tuesday, 12));
        Assert.Equal(["0002 037833100 100"], LinesOf(tuesdayNoon));
    }

    [Fact]
    public void A_journal_without_a_close_cannot_answer_as_of()
    {
        var (_, error) = MemoAccountView.AsOf(P(L), [], Monday);
        Assert.Equal("as-of-closed-date", error!.Rule);
    }
}
