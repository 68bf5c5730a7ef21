using Akka.Actor;
using Akka.Cluster.Sharding;
using Ledger.Cluster.Lending;
using Ledger.Lending;
using Ledger.Settlement;
using Ledger.TestSupport;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The lending context on three nodes on loopback sharing one PostgreSQL journal: the loan books,
/// the directory and the lending days are spread over the nodes, and every request goes to another
/// node than the last. A loan (lending.md scenario 1), a price move, the open's mark completing
/// (scenario 2) and the loan read through each node come out as on one node: the steps, typed
/// queries, commands and replies cross nodes through the lending protocol serializer, never
/// through Akka's default one.
/// </summary>
[Collection("cluster")]
public sealed class LendingClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Occ = "0900", Lender = "0111", Borrower = "0112";
    private static readonly Cusip X = Cusips.Make(73);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task A_loan_a_price_move_and_the_opens_mark_come_out_the_same_whichever_node_owns_which_book()
    {
        await using var cluster = await ThreeNodeCluster.StartAsync(postgres, "ledger_lending_cluster");
        var nodes = cluster.Nodes;
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        static LendingGateway Lending(LedgerNode n) => ThreeNodeCluster.Service<LendingGateway>(n);

        await cluster.SetUpLenderAndBorrowerAsync(Occ, Lender, Borrower, X);

        // Scenario 1: L lends B 1,000 X for $102,000.00 at 4.5%; the loan is read on every node.
        Assert.All(await c.Ledger.SubmitAsync([new DeliverOrderRequest("LC-LOAN", Lender, Borrower, X.Value, 1_000, 102_000m, "SL", 0.045m)], Setup.None),
            r => Assert.True(r.Accepted, r.Error?.Message));
        await Eventually.Status(a.Ledger, "LC-LOAN", "completed", Limit);
        foreach (var node in nodes)
        {
            await Eventually.Until(async () => (await Lending(node).LoansOfAsync(new ParticipantId(Borrower), LoanStateFilter.Open, Setup.None)).Count == 1,
                Limit, "the open loan seen from every node");
        }
        var loan = Assert.Single(await Lending(a).LoansOfAsync(new ParticipantId(Lender), null, Setup.None));
        Assert.Equal(("LC-LOAN", new ParticipantId(Borrower), 102_000_00L, 1.02m, 0.045m), (loan.Id, loan.Counterparty!.Value, loan.Collateral.Cents, loan.CollateralMargin, loan.RebateRate));

        // Scenario 2: X closes at $105; the close runs on the third node, its open marks the loan.
        Assert.True((await b.Ledger.PutSecurityAsync(X, Money.FromDollars(105m), 0.10m, Setup.None)).Ok);
        var closed = await c.Ledger.CloseAsync(Setup.None);
        Assert.True(closed.Ok, closed.Message);
        var opened = (await a.Ledger.ReferenceAsync(Setup.None)).BusinessDate;
        await Eventually.Until(async () => (await Lending(b).MarksOfAsync(new ParticipantId(Lender), opened, Setup.None)) is [{ Status: "completed" }],
            Limit, "the open's mark completed");
        for (var i = 0; i < nodes.Count; i++)
        {
            var marks = await Lending(nodes[i]).MarksOfAsync(new ParticipantId(Borrower), opened, Setup.None);
            var mark = Assert.Single(marks);
            Assert.Equal(("LC-LOAN", 5_100_00L, new ParticipantId(Borrower), new ParticipantId(Lender), "completed", 107_100_00L),
                (mark.LoanId, mark.Amount.Cents, mark.Payer, mark.Payee, mark.Status, mark.Required.Cents));
            var detail = await Lending(nodes[(i + 1) % nodes.Count]).LoanAsync("LC-LOAN", new ParticipantId(i % 2 == 0 ? Lender : Borrower), Setup.None);
            Assert.NotNull(detail);
            Assert.Equal(107_100_00L, detail.Loan.Collateral.Cents);
            Assert.Equal(mark, Assert.Single(detail.Marks));
            Assert.Null(await Lending(nodes[i]).LoanAsync("LC-LOAN", new ParticipantId(Occ), Setup.None)); // not a party
            Assert.Equal(5_100.00m, (await nodes[i].Ledger.AccountAsync(new ParticipantId(Lender), Setup.None))!.SettlementBalance);
            Assert.Equal(-5_100.00m, (await nodes[i].Ledger.AccountAsync(new ParticipantId(Borrower), Setup.None))!.SettlementBalance);
        }

        // The entities sit on more than one node: the steps and queries crossed nodes.
        var hosts = await cluster.HostsAsync(LendingContext.Region);
        Assert.True(hosts.Values.Distinct().Count() >= 2, "every lending entity on one node: " + string.Join(", ", hosts.Select(h => $"{h.Key}@{h.Value}")));

        // Asked straight through each node's region: a typed query reads the day, and one of another kind of entity is answered as such.
        foreach (var node in nodes)
        {
            var region = ClusterSharding.Get(node.System).ShardRegion(LendingContext.Region);
            var progress = Assert.IsType<LendingDayProgress>(await region.Ask<object>(new LendingEnvelope(LendingEntities.DayEntityId(opened), GetLendingDayProgress.Instance), Limit));
            Assert.True(progress.MarksFinished);
            Assert.Empty(progress.MarkBooks);
            Assert.Equal(new LendingQueryNotAnswered(nameof(GetLendingDayProgress), nameof(LoanBookDirectoryState)),
                await region.Ask<object>(new LendingEnvelope(LoanBookDirectoryState.PersistenceId, GetLendingDayProgress.Instance), Limit));
        }

        cluster.AssertEveryMessageCrossedThroughTheLedgersSerializers();
    }
}
