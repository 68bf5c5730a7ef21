using Akka.Actor;
using Akka.Cluster.Sharding;
using Ledger.Cluster.Income;
using Ledger.Income;
using Ledger.Settlement;
using Ledger.TestSupport;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Income tracking on three nodes on loopback sharing one PostgreSQL journal: the memo accounts,
/// the distribution schedule and the payable-date run are spread over the nodes, every request goes
/// to another node than the last, and the stock loans, the dividend with record date today, the
/// close and the payable date's entries and settlement balances come out as on one node. No ledger
/// message crosses nodes through Akka's default serializer.
/// </summary>
[Collection("cluster")]
public sealed class IncomeClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Occ = "0900", Lender = "0101", Borrower = "0102";
    private static readonly Cusip X = Cusips.Make(71);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Loans_a_dividend_and_the_close_post_the_same_income_whichever_node_owns_which_entity()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(postgres, "ledger_income_cluster");
        var nodes = cluster.Nodes;
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        static IncomeGateway Income(LedgerNode n) => ThreeNodeCluster.Service<IncomeGateway>(n);

        await cluster.SetUpLenderAndBorrowerAsync(Occ, Lender, Borrower, X);

        var reference = await Income(c).ReferenceAsync(Setup.None);
        var d = reference.BusinessDate;
        var n = reference.Calendar.Next(d);
        var announced = await Income(c).AnnounceAsync(X.Value, "DIV-1", new DistributionRequest("cash-dividend", 0.25m, IncomeDates.ToText(d), IncomeDates.ToText(n)), Setup.None);
        Assert.Null(announced.Error);
        Assert.Equal(IncomeDates.ToText(n), announced.Value!.PostingDate);
        Assert.Equal("DIV-1", Assert.Single(await Income(a).DistributionsAsync(X, Setup.None)).Id);

        // L lends B 1,000 X at the collateral margin (so the open marks nothing), B returns 400: the memo lines follow settlement's completions on every node.
        Assert.All(await a.Ledger.SubmitAsync([new DeliverOrderRequest("IC-LOAN", Lender, Borrower, X.Value, 1_000, 102_000m, "SL")], Setup.None), r => Assert.True(r.Accepted, r.Error?.Message));
        await Eventually.Status(b.Ledger, "IC-LOAN", "completed", Limit);
        Assert.All(await b.Ledger.SubmitAsync([new DeliverOrderRequest("IC-RETURN", Borrower, Lender, X.Value, 400, 40_800m, "SLR")], Setup.None), r => Assert.True(r.Accepted, r.Error?.Message));
        await Eventually.Status(c.Ledger, "IC-RETURN", "completed", Limit);
        await Eventually.Until(async () => await LineAsync(Income(a), Lender, Borrower) == 600 && await LineAsync(Income(b), Borrower, Lender) == -600,
            Limit, "the memo lines L +600 and B -600");

        // The entities sit on more than one node: the messages between them crossed nodes.
        var hosts = await cluster.HostsAsync(IncomeContext.Region);
        Assert.True(hosts.Values.Distinct().Count() >= 2, "every income entity on one node: " + string.Join(", ", hosts.Select(h => $"{h.Key}@{h.Value}")));

        // Record date D closes on the third node; payable D+1 posts at the open.
        var closed = await c.Ledger.CloseAsync(Setup.None);
        Assert.True(closed.Ok, closed.Message);
        var l = await Income(b).IncomeAsync(new ParticipantId(Lender), n, Setup.None);
        var bo = await Income(a).IncomeAsync(new ParticipantId(Borrower), n, Setup.None);
        Assert.Equal(250.00m, l.Total);
        Assert.Equal(0.00m, bo.Total);
        Assert.Equal([("holder-of-record", (string?)null, 400L, 100.00m), ("stock-loan-income", Borrower, 600L, 150.00m)],
            l.Entries.Select(e => (e.Kind, e.Counterparty, e.Shares, e.Amount)).ToList());
        Assert.Equal([("holder-of-record", (string?)null, 600L, 150.00m), ("stock-loan-income", Lender, 600L, -150.00m)],
            bo.Entries.Select(e => (e.Kind, e.Counterparty, e.Shares, e.Amount)).ToList());
        Assert.Equal(l.Entries[1].EntryId, bo.Entries[1].EntryId);
        // In the settlement balances from the open on, read on every node.
        foreach (var node in nodes)
        {
            Assert.Equal(250.00m, (await node.Ledger.AccountAsync(new ParticipantId(Lender), Setup.None))!.SettlementBalance);
            Assert.Equal(0.00m, (await node.Ledger.AccountAsync(new ParticipantId(Borrower), Setup.None))!.SettlementBalance);
        }
        // The lines as at the close of the record date, replayed from the shared journal on another node.
        var asOf = await Income(a).StockLoansAsync(new ParticipantId(Lender), d, Setup.None);
        Assert.Equal(600, Assert.Single(asOf.Value!.Lines, x => x.Counterparty == Borrower).Shares);

        // Asked straight through each node's region: the close left nothing open, and a query of
        // another kind of entity is answered as such (never a timeout).
        foreach (var node in nodes)
        {
            var region = ClusterSharding.Get(node.System).ShardRegion(IncomeContext.Region);
            Assert.Equal(new MemoOpenWork(0, 0), await region.Ask<object>(IncomeEnvelope.To(IncomeAddress.MemoAccount(new ParticipantId(Lender)), GetMemoOpenWork.Instance), Limit));
            Assert.Equal(new IncomeQueryNotAnswered("income-halts", nameof(GetMemoOpenWork)),
                await region.Ask<object>(IncomeEnvelope.To(IncomeAddress.HaltRegister, GetMemoOpenWork.Instance), Limit));
        }

        cluster.AssertEveryMessageCrossedThroughTheLedgersSerializers();
    }

    private static async Task<long> LineAsync(IncomeGateway income, string participant, string counterparty)
    {
        var view = (await income.StockLoansAsync(new ParticipantId(participant), null, Setup.None)).Value!;
        return view.Lines.Where(x => x.Counterparty == counterparty && x.Cusip == X.Value).Sum(x => x.Shares);
    }
}
