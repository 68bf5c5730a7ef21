using System.Collections.Concurrent;
using Ledger.Host.Auth;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

/// <summary>What the clients sent and what the ledger answered, as the clients saw it.</summary>
public sealed class CrashTally
{
    /// <summary>Deliver orders the ledger answered with <c>accepted: true</c>.</summary>
    public ConcurrentDictionary<string, DeliverOrderLine> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>Deliver orders sent without an answer and then given up on: the ledger may or may not hold them.</summary>
    public ConcurrentDictionary<string, DeliverOrderLine> Abandoned { get; } = new(StringComparer.Ordinal);

    /// <summary>Deliver orders the ledger refused (none should be): id and rule.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    public ConcurrentQueue<CrashLoan> Loans { get; } = new();

    public ConcurrentQueue<CrashPayment> AcknowledgedPayments { get; } = new();

    /// <summary>
    /// Payments sent without an answer and then given up on: the ledger may hold each once, never
    /// twice. The others went unanswered too at times, and were sent again with the same id until answered.
    /// </summary>
    public ConcurrentQueue<CrashPayment> AbandonedPayments { get; } = new();

    /// <summary>A reclaim into OCC and OCC's redelivery to the lender: they complete together or neither does.</summary>
    public ConcurrentQueue<CrashLoan> Redeliveries { get; } = new();

    /// <summary>Cancels sent, by what the ledger answered.</summary>
    public ConcurrentDictionary<string, int> Cancels { get; } = new(StringComparer.Ordinal);

    private int _requests, _unanswered, _resubmitted, _loanNumber, _reclaims, _paymentsResent;

    /// <summary>Payments sent again under their id after an unknown outcome.</summary>
    public int PaymentsResent => Volatile.Read(ref _paymentsResent);

    internal void CountPaymentResent() => Interlocked.Increment(ref _paymentsResent);

    /// <summary>Reclaims the ledger acknowledged.</summary>
    public int Reclaims => Volatile.Read(ref _reclaims);

    internal void CountReclaim() => Interlocked.Increment(ref _reclaims);
    internal void CountCancel(string outcome) => Cancels.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests that got no answer: cut off by a kill, refused while the node was down, or 503.</summary>
    public int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Batches, reclaims and payments sent again, same ids and payloads, after going unanswered.</summary>
    public int Resubmitted => Volatile.Read(ref _resubmitted);

    internal void CountRequest() => Interlocked.Increment(ref _requests);
    internal void CountUnanswered() => Interlocked.Increment(ref _unanswered);
    internal void CountResubmitted() => Interlocked.Increment(ref _resubmitted);

    /// <summary>Each loan gets its own share count, so OCC's look-ahead (which pairs legs of equal CUSIP, shares and amount) can pair a loan's legs only with each other.</summary>
    internal int NextLoanNumber() => Interlocked.Increment(ref _loanNumber);
}

/// <summary>
/// The clients of a crash run, each a loop on its own seeded random, as OCC, the participants and
/// the operator would act: OCC submits Market Loan pairs and ordinary deliver orders in small
/// batches and now and then cancels one; a borrower now and then reclaims a completed loan leg and
/// OCC redelivers to the lender; and as the operator, each client now and then sends a settlement
/// progress payment under an id of its own. A batch, reclaim or payment without an answer is sent
/// again with the same ids and payloads until the ledger answers (the index, and the account for a
/// payment's id, make that harmless), or now and then given up on. The loops stop when told, or after
/// <see cref="CrashOptions.OperationsPerClientMax"/>.
/// </summary>
public sealed class CrashClients(LedgerClient client, CrashWorld world, CrashOptions options, CrashTally tally)
{
    private const string Occ = TokenStore.DemoOccToken;
    private const string Operator = TokenStore.DemoOperatorToken;

    /// <summary>The share of a client's operations that also send a settlement progress payment.</summary>
    private const double PaymentRate = 0.2;

    public async Task RunAsync(int clientNumber, int seed, CancellationToken stop, CancellationToken hardStop)
    {
        var random = new Random(seed);
        var participants = world.Participants.Select(p => p.Id).ToArray();
        var mine = new List<DeliverOrderLine>();
        var myLoans = new List<(DeliverOrderLine Lend, DeliverOrderLine Borrow)>();
        var pendingKind = new List<DeliverOrderLine>();
        for (var op = 1; op <= options.OperationsPerClientMax && !stop.IsCancellationRequested; op++)
        {
            // Each client also acts as the operator, on a draw of its own: often enough that payments meet the kills.
            if (random.NextDouble() < PaymentRate)
            {
                var payment = new CrashPayment($"P{clientNumber}-{op}", participants[random.Next(participants.Length)], random.Next(10, 201) * 1_000_00L);
                await PayUntilAnsweredAsync(payment, random, hardStop);
            }
            var roll = random.NextDouble();
            if (roll < 0.10 && mine.Count > 0)
            {
                var candidates = pendingKind.Where(o => tally.Acknowledged.ContainsKey(o.Id)).ToList();
                var target = candidates.Count > 0 && random.NextDouble() < 0.7 ? candidates[random.Next(candidates.Count)] : mine[random.Next(mine.Count)];
                pendingKind.Remove(target);
                await CancelAsync(target, hardStop);
            }
            else if (roll < 0.16 && myLoans.Count > 0)
            {
                var (lend, borrow) = myLoans[random.Next(myLoans.Count)];
                myLoans.Remove((lend, borrow));
                await ReclaimAsync(lend, borrow, random, hardStop);
            }
            else if (roll < 0.60)
            {
                var (loan, legs) = Loan(random, participants, $"K{clientNumber}-{op}");
                tally.Loans.Enqueue(loan);
                await SubmitUntilAnsweredAsync(legs, random, hardStop);
                if (legs.All(l => tally.Acknowledged.ContainsKey(l.Id)))
                {
                    myLoans.Add((legs.Single(l => l.Id == loan.LenderLegId), legs.Single(l => l.Id == loan.BorrowerLegId)));
                    mine.AddRange(legs);
                }
            }
            else
            {
                var batch = new List<DeliverOrderLine>();
                for (var k = random.Next(1, 5); k > 0; k--)
                {
                    var from = participants[random.Next(participants.Length)];
                    var to = participants[random.Next(participants.Length)];
                    if (from == to) continue;
                    var security = world.Securities[random.Next(world.Securities.Count)];
                    var shares = random.Next(1, 3_000);
                    var amount = random.NextDouble() < 0.15 ? 0m : decimal.Round(shares * security.Price * (decimal)(0.5 + random.NextDouble()), 2);
                    // Some are made to pend, for the cancels: at the deliverer on position, or at the receiver on its controls.
                    var odd = random.NextDouble();
                    if (odd < 0.08) shares += 2_000_000;
                    else if (odd < 0.16) amount = decimal.Round(shares * security.Price * 40m, 2);
                    var order = new DeliverOrderLine($"K{clientNumber}-{op}-{k}", from, to, security.Cusip, shares, amount, "SL");
                    batch.Add(order);
                    if (odd < 0.16) pendingKind.Add(order);
                }
                if (batch.Count == 0) continue;
                await SubmitUntilAnsweredAsync(batch, random, hardStop);
                mine.AddRange(batch.Where(o => tally.Acknowledged.ContainsKey(o.Id)));
            }
            if (options.PauseMs > 0) await Task.Delay(random.Next(0, 2 * options.PauseMs + 1), hardStop);
        }
    }

    /// <summary>OCC cancels one of its deliver orders; any answer will do (it may have completed, or be waiting on its receiver), and none is sent again.</summary>
    private async Task CancelAsync(DeliverOrderLine order, CancellationToken hardStop)
    {
        tally.CountRequest();
        try
        {
            var answer = await client.SendAsync<System.Text.Json.JsonElement>(HttpMethod.Delete, $"/v1/deliver-orders/{Uri.EscapeDataString(order.Id)}", Occ, null, idempotent: false, hardStop);
            switch (answer.Code)
            {
                case 200: tally.CountCancel("cancelled"); return;
                case 202: tally.CountCancel("requested"); return;
                case 409: tally.CountCancel("not pending"); return;
                case 503: break;
                default:
                    tally.Refused.Enqueue($"cancel of {order.Id}: {answer.Describe()}");
                    return;
            }
        }
        catch (LedgerUnreachableException)
        {
            // Unknown whether the cancel was taken; the checks look at where the deliver order ended.
        }
        tally.CountUnanswered();
        tally.CountCancel("unanswered");
    }

    /// <summary>
    /// The borrower reclaims the loan's borrower leg once OCC shows it completed (its own reclaim id,
    /// sent again until answered); for most, OCC then redelivers to the lender, and the reclaim and
    /// the redelivery complete together at OCC by look-ahead.
    /// </summary>
    private async Task ReclaimAsync(DeliverOrderLine lend, DeliverOrderLine borrow, Random random, CancellationToken hardStop)
    {
        tally.CountRequest();
        try
        {
            var view = await client.DeliverOrderAsync(Occ, borrow.Id, hardStop);
            if (view.Value?.Status != "completed") return;
        }
        catch (LedgerUnreachableException)
        {
            tally.CountUnanswered();
            return;
        }
        // The borrower's own reference; the ledger files the reclaim under the borrower's namespace (PPPP~reference).
        var reference = borrow.Id + "-R";
        var filed = new Ledger.Kernel.ReclaimId(new Ledger.Kernel.ParticipantId(borrow.Receiver), reference).DeliverOrderId.Value;
        var reclaim = new DeliverOrderLine(filed, borrow.Receiver, borrow.Deliverer, borrow.Cusip, borrow.Shares, borrow.Amount, null);
        for (var attempt = 1; ; attempt++)
        {
            tally.CountRequest();
            try
            {
                var answer = await client.ReclaimAsync(TokenStore.DemoParticipantTokenPrefix + borrow.Receiver, reference, borrow.Id, hardStop);
                if (answer.Ok && answer.Value.ValueKind == System.Text.Json.JsonValueKind.Object
                    && answer.Value.TryGetProperty("accepted", out var accepted) && accepted.ValueKind == System.Text.Json.JsonValueKind.True)
                {
                    tally.Acknowledged[reclaim.Id] = reclaim;
                    tally.CountReclaim();
                    break;
                }
                if (answer.Code != 503)
                {
                    tally.Refused.Enqueue($"reclaim {reclaim.Id} of {borrow.Id} (attempt {attempt}): {answer.Describe()}");
                    return;
                }
            }
            catch (LedgerUnreachableException)
            {
                // Unknown whether the reclaim was taken: sent again with the same id, or given up on.
            }
            tally.CountUnanswered();
            if (attempt == 1 && random.NextDouble() < options.AbandonRate)
            {
                tally.Abandoned[reclaim.Id] = reclaim;
                return;
            }
            tally.CountResubmitted();
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, 100 * attempt)), hardStop);
        }
        if (random.NextDouble() < 0.6)
        {
            var redelivery = new DeliverOrderLine(borrow.Id + "-RD", borrow.Deliverer, lend.Deliverer, borrow.Cusip, borrow.Shares, borrow.Amount, "ML");
            tally.Redeliveries.Enqueue(new CrashLoan(reclaim.Id, redelivery.Id));
            await SubmitUntilAnsweredAsync([redelivery], random, hardStop);
        }
    }

    private (CrashLoan Loan, List<DeliverOrderLine> Legs) Loan(Random random, string[] participants, string id)
    {
        var lender = participants[random.Next(participants.Length)];
        string borrower;
        do borrower = participants[random.Next(participants.Length)]; while (borrower == lender);
        var security = world.Securities[random.Next(world.Securities.Count)];
        var shares = 100L + tally.NextLoanNumber();
        var amount = decimal.Round(shares * security.Price * (decimal)(0.95 + random.NextDouble() * 0.1), 2);
        var lend = new DeliverOrderLine(id + "-L", lender, world.Occ.Id, security.Cusip, shares, amount, "ML");
        var borrow = new DeliverOrderLine(id + "-B", world.Occ.Id, borrower, security.Cusip, shares, amount, "ML");
        var legs = random.Next(2) == 0 ? new List<DeliverOrderLine> { lend, borrow } : new List<DeliverOrderLine> { borrow, lend };
        return (new CrashLoan(lend.Id, borrow.Id), legs);
    }

    private async Task SubmitUntilAnsweredAsync(IReadOnlyList<DeliverOrderLine> batch, Random random, CancellationToken hardStop)
    {
        for (var attempt = 1; ; attempt++)
        {
            hardStop.ThrowIfCancellationRequested();
            tally.CountRequest();
            try
            {
                var answer = await client.SendAsync<IReadOnlyList<SubmitAnswer>>(HttpMethod.Post, "/v1/deliver-orders", Occ, batch, idempotent: false, hardStop);
                if (answer.Ok && answer.Value is { } answers && answers.Count == batch.Count)
                {
                    for (var k = 0; k < batch.Count; k++)
                    {
                        if (answers[k].Accepted && answers[k].Id == batch[k].Id) tally.Acknowledged[batch[k].Id] = batch[k];
                        else tally.Refused.Enqueue($"{batch[k].Id}: {answers[k].Error?.Rule ?? answers[k].Status} {answers[k].Error?.Message}");
                    }
                    return;
                }
                if (answer.Code != 503)
                {
                    foreach (var order in batch) tally.Refused.Enqueue($"{order.Id}: {answer.Describe()}");
                    return;
                }
            }
            catch (LedgerUnreachableException)
            {
                // Killed mid-request, or not listening yet: the outcome is unknown.
            }
            tally.CountUnanswered();
            // Whether to give up is decided once, at the first loss; a batch kept is sent until answered.
            if (attempt == 1 && random.NextDouble() < options.AbandonRate)
            {
                foreach (var order in batch) tally.Abandoned[order.Id] = order;
                return;
            }
            tally.CountResubmitted();
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, 100 * attempt)), hardStop);
        }
    }

    /// <summary>
    /// The operator pays under the payment's id and, after an unknown outcome (a kill, a 503), pays
    /// again with the same id until the ledger answers: the account applies an id once. Whether to
    /// give up is decided once, at the first loss, as for a batch.
    /// </summary>
    private async Task PayUntilAnsweredAsync(CrashPayment payment, Random random, CancellationToken hardStop)
    {
        var body = new { id = payment.Id, amount = payment.AmountCents / 100m };
        for (var attempt = 1; ; attempt++)
        {
            hardStop.ThrowIfCancellationRequested();
            tally.CountRequest();
            try
            {
                var answer = await client.SendAsync<System.Text.Json.JsonElement>(HttpMethod.Post,
                    $"/v1/participants/{payment.Participant}/settlement-progress-payments", Operator, body, idempotent: false, hardStop);
                if (answer.Ok)
                {
                    tally.AcknowledgedPayments.Enqueue(payment);
                    return;
                }
                if (answer.Code != 503)
                {
                    tally.Refused.Enqueue($"payment {payment.Id} to {payment.Participant} (attempt {attempt}): {answer.Describe()}");
                    return;
                }
            }
            catch (LedgerUnreachableException)
            {
                // Unknown whether it was applied: sent again with the same id, or given up on.
            }
            tally.CountUnanswered();
            if (attempt == 1 && random.NextDouble() < options.AbandonRate)
            {
                tally.AbandonedPayments.Enqueue(payment);
                return;
            }
            tally.CountResubmitted();
            tally.CountPaymentResent();
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, 100 * attempt)), hardStop);
        }
    }
}
