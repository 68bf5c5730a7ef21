using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Payment orders on a real node over a real SQLite file: entered through the gateway the lending
/// context calls (<see cref="IPaymentOrderGateway"/>), checked, paired at OCC, dropped at the cutoff,
/// their completions and drops published under <see cref="SettlementPublication.Tag"/>, and all of
/// it as it was after the node is stopped and started again on the same file.
/// Price $100, haircut 10%.
/// </summary>
[Collection("cluster")]
public sealed class PaymentOrderNodeTests
{
    private const string Occ = "0900", L = "0001", B = "0002", A = "0003";

    private static LedgerNodeOptions Options(string folder) => new() { DataDir = folder, ResendInterval = TimeSpan.FromMilliseconds(200) };

    private static PaymentOrderRequest Mark(string id, string payer, string payee, decimal amount, DateOnly date) =>
        new(id, payer, payee, Cusips.Apple.Value, amount, date);

    [Fact]
    public async Task Payment_orders_settle_pair_at_occ_drop_at_the_cutoff_are_published_and_survive_a_restart()
    {
        using var folder = new TempFolder();
        DateOnly day;
        string[] views;
        await using (var node = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None))
        {
            var ledger = node.Ledger;
            var gateway = Assert.IsAssignableFrom<IPaymentOrderGateway>(ledger);
            await Setup.Participant(ledger, Occ, 0m, 0m, ccp: true);
            await Setup.Participant(ledger, L, 0m, 0m, marketLoan: true);
            await Setup.Participant(ledger, B, 1_000_000m, 50_000m, marketLoan: true);
            await Setup.Participant(ledger, A, 1_000m, 50_000m);
            Assert.True((await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None)).Ok);
            day = (await ledger.ReferenceAsync(Setup.None)).BusinessDate;

            // B pays A $5,100 directly; A's cap is $1,000, so A's payment of $6,101 to L pends.
            var direct = await gateway.SubmitPaymentOrderAsync(Mark("MK-DIRECT", B, A, 5_100m, day), Setup.None);
            Assert.True(direct.Accepted, direct.Error?.Message);
            await Eventually.Status(ledger, "MK-DIRECT", "completed");
            var pends = await gateway.SubmitPaymentOrderAsync(Mark("MK-PENDS", A, L, 6_101m, day), Setup.None);
            Assert.True(pends.Accepted, pends.Error?.Message);
            var pending = await Eventually.Status(ledger, "MK-PENDS", "pending");
            Assert.Equal(("net-debit-cap", A, L), (pending.PendingReason, pending.Payer, pending.Payee));

            // A Market Loan's mark: B -> OCC and OCC -> L, the OCC leg first; they complete together.
            await gateway.SubmitPaymentOrderAsync(Mark("MK-OCC-L", Occ, L, 7_000m, day), Setup.None);
            await Eventually.Status(ledger, "MK-OCC-L", "pending");
            await gateway.SubmitPaymentOrderAsync(Mark("MK-B-OCC", B, Occ, 7_000m, day), Setup.None);
            Assert.Equal("look-ahead", (await Eventually.Status(ledger, "MK-OCC-L", "completed")).CompletedBy);
            await Eventually.Status(ledger, "MK-B-OCC", "completed");

            // Sent again: no second effect.
            var again = await gateway.SubmitPaymentOrderAsync(Mark("MK-DIRECT", B, A, 5_100m, day), Setup.None);
            Assert.Equal((true, "completed"), (again.Accepted, again.Status));
            var other = await gateway.SubmitPaymentOrderAsync(Mark("MK-DIRECT", B, A, 5_000m, day), Setup.None);
            Assert.Equal("deliver-order-id-unique", other.Error?.RuleName);

            Assert.True((await ledger.CutoffAsync(Setup.None)).Ok);
            await Eventually.Status(ledger, "MK-PENDS", "dropped");
            Assert.Equal((-12_100m, 5_100m, 7_000m, 0m), (
                (await ledger.AccountAsync(new ParticipantId(B), Setup.None))!.SettlementBalance,
                (await ledger.AccountAsync(new ParticipantId(A), Setup.None))!.SettlementBalance,
                (await ledger.AccountAsync(new ParticipantId(L), Setup.None))!.SettlementBalance,
                (await ledger.AccountAsync(new ParticipantId(Occ), Setup.None))!.SettlementBalance));

            // Published: each completion at both parties (the OCC pair as OCC's look-ahead), and the drop once, at its payee.
            var published = await node.JournalTable!.TaggedAfterAsync(SettlementPublication.Tag, 0, long.MaxValue, 1_000, Setup.None);
            var facts = published.SelectMany(r => new PublishedEvent(r.Ordering, r.PersistenceId, r.SequenceNr, r.Manifest, r.Event).SettlementFacts()).ToList();
            var drop = Assert.Single(facts.OfType<PaymentOrderDropped>());
            Assert.Equal(("MK-PENDS", A, L, 610_100L, AccountState.FormatDate(day)), (drop.Order.Id, drop.Payer, drop.Payee, drop.Order.AmountCents, drop.BusinessDate));
            var settled = facts.OfType<DeliverOrderSettled>().Select(s => $"{s.Order.Id}@{s.Participant}").Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["MK-B-OCC@0002", "MK-B-OCC@0900", "MK-DIRECT@0002", "MK-DIRECT@0003", "MK-OCC-L@0001", "MK-OCC-L@0900"], settled);

            views = await Views(ledger);
            Assert.True((await ledger.CloseAsync(Setup.None)).Ok);
        }

        await using (var node = await LedgerNode.StartAsync(Options(folder.Path), null, Setup.None))
        {
            var ledger = node.Ledger;
            var gateway = (IPaymentOrderGateway)ledger;
            Assert.Equal(views, await Views(ledger));
            // The day is closed: a new payment order for it is reported dropped and never entered;
            // one entered that day is answered with how it ended.
            var late = await gateway.SubmitPaymentOrderAsync(Mark("MK-LATE", B, A, 1m, day), Setup.None);
            Assert.Equal((false, "dropped", "business-day-open"), (late.Accepted, late.Status, late.Error?.RuleName));
            Assert.Null(await ledger.DeliverOrderAsync(new DeliverOrderId("MK-LATE"), Setup.None));
            var done = await gateway.SubmitPaymentOrderAsync(Mark("MK-DIRECT", B, A, 5_100m, day), Setup.None);
            Assert.Equal((true, "completed"), (done.Accepted, done.Status));
            var dropped = await gateway.SubmitPaymentOrderAsync(Mark("MK-PENDS", A, L, 6_101m, day), Setup.None);
            Assert.Equal((true, "dropped"), (dropped.Accepted, dropped.Status));
        }
    }

    private static async Task<string[]> Views(ILedger ledger)
    {
        var ids = new[] { "MK-DIRECT", "MK-PENDS", "MK-OCC-L", "MK-B-OCC" };
        var views = new List<string>();
        foreach (var id in ids) views.Add(System.Text.Json.JsonSerializer.Serialize(await ledger.DeliverOrderAsync(new DeliverOrderId(id), Setup.None)));
        return views.ToArray();
    }
}
