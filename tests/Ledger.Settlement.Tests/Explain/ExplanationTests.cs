using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// `ledger explain`: a deliver order's life told from the journals alone, with the numbers each
/// decision was made on (atp-rules.md invariant 6). The journals are those the deciders write, run
/// through the in-memory ledger; every sentence is pinned to the cent.
/// </summary>
public sealed class ExplanationTests
{
    private static DeliverOrderExplanation Explain(InMemoryLedger ledger, string id)
    {
        var events = ledger.Participants
            .SelectMany(p => ledger.Journal(p).Select((e, i) => new JournaledEvent(p.Value, i + 1, e)))
            .ToList();
        var registered = ledger.IndexJournal.Single(r => r.DeliverOrderId == id);
        // Only the journals the reader would read: the two parties, then any look-ahead partner's other party.
        var parties = new HashSet<string> { registered.Deliverer, registered.Receiver };
        var read = events.Where(e => parties.Contains(e.Participant)).ToList();
        foreach (var more in Explanation.MoreJournals(Id(id), read)) parties.Add(more);
        read = events.Where(e => parties.Contains(e.Participant)).ToList();
        return Explanation.Explain(Id(id), read, registered);
    }

    private static string[] Sentences(DeliverOrderExplanation x) => x.Steps.Select(s => s.Sentence).ToArray();

    private const string Terms = " [price 100.00, haircut 10%]";

    [Fact]
    public void Direct_completion_tells_each_side_check_with_its_numbers()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        ledger.Submit(Request("DO-1", A, B, 1_000, 100_000m), At(10, 40, 5));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-1");

        Assert.Equal([
            "10:40:05Z registered: deliverer 0001, receiver 0002, business date 2025-01-02",
            "10:40:05Z deliverer 0001 reserved 1,000 sh: 1,000 sh available >= 1,000 sh; collateral monitor 90,000.00 + (100,000.00 - 90,000.00 delivered) = 100,000.00 >= 0" + Terms,
            "10:40:05Z receiver 0002 completed by direct: collateral monitor 50,000.00 + (90,000.00 received - 100,000.00) = 40,000.00 >= 0; balance 0.00 - 100,000.00 = net debit 100,000.00 <= cap 1,000,000.00" + Terms,
            "10:40:05Z deliverer 0001 completed by direct: 1,000 sh delivered, 100,000.00 credited",
        ], Sentences(x));
        Assert.Equal("completed", x.FinalState);
        Assert.Equal("direct", x.CompletedBy);
        Assert.Empty(x.Notes);
        var receive = x.Steps[2].Inputs!;
        Assert.Equal(("passed", 100.00m, 0.10m, 50_000.00m, -10_000.00m, 40_000.00m, -100_000.00m, 100_000.00m, 1_000_000.00m),
            (receive.Rule, receive.Price, receive.Haircut, receive.CollateralMonitor, receive.CollateralDelta, receive.CollateralMonitorAfter,
             receive.SettlementBalanceAfter!.Value, receive.NetDebitAfter!.Value, receive.NetDebitCap));
    }

    [Fact]
    public void Pend_on_net_debit_cap_then_recycle_after_a_payment()
    {
        // B already owes $50,000, so the receive would take it to a net debit of $150,000.
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(C, 0m, 1_000_000m).Participant(B, 200_000m, 80_000m)
            .Holds(A, 1_000).Holds(C, 500, Y);
        Expect(ledger.Settle("DO-0", C, B, 500, 50_000m, Y), "completed");
        ledger.Submit(Request("DO-3", A, B, 1_000, 100_000m), At(10, 42, 3));
        ledger.DeliverAll();
        Ok(ledger.Pay(P(B), Usd(80_000m), At(10, 45)));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-3");

        Assert.Equal([
            "10:42:03Z registered: deliverer 0001, receiver 0002, business date 2025-01-02",
            "10:42:03Z deliverer 0001 reserved 1,000 sh: 1,000 sh available >= 1,000 sh; collateral monitor 90,000.00 + (100,000.00 - 90,000.00 delivered) = 100,000.00 >= 0" + Terms,
            "10:42:03Z receiver 0002 pended on net-debit-cap: balance -50,000.00 - 100,000.00 = net debit 150,000.00 > cap 80,000.00; collateral monitor 195,000.00 + (90,000.00 received - 100,000.00) = 185,000.00 >= 0" + Terms,
            "10:45:00Z receiver 0002 completed by recycle after a settlement progress payment of 80,000.00 (10:45:00Z): collateral monitor 275,000.00 + (90,000.00 received - 100,000.00) = 265,000.00 >= 0; balance 30,000.00 - 100,000.00 = net debit 70,000.00 <= cap 80,000.00" + Terms,
            "10:45:00Z deliverer 0001 completed by recycle: 1,000 sh delivered, 100,000.00 credited",
        ], Sentences(x));
        Assert.Equal(("completed", "recycle"), (x.FinalState, x.CompletedBy));
        Assert.Equal([Explanation.RecycleNote], x.Notes);
    }

    [Fact]
    public void Pend_on_collateral_then_recycle_after_a_payment()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 5_000m, 1_000_000m).Holds(A, 1_000);
        ledger.Submit(Request("DO-2", A, B, 1_000, 100_000m), At(10, 40));
        ledger.DeliverAll();
        Ok(ledger.Pay(P(B), Usd(10_000m), At(11, 0)));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-2");

        Assert.Equal(
            "10:40:00Z receiver 0002 pended on collateral: collateral monitor 5,000.00 + (90,000.00 received - 100,000.00) = -5,000.00 < 0" + Terms,
            x.Steps[2].Sentence);
        Assert.Equal(
            "11:00:00Z receiver 0002 completed by recycle after a settlement progress payment of 10,000.00 (11:00:00Z): collateral monitor 15,000.00 + (90,000.00 received - 100,000.00) = 5,000.00 >= 0; balance 10,000.00 - 100,000.00 = net debit 90,000.00 <= cap 1,000,000.00" + Terms,
            x.Steps[3].Sentence);
        Assert.Equal(("completed", "recycle"), (x.FinalState, x.CompletedBy));
    }

    [Fact]
    public void Pend_on_position_at_the_deliverer_then_recycle_after_a_deposit()
    {
        var ledger = NewLedger().Participant(L, 0m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(L, 500);
        ledger.Submit(Request("DO-4", L, B, 1_000, 100_000m), At(10, 40));
        ledger.DeliverAll();
        Ok(ledger.Deposit(P(L), new Cusip(X), 500, At(11, 30)));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-4");

        Assert.Equal([
            "10:40:00Z registered: deliverer 0004, receiver 0002, business date 2025-01-02",
            "10:40:00Z deliverer 0004 pended on position: 500 sh available < 1,000 sh" + Terms,
            "11:30:00Z deliverer 0004 reserved 1,000 sh on recycle after a deposit of 500 sh of 037833100 (11:30:00Z): 1,000 sh available >= 1,000 sh; collateral monitor 90,000.00 + (100,000.00 - 90,000.00 delivered) = 100,000.00 >= 0" + Terms,
            "11:30:00Z receiver 0002 completed by recycle: collateral monitor 50,000.00 + (90,000.00 received - 100,000.00) = 40,000.00 >= 0; balance 0.00 - 100,000.00 = net debit 100,000.00 <= cap 1,000,000.00" + Terms,
            "11:30:00Z deliverer 0004 completed by recycle: 1,000 sh delivered, 100,000.00 credited",
        ], Sentences(x));
        Assert.Equal([Explanation.RecycleNote], x.Notes);
    }

    [Fact]
    public void Pend_on_position_drops_at_the_cutoff()
    {
        var ledger = NewLedger().Participant(L, 0m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(L, 500);
        ledger.Submit(Request("DO-4", L, B, 1_000, 100_000m), At(10, 40));
        ledger.DeliverAll();
        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-4");

        Assert.Equal("20:10:00Z deliverer 0004 dropped it at the recycle cutoff of 2025-01-02", x.Steps[^1].Sentence);
        Assert.Equal(3, x.Steps.Count);
        Assert.Equal("dropped", x.FinalState);
    }

    [Fact]
    public void Look_ahead_pair_names_the_partner_and_the_middle_account_numbers()
    {
        var ledger = NewLedger()
            .Participant(L, 0m, 1_000_000m, marketLoanProgram: true)
            .Participant(B, 50_000m, 1_000_000m, marketLoanProgram: true)
            .Participant(Occ, 0m, 0m, centralCounterparty: true)
            .Holds(L, 1_000);
        ledger.Submit(Request("DO1", L, Occ, 1_000, 100_000m), At(10, 0));
        ledger.DeliverAll();
        ledger.Submit(Request("DO2", Occ, B, 1_000, 100_000m), At(10, 5));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO1");

        Assert.Equal("DO2", x.LookAheadPartner);
        Assert.Equal([
            "10:00:00Z registered: deliverer 0004, receiver 0900, business date 2025-01-02",
            "10:00:00Z deliverer 0004 reserved 1,000 sh: 1,000 sh available >= 1,000 sh; collateral monitor 90,000.00 + (100,000.00 - 90,000.00 delivered) = 100,000.00 >= 0" + Terms,
            "10:00:00Z receiver 0900 pended on net-debit-cap: balance 0.00 - 100,000.00 = net debit 100,000.00 > cap 0.00; collateral monitor bypassed (central counterparty)" + Terms,
            "10:05:00Z [DO2] deliverer 0900 pended on position: 0 sh available < 1,000 sh" + Terms,
            "10:05:00Z 0900 paired receive DO1 with its delivery DO2 by look-ahead: 0 sh available + 1,000 received >= 1,000 delivered; collateral monitor bypassed (central counterparty); balance 0.00 - 100,000.00 + 100,000.00 = 0.00, no net debit (cap 0.00)" + Terms,
            "10:05:00Z [DO2] receiver 0002 completed by look-ahead: collateral monitor 50,000.00 + (90,000.00 received - 100,000.00) = 40,000.00 >= 0; balance 0.00 - 100,000.00 = net debit 100,000.00 <= cap 1,000,000.00" + Terms,
            "10:05:00Z 0900 completed DO1 and DO2 together by look-ahead (0002 received DO2)",
            "10:05:00Z deliverer 0004 completed by look-ahead: 1,000 sh delivered, 100,000.00 credited",
        ], Sentences(x));
        Assert.Equal(("completed", "look-ahead"), (x.FinalState, x.CompletedBy));

        var partner = Explain(ledger, "DO2");
        Assert.Equal("DO1", partner.LookAheadPartner);
        Assert.Equal(("completed", "look-ahead"), (partner.FinalState, partner.CompletedBy));
    }

    [Fact]
    public void Reclaim_override_is_linked_both_ways()
    {
        var ledger = new InMemoryLedger(Thursday, Morning);
        Ok(ledger.List(new Cusip(X), Usd(100), 0.10m, Morning));
        Ok(ledger.List(new Cusip(Y), Usd(100), 0.10m, Morning));
        ledger.Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Participant(C, 0m, 0m).Holds(A, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        Expect(ledger.Settle("DO-3", C, A, 1_000, 100_000m, Y), "completed");
        Assert.True(ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), At(15)).Accepted);
        ledger.DeliverAll();

        var reclaim = Explain(ledger, Filed(B, "RC-1"));
        Assert.Equal("DO-1", reclaim.ReclaimOf);
        Assert.Equal(("completed", "reclaim-override"), (reclaim.FinalState, reclaim.CompletedBy));
        Assert.Equal(
            "15:00:00Z receiver 0001 completed by reclaim-override: controls overridden for a reclaim under the threshold (collateral monitor 90,000.00 + (90,000.00 received - 100,000.00) = 80,000.00 >= 0; balance 0.00 - 100,000.00 = net debit 100,000.00 > cap 0.00)" + Terms,
            reclaim.Steps.Single(s => s.Kind == "completed" && s.Side == "receiver").Sentence);
        Assert.Contains("a reclaim of DO-1", reclaim.ToText());

        var original = Explain(ledger, "DO-1");
        Assert.Equal(Filed(B, "RC-1"), original.ReclaimedBy);
        Assert.Equal("15:00:00Z receiver 0002 reclaimed it with 0002~RC-1", original.Steps[^1].Sentence);
        Assert.Equal("completed", original.FinalState);
    }

    [Fact]
    public void Cancel_of_a_delivery_pending_at_the_deliverer()
    {
        var ledger = NewLedger().Participant(L, 0m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(L, 500);
        ledger.Submit(Request("DO-5", L, B, 1_000, 100_000m), At(10, 40));
        ledger.DeliverAll();
        Assert.Equal(CancelOutcome.Cancelled, ledger.Cancel(Id("DO-5"), At(12, 1, 30)).Outcome);

        var x = Explain(ledger, "DO-5");

        Assert.Equal("12:01:30Z deliverer 0004 cancelled it", x.Steps[^1].Sentence);
        Assert.Equal(("cancelled", (string?)null), (x.FinalState, x.CompletedBy));
    }

    [Fact]
    public void Cancel_of_a_receive_pending_at_the_receiver_goes_through_the_receiver()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 5_000m, 1_000_000m).Holds(A, 1_000);
        ledger.Submit(Request("DO-6", A, B, 1_000, 100_000m), At(10, 40));
        ledger.DeliverAll();
        ledger.Cancel(Id("DO-6"), At(12, 0));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-6");

        Assert.Equal([
            "12:00:00Z deliverer 0001 asked its receiver to cancel",
            "12:00:00Z receiver 0002 cancelled the receive at the deliverer's request",
            "12:00:00Z deliverer 0001 cancelled it",
        ], Sentences(x)[^3..]);
        Assert.Equal("cancelled", x.FinalState);
    }

    [Fact]
    public void Receive_pending_at_the_cutoff_drops_on_both_sides()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 50_000m, 80_000m).Holds(A, 1_000);
        ledger.Submit(Request("DO-7", A, B, 1_000, 100_000m), At(10, 40));
        ledger.DeliverAll();
        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        var x = Explain(ledger, "DO-7");

        Assert.Equal([
            "20:10:00Z receiver 0002 dropped it at the recycle cutoff of 2025-01-02",
            "20:10:00Z deliverer 0001 dropped it at the recycle cutoff of 2025-01-02",
        ], Sentences(x)[^2..]);
        Assert.Equal("dropped", x.FinalState);
        Assert.Equal([Explanation.RecycleNote], x.Notes);
    }

    [Fact]
    public void Journal_order_wins_over_the_order_journals_are_given_in()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        ledger.Submit(Request("DO-1", A, B, 1_000, 100_000m), Morning);
        ledger.DeliverAll();
        var events = new[] { B, A }.SelectMany(p => ledger.Journal(P(p)).Select((e, i) => new JournaledEvent(p, i + 1, e))).ToList();

        var x = Explanation.Explain(Id("DO-1"), events);

        Assert.Equal(["reserved", "completed", "completed"], x.Steps.Select(s => s.Kind));
        Assert.Equal(["deliverer", "receiver", "deliverer"], x.Steps.Select(s => s.Side));
    }

    [Fact]
    public void Registered_id_no_account_has_journaled_says_so()
    {
        var registered = new DeliverOrderRegistered("DO-9", A, B, "fp", At(10), "2025-01-02");

        var x = Explanation.Explain(Id("DO-9"), [], registered);

        Assert.Equal("registered", x.FinalState);
        Assert.Single(x.Steps);
        Assert.Contains(x.Notes, n => n.Contains("has not journaled it", StringComparison.Ordinal));
    }
}
