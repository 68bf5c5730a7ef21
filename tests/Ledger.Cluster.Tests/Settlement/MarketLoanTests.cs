using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>
/// atp-rules.md sections 3, 5, 6 and scenarios 5 to 9 on a real one-node cluster: OCC's account
/// (zero cap, collateral monitor bypassed), look-ahead pairs, reclaims and their threshold.
/// Price $100, haircut 10%: 1,000 shares have collateral value $90,000.
/// </summary>
[Collection("cluster")]
public sealed class MarketLoanTests
{
    private const string Occ = "0900", L = "0001", B = "0002", M = "0003";
    private static readonly Cusip Junk = Cusips.Make(99);

    /// <summary>B's reclaim "RC1", as the ledger files it: in B's own namespace.</summary>
    private const string RC1 = B + "~RC1";

    private static LedgerNodeOptions Options(ReclaimRules? rules = null) => new()
    {
        Store = "memory",
        ResendInterval = TimeSpan.FromMilliseconds(200),
        ReclaimRules = rules ?? ReclaimRules.Default,
    };

    /// <summary>Scenario 5's world: L holds 1,000 shares with CM $10,000 (it owes $80,000 for junk worth nothing as collateral); B: CM $50,000.</summary>
    private static async Task<ILedger> World(LedgerNode node, decimal borrowerCap = 1_000_000m)
    {
        var ledger = node.Ledger;
        await Setup.Participant(ledger, Occ, 0m, 0m, marketLoan: false, ccp: true);
        await Setup.Participant(ledger, L, 1_000_000m, 0m, marketLoan: true);
        await Setup.Participant(ledger, B, borrowerCap, 50_000m, marketLoan: true);
        await Setup.Participant(ledger, M, 0m, 0m);
        await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None);
        await ledger.PutSecurityAsync(Junk, Money.FromDollars(100m), 1m, Setup.None);
        await ledger.DepositAsync(new ParticipantId(L), Cusips.Apple, 1_000, Setup.None);
        await ledger.DepositAsync(new ParticipantId(M), Junk, 800, Setup.None);
        await Submit(ledger, Setup.Do("JUNK", M, L, 800, 80_000m, Junk));
        await Eventually.Status(ledger, "JUNK", "completed");
        Assert.Equal(10_000.00m, (await Account(ledger, L)).CollateralMonitor);
        return ledger;
    }

    private static async Task Submit(ILedger ledger, params DeliverOrderRequest[] orders)
    {
        var results = await ledger.SubmitAsync(orders, Setup.None);
        Assert.All(results, r => Assert.True(r.Accepted, r.Error?.Message));
    }

    private static async Task<AccountView> Account(ILedger ledger, string id) => (await ledger.AccountAsync(new ParticipantId(id), Setup.None))!;

    private static async Task AssertOccFlat(ILedger ledger)
    {
        var occ = await Account(ledger, Occ);
        Assert.Equal(0m, occ.SettlementBalance);
        Assert.All(occ.Positions, p => Assert.Equal(0, p.Shares));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scenario_5_a_market_loan_completes_both_legs_by_look_ahead_in_either_order(bool borrowerLegFirst)
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        var lend = Setup.Do("DO1", L, Occ, 1_000, 100_000m);
        var borrow = Setup.Do("DO2", Occ, B, 1_000, 100_000m);
        if (borrowerLegFirst)
        {
            await Submit(ledger, borrow);
            await Eventually.Status(ledger, "DO2", "pending");
            await Submit(ledger, lend);
        }
        else
        {
            await Submit(ledger, lend);
            await Eventually.Status(ledger, "DO1", "pending");
            await Submit(ledger, borrow);
        }

        Assert.Equal("look-ahead", (await Eventually.Status(ledger, "DO1", "completed")).CompletedBy);
        Assert.Equal("look-ahead", (await Eventually.Status(ledger, "DO2", "completed")).CompletedBy);
        await Eventually.Until(async () => (await Account(ledger, L)).CollateralMonitor == 20_000.00m, TimeSpan.FromSeconds(10), "L credited");
        var b = await Account(ledger, B);
        Assert.Equal(40_000.00m, b.CollateralMonitor);
        Assert.Equal(1_000, b.Positions.Single().Shares);
        await AssertOccFlat(ledger);
    }

    [Fact]
    public async Task Scenario_6_a_pair_that_breaks_the_borrowers_cap_stays_pending_and_drops_at_the_cutoff()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node, borrowerCap: 60_000m);
        await Submit(ledger, Setup.Do("DO1", L, Occ, 1_000, 100_000m), Setup.Do("DO2", Occ, B, 1_000, 100_000m));
        Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, "DO1", "pending")).PendingReason);
        Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, "DO2", "pending")).PendingReason);

        await ledger.CutoffAsync(Setup.None);
        await Eventually.Status(ledger, "DO1", "dropped");
        await Eventually.Status(ledger, "DO2", "dropped");
        Assert.Equal(1_000, (await Account(ledger, L)).Positions.Single(p => p.Cusip == Cusips.Apple.Value).Shares);
        await AssertOccFlat(ledger);
    }

    [Fact]
    public async Task A_pair_one_cent_over_the_borrowers_cap_pends_and_one_cent_more_cap_completes_it()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node, borrowerCap: 99_999.99m);
        await Submit(ledger, Setup.Do("DO1", L, Occ, 1_000, 100_000m), Setup.Do("DO2", Occ, B, 1_000, 100_000m));
        Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, "DO2", "pending")).PendingReason);

        await Setup.Participant(ledger, B, 100_000m, 50_000m, marketLoan: true);
        Assert.Equal("look-ahead", (await Eventually.Status(ledger, "DO2", "completed")).CompletedBy);
        await Eventually.Status(ledger, "DO1", "completed");
        await AssertOccFlat(ledger);
    }

    [Theory]
    [InlineData(79_999.99, "pending", "collateral")]
    [InlineData(80_000.00, "completed", null)]
    public async Task A_loan_that_would_leave_the_lender_one_cent_under_its_collateral_monitor_pends_at_the_lender(decimal amount, string status, string? reason)
    {
        // L's CM is $10,000 and it lends shares worth $90,000 as collateral: L ends at 10,000 + amount - 90,000.
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        await Submit(ledger, Setup.Do("DO1", L, Occ, 1_000, amount), Setup.Do("DO2", Occ, B, 1_000, amount));
        var lend = await Eventually.Status(ledger, "DO1", status);
        Assert.Equal(reason, lend.PendingReason);
        if (status == "completed")
        {
            await Eventually.Until(async () => (await Account(ledger, L)).CollateralMonitor == 0.00m, TimeSpan.FromSeconds(10), "L at exactly zero");
        }
        else
        {
            Assert.Equal("position", (await Eventually.Status(ledger, "DO2", "pending")).PendingReason);
            Assert.Equal(10_000.00m, (await Account(ledger, L)).CollateralMonitor);
        }
        await AssertOccFlat(ledger);
    }

    [Theory]
    [InlineData(1_000, 99_000)]
    [InlineData(999, 100_000)]
    [InlineData(1_000, 99_999.99)]
    public async Task Scenario_7_legs_that_differ_by_a_share_or_a_cent_never_settle_through_occ(long borrowerShares, decimal borrowerAmount)
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        await Submit(ledger, Setup.Do("DO1", L, Occ, 1_000, 100_000m), Setup.Do("DO2", Occ, B, borrowerShares, borrowerAmount));
        await Eventually.Status(ledger, "DO1", "pending");
        await Eventually.Status(ledger, "DO2", "pending");
        await ledger.CutoffAsync(Setup.None);
        await Eventually.Status(ledger, "DO1", "dropped");
        await Eventually.Status(ledger, "DO2", "dropped");
        await AssertOccFlat(ledger);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scenario_8_a_reclaim_into_occ_waits_for_occs_redelivery_and_completes_with_it(bool redeliveryFirst)
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        await Submit(ledger, Setup.Do("DO1", L, Occ, 1_000, 100_000m), Setup.Do("DO2", Occ, B, 1_000, 100_000m));
        await Eventually.Status(ledger, "DO2", "completed");
        await Eventually.Status(ledger, "DO1", "completed");

        var redeliver = Setup.Do("DO3", Occ, L, 1_000, 100_000m);
        if (redeliveryFirst)
        {
            await Submit(ledger, redeliver);
            Assert.Equal("position", (await Eventually.Status(ledger, "DO3", "pending")).PendingReason);
        }
        var reclaim = await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "RC1"), new DeliverOrderId("DO2"), Setup.None);
        Assert.Equal(RC1, reclaim.Id);
        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        if (!redeliveryFirst)
        {
            Assert.Equal("net-debit-cap", (await Eventually.Status(ledger, RC1, "pending")).PendingReason);
            await Submit(ledger, redeliver);
        }

        Assert.Equal("look-ahead", (await Eventually.Status(ledger, RC1, "completed")).CompletedBy);
        Assert.Equal("look-ahead", (await Eventually.Status(ledger, "DO3", "completed")).CompletedBy);
        await Eventually.Until(async () => (await Account(ledger, L)).Positions.Any(p => p.Cusip == Cusips.Apple.Value && p.Shares == 1_000),
            TimeSpan.FromSeconds(10), "shares back at L");
        var b = await Account(ledger, B);
        Assert.Equal(0m, b.SettlementBalance);
        Assert.DoesNotContain(b.Positions, p => p.Cusip == Cusips.Apple.Value && p.Shares != 0);
        await AssertOccFlat(ledger);
    }

    [Fact]
    public async Task Scenario_8_without_occs_redelivery_the_reclaim_drops_at_the_cutoff_and_the_borrower_keeps_the_loan()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        await Submit(ledger, Setup.Do("DO1", L, Occ, 1_000, 100_000m), Setup.Do("DO2", Occ, B, 1_000, 100_000m));
        await Eventually.Status(ledger, "DO2", "completed");
        Assert.True((await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "RC1"), new DeliverOrderId("DO2"), Setup.None)).Accepted);
        await Eventually.Status(ledger, RC1, "pending");

        await ledger.CutoffAsync(Setup.None);
        await Eventually.Status(ledger, RC1, "dropped");
        var b = await Account(ledger, B);
        Assert.Equal(-100_000.00m, b.SettlementBalance);
        Assert.Equal(1_000, b.Positions.Single(p => p.Cusip == Cusips.Apple.Value).Shares);
        await AssertOccFlat(ledger);
    }

    /// <summary>
    /// A delivered to B; A then spent the proceeds, so taking the shares back breaks A's collateral
    /// monitor: only the reclaim override lets the reclaim complete at once.
    /// </summary>
    private static async Task<ILedger> ReclaimWorld(LedgerNode node, decimal amount)
    {
        var ledger = node.Ledger;
        await Setup.Participant(ledger, L, amount, amount);
        await Setup.Participant(ledger, B, 10_000_000m, 10_000_000m);
        await Setup.Participant(ledger, M, 0m, 0m);
        await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None);
        await ledger.PutSecurityAsync(Junk, Money.FromDollars(1m), 1m, Setup.None);
        await ledger.DepositAsync(new ParticipantId(L), Cusips.Apple, 1_000, Setup.None);
        await ledger.DepositAsync(new ParticipantId(M), Junk, 1_000_000, Setup.None);
        await Submit(ledger, Setup.Do("DO1", L, B, 1_000, amount));
        await Eventually.Status(ledger, "DO1", "completed");
        await Submit(ledger, Setup.Do("SPEND", M, L, 1_000, 2 * amount, Junk));
        await Eventually.Status(ledger, "SPEND", "completed");
        return ledger;
    }

    [Fact]
    public async Task Scenario_9_a_reclaim_between_ordinary_participants_completes_at_once_overriding_controls()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await ReclaimWorld(node, 100_000m);
        var reclaim = await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "RC1"), new DeliverOrderId("DO1"), Setup.None);
        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        var view = await Eventually.Status(ledger, RC1, "completed");
        Assert.Equal("reclaim-override", view.CompletedBy);
        Assert.Equal("DO1", view.ReclaimOf);
        Assert.True((await Account(ledger, L)).CollateralMonitor < 0, "the override let L's collateral monitor go below zero");
    }

    [Theory]
    [InlineData(99_999.99, "2009", "completed", "reclaim-override")]
    [InlineData(100_000.00, "2009", "pending", "collateral")]
    [InlineData(100_000.01, "2009", "pending", "collateral")]
    [InlineData(99_999.99, "2015", "pending", "collateral")]
    public async Task A_reclaim_overrides_only_under_the_threshold_and_only_under_the_2009_rules(decimal amount, string regime, string status, string detail)
    {
        var rules = new ReclaimRules(Money.FromDollars(100_000m), regime == "2009" ? ReclaimRegime.Rules2009 : ReclaimRegime.Rules2015);
        await using var node = await LedgerNode.StartAsync(Options(rules), null, Setup.None);
        var ledger = await ReclaimWorld(node, amount);
        Assert.True((await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "RC1"), new DeliverOrderId("DO1"), Setup.None)).Accepted);
        var view = await Eventually.Status(ledger, RC1, status);
        Assert.Equal(detail, status == "completed" ? view.CompletedBy : view.PendingReason);
    }

    [Fact]
    public async Task Reclaims_of_unknown_foreign_pending_and_already_reclaimed_deliver_orders_are_refused()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await ReclaimWorld(node, 100_000m);
        await Submit(ledger, Setup.Do("PEND", L, B, 5_000, 1m));
        await Eventually.Status(ledger, "PEND", "pending");

        async Task<EntryRejection?> Reclaim(string by, string id, string original) =>
            (await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(by), id), new DeliverOrderId(original), Setup.None)).Error?.Rule;

        Assert.Equal(EntryRejection.UnknownDeliverOrder, await Reclaim(B, "R-1", "NO-SUCH"));
        Assert.Equal(EntryRejection.NotTheOriginalReceiver, await Reclaim(M, "R-2", "DO1"));
        Assert.Equal(EntryRejection.ReclaimRefused, await Reclaim(B, "R-3", "PEND"));
        Assert.Null(await Reclaim(B, "R-4", "DO1"));
        await Eventually.Status(ledger, B + "~R-4", "completed");
        Assert.Equal(EntryRejection.AlreadyReclaimed, await Reclaim(B, "R-5", "DO1"));
    }

    /// <summary>
    /// The borrower takes, as its reclaim's id, the id OCC will give tomorrow's loan leg: the reclaim
    /// is filed under the borrower's own namespace, so OCC's submission of that id still goes in.
    /// </summary>
    [Fact]
    public async Task A_participants_reclaim_never_takes_an_id_OCC_submits()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await ReclaimWorld(node, 100_000m);

        var reclaim = await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "NEXT-L"), new DeliverOrderId("DO1"), Setup.None);
        Assert.True(reclaim.Accepted, reclaim.Error?.Message);
        Assert.Equal(B + "~NEXT-L", reclaim.Id);
        await Eventually.Status(ledger, B + "~NEXT-L", "completed");

        await Submit(ledger, Setup.Do("NEXT-L", L, B, 10, 1_000m));
        var occs = await ledger.DeliverOrderAsync(new DeliverOrderId("NEXT-L"), Setup.None);
        Assert.Equal((L, B, 10L), (occs!.Deliverer, occs.Receiver, occs.Shares));
        Assert.Equal("DO1", (await ledger.DeliverOrderAsync(new DeliverOrderId(B + "~NEXT-L"), Setup.None))!.ReclaimOf);

        // OCC cannot reach into a participant's namespace either.
        var intoNamespace = (await ledger.SubmitAsync([Setup.Do(B + "~NEXT-2", L, B, 10, 1_000m)], Setup.None))[0];
        Assert.Equal(EntryRejection.InvalidDeliverOrderId, intoNamespace.Error?.Rule);
    }

    /// <summary>
    /// A refused reclaim is refused for what it asks, never for whose ids exist: as its own id, an id
    /// OCC has taken and one nobody has are answered alike (the HTTP tests show the same for the
    /// deliver order reclaimed: unknown and another firm's get one 403).
    /// </summary>
    [Fact]
    public async Task A_refused_reclaim_answers_alike_whether_or_not_its_id_is_taken()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await ReclaimWorld(node, 100_000m);
        await Submit(ledger, Setup.Do("PEND", L, B, 5_000, 1m));
        await Eventually.Status(ledger, "PEND", "pending");

        async Task<(EntryRejection?, string?)> Refusal(string by, string reference, string original)
        {
            var r = await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(by), reference), new DeliverOrderId(original), Setup.None);
            Assert.False(r.Accepted);
            return (r.Error!.Rule, r.Error.Field);
        }

        // The reclaim's own id: "DO1" is an id OCC took, "FREE-1" one nobody has.
        Assert.Equal(await Refusal(B, "FREE-1", "PEND"), await Refusal(B, "DO1", "PEND"));
        // An id OCC took is free in the participant's namespace: the reclaim goes in.
        Assert.True((await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(B), "DO1"), new DeliverOrderId("DO1"), Setup.None)).Accepted);
    }
}
