using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Admission at the gateway's door on a real one-node cluster with a tiny in-flight limit
/// (<see cref="LedgerNodeOptions.DeliverOrdersInFlightMax"/> = 5, under which a batch of three
/// loans never fits whole): Market Loans are admitted only in whole pairs, every admitted deliver
/// order completes, a refused one changes nothing and goes in when sent again.
/// </summary>
[Collection("cluster")]
public sealed class AdmissionNodeTests
{
    private const string Occ = "0900";
    private static readonly string[] Lenders = ["0001", "0002", "0003"];
    private static readonly string[] Borrowers = ["0011", "0012", "0013"];
    private const int InFlightMax = 5;
    private const int Batches = 8, LoansPerBatch = 3;

    private static LedgerNodeOptions Options() => new()
    {
        Store = "memory",
        ResendInterval = TimeSpan.FromMilliseconds(200),
        DeliverOrdersInFlightMax = InFlightMax,
    };

    private static async Task<ILedger> World(LedgerNode node)
    {
        var ledger = node.Ledger;
        await ledger.PutSecurityAsync(Cusips.Apple, Money.FromDollars(100m), 0.10m, Setup.None);
        await Setup.Participant(ledger, Occ, 0m, 0m, marketLoan: false, ccp: true);
        foreach (var p in Lenders) await Setup.Participant(ledger, p, 100_000_000m, 10_000_000m, marketLoan: true);
        foreach (var p in Borrowers) await Setup.Participant(ledger, p, 100_000_000m, 10_000_000m, marketLoan: true);
        foreach (var p in Lenders) Assert.True((await ledger.DepositAsync(new ParticipantId(p), Cusips.Apple, 100_000, Setup.None)).Ok);
        return ledger;
    }

    /// <summary>Loan k: its lender to OCC (leg a) and OCC to its borrower (leg b), on terms no other loan shares, so look-ahead pairs exactly these legs.</summary>
    private static (DeliverOrderRequest A, DeliverOrderRequest B) Loan(int k)
    {
        var shares = 100 + k;
        var amount = shares * 100m;
        return (Setup.Do($"L{k}-a", Lenders[k % Lenders.Length], Occ, shares, amount),
            Setup.Do($"L{k}-b", Occ, Borrowers[k % Borrowers.Length], shares, amount));
    }

    /// <summary>A batch's loans, legs not always adjacent nor lender first: the gateway pairs them by their terms.</summary>
    private static List<DeliverOrderRequest> Batch(IEnumerable<int> loans)
    {
        var legs = loans.Select(Loan).ToList();
        var batch = new List<DeliverOrderRequest>();
        for (var i = 0; i < legs.Count; i++) batch.Add(i % 2 == 0 ? legs[i].A : legs[i].B);
        for (var i = 0; i < legs.Count; i++) batch.Add(i % 2 == 0 ? legs[i].B : legs[i].A);
        return batch;
    }

    private static int LoanOf(string id) => int.Parse(id[1..id.IndexOf('-', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Under_a_tiny_in_flight_limit_loans_go_in_as_whole_pairs_and_every_admitted_deliver_order_completes()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        var gateway = (ClusterLedger)node.Ledger;

        // Eight batches of three loans at once: at most five deliver orders in flight, so a batch
        // never goes in whole and the batches compete for the places.
        var answers = await Task.WhenAll(Enumerable.Range(0, Batches)
            .Select(b => Task.Run(() => ledger.SubmitAsync(Batch(Enumerable.Range(b * LoansPerBatch, LoansPerBatch)), Setup.None))));
        var results = answers.SelectMany(a => a).ToList();
        Assert.Equal(Batches * LoansPerBatch * 2, results.Count);

        // Both legs or neither, for every loan.
        var byLoan = results.GroupBy(r => LoanOf(r.Id!)).ToList();
        Assert.All(byLoan, loan => Assert.Single(loan.Select(r => r.Accepted).Distinct()));
        var admitted = byLoan.Where(l => l.First().Accepted).Select(l => l.Key).Order().ToList();
        var refused = byLoan.Where(l => !l.First().Accepted).Select(l => l.Key).Order().ToList();
        Assert.NotEmpty(admitted);
        Assert.NotEmpty(refused);
        // A batch of three loans needs six places: its third loan at least is refused.
        Assert.All(Enumerable.Range(0, Batches), b => Assert.Contains(b * LoansPerBatch + 2, refused));

        // A refusal is a per-item answer naming the field and the rule, and nothing of the order was taken.
        foreach (var r in results.Where(r => !r.Accepted))
        {
            Assert.Equal(("rejected", "id", "deliver-orders-in-flight-max"), (r.Status, r.Error!.Field, r.Error.RuleName));
            Assert.Contains("partner leg", r.Error.Message, StringComparison.Ordinal);
            Assert.Null(await ledger.DeliverOrderAsync(new DeliverOrderId(r.Id!), Setup.None));
        }

        // Every admitted deliver order completes, by look-ahead at OCC.
        foreach (var k in admitted)
        {
            Assert.Equal("look-ahead", (await Eventually.Status(ledger, $"L{k}-a", "completed")).CompletedBy);
            Assert.Equal("look-ahead", (await Eventually.Status(ledger, $"L{k}-b", "completed")).CompletedBy);
        }
        Assert.Equal(0, gateway.DeliverOrdersInFlight);

        // The refused loans, sent again (two at a time fit under the limit): taken now, and they complete too.
        var pending = refused.ToList();
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            Assert.True(attempt < 100, $"loans {string.Join(", ", pending)} still refused after 100 rounds");
            var round = pending.Take(2).ToList();
            var again = await ledger.SubmitAsync(Batch(round), Setup.None);
            Assert.All(again, r => Assert.True(r.Accepted, r.Error?.Message));
            pending.RemoveRange(0, round.Count);
        }
        foreach (var k in refused)
        {
            await Eventually.Status(ledger, $"L{k}-a", "completed");
            await Eventually.Status(ledger, $"L{k}-b", "completed");
        }
        Assert.Equal(0, gateway.DeliverOrdersInFlight);

        // Every loan delivered exactly once: each borrower holds its loans' shares, OCC holds nothing and is flat.
        for (var i = 0; i < Borrowers.Length; i++)
        {
            var expected = Enumerable.Range(0, Batches * LoansPerBatch).Where(k => k % Borrowers.Length == i).Sum(k => 100L + k);
            var account = (await ledger.AccountAsync(new ParticipantId(Borrowers[i]), Setup.None))!;
            Assert.Equal(expected, account.Positions.Single().Shares);
        }
        var occ = (await ledger.AccountAsync(new ParticipantId(Occ), Setup.None))!;
        Assert.Equal(0m, occ.SettlementBalance);
        Assert.All(occ.Positions, p => Assert.Equal(0, p.Shares));
    }

    [Fact]
    public async Task A_batch_that_fits_goes_in_whole_and_the_limit_is_free_again_once_it_is_answered()
    {
        await using var node = await LedgerNode.StartAsync(Options(), null, Setup.None);
        var ledger = await World(node);
        var gateway = (ClusterLedger)node.Ledger;

        for (var round = 0; round < 3; round++)
        {
            var results = await ledger.SubmitAsync(Batch([2 * round, 2 * round + 1]), Setup.None);
            Assert.All(results, r => Assert.True(r.Accepted, r.Error?.Message));
            Assert.Equal(0, gateway.DeliverOrdersInFlight);
        }
        for (var k = 0; k < 6; k++) await Eventually.Status(ledger, $"L{k}-b", "completed");
    }
}
