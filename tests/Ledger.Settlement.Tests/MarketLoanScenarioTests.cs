using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// atp-rules.md section 9, scenarios 5 to 9: market loans through OCC's account (zero cap, no
/// collateral monitor), look-ahead and reclaims. L holds 1,000 X and its CM is $10,000 (it owes
/// $170,000 for 1,000 Y it received); B's CM is $50,000.
/// </summary>
public sealed class MarketLoanScenarioTests
{
    private static InMemoryLedger Loan(decimal borrowerCap = 1_000_000m)
    {
        var ledger = NewLedger()
            .Participant(L, 0m, 1_000_000m, marketLoanProgram: true)
            .Participant(B, 50_000m, borrowerCap, marketLoanProgram: true)
            .Participant(C, 0m, 0m)
            .Participant(Occ, 0m, 0m, centralCounterparty: true)
            .Holds(L, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-Y", C, L, 1_000, 170_000m, Y), "completed");
        Assert.Equal(10_000m, ledger.View(L).CollateralMonitor);
        return ledger;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Scenario_5_locked_in_loan_completes_by_look_ahead_in_either_order(bool lenderLegFirst)
    {
        var ledger = Loan();

        if (lenderLegFirst)
        {
            Expect(ledger.Settle("DO1", L, Occ, 1_000, 100_000m), "pending", "net-debit-cap");
            ledger.Settle("DO2", Occ, B, 1_000, 100_000m);
        }
        else
        {
            Expect(ledger.Settle("DO2", Occ, B, 1_000, 100_000m), "pending", "position");
            ledger.Settle("DO1", L, Occ, 1_000, 100_000m);
        }

        Expect(ledger.Order("DO1"), "completed", completedBy: "look-ahead");
        Expect(ledger.Order("DO2"), "completed", completedBy: "look-ahead");
        Assert.Equal(20_000m, ledger.View(L).CollateralMonitor);
        Assert.Equal(40_000m, ledger.View(B).CollateralMonitor);
        Assert.Equal(0m, ledger.View(Occ).SettlementBalance);
        Assert.Equal(0, ledger.Position(Occ));
        Assert.Equal(1_000, ledger.Position(B));
        Assert.Equal(0, ledger.Position(L));
    }

    [Fact]
    public void Scenario_6_borrower_over_its_cap_leaves_both_legs_pending_until_the_cutoff_drops_them()
    {
        var ledger = Loan(borrowerCap: 60_000m);

        ledger.Settle("DO1", L, Occ, 1_000, 100_000m);
        ledger.Settle("DO2", Occ, B, 1_000, 100_000m);

        Assert.Equal("pending", ledger.Order("DO1").Status);
        Assert.Equal("pending", ledger.Order("DO2").Status);
        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();
        Expect(ledger.Order("DO1"), "dropped");
        Expect(ledger.Order("DO2"), "dropped");
        Assert.Equal(1_000, ledger.Position(L));
        Assert.Equal(0, ledger.Reserved(L));
        Assert.Equal(10_000m, ledger.View(L).CollateralMonitor);
        Assert.Equal(50_000m, ledger.View(B).CollateralMonitor);
    }

    [Fact]
    public void Scenario_7_legs_that_differ_in_amount_do_not_pair_at_occ()
    {
        var ledger = Loan();

        Expect(ledger.Settle("DO1", L, Occ, 1_000, 100_000m), "pending", "net-debit-cap");
        Expect(ledger.Settle("DO2", Occ, B, 1_000, 99_000m), "pending", "position");

        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();
        Expect(ledger.Order("DO1"), "dropped");
        Expect(ledger.Order("DO2"), "dropped");
    }

    private static InMemoryLedger AfterScenario5()
    {
        var ledger = Loan();
        ledger.Settle("DO1", L, Occ, 1_000, 100_000m);
        ledger.Settle("DO2", Occ, B, 1_000, 100_000m);
        Expect(ledger.Order("DO2"), "completed");
        return ledger;
    }

    [Fact]
    public void Scenario_8_reclaim_into_occ_is_not_overridden_and_completes_with_occs_redelivery()
    {
        var ledger = AfterScenario5();

        var reclaim = ledger.Reclaim(Rc(B, "RC-1"), Id("DO2"), At(15));
        ledger.DeliverAll();

        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        Expect(ledger.Order(Filed(B, "RC-1")), "pending", "net-debit-cap");

        Expect(ledger.Settle("DO3", Occ, L, 1_000, 100_000m), "completed", completedBy: "look-ahead");
        Expect(ledger.Order(Filed(B, "RC-1")), "completed", completedBy: "look-ahead");
        Assert.Equal(1_000, ledger.Position(L));
        Assert.Equal(0, ledger.Position(B));
        Assert.Equal(0, ledger.Position(Occ));
        Assert.Equal(10_000m, ledger.View(L).CollateralMonitor);
        Assert.Equal(50_000m, ledger.View(B).CollateralMonitor);
        Assert.Equal(0m, ledger.View(Occ).SettlementBalance);
    }

    [Fact]
    public void Scenario_8_reclaim_into_occ_without_a_redelivery_drops_at_the_cutoff()
    {
        var ledger = AfterScenario5();
        ledger.Reclaim(Rc(B, "RC-1"), Id("DO2"), At(15));
        ledger.DeliverAll();

        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        Expect(ledger.Order(Filed(B, "RC-1")), "dropped");
        Assert.Equal(1_000, ledger.Position(B));
    }

    /// <summary>
    /// A (cap zero) delivered 1,000 X to B for $100,000 and spent the credit on 1,000 Y from C, so
    /// taking DO-1 back would put A $100,000 over its cap.
    /// </summary>
    private static InMemoryLedger ReclaimableWithSpentCredit(ReclaimRules? rules = null)
    {
        var ledger = new InMemoryLedger(Thursday, Morning, rules);
        Ok(ledger.List(new Cusip(X), Usd(100), 0.10m, Morning));
        Ok(ledger.List(new Cusip(Y), Usd(100), 0.10m, Morning));
        ledger.Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Participant(C, 0m, 0m).Holds(A, 1_000).Holds(C, 1_000, Y);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        Expect(ledger.Settle("DO-3", C, A, 1_000, 100_000m, Y), "completed");
        Assert.Equal(0m, ledger.View(A).SettlementBalance);
        return ledger;
    }

    [Fact]
    public void Scenario_9_reclaim_between_ordinary_participants_completes_at_once_overriding_controls()
    {
        var ledger = ReclaimableWithSpentCredit();

        var reclaim = ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), At(15));
        ledger.DeliverAll();

        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        Expect(ledger.Order(Filed(B, "RC-1")), "completed", completedBy: "reclaim-override");
        Assert.Equal(1_000, ledger.Position(A));
        Assert.Equal(100_000m, ledger.View(A).NetDebit); // over its cap of zero: the documented override
        Assert.Equal(0m, ledger.View(B).SettlementBalance);
    }

    [Fact]
    public void Under_the_2015_rules_a_reclaim_is_subject_to_every_control()
    {
        var ledger = ReclaimableWithSpentCredit(new ReclaimRules(new Money(1_500_000_000), ReclaimRegime.Rules2015));

        ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), At(15));
        ledger.DeliverAll();

        Expect(ledger.Order(Filed(B, "RC-1")), "pending", "net-debit-cap"); // A's cap of zero holds
        Assert.Equal(0m, ledger.View(A).NetDebit);
    }

    [Theory]
    [InlineData("100000.00", "pending", "net-debit-cap")]     // exactly at the threshold: every control applies
    [InlineData("100000.01", "completed", null)]             // one cent under it: the override
    public void Reclaim_at_or_above_the_threshold_is_subject_to_every_control(string threshold, string status, string? reason)
    {
        var ledger = ReclaimableWithSpentCredit(new ReclaimRules(Usd(Dollars(threshold)), ReclaimRegime.Rules2009));

        ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), At(15));
        ledger.DeliverAll();

        Expect(ledger.Order(Filed(B, "RC-1")), status, reason);
    }

    [Fact]
    public void Reclaim_is_refused_unless_by_the_original_receiver_of_a_completed_deliver_order_once()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Participant(C, 0m, 0m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");
        Expect(ledger.Settle("DO-2", A, B, 5_000, 100_000m), "pending", "position");

        Assert.Equal(EntryRejection.UnknownDeliverOrder, ledger.Reclaim(Rc(B, "RC-1"), Id("DO-9"), At(15)).Error!.Rule);
        Assert.Equal(EntryRejection.NotTheOriginalReceiver, ledger.Reclaim(Rc(C, "RC-1"), Id("DO-1"), At(15)).Error!.Rule);
        Assert.Equal(EntryRejection.ReclaimRefused, ledger.Reclaim(Rc(B, "RC-1"), Id("DO-2"), At(15)).Error!.Rule);
        Assert.True(ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), At(15)).Accepted);
        Assert.True(ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), At(15)).Resubmitted);
        Assert.Equal(EntryRejection.AlreadyReclaimed, ledger.Reclaim(Rc(B, "RC-2"), Id("DO-1"), At(15)).Error!.Rule);
    }
}
