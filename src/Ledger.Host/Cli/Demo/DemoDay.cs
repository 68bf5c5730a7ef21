using System.Text.Json;
using Ledger.Settlement;
using Ledger.Host.Auth;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>What <c>ledger demo</c> was asked to do, besides starting the node.</summary>
public sealed record DemoOptions
{
    public const int LoansDefault = 2000;
    public const int BatchSizeDefault = 500;

    /// <summary>Null: a seed is drawn and printed, so that the day can be repeated.</summary>
    public int? Seed { get; init; }
    public int Loans { get; init; } = LoansDefault;
    public bool NoServe { get; init; }
    public int BatchSize { get; init; } = BatchSizeDefault;

    /// <summary>Business days the demo runs: 1 is the Market Loan day alone; 2 or 3 add the lending days (DemoLending).</summary>
    public int Days { get; init; } = DaysDefault;
    public const int DaysDefault = 1;
    public const int DaysMax = 3;

    /// <summary>How long one wait for the ledger to settle may last before the demo goes on regardless.</summary>
    public TimeSpan SettleWaitMax { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>The part a deliver order plays in a demo loan.</summary>
public enum DemoLeg
{
    LenderLeg = 1,
    BorrowerLeg = 2,
    Reclaim = 3,
    Redelivery = 4,
}

/// <summary>One deliver order the demo sent, and what the ledger said of it.</summary>
public sealed class DemoOrder(DemoLoan loan, DemoLeg leg, string id)
{
    public DemoLoan Loan { get; } = loan;
    public DemoLeg Leg { get; } = leg;
    public string Id { get; } = id;

    /// <summary>The answer to POST /v1/deliver-orders (or to POST /v1/reclaims, made to look the same).</summary>
    public SubmitAnswer? Answer { get; set; }

    /// <summary>For a reclaim: the HTTP status and rule of a refusal.</summary>
    public string? Refusal { get; set; }

    public DeliverOrderAnswer? Latest { get; set; }

    /// <summary>What it was once the loans had settled, before the settlement progress payments.</summary>
    public string? BeforePayments { get; set; }

    /// <summary>What it was just before the recycle cutoff.</summary>
    public string? BeforeCutoff { get; set; }

    public bool Accepted => Answer?.Accepted == true;
    public bool IsFinal => Latest?.Status is "completed" or "dropped" or "cancelled" or "rejected";
}

/// <summary>What the demo day came to, as the ledger answered it.</summary>
public sealed record DemoReport(
    DemoPlan Plan,
    string BusinessDate,
    string? NextBusinessDate,
    string? PriorData,
    IReadOnlyList<DemoOrder> Orders,
    IReadOnlyList<AccountAnswer> AccountsAfterCutoff,
    AccountAnswer OccAfterCutoff,
    AccountAnswer OccAfterClose,
    IReadOnlyList<string> Notes)
{
    /// <summary>Income tracking's checks of the second day (DemoIncome).</summary>
    public IReadOnlyList<DemoCommand.Check> IncomeChecks { get; init; } = [];

    /// <summary>The lending days' checks (DemoLending), with <c>--days</c> 2 or 3.</summary>
    public IReadOnlyList<DemoCommand.Check> LendingChecks { get; init; } = [];

    public static bool IsZero(AccountAnswer occ) => occ.SettlementBalance == 0 && occ.Positions.All(p => p.Shares == 0 && p.ReservedShares == 0);

    public bool OccZero => IsZero(OccAfterCutoff) && IsZero(OccAfterClose);

    public int MismatchedCompleted => Orders.Count(o => o.Loan.Kind == LoanKind.Mismatched && o.Leg is DemoLeg.LenderLeg or DemoLeg.BorrowerLeg && o.Latest?.Status == "completed");

    /// <summary>Loans with one leg completed and the other not: OCC would be left holding shares or money.</summary>
    public int SplitLoans => Orders.Where(o => o.Leg is DemoLeg.LenderLeg or DemoLeg.BorrowerLeg)
        .GroupBy(o => o.Loan.Number)
        .Count(g => g.Count(o => o.Latest?.Status == "completed") == 1);
}

/// <summary>The demo failed in a way the day cannot go on from (an unexpected answer to a set-up call, for instance).</summary>
public sealed class DemoFailedException(string message) : Exception(message);

/// <summary>
/// Drives a generated Market Loan day through a node's public HTTP API, as OCC, the operator and
/// the participants would, and collects what the ledger answered. It decides nothing itself.
/// </summary>
public sealed class DemoDay(LedgerClient client, IAnsiConsole console, DemoOptions options)
{
    private const string Operator = TokenStore.DemoOperatorToken;
    private const string Occ = TokenStore.DemoOccToken;

    /// <summary>Requests in flight at once for set-up and status questions.</summary>
    public const int Parallelism = 8;

    private readonly List<string> _notes = new();

    public async Task<DemoReport> RunAsync(int seed, bool dataFolderHadLedger, CancellationToken ct)
    {
        var businessDate = await ReadyAsync(ct);
        var (prefix, priorData) = await PrefixAsync(businessDate, dataFolderHadLedger, ct);
        if (priorData is not null) console.MarkupLine($"[yellow]{E(priorData)}[/]");
        var plan = DemoData.Generate(seed, options.Loans, prefix);
        console.MarkupLine($"Market Loan day [bold]{E(businessDate)}[/]: seed {seed}{(options.Seed is null ? $" (--seed {seed} repeats this day)" : "")}, {N(plan.Loans.Count)} loans, " +
                           $"{N(plan.Participants.Count)} participants and OCC {DemoData.OccId}, {N(plan.Securities.Count)} securities; deliver order ids {E(prefix)}-NNNNN-L/B/R/RD");

        var orders = plan.Loans.SelectMany(l => new[] { new DemoOrder(l, DemoLeg.LenderLeg, l.LenderLeg.Id), new DemoOrder(l, DemoLeg.BorrowerLeg, l.BorrowerLeg.Id) })
            .ToDictionary(o => o.Id, StringComparer.Ordinal);

        await WithProgressAsync(console, async bars =>
            {
                var securities = bars("securities (PUT /v1/securities)", plan.Securities.Count);
                var participants = bars("participants (PUT /v1/participants)", plan.Participants.Count + 1);
                var deposits = bars("deposits (POST /v1/participants/{id}/deposits)", plan.Deposits.Count);
                var loans = bars("loan legs (POST /v1/deliver-orders)", plan.SubmissionOrder.Count);

                // Securities before participants: a security put later is applied to every account.
                await ForEachAsync(plan.Securities, async (s, token) =>
                {
                    Expect(await client.PutSecurityAsync(Operator, s.Cusip, s.Price, s.Haircut, token), $"PUT /v1/securities/{s.Cusip}");
                    securities.Increment(1);
                }, ct);
                await ForEachAsync(plan.Participants.Prepend(plan.Occ).ToList(), async (p, token) =>
                {
                    Expect(await client.PutParticipantAsync(Operator, p.Id, p.Body, token), $"PUT /v1/participants/{p.Id}");
                    participants.Increment(1);
                }, ct);
                await ForEachAsync(plan.Deposits, async (d, token) =>
                {
                    Expect(await client.DepositAsync(Operator, d.Participant, d.Id, d.Cusip, d.Shares, token), $"POST /v1/participants/{d.Participant}/deposits");
                    deposits.Increment(1);
                }, ct);

                foreach (var batch in plan.SubmissionOrder.Chunk(options.BatchSize))
                {
                    var answer = Expect(await client.SubmitAsync(Occ, batch, ct), "POST /v1/deliver-orders");
                    for (var k = 0; k < batch.Length; k++) orders[batch[k].Id].Answer = answer[k];
                    loans.Increment(batch.Length);
                }
            });

        await SettleAsync(orders.Values, "the loans", ct);
        foreach (var order in orders.Values) order.BeforePayments = Describe(order);

        // Borrowers over their caps wire settlement progress payments; their loans should recycle.
        foreach (var payment in plan.Payments)
            Expect(await client.SettlementProgressPaymentAsync(Operator, payment.Participant, payment.Id, payment.Amount, ct), $"POST /v1/participants/{payment.Participant}/settlement-progress-payments");
        console.MarkupLine($"Settlement progress payments: {N(plan.Payments.Count)}, {Dollars(plan.Payments.Sum(p => p.Amount))} in all, to {string.Join(", ", plan.Payments.Select(p => p.Participant))}");
        await SettleAsync(orders.Values.Where(o => o.Loan.Kind == LoanKind.NetDebitCap), "the loans over net debit caps", ct);

        var reclaims = await ReclaimAsync(plan, orders, ct);
        foreach (var reclaim in reclaims) orders[reclaim.Id] = reclaim;
        await SettleAsync(reclaims, "the reclaims and redeliveries", ct);

        var income = await DemoIncome.FirstDayAsync(client, console, businessDate, prefix, ct);
        var lending = options.Days >= 2 ? await DemoLending.FirstDayAsync(client, console, businessDate, prefix, ct) : null;
        await new DemoRecalls(client, console).RunAsync(plan, orders.Values, ct);
        foreach (var order in orders.Values) order.BeforeCutoff = Describe(order);
        var cutoff = Expect(await client.CutoffAsync(Operator, ct), "POST /v1/business-day/cutoff");
        console.MarkupLine($"Recycle cutoff: {E(cutoff.Message)}");
        await SettleAsync(orders.Values, "the cutoff", ct);

        var accounts = new List<AccountAnswer>();
        await ForEachAsync(plan.Participants.Prepend(plan.Occ).ToList(), async (p, token) =>
        {
            var account = Expect(await client.AccountAsync(Operator, p.Id, token), $"GET /v1/participants/{p.Id}/account");
            lock (accounts) accounts.Add(account);
        }, ct);
        var occAfterCutoff = accounts.Single(a => a.Participant == DemoData.OccId);

        var close = await CloseAsync(businessDate, ct);
        console.MarkupLine($"Close: {E(close.Message)} (next business date {E(close.NextBusinessDate)})");
        var occAfterClose = Expect(await client.AccountAsync(Operator, DemoData.OccId, ct), $"GET /v1/participants/{DemoData.OccId}/account");

        var incomeChecks = await income.SecondDayAsync(close.NextBusinessDate!, ct);
        var lendingChecks = lending is null ? [] : await lending.NextDaysAsync(close.NextBusinessDate!, options.Days, ct);
        return new DemoReport(plan, businessDate, close.NextBusinessDate, priorData, orders.Values.ToList(),
            accounts.Where(a => a.Participant != DemoData.OccId).ToList(), occAfterCutoff, occAfterClose, _notes)
        {
            IncomeChecks = incomeChecks,
            LendingChecks = lendingChecks,
        };
    }

    private async Task<string> ReadyAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var ready = await client.ReadyAsync(ct);
            if (ready.Ok && ready.Value.TryGetProperty("businessDate", out var date) && date.GetString() is { } text) return text;
            if (DateTime.UtcNow > deadline) throw new DemoFailedException($"the node at {client.BaseAddress} is not ready: {ready.Describe()}");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>
    /// The ids of this run: DEMO-NNNNN-L/B/R/RD on a new ledger, so that the README's follow-up
    /// commands (<c>ledger explain --deliver-order DEMO-00001-B</c>) name a deliver order of any demo
    /// day. A ledger that already holds data gets the day on top of it: reference data is put again,
    /// deposits add to positions, and the prefix takes the first run number (DEMO-2, DEMO-3, ...)
    /// whose ids an earlier run did not use.
    /// </summary>
    private async Task<(string Prefix, string? PriorData)> PrefixAsync(string businessDate, bool dataFolderHadLedger, CancellationToken ct)
    {
        const string basePrefix = "DEMO";
        var occ = await client.AccountAsync(Operator, DemoData.OccId, ct);
        if (!occ.Ok && !dataFolderHadLedger) return (basePrefix, null);
        for (var run = 1; ; run++)
        {
            var prefix = run == 1 ? basePrefix : $"{basePrefix}-{run}";
            var used = false;
            for (var n = 1; n <= 5 && !used; n++)
            {
                foreach (var leg in new[] { "L", "B" })
                    used |= (await client.DeliverOrderAsync(Occ, $"{prefix}-{n:D5}-{leg}", ct)).Ok;
            }
            if (!used)
            {
                var what = occ.Ok ? $"OCC {DemoData.OccId} is already known" : "it has a journal";
                return (prefix, $"This ledger already holds data (business date {businessDate}; {what}): the demo day runs on top of it, " +
                                $"with new deliver order ids ({prefix}-...). Reference data is put again and deposits add to positions; use an empty --data-dir for a fresh day.");
            }
        }
    }

    /// <summary>
    /// Each reclaim loan's borrower reclaims the OCC -> borrower leg with its own token; for those the
    /// ledger takes, OCC redelivers to the lender where the loan says so.
    /// </summary>
    private async Task<List<DemoOrder>> ReclaimAsync(DemoPlan plan, Dictionary<string, DemoOrder> orders, CancellationToken ct)
    {
        var reclaimLoans = plan.Loans.Where(l => l.Reclaims).ToList();
        var sent = new List<DemoOrder>();
        if (reclaimLoans.Count == 0) return sent;
        await ForEachAsync(reclaimLoans, async (loan, token) =>
        {
            // The ledger files the reclaim under the borrower's own namespace (PPPP~reference): that is its deliver-order id.
            var filed = new ReclaimId(new ParticipantId(loan.Borrower), loan.ReclaimId).DeliverOrderId.Value;
            var order = new DemoOrder(loan, DemoLeg.Reclaim, filed);
            var answer = await client.ReclaimAsync(TokenStore.DemoParticipantTokenPrefix + loan.Borrower, loan.ReclaimId, loan.BorrowerLeg.Id, token);
            if (answer.Ok)
            {
                var status = answer.Value.ValueKind == JsonValueKind.Object && answer.Value.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : "accepted";
                var accepted = !(answer.Value.ValueKind == JsonValueKind.Object && answer.Value.TryGetProperty("accepted", out var a) && a.ValueKind == JsonValueKind.False);
                order.Answer = new SubmitAnswer(filed, accepted, status, accepted ? null : ErrorOf(answer.Value));
            }
            else
            {
                order.Answer = new SubmitAnswer(filed, false, null, null);
                order.Refusal = $"HTTP {answer.Code} {answer.Problem?.Rule}";
            }
            lock (sent) sent.Add(order);
        }, ct);

        var taken = sent.Count(o => o.Accepted);
        var refused = sent.Where(o => o.Refusal is not null).GroupBy(o => o.Refusal!).Select(g => $"{g.Count()} refused with {g.Key}").ToList();
        console.MarkupLine($"Reclaims (POST /v1/reclaims): {N(sent.Count)} sent, {N(taken)} taken{(refused.Count > 0 ? "; " + E(string.Join("; ", refused)) : "")}");

        var redelivering = sent.Where(o => o.Accepted && o.Loan.Redelivery is not null).Select(o => o.Loan).OrderBy(l => l.Number).ToList();
        foreach (var batch in redelivering.Chunk(options.BatchSize))
        {
            var answers = Expect(await client.SubmitAsync(Occ, batch.Select(l => l.Redelivery!).ToList(), ct), "POST /v1/deliver-orders (redeliveries)");
            for (var k = 0; k < batch.Length; k++)
                sent.Add(new DemoOrder(batch[k], DemoLeg.Redelivery, batch[k].Redelivery!.Id) { Answer = answers[k] });
        }
        var redeliveries = redelivering;
        if (redeliveries.Count > 0) console.MarkupLine($"Redeliveries OCC -> lender: {N(redeliveries.Count)} sent");
        return sent;
    }

    private static SubmitAnswerError? ErrorOf(JsonElement value) =>
        value.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object
            ? new SubmitAnswerError(Text(e, "field"), Text(e, "rule"), Text(e, "message"))
            : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A close (of the demo's day, named) may be refused for a moment while deliveries are still in flight; it is asked again.</summary>
    private async Task<BusinessDayAnswer> CloseAsync(string businessDate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var close = await client.CloseAsync(Operator, businessDate, ct);
            if (close.Ok && close.Value is { Ok: true } answer) return answer;
            if (attempt >= 5) throw new DemoFailedException($"POST /v1/business-day/close: {close.Describe()}");
            _notes.Add($"close refused ({close.Describe()}); asked again");
            await Task.Delay(1000, ct);
        }
    }

    /// <summary>
    /// Asks for the status of the given deliver orders until none is in flight and two rounds in a
    /// row agree, or the wait runs out (then it says so and goes on).
    /// </summary>
    private async Task SettleAsync(IEnumerable<DemoOrder> orders, string what, CancellationToken ct)
    {
        var all = orders.Where(o => o.Accepted).ToList();
        var deadline = DateTime.UtcNow + options.SettleWaitMax;
        string? previous = null;
        await StatusAsync(console, $"Waiting for {what} to settle ({N(all.Count)} deliver orders)", async () =>
        {
            while (true)
            {
                var ask = all.Where(o => !o.IsFinal).ToList();
                await ForEachAsync(ask, async (order, token) =>
                {
                    var answer = await client.DeliverOrderAsync(Occ, order.Id, token);
                    order.Latest = answer.Ok ? answer.Value : order.Latest;
                }, ct);
                var signature = string.Join(",", all.GroupBy(Describe).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"));
                var inFlight = all.Count(o => o.Latest is null || o.Latest.Status == "accepted");
                if ((inFlight == 0 && signature == previous) || all.All(o => o.IsFinal)) return;
                if (DateTime.UtcNow > deadline)
                {
                    _notes.Add($"waiting for {what}: still {N(inFlight)} in flight after {options.SettleWaitMax.TotalSeconds:0} s; went on");
                    return;
                }
                previous = signature;
                await Task.Delay(250, ct);
            }
        });
    }

    public static string Describe(DemoOrder order) => order.Latest is not { } v
        ? order.Accepted ? "accepted" : order.Refusal is not null ? "refused" : "rejected"
        : v.Status switch
        {
            "completed" => $"completed:{v.CompletedBy}",
            "pending" => $"pending:{v.PendingReason}",
            _ => v.Status,
        };

    private static T Expect<T>(ApiResult<T> result, string what) =>
        result.Ok && result.Value is not null ? result.Value : throw new DemoFailedException($"{what}: {result.Describe()}");

    private static Task ForEachAsync<T>(IEnumerable<T> items, Func<T, CancellationToken, Task> body, CancellationToken ct) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (item, token) => await body(item, token));
}
