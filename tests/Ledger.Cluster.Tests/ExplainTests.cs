using Ledger.Cluster.Explain;
using Ledger.Domain;
using Ledger.Journal;

namespace Ledger.Cluster.Tests;

/// <summary>
/// `ledger explain` end to end: atp-rules.md scenario 3 run on a real node on SQLite, then told
/// from the store alone, by the node's own actor system and by a plain local one beside it.
/// </summary>
[Collection("cluster")]
public sealed class ExplainTests
{
    private const string Terms = " [price 100.00, haircut 10%]";

    [Fact]
    public async Task Scenario_3_is_explained_from_the_journal_pend_on_net_debit_cap_then_recycle_after_the_payment()
    {
        using var folder = new TempFolder();
        var options = new LedgerNodeOptions { DataDir = folder.Path, ResendInterval = TimeSpan.FromMilliseconds(200), RecycleCutoffLocalTime = null };
        await using var node = await LedgerNode.StartAsync(options, null, Setup.None);
        var ledger = node.Ledger;
        await Setup.Participant(ledger, "0001", 1_000_000m, 0m);
        await Setup.Participant(ledger, "0002", 80_000m, 50_000m);
        Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
        Assert.True((await ledger.DepositAsync(new ParticipantId("0001"), Cusips.Apple, 1_000, Setup.None)).Ok);
        await ledger.SubmitAsync([Setup.Do("DO-3", "0001", "0002", 1_000, 100_000m)], Setup.None);
        await Eventually.Status(ledger, "DO-3", "pending");
        Assert.True((await ledger.SettlementProgressPaymentAsync(new ParticipantId("0002"), Money.FromDollars(30_000m), Setup.None)).Ok);
        await Eventually.Status(ledger, "DO-3", "completed");
        // The deliverer journals its completion when the receiver's report reaches it.
        await Eventually.Until(async () => (await node.Journal.ExplainAsync(new DeliverOrderId("DO-3"), Setup.None))!.Steps.Count == 5,
            TimeSpan.FromSeconds(10), "the deliverer's completion journaled");

        var fromNode = (await node.Journal.ExplainAsync(new DeliverOrderId("DO-3"), Setup.None))!;
        var fromStore = (await ExplainReader.ExplainStoreAsync(new StoreSettings(StoreConfig.Sqlite, null, folder.Path), new DeliverOrderId("DO-3"), Setup.None))!;

        foreach (var x in new[] { fromNode, fromStore })
        {
            var sentences = x.Steps.Select(s => s.Sentence[10..]).ToArray(); // without the time "10:42:03Z "
            Assert.Equal([
                "registered: deliverer 0001, receiver 0002, business date " + x.Steps[0].Sentence.Split("business date ")[1],
                "deliverer 0001 reserved 1,000 sh: 1,000 sh available >= 1,000 sh; collateral monitor 90,000.00 + (100,000.00 - 90,000.00 delivered) = 100,000.00 >= 0" + Terms,
                "receiver 0002 pended on net-debit-cap: balance 0.00 - 100,000.00 = net debit 100,000.00 > cap 80,000.00; collateral monitor 50,000.00 + (90,000.00 received - 100,000.00) = 40,000.00 >= 0" + Terms,
                $"receiver 0002 completed by recycle after a settlement progress payment of 30,000.00 ({Explanation.Time(x.Steps[3].At)}): collateral monitor 80,000.00 + (90,000.00 received - 100,000.00) = 70,000.00 >= 0; balance 30,000.00 - 100,000.00 = net debit 70,000.00 <= cap 80,000.00" + Terms,
                "deliverer 0001 completed by recycle: 1,000 sh delivered, 100,000.00 credited",
            ], sentences);
            Assert.Equal(("completed", "recycle"), (x.FinalState, x.CompletedBy));
            Assert.Equal([Explanation.RecycleNote], x.Notes);
            Assert.Equal(["index", "0001", "0002", "0002", "0001"], x.Steps.Select(s => s.Participant));
        }

        Assert.Null(await node.Journal.ExplainAsync(new DeliverOrderId("DO-404"), Setup.None));
    }

    [Fact]
    public async Task Explaining_a_folder_without_a_journal_creates_nothing()
    {
        using var folder = new TempFolder();

        await Assert.ThrowsAsync<Replay.ReplayStoreException>(() =>
            ExplainReader.ExplainStoreAsync(new StoreSettings(StoreConfig.Sqlite, null, folder.Path), new DeliverOrderId("DO-1"), Setup.None));

        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }
}
