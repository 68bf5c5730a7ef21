using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// Payment orders in the ATP (lending.md section 2, atp-rules.md sections 2 to 5): the payer is
/// checked as a receiver of a valued deliver order, pends, recycles with the deliver orders, drops
/// at the cutoff, and at OCC pairs by look-ahead on the amount. X is at $100 with a 10% haircut.
/// </summary>
public sealed class PaymentOrderTests
{
    private static PaymentOrderRequest Mark(string id, string payer, string payee, decimal amount, DateOnly? date = null, string cusip = X) =>
        new(id, payer, payee, cusip, amount, date ?? Thursday);

    private static InMemoryLedger.Submission Pay(InMemoryLedger ledger, string id, string payer, string payee, decimal amount, DateOnly? date = null)
    {
        var result = ledger.SubmitPaymentOrder(Mark(id, payer, payee, amount, date), Morning);
        ledger.DeliverAll();
        return result;
    }

    /// <summary>Each row: the payer's fund and cap, the mark; the status and pend reason it gets, and the payer's balance after.</summary>
    [Theory]
    [InlineData(50_000, 1_000_000, 5_100, "completed", null, -5_100)] // lending.md scenario 2: B has the headroom
    [InlineData(5_000, 1_000_000, 5_100, "pending", "collateral", 0)] // CM $5,000 < $5,100: collateral, before the cap
    [InlineData(5_100, 1_000_000, 5_100, "completed", null, -5_100)] // CM exactly enough
    [InlineData(50_000, 5_000, 5_100, "pending", "net-debit-cap", 0)] // net debit $5,100 > cap $5,000
    [InlineData(50_000, 5_100, 5_100, "completed", null, -5_100)] // net debit exactly the cap
    [InlineData(1_000, 0, 5_100, "pending", "collateral", 0)] // both fail: collateral is checked first
    public void The_payer_is_checked_exactly_as_a_receiver_of_a_valued_deliver_order(
        int fund, int cap, int amount, string status, string? reason, int balanceAfter)
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, fund, cap);

        var result = Pay(ledger, "MK-20250102-1", B, A, amount);

        Assert.True(result.Accepted, result.Error?.Message);
        var view = ledger.Order("MK-20250102-1");
        Expect(view, status, reason);
        Assert.Equal(B, view.Payer);
        Assert.Equal(A, view.Payee);
        Assert.Equal(0, view.Shares);
        Assert.Equal("MARK", view.ReasonCode);
        Assert.Equal(balanceAfter, ledger.View(B).SettlementBalance);
        Assert.Equal(-balanceAfter, ledger.View(A).SettlementBalance);
        Assert.Equal(fund + balanceAfter, ledger.View(B).CollateralMonitor);
    }

    [Fact]
    public void A_payment_order_pending_on_the_cap_completes_by_recycle_when_the_payer_wires_money()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 5_000m);
        Expect(ledger.Order(Pay(ledger, "MK-1", B, A, 5_100m).Id!), "pending", "net-debit-cap");

        ledger.Wires(B, 100m);
        ledger.DeliverAll();

        Expect(ledger.Order("MK-1"), "completed", completedBy: "recycle");
        Assert.Equal(-5_000m, ledger.View(B).SettlementBalance);
        Assert.Equal(5_100m, ledger.View(A).SettlementBalance);
    }

    [Fact]
    public void Payment_orders_recycle_with_deliver_orders_largest_first_and_a_failing_one_blocks_nobody()
    {
        // B's cap is zero: a $600,000 mark, a $350,000 deliver order and a $300,000 mark all pend on it.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 10_000_000m, 0m).Holds(A, 10_000);
        Pay(ledger, "MK-600", B, A, 600_000m);
        ledger.Settle("DO-350", A, B, 1_000, 350_000m);
        Pay(ledger, "MK-300", B, A, 300_000m);
        Expect(ledger.Order("MK-600"), "pending", "net-debit-cap");
        Expect(ledger.Order("DO-350"), "pending", "net-debit-cap");
        Expect(ledger.Order("MK-300"), "pending", "net-debit-cap");

        // $650,000 in: largest first, the $600,000 mark; $50,000 left passes neither of the others.
        ledger.Wires(B, 650_000m);
        ledger.DeliverAll();
        Expect(ledger.Order("MK-600"), "completed", completedBy: "recycle");
        Expect(ledger.Order("DO-350"), "pending", "net-debit-cap");
        Expect(ledger.Order("MK-300"), "pending", "net-debit-cap");

        // $300,000 more: $350,000 of headroom takes the deliver order (the larger), not then the mark.
        ledger.Wires(B, 300_000m);
        ledger.DeliverAll();
        Expect(ledger.Order("DO-350"), "completed", completedBy: "recycle");
        Expect(ledger.Order("MK-300"), "pending", "net-debit-cap");

        // $300,000 more: the mark, the last one waiting, completes.
        ledger.Wires(B, 300_000m);
        ledger.DeliverAll();
        Expect(ledger.Order("MK-300"), "completed", completedBy: "recycle");
        Assert.Equal(1_250_000m - 600_000m - 350_000m - 300_000m, ledger.View(B).SettlementBalance);
    }

    [Fact]
    public void A_pending_payment_order_drops_at_the_cutoff_and_its_drop_is_published_once_by_the_payee()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 0m);
        Pay(ledger, "MK-1", B, A, 5_100m);

        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        Expect(ledger.Order("MK-1"), "dropped");
        Assert.Equal(0m, ledger.View(B).SettlementBalance);
        var published = PublishedFacts(ledger, A).OfType<PaymentOrderDropped>().ToList();
        var drop = Assert.Single(published);
        Assert.Equal(("MK-1", B, A, 510_000L, "2025-01-02"), (drop.Order.Id, drop.Payer, drop.Payee, drop.Order.AmountCents, drop.BusinessDate));
        Assert.Empty(PublishedFacts(ledger, B).OfType<PaymentOrderDropped>());
    }

    [Fact]
    public void After_the_cutoff_a_payment_order_that_fails_drops_at_once_and_one_that_passes_completes()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 5_000m);
        Ok(ledger.Cutoff(At(20, 10)));

        Pay(ledger, "MK-FAIL", B, A, 5_100m);
        Pay(ledger, "MK-PASS", B, A, 5_000m);

        Expect(ledger.Order("MK-FAIL"), "dropped");
        Expect(ledger.Order("MK-PASS"), "completed");
    }

    [Fact]
    public void A_completed_payment_order_is_published_by_both_parties_as_a_completion_of_zero_shares()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m);
        Pay(ledger, "MK-1", B, A, 5_100m);

        var atPayee = Assert.Single(PublishedFacts(ledger, A).OfType<DeliverOrderSettled>());
        var atPayer = Assert.Single(PublishedFacts(ledger, B).OfType<DeliverOrderSettled>());
        Assert.Equal((SettledSide.Delivery, "MK-1", 0L, "MARK", 510_000L), (atPayee.Side, atPayee.Order.Id, atPayee.Order.Shares, atPayee.Order.ReasonCode, atPayee.Order.AmountCents));
        Assert.Equal((SettledSide.Receive, "MK-1"), (atPayer.Side, atPayer.Order.Id));
        Assert.Empty(PublishedFacts(ledger, A).OfType<PaymentOrderDropped>());
    }

    // ------------------------------------------------------------------ OCC: look-ahead on the amount

    private static InMemoryLedger ThroughOcc(decimal borrowerCap = 1_000_000m, decimal borrowerFund = 50_000m) =>
        NewLedger()
            .Participant(L, 0m, 0m, marketLoanProgram: true)
            .Participant(B, borrowerFund, borrowerCap, marketLoanProgram: true)
            .Participant(Occ, 0m, 0m, centralCounterparty: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_mark_through_occ_completes_both_legs_together_by_look_ahead_in_either_order(bool payerLegFirst)
    {
        var ledger = ThroughOcc();
        var legs = new[] { Mark("MK-B", B, Occ, 5_100m), Mark("MK-L", Occ, L, 5_100m) };
        if (!payerLegFirst) Array.Reverse(legs);

        var first = ledger.SubmitPaymentOrder(legs[0], Morning);
        ledger.DeliverAll();
        // Alone, neither leg moves money: OCC's side waits for its pair (money in) or its zero cap (money out).
        Expect(ledger.Order(first.Id!), "pending", payerLegFirst ? "position" : "net-debit-cap");
        Assert.Equal(0m, ledger.View(Occ).SettlementBalance);
        ledger.SubmitPaymentOrder(legs[1], Morning);
        ledger.DeliverAll();

        Expect(ledger.Order("MK-B"), "completed", completedBy: "look-ahead");
        Expect(ledger.Order("MK-L"), "completed", completedBy: "look-ahead");
        Assert.Equal(-5_100m, ledger.View(B).SettlementBalance);
        Assert.Equal(5_100m, ledger.View(L).SettlementBalance);
        Assert.Equal(0m, ledger.View(Occ).SettlementBalance);
    }

    [Fact]
    public void Legs_through_occ_of_different_amounts_never_pair_and_both_drop_at_the_cutoff()
    {
        var ledger = ThroughOcc();
        Pay(ledger, "MK-B", B, Occ, 5_100m);
        Pay(ledger, "MK-L", Occ, L, 5_000m);
        Expect(ledger.Order("MK-B"), "pending", "position");
        Expect(ledger.Order("MK-L"), "pending", "net-debit-cap");

        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        Expect(ledger.Order("MK-B"), "dropped");
        Expect(ledger.Order("MK-L"), "dropped");
        Assert.All([B, L, Occ], p => Assert.Equal(0m, ledger.View(p).SettlementBalance));
        Assert.Single(PublishedFacts(ledger, Occ).OfType<PaymentOrderDropped>()); // MK-B: OCC is its payee
        Assert.Single(PublishedFacts(ledger, L).OfType<PaymentOrderDropped>()); // MK-L
    }

    [Fact]
    public void A_payer_over_its_cap_holds_both_legs_pending_until_it_wires_money_then_both_complete()
    {
        var ledger = ThroughOcc(borrowerCap: 5_000m);
        Pay(ledger, "MK-B", B, Occ, 5_100m);
        Pay(ledger, "MK-L", Occ, L, 5_100m);
        Expect(ledger.Order("MK-B"), "pending", "net-debit-cap");
        Expect(ledger.Order("MK-L"), "pending", "net-debit-cap");
        Assert.Equal(0m, ledger.View(L).SettlementBalance);

        ledger.Wires(B, 100m);
        ledger.DeliverAll();

        Expect(ledger.Order("MK-B"), "completed");
        Expect(ledger.Order("MK-L"), "completed", completedBy: "look-ahead");
        Assert.Equal(0m, ledger.View(Occ).SettlementBalance);
        Assert.Equal(5_100m, ledger.View(L).SettlementBalance);
    }

    // ------------------------------------------------------------------ entry

    [Fact]
    public void Sent_again_a_payment_order_has_no_second_effect_and_its_id_with_other_terms_is_refused()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m);
        Pay(ledger, "MK-1", B, A, 5_100m);
        var events = ledger.EventCount();

        var again = Pay(ledger, "MK-1", B, A, 5_100m);
        var other = Pay(ledger, "MK-1", B, A, 5_200m);

        Assert.True(again.Accepted && again.Resubmitted);
        Assert.Equal("completed", again.Status);
        Assert.Equal("deliver-order-id-unique", other.Error?.RuleName);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(-5_100m, ledger.View(B).SettlementBalance);
    }

    [Fact]
    public void A_payment_order_for_a_closed_day_is_refused_and_reported_dropped_unless_its_id_was_taken_that_day()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m);
        Pay(ledger, "MK-DONE", B, A, 5_100m);
        Ok(ledger.Close(At(22)));
        var events = ledger.EventCount();

        var late = Pay(ledger, "MK-LATE", B, A, 5_100m, Thursday);
        var done = Pay(ledger, "MK-DONE", B, A, 5_100m, Thursday);

        Assert.False(late.Accepted);
        Assert.Equal("dropped", late.Status);
        Assert.Equal(("business-day-open", "businessDate"), (late.Error!.RuleName, late.Error.Field));
        Assert.Null(ledger.DeliverOrder(Id("MK-LATE")));
        Assert.True(done.Accepted && done.Resubmitted);
        Assert.Equal("completed", done.Status); // its outcome stands: never reported dropped after it completed
        Assert.Equal(events, ledger.EventCount());
    }

    public static TheoryData<string, PaymentOrderRequest, string, string> BadPaymentOrders => new()
    {
        { "no id", new(null, B, A, X, 1m, Thursday), "id", "required" },
        { "not the MK- prefix", new("DO-1", B, A, X, 1m, Thursday), "id", "deliver-order-id-format" },
        { "bad id characters", new("MK-1 2", B, A, X, 1m, Thursday), "id", "deliver-order-id-format" },
        { "unknown payer", new("MK-1", "0999", A, X, 1m, Thursday), "payer", "participant-known" },
        { "bad payee", new("MK-1", B, "12", X, 1m, Thursday), "payee", "participant-id-format" },
        { "payer is payee", new("MK-1", B, B, X, 1m, Thursday), "payee", "deliverer-not-receiver" },
        { "payer outside the program pays OCC", new("MK-1", A, Occ, X, 1m, Thursday), "payer", "market-loan-program" },
        { "OCC pays outside the program", new("MK-1", Occ, A, X, 1m, Thursday), "payee", "market-loan-program" },
        { "bad CUSIP", new("MK-1", B, A, "037833101", 1m, Thursday), "cusip", "cusip-check-digit" },
        { "unlisted CUSIP", new("MK-1", B, A, Z, 1m, Thursday), "cusip", "security-known" },
        { "zero amount", new("MK-1", B, A, X, 0m, Thursday), "amount", "positive" },
        { "negative amount", new("MK-1", B, A, X, -1m, Thursday), "amount", "amount-not-negative" },
        { "a fraction of a cent", new("MK-1", B, A, X, 1.001m, Thursday), "amount", "amount-two-decimals" },
        { "a future business day", new("MK-1", B, A, X, 1m, Friday), "businessDate", "business-date" },
    };

    [Theory]
    [MemberData(nameof(BadPaymentOrders))]
    public void A_bad_payment_order_is_refused_naming_field_and_rule_and_changes_nothing(string why, PaymentOrderRequest request, string field, string rule)
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m, marketLoanProgram: true)
            .Participant(Occ, 0m, 0m, centralCounterparty: true);
        var events = ledger.EventCount();

        var result = ledger.SubmitPaymentOrder(request, Morning);

        Assert.False(result.Accepted, why);
        Assert.Equal((field, rule), (result.Error!.Field, result.Error.RuleName));
        Assert.Equal("rejected", result.Status);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(0, ledger.Index.Count);
    }

    [Theory]
    [InlineData("MK-1", "LOAN", "id")]
    [InlineData("mk-1", "LOAN", "id")]
    [InlineData("DO-1", "MARK", "reasonCode")]
    public void A_deliver_order_may_not_take_a_payment_order_id_or_reason_code(string id, string reasonCode, string field)
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m);

        var result = ledger.Submit(new DeliverOrderRequest(id, A, B, X, 100, 1_000m, reasonCode), Morning);

        Assert.Equal((field, "payment-order-reserved"), (result.Error!.Field, result.Error.RuleName));
    }

    [Fact]
    public void A_pending_payment_order_is_never_cancelled()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 0m);
        Pay(ledger, "MK-1", B, A, 5_100m);
        var events = ledger.EventCount();

        var cancel = ledger.Cancel(Id("MK-1"), Morning);
        var reply = AccountDecider.Decide(ledger.StateOf(P(A)), new CancelDelivery(Id("MK-1"), Morning)).Reply;

        Assert.Equal(CancelOutcome.NotFound, cancel.Outcome);
        Assert.Equal(AccountRejection.PaymentOrderNotCancellable, Assert.IsType<Rejected>(reply).Rejection);
        Assert.Equal(events, ledger.EventCount());
        Expect(ledger.Order("MK-1"), "pending", "net-debit-cap");
    }

    [Fact]
    public void A_payment_order_is_never_reclaimed()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m);
        Pay(ledger, "MK-1", B, A, 5_100m);

        var reclaim = ledger.Reclaim(Rc(B, "R-1"), Id("MK-1"), Morning);

        Assert.Equal(("deliverOrderId", "reclaim-of-payment-order"), (reclaim.Error!.Field, reclaim.Error.RuleName));
        Assert.Equal(-5_100m, ledger.View(B).SettlementBalance);
    }

    [Fact]
    public void Explain_replay_and_as_of_see_a_payment_order_as_a_deliver_order_of_zero_shares()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 5_000m);
        Pay(ledger, "MK-1", B, A, 5_100m);
        ledger.Wires(B, 100m);
        ledger.DeliverAll();

        var events = ledger.Participants.SelectMany(p => ledger.Journal(p).Select((e, i) => new JournaledEvent(p.Value, i + 1, e))).ToList();
        var registered = ledger.IndexJournal.Single(r => r.DeliverOrderId == "MK-1");
        var explanation = Explanation.Explain(Id("MK-1"), events, registered);

        Assert.Equal("completed", explanation.FinalState);
        Assert.Equal(0L, explanation.Shares);
        Assert.Equal((A, B), (explanation.Deliverer, explanation.Receiver));
        Assert.Contains(explanation.Steps, s => s.Participant == B && s.Inputs?.Rule == "net-debit-cap" && s.Inputs.NetDebitAfter == 5_100m);
        Assert.Contains(explanation.Steps, s => s.Participant == B && s.Outcome == "recycle");
        Assert.Contains("a payment order: payer 0002 pays payee 0001 5,100.00", explanation.Notes[0]);
        // Replay: the payer's journal rebuilds its state exactly.
        var replayed = new AccountState(P(B));
        foreach (var e in ledger.Journal(P(B))) replayed.Apply(e);
        Assert.Equal(ledger.StateOf(P(B)).SettlementBalance, replayed.SettlementBalance);
        Assert.Equal(-5_000m, replayed.SettlementBalance.Dollars);
    }

    private static IReadOnlyList<SettlementFact> PublishedFacts(InMemoryLedger ledger, string participant)
    {
        var state = new AccountState(P(participant));
        var facts = new List<SettlementFact>();
        foreach (var e in ledger.Journal(P(participant)))
        {
            state.Apply(e);
            var completed = SettlementPublication.Complete(state, e);
            if (SettlementPublication.IsPublished(completed)) facts.AddRange(SettlementPublication.Read(participant, completed));
        }
        return facts;
    }
}
