using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Cluster.Income;
using Ledger.Income;
using Ledger.Income.Events;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Xunit.Abstractions;

namespace Ledger.Cluster.Tests;

/// <summary>
/// A seeded day of stock-loan traffic on the real node (real SQLite journal, settlement's
/// published events consumed by income tracking, the real close): stock-loan deliver orders
/// (<c>SL</c>), returns (<c>SLR</c>), reclaims of both, cancels and resubmissions, with settlement
/// accounts and memo accounts killed at random and account journal writes failing at random. Two
/// dividends have their record date on the simulated day and their payable date the next business
/// day, so the day's close fixes the record date and the next open posts. At quiescence:
/// <list type="bullet">
/// <item>every memo line equals the model computed from the deliver orders settlement completed
/// (deliverer +n, receiver -n; a reclaim reverses its original), each counted exactly once at each
/// party, and memo(P,C,X) = -memo(C,P,X) for every pair;</item>
/// <item>the stock-loan income of the payable date sums to zero, each lender got round(n x rate)
/// per line from its borrower and each holder of record round(position x rate), nothing else;</item>
/// <item>no entry and no posting is recorded or applied twice, and settlement applied every posting
/// the memo accounts recorded.</item>
/// </list>
/// The workload is fixed by the seed (<c>LEDGER_SIM_SEED</c>, as the settlement simulation); the
/// thread interleaving is not.
/// </summary>
[Collection("cluster")]
public sealed class IncomeSimulationTests(ITestOutputHelper output)
{
    private const int Participants = 12;
    private const int Securities = 3;
    private const int Workers = 3;
    private static readonly int OperationsPerWorker =
        int.TryParse(Environment.GetEnvironmentVariable("LEDGER_SIM_OPERATIONS"), out var n) ? n : 200;
    private static readonly decimal[] Rates = [0.123457m, 1.5m];

    [Fact]
    public async Task A_random_stock_loan_day_with_crashes_then_a_payable_date_keeps_every_income_invariant()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_SIM_SEED"), out var pinned) ? pinned : Random.Shared.Next();
        output.WriteLine($"income simulation seed {seed} (rerun with LEDGER_SIM_SEED={seed})");
        try
        {
            await Run(seed);
        }
        catch (Exception e)
        {
            throw new SimulationFailed($"income simulation failed with seed {seed}; rerun with LEDGER_SIM_SEED={seed}", e);
        }
    }

    private sealed class SimulationFailed(string message, Exception inner) : Exception(message, inner);

    private sealed class Tally
    {
        public int Loans, Returns, Reclaims, Cancels, Resubmits, Deposits, AccountKills, MemoKills, Timeouts;
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
            AskTimeout = TimeSpan.FromSeconds(5),
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
        var income = node.Contexts.OfType<IncomeContext>().Single().Gateway!;
        var setupRandom = new Random(seed);
        var cusips = Enumerable.Range(0, Securities).Select(Cusips.Make).ToArray();
        foreach (var cusip in cusips)
        {
            await Retry(() => ledger.PutSecurityAsync(cusip, new Money(setupRandom.Next(1_00, 200_00)), setupRandom.Next(0, 30) / 100m, Setup.None));
        }
        var ids = Enumerable.Range(1, Participants).Select(i => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var id in ids)
        {
            await Retry(() => ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(id), "Participant " + id,
                Money.FromDollars(50_000_000m), Money.FromDollars(50_000_000m), MarketLoanProgram: false, CentralCounterparty: false), Setup.None));
            foreach (var cusip in cusips)
            {
                await Retry(() => ledger.DepositAsync(new ParticipantId(id), cusip, setupRandom.Next(1_000, 20_000), Setup.None));
            }
        }

        // Two dividends: record date today, payable the next business day (its run posts at the open after today's close).
        var reference = await ledger.ReferenceAsync(Setup.None);
        var recordDate = reference.BusinessDate;
        var payableDate = reference.Calendar.Next(recordDate);
        var dividends = new Dictionary<Cusip, (string Id, decimal Rate)>();
        for (var k = 0; k < Rates.Length; k++)
        {
            var cusip = cusips[k];
            var id = $"DIV-{seed}-{k}";
            var announced = await income.AnnounceAsync(cusip.Value, id, new DistributionRequest("cash-dividend", Rates[k],
                IncomeDates.ToText(recordDate), IncomeDates.ToText(payableDate)), Setup.None);
            Assert.True(announced.Error is null, announced.Error?.Message);
            Assert.Equal(IncomeDates.ToText(payableDate), announced.Value!.PostingDate);
            dividends[cusip] = (id, Rates[k]);
        }

        var failureRate = double.TryParse(Environment.GetEnvironmentVariable("LEDGER_SIM_FAILURE_RATE"), System.Globalization.CultureInfo.InvariantCulture, out var rate) ? rate : 0.01;
        FlakyJournal.Configure(seed, failureRate);
        var tally = new Tally();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Worker(node, unchecked(seed * 31 + w), ids, cusips, tally)));
        FlakyJournal.Configure(seed, 0);

        BusinessDayResult? closed = null;
        await Eventually.Until(async () =>
        {
            try { closed = await ledger.CloseAsync(Setup.None); }
            catch (Exception e) when (e is TimeoutException or AskTimeoutException) { return false; }
            return closed.Ok;
        }, TimeSpan.FromSeconds(120), $"the day closes (last: {closed?.Message})");
        Assert.Equal(payableDate, (await ledger.ReferenceAsync(Setup.None)).BusinessDate);

        output.WriteLine($"loans {tally.Loans}, returns {tally.Returns}, reclaims {tally.Reclaims}, cancels {tally.Cancels}, resubmits {tally.Resubmits}, deposits {tally.Deposits}, " +
            $"account kills {tally.AccountKills}, memo account kills {tally.MemoKills}, injected write failures {FlakyJournal.Failures}, request timeouts {tally.Timeouts}");
        await Verify(node, income, ids, dividends, recordDate, payableDate);
    }

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

    private static async Task Worker(LedgerNode node, int seed, string[] ids, Cusip[] cusips, Tally tally)
    {
        var ledger = node.Ledger;
        var random = new Random(seed);
        var mine = new List<DeliverOrderRequest>();
        var accounts = ClusterSharding.Get(node.System).ShardRegion(LedgerNode.AccountRegion);
        var incomeRegion = ClusterSharding.Get(node.System).ShardRegion(IncomeContext.Region);
        for (var op = 0; op < OperationsPerWorker; op++)
        {
            try
            {
                var roll = random.NextDouble();
                if (roll < 0.35)
                {
                    // Stock loans: the lender delivers to the borrower.
                    var batch = new List<DeliverOrderRequest>();
                    for (var k = random.Next(1, 8); k > 0; k--)
                    {
                        var lender = ids[random.Next(ids.Length)];
                        var borrower = ids[random.Next(ids.Length)];
                        if (lender == borrower) continue;
                        var shares = random.Next(1, 2_000);
                        var amount = random.NextDouble() < 0.3 ? 0m : decimal.Round(shares * (decimal)(1 + random.NextDouble() * 50), 2);
                        batch.Add(new DeliverOrderRequest($"S{seed}-{op}-{k}", lender, borrower, cusips[random.Next(cusips.Length)].Value, shares, amount, "SL"));
                    }
                    if (batch.Count == 0) continue;
                    Interlocked.Add(ref tally.Loans, batch.Count);
                    var results = await ledger.SubmitAsync(batch, Setup.None);
                    for (var i = 0; i < batch.Count; i++) Assert.True(results[i].Accepted, results[i].Error?.Message);
                    mine.AddRange(batch);
                }
                else if (roll < 0.50 && mine.Count > 0)
                {
                    // A return: the borrower delivers some or all of a loan's shares back (more now and then, which makes an exception line).
                    var loan = mine[random.Next(mine.Count)];
                    var shares = Math.Max(1, (long)(loan.Shares!.Value * (random.NextDouble() * 1.1)));
                    var back = new DeliverOrderRequest($"S{seed}-{op}-SLR", loan.Receiver, loan.Deliverer, loan.Cusip, shares, 0m, "SLR");
                    Interlocked.Increment(ref tally.Returns);
                    var result = (await ledger.SubmitAsync([back], Setup.None))[0];
                    Assert.True(result.Accepted, result.Error?.Message);
                    mine.Add(back);
                }
                else if (roll < 0.62 && mine.Count > 0)
                {
                    // Its receiver reclaims a completed loan or return.
                    var original = mine[random.Next(mine.Count)];
                    var view = await ledger.DeliverOrderAsync(new DeliverOrderId(original.Id!), Setup.None);
                    if (view?.Status != "completed") continue;
                    Interlocked.Increment(ref tally.Reclaims);
                    await ledger.ReclaimAsync(new ReclaimId(new ParticipantId(original.Receiver!), $"S{seed}-{op}-R"), new DeliverOrderId(original.Id!), Setup.None);
                }
                else if (roll < 0.70)
                {
                    Interlocked.Increment(ref tally.Deposits);
                    await ledger.DepositAsync(new ParticipantId(ids[random.Next(ids.Length)]), cusips[random.Next(cusips.Length)], random.Next(1, 3_000), Setup.None);
                }
                else if (roll < 0.76 && mine.Count > 0)
                {
                    Interlocked.Increment(ref tally.Cancels);
                    await ledger.CancelAsync(new DeliverOrderId(mine[random.Next(mine.Count)].Id!), Setup.None);
                }
                else if (roll < 0.82 && mine.Count > 0)
                {
                    Interlocked.Increment(ref tally.Resubmits);
                    var again = mine[random.Next(mine.Count)];
                    var result = (await ledger.SubmitAsync([again], Setup.None))[0];
                    Assert.True(result.Accepted, $"resubmission of {again.Id} refused: {result.Error?.Message}");
                }
                else if (Environment.GetEnvironmentVariable("LEDGER_SIM_NO_KILLS") is not null)
                {
                }
                else if (roll < 0.91)
                {
                    Interlocked.Increment(ref tally.AccountKills);
                    accounts.Tell(new AccountEnvelope(ids[random.Next(ids.Length)], Kill.Instance));
                }
                else
                {
                    // A memo account dies mid-stream: it recovers from its journal and the consumer's resend is answered once.
                    Interlocked.Increment(ref tally.MemoKills);
                    incomeRegion.Tell(IncomeEnvelope.To(IncomeAddress.MemoAccount(new ParticipantId(ids[random.Next(ids.Length)])), Kill.Instance));
                }
            }
            catch (Exception e) when (e is TimeoutException or AskTimeoutException or LedgerBusyException)
            {
                Interlocked.Increment(ref tally.Timeouts);
            }
        }
    }

    private static async Task<List<AccountEvent>> Journal(ActorSystem system, string participant)
    {
        var queries = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        return await queries.CurrentEventsByPersistenceId("account-" + participant, 0, long.MaxValue)
            .RunAggregate(new List<AccountEvent>(), (list, envelope) => { list.Add((AccountEvent)envelope.Event); return list; }, system.Materializer());
    }

    private async Task Verify(LedgerNode node, IncomeGateway income, string[] ids, Dictionary<Cusip, (string Id, decimal Rate)> dividends,
        DateOnly recordDate, DateOnly payableDate)
    {
        var settings = income.Settings;
        // Settlement's side: every deliver order completed (at its deliverer), each participant's positions, and the income postings applied.
        var completed = new Dictionary<string, DeliverOrder>(StringComparer.Ordinal);
        var positions = new Dictionary<(string Participant, string Cusip), long>();
        var applied = new Dictionary<string, List<IncomePostingApplied>>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var state = new AccountState(new ParticipantId(id));
            var postings = new List<IncomePostingApplied>();
            foreach (var e in await Journal(node.System, id))
            {
                state.Apply(e);
                if (e is IncomePostingApplied p) postings.Add(p);
            }
            applied[id] = postings;
            foreach (var (dOrder, delivery) in state.Deliveries)
            {
                if (delivery.Stage == DeliveryStage.Completed) completed[dOrder.Value] = delivery.Order;
            }
            foreach (var (cusip, shares) in state.Positions) positions[(id, cusip.Value)] = shares;
        }

        // The model: a completed SL or SLR moves deliverer +n, receiver -n; a reclaim reverses the change of its original when that counted.
        var change = new Dictionary<string, (string Deliverer, string Receiver, string Cusip, long Shares)>(StringComparer.Ordinal);
        (string, string, string, long)? ChangeOf(DeliverOrder o)
        {
            if (change.TryGetValue(o.Id.Value, out var known)) return known;
            (string, string, string, long)? result = null;
            if (o.ReclaimOf is { } original)
            {
                if (completed.TryGetValue(original.Value, out var orig) && ChangeOf(orig) is { } c) result = (c.Item2, c.Item1, c.Item3, c.Item4);
            }
            else if (settings.TransactionTypeOf(o.ReasonCode) is not null)
            {
                result = (o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares);
            }
            if (result is { } r) change[o.Id.Value] = r;
            return result;
        }
        var model = new Dictionary<(string P, string C, string X), long>();
        int loans = 0, returns = 0, reclaims = 0;
        foreach (var o in completed.Values)
        {
            if (ChangeOf(o) is not { } c) continue;
            if (o.ReclaimOf is not null) reclaims++;
            else if (o.ReasonCode == "SL") loans++;
            else returns++;
            model[(c.Item1, c.Item2, c.Item3)] = model.GetValueOrDefault((c.Item1, c.Item2, c.Item3)) + c.Item4;
            model[(c.Item2, c.Item1, c.Item3)] = model.GetValueOrDefault((c.Item2, c.Item1, c.Item3)) - c.Item4;
        }
        output.WriteLine($"completed and counted: {loans} loans, {returns} returns, {reclaims} reclaims of them; {model.Count(kv => kv.Value != 0) / 2} nonzero pairs");
        Assert.True(loans > 50, $"only {loans} stock loans completed");
        Assert.True(returns > 10, $"only {returns} returns completed");
        Assert.True(reclaims > 5, $"only {reclaims} reclaims of stock loans or returns completed");

        // Memo accounts: each counted change once, lines = model = the replay of the journal, antisymmetric.
        var lines = new Dictionary<(string P, string C, string X), long>();
        var recorded = new List<(string Participant, IncomeEntryData Entry, string PostingId)>();
        foreach (var id in ids)
        {
            var participant = new ParticipantId(id);
            var events = await income.MemoEventsAsync(participant, Setup.None);
            var counted = events.OfType<StockLoanDeliverOrderApplied>().GroupBy(e => e.DeliverOrderId).ToList();
            Assert.All(counted, g => Assert.True(g.Count() == 1, $"{id} counted {g.Key} {g.Count()} times"));
            foreach (var g in counted)
            {
                Assert.True(change.TryGetValue(g.Key, out var c), $"{id} counted {g.Key}, which settlement did not complete as a stock-loan change");
                var e = g.Single();
                Assert.Equal(c.Cusip, e.Cusip);
                Assert.Equal(id == c.Deliverer ? c.Shares : -c.Shares, e.SharesChange);
            }
            var mustCount = change.Where(kv => kv.Value.Deliverer == id || kv.Value.Receiver == id).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
            mustCount.ExceptWith(counted.Select(g => g.Key));
            Assert.True(mustCount.Count == 0, $"{id} never counted {string.Join(", ", mustCount.Take(10))}");

            var replayed = new MemoAccountState(participant, settings);
            foreach (var e in events) replayed.Apply(e);
            var live = (await income.StockLoansAsync(participant, null, Setup.None)).Value!;
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(MemoAccountView.Of(replayed, payableDate)), System.Text.Json.JsonSerializer.Serialize(live));
            foreach (var line in live.Lines) lines[(id, line.Counterparty, line.Cusip)] = line.Shares;

            // The record-date report holds the lines as they were at the close: the model, since nothing moved after it.
            var fixedReports = events.OfType<RecordDateFixed>().Where(r => r.RecordDate == IncomeDates.ToText(recordDate)).ToList();
            Assert.Single(fixedReports);
            foreach (var line in fixedReports[0].Lines)
                Assert.Equal(model.GetValueOrDefault((id, line.Counterparty, line.Cusip)), line.Shares);

            var postings = events.OfType<IncomePostingRecorded>().ToList();
            Assert.Equal(postings.Count, postings.Select(p => p.PostingId).Distinct().Count());
            foreach (var p in postings)
            {
                Assert.Equal(IncomeDates.ToText(payableDate), p.PostingDate);
                recorded.AddRange(p.Entries.Select(e => (id, e, p.PostingId)));
            }

            // Settlement applied each of them once, with the same money.
            var settled = applied[id];
            Assert.Equal(settled.Count, settled.Select(p => p.PostingId).Distinct().Count());
            var settledEntries = settled.SelectMany(p => p.Entries).Select(e => e.EntryId).ToList();
            Assert.Equal(settledEntries.Count, settledEntries.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(postings.Select(p => p.PostingId).Order(StringComparer.Ordinal), settled.Select(p => p.PostingId).Order(StringComparer.Ordinal));
            foreach (var p in postings)
                Assert.Equal(p.Entries.Sum(e => e.AmountCents), settled.Single(s => s.PostingId == p.PostingId).Entries.Sum(e => e.AmountCents));
        }
        var expectedLines = model.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(expectedLines.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal), lines.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal));
        foreach (var ((p, c, x), shares) in lines) Assert.Equal(-shares, lines.GetValueOrDefault((c, p, x)));

        // The payable date: no entry twice at a participant, stock-loan income sums to zero, round(n x rate) per lender line, round(position x rate) per holder.
        Assert.All(recorded.GroupBy(r => (r.Participant, r.Entry.EntryId)), g => Assert.True(g.Count() == 1, $"{g.Key} posted {g.Count()} times"));
        var loanIncome = recorded.Where(r => r.Entry.Kind == "stock-loan-income").ToList();
        Assert.Equal(0, loanIncome.Sum(r => r.Entry.AmountCents));
        var expectedLoanIncome = new List<(string, string, string, long, long)>();
        foreach (var ((lender, borrower, x), shares) in expectedLines)
        {
            if (shares <= 0 || !dividends.TryGetValue(new Cusip(x), out var dividend)) continue;
            var cents = (long)decimal.Round(shares * dividend.Rate * 100m, MidpointRounding.AwayFromZero);
            expectedLoanIncome.Add((lender, borrower, x, shares, cents));
            expectedLoanIncome.Add((borrower, lender, x, shares, -cents));
        }
        Assert.True(expectedLoanIncome.Count > 10, $"only {expectedLoanIncome.Count} stock-loan income entries to pay");
        Assert.Equal(expectedLoanIncome.Order(), loanIncome.Select(r => (r.Participant, r.Entry.Counterparty!, r.Entry.Cusip, r.Entry.Shares, r.Entry.AmountCents)).Order());
        var expectedHolders = positions.Where(kv => kv.Value > 0 && dividends.ContainsKey(new Cusip(kv.Key.Cusip)))
            .Select(kv => (kv.Key.Participant, kv.Key.Cusip, kv.Value, (long)decimal.Round(kv.Value * dividends[new Cusip(kv.Key.Cusip)].Rate * 100m, MidpointRounding.AwayFromZero)))
            .Order().ToList();
        Assert.Equal(expectedHolders, recorded.Where(r => r.Entry.Kind == "holder-of-record").Select(r => (r.Participant, r.Entry.Cusip, r.Entry.Shares, r.Entry.AmountCents)).Order().ToList());
        output.WriteLine($"payable date {IncomeDates.ToText(payableDate)}: {loanIncome.Count} stock-loan income entries ({loanIncome.Where(r => r.Entry.AmountCents > 0).Sum(r => r.Entry.AmountCents) / 100m:N2} to lenders), {expectedHolders.Count} holder-of-record credits");
    }
}
