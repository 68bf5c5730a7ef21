using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Remote;
using Akka.Remote.Transport;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.TestSupport;
using Xunit.Abstractions;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Three nodes on loopback share one PostgreSQL journal under a steady Market Loan load. The oldest
/// node (seed, shard coordinators) is stopped hard: its network is cut, then its actor system is
/// aborted, so it neither leaves nor hands off. The split-brain resolver (keep-majority) downs it; the
/// coordinators and its accounts restart on the survivors from the journal; every acknowledged
/// deliver order completes; money, positions and OCC's flat book hold; a new node on the same port
/// rejoins and settles deliver orders of the accounts it takes over.
/// No ledger message crosses nodes through Akka's default serializer.
/// </summary>
[Collection("cluster")]
public sealed class FailoverTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const string Occ = "0900";
    private const int ParticipantCount = 20;
    private const long SharesDeposited = 1_000_000;
    private const int WorkersPerSurvivor = 2;
    private const int PairsBeforeCrashMin = 30;
    private const int PairsAfterFailoverMin = 30;

    private static readonly Cusip Apple = Cusips.Apple;
    private static readonly decimal PriceDollars = 100m;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static readonly string[] Participants = Enumerable.Range(1, ParticipantCount)
        .Select(i => i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();

    private static readonly string[] Accounts = [.. Participants, Occ];

    /// <summary>
    /// Test timings; production keeps ledger.conf's (failure detector 3 s pause, stable-after 20 s,
    /// removal margin = stable-after). The throttler adapter lets the test cut a node's network.
    /// </summary>
    private const string TestConfig = """
        akka.loglevel = WARNING
        # The aborted node logs every send it can no longer make to the console; the ErrorLog keeps what matters.
        akka.stdout-loglevel = OFF
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.split-brain-resolver.stable-after = 3s
        akka.cluster.sharding.rebalance-interval = 2s
        akka.cluster.sharding.entity-restart-backoff = 200ms
        """ + "\n" + FallbackRecorder.Config;

    private sealed record Loan(int Number, string Lender, string Borrower, DateTimeOffset StartedAt, DateTimeOffset AcknowledgedAt, int Attempts, string Via);

    private sealed class Load
    {
        private int _next;
        public readonly ConcurrentDictionary<string, DeliverOrderRequest> Acknowledged = new(StringComparer.Ordinal);
        public readonly ConcurrentQueue<Loan> Loans = new();
        public int Retries;

        public int Next() => Interlocked.Increment(ref _next);
    }

    [SkippableFact]
    public async Task A_node_stopped_hard_under_load_loses_nothing_its_accounts_recover_on_the_survivors_and_a_new_node_rejoins()
    {
        var connection = await postgres.CreateDatabaseAsync("ledger_failover");
        FallbackRecorder.Clear();
        var errors = new ErrorLog();
        var clock = Stopwatch.StartNew();
        var nodes = new List<LedgerNode>();
        LedgerNode? victim = null;
        try
        {
            // The node to stop is the first: the seed, and as the oldest member the host of every
            // shard coordinator, so the coordinators fail over along with its accounts.
            victim = await Start(connection, [], errors);
            var joining = new[] { Start(connection, [victim.Address], errors), Start(connection, [victim.Address], errors) };
            try
            {
                await Task.WhenAll(joining);
            }
            finally
            {
                nodes.AddRange(joining.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
            var (a, b) = (joining[0].Result, joining[1].Result);
            await AllUp([victim, a, b], 3);
            await Eventually.Until(async () => (await Regions(a)).Count == 3, Limit, "three account regions registered with the coordinator");
            var oldest = Akka.Cluster.Cluster.Get(a.System).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).First();
            Assert.Equal(Akka.Cluster.Cluster.Get(victim.System).SelfAddress, oldest.Address);
            Log(clock, "three nodes up");

            await SetUp(a.Ledger);
            var onVictim = await Hosted(victim);
            Assert.True(onVictim.Count > 0, "no account was on the node to be stopped: the test would prove nothing");
            Log(clock, $"set up; accounts on the node to stop: {string.Join(", ", onVictim.Order(StringComparer.Ordinal))}");

            var load = new Load();
            using var stop = new CancellationTokenSource();
            var workers = new[] { a, b }
                .SelectMany((n, i) => Enumerable.Range(0, WorkersPerSurvivor).Select(w => (Node: n, Seed: i * WorkersPerSurvivor + w)))
                .Select(x => Task.Run(() => Worker(x.Node, x.Seed, load, stop.Token)))
                .ToList();
            await UntilAcknowledged(load, PairsBeforeCrashMin, workers, "load before the stop");

            // Stop the victim hard.
            var crashAt = DateTimeOffset.UtcNow;
            var acknowledgedBeforeCrash = load.Acknowledged.Keys.ToHashSet(StringComparer.Ordinal);
            var victimAddress = Akka.Cluster.Cluster.Get(victim.System).SelfAddress;
            await StopHard(victim, [a, b]);
            Log(clock, $"node {victimAddress} stopped hard after {acknowledgedBeforeCrash.Count / 2} pairs");

            await Eventually.Until(() => Task.FromResult(new[] { a, b }.All(n =>
                Akka.Cluster.Cluster.Get(n.System).State.Unreachable.Any(m => m.Address == victimAddress))), Limit, "the survivors see the stopped node unreachable");
            Log(clock, "unreachable");
            await Eventually.Until(() => Task.FromResult(new[] { a, b }.All(n =>
                Akka.Cluster.Cluster.Get(n.System).State.Members.All(m => m.Address != victimAddress))), Limit, "the split-brain resolver downs the stopped node and it is removed");
            Log(clock, "downed and removed by the split-brain resolver");

            // Its accounts restart on the survivors (remember-entities), recovering from the journal.
            await Eventually.Until(async () => (await Hosted(a)).Union(await Hosted(b)).ToHashSet().IsSupersetOf(onVictim), Limit,
                "every account of the stopped node restarts on a survivor");
            Log(clock, "its accounts restarted on the survivors");

            var removedAt = DateTimeOffset.UtcNow;
            await UntilAcknowledged(load, acknowledgedBeforeCrash.Count / 2 + PairsAfterFailoverMin, workers, "load after the failover");
            Assert.Contains(load.Loans, l => l.AcknowledgedAt > removedAt && (onVictim.Contains(l.Lender) || onVictim.Contains(l.Borrower) || onVictim.Contains(Occ)));
            Log(clock, $"{load.Acknowledged.Count / 2} pairs acknowledged");

            // A new node on the stopped node's port joins, takes over accounts and settles deliver orders for them.
            var rejoined = await Start(connection, [a.Address, b.Address], errors, victimAddress.Port ?? 0);
            nodes.Add(rejoined);
            await AllUp([a, b, rejoined], 3);
            Log(clock, $"node {rejoined.Address} joined");
            HashSet<string> onRejoined = [];
            await Eventually.Until(async () => (onRejoined = await Hosted(rejoined)).Count > 0, Limit, "the rebalance moves accounts to the rejoined node");
            Log(clock, $"accounts moved to the rejoined node: {string.Join(", ", onRejoined.Order(StringComparer.Ordinal))}");
            foreach (var participant in onRejoined.Where(p => p != Occ).Take(2).DefaultIfEmpty(Participants[0]))
            {
                var n = load.Next();
                var borrower = Participants.First(p => p != participant);
                var pair = Pair(n, participant, borrower, 10);
                await SubmitUntilAccepted(rejoined.Ledger, pair, load);
                foreach (var leg in pair) load.Acknowledged[leg.Id!] = leg;
                load.Loans.Enqueue(new Loan(n, participant, borrower, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 1, "rejoined"));
                foreach (var leg in pair) await Eventually.Status(rejoined.Ledger, leg.Id!, "completed", Limit);
            }
            Log(clock, "the rejoined node settled deliver orders of its accounts");

            await stop.CancelAsync();
            await Task.WhenAll(workers);
            Log(clock, $"load stopped: {load.Acknowledged.Count} deliver orders acknowledged, {load.Retries} submits retried");

            // Pairs whose submission was under way when the node stopped: each worker is always mid-pair.
            var spanning = load.Loans.Where(l => l.StartedAt < crashAt && l.AcknowledgedAt > crashAt).ToList();
            Assert.NotEmpty(spanning);
            output.WriteLine($"pairs in flight at the stop: {spanning.Count} ({spanning.Count(l => l.Attempts > 1)} of them resubmitted)");

            var states = await Quiesce(a, load);
            Log(clock, "quiescent");
            await Verify(a, states, load, onVictim);

            var finishedLate = acknowledgedBeforeCrash.Count(id => FinishedAt(states, load.Acknowledged[id]) > crashAt);
            output.WriteLine($"deliver orders acknowledged before the stop and finished after it: {finishedLate}");
            Assert.Empty(FallbackRecorder.LedgerTypes);
        }
        finally
        {
            foreach (var line in errors.Lines.Take(60)) output.WriteLine(line);
            // The nodes and their database are thrown away, so they are aborted rather than left
            // gracefully: with every node leaving at once, each waits on the others' hand-offs.
            foreach (var node in nodes.Append(victim).OfType<LedgerNode>()) ((ExtendedActorSystem)node.System).Abort();
            await Task.WhenAll(nodes.Append(victim).OfType<LedgerNode>().Select(n => n.System.WhenTerminated)).WaitAsync(Limit);
            Log(clock, "nodes stopped");
        }
    }

    private void Log(Stopwatch clock, string what) =>
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

    private static Task<LedgerNode> Start(string connection, IReadOnlyList<string> seeds, ErrorLog errors, int port = 0) =>
        LedgerNode.StartAsync(new LedgerNodeOptions
        {
            Store = "postgres",
            Connection = connection,
            Hostname = "127.0.0.1",
            Port = port,
            SeedNodes = seeds,
            ResendInterval = TimeSpan.FromMilliseconds(300),
            AskTimeout = TimeSpan.FromSeconds(5),
            RecycleCutoffLocalTime = null,
            ExtraConfig = TestConfig,
        }, errors, Setup.None);

    private static Task AllUp(IReadOnlyList<LedgerNode> nodes, int count) =>
        Eventually.Until(() => Task.FromResult(nodes.All(n =>
            Akka.Cluster.Cluster.Get(n.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == count)), Limit, $"{count} members up on every node");

    /// <summary>The account regions the coordinator knows; none while no coordinator answers.</summary>
    private static async Task<IReadOnlySet<Address>> Regions(LedgerNode node)
    {
        try
        {
            return (await AccountRegion(node).Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(5))).Regions.ToHashSet();
        }
        catch (AskTimeoutException)
        {
            return new HashSet<Address>();
        }
    }

    private static IActorRef AccountRegion(LedgerNode node) => ClusterSharding.Get(node.System).ShardRegion(LedgerNode.AccountRegion);

    /// <summary>The accounts whose actors run on <paramref name="node"/> now; none while its region does not answer.</summary>
    private static async Task<HashSet<string>> Hosted(LedgerNode node)
    {
        try
        {
            var state = await AccountRegion(node).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            return state.Shards.SelectMany(s => s.EntityIds).ToHashSet(StringComparer.Ordinal);
        }
        catch (AskTimeoutException)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// The closest an in-process test gets to a crash: the node's network is cut first (Akka's
    /// throttler drops everything both ways, so no leave, hand-off or death-watch notice reaches
    /// anyone), then its actor system is aborted.
    /// </summary>
    private static async Task StopHard(LedgerNode node, IEnumerable<LedgerNode> others)
    {
        var system = (ExtendedActorSystem)node.System;
        var transport = ((IRemoteActorRefProvider)system.Provider).Transport;
        foreach (var other in others)
        {
            var address = Akka.Cluster.Cluster.Get(other.System).SelfAddress;
            Assert.True(await transport.ManagementCommand(new SetThrottle(address, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)),
                $"could not cut the network to {address}");
        }
        system.Abort();
        await system.WhenTerminated.WaitAsync(Limit);
    }

    private static async Task SetUp(ILedger ledger)
    {
        await Retry(() => ledger.PutSecurityAsync(Apple, Money.FromDollars(PriceDollars), 0.10m, Setup.None));
        await Retry(() => ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(Occ), "Options Clearing Corporation", Money.Zero, Money.Zero,
            MarketLoanProgram: false, CentralCounterparty: true), Setup.None));
        await Task.WhenAll(Participants.Select(async p =>
        {
            await Retry(() => ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(p), "Participant " + p,
                Money.FromDollars(1_000_000_000m), Money.FromDollars(100_000_000m), MarketLoanProgram: true, CentralCounterparty: false), Setup.None));
            await Retry(() => ledger.DepositAsync(new ParticipantId(p), Apple, SharesDeposited, Setup.None));
        }));
    }

    /// <summary>Set-up steps retried on a timeout (fresh shards and journal tables can be slow); each step is idempotent or counted from the journal.</summary>
    private static async Task Retry(Func<Task<CommandResult>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await step();
                Assert.True(result.Ok, result.Message ?? result.Error?.Message);
                return;
            }
            catch (AskTimeoutException) when (attempt < 10)
            {
            }
        }
    }

    private static DeliverOrderRequest[] Pair(int n, string lender, string borrower, int shares)
    {
        var amount = shares * PriceDollars;
        return
        [
            new DeliverOrderRequest($"ML-{n}-L", lender, Occ, Apple.Value, shares, amount, "ML"),
            new DeliverOrderRequest($"ML-{n}-B", Occ, borrower, Apple.Value, shares, amount, "ML"),
        ];
    }

    /// <summary>OCC's desk on one survivor: Market Loan pairs one after another, each resubmitted with the same ids until both legs are acknowledged.</summary>
    private static async Task Worker(LedgerNode node, int seed, Load load, CancellationToken stop)
    {
        var random = new Random(seed);
        while (!stop.IsCancellationRequested)
        {
            var n = load.Next();
            var lender = Participants[random.Next(Participants.Length)];
            var borrower = Participants[random.Next(Participants.Length)];
            if (lender == borrower) continue;
            var pair = Pair(n, lender, borrower, random.Next(1, 100));
            var started = DateTimeOffset.UtcNow;
            var attempts = await SubmitUntilAccepted(node.Ledger, pair, load);
            foreach (var leg in pair) load.Acknowledged[leg.Id!] = leg;
            load.Loans.Enqueue(new Loan(n, lender, borrower, started, DateTimeOffset.UtcNow, attempts, node.Address));
        }
    }

    /// <summary>
    /// Submits until every order is acknowledged; a request that times out (its account was on the
    /// stopped node, or is moving) is sent again with the same ids, which the ledger answers from its
    /// records. A pair once started is always finished, so no acknowledged leg lacks its partner.
    /// </summary>
    private static async Task<int> SubmitUntilAccepted(ILedger ledger, IReadOnlyList<DeliverOrderRequest> orders, Load load)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = await ledger.SubmitAsync(orders, Setup.None);
                Assert.All(results, r => Assert.True(r.Accepted, $"{r.Id} refused: {r.Error?.Field} {r.Error?.Rule} {r.Error?.Message}"));
                return attempt;
            }
            catch (Exception e) when (e is AskTimeoutException or TimeoutException or LedgerBusyException && DateTime.UtcNow < deadline)
            {
                Interlocked.Increment(ref load.Retries);
            }
        }
    }

    private static async Task UntilAcknowledged(Load load, int pairs, IReadOnlyList<Task> workers, string what)
    {
        await Eventually.Until(() =>
        {
            // A worker that failed fails the test now, not at the end.
            var failed = workers.FirstOrDefault(w => w.IsFaulted);
            if (failed is not null) failed.GetAwaiter().GetResult();
            return Task.FromResult(load.Acknowledged.Count >= pairs * 2);
        }, Limit, $"{pairs} Market Loan pairs acknowledged ({what})");
    }

    private static async Task<Dictionary<string, (AccountState State, List<AccountEvent> Events)>> Journals(ActorSystem system)
    {
        var queries = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var result = new Dictionary<string, (AccountState, List<AccountEvent>)>(StringComparer.Ordinal);
        foreach (var id in Accounts)
        {
            var events = await queries.CurrentEventsByPersistenceId("account-" + id, 0, long.MaxValue)
                .RunAggregate(new List<AccountEvent>(), (list, envelope) => { list.Add((AccountEvent)envelope.Event); return list; }, system.Materializer());
            var state = new AccountState(new ParticipantId(id));
            foreach (var e in events) state.Apply(e);
            result[id] = (state, events);
        }
        return result;
    }

    private static bool Completed(Dictionary<string, (AccountState State, List<AccountEvent> Events)> states, DeliverOrderRequest order)
    {
        var id = new DeliverOrderId(order.Id!);
        return states[order.Deliverer!].State.Deliveries.TryGetValue(id, out var d) && d.Stage == DeliveryStage.Completed
            && states[order.Receiver!].State.Receives.TryGetValue(id, out var r) && r.Stage == ReceiveStage.Completed;
    }

    /// <summary>Reads every journal until each acknowledged deliver order has completed at both parties and nothing is in flight.</summary>
    private static async Task<Dictionary<string, (AccountState State, List<AccountEvent> Events)>> Quiesce(LedgerNode node, Load load)
    {
        Dictionary<string, (AccountState State, List<AccountEvent> Events)> states = [];
        var open = 0;
        await Eventually.Until(async () =>
        {
            states = await Journals(node.System);
            open = load.Acknowledged.Values.Count(o => !Completed(states, o));
            return open == 0 && states.Values.All(s => s.State.InFlightDeliveries == 0);
        }, Limit, $"every acknowledged deliver order completed (last: {open} not yet)");
        return states;
    }

    private static DateTimeOffset FinishedAt(Dictionary<string, (AccountState State, List<AccountEvent> Events)> states, DeliverOrderRequest order) =>
        states[order.Deliverer!].Events.Concat(states[order.Receiver!].Events)
            .Where(e => e switch
            {
                DeliveryCompleted c => c.DeliverOrderId == order.Id,
                ReceiveCompleted c => c.Order.Id == order.Id,
                LookAheadCompleted c => c.ReceiveId == order.Id || c.DeliveryId == order.Id,
                _ => false,
            })
            .Max(e => e.At);

    private async Task Verify(LedgerNode node, Dictionary<string, (AccountState State, List<AccountEvent> Events)> states, Load load, IReadOnlySet<string> moved)
    {
        // Every acknowledged deliver order completed, by look-ahead, once at each party.
        var receiveCompletions = states.Values.SelectMany(s => s.Events.OfType<ReceiveCompleted>()).GroupBy(e => e.Order.Id).ToList();
        var deliveryCompletions = states.Values.SelectMany(s => s.Events.OfType<DeliveryCompleted>()).GroupBy(e => e.DeliverOrderId).ToList();
        var lookAheads = states[Occ].Events.OfType<LookAheadCompleted>().ToList();
        Assert.All(receiveCompletions, g => Assert.True(g.Count() == 1, $"{g.Key} received {g.Count()} times"));
        Assert.All(deliveryCompletions, g => Assert.True(g.Count() == 1, $"{g.Key} delivered {g.Count()} times"));
        Assert.Equal(lookAheads.Count, lookAheads.Select(l => l.ReceiveId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(lookAheads.Count, lookAheads.Select(l => l.DeliveryId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(load.Acknowledged.Count / 2, lookAheads.Count);
        foreach (var order in load.Acknowledged.Values)
        {
            Assert.True(Completed(states, order), $"{order.Id} did not complete");
        }

        // The public view agrees, for a sample of the deliver orders through the gateway.
        foreach (var order in load.Acknowledged.Values.Where((_, i) => i % 25 == 0))
        {
            var view = await node.Ledger.DeliverOrderAsync(new DeliverOrderId(order.Id!), Setup.None);
            Assert.Equal("completed", view?.Status);
            Assert.Equal("look-ahead", view?.CompletedBy);
        }

        // Shares conserved, money conserved (no payments were made), nothing negative, OCC flat.
        Assert.Equal(SharesDeposited * ParticipantCount, states.Values.Sum(s => s.State.Position(Apple)));
        Assert.All(states, s => Assert.True(s.Value.State.Position(Apple) >= 0, $"{s.Key} holds a negative position"));
        Assert.Equal(0L, states.Values.Sum(s => s.State.SettlementBalance.Cents));
        Assert.Equal(0L, states[Occ].State.Position(Apple));
        Assert.Equal(Money.Zero, states[Occ].State.SettlementBalance);
        Assert.Empty(states[Occ].State.PendingDeliveries);
        Assert.Empty(states[Occ].State.PendingReceives);

        // Each live account (moved or not) is exactly its journal replayed: the moved ones recovered from it.
        foreach (var (id, (state, events)) in states)
        {
            var live = await node.Ledger.AccountAsync(new ParticipantId(id), Setup.None);
            Assert.NotNull(live);
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(AccountView.Of(state)), System.Text.Json.JsonSerializer.Serialize(live));
            if (moved.Contains(id)) Assert.True(events.Count > 2, $"moved account {id} has only {events.Count} events");
        }
        output.WriteLine($"{load.Acknowledged.Count} deliver orders completed by look-ahead; {load.Loans.Count(l => l.Attempts > 1)} pairs needed more than one submit");
    }
}
