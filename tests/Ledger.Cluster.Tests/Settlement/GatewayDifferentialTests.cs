using System.Globalization;
using System.Text.Json;
using Ledger.Settlement;
using Xunit.Abstractions;

namespace Ledger.Cluster.Tests;

/// <summary>
/// One protocol, one implementation: the same seeded business days (set-up, deposits and payments,
/// deliver orders, Market Loans through OCC, reclaims, cancels, resubmissions with the same and
/// another payload, the cutoff, closes named right, named again and named wrong, resubmissions from
/// the day closed last and from a forgotten one) go through the in-memory ledger that what-if and
/// the simulation run and through a real one-node cluster on SQLite. Every answer must be the same,
/// and so must every account and every deliver order at the end. Between requests each ledger is
/// let settle (the in-memory one delivers its messages; the cluster is polled until it is quiet),
/// so that both decide the same requests in the same order. The seed is printed on failure;
/// LEDGER_DIFFERENTIAL_SEED runs another.
/// </summary>
[Collection("cluster")]
public sealed class GatewayDifferentialTests(ITestOutputHelper output)
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    // Monday 2026-11-23, 09:00 in New York.
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Occ = "0900";
    private static readonly string[] Firms = ["0001", "0002", "0003", "0004"];
    private static readonly Cusip[] Securities = [Cusips.Apple, Cusips.Make(7)];
    private static readonly decimal[] Prices = [100m, 40m];

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        if (Environment.GetEnvironmentVariable("LEDGER_DIFFERENTIAL_SEED") is { } chosen)
        {
            seeds.Add(int.Parse(chosen, CultureInfo.InvariantCulture));
            return seeds;
        }
        seeds.Add(20261123);
        seeds.Add(4242);
        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task The_same_seeded_days_answer_the_same_in_memory_and_on_a_one_node_cluster(int seed)
    {
        var steps = Workload(seed);
        using var folder = new TempFolder();
        var clock = new FixedClock(Start);
        await using var node = await LedgerNode.StartAsync(new LedgerNodeOptions
        {
            DataDir = folder.Path,
            Clock = clock,
            ResendInterval = TimeSpan.FromMilliseconds(200),
            RecycleCutoffLocalTime = null,
            // Settlement alone: the in-memory ledger has no lending context to pay the open's marks.
            Contexts = new HashSet<string> { "settlement" },
        }, null, Setup.None);
        var cluster = new ClusterSide(node.Ledger);
        var memory = new MemorySide(new InMemoryLedger((await node.Ledger.ReferenceAsync(Setup.None)).BusinessDate, Start));

        var answered = 0;
        var answers = new List<string>();
        foreach (var step in steps)
        {
            var inMemory = memory.Run(step);
            var onCluster = await cluster.RunAsync(step);
            Assert.True(inMemory == onCluster,
                $"seed {seed} (LEDGER_DIFFERENTIAL_SEED={seed} repeats it), request {answered + 1} of {steps.Count}, {step}:\n  in memory:  {inMemory}\n  on cluster: {onCluster}");
            answers.Add($"{step.GetType().Name}: {onCluster}");
            answered++;
        }
        // The days reached what they are for: the rules the two ledgers once disagreed on, and the rest.
        string[] reached =
        [
            "Reclaim: 000", " True completed", " True pending", "Cancel: Cancelled", "Cancel: NotPending", "reclaim-of-completed/", "deliver-order-id-unique/id: deliver order",
            "which is closed and no longer kept", "BusinessDate businessDate", "Close: True 2026-11-23 2026-11-24",
        ];
        foreach (var what in reached)
            Assert.True(answers.Any(a => a.Contains(what, StringComparison.Ordinal)), $"seed {seed}: no answer shows '{what}'");
        Assert.Equal(2, answers.Count(a => a.StartsWith("Close: True 2026-11-23 2026-11-24", StringComparison.Ordinal)));
        Assert.Contains(answers, a => a.StartsWith("Reclaim: ", StringComparison.Ordinal) && a.Contains(" True ", StringComparison.Ordinal));
        Assert.Contains(answers, a => a.StartsWith("Reclaim: ", StringComparison.Ordinal) && a.Contains(" False rejected", StringComparison.Ordinal));

        var ids = steps.SelectMany(IdsOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var participant in Firms.Prepend(Occ))
        {
            var id = new ParticipantId(participant);
            Assert.True(Same(memory.Ledger.Account(id), await node.Ledger.AccountAsync(id, Setup.None), out var a, out var b),
                $"seed {seed}: account {participant} differs\n  in memory:  {a}\n  on cluster: {b}");
        }
        foreach (var id in ids)
        {
            var doId = new DeliverOrderId(id);
            Assert.True(Same(memory.Ledger.DeliverOrder(doId), await node.Ledger.DeliverOrderAsync(doId, Setup.None), out var a, out var b),
                $"seed {seed}: deliver order {id} differs\n  in memory:  {a}\n  on cluster: {b}");
        }
        var kinds = steps.GroupBy(s => s.GetType().Name).Select(g => $"{g.Key} {g.Count()}");
        output.WriteLine($"seed {seed}: {answered} requests answered alike ({string.Join(", ", kinds)}); {ids.Count} deliver orders and {Firms.Length + 1} accounts end alike");
    }

    private static bool Same<T>(T? left, T? right, out string leftText, out string rightText)
    {
        leftText = JsonSerializer.Serialize(left, Json);
        rightText = JsonSerializer.Serialize(right, Json);
        return leftText == rightText;
    }

    private static IEnumerable<string> IdsOf(Step step) => step switch
    {
        Submit s => s.Orders.Select(o => o.Id!),
        Reclaim r => [r.Id.DeliverOrderId.Value, r.Original],
        Cancel c => [c.Id],
        _ => [],
    };

    // ------------------------------------------------------------ the workload

    private abstract record Step;
    private sealed record PutParticipant(ParticipantRecord Participant) : Step;
    private sealed record PutSecurity(Cusip Cusip, decimal Price, decimal Haircut) : Step;
    private sealed record Deposit(string Participant, Cusip Cusip, long Shares, string? Id) : Step;
    private sealed record Pay(string Participant, decimal Amount, string? Id) : Step;
    private sealed record Submit(IReadOnlyList<DeliverOrderRequest> Orders) : Step
    {
        public override string ToString() => $"Submit [{string.Join(", ", Orders.Select(o => $"{o.Id} {o.Deliverer}->{o.Receiver} {o.Shares} {o.Amount}"))}]";
    }
    private sealed record Reclaim(ReclaimId Id, string Original) : Step;
    private sealed record Cancel(string Id) : Step;
    private sealed record Cutoff : Step;
    private sealed record Close(DateOnly? BusinessDate) : Step;

    /// <summary>Two business days of requests, from the seed alone (what each ledger makes of them is for the ledgers to say).</summary>
    private static List<Step> Workload(int seed)
    {
        var random = new Random(seed);
        var steps = new List<Step>
        {
            new PutParticipant(new ParticipantRecord(new ParticipantId(Occ), "OCC", Money.Zero, Money.Zero, MarketLoanProgram: true, CentralCounterparty: true)),
        };
        foreach (var firm in Firms)
        {
            steps.Add(new PutParticipant(new ParticipantRecord(new ParticipantId(firm), "Firm " + firm, Money.FromDollars(random.Next(50, 400) * 1_000m),
                Money.FromDollars(random.Next(5, 40) * 1_000m), MarketLoanProgram: firm != "0004", CentralCounterparty: false)));
        }
        for (var i = 0; i < Securities.Length; i++) steps.Add(new PutSecurity(Securities[i], Prices[i], i == 0 ? 0.1m : 0.2m));
        foreach (var firm in Firms)
        {
            foreach (var cusip in Securities) steps.Add(new Deposit(firm, cusip, random.Next(5, 30) * 100, null));
        }

        var submitted = new List<DeliverOrderRequest>();
        var references = new List<ReclaimId>();
        var next = 0;
        DeliverOrderRequest Order(string from, string to, string? id = null)
        {
            var security = random.Next(Securities.Length);
            var shares = random.Next(1, 12) * 50L;
            var amount = Math.Round(shares * Prices[security] * (decimal)(0.8 + random.NextDouble() * 0.4), 2);
            return new DeliverOrderRequest(id ?? $"D{seed % 1000}-{++next:D3}", from, to, Securities[security].Value, shares, amount, "SL");
        }
        string Other(string firm) => Firms.Where(f => f != firm).ElementAt(random.Next(Firms.Length - 1));
        void Day(int requests)
        {
            for (var i = 0; i < requests; i++)
            {
                var roll = random.Next(100);
                var firm = Firms[random.Next(Firms.Length)];
                switch (roll)
                {
                    case < 34:
                        {
                            // One deliverer per batch: its orders are decided in the order given in both ledgers.
                            var batch = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Order(firm, Other(firm))).ToList();
                            submitted.AddRange(batch);
                            steps.Add(new Submit(batch));
                            break;
                        }
                    case < 44:
                        {
                            // A Market Loan: the lender's leg to OCC and OCC's leg to the borrower, either first.
                            var lender = Firms[random.Next(3)];
                            var borrower = Firms.Take(3).Where(f => f != lender).ElementAt(random.Next(2));
                            var lend = Order(lender, Occ);
                            var borrow = lend with { Id = $"D{seed % 1000}-{++next:D3}", Deliverer = Occ, Receiver = borrower };
                            submitted.Add(lend);
                            submitted.Add(borrow);
                            var legs = random.Next(2) == 0 ? new[] { lend, borrow } : new[] { borrow, lend };
                            steps.Add(new Submit([legs[0]]));
                            steps.Add(new Submit([legs[1]]));
                            break;
                        }
                    case < 52 when submitted.Count > 0:
                        steps.Add(new Submit([submitted[random.Next(submitted.Count)]]));
                        break;
                    case < 56 when submitted.Count > 0:
                        {
                            var earlier = submitted[random.Next(submitted.Count)];
                            steps.Add(new Submit([earlier with { Shares = earlier.Shares + 1 }]));
                            break;
                        }
                    case < 70 when submitted.Count > 0:
                        {
                            var original = submitted[random.Next(submitted.Count)];
                            // Mostly its receiver, sometimes another firm; mostly a fresh reference, sometimes one used before.
                            var reclaimer = random.Next(5) == 0 ? firm : original.Receiver!;
                            var id = references.Count > 0 && random.Next(6) == 0
                                ? references[random.Next(references.Count)]
                                : new ReclaimId(new ParticipantId(reclaimer), $"R-{++next:D3}");
                            if (id.Reclaimer.Value != reclaimer) id = new ReclaimId(new ParticipantId(reclaimer), id.Reference);
                            references.Add(id);
                            steps.Add(new Reclaim(id, original.Id!));
                            break;
                        }
                    case < 75 when submitted.Count > 0:
                        steps.Add(new Cancel(submitted[random.Next(submitted.Count)].Id!));
                        break;
                    case < 80:
                        {
                            // More shares than the deliverer holds: it pends for position, and is cancelled (or left to the cutoff).
                            var short_ = Order(firm, Other(firm)) with { Shares = 1_000_000 };
                            submitted.Add(short_);
                            steps.Add(new Submit([short_]));
                            if (random.Next(3) > 0) steps.Add(new Cancel(short_.Id!));
                            break;
                        }
                    case < 92:
                        steps.Add(new Deposit(firm, Securities[random.Next(Securities.Length)], random.Next(1, 10) * 100,
                            random.Next(3) == 0 ? $"DEP-{random.Next(4)}" : null));
                        break;
                    default:
                        steps.Add(new Pay(firm, random.Next(1, 50) * 1_000m, random.Next(3) == 0 ? $"SPP-{random.Next(3)}" : null));
                        break;
                }
            }
        }

        var monday = DateOnly.FromDateTime(Start.UtcDateTime);
        var tuesday = monday.AddDays(1);
        // Whatever the seed: a deliver order pending for position, reclaimed before it completed, then cancelled.
        var pending = Order(Firms[0], Firms[1]) with { Shares = 1_000_000 };
        submitted.Add(pending);
        steps.Add(new Submit([pending]));
        steps.Add(new Reclaim(new ReclaimId(new ParticipantId(Firms[1]), "EARLY"), pending.Id!));
        steps.Add(new Cancel(pending.Id!));
        Day(45);
        steps.Add(new Cutoff());
        steps.Add(new Submit([Order(Firms[0], Firms[1])]));
        steps.Add(new Close(tuesday));                       // not the open day: refused
        steps.Add(new Close(monday));
        steps.Add(new Close(monday));                        // named again: the same answer
        var mondays = submitted.ToList();
        for (var i = 0; i < 3; i++) steps.Add(new Submit([mondays[random.Next(mondays.Count)]])); // from the day closed last
        Day(15);
        steps.Add(new Close(null));
        steps.Add(new Close(monday));                        // neither open nor closed last: refused
        for (var i = 0; i < 3; i++) steps.Add(new Submit([mondays[random.Next(mondays.Count)]])); // from a forgotten day
        steps.Add(new Reclaim(new ReclaimId(new ParticipantId(mondays[0].Receiver!), "LATE"), mondays[0].Id!));
        return steps;
    }

    // ------------------------------------------------------------ the two ledgers, answering alike

    private static string Error(EntryError? e) => e is null ? "-" : $"{e.RuleName}/{e.Field}: {e.Message}";

    private static string Day(BusinessDayResult r) => $"{r.Ok} {r.BusinessDate} {r.NextBusinessDate} {r.Accounts} {r.Refusal} {r.Message}";

    private static string Command(bool ok, EntryError? error, AccountRejection? rejection, string? message) => $"{ok} {Error(error)} {rejection} {message}";

    private sealed class MemorySide(InMemoryLedger ledger)
    {
        private DateTimeOffset _at = Start;

        public InMemoryLedger Ledger => ledger;

        public string Run(Step step)
        {
            _at = _at.AddSeconds(1);
            var answer = Answer(step);
            // What the cluster does by itself before the next request: every message delivered.
            ledger.DeliverAll();
            return answer;
        }

        private string Answer(Step step)
        {
            switch (step)
            {
                case PutParticipant p:
                    var configured = ledger.Configure(p.Participant, _at);
                    return Command(configured.Ok, configured.Error, configured.Rejection, configured.Message);
                case PutSecurity s:
                    var listed = ledger.List(s.Cusip, Money.FromDollars(s.Price), s.Haircut, _at);
                    return Command(listed.Ok, listed.Error, listed.Rejection, listed.Message);
                case Deposit d:
                    var deposited = ledger.Deposit(new ParticipantId(d.Participant), d.Cusip, d.Shares, _at, d.Id is null ? null : new IdempotencyId(d.Id));
                    return Command(deposited.Ok, deposited.Error, deposited.Rejection, deposited.Message);
                case Pay p:
                    var paid = ledger.Pay(new ParticipantId(p.Participant), Money.FromDollars(p.Amount), _at, p.Id is null ? null : new IdempotencyId(p.Id));
                    return Command(paid.Ok, paid.Error, paid.Rejection, paid.Message);
                case Submit s:
                    return string.Join(" | ", s.Orders.Select(o => ledger.Submit(o, _at)).Select(r => $"{r.Id} {r.Accepted} {r.Status} {Error(r.Error)}"));
                case Reclaim r:
                    var reclaimed = ledger.Reclaim(r.Id, new DeliverOrderId(r.Original), _at);
                    return $"{reclaimed.Id} {reclaimed.Accepted} {reclaimed.Status} {Error(reclaimed.Error)}";
                case Cancel c:
                    var cancelled = ledger.Cancel(new DeliverOrderId(c.Id), _at);
                    // The cluster's gateway gives the receiver a moment to answer; here that is delivering its messages.
                    if (cancelled.Outcome == CancelOutcome.Requested)
                    {
                        ledger.DeliverAll();
                        cancelled = SettlementGateway.CancelOutcomeOf(ledger.DeliverOrder(new DeliverOrderId(c.Id)));
                    }
                    return $"{cancelled.Outcome} {JsonSerializer.Serialize(cancelled.DeliverOrder, Json)}";
                case Cutoff:
                    return Day(ledger.CutoffDay(_at));
                case Close c:
                    // The cluster's gateway waits while deliveries are in flight; here that is delivering the messages.
                    var closed = ledger.CloseDay(c.BusinessDate, _at);
                    for (var round = 0; closed.Refusal == BusinessDayRefusal.DeliveriesInFlight && round < 10; round++)
                    {
                        ledger.DeliverAll();
                        closed = ledger.CloseDay(c.BusinessDate, _at);
                    }
                    return Day(closed);
                default:
                    throw new ArgumentOutOfRangeException(nameof(step), step.GetType().Name, "no such step");
            }
        }
    }

    private sealed class ClusterSide(ILedger ledger)
    {
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private readonly List<ParticipantId> _accounts = new();

        public async Task<string> RunAsync(Step step)
        {
            var answer = await AnswerAsync(step);
            foreach (var id in IdsOf(step)) _ids.Add(id);
            // Only accounts set up are looked at: asking after another would start its entity.
            if (step is PutParticipant p) _accounts.Add(p.Participant.Id);
            await QuietAsync();
            return answer;
        }

        private async Task<string> AnswerAsync(Step step)
        {
            var ct = Setup.None;
            switch (step)
            {
                case PutParticipant p:
                    var configured = await ledger.PutParticipantAsync(p.Participant, ct);
                    return Command(configured.Ok, configured.Error, configured.Rejection, configured.Message);
                case PutSecurity s:
                    var listed = await ledger.PutSecurityAsync(s.Cusip, Money.FromDollars(s.Price), s.Haircut, ct);
                    return Command(listed.Ok, listed.Error, listed.Rejection, listed.Message);
                case Deposit d:
                    var deposited = await ledger.DepositAsync(new ParticipantId(d.Participant), d.Cusip, d.Shares, d.Id is null ? null : new IdempotencyId(d.Id), ct);
                    return Command(deposited.Ok, deposited.Error, deposited.Rejection, deposited.Message);
                case Pay p:
                    var paid = await ledger.SettlementProgressPaymentAsync(new ParticipantId(p.Participant), Money.FromDollars(p.Amount),
                        p.Id is null ? null : new IdempotencyId(p.Id), ct);
                    return Command(paid.Ok, paid.Error, paid.Rejection, paid.Message);
                case Submit s:
                    return string.Join(" | ", (await ledger.SubmitAsync(s.Orders, ct)).Select(r => $"{r.Id} {r.Accepted} {r.Status} {Error(r.Error)}"));
                case Reclaim r:
                    var reclaimed = await ledger.ReclaimAsync(r.Id, new DeliverOrderId(r.Original), ct);
                    return $"{reclaimed.Id} {reclaimed.Accepted} {reclaimed.Status} {Error(reclaimed.Error)}";
                case Cancel c:
                    var cancelled = await ledger.CancelAsync(new DeliverOrderId(c.Id), ct);
                    return $"{cancelled.Outcome} {JsonSerializer.Serialize(cancelled.DeliverOrder, Json)}";
                case Cutoff:
                    return Day(await ledger.CutoffAsync(ct));
                case Close c:
                    return Day(await ledger.CloseAsync(c.BusinessDate, ct));
                default:
                    throw new ArgumentOutOfRangeException(nameof(step), step.GetType().Name, "no such step");
            }
        }

        /// <summary>Until three looks in a row, 30 ms apart, find every account and deliver order as before and none in flight.</summary>
        private async Task QuietAsync()
        {
            string? last = null;
            var same = 0;
            for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(30))
            {
                var accounts = await Task.WhenAll(_accounts.Select(p => ledger.AccountAsync(p, Setup.None)));
                var orders = await Task.WhenAll(_ids.Select(id => ledger.DeliverOrderAsync(new DeliverOrderId(id), Setup.None)));
                var look = JsonSerializer.Serialize(accounts, Json) + JsonSerializer.Serialize(orders, Json);
                same = look == last && orders.All(o => o?.Status != DeliverOrderStatus.Accepted.Name()) ? same + 1 : 0;
                if (same >= 2) return;
                last = look;
            }
            throw new TimeoutException("the cluster was still moving 30 s after a request");
        }
    }
}
