using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// Income tracking's postings at a settlement account: applied once per posting id, to the
/// balance, whatever the net debit cap and the collateral monitor say; replayed from the journal
/// to the same state.
/// </summary>
public sealed class IncomePostingTests
{
    private static AccountState Account(decimal cap)
    {
        var state = new AccountState(P(A));
        AccountDecider.Decide(state, new ConfigureParticipant("Borrower", Usd(cap), Usd(0), false, false, Thursday, Morning));
        return state;
    }

    private static ApplyIncomePosting Posting(string id, params long[] cents) => new(id,
        cents.Select((c, i) => new IncomeEntryPosted($"sli:{X}:DIV-1:L{i}:{A}", "stock-loan-income", X, "DIV-1", $"L{i}", 600, 0.25m, c, "2026-03-03")).ToList(),
        Morning);

    [Fact]
    public void A_posting_moves_the_balance_once_however_often_it_is_sent()
    {
        var state = Account(cap: 0m);
        var first = AccountDecider.Decide(state, Posting("income:2026-03-03:0001:1", -150_00, 100_00));
        var again = AccountDecider.Decide(state, Posting("income:2026-03-03:0001:1", -150_00, 100_00));

        var applied = Assert.IsType<IncomePostingApplied>(Assert.Single(first.Events));
        Assert.Equal(-50_00, applied.AmountCents);
        Assert.Empty(again.Events);
        Assert.IsType<Acknowledged>(first.Reply);
        Assert.IsType<Acknowledged>(again.Reply);
        // The ledger's own entry: over a zero cap and a zero collateral monitor, still applied.
        Assert.Equal(new Money(-50_00), state.SettlementBalance);
        Assert.True(state.HasIncomePosting("income:2026-03-03:0001:1"));
    }

    [Fact]
    public void Replaying_the_journal_gives_the_same_balance_and_the_same_memory_of_postings()
    {
        var live = Account(cap: 1_000m);
        var replayed = new AccountState(P(A));
        replayed.Apply(new ParticipantConfigured("Borrower", 1_000_00, 0, false, false, "2025-01-02", Morning));
        foreach (var id in new[] { "income:2026-03-03:0001:1", "income:2026-03-04:0001:1", "income:2026-03-03:0001:1" })
        {
            foreach (var e in AccountDecider.Decide(live, Posting(id, 25_00)).Events) replayed.Apply(e);
        }

        Assert.Equal(new Money(50_00), live.SettlementBalance);
        Assert.Equal(live.SettlementBalance, replayed.SettlementBalance);
        Assert.True(replayed.HasIncomePosting("income:2026-03-04:0001:1"));
    }
}
