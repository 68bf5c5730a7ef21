using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>The settlement core end to end through the gateway, on a real one-node cluster.</summary>
[Collection("cluster")]
public sealed class LedgerNodeTests
{
    private static LedgerNodeOptions Memory() => new() { Store = "memory", ResendInterval = TimeSpan.FromMilliseconds(200) };

    private static async Task WorkedSetup(ILedger ledger, decimal receiverFund, decimal receiverCap)
    {
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(ledger, "0002", receiverCap, receiverFund);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None)).Ok);
    }

    [Fact]
    public async Task Scenario_1_delivery_completes_and_receiver_collateral_monitor_falls_by_amount_less_collateral_value()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await WorkedSetup(ledger, receiverFund: 50_000m, receiverCap: 1_000_000m);

        var results = await ledger.SubmitAsync([Setup.Do("DO-1", "0001", "0002", 1_000, 100_000m)], Setup.None);
        Assert.True(results[0].Accepted, results[0].Error?.Message);
        var view = await Eventually.Status(ledger, "DO-1", "completed");
        Assert.Equal("direct", view.CompletedBy);

        var b = (await ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        Assert.Equal(40_000.00m, b.CollateralMonitor);
        Assert.Equal(-100_000.00m, b.SettlementBalance);
        Assert.Equal(1_000, b.Positions.Single().Shares);
        await Eventually.Until(async () => (await ledger.AccountAsync(new ParticipantId("0001"), Setup.None))!.SettlementBalance == 100_000m,
            TimeSpan.FromSeconds(10), "deliverer credited");
        var a = (await ledger.AccountAsync(new ParticipantId("0001"), Setup.None))!;
        Assert.Empty(a.Positions);
    }

    [Fact]
    public async Task Scenario_3_receive_over_cap_pends_then_completes_by_recycle_after_payment()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await WorkedSetup(ledger, receiverFund: 50_000m, receiverCap: 80_000m);

        await ledger.SubmitAsync([Setup.Do("DO-3", "0001", "0002", 1_000, 100_000m)], Setup.None);
        var pending = await Eventually.Status(ledger, "DO-3", "pending");
        Assert.Equal("net-debit-cap", pending.PendingReason);
        var b = (await ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        Assert.Equal("receive", b.Pending.Single().Side);

        Assert.True((await ledger.SettlementProgressPaymentAsync(new ParticipantId("0002"), Money.FromDollars(30_000m), Setup.None)).Ok);
        var done = await Eventually.Status(ledger, "DO-3", "completed");
        Assert.Equal("recycle", done.CompletedBy);
        b = (await ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        Assert.Equal(-70_000.00m, b.SettlementBalance);
        Assert.Empty(b.Pending);
    }

    [Fact]
    public async Task Scenario_4_delivery_short_of_position_pends_on_position_and_drops_at_cutoff()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(ledger, "0002", 1_000_000m, 50_000m);
        await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None);
        await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 500, Setup.None);

        var results = await ledger.SubmitAsync([Setup.Do("DO-4", "0001", "0002", 1_000, 100_000m)], Setup.None);
        Assert.Equal("pending", results[0].Status);
        var view = await Eventually.Status(ledger, "DO-4", "pending");
        Assert.Equal("position", view.PendingReason);
        await ledger.CutoffAsync(Setup.None);
        await Eventually.Status(ledger, "DO-4", "dropped");
        var a = (await ledger.AccountAsync(new ParticipantId("0001"), Setup.None))!;
        Assert.Equal(500, a.Positions.Single().Shares);
        Assert.Empty(a.Pending);
    }

    [Fact]
    public async Task Same_id_and_payload_again_has_no_second_effect_and_other_payload_is_refused()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await WorkedSetup(ledger, receiverFund: 50_000m, receiverCap: 1_000_000m);
        await ledger.SubmitAsync([Setup.Do("DO-9", "0001", "0002", 400, 40_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-9", "completed");

        var again = await ledger.SubmitAsync([Setup.Do("DO-9", "0001", "0002", 400, 40_000m)], Setup.None);
        Assert.True(again[0].Accepted);
        Assert.Equal("completed", again[0].Status);
        var other = await ledger.SubmitAsync([Setup.Do("DO-9", "0001", "0002", 401, 40_000m)], Setup.None);
        Assert.False(other[0].Accepted);
        Assert.Equal(EntryRejection.SameIdOtherPayload, other[0].Error!.Rule);

        var b = (await ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        Assert.Equal(400, b.Positions.Single().Shares);
        Assert.Equal(-40_000m, b.SettlementBalance);
    }

    [Fact]
    public async Task A_resubmission_after_two_closes_is_answered_from_the_records_and_never_applied_again()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await WorkedSetup(ledger, receiverFund: 50_000m, receiverCap: 1_000_000m);
        await ledger.SubmitAsync([Setup.Do("DO-OLD", "0001", "0002", 100, 10_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-OLD", "completed");
        Assert.True((await ledger.CloseAsync(Setup.None)).Ok);
        Assert.True((await ledger.CloseAsync(Setup.None)).Ok);

        var again = await ledger.SubmitAsync([Setup.Do("DO-OLD", "0001", "0002", 100, 10_000m)], Setup.None);
        Assert.False(again[0].Accepted);
        Assert.Equal(EntryRejection.SameIdOtherPayload, again[0].Error!.Rule);
        var b = (await ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        Assert.Equal(100, b.Positions.Single().Shares);
        Assert.Equal(0m, b.SettlementBalance);
    }

    [Fact]
    public async Task Cancel_of_a_receive_pending_at_the_receiver_cancels_it_and_releases_the_shares()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await WorkedSetup(ledger, receiverFund: 50_000m, receiverCap: 80_000m);
        await ledger.SubmitAsync([Setup.Do("DO-C", "0001", "0002", 1_000, 100_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-C", "pending");

        var result = await ledger.CancelAsync(new DeliverOrderId("DO-C"), Setup.None);
        Assert.Equal(CancelOutcome.Cancelled, result.Outcome);
        await Eventually.Until(async () => (await ledger.AccountAsync(new ParticipantId("0001"), Setup.None))!.Positions.Single().ReservedShares == 0,
            TimeSpan.FromSeconds(10), "reservation released");
        // Cancelling again is idempotent; cancelling a completed deliver order is refused.
        Assert.Equal(CancelOutcome.Cancelled, (await ledger.CancelAsync(new DeliverOrderId("DO-C"), Setup.None)).Outcome);
        await ledger.SubmitAsync([Setup.Do("DO-D", "0001", "0002", 10, 1_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-D", "completed");
        Assert.Equal(CancelOutcome.NotPending, (await ledger.CancelAsync(new DeliverOrderId("DO-D"), Setup.None)).Outcome);
    }

    [Fact]
    public async Task Cutoff_drops_pending_and_close_settles_balances_and_opens_the_next_weekday()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await WorkedSetup(ledger, receiverFund: 50_000m, receiverCap: 80_000m);
        await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 100, Setup.None);
        var submitted = await ledger.SubmitAsync([Setup.Do("DO-P", "0001", "0002", 1_000, 100_000m), Setup.Do("DO-Q", "0001", "0002", 100, 5_000m)], Setup.None);
        Assert.All(submitted, r => Assert.True(r.Accepted, r.Error?.Message));
        await Eventually.Status(ledger, "DO-P", "pending");
        await Eventually.Status(ledger, "DO-Q", "completed");

        var cutoff = await ledger.CutoffAsync(Setup.None);
        Assert.True(cutoff.Ok, cutoff.Message);
        await Eventually.Status(ledger, "DO-P", "dropped");

        var before = (await ledger.ReferenceAsync(Setup.None)).BusinessDate;
        var close = await ledger.CloseAsync(Setup.None);
        Assert.True(close.Ok, close.Message);
        var after = (await ledger.ReferenceAsync(Setup.None)).BusinessDate;
        Assert.Equal(BusinessCalendar.Weekdays.Next(before), after);
        foreach (var p in new[] { "0001", "0002" })
        {
            var account = (await ledger.AccountAsync(new ParticipantId(p), Setup.None))!;
            Assert.Equal(0m, account.SettlementBalance);
            Assert.Equal(AccountState.FormatDate(after), account.BusinessDate);
            Assert.Empty(account.Pending);
        }
        var b = (await ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        Assert.Equal(100, b.Positions.Single().Shares);
        var a = (await ledger.AccountAsync(new ParticipantId("0001"), Setup.None))!;
        Assert.Equal(1_000, a.Positions.Single().Shares);
        Assert.Equal(0, a.Positions.Single().ReservedShares);
    }

    /// <summary>
    /// A batch larger than one message to an account is sent in chunks; the deliverer still decides
    /// it in the order given: with shares for all but the last 100 orders, exactly the last 100 pend.
    /// </summary>
    [Fact]
    public async Task A_batch_larger_than_one_message_is_answered_in_order_and_decided_in_order()
    {
        await using var node = await LedgerNode.StartAsync(Memory(), null, Setup.None);
        var ledger = node.Ledger;
        await Setup.Participant(ledger, "0001", 1_000_000m, 1_000_000m);
        await Setup.Participant(ledger, "0002", 1_000_000m, 1_000_000m);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        const int orders = ClusterLedger.OrdersPerMessageMax * 2 + 500;
        var batch = Enumerable.Range(0, orders)
            .Select(i => i % 700 == 699
                ? Setup.Do($"BAD-{i}", "0001", "0001", 1, 0m) // refused at entry: deliverer and receiver are the same
                : Setup.Do($"DO-{i:D5}", "0001", "0002", 1, 0m))
            .ToList();
        var refused = batch.Count(o => o.Id!.StartsWith("BAD-", StringComparison.Ordinal));
        Assert.True((await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, orders - refused - 100, Setup.None)).Ok);

        var results = await ledger.SubmitAsync(batch, Setup.None);

        Assert.Equal(batch.Select(o => o.Id), results.Select(r => r.Id));
        Assert.All(results.Where(r => r.Id!.StartsWith("BAD-", StringComparison.Ordinal)), r => Assert.False(r.Accepted));
        var accepted = results.Where(r => r.Accepted).ToList();
        Assert.Equal(orders - refused, accepted.Count);
        Assert.All(accepted.Take(orders - refused - 100), r => Assert.NotEqual("pending", r.Status));
        Assert.All(accepted.TakeLast(100), r => Assert.Equal("pending", r.Status));
    }

    [Fact]
    public async Task A_node_restarted_on_the_same_sqlite_folder_keeps_accounts_and_deliver_orders()
    {
        using var folder = new TempFolder();
        var options = new LedgerNodeOptions { DataDir = folder.Path, ResendInterval = TimeSpan.FromMilliseconds(200) };
        AccountView before;
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            await WorkedSetup(node.Ledger, receiverFund: 50_000m, receiverCap: 80_000m);
            await node.Ledger.SubmitAsync([Setup.Do("DO-A", "0001", "0002", 100, 5_000m), Setup.Do("DO-B", "0001", "0002", 900, 90_000m)], Setup.None);
            await Eventually.Status(node.Ledger, "DO-A", "completed");
            await Eventually.Status(node.Ledger, "DO-B", "pending");
            before = (await node.Ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
        }
        await using (var node = await LedgerNode.StartAsync(options, null, Setup.None))
        {
            var after = (await node.Ledger.AccountAsync(new ParticipantId("0002"), Setup.None))!;
            Assert.Equal(before with { Positions = [], Pending = [] }, after with { Positions = [], Pending = [] });
            Assert.Equal(before.Positions, after.Positions);
            Assert.Equal(before.Pending, after.Pending);
            Assert.Equal("completed", (await node.Ledger.DeliverOrderAsync(new DeliverOrderId("DO-A"), Setup.None))!.Status);
            var b = (await node.Ledger.DeliverOrderAsync(new DeliverOrderId("DO-B"), Setup.None))!;
            Assert.Equal("pending", b.Status);
            Assert.Equal("net-debit-cap", b.PendingReason);
            // The pending receive still recycles after the restart.
            await node.Ledger.SettlementProgressPaymentAsync(new ParticipantId("0002"), Money.FromDollars(20_000m), Setup.None);
            await Eventually.Status(node.Ledger, "DO-B", "completed");
        }
    }
}

[CollectionDefinition("cluster", DisableParallelization = true)]
public sealed class ClusterCollection;
