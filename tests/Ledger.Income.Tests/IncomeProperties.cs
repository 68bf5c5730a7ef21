using CsCheck;
using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>
/// The invariants of income-tracking.md and the issue, over random workloads: each completed
/// deliver order counted exactly once at each party whatever duplicates and reorderings arrive;
/// <c>memo(P,C,X) = -memo(C,P,X)</c>; OCC netting to zero per CUSIP; every payable date's
/// stock-loan income summing to zero, paying each lender exactly what its record-date lines earned
/// (unless halted), never twice; and every entity's replay equal to its live state.
/// CsCheck prints the seed of a failure; failing seeds are pinned below as plain tests.
/// </summary>
public sealed class IncomeProperties
{
    private static readonly string[] Parties = [L, B, C, D];

    // ------------------------------------------------------------------ memo accounts alone

    /// <summary>A day of completed deliver orders: loans, returns, other codes, market loans through OCC, reclaims of earlier ones.</summary>
    private static readonly Gen<(int Kind, int From, int To, int Shares, int Cusip)[]> GenDay =
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[1, 1_000], Gen.Int[0, 1]).Array[1, 60];

    private static List<CompletedDeliverOrder> Orders((int Kind, int From, int To, int Shares, int Cusip)[] day)
    {
        var orders = new List<CompletedDeliverOrder>();
        for (var i = 0; i < day.Length; i++)
        {
            var (kind, from, to, shares, c) = day[i];
            var cusip = c == 0 ? X : Y;
            if (from == to) to = (to + 1) % Parties.Length;
            switch (kind)
            {
                case <= 2: orders.Add(Do($"SL-{i}", Parties[from], Parties[to], shares, "SL", cusip)); break;
                case <= 4: orders.Add(Do($"SLR-{i}", Parties[from], Parties[to], shares, "SLR", cusip)); break;
                case 5: orders.Add(Do($"OTHER-{i}", Parties[from], Parties[to], shares, "DVP", cusip)); break;
                case <= 7:
                    orders.Add(Do($"ML-{i}-L", Parties[from], Occ, shares, "SL", cusip, completedBy: "look-ahead"));
                    orders.Add(Do($"ML-{i}-B", Occ, Parties[to], shares, "SL", cusip, completedBy: "look-ahead"));
                    break;
                default:
                    var candidates = orders.Where(o => o.ReclaimOf is null && o.Deliverer.Value != Occ && o.Receiver.Value != Occ
                        && !orders.Any(r => r.ReclaimOf == o.Id)).ToList();
                    if (candidates.Count > 0) orders.Add(Reclaim($"R-{i}", candidates[shares % candidates.Count]));
                    break;
            }
        }
        return orders;
    }

    /// <summary>What the lines must be: each stock-loan deliver order once, each reclaim of one undoing it.</summary>
    private static Dictionary<(string, string, string), long> Model(IEnumerable<CompletedDeliverOrder> orders, IncomeSettings settings)
    {
        var model = new Dictionary<(string, string, string), long>();
        var list = orders.ToList();
        foreach (var o in list)
        {
            var counted = o.ReclaimOf is { } of ? list.Single(x => x.Id == of) : o;
            if (settings.TransactionTypeOf(counted.ReasonCode) is null) continue;
            var sign = o.ReclaimOf is null ? 1 : -1;
            Add(model, (counted.Deliverer.Value, counted.Receiver.Value, o.Cusip.Value), sign * o.Shares);
            Add(model, (counted.Receiver.Value, counted.Deliverer.Value, o.Cusip.Value), -sign * o.Shares);
        }
        return model;
    }

    private static void Add(Dictionary<(string, string, string), long> model, (string, string, string) key, long shares) =>
        model[key] = model.GetValueOrDefault(key) + shares;

    [Fact]
    public void Each_completed_deliver_order_counts_once_at_each_party_whatever_duplicates_and_reorderings_arrive() =>
        Gen.Select(GenDay, Gen.Int).Sample((day, seed) =>
        {
            var orders = Orders(day);
            var random = new Random(seed);
            var memos = Parties.Append(Occ).ToDictionary(p => p, p => Memo(p));
            var deliveries = orders.SelectMany(o => new[] { (o.Deliverer.Value, o), (o.Receiver.Value, o) })
                .SelectMany(x => Enumerable.Repeat(x, 1 + (random.Next(4) == 0 ? random.Next(1, 3) : 0)))
                .OrderBy(_ => random.Next()).ToList();
            foreach (var (party, order) in deliveries) Ok(memos[party], new ApplyCompletedDeliverOrder(order, Morning));

            var model = Model(orders, IncomeSettings.Default);
            foreach (var (holder, memo) in memos)
            {
                foreach (var (key, line) in memo.Lines)
                {
                    Assert.Equal(model.GetValueOrDefault((holder, key.Counterparty.Value, key.Cusip.Value)), line.Shares);
                    Assert.Equal(-line.Shares, memos[key.Counterparty.Value].LineShares(P(holder), key.Cusip)); // antisymmetric
                }
                Assert.Equal(model.Count(m => m.Key.Item1 == holder && m.Value != 0), memo.Lines.Count);
            }
            foreach (var cusip in new[] { X, Y })
                Assert.Equal(0, memos[Occ].Lines.Where(l => l.Key.Cusip.Value == cusip).Sum(l => l.Value.Shares)); // OCC nets to zero
        }, iter: 1_000, print: x => $"{x.Item2}: {string.Join(" ", x.Item1)}");

    // ------------------------------------------------------------------ the whole context over an unreliable network

    public enum Op { Loan, Return, MarketLoan, Reclaim, Other, Enter, Affirm, Cancel, Halt, Announce, Close }

    public sealed record Step(Op Op, int A, int B, int C, int D);

    private static readonly Gen<Op> GenOp = Gen.Frequency(
        (10, Gen.Const(Op.Loan)), (5, Gen.Const(Op.Return)), (6, Gen.Const(Op.MarketLoan)), (3, Gen.Const(Op.Reclaim)),
        (2, Gen.Const(Op.Other)), (3, Gen.Const(Op.Enter)), (3, Gen.Const(Op.Affirm)), (1, Gen.Const(Op.Cancel)),
        (1, Gen.Const(Op.Halt)), (3, Gen.Const(Op.Announce)), (4, Gen.Const(Op.Close)));

    public static readonly Gen<(int Seed, Step[] Steps)> GenWorkload = Gen.Select(
        Gen.Int,
        Gen.Select(GenOp, Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999], (op, a, b, c, d) => new Step(op, a, b, c, d)).Array[1, 120]);

    [Fact]
    public void Random_workloads_over_an_unreliable_network_keep_every_invariant() =>
        GenWorkload.Sample(w => { Simulate(w.Seed, w.Steps); }, iter: 150, print: w => $"{w.Seed}: {string.Join(" ", w.Steps.Select(s => $"{s.Op}({s.A},{s.B},{s.C},{s.D})"))}");

    /// <summary>What a run of the simulation went through, so a test can tell the workloads still reach every rule.</summary>
    internal sealed record SimulationStats(int Messages, int StockLoanIncomeEntries, int HolderOfRecordEntries, int Halted, int Reclaims,
        int ReclaimsHeld, int AdjustmentsApplied, int AdjustmentsCancelledOrExpired, int Closes, int LatePostings);

    /// <summary>The generator still reaches payable dates, halts, reclaims (in and out of order), adjustments: a property over workloads that miss them proves little.</summary>
    [Fact]
    public void The_random_workloads_reach_every_rule()
    {
        var random = new Random(20261123);
        var ops = Enum.GetValues<Op>();
        var stats = Enumerable.Range(0, 40).Select(run => Simulate(run, Enumerable.Range(0, 120)
            .Select(_ => new Step(ops[random.Next(ops.Length)], random.Next(1_000), random.Next(1_000), random.Next(1_000), random.Next(1_000))).ToList())).ToList();
        Assert.True(stats.Sum(s => s.StockLoanIncomeEntries) > 100, "stock-loan income");
        Assert.True(stats.Sum(s => s.HolderOfRecordEntries) > 100, "holder of record");
        Assert.True(stats.Sum(s => s.Halted) > 0, "halted");
        Assert.True(stats.Sum(s => s.Reclaims) > 10, "reclaims");
        Assert.True(stats.Sum(s => s.ReclaimsHeld) > 0, "reclaims before their deliver order");
        Assert.True(stats.Sum(s => s.AdjustmentsApplied) > 10, "adjustments applied");
        Assert.True(stats.Sum(s => s.AdjustmentsCancelledOrExpired) > 0, "adjustments cancelled or expired");
    }

    /// <summary>Runs a workload, checking at each close what the payable dates paid, and at the end every invariant.</summary>
    internal static SimulationStats Simulate(int seed, IReadOnlyList<Step> steps)
    {
        var world = new IncomeWorld(Monday, chaos: new Random(seed)).With(L, B, C, D, Occ);
        var completed = new List<CompletedDeliverOrder>();
        var affirmed = new List<(string By, string Counterparty, string Cusip, long Shares)>();
        var expected = new Dictionary<DateOnly, List<(string Lender, string Borrower, string Cusip, string Id, long Shares, decimal Rate)>>();
        var expectedHolders = new Dictionary<DateOnly, List<(string Holder, string Cusip, string Id, long Shares, decimal Rate)>>();
        var adjustments = 0;
        foreach (var step in steps)
        {
            var (p, q) = (Parties[step.A % 4], Parties[(step.A % 4 + 1 + step.B % 3) % 4]);
            var shares = 1 + step.C % 500;
            var cusip = step.D % 3 == 0 ? Y : X;
            var id = $"{world.BusinessDate:MMdd}-{completed.Count}";
            switch (step.Op)
            {
                case Op.Loan: Complete(Do($"SL-{id}", p, q, shares, "SL", cusip, world.BusinessDate)); break;
                case Op.Return: Complete(Do($"SLR-{id}", p, q, shares, "SLR", cusip, world.BusinessDate)); break;
                case Op.Other: Complete(Do($"DVP-{id}", p, q, shares, "DVP", cusip, world.BusinessDate)); break;
                case Op.MarketLoan:
                    Complete(Do($"ML-{id}-L", p, Occ, shares, "SL", cusip, world.BusinessDate, completedBy: "look-ahead"));
                    Complete(Do($"ML-{id}-B", Occ, q, shares, "SL", cusip, world.BusinessDate, completedBy: "look-ahead"));
                    break;
                case Op.Reclaim:
                    var today = completed.Where(o => o.BusinessDate == world.BusinessDate && o.ReclaimOf is null && o.Deliverer.Value != Occ
                        && o.Receiver.Value != Occ && !completed.Any(r => r.ReclaimOf == o.Id)).ToList();
                    if (today.Count > 0) Complete(Reclaim($"R-{id}", today[step.C % today.Count]));
                    break;
                case Op.Enter:
                    world.EnterAdjustment($"ADJ-{adjustments++}", p, q, step.C % 2 == 0 ? shares : -shares, cusip);
                    break;
                case Op.Affirm or Op.Cancel when adjustments > 0:
                    var adjustment = world.Adjustment($"ADJ-{step.C % adjustments}").State;
                    if (!adjustment.Entered) break;
                    var wasPending = adjustment.Status == AdjustmentStatus.Pending;
                    if (step.Op == Op.Cancel) world.Cancel(adjustment.AdjustmentId, step.D % 2 == 0 ? adjustment.EnteredBy.Value : adjustment.Counterparty.Value);
                    else if (world.Affirm(adjustment.AdjustmentId, adjustment.Counterparty.Value) is null && wasPending)
                        affirmed.Add((adjustment.EnteredBy.Value, adjustment.Counterparty.Value, adjustment.Cusip.Value, adjustment.Shares));
                    break;
                case Op.Halt:
                    world.FileHalt(p, q, world.Calendar.AddBusinessDays(world.BusinessDate, step.C % 4));
                    break;
                case Op.Announce:
                    var record = world.Calendar.AddBusinessDays(world.BusinessDate, step.B % 2);
                    var payable = record.AddDays(step.C % 5);
                    world.Announce(new Distribution(Cu(cusip), $"D{step.A}", DistributionType.CashDividend, (1 + step.D % 400) / 1_000m, record, payable,
                        Distribution.PostingDateOf(record, payable, world.Calendar)));
                    break;
                case Op.Close:
                    Close();
                    break;
            }
        }
        Close();
        Close();
        Close();
        world.Quiesce();

        // Lines: the model of every completed deliver order and affirmed adjustment, antisymmetric, OCC at zero.
        var model = Model(completed, world.Settings);
        foreach (var (by, counterparty, cusip, shares) in affirmed)
        {
            Add(model, (by, counterparty, cusip), shares);
            Add(model, (counterparty, by, cusip), -shares);
        }
        foreach (var holder in Parties.Append(Occ))
        {
            var memo = world.Memo(holder).State;
            Assert.Equal(model.Where(m => m.Key.Item1 == holder && m.Value != 0).OrderBy(m => m.Key.Item2, StringComparer.Ordinal).ThenBy(m => m.Key.Item3, StringComparer.Ordinal)
                .Select(m => $"{m.Key.Item2} {m.Key.Item3} {m.Value}"), LinesOf(memo));
        }
        foreach (var cusip in new[] { X, Y })
            Assert.Equal(0, world.Memo(Occ).State.Lines.Where(l => l.Key.Cusip.Value == cusip).Sum(l => l.Value.Shares));

        // Money: never an entry twice; per posting date, stock-loan income sums to zero.
        var settled = world.SettledEntries.ToList();
        Assert.Equal(settled.Count, settled.Select(e => (e.Participant, e.Entry.EntryId)).Distinct().Count());
        foreach (var run in world.Runs.Values)
        {
            var summary = PayableDateSummary.Of(run.State);
            Assert.Equal(0, summary.StockLoanIncomeNetCents);
            Assert.Equal(summary.Postings, summary.PostingsAcknowledged);
            Assert.Empty(summary.Mismatches); // every close was quiescent
        }

        // Each deliver order, adjustment and posting is in each journal once, whatever came twice.
        foreach (var memo in world.Memos.Values)
        {
            AssertDistinct(memo.Journal.OfType<StockLoanDeliverOrderApplied>().Select(e => e.DeliverOrderId));
            AssertDistinct(memo.Journal.OfType<MemoAdjustmentApplied>().Select(e => e.AdjustmentId));
            AssertDistinct(memo.Journal.OfType<IncomePostingRecorded>().Select(e => e.PostingId));
            AssertDistinct(memo.Journal.OfType<RecordDateFixed>().Select(e => e.RecordDate + e.PostingDate));
        }
        foreach (var run in world.Runs.Values)
        {
            AssertDistinct(run.Journal.OfType<IncomePostingDecided>().Select(e => e.PostingId));
            AssertDistinct(run.Journal.OfType<RecordDateReported>().Select(e => e.Participant + e.RecordDate));
            Assert.True(run.Journal.OfType<PayableDatePosted>().Count() <= 1);
        }

        // Nothing was refused that should not have been, and every entity replays to its live state.
        Assert.True(world.NetworkRejections.Count == 0, string.Join("\n", world.NetworkRejections.Select(r => $"{r.To} {r.Command.GetType().Name}: {r.Error.Rule} {r.Error.Message}")));
        foreach (var memo in world.Memos.Values)
        {
            AssertReplays(memo, Dumps.Of);
            // Events are records of primitives: through JSON and back they replay to the same state.
            var fresh = new MemoAccountState(memo.State.Participant, world.Settings);
            foreach (var e in memo.Journal) fresh.Apply((MemoAccountEvent)System.Text.Json.JsonSerializer.Deserialize(System.Text.Json.JsonSerializer.Serialize(e, e.GetType()), e.GetType())!);
            Assert.Equal(Dumps.Of(memo.State), Dumps.Of(fresh));
        }
        foreach (var adjustment in world.Adjustments.Values) AssertReplays(adjustment, Dumps.Of);
        foreach (var run in world.Runs.Values) AssertReplays(run, Dumps.Of);
        AssertReplays(world.Halts, Dumps.Of);
        foreach (var memo in world.Memos.Values)
            Assert.DoesNotContain(memo.State.OpenReports.Values, r => IncomeDates.Parse(r.Report.PostingDate) <= world.BusinessDate); // every report due is settled

        var journals = world.Memos.Values.SelectMany(m => m.Journal).ToList();
        return new SimulationStats(
            world.Delivered,
            settled.Count(e => e.Entry.Kind == "stock-loan-income"),
            settled.Count(e => e.Entry.Kind == "holder-of-record"),
            world.Runs.Values.SelectMany(r => r.State.Postings.Values).SelectMany(p => p.Skipped).Count(x => x.Reason == "halted"),
            journals.OfType<StockLoanDeliverOrderApplied>().Count(e => e.TransactionType == "reclaim"),
            journals.OfType<StockLoanDeliverOrderNoted>().Count(),
            journals.OfType<MemoAdjustmentApplied>().Count(),
            world.Adjustments.Values.Count(a => a.State.Status is AdjustmentStatus.Cancelled or AdjustmentStatus.Expired),
            journals.OfType<MemoAccountEvent>().Count(e => e is StockLoanDeliverOrderApplied { SharesChange: 0 }) + journals.Count(e => e is MemoDayClosed),
            world.Runs.Values.Sum(r => r.State.Postings.Values.Count(p => !p.PostingId.EndsWith(":1", StringComparison.Ordinal))));

        void Complete(CompletedDeliverOrder order)
        {
            completed.Add(order);
            world.Complete(order);
        }

        void Close()
        {
            world.Quiesce();
            var closed = world.BusinessDate;
            var next = world.Calendar.Next(closed);
            var lines = Model(completed, world.Settings);
            foreach (var (by, counterparty, cusip, shares) in affirmed)
            {
                Add(lines, (by, counterparty, cusip), shares);
                Add(lines, (counterparty, by, cusip), -shares);
            }
            foreach (var x in world.Schedule.State.WithRecordDateClosing(closed, next))
            {
                var fixedHere = expected.TryGetValue(x.PostingDate, out var list) ? list : expected[x.PostingDate] = new();
                fixedHere.AddRange(lines.Where(l => l.Value > 0 && l.Key.Item3 == x.Cusip.Value).Select(l => (l.Key.Item1, l.Key.Item2, l.Key.Item3, x.Id, l.Value, x.RatePerShare)));
                var holders = expectedHolders.TryGetValue(x.PostingDate, out var h) ? h : expectedHolders[x.PostingDate] = new();
                holders.AddRange(world.Positions.Where(pos => pos.Key.Item2 == x.Cusip && pos.Value > 0).Select(pos => (pos.Key.Item1.Value, x.Cusip.Value, x.Id, pos.Value, x.RatePerShare)));
            }
            world.CloseDay();
            foreach (var postingDate in world.Schedule.State.PostingDatesOpening(closed, next)) CheckPaid(postingDate, next);
        }

        // Every lender got exactly what its record-date lines earned, its borrower paid exactly that, unless halted; holders of record their positions' worth.
        void CheckPaid(DateOnly postingDate, DateOnly postedOn)
        {
            var prefix = $"income:{IncomeDates.ToText(postingDate)}:";
            var paid = world.AppliedPostings.Values.Where(x => x.PostingId.StartsWith(prefix, StringComparison.Ordinal))
                .SelectMany(x => x.Entries.Select(e => (x.Participant.Value, e))).ToList();
            var halted = world.Halts.State.InEffectOn(postedOn).Select(h => (h.Instructing.Value, h.Counterparty.Value)).ToHashSet();
            var want = new List<(string, string, long)>();
            foreach (var (lender, borrower, cusip, distribution, shares, rate) in expected.GetValueOrDefault(postingDate) ?? [])
            {
                if (halted.Contains((borrower, lender))) continue;
                var amount = IncomeArithmetic.Amount(shares, rate).Cents;
                want.Add((lender, IncomeIds.StockLoanIncomeEntry(cusip, distribution, lender, borrower), amount));
                want.Add((borrower, IncomeIds.StockLoanIncomeEntry(cusip, distribution, lender, borrower), -amount));
            }
            foreach (var (holder, cusip, distribution, shares, rate) in expectedHolders.GetValueOrDefault(postingDate) ?? [])
                want.Add((holder, IncomeIds.HolderOfRecordEntry(cusip, distribution, holder), IncomeArithmetic.Amount(shares, rate).Cents));
            Assert.Equal(want.Order(), paid.Select(x => (x.Item1, x.e.EntryId, x.e.AmountCents)).Order());
        }
    }

    private static void AssertDistinct(IEnumerable<string> ids)
    {
        var list = ids.ToList();
        Assert.Equal(list.Count, list.Distinct(StringComparer.Ordinal).Count());
    }

    private static void AssertReplays<TState, TEvent>(Journaled<TState, TEvent> entity, Func<TState, string> dump) where TEvent : IncomeEvent
    {
        var live = dump(entity.State);
        entity.Restart();
        Assert.Equal(live, dump(entity.State));
    }
}
