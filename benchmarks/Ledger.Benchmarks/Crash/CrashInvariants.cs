using System.Globalization;
using System.Text.Json;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

public sealed record CrashPosition(string Cusip, long Shares, long ReservedShares);

public sealed record CrashPending(string DeliverOrderId, string Side, string Reason);

/// <summary>An account as <c>GET /v1/participants/{id}/account</c> shows it (the fields the checks read).</summary>
public sealed record CrashAccount(
    string Participant,
    decimal SettlementBalance,
    decimal NetDebit,
    decimal NetDebitCap,
    decimal CollateralMonitor,
    bool CentralCounterparty,
    IReadOnlyList<CrashPosition> Positions,
    IReadOnlyList<CrashPending> Pending,
    long Version,
    string? BusinessDate = null);

/// <summary>One stored event as <c>GET /v1/participants/{id}/journal</c> shows it.</summary>
public sealed record CrashJournalEntry(long SequenceNr, string Manifest, JsonElement Event);

/// <summary>What the ledger showed through its HTTP API at one quiescent moment.</summary>
/// <param name="DeliverOrders">Every deliver order asked about; null where the ledger answered 404.</param>
public sealed record CrashSnapshot(
    IReadOnlyDictionary<string, CrashAccount> Accounts,
    IReadOnlyDictionary<string, DeliverOrderAnswer?> DeliverOrders,
    IReadOnlyDictionary<string, IReadOnlyList<CrashJournalEntry>> Journals);

/// <summary>What the clients know: what was acknowledged, what was given up on, what was deposited and paid.</summary>
public sealed record CrashExpectations(
    string Occ,
    IReadOnlyDictionary<string, DeliverOrderLine> Acknowledged,
    IReadOnlyDictionary<string, DeliverOrderLine> Abandoned,
    /// <summary>Pairs through OCC: loans (lender's leg, borrower's leg) and reclaims with OCC's redelivery.</summary>
    IReadOnlyList<CrashLoan> Loans,
    IReadOnlyDictionary<string, long> DepositedShares,
    IReadOnlyList<CrashPayment> AcknowledgedPayments,
    IReadOnlyList<CrashPayment> AbandonedPayments,
    IReadOnlyList<string> Refused);

public sealed record CrashCheck(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")} {Name}: {Detail}";
}

/// <summary>
/// The invariants of atp-rules.md section 8 as they can be seen from outside, checked on one
/// snapshot against what the clients were told. Pure: the same snapshot always gives the same
/// verdicts, so each check is tested on snapshots made to break it.
/// </summary>
public static class CrashInvariants
{
    public static readonly IReadOnlyList<string> FinalStatuses = ["completed", "dropped", "cancelled"];
    public static readonly IReadOnlyList<string> PendReasons = ["position", "collateral", "net-debit-cap"];

    private const int ListedMax = 5;

    /// <param name="afterCutoff">After the recycle cutoff nothing may still be pending: every deliver order is final.</param>
    public static IReadOnlyList<CrashCheck> Check(CrashSnapshot s, CrashExpectations e, bool afterCutoff) =>
    [
        NoneRefused(e),
        AcknowledgedExist(s, e),
        FinalOrPendingWithReason(s, e, afterCutoff),
        SharesConserved(s, e),
        MoneyConserved(s, e),
        OccFlat(s, e, afterCutoff),
        LoansCompleteWhole(s, e),
        OneEffectBothAgree(s, e),
        ControlsHold(s),
    ];

    public static CrashCheck NoneRefused(CrashExpectations e) =>
        new("none-refused", e.Refused.Count == 0, e.Refused.Count == 0
            ? "every deliver order and payment sent, resubmissions included, was accepted"
            : $"{e.Refused.Count} refused: {List(e.Refused)}");

    /// <summary>Every deliver order answered <c>accepted</c> is there afterwards, with the terms it was sent with.</summary>
    public static CrashCheck AcknowledgedExist(CrashSnapshot s, CrashExpectations e)
    {
        var wrong = new List<string>();
        foreach (var (id, sent) in e.Acknowledged)
        {
            if (!s.DeliverOrders.TryGetValue(id, out var view) || view is null)
            {
                wrong.Add($"{id} is unknown (404)");
            }
            else if (view.Deliverer != sent.Deliverer || view.Receiver != sent.Receiver || view.Cusip != sent.Cusip || view.Shares != sent.Shares || view.Amount != sent.Amount)
            {
                wrong.Add($"{id} reads {view.Deliverer}->{view.Receiver} {view.Cusip} {view.Shares} ${view.Amount}, was sent as {sent.Deliverer}->{sent.Receiver} {sent.Cusip} {sent.Shares} ${sent.Amount}");
            }
        }
        return new("acknowledged-exist", wrong.Count == 0, wrong.Count == 0
            ? $"all {N(e.Acknowledged.Count)} acknowledged deliver orders exist with the terms sent"
            : $"{wrong.Count} of {N(e.Acknowledged.Count)} acknowledged deliver orders missing or changed: {List(wrong)}");
    }

    /// <summary>Every deliver order the ledger holds is final, or (before the cutoff) pending with one of the three reasons.</summary>
    public static CrashCheck FinalOrPendingWithReason(CrashSnapshot s, CrashExpectations e, bool afterCutoff)
    {
        var wrong = new List<string>();
        var byStatus = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in e.Acknowledged.Keys.Concat(e.Abandoned.Keys))
        {
            if (!s.DeliverOrders.TryGetValue(id, out var view) || view is null) continue; // missing: acknowledged-exist says so
            var key = view.Status == "pending" ? $"pending:{view.PendingReason ?? "none"}" : view.Status;
            byStatus[key] = byStatus.GetValueOrDefault(key) + 1;
            var ok = FinalStatuses.Contains(view.Status)
                     || (!afterCutoff && view.Status == "pending" && view.PendingReason is { } reason && PendReasons.Contains(reason));
            if (!ok) wrong.Add($"{id} is {key}");
        }
        var counts = string.Join(", ", byStatus.Select(kv => $"{kv.Key} {N(kv.Value)}"));
        var rule = afterCutoff ? "final (completed, dropped or cancelled)" : "final or pending with a reason";
        return new("final-or-pending-with-reason", wrong.Count == 0, wrong.Count == 0
            ? $"every deliver order held is {rule}: {counts}"
            : $"{wrong.Count} not {rule}: {List(wrong)} (all: {counts})");
    }

    /// <summary>For every CUSIP, the positions of all accounts add up to the deposits, and the journals hold exactly the deposits made.</summary>
    public static CrashCheck SharesConserved(CrashSnapshot s, CrashExpectations e)
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in s.Accounts.Values.SelectMany(a => a.Positions)) held[p.Cusip] = held.GetValueOrDefault(p.Cusip) + p.Shares;
        var journaled = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in s.Journals.Values.SelectMany(j => j).Where(j => j.Manifest == "account.shares-deposited.v1"))
        {
            var cusip = entry.Event.GetProperty("cusip").GetString()!;
            journaled[cusip] = journaled.GetValueOrDefault(cusip) + entry.Event.GetProperty("shares").GetInt64();
        }
        var wrong = new List<string>();
        foreach (var cusip in held.Keys.Union(e.DepositedShares.Keys).Union(journaled.Keys).Order(StringComparer.Ordinal))
        {
            var deposited = e.DepositedShares.GetValueOrDefault(cusip);
            if (held.GetValueOrDefault(cusip) != deposited) wrong.Add($"{cusip}: accounts hold {N(held.GetValueOrDefault(cusip))}, {N(deposited)} deposited");
            if (journaled.GetValueOrDefault(cusip) != deposited) wrong.Add($"{cusip}: journals record {N(journaled.GetValueOrDefault(cusip))} deposited, {N(deposited)} were");
        }
        return new("shares-conserved", wrong.Count == 0, wrong.Count == 0
            ? $"{e.DepositedShares.Count} CUSIPs, {N(e.DepositedShares.Values.Sum())} shares: the positions of all accounts add up to the deposits"
            : List(wrong));
    }

    /// <summary>
    /// Every settlement progress payment the journals hold is one the operator sent, under its id,
    /// to that participant and of that amount, and each id is there once at most: a payment sent
    /// again after an unknown outcome paid nothing more. Every acknowledged payment is there; one
    /// given up on may be. The settlement balances of all accounts add up to the payments journaled.
    /// </summary>
    public static CrashCheck MoneyConserved(CrashSnapshot s, CrashExpectations e)
    {
        var wrong = new List<string>();
        var sent = e.AcknowledgedPayments.Concat(e.AbandonedPayments).ToDictionary(p => p.Id, StringComparer.Ordinal);
        var journaled = s.Journals.SelectMany(j => j.Value
                .Where(x => x.Manifest == "account.settlement-progress-payment-received.v1")
                .Select(x => new CrashPayment(
                    x.Event.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "",
                    j.Key,
                    x.Event.GetProperty("amountCents").GetInt64())))
            .ToList();
        var times = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in journaled)
        {
            if (!sent.TryGetValue(p.Id, out var payment))
            {
                wrong.Add($"a payment of {Dollars(p.AmountCents)} to {p.Participant} in the journal that no client sent ({(p.Id.Length == 0 ? "no id" : $"id {p.Id}")})");
                continue;
            }
            if (payment.Participant != p.Participant || payment.AmountCents != p.AmountCents)
                wrong.Add($"payment {p.Id} is journaled as {Dollars(p.AmountCents)} to {p.Participant}, was sent as {Dollars(payment.AmountCents)} to {payment.Participant}");
            times[p.Id] = times.GetValueOrDefault(p.Id) + 1;
        }
        foreach (var (id, count) in times.Where(kv => kv.Value > 1).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            wrong.Add($"payment {id} is journaled {count} times: it paid more than once");
        foreach (var p in e.AcknowledgedPayments.Where(p => !times.ContainsKey(p.Id)))
            wrong.Add($"acknowledged payment {p.Id} of {Dollars(p.AmountCents)} to {p.Participant} is not in its journal");
        var paidCents = journaled.Sum(p => p.AmountCents);
        var balances = s.Accounts.Values.Sum(a => a.SettlementBalance);
        if (balances != paidCents / 100m)
            wrong.Add($"the settlement balances add up to {balances.ToString("N2", CultureInfo.InvariantCulture)}, the payments to {Dollars(paidCents)}");
        var abandonedApplied = e.AbandonedPayments.Count(p => times.ContainsKey(p.Id));
        return new("money-conserved", wrong.Count == 0, wrong.Count == 0
            ? $"the settlement balances of all accounts add up to the {journaled.Count} payments journaled ({Dollars(paidCents)}), each id once: " +
              $"{e.AcknowledgedPayments.Count} acknowledged, {abandonedApplied} of {e.AbandonedPayments.Count} given up on"
            : List(wrong));
    }

    /// <summary>OCC's account: no balance, no shares, nothing reserved; after the cutoff nothing pending either.</summary>
    public static CrashCheck OccFlat(CrashSnapshot s, CrashExpectations e, bool afterCutoff)
    {
        if (!s.Accounts.TryGetValue(e.Occ, out var occ)) return new("occ-flat", false, $"OCC's account {e.Occ} could not be read");
        var wrong = new List<string>();
        if (!occ.CentralCounterparty) wrong.Add("it is not the central counterparty");
        if (occ.SettlementBalance != 0m) wrong.Add($"settlement balance {occ.SettlementBalance}");
        if (occ.NetDebit != 0m) wrong.Add($"net debit {occ.NetDebit}");
        wrong.AddRange(occ.Positions.Where(p => p.Shares != 0 || p.ReservedShares != 0).Select(p => $"{p.Cusip}: {p.Shares} shares, {p.ReservedShares} reserved"));
        if (afterCutoff && occ.Pending.Count > 0) wrong.Add($"{occ.Pending.Count} still pending after the cutoff: {List(occ.Pending.Select(p => p.DeliverOrderId))}");
        return new("occ-flat", wrong.Count == 0, wrong.Count == 0
            ? $"OCC {e.Occ}: balance 0, no shares, nothing reserved{(afterCutoff ? ", nothing pending" : $", {occ.Pending.Count} legs pending")}"
            : $"OCC {e.Occ}: {List(wrong)}");
    }

    /// <summary>
    /// A pair through OCC (a Market Loan's two legs, or a reclaim into OCC and OCC's redelivery to the
    /// lender) completes both together or neither: OCC would otherwise be left holding shares or money.
    /// </summary>
    public static CrashCheck LoansCompleteWhole(CrashSnapshot s, CrashExpectations e)
    {
        bool Completed(string id) => s.DeliverOrders.TryGetValue(id, out var v) && v?.Status == "completed";
        var split = new List<string>();
        var both = 0;
        foreach (var loan in e.Loans)
        {
            var completed = (Completed(loan.LenderLegId) ? 1 : 0) + (Completed(loan.BorrowerLegId) ? 1 : 0);
            if (completed == 2) both++;
            if (completed == 1) split.Add($"{loan.LenderLegId} {Status(s, loan.LenderLegId)}, {loan.BorrowerLegId} {Status(s, loan.BorrowerLegId)}");
        }
        return new("loans-complete-whole", split.Count == 0, split.Count == 0
            ? $"{N(e.Loans.Count)} pairs through OCC (loans, reclaims with redelivery): {N(both)} completed both legs, {N(e.Loans.Count - both)} neither"
            : $"{split.Count} pairs through OCC with one leg completed: {List(split)}");
    }

    /// <summary>
    /// From the journals: each deliver order is completed at most once at its deliverer and at most
    /// once at its receiver, both or neither, and exactly when the ledger shows it completed.
    /// </summary>
    public static CrashCheck OneEffectBothAgree(CrashSnapshot s, CrashExpectations e)
    {
        var atDeliverer = new Dictionary<string, int>(StringComparer.Ordinal);
        var atReceiver = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in s.Journals.Values.SelectMany(j => j))
        {
            switch (entry.Manifest)
            {
                case "account.delivery-completed.v1":
                    Count(atDeliverer, entry.Event.GetProperty("deliverOrderId").GetString()!);
                    break;
                case "account.receive-completed.v1" or "account.receive-completed.v2":
                    Count(atReceiver, entry.Event.GetProperty("order").GetProperty("id").GetString()!);
                    break;
                case "account.look-ahead-completed.v1":
                    Count(atReceiver, entry.Event.GetProperty("receiveId").GetString()!);
                    Count(atDeliverer, entry.Event.GetProperty("deliveryId").GetString()!);
                    break;
            }
        }
        var wrong = new List<string>();
        foreach (var id in atDeliverer.Keys.Union(atReceiver.Keys).Union(e.Acknowledged.Keys).Union(e.Abandoned.Keys).Order(StringComparer.Ordinal))
        {
            var d = atDeliverer.GetValueOrDefault(id);
            var r = atReceiver.GetValueOrDefault(id);
            var shown = s.DeliverOrders.TryGetValue(id, out var view) ? view?.Status ?? "unknown" : "not asked";
            // A mark's payment order (MK-) is entered by the ledger at the open, never by a client: it may have completed or not, but at both parties alike.
            var expected = shown == "not asked" && id.StartsWith("MK-", StringComparison.Ordinal) && d <= 1 ? d : shown == "completed" ? 1 : 0;
            if (d != expected || r != expected)
                wrong.Add($"{id} ({shown}): completed {d} time(s) at the deliverer, {r} at the receiver");
        }
        var completed = atDeliverer.Count(kv => kv.Value == 1);
        return new("one-effect-both-agree", wrong.Count == 0, wrong.Count == 0
            ? $"{N(completed)} deliver orders completed once at each party, the others at neither"
            : $"{wrong.Count} disagree: {List(wrong)}");
    }

    /// <summary>No committed state breaks a control: positions and reservations within bounds; collateral monitor and net debit cap held (OCC bypasses the monitor).</summary>
    public static CrashCheck ControlsHold(CrashSnapshot s)
    {
        var wrong = new List<string>();
        foreach (var a in s.Accounts.Values)
        {
            foreach (var p in a.Positions)
            {
                if (p.Shares < 0) wrong.Add($"{a.Participant} {p.Cusip}: position {p.Shares}");
                if (p.ReservedShares < 0 || p.ReservedShares > p.Shares) wrong.Add($"{a.Participant} {p.Cusip}: {p.ReservedShares} reserved of {p.Shares}");
            }
            if (!a.CentralCounterparty && a.CollateralMonitor < 0m) wrong.Add($"{a.Participant}: collateral monitor {a.CollateralMonitor}");
            if (a.NetDebit > a.NetDebitCap) wrong.Add($"{a.Participant}: net debit {a.NetDebit} over its cap {a.NetDebitCap}");
            if (a.NetDebit != Math.Max(0m, -a.SettlementBalance)) wrong.Add($"{a.Participant}: net debit {a.NetDebit} with balance {a.SettlementBalance}");
        }
        return new("controls-hold", wrong.Count == 0, wrong.Count == 0
            ? $"{s.Accounts.Count} accounts: positions >= reserved >= 0, collateral monitor >= 0, net debit within cap"
            : List(wrong));
    }

    /// <summary>
    /// After the end of day, closed once even if the node was killed during the close and the close
    /// was asked again: every account is on the next business date with a zero balance, each journal
    /// holds exactly one close of the day, and what the close settled adds up to the payments
    /// (OCC settles nothing).
    /// </summary>
    public static CrashCheck ClosedOnce(CrashSnapshot s, CrashExpectations e, string closedDate, string nextDate)
    {
        var wrong = new List<string>();
        foreach (var a in s.Accounts.Values)
        {
            if (a.BusinessDate != nextDate) wrong.Add($"{a.Participant} is on {a.BusinessDate ?? "no date"}, not {nextDate}");
            // After the close a balance holds only the income posted at the open (CrashIncome checks it is exactly that).
            var incomeCents = s.Journals.TryGetValue(a.Participant, out var own)
                ? own.Where(x => x.Manifest == "account.income-posting-applied.v1").Sum(x => x.Event.GetProperty("amountCents").GetInt64()) : 0;
            var marksCents = a.CentralCounterparty ? 0 : MarksCents(own);
            if (a.SettlementBalance * 100m != incomeCents + marksCents)
                wrong.Add($"{a.Participant} has a balance of {a.SettlementBalance} after the close, income {Dollars(incomeCents)}, marks {Dollars(marksCents)}");
        }
        long settledCents = 0;
        foreach (var (id, journal) in s.Journals)
        {
            var closes = journal.Where(x => x.Manifest == "account.business-day-closed.v1" && x.Event.GetProperty("closedDate").GetString() == closedDate).ToList();
            if (closes.Count != 1) wrong.Add($"{id} journaled {closes.Count} closes of {closedDate}");
            var settled = closes.Sum(x => x.Event.GetProperty("settledBalanceCents").GetInt64());
            if (id == e.Occ && settled != 0) wrong.Add($"OCC settled {Dollars(settled)}");
            settledCents += settled;
        }
        var paidCents = s.Journals.Values.SelectMany(j => j)
            .Where(x => x.Manifest == "account.settlement-progress-payment-received.v1")
            .Sum(x => x.Event.GetProperty("amountCents").GetInt64());
        if (settledCents != paidCents) wrong.Add($"the close settled {Dollars(settledCents)} in all, the payments were {Dollars(paidCents)}");
        return new("closed-once", wrong.Count == 0, wrong.Count == 0
            ? $"all {s.Accounts.Count} accounts closed {closedDate} once and are on {nextDate} with balances of only the income posted at the open; settled {Dollars(settledCents)} in all = the payments, OCC nothing"
            : List(wrong));
    }

    /// <summary>
    /// What the marks completed at the open moved in an account (lending: a mark's payment order, id
    /// MK-, pays the payee as a delivery of zero shares and charges the payer as its receive).
    /// </summary>
    public static long MarksCents(IReadOnlyList<CrashJournalEntry>? journal)
    {
        long cents = 0;
        foreach (var x in journal ?? [])
        {
            if (x.Manifest == "account.delivery-completed.v1" && x.Event.TryGetProperty("order", out var sent) && sent.ValueKind == JsonValueKind.Object
                && sent.GetProperty("id").GetString()!.StartsWith("MK-", StringComparison.Ordinal))
                cents += sent.GetProperty("amountCents").GetInt64();
            if (x.Manifest is "account.receive-completed.v1" or "account.receive-completed.v2"
                && x.Event.GetProperty("order") is var taken && taken.GetProperty("id").GetString()!.StartsWith("MK-", StringComparison.Ordinal))
                cents -= taken.GetProperty("amountCents").GetInt64();
        }
        return cents;
    }

    private static void Count(Dictionary<string, int> counts, string id) => counts[id] = counts.GetValueOrDefault(id) + 1;

    private static string Status(CrashSnapshot s, string id) =>
        s.DeliverOrders.TryGetValue(id, out var v) ? v is null ? "unknown" : v.Status == "pending" ? $"pending:{v.PendingReason}" : v.Status : "not asked";

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        var shown = string.Join("; ", all.Take(ListedMax));
        return all.Count > ListedMax ? $"{shown}; and {all.Count - ListedMax} more" : shown;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Dollars(long cents) => "$" + (cents / 100m).ToString("N2", CultureInfo.InvariantCulture);
}
