using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>Explaining an income entry: the completed deliver orders and adjustments that made the record-date line, and the arithmetic.</summary>
public sealed class ExplanationTests
{
    /// <summary>Scenario 4 with history: an old loan returned in full, then the loan and return the dividend is paid on, and an adjustment.</summary>
    private static IncomeWorld Paid()
    {
        var world = new IncomeWorld(Monday).With(L, B, C);
        world.Deposit(L, 2_000);
        world.Complete(Do("OLD-1", L, B, 300));
        world.Complete(Do("OLD-2", B, L, 300, "SLR"));
        world.Complete(Do("DO-1", L, B, 1_000, completedBy: "recycle"));
        world.Complete(Do("DO-2", B, L, 400, "SLR"));
        Assert.Null(world.EnterAdjustment("ADJ-1", B, L, -1));
        Assert.Null(world.Affirm("ADJ-1", L));
        Assert.Null(world.Announce(Dividend("Q4", 0.2525m, Monday, Tuesday)));
        world.CloseDay();
        return world;
    }

    [Fact]
    public void The_lenders_entry_is_explained_by_the_changes_since_its_line_was_last_zero_and_the_arithmetic()
    {
        var world = Paid();
        var (x, error) = IncomeExplanations.Explain(P(L), world.Memo(L).Journal, "sli:037833100:Q4:0001:0002");
        Assert.Null(error);
        Assert.Equal(("stock-loan-income", "credited", B, 601L, 0.2525m), (x!.Kind, x.Outcome, x.Counterparty, x.Shares, x.RatePerShare));
        Assert.Equal(151.7525m, x.ExactAmount);
        Assert.Equal(151.75m, x.Amount);
        Assert.Equal(601, x.OwnRecordDateShares);
        Assert.Equal([("DO-1", "loan", 1_000L, 1_000L), ("DO-2", "return", -400L, 600L), ("ADJ-1", null, 1L, 601L)],
            x.Changes.Select(c => (c.Id, c.TransactionType, c.SharesChange, c.LineAfter)));
        Assert.Contains("601 x 0.2525 = 151.7525 dollars; rounded half away from zero, to the cent, per memo line or position: 151.75", x.Lines);
        Assert.Contains(x.Lines, l => l.Contains("DO-1 (loan, SL, recycle): +1,000 -> 1,000", StringComparison.Ordinal));
        Assert.DoesNotContain(x.Changes, c => c.Id.StartsWith("OLD", StringComparison.Ordinal));
    }

    [Fact]
    public void The_borrowers_entry_is_explained_from_its_own_journal_only()
    {
        var world = Paid();
        var (x, _) = IncomeExplanations.Explain(P(B), world.Memo(B).Journal, "sli:037833100:Q4:0001:0002");
        Assert.Equal(("debited", L, -151.75m, -601L), (x!.Outcome, x.Counterparty, x.Amount, x.OwnRecordDateShares));
        Assert.Equal([-1_000L, 400L, -1L], x.Changes.Select(c => c.SharesChange));
    }

    [Fact]
    public void A_holder_of_record_credit_is_explained_by_the_position_settlement_reported()
    {
        var world = Paid();
        var (x, _) = IncomeExplanations.Explain(P(L), world.Memo(L).Journal, "hor:037833100:Q4:0001");
        Assert.Equal(("holder-of-record", (string?)null, 1_400L, 353.50m), (x!.Kind, x.Counterparty, x.Shares, x.Amount));
        Assert.Empty(x.Changes);
    }

    [Fact]
    public void A_halted_entitlement_is_explained_as_not_paid_and_why()
    {
        var world = new IncomeWorld(Monday).With(L, B);
        world.Complete(Do("DO-1", L, B, 1_000));
        Assert.Null(world.FileHalt(B, L, Wednesday));
        Assert.Null(world.Announce(Dividend("Q", 0.10m, Tuesday, Wednesday)));
        world.CloseDay();
        world.CloseDay();
        var (x, _) = IncomeExplanations.Explain(P(L), world.Memo(L).Journal, "sli:037833100:Q:0001:0002");
        Assert.Equal(("halted", 0m, 1_000L), (x!.Outcome, x.Amount, x.Shares));
        Assert.Contains("not paid: 0002 had halted its transfers to 0001 by 2026-11-25", x.Lines);
    }

    [Fact]
    public void An_entry_the_participant_does_not_have_is_refused()
    {
        var world = Paid();
        var (x, error) = IncomeExplanations.Explain(P(C), world.Memo(C).Journal, "sli:037833100:Q4:0001:0002");
        Assert.Null(x);
        Assert.Equal(("income-entry-known", 404), (error!.Rule, error.Status));
    }
}
