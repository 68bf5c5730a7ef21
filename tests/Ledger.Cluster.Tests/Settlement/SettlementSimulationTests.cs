using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Xunit.Abstractions;

namespace Ledger.Cluster.Tests;

/// <summary>
/// A seeded day of random traffic over 20 accounts on a real SQLite journal, with account actors
/// killed at random and account journal writes failing at random, proves the invariants of
/// atp-rules.md section 8 at quiescence. The workload is fixed by the seed; thread interleaving
/// is not, so a failing seed reproduces the workload, not necessarily the exact schedule.
/// </summary>
[Collection("cluster")]
public sealed class SettlementSimulationTests(ITestOutputHelper output)
{
    private const int Participants = 20;
    private const int Securities = 5;
    private const int Workers = 4;
    private static readonly int OperationsPerWorker =
        int.TryParse(Environment.GetEnvironmentVariable("LEDGER_SIM_OPERATIONS"), out var n) ? n : 500;
    private const string Occ = "0900";

    [Fact]
    public async Task A_random_day_with_crashes_and_failing_writes_keeps_every_invariant()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_SIM_SEED"), out var pinned) ? pinned : Random.Shared.Next();
        output.WriteLine($"simulation seed {seed} (rerun with LEDGER_SIM_SEED={seed})");
        try
        {
            await Run(seed);
        }
        catch (Exception e)
        {
            throw new SimulationFailed($"simulation failed with seed {seed}; rerun with LEDGER_SIM_SEED={seed}", e);
        }
    }

    private sealed class SimulationFailed(string message, Exception inner) : Exception(message, inner);

    private sealed class Tally
    {
        public int Submitted, Timeouts, Kills, Cancels, Resubmits, Payments, Deposits, Loans, Mismatched, Reclaims, Redeliveries, Marks;
        public readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeliverOrderRequest> AcceptedOrders = new();
    }

    private async Task Run(int seed)
    {
        using var folder = new TempFolder();
        FlakyJournal.Configure(seed, 0);
        FlakyJournal.ResetCount();
        var options = new LedgerNodeOptions
        {
            DataDir = folder.Path,
            ResendInterval = TimeSpan.FromMilliseconds(100),
            AskTimeout = TimeSpan.FromSeconds(2),
            ExtraConfig = """
                akka.persistence.journal.sql.class = "Ledger.Cluster.Tests.FlakyJournal, Ledger.Cluster.Tests"
                akka.cluster.sharding.entity-restart-backoff = 100ms
                akka.loglevel = WARNING
                """,
        };
        var errors = new ErrorLog();
        await using var node = await LedgerNode.StartAsync(options, errors, Setup.None);
        try
        {
            await RunOn(node, seed);
        }
        finally
        {
            foreach (var line in errors.Lines.Where(l => !l.Contains("injected journal write failure", StringComparison.Ordinal)).Take(40))
            {
                output.WriteLine(line);
            }
        }
    }

    private async Task RunOn(LedgerNode node, int seed)
    {
        var ledger = node.Ledger;
        var setupRandom = new Random(seed);
        var prices = new Dictionary<Cusip, Money>();
        for (var s = 0; s < Securities; s++)
        {
            var price = new Money(setupRandom.Next(1_00, 500_00));
            prices[Cusips.Make(s)] = price;
            var haircut = setupRandom.Next(0, 30) / 100m;
            await Retry(() => ledger.PutSecurityAsync(Cusips.Make(s), price, haircut, Setup.None));
        }
        var ids = Enumerable.Range(1, Participants).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var id in ids)
        {
            var record = new ParticipantRecord(new ParticipantId(id), "Participant " + id, new Money(setupRandom.Next(0, 2_000_000) * 100L),
                new Money(setupRandom.Next(0, 500_000) * 100L), MarketLoanProgram: true, CentralCounterparty: false);
            await Retry(() => ledger.PutParticipantAsync(record, Setup.None));
            foreach (var cusip in prices.Keys.Where(_ => setupRandom.NextDouble() < 0.6).ToList())
            {
                var shares = setupRandom.Next(100, 20_000);
                await Retry(() => ledger.DepositAsync(new ParticipantId(id), cusip, shares, Setup.None));
            }
        }

        var failureRate = double.TryParse(Environment.GetEnvironmentVariable("LEDGER_SIM_FAILURE_RATE"), System.Globalization.CultureInfo.InvariantCulture, out var rate) ? rate : 0.01;
        await Retry(() => ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(Occ), "Options Clearing Corporation", Money.Zero, Money.Zero,
            MarketLoanProgram: false, CentralCounterparty: true), Setup.None));
        FlakyJournal.Configure(seed, failureRate);
        var tally = new Tally();
        var cutoffAt = (int)(OperationsPerWorker * 0.7);
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Worker(node, unchecked(seed * 31 + w), w == 0 ? cutoffAt : -1, ids, prices, tally)));
        FlakyJournal.Configure(seed, 0);

        BusinessDayResult? closed = null;
        await Eventually.Until(async () =>
        {
            try { closed = await ledger.CloseAsync(Setup.None); }
            catch (Exception e) when (e is TimeoutException or AskTimeoutException) { return false; }
            return closed.Ok;
        }, TimeSpan.FromSeconds(90), $"the day closes (last: {closed?.Message})");
        await MarksOfTheOpenSettled(node, ids, DateOnly.Parse(closed!.NextBusinessDate!, System.Globalization.CultureInfo.InvariantCulture));

        output.WriteLine($"loans {tally.Loans} ({tally.Mismatched} mismatched), reclaims {tally.Reclaims}, OCC redeliveries {tally.Redeliveries}, payment orders {tally.Marks}");
        output.WriteLine($"submitted {tally.Submitted}, accepted {tally.AcceptedOrders.Count}, resubmitted {tally.Resubmits}, cancels {tally.Cancels}, " +
            $"deposits {tally.Deposits}, payments {tally.Payments}, kills {tally.Kills}, injected write failures {FlakyJournal.Failures}, request timeouts {tally.Timeouts}");
        await Verify(node, ids, tally);
    }

    /// <summary>
    /// The open after the close pays the loans' marks (lending's step, as payment orders): wait until
    /// every book is marked and the accounts stop moving (three looks in a row alike, 200 ms
    /// apart), so that the journals read next are the accounts' last word.
    /// </summary>
    private static async Task MarksOfTheOpenSettled(LedgerNode node, string[] ids, DateOnly opened)
    {
        var lending = ((ClusterLedger)node.Ledger).Services.Find<Ledger.Cluster.Lending.LendingGateway>() ?? throw new InvalidOperationException("the node runs no lending context");
        await Eventually.Until(async () =>
        {
            try { return (await lending.DayProgressAsync(opened, Setup.None)).MarksFinished; }
            catch (Exception e) when (e is TimeoutException or AskTimeoutException) { return false; }
        }, TimeSpan.FromSeconds(60), $"the marks of {opened} are sent");
        string? last = null;
        var same = 0;
        await Eventually.Until(async () =>
        {
            var accounts = await Task.WhenAll(ids.Append(Occ).Select(id => node.Ledger.AccountAsync(new ParticipantId(id), Setup.None)));
            var look = string.Join("|", accounts.Select(a => Canonical(a!)));
            same = look == last ? same + 1 : 0;
            last = look;
            if (same < 2) await Task.Delay(200);
            return same >= 2;
        }, TimeSpan.FromSeconds(60), "the accounts are quiet after the marks");
    }

    /// <summary>Set-up steps retried on a timeout (a fresh shard can be slow to start); deposits are counted from the journals, so a repeat is harmless.</summary>
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

    private static async Task Worker(LedgerNode node, int seed, int cutoffAt, string[] ids, Dictionary<Cusip, Money> prices, Tally tally)
    {
        var ledger = node.Ledger;
        var random = new Random(seed);
        var cusips = prices.Keys.ToArray();
        var mine = new List<DeliverOrderRequest>();
        var loans = new List<DeliverOrderRequest>();
        var accounts = ClusterAccounts(node);
        for (var op = 0; op < OperationsPerWorker; op++)
        {
            try
            {
                if (op == cutoffAt)
                {
                    await ledger.CutoffAsync(Setup.None);
                    continue;
                }
                var roll = random.NextDouble();
                if (roll < 0.15)
                {
                    // A Market Loan: L -> OCC and OCC -> B, same CUSIP, shares and amount; now and then mismatched.
                    var lender = ids[random.Next(ids.Length)];
                    var borrower = ids[random.Next(ids.Length)];
                    if (lender == borrower) continue;
                    var cusip = cusips[random.Next(cusips.Length)];
                    var shares = random.Next(1, 3_000);
                    var amount = decimal.Round(shares * prices[cusip].Dollars * (decimal)(0.9 + random.NextDouble() * 0.2), 2);
                    var mismatch = random.NextDouble() < 0.1;
                    var lend = new DeliverOrderRequest($"S{seed}-{op}-L", lender, Occ, cusip.Value, shares, amount, "ML");
                    var borrow = new DeliverOrderRequest($"S{seed}-{op}-B", Occ, borrower, cusip.Value,
                        mismatch && random.Next(2) == 0 ? shares + 1 : shares, mismatch ? amount + 0.01m : amount, "ML");
                    Interlocked.Increment(ref tally.Loans);
                    if (mismatch) Interlocked.Increment(ref tally.Mismatched);
                    var legs = random.Next(2) == 0 ? new[] { lend, borrow } : new[] { borrow, lend };
                    foreach (var leg in legs)
                    {
                        Interlocked.Increment(ref tally.Submitted);
                        var result = (await ledger.SubmitAsync([leg], Setup.None))[0];
                        Assert.True(result.Accepted, result.Error?.Message);
                        tally.AcceptedOrders[leg.Id!] = leg;
                        mine.Add(leg);
                    }
                    if (!mismatch) loans.Add(borrow);
                }
                else if (roll < 0.20 && loans.Count > 0)
                {
                    // The borrower reclaims a loan leg; OCC redelivers to the lender half the time.
                    var leg = loans[random.Next(loans.Count)];
                    var view = await ledger.DeliverOrderAsync(new DeliverOrderId(leg.Id!), Setup.None);
                    if (view?.Status != "completed") continue;
                    Interlocked.Increment(ref tally.Reclaims);
                    var reclaimId = new ReclaimId(new ParticipantId(leg.Receiver!), $"S{seed}-{op}-R").DeliverOrderId.Value;
                    var reclaim = await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(leg.Receiver!), $"S{seed}-{op}-R"), new DeliverOrderId(leg.Id!), Setup.None);
                    Assert.Equal(reclaimId, reclaim.Id);
                    if (reclaim.Accepted)
                    {
                        tally.AcceptedOrders[reclaimId] = new DeliverOrderRequest(reclaimId, leg.Receiver, Occ, leg.Cusip, leg.Shares, leg.Amount, "RECLAIM");
                    }
                    if (random.Next(2) == 0)
                    {
                        var lender = tally.AcceptedOrders[leg.Id![..^1] + "L"].Deliverer;
                        var redelivery = new DeliverOrderRequest($"S{seed}-{op}-D", Occ, lender, leg.Cusip, leg.Shares, leg.Amount, "ML");
                        Interlocked.Increment(ref tally.Redeliveries);
                        Interlocked.Increment(ref tally.Submitted);
                        var result = (await ledger.SubmitAsync([redelivery], Setup.None))[0];
                        Assert.True(result.Accepted, result.Error?.Message);
                        tally.AcceptedOrders[redelivery.Id!] = redelivery;
                    }
                }
                else if (roll < 0.55)
                {
                    var batch = new List<DeliverOrderRequest>();
                    for (var k = random.Next(1, 15); k > 0; k--)
                    {
                        var from = ids[random.Next(ids.Length)];
                        var to = ids[random.Next(ids.Length)];
                        if (from == to) continue;
                        var cusip = cusips[random.Next(cusips.Length)];
                        var shares = random.Next(1, 3_000);
                        var amount = random.NextDouble() < 0.2 ? 0m
                            : decimal.Round(shares * prices[cusip].Dollars * (decimal)(0.5 + random.NextDouble()), 2);
                        batch.Add(new DeliverOrderRequest($"S{seed}-{op}-{k}", from, to, cusip.Value, shares, amount, "SL"));
                    }
                    if (batch.Count == 0) continue;
                    Interlocked.Add(ref tally.Submitted, batch.Count);
                    var results = await ledger.SubmitAsync(batch, Setup.None);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        Assert.True(results[i].Accepted, results[i].Error?.Message);
                        tally.AcceptedOrders[batch[i].Id!] = batch[i];
                        mine.Add(batch[i]);
                    }
                }
                else if (roll < 0.65)
                {
                    Interlocked.Increment(ref tally.Deposits);
                    await ledger.DepositAsync(new ParticipantId(ids[random.Next(ids.Length)]), cusips[random.Next(cusips.Length)], random.Next(1, 5_000), Setup.None);
                }
                else if (roll < 0.75)
                {
                    Interlocked.Increment(ref tally.Payments);
                    await ledger.SettlementProgressPaymentAsync(new ParticipantId(ids[random.Next(ids.Length)]), new Money(random.Next(1, 50_000_00)), Setup.None);
                }
                else if (roll < 0.85 && mine.Count > 0)
                {
                    Interlocked.Increment(ref tally.Cancels);
                    await ledger.CancelAsync(new DeliverOrderId(mine[random.Next(mine.Count)].Id!), Setup.None);
                }
                else if (roll < 0.92 && mine.Count > 0)
                {
                    Interlocked.Increment(ref tally.Resubmits);
                    var again = mine[random.Next(mine.Count)];
                    var result = (await ledger.SubmitAsync([again], Setup.None))[0];
                    Assert.True(result.Accepted, $"resubmission of {again.Id} refused: {result.Error?.Message}");
                }
                else if (roll < 0.95)
                {
                    // A payment order (a loan's mark): one participant pays another, or a Market Loan's two legs through OCC.
                    var payer = ids[random.Next(ids.Length)];
                    var payee = ids[random.Next(ids.Length)];
                    if (payer == payee) continue;
                    var cusip = cusips[random.Next(cusips.Length)].Value;
                    var amount = new Money(random.Next(1, 20_000_00)).Dollars;
                    var date = (await ledger.ReferenceAsync(Setup.None)).BusinessDate;
                    var legs = random.Next(2) == 0
                        ? new[] { new PaymentOrderRequest($"MK-S{seed}-{op}", payer, payee, cusip, amount, date) }
                        : new[] { new PaymentOrderRequest($"MK-S{seed}-{op}-P", payer, Occ, cusip, amount, date), new PaymentOrderRequest($"MK-S{seed}-{op}-R", Occ, payee, cusip, amount, date) };
                    if (random.Next(2) == 0) Array.Reverse(legs);
                    Interlocked.Increment(ref tally.Marks);
                    foreach (var leg in legs)
                    {
                        Interlocked.Increment(ref tally.Submitted);
                        var result = await ((IPaymentOrderGateway)ledger).SubmitPaymentOrderAsync(leg, Setup.None);
                        Assert.True(result.Accepted, result.Error?.Message);
                        tally.AcceptedOrders[leg.Id!] = new DeliverOrderRequest(leg.Id, leg.Payee, leg.Payer, leg.Cusip, 0, leg.Amount, PaymentOrders.ReasonCode);
                    }
                }
                else if (Environment.GetEnvironmentVariable("LEDGER_SIM_NO_KILLS") is null)
                {
                    Interlocked.Increment(ref tally.Kills);
                    accounts.Tell(new AccountEnvelope(ids[random.Next(ids.Length)], Kill.Instance));
                }
            }
            catch (Exception e) when (e is TimeoutException or AskTimeoutException or LedgerBusyException)
            {
                // A write failed or an account was restarting: the client does not know the outcome,
                // as OCC would not; what counts is what the journals hold.
                Interlocked.Increment(ref tally.Timeouts);
            }
        }
    }

    private static IActorRef ClusterAccounts(LedgerNode node) =>
        Akka.Cluster.Sharding.ClusterSharding.Get(node.System).ShardRegion(LedgerNode.AccountRegion);

    private static async Task<List<AccountEvent>> Journal(ActorSystem system, string participant)
    {
        var queries = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var events = await queries.CurrentEventsByPersistenceId("account-" + participant, 0, long.MaxValue)
            .RunAggregate(new List<AccountEvent>(), (list, envelope) => { list.Add((AccountEvent)envelope.Event); return list; }, system.Materializer());
        return events;
    }

    private static async Task Verify(LedgerNode node, string[] participants, Tally tally)
    {
        var ids = participants.Append(Occ).ToArray();
        long occSettledCents = 0;
        var ledger = node.Ledger;
        var states = new Dictionary<ParticipantId, AccountState>();
        long depositsTotal = 0, paymentsCents = 0, settledCents = 0;
        var deposited = new Dictionary<string, long>();
        var receiveCompletions = new Dictionary<string, int>();
        var deliveryCompletions = new Dictionary<string, int>();
        int completed = 0, pended = 0;

        foreach (var id in ids)
        {
            var participant = new ParticipantId(id);
            var state = new AccountState(participant);
            foreach (var e in await Journal(node.System, id))
            {
                state.Apply(e);
                switch (e)
                {
                    case SharesDeposited d:
                        deposited[d.Cusip] = deposited.GetValueOrDefault(d.Cusip) + d.Shares;
                        depositsTotal += d.Shares;
                        break;
                    case SettlementProgressPaymentReceived p:
                        paymentsCents += p.AmountCents;
                        break;
                    case BusinessDayClosed c:
                        settledCents += c.SettledBalanceCents;
                        if (id == Occ) occSettledCents += c.SettledBalanceCents;
                        break;
                    case ReceivePended or DeliveryPended:
                        pended++;
                        break;
                    case ReceiveCompleted rc:
                        completed++;
                        receiveCompletions[rc.Order.Id] = receiveCompletions.GetValueOrDefault(rc.Order.Id) + 1;
                        Assert.Equal("passed", rc.Inputs.Rule);
                        Assert.True(state.CollateralMonitorCents >= 0, $"{id}: collateral monitor {state.CollateralMonitorCents} after receiving {rc.Order.Id}");
                        Assert.True(state.NetDebit <= state.NetDebitCap, $"{id}: net debit {state.NetDebit} over cap {state.NetDebitCap} after receiving {rc.Order.Id}");
                        break;
                    case DeliveryReserved dr:
                        Assert.Equal("passed", dr.Inputs.Rule);
                        break;
                    case DeliveryCompleted dc:
                        deliveryCompletions[dc.DeliverOrderId] = deliveryCompletions.GetValueOrDefault(dc.DeliverOrderId) + 1;
                        Assert.True(state.CollateralMonitorCents >= 0, $"{id}: collateral monitor {state.CollateralMonitorCents} after delivering {dc.DeliverOrderId}");
                        break;
                }
                Assert.All(state.Positions.Values, shares => Assert.True(shares >= 0, $"{id}: negative position after {e.GetType().Name}"));
            }
            states[participant] = state;

            // Replay equals live state.
            var live = await ledger.AccountAsync(participant, Setup.None);
            Assert.Equal(Canonical(AccountView.Of(state)), Canonical(live!));
        }

        // One effect per deliver order, and both parties agree on every final state.
        Assert.All(receiveCompletions, kv => Assert.Equal(1, kv.Value));
        Assert.All(deliveryCompletions, kv => Assert.Equal(1, kv.Value));
        foreach (var receiver in states.Values)
        {
            foreach (var (id, receive) in receiver.Receives)
            {
                if (receive.Stage != ReceiveStage.Completed) continue;
                var deliverer = states[receive.Order!.Deliverer];
                var stage = deliverer.Deliveries.TryGetValue(id, out var d) ? d.Stage.ToString() : "nothing";
                if (stage != nameof(DeliveryStage.Completed))
                {
                    var rEvents = (await Journal(node.System, receiver.Participant.Value)).Where(e => Mentions(e, id.Value)).ToList();
                    var at = rEvents.First().At;
                    var dEvents = (await Journal(node.System, receive.Order.Deliverer.Value)).Where(e => Math.Abs((e.At - at).TotalSeconds) < 3).ToList();
                    Assert.Fail($"{id}: receiver {receiver.Participant} completed it but deliverer {receive.Order.Deliverer} holds {stage}\n" +
                        "receiver: " + string.Join("\n  ", rEvents.Select(e => $"{e.At:HH:mm:ss.fff} {e}")) + "\ndeliverer near then: " +
                        string.Join("\n  ", dEvents.Select(e => $"{e.At:HH:mm:ss.fff} {e.GetType().Name} {Describe(e)}")) +
                        "\nfailed writes naming it: " + string.Join("\n  ", FlakyJournal.FailedWrites.Where(f => f.Contains(id.Value, StringComparison.Ordinal))));
                }
            }
        }
        foreach (var (doId, request) in tally.AcceptedOrders)
        {
            var id = new DeliverOrderId(doId);
            var deliverer = states[new ParticipantId(request.Deliverer!)];
            var receiverState = states[new ParticipantId(request.Receiver!)];
            receiverState.Receives.TryGetValue(id, out var seen);
            if (seen?.Stage == ReceiveStage.Completed && (!deliverer.Deliveries.TryGetValue(id, out var dd) || dd.Stage != DeliveryStage.Completed))
            {
                Assert.Fail($"{doId}: receiver {request.Receiver} completed it but deliverer {request.Deliverer} holds {(deliverer.Deliveries.TryGetValue(id, out var d2) ? d2.Stage.ToString() : "nothing")}");
            }
            var receiver = states[new ParticipantId(request.Receiver!)];
            Assert.True(deliverer.Deliveries.TryGetValue(id, out var delivery), $"{doId} was acknowledged but its deliverer has no record");
            Assert.True(delivery!.Stage is DeliveryStage.Completed or DeliveryStage.Dropped or DeliveryStage.Cancelled,
                $"{doId} is {delivery.Stage} after the close");
            receiver.Receives.TryGetValue(id, out var receive);
            if (delivery.Stage == DeliveryStage.Completed) Assert.Equal(ReceiveStage.Completed, receive?.Stage);
            else Assert.NotEqual(ReceiveStage.Completed, receive?.Stage);
            var view = await ledger.DeliverOrderAsync(id, Setup.None);
            Assert.Equal(delivery.Stage.ToString().ToLowerInvariant(), view!.Status);
        }

        // Shares conserved per CUSIP; money conserved (what was settled at the close plus what is left equals the payments).
        foreach (var (cusip, shares) in deposited)
        {
            Assert.Equal(shares, states.Values.Sum(s => s.Position(new Cusip(cusip))));
        }
        Assert.Equal(paymentsCents, settledCents + states.Values.Sum(s => s.SettlementBalance.Cents));

        // OCC is flat: no position, and nothing to settle at the close.
        Assert.Equal(0, occSettledCents);
        Assert.All(states[new ParticipantId(Occ)].Positions, kv => Assert.Equal(0, kv.Value));

        // The run exercised what it claims to.
        Assert.True(completed > 200, $"only {completed} receives completed");
        Assert.True(pended > 20, $"only {pended} deliver orders pended");
        Assert.True(tally.Kills > 10, $"only {tally.Kills} kills");
        var lookAheads = states.Values.Sum(s => s.Receives.Values.Count(r => r.CompletedBy == CompletedBy.LookAhead));
        Assert.True(lookAheads > 20, $"only {lookAheads} receives completed by look-ahead");
        Assert.True(FlakyJournal.Failures > 5, $"only {FlakyJournal.Failures} injected write failures");
    }

    private static bool Mentions(AccountEvent e, string id) => Describe(e).Contains(id, StringComparison.Ordinal);

    private static string Describe(AccountEvent e) => e switch
    {
        DeliveryReserved x => x.Order.Id,
        DeliveryPended x => x.Order.Id,
        ReceiveCompleted x => x.Order.Id,
        ReceivePended x => x.Order.Id,
        DeliveryCompleted x => x.DeliverOrderId,
        DeliveryDropped x => x.DeliverOrderId,
        DeliveryCancelled x => x.DeliverOrderId,
        DeliveryCancelRequested x => x.DeliverOrderId,
        ReceiveDropped x => x.DeliverOrderId,
        ReceiveCancelled x => x.DeliverOrderId,
        _ => "",
    };

    /// <summary>The view without its event count, which the live actor and the replay share anyway; positions and pending as lists compare by content.</summary>
    private static string Canonical(AccountView v) =>
        System.Text.Json.JsonSerializer.Serialize(v);
}
