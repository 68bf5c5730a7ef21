using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

/// <summary>One loan as <c>GET /v1/loans/{id}</c> shows it (the fields the mark checks read).</summary>
public sealed record CrashLoanView(
    string Id, string Lender, string Borrower, string Cusip, long Shares, long OpenShares, decimal OpeningCollateral, decimal Collateral,
    decimal CollateralMargin, string OpenedOn, string State, IReadOnlyList<CrashMarkView> Marks, IReadOnlyList<CrashReturnView> Returns);

public sealed record CrashMarkView(
    string LoanId, string DeliverOrderId, decimal Amount, string Payer, string Payee, string Status, string MarkDate, decimal Price, decimal Required,
    decimal HeldBefore, string? SettledOn);

public sealed record CrashReturnView(string DeliverOrderId, long Shares, decimal Amount, string BusinessDate, string? ReversedBy);

/// <summary>
/// Lending's checks after a SIGKILL while the marks of a business day's open settle (pure: the
/// same views and journals always give the same verdicts). A mark's payment order pays the payee as
/// a delivery of zero shares and charges the payer as its receive.
/// </summary>
public static class CrashMarkChecks
{
    private const int ListedMax = 5;

    /// <summary>Cents of a dollar amount the API shows (at most two decimals).</summary>
    public static long Cents(decimal dollars) => (long)(dollars * 100m);

    /// <summary>
    /// The marks of <paramref name="markDate"/> are what the rule computes from the loans as they
    /// stood and the prices the operator set: every loan open before the date whose required
    /// collateral (open shares x price x margin, half away from zero) differs from what it held got
    /// exactly one mark of that date, of that amount, payer and payee; no other loan got one.
    /// </summary>
    public static CrashCheck ComputedOnce(IReadOnlyList<CrashLoanView> loans, string markDate, IReadOnlyDictionary<string, decimal> prices)
    {
        var wrong = new List<string>();
        int expected = 0, unchanged = 0;
        foreach (var loan in loans)
        {
            var ofDay = loan.Marks.Where(m => m.MarkDate == markDate).ToList();
            var eligible = loan.State == "open" && string.CompareOrdinal(loan.OpenedOn, markDate) < 0 && prices.ContainsKey(loan.Cusip);
            if (!eligible)
            {
                if (ofDay.Count > 0) wrong.Add($"loan {loan.Id} ({loan.State}, opened {loan.OpenedOn}) got {ofDay.Count} mark(s) of {markDate}");
                continue;
            }
            var required = (long)decimal.Round(loan.OpenShares * Cents(prices[loan.Cusip]) * loan.CollateralMargin, 0, MidpointRounding.AwayFromZero);
            var held = HeldBefore(loan, markDate);
            var markCents = required - held;
            if (markCents == 0)
            {
                unchanged++;
                if (ofDay.Count > 0) wrong.Add($"loan {loan.Id} held its required {Dollars(required)} but got {ofDay.Count} mark(s) of {markDate}");
                continue;
            }
            expected++;
            if (ofDay.Count != 1)
            {
                wrong.Add($"loan {loan.Id} got {ofDay.Count} marks of {markDate}, not 1 (required {Dollars(required)}, held {Dollars(held)})");
                continue;
            }
            var m = ofDay[0];
            var (payer, payee) = markCents > 0 ? (loan.Borrower, loan.Lender) : (loan.Lender, loan.Borrower);
            if (Cents(m.Required) != required || Cents(m.HeldBefore) != held || Cents(m.Amount) != Math.Abs(markCents) || m.Payer != payer || m.Payee != payee || m.Price != prices[loan.Cusip])
                wrong.Add($"loan {loan.Id}: mark {m.DeliverOrderId} is {Dollars(Cents(m.Amount))} from {m.Payer} to {m.Payee} (required {m.Required}, held {m.HeldBefore}, price {m.Price}); " +
                          $"the rule gives {Dollars(Math.Abs(markCents))} from {payer} to {payee} (required {Dollars(required)}, held {Dollars(held)}, price {prices[loan.Cusip]})");
        }
        return new("marks-computed-once", wrong.Count == 0 && expected > 0, wrong.Count == 0
            ? expected > 0
                ? $"{expected} loans got exactly one mark of {markDate}, each the amount, payer and payee the rule gives from the moved prices; {unchanged} held their required collateral and got none"
                : $"no loan was due a mark of {markDate}: the price move marked nothing, so nothing was in flight when the node was killed"
            : List(wrong));
    }

    /// <summary>
    /// Each mark paid exactly once: per loan and business day at most one completed mark; a
    /// completed mark's payment order completed once at its payer and once at its payee, any other
    /// mark at neither; and no mark payment order completed that no loan shows.
    /// </summary>
    public static CrashCheck PaidOnce(IReadOnlyList<CrashLoanView> loans, IReadOnlyDictionary<string, IReadOnlyList<CrashJournalEntry>> journals)
    {
        var atPayee = new Dictionary<string, int>(StringComparer.Ordinal);
        var atPayer = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in journals.Values.SelectMany(j => j))
        {
            switch (entry.Manifest)
            {
                case "account.delivery-completed.v1":
                    Count(atPayee, entry.Event.GetProperty("deliverOrderId").GetString()!);
                    break;
                case "account.receive-completed.v1" or "account.receive-completed.v2":
                    Count(atPayer, entry.Event.GetProperty("order").GetProperty("id").GetString()!);
                    break;
                case "account.look-ahead-completed.v1":
                    Count(atPayer, entry.Event.GetProperty("receiveId").GetString()!);
                    Count(atPayee, entry.Event.GetProperty("deliveryId").GetString()!);
                    break;
            }
        }
        var wrong = new List<string>();
        var marks = loans.SelectMany(l => l.Marks).ToList();
        foreach (var g in marks.Where(m => m.Status == "completed").GroupBy(m => (m.LoanId, m.MarkDate)).Where(g => g.Count() > 1))
            wrong.Add($"loan {g.Key.LoanId} has {g.Count()} completed marks of {g.Key.MarkDate}");
        foreach (var m in marks)
        {
            var times = m.Status == "completed" ? 1 : 0;
            int payee = atPayee.GetValueOrDefault(m.DeliverOrderId), payer = atPayer.GetValueOrDefault(m.DeliverOrderId);
            if (payee != times || payer != times)
                wrong.Add($"mark {m.DeliverOrderId} ({m.Status}) completed {payer} time(s) at its payer {m.Payer} and {payee} at its payee {m.Payee}");
        }
        var shown = marks.Select(m => m.DeliverOrderId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in atPayee.Keys.Union(atPayer.Keys).Where(id => id.StartsWith("MK-", StringComparison.Ordinal) && !shown.Contains(id)).Order(StringComparer.Ordinal))
            wrong.Add($"payment order {id} completed in the journals but no loan shows it as a mark");
        var completed = marks.Count(m => m.Status == "completed");
        return new("marks-paid-once", wrong.Count == 0, wrong.Count == 0
            ? $"{completed} of {marks.Count} marks over {loans.Count} loans completed, each once at its payer and once at its payee; none completed twice for a loan and day; the others moved no money"
            : List(wrong));
    }

    /// <summary>Collateral held on every loan = the amount its opening deliver order was acknowledged with + every completed mark (a borrower's pays in, a lender's pays out) - what returns and reclaims took back.</summary>
    public static CrashCheck CollateralIsOpeningPlusMarks(IReadOnlyList<CrashLoanView> loans, IReadOnlyDictionary<string, DeliverOrderLine> acknowledged)
    {
        var wrong = new List<string>();
        foreach (var loan in loans)
        {
            var opening = Cents(loan.OpeningCollateral);
            if (acknowledged.TryGetValue(loan.Id, out var order) && Cents(order.Amount) != opening)
                wrong.Add($"loan {loan.Id} opened with {Dollars(opening)}, its deliver order was acknowledged for {Dollars(Cents(order.Amount))}");
            var marks = loan.Marks.Where(m => m.Status == "completed").Sum(m => m.Payer == loan.Borrower ? Cents(m.Amount) : -Cents(m.Amount));
            var returned = loan.Returns.Where(r => r.ReversedBy is null).Sum(r => Cents(r.Amount));
            if (Cents(loan.Collateral) != opening + marks - returned)
                wrong.Add($"loan {loan.Id} holds {Dollars(Cents(loan.Collateral))}, not its opening {Dollars(opening)} + completed marks {Dollars(marks)} - returned {Dollars(returned)}");
        }
        return new("collateral-is-opening-plus-marks", wrong.Count == 0, wrong.Count == 0
            ? $"all {loans.Count} loans hold their opening amount plus their completed marks ({Dollars(loans.Sum(l => l.Marks.Where(m => m.Status == "completed").Sum(m => Cents(m.Amount))))} moved), less what returns took back"
            : List(wrong));
    }

    /// <summary>
    /// After the close of <paramref name="closedDate"/> and the open of <paramref name="markDate"/>:
    /// each journal holds one close of the day, and every balance is exactly the marks completed
    /// on the new day (OCC, in the middle of each Market Loan's mark, nets nothing); they sum to zero.
    /// </summary>
    public static CrashCheck BalancesAreTheMarks(IReadOnlyList<CrashLoanView> loans, IReadOnlyDictionary<string, CrashAccount> accounts,
        IReadOnlyDictionary<string, IReadOnlyList<CrashJournalEntry>> journals, string closedDate, string markDate)
    {
        var wrong = new List<string>();
        var moved = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var m in loans.SelectMany(l => l.Marks).Where(m => m.Status == "completed" && m.SettledOn == markDate))
        {
            moved[m.Payee] = moved.GetValueOrDefault(m.Payee) + Cents(m.Amount);
            moved[m.Payer] = moved.GetValueOrDefault(m.Payer) - Cents(m.Amount);
        }
        foreach (var a in accounts.Values)
        {
            if (a.BusinessDate != markDate) wrong.Add($"{a.Participant} is on {a.BusinessDate ?? "no date"}, not {markDate}");
            var closes = journals.TryGetValue(a.Participant, out var own)
                ? own.Count(x => x.Manifest == "account.business-day-closed.v1" && x.Event.GetProperty("closedDate").GetString() == closedDate) : 0;
            if (closes != 1) wrong.Add($"{a.Participant} journaled {closes} closes of {closedDate}");
            if (Cents(a.SettlementBalance) != moved.GetValueOrDefault(a.Participant))
                wrong.Add($"{a.Participant}'s balance is {a.SettlementBalance}, its marks completed on {markDate} moved {Dollars(moved.GetValueOrDefault(a.Participant))}");
        }
        var total = accounts.Values.Sum(a => Cents(a.SettlementBalance));
        if (total != 0) wrong.Add($"the balances sum to {Dollars(total)}: marks made or lost money");
        return new("marks-money-conserved", wrong.Count == 0, wrong.Count == 0
            ? $"all {accounts.Count} accounts closed {closedDate} once; on {markDate} each balance is exactly its completed marks ({Dollars(moved.Values.Where(v => v > 0).Sum())} paid in all), summing to $0.00"
            : List(wrong));
    }

    /// <summary>What a loan held before the marks of <paramref name="markDate"/>: its opening amount, its earlier completed marks, less its returns.</summary>
    private static long HeldBefore(CrashLoanView loan, string markDate) =>
        Cents(loan.OpeningCollateral)
        + loan.Marks.Where(m => m.Status == "completed" && string.CompareOrdinal(m.MarkDate, markDate) < 0).Sum(m => m.Payer == loan.Borrower ? Cents(m.Amount) : -Cents(m.Amount))
        - loan.Returns.Where(r => r.ReversedBy is null).Sum(r => Cents(r.Amount));

    private static void Count(Dictionary<string, int> counts, string id) => counts[id] = counts.GetValueOrDefault(id) + 1;

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        var shown = string.Join("; ", all.Take(ListedMax));
        return all.Count > ListedMax ? $"{shown}; and {all.Count - ListedMax} more" : shown;
    }

    private static string Dollars(long cents) => (cents < 0 ? "-$" : "$") + (Math.Abs(cents) / 100m).ToString("N2", CultureInfo.InvariantCulture);
}

public static partial class CrashTest
{
    /// <summary>
    /// The kill while marks settle at the open: the operator moves every price (some up, some
    /// down), the day is closed, and the node is killed with SIGKILL a moment after the next day
    /// opened, when the open's marks are being computed, submitted as payment orders and settled.
    /// After the restart (the close asked again, the node's resume loop finishing the marks) and
    /// the recycle cutoff (a mark that pends on its payer's controls drops): the marks are what
    /// the rule computes, each paid once, every loan holds its opening amount plus its completed
    /// marks, and the settlement invariants hold.
    /// </summary>
    private static async Task<IReadOnlyList<CrashCheck>> KillWhileMarksSettleAsync(Run run, CrashWorld world, CrashExpectations expectations, Random random, CancellationToken ct)
    {
        var closedDate = await BusinessDateAsync(run, ct);
        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var s in world.Securities)
        {
            // -6% to +9% in whole cents: both directions, so lenders and borrowers both pay marks.
            var price = decimal.Round(s.Price * (0.94m + (decimal)random.Next(0, 16) / 100m) + random.Next(0, 100) / 100m, 2);
            var put = await run.Client.PutSecurityAsync(Operator, s.Cusip, price, s.Haircut, ct);
            if (!put.Ok) throw new CrashRunException($"PUT /v1/securities/{s.Cusip}: {put.Describe()}");
            prices[s.Cusip] = price;
        }
        var openLoans = (await LoansAsync(run, world, ct)).Count(l => l.State == "open");
        var jitter = Between(random, TimeSpan.Zero, run.Options.OpenKillMax);
        var close = Task.Run(() => run.Client.SendAsync<BusinessDayAnswer>(HttpMethod.Post, "/v1/business-day/close", Operator, new { businessDate = closedDate }, idempotent: false, ct), ct);
        // The open is when the reference data moves to the next date; the marks follow it.
        var sinceSent = Stopwatch.StartNew();
        while (!close.IsCompleted && sinceSent.Elapsed < run.Options.SettleMax)
        {
            if (await BusinessDateOrNullAsync(run, ct) is { } date && date != closedDate) break;
            await Task.Delay(5, ct);
        }
        var openedAfter = sinceSent.Elapsed;
        await Task.Delay(jitter, ct);
        var answeredBeforeKill = close.IsCompleted;
        var node = run.Node!;
        var exit = await node.KillHard();
        await node.DisposeAsync();
        run.Node = null;
        try
        {
            await close;
        }
        catch (LedgerUnreachableException)
        {
            // Cut off by the kill, as intended.
        }
        var ready = await StartAsync(run, ct);
        string? markDate = null;
        for (var deadline = Stopwatch.StartNew(); markDate is null && deadline.Elapsed < run.Options.SettleMax;)
        {
            var answer = await run.Client.CloseAsync(Operator, closedDate, ct);
            if (answer.Ok && answer.Value is { Ok: true } done) markDate = done.NextBusinessDate;
            else await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
        if (markDate is null) return [new CrashCheck("marks-kill-at-open", false, $"the close of {closedDate} asked again after the kill never answered closed")];
        run.Say($"marks under a kill: prices moved ({string.Join(", ", prices.Select(p => $"{p.Key} {p.Value}"))}), {openLoans} open loans; " +
                $"the close of {closedDate} opened the next day {openedAfter.TotalMilliseconds:0} ms after it was sent, SIGKILL {jitter.TotalMilliseconds:0} ms later " +
                $"(the close had {(answeredBeforeKill ? "" : "not ")}answered; exit code {exit}); restarted in {ready:0.0} s; {markDate} open");

        // The resume loop finishes the marks; once every mark the rule asks for is there and the
        // ledger is at rest, the cutoff drops what pends, and the marks are final.
        var settle = Stopwatch.StartNew();
        IReadOnlyList<CrashLoanView> loans = [];
        string? previous = null;
        var cutoffSent = false;
        var requestedBefore = -1;
        while (settle.Elapsed < run.Options.SettleMax)
        {
            loans = await LoansAsync(run, world, ct);
            var computed = CrashMarkChecks.ComputedOnce(loans, markDate, prices);
            var accounts = await AccountsAsync(run, world, ct);
            var signature = string.Join(",", accounts.Values.Select(a => a.Parsed.Version));
            var requested = loans.SelectMany(l => l.Marks).Count(m => m.MarkDate == markDate && m.Status == "requested");
            if (computed.Passed && signature == previous)
            {
                if (requested == 0) break;
                // Still waiting at rest: they pend on their payers' controls (or their outcome is on its way); the cutoff drops what pends.
                if (!cutoffSent && requested == requestedBefore)
                {
                    var cutoff = await run.Client.CutoffAsync(Operator, ct);
                    if (!cutoff.Ok || cutoff.Value is not { Ok: true }) throw new CrashRunException($"POST /v1/business-day/cutoff: {cutoff.Describe()} {cutoff.Value?.Message}");
                    cutoffSent = true;
                }
            }
            previous = signature;
            requestedBefore = requested;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        var snapshot = new CrashSnapshot((await AccountsAsync(run, world, ct)).ToDictionary(a => a.Key, a => a.Value.Parsed),
            new Dictionary<string, DeliverOrderAnswer?>(StringComparer.Ordinal), await JournalsAsync(run, world, ct));
        loans = await LoansAsync(run, world, ct);
        var ofDay = loans.SelectMany(l => l.Marks).Where(m => m.MarkDate == markDate).ToList();
        run.Say($"marks of {markDate}: {ofDay.Count} computed, {ofDay.Count(m => m.Status == "completed")} completed, {ofDay.Count(m => m.Status == "dropped")} dropped at the cutoff, " +
                $"{ofDay.Count(m => m.Status == "requested")} without an outcome; final after {settle.Elapsed.TotalSeconds:0.0} s{(cutoffSent ? " and the recycle cutoff" : "")}");
        var stillRequested = ofDay.Where(m => m.Status == "requested").Select(m => m.DeliverOrderId).ToList();
        return
        [
            new CrashCheck("marks-kill-at-open", exit == LedgerProcess.SigkillExitCode && stillRequested.Count == 0,
                stillRequested.Count == 0
                    ? $"SIGKILL (exit code {exit}) {jitter.TotalMilliseconds:0} ms after {markDate} opened with {openLoans} open loans and moved prices; after the restart every mark of {markDate} reached an outcome"
                    : $"{stillRequested.Count} marks of {markDate} never reached an outcome: {string.Join(", ", stillRequested.Take(5))}"),
            CrashMarkChecks.ComputedOnce(loans, markDate, prices),
            CrashMarkChecks.PaidOnce(loans, snapshot.Journals),
            CrashMarkChecks.CollateralIsOpeningPlusMarks(loans, expectations.Acknowledged),
            CrashMarkChecks.BalancesAreTheMarks(loans, snapshot.Accounts, snapshot.Journals, closedDate, markDate),
            // Two closes on, the first day's deliver orders are past what GET /v1/deliver-orders/{id}
            // looks up (the close under a kill checked them); shares and controls are read from the accounts.
            AfterMarks(CrashInvariants.SharesConserved(snapshot, expectations)),
            AfterMarks(CrashInvariants.ControlsHold(snapshot)),
        ];
    }

    private static CrashCheck AfterMarks(CrashCheck check) => check with { Name = "after the marks: " + check.Name };

    /// <summary>Every loan of every participant, as <c>GET /v1/loans/{id}</c> shows it (risk sees all), by id.</summary>
    private static async Task<IReadOnlyList<CrashLoanView>> LoansAsync(Run run, CrashWorld world, CancellationToken ct)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in world.AccountIds)
        {
            var answer = await run.Client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/loans", Risk, null, idempotent: true, ct);
            if (!answer.Ok) throw new CrashRunException($"GET /v1/participants/{p}/loans: {answer.Describe()}");
            foreach (var l in answer.Value.GetProperty("loans").EnumerateArray()) ids.Add(l.GetProperty("id").GetString()!);
        }
        var loans = new ConcurrentDictionary<string, CrashLoanView>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = ReadParallelism, CancellationToken = ct }, async (id, token) =>
        {
            var answer = await run.Client.SendAsync<CrashLoanView>(HttpMethod.Get, $"/v1/loans/{Uri.EscapeDataString(id)}", Risk, null, idempotent: true, token);
            if (!answer.Ok || answer.Value is null) throw new CrashRunException($"GET /v1/loans/{id}: {answer.Describe()}");
            loans[id] = answer.Value;
        });
        return loans.Values.OrderBy(l => l.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The business date <c>/health/ready</c> shows; null while the node does not answer it.</summary>
    private static async Task<string?> BusinessDateOrNullAsync(Run run, CancellationToken ct)
    {
        var ready = await run.Client.SendAsync<JsonElement>(HttpMethod.Get, "/health/ready", null, null, idempotent: false, ct);
        return ready.Ok && ready.Value.ValueKind == JsonValueKind.Object && ready.Value.TryGetProperty("businessDate", out var date) ? date.GetString() : null;
    }
}
