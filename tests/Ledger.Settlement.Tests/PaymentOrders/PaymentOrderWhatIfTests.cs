using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// What-if and as-of over payment orders: a day with a mark is reconstructed from the journals
/// alone and re-run with another cap, and an account's state at an earlier time is its journal
/// replayed to then.
/// </summary>
public sealed class PaymentOrderWhatIfTests
{
    private static DateTimeOffset T(int hour, int minute = 0) => At(hour, minute);

    /// <summary>B (cap $5,000) owes A a $5,100 mark: it pends on the cap, and B's $100 payment at 15:00 lets it complete by recycle.</summary>
    private static InMemoryLedger Day()
    {
        var ledger = new InMemoryLedger(Thursday, T(13));
        Assert.True(ledger.Configure(new ParticipantRecord(P(A), "A", Usd(0), Usd(0), false, false), T(13, 1)).Ok);
        Assert.True(ledger.Configure(new ParticipantRecord(P(B), "B", Usd(5_000), Usd(50_000), false, false), T(13, 1)).Ok);
        Assert.True(ledger.List(new Cusip(X), Usd(100), 0.10m, T(13, 2)).Ok);
        Assert.True(ledger.SubmitPaymentOrder(new PaymentOrderRequest("MK-20250102-DO-1", B, A, X, 5_100m, Thursday), T(14)).Accepted);
        ledger.DeliverAll();
        Assert.True(ledger.Pay(P(B), Usd(100), T(15)).Ok);
        ledger.DeliverAll();
        Assert.True(ledger.Cutoff(T(20, 10)).Ok);
        ledger.DeliverAll();
        Assert.True(ledger.Close(T(21)).Ok);
        return ledger;
    }

    [Fact]
    public void What_if_re_enters_a_payment_order_as_one_and_a_lower_cap_names_it_as_the_difference()
    {
        var ledger = Day();
        var day = WhatIf.Reconstruct(Thursday, ledger.ReferenceJournal,
            ledger.Participants.ToDictionary(p => p.Value, p => ledger.Journal(p), StringComparer.Ordinal));
        Assert.True(WhatIfSettings.TryParse(["netDebitCap[0002]=4000"], out var lower, out var error), error);
        Assert.True(WhatIfSettings.TryParse([], out var same, out error), error);

        var unchanged = WhatIf.Run(day, same);
        var report = WhatIf.Run(day, lower);

        Assert.Empty(unchanged.Refusals);
        Assert.Empty(unchanged.Differences);
        Assert.Empty(report.Refusals);
        var d = Assert.Single(report.Differences);
        Assert.Equal("MK-20250102-DO-1", d.DeliverOrderId);
        Assert.Equal(new WhatIfEnd("completed", "net-debit-cap", "recycle"), d.Actual);
        Assert.Equal(new WhatIfEnd("dropped", "net-debit-cap", null), d.WhatIf);
    }

    [Fact]
    public void As_of_a_time_the_payers_journal_replays_to_the_mark_pending_and_later_to_it_paid()
    {
        var ledger = Day();
        AccountState AsOf(DateTimeOffset at)
        {
            var state = new AccountState(P(B));
            foreach (var e in ledger.Journal(P(B)).Where(e => e.At <= at)) state.Apply(e);
            return state;
        }

        var at1430 = AccountView.Of(AsOf(T(14, 30)));
        var at1600 = AccountView.Of(AsOf(T(16)));

        var pending = Assert.Single(at1430.Pending);
        Assert.Equal(("MK-20250102-DO-1", "receive", "net-debit-cap", A, 0L, 5_100m), (pending.DeliverOrderId, pending.Side, pending.Reason, pending.Counterparty, pending.Shares, pending.Amount));
        Assert.Equal(0m, at1430.SettlementBalance);
        Assert.Empty(at1600.Pending);
        Assert.Equal(-5_000m, at1600.SettlementBalance);
    }
}
