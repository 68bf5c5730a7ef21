using System.Globalization;
using System.Text.Json;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

/// <summary>
/// Income tracking in the crash test. Every deliver order the clients send is a stock-loan one
/// (<c>SL</c>), so the memo accounts are fed while the kills land. Before the close that is killed,
/// a cash dividend is announced on the first security with that day as its record date: the close
/// then fixes the record date and the open of the next day posts it, SIGKILL somewhere in between.
/// After the restart and the close asked again, the memo lines and the payable date are checked.
/// </summary>
public static class CrashIncome
{
    /// <summary>An odd rate, so that rounding half away from zero shows in the cents.</summary>
    public const decimal RatePerShare = 0.013m;

    public const string DistributionId = "CRASH-DIV";

    private const string Operator = "operator-demo", Risk = "risk-demo";

    public static string Security(CrashWorld world) => world.Securities[0].Cusip;

    /// <summary>The dividend, record and payable date <paramref name="date"/> (it posts at the next open).</summary>
    public static async Task<string?> AnnounceAsync(LedgerClient client, CrashWorld world, string date, CancellationToken ct)
    {
        var answer = await client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/securities/{Security(world)}/distributions/{DistributionId}", Operator,
            new { type = "cash-dividend", ratePerShare = RatePerShare, recordDate = date, payableDate = date }, idempotent: true, ct);
        return answer.Ok ? null : answer.Describe();
    }

    private static long Cents(long shares) => (long)decimal.Round(shares * RatePerShare * 100m, 0, MidpointRounding.AwayFromZero);

    private static string Dollars(long cents) => "$" + (cents / 100m).ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>
    /// After the close of <paramref name="closedDate"/> came to rest: memo lines antisymmetric, the
    /// payable date's transfers paired and summing to zero, nothing paid twice, every lender paid
    /// what its record-date lines earned and every holder its position's share, and each balance
    /// exactly the income posted to it.
    /// </summary>
    public static async Task<IReadOnlyList<CrashCheck>> ChecksAsync(LedgerClient client, CrashWorld world, string closedDate, CancellationToken ct)
    {
        var x = Security(world);
        var ids = world.AccountIds.ToList();
        var lines = new Dictionary<(string P, string C, string X), long>();
        var asOf = new Dictionary<string, List<(string C, long Shares)>>();
        var entries = new List<(string P, JsonElement E)>();
        var positions = new Dictionary<string, long>();
        var balances = new Dictionary<string, decimal>();
        var marksCents = new Dictionary<string, long>();
        foreach (var p in ids)
        {
            var now = await Get(client, $"/v1/participants/{p}/stock-loans", ct);
            foreach (var l in now.GetProperty("lines").EnumerateArray())
                lines[(p, l.GetProperty("counterparty").GetString()!, l.GetProperty("cusip").GetString()!)] = l.GetProperty("shares").GetInt64();
            var then = await Get(client, $"/v1/participants/{p}/stock-loans?asOf={closedDate}", ct);
            asOf[p] = then.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("cusip").GetString() == x)
                .Select(l => (l.GetProperty("counterparty").GetString()!, l.GetProperty("shares").GetInt64())).ToList();
            var income = await Get(client, $"/v1/participants/{p}/income?payableDate={closedDate}", ct);
            entries.AddRange(income.GetProperty("entries").EnumerateArray().Select(e => (p, e)));
            await ReadBalanceAndMarks(p);
        }
        // Lending learns a mark's outcome from settlement's published events, a poll behind
        // settlement: a mark the account has already paid may not show completed yet. Read the
        // accounts that do not add up again until they do, or for 15 s (then they are reported).
        var posted = ids.ToDictionary(p => p, p => entries.Where(t => t.P == p).Sum(t => Amount(t.E)));
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(15);)
        {
            var off = ids.Where(p => balances[p] * 100m != posted[p] + marksCents[p]).ToList();
            if (off.Count == 0) break;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            foreach (var p in off) await ReadBalanceAndMarks(p);
        }

        async Task ReadBalanceAndMarks(string p)
        {
            var account = await Get(client, $"/v1/participants/{p}/account", ct);
            positions[p] = account.GetProperty("positions").EnumerateArray().Where(q => q.GetProperty("cusip").GetString() == x).Sum(q => q.GetProperty("shares").GetInt64());
            balances[p] = account.GetProperty("settlementBalance").GetDecimal();
            // The open also pays the day's marks (lending): what they moved is not income.
            var marks = await Get(client, $"/v1/participants/{p}/marks?date={account.GetProperty("businessDate").GetString()}", ct);
            marksCents[p] = marks.GetProperty("marks").EnumerateArray().Where(m => m.GetProperty("status").GetString() == "completed")
                .Sum(m => (long)(m.GetProperty("amount").GetDecimal() * 100m) * (m.GetProperty("payee").GetString() == p ? 1 : -1));
        }

        var wrong = new List<string>();
        foreach (var ((p, c, cusip), shares) in lines)
        {
            if (lines.GetValueOrDefault((c, p, cusip)) != -shares) wrong.Add($"memo({p},{c},{cusip}) = {shares} but memo({c},{p},{cusip}) = {lines.GetValueOrDefault((c, p, cusip))}");
        }
        var antisymmetric = new CrashCheck("memo-antisymmetric", wrong.Count == 0, wrong.Count == 0
            ? $"all {lines.Count} memo lines of {ids.Count} participants are mirrored by their counterparties' (memo(P,C,X) = -memo(C,P,X))"
            : string.Join("; ", wrong.Take(5)));

        long Amount(JsonElement e) => (long)(e.GetProperty("amount").GetDecimal() * 100m);
        string Kind(JsonElement e) => e.GetProperty("kind").GetString()!;
        var transfers = entries.Where(t => Kind(t.E) == "stock-loan-income").ToList();
        var paired = new List<string>();
        foreach (var group in transfers.GroupBy(t => t.E.GetProperty("entryId").GetString()))
        {
            if (group.Count() != 2 || group.Sum(t => Amount(t.E)) != 0 || group.Select(t => t.P).Distinct().Count() != 2)
                paired.Add($"{group.Key}: {string.Join(", ", group.Select(t => $"{t.P} {Dollars(Amount(t.E))}"))}");
        }
        var doubled = entries.GroupBy(t => (t.P, t.E.GetProperty("entryId").GetString())).Where(g => g.Count() > 1).Select(g => $"{g.Key.P} {g.Key.Item2} x{g.Count()}").ToList();
        var sum = transfers.Sum(t => Amount(t.E));
        var once = new CrashCheck("income-paid-once", paired.Count == 0 && doubled.Count == 0 && sum == 0,
            paired.Count == 0 && doubled.Count == 0 && sum == 0
                ? $"{transfers.Count / 2} stock-loan income transfers of {closedDate}'s dividend, each a credit and a debit of one entry id; they sum to $0.00; no entry posted twice"
                : $"sum {Dollars(sum)}; unpaired: {string.Join("; ", paired.Take(5))}; twice: {string.Join("; ", doubled.Take(5))}");

        var missed = new List<string>();
        foreach (var p in ids)
        {
            var earned = asOf[p].Where(l => l.Shares > 0).Sum(l => Cents(l.Shares));
            var credited = transfers.Where(t => t.P == p && Amount(t.E) > 0).Sum(t => Amount(t.E));
            if (earned != credited) missed.Add($"{p} was credited {Dollars(credited)} for lines that earned {Dollars(earned)}");
            var owed = asOf[p].Where(l => l.Shares < 0).Sum(l => Cents(-l.Shares));
            var debited = -transfers.Where(t => t.P == p && Amount(t.E) < 0).Sum(t => Amount(t.E));
            if (owed != debited) missed.Add($"{p} was debited {Dollars(debited)} for lines that owed {Dollars(owed)}");
            var held = entries.Where(t => t.P == p && Kind(t.E) == "holder-of-record").Sum(t => Amount(t.E));
            if (held != Cents(Math.Max(0, positions[p]))) missed.Add($"{p} got {Dollars(held)} as holder of record of {positions[p]} shares");
            if (balances[p] * 100m != posted[p] + marksCents[p])
                missed.Add($"{p}'s balance {balances[p]} is not the {Dollars(posted[p])} of income posted to it and the {Dollars(marksCents[p])} of its marks");
        }
        var nothingMissed = new CrashCheck("income-nothing-missed", missed.Count == 0, missed.Count == 0
            ? $"every lender got round(line x {RatePerShare}) per record-date line, every borrower paid it, every holder of record got its position's share, and every balance after the close is exactly its income ({Dollars(entries.Sum(t => Amount(t.E)))} in all, from the paying agent)"
            : string.Join("; ", missed.Take(5)));
        return [antisymmetric, once, nothingMissed];
    }

    private static async Task<JsonElement> Get(LedgerClient client, string path, CancellationToken ct)
    {
        var answer = await client.SendAsync<JsonElement>(HttpMethod.Get, path, Risk, null, idempotent: true, ct);
        return answer.Ok ? answer.Value : throw new InvalidOperationException($"GET {path}: {answer.Describe()}");
    }
}
