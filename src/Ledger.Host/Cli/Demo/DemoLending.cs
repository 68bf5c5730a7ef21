using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Ledger.Host.Auth;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>
/// The lending context's part of <c>ledger demo --days 2|3</c> (lending.md), through the public API
/// only. On the first day a lender lends one security to three borrowers (<c>SL</c> with a
/// <c>rebateRate</c>) and through OCC as a Market Loan (two <c>SL</c> legs); one borrower's cap is
/// too small, so its loan waits for a settlement progress payment; the lender recalls part of two
/// loans (MT 526 through the hub) and the operator's close price rises. The second day's open marks
/// every loan (the small borrower's mark pends and drops at the cutoff); one borrower returns what
/// was recalled, another returns its whole loan, the other recall is not met; a dividend is
/// announced and the price falls. The third day's open marks again (the dropped mark recomputed from
/// the new price and paid after a payment). Then it prints loans, marks, rebates, recalls, the
/// 10c-1a report's lines, and checks what the answers must satisfy.
/// </summary>
public sealed class DemoLending
{
    private const string Operator = TokenStore.DemoOperatorToken, Occ = TokenStore.DemoOccToken, Risk = TokenStore.DemoRiskToken;
    public const string Lender = "0811", Borrower = "0812", SmallBorrower = "0813", ShortBorrower = "0814";
    public const decimal OpeningPrice = 100m, FirstClosePrice = 105m, SecondClosePrice = 103m, Haircut = 0.1m;
    public const decimal DividendPerShare = 0.25m;
    /// <summary>The small borrower's cap: under every mark it owes, so its marks pend until it pays in.</summary>
    public const decimal SmallBorrowerCap = 1_000m;

    private readonly LedgerClient _client;
    private readonly IAnsiConsole _console;
    private readonly string _prefix;
    private readonly string _firstDate;
    private readonly List<string> _businessDays;
    /// <summary>Each closed day with the operator's price of the security at its close: the next open's marks use it.</summary>
    private readonly List<(string Date, decimal Price)> _closePrices = new();
    private decimal _price = OpeningPrice;
    private readonly Dictionary<string, string> _recalls = new(StringComparer.Ordinal);
    private readonly List<string> _notes = new();

    private DemoLending(LedgerClient client, IAnsiConsole console, string prefix, string firstDate, List<string> businessDays)
    {
        _client = client;
        _console = console;
        _prefix = prefix;
        _firstDate = firstDate;
        _businessDays = businessDays;
        // One security per demo run (DEMO -> 1, DEMO-2 -> 2, ...): returns and recalls name a pair and a
        // CUSIP, so a run on top of an earlier one never touches that run's loans.
        var run = prefix.Contains('-', StringComparison.Ordinal) ? int.Parse(prefix[(prefix.LastIndexOf('-') + 1)..], CultureInfo.InvariantCulture) : 1;
        var first8 = "LNDM" + (run % 10_000).ToString("D4", CultureInfo.InvariantCulture);
        Security = first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    public string Security { get; }

    /// <summary>L lends B 1,000 at 4.5%: 400 recalled on the first day, returned on the second (the recall met).</summary>
    private string MetLoan => $"{_prefix}-LN-1";
    /// <summary>L lends the small borrower 500 at 3%: 300 recalled and never returned (the recall not met).</summary>
    private string UnmetLoan => $"{_prefix}-LN-2";
    /// <summary>L lends a third borrower 300 at 5%, returned whole on the second day.</summary>
    private string ReturnedLoan => $"{_prefix}-LN-3";
    /// <summary>The Market Loan's legs: L -> OCC and OCC -> B, 800 at 4% each.</summary>
    private string MarketLender => $"{_prefix}-ML-L";
    private string MarketBorrower => $"{_prefix}-ML-B";
    private IReadOnlyList<string> Loans => [MetLoan, UnmetLoan, ReturnedLoan, MarketLender, MarketBorrower];
    private static readonly string[] Parties = [Lender, Borrower, SmallBorrower, ShortBorrower, DemoData.OccId];

    private string Reference(int n) => $"{_prefix}-LRC-{n}";
    private string DistributionId => $"{_prefix}-LND-DIV";

    private static string Token(string participant) => participant == DemoData.OccId ? Operator : TokenStore.DemoParticipantTokenPrefix + participant;

    /// <summary>The first day, before the cutoff: set-up, loans, recalls, the close price.</summary>
    public static async Task<DemoLending> FirstDayAsync(LedgerClient client, IAnsiConsole console, string businessDate, string prefix, CancellationToken ct)
    {
        var calendar = Expect(await client.SendAsync<JsonElement>(HttpMethod.Get, "/v1/calendar", Operator, null, idempotent: true, ct), "GET /v1/calendar");
        var days = calendar.GetProperty("businessDays").EnumerateArray().Select(d => d.GetString()!).ToList();
        var demo = new DemoLending(client, console, prefix, businessDate, days);
        await demo.SetUpAsync(ct);
        return demo;
    }

    private async Task SetUpAsync(CancellationToken ct)
    {
        var x = Security;
        Expect(await _client.PutSecurityAsync(Operator, x, OpeningPrice, Haircut, ct), $"PUT /v1/securities/{x}");
        foreach (var (id, name, cap) in new[]
                 {
                     (Lender, "Lending Demo Lender", 10_000_000m), (Borrower, "Lending Demo Borrower", 10_000_000m),
                     (SmallBorrower, "Lending Demo Small Borrower", SmallBorrowerCap), (ShortBorrower, "Lending Demo Short Borrower", 10_000_000m),
                 })
            Expect(await _client.PutParticipantAsync(Operator, id, new ParticipantBody(name, cap, 2_000_000m, true, false), ct), $"PUT /v1/participants/{id}");
        Expect(await _client.DepositAsync(Operator, Lender, $"{_prefix}-LND-DEP-1", x, 3_000, ct), $"POST /v1/participants/{Lender}/deposits");
        foreach (var firm in new[] { Lender, Borrower, SmallBorrower })
            Expect(await _client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/recall-hub/subscribers/{firm}", Operator,
                new { address = DemoRecalls.AddressOf(firm), vendor = (string?)null }, true, ct), $"PUT /v1/recall-hub/subscribers/{firm}");

        // Collateral 102% of $100 a share, each loan with its rebate rate.
        object Sl(string id, string from, string to, long shares, decimal rate) => new
        {
            id, deliverer = from, receiver = to, cusip = x, shares, amount = shares * OpeningPrice * 1.02m, reasonCode = "SL", rebateRate = rate,
        };
        var orders = new[]
        {
            Sl(MetLoan, Lender, Borrower, 1_000, 0.045m),
            Sl(UnmetLoan, Lender, SmallBorrower, 500, 0.03m),
            Sl(ReturnedLoan, Lender, ShortBorrower, 300, 0.05m),
            Sl(MarketLender, Lender, DemoData.OccId, 800, 0.04m),
            Sl(MarketBorrower, DemoData.OccId, Borrower, 800, 0.04m),
        };
        var answers = Expect(await _client.SendAsync<IReadOnlyList<SubmitAnswer>>(HttpMethod.Post, "/v1/deliver-orders", Occ, orders, true, ct), "POST /v1/deliver-orders (SL)");
        foreach (var a in answers.Where(a => !a.Accepted)) throw new DemoFailedException($"loan {a.Id} refused: {a.Error?.Rule} ({a.Error?.Field})");

        // The small borrower's loan is over its cap: it pends until the borrower wires a payment.
        await WaitAsync(async () => (await _client.DeliverOrderAsync(Occ, UnmetLoan, ct)).Value?.Status == "pending", $"{UnmetLoan} pending", ct);
        Expect(await _client.SettlementProgressPaymentAsync(Operator, SmallBorrower, $"{_prefix}-LND-SPP-1", 51_000m, ct), $"POST /v1/participants/{SmallBorrower}/settlement-progress-payments");
        foreach (var id in Loans)
        {
            await WaitAsync(async () => (await _client.DeliverOrderAsync(Occ, id, ct)).Value?.Status == "completed", $"{id} completing", ct);
            await WaitAsync(async () => (await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/loans/{id}", Risk, null, true, ct)).Ok, $"loan {id} opening", ct);
        }

        // L recalls 400 of B's 1,000 and 300 of the small borrower's 500 (MT 526 through the hub).
        foreach (var (n, loan, borrower, shares) in new[] { (1, MetLoan, Borrower, 400L), (2, UnmetLoan, SmallBorrower, 300L) })
        {
            var answer = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Post, "/v1/recall-hub/messages", Token(Lender),
                new { message = DemoRecalls.Recall(Reference(n), Lender, borrower, loan, x, shares) }, true, ct), "POST /v1/recall-hub/messages");
            var status = answer.GetProperty("status").GetString();
            if (status != "available") throw new DemoFailedException($"recall {Reference(n)} was {status}, not made available");
            _recalls[loan] = answer.GetProperty("controlNumber").GetString()!;
        }

        // The operator's price is the close price: the next open marks every loan from it.
        Expect(await _client.PutSecurityAsync(Operator, x, FirstClosePrice, Haircut, ct), $"PUT /v1/securities/{x}");
        _price = FirstClosePrice;
        // The first day's cutoff and close are the Market Loan day's (DemoDay).
        _closePrices.Add((_firstDate, _price));
        _console.MarkupLine($"Lending: {Lender} lends {x} (${OpeningPrice}) to {Borrower} 1,000 at 4.5%, {SmallBorrower} 500 at 3% (after a payment: its cap is {Dollars(SmallBorrowerCap)}), " +
                            $"{ShortBorrower} 300 at 5%, and through OCC to {Borrower} 800 at 4% (SL); recalls 400 from {Borrower} and 300 from {SmallBorrower} (MT 526: " +
                            $"{E(string.Join(", ", _recalls.Values))}); close price ${FirstClosePrice}");
    }

    /// <summary>
    /// The days after the first, <paramref name="secondDate"/> open: the second day's returns,
    /// dividend, cutoff and close, and with <paramref name="days"/> 3 the third's; then what the
    /// ledger answers, printed and checked.
    /// </summary>
    public async Task<IReadOnlyList<DemoCommand.Check>> NextDaysAsync(string secondDate, int days, CancellationToken ct)
    {
        var x = Security;
        // Day 2: the open marked every loan at $105; the small borrower's mark pends on its cap.
        await MarksSettledAsync(secondDate, [MetLoan, ReturnedLoan, MarketLender, MarketBorrower], [UnmetLoan], ct);
        // B returns the 400 recalled, the short borrower its whole loan, each against its share of the collateral held.
        var returns = new List<object>();
        foreach (var (id, loan, from, shares) in new[] { ($"{_prefix}-LN-1-R", MetLoan, Borrower, 400L), ($"{_prefix}-LN-3-R", ReturnedLoan, ShortBorrower, 300L) })
        {
            var held = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/loans/{loan}", Risk, null, true, ct), $"GET /v1/loans/{loan}");
            var amount = decimal.Round(held.GetProperty("collateral").GetDecimal() * shares / held.GetProperty("openShares").GetInt64(), 2, MidpointRounding.AwayFromZero);
            returns.Add(new { id, deliverer = from, receiver = Lender, cusip = x, shares, amount, reasonCode = "SLR" });
        }
        var answers = Expect(await _client.SendAsync<IReadOnlyList<SubmitAnswer>>(HttpMethod.Post, "/v1/deliver-orders", Occ, returns, true, ct), "POST /v1/deliver-orders (SLR)");
        foreach (var a in answers)
        {
            if (!a.Accepted) throw new DemoFailedException($"return {a.Id} refused: {a.Error?.Rule} ({a.Error?.Field})");
            await WaitAsync(async () => (await _client.DeliverOrderAsync(Occ, a.Id!, ct)).Value?.Status == "completed", $"{a.Id} completing", ct);
        }
        // A dividend on X: record date today, payable the next business day; the price falls.
        var third = _businessDays[_businessDays.IndexOf(secondDate) + 1];
        Expect(await _client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/securities/{x}/distributions/{DistributionId}", Operator,
            new { type = "cash-dividend", ratePerShare = DividendPerShare, recordDate = secondDate, payableDate = third }, idempotent: true, ct), "PUT distribution");
        Expect(await _client.PutSecurityAsync(Operator, x, SecondClosePrice, Haircut, ct), $"PUT /v1/securities/{x}");
        _price = SecondClosePrice;
        _console.MarkupLine($"Lending, {E(secondDate)}: {Borrower} returns the 400 recalled, {ShortBorrower} its 300 (SLR); {SmallBorrower} returns nothing; " +
                            $"a dividend of ${DividendPerShare} a share on {x}, payable {E(third)}; close price ${SecondClosePrice}");
        await EndOfDayAsync(secondDate, ct);

        if (days >= 3)
        {
            // Day 3: marks from $103; the small borrower's mark (recomputed from the new price) pends, then it pays in.
            await MarksSettledAsync(third, [MetLoan, MarketLender, MarketBorrower], [UnmetLoan], ct);
            Expect(await _client.SettlementProgressPaymentAsync(Operator, SmallBorrower, $"{_prefix}-LND-SPP-2", 2_000m, ct), $"POST /v1/participants/{SmallBorrower}/settlement-progress-payments");
            await MarksSettledAsync(third, [MetLoan, UnmetLoan, MarketLender, MarketBorrower], [], ct);
            _console.MarkupLine($"Lending, {E(third)}: {SmallBorrower} wires {Dollars(2_000m)}, its recomputed mark completes");
            await EndOfDayAsync(third, ct);
        }
        else
        {
            // Stopping after the second day: the third's open has marked from $103; read once its payments have settled.
            await MarksSettledAsync(third, [MetLoan, MarketLender, MarketBorrower], [UnmetLoan], ct);
        }
        return await SummaryAsync(secondDate, third, days, ct);
    }

    // ------------------------------------------------------------------ the summary and its checks

    private async Task<IReadOnlyList<DemoCommand.Check>> SummaryAsync(string secondDate, string third, int days, CancellationToken ct)
    {
        var loans = new List<JsonElement>();
        foreach (var id in Loans)
            loans.Add(Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/loans/{id}", Risk, null, true, ct), $"GET /v1/loans/{id}"));
        var closed = _closePrices.Select(c => c.Date).ToList();

        // Loans.
        var table = new Table().Border(TableBorder.Simple).AddColumn("loan").AddColumn("lender -> borrower")
            .AddColumn(new TableColumn("shares").RightAligned()).AddColumn(new TableColumn("open").RightAligned())
            .AddColumn(new TableColumn("collateral").RightAligned()).AddColumn(new TableColumn("rate").RightAligned())
            .AddColumn(new TableColumn("marks paid").RightAligned()).AddColumn(new TableColumn("dropped").RightAligned())
            .AddColumn(new TableColumn("accrued rebate").RightAligned()).AddColumn("state");
        foreach (var l in loans)
        {
            var marks = l.GetProperty("marks").EnumerateArray().ToList();
            table.AddRow(E(S(l, "id")), $"{S(l, "lender")} -> {S(l, "borrower")}", N(l.GetProperty("shares").GetInt64()), N(l.GetProperty("openShares").GetInt64()),
                Dollars(D(l, "collateral")), l.GetProperty("rebateRate").GetDecimal().ToString("P2", CultureInfo.InvariantCulture),
                N(marks.Count(m => S(m, "status") == "completed")), N(marks.Count(m => S(m, "status") == "dropped")),
                D(l, "accruedRebate").ToString("N4", CultureInfo.InvariantCulture), E(S(l, "state")));
        }
        var open = loans.Count(l => S(l, "state") == "open");
        var closedLoans = loans.Count(l => S(l, "state") == "closed");
        _console.MarkupLine($"Loans of {Security} after {N(closed.Count)} closes ({E(string.Join(", ", closed))})");
        _console.Write(table);
        var allMarks = loans.SelectMany(l => l.GetProperty("marks").EnumerateArray()).ToList();
        var paid = allMarks.Count(m => S(m, "status") == "completed");
        var dropped = allMarks.Count(m => S(m, "status") == "dropped");
        var accrued = loans.Sum(l => D(l, "accruedRebate"));
        _console.MarkupLine($"Lending summary: loans: {N(loans.Count)} ({N(open)} open, {N(closedLoans)} closed); marks: {N(paid)} paid, {N(dropped)} dropped" +
                            $"{(allMarks.Count > paid + dropped ? $", {N(allMarks.Count - paid - dropped)} unsettled" : "")}; rebates accrued: {Dollars(accrued)} " +
                            $"({accrued.ToString("N4", CultureInfo.InvariantCulture)} kept to the hundredth of a cent)");

        // Recalls, as the lender lists them (GET /v1/participants/{id}/recalls).
        var recallAnswer = await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{Lender}/recalls", Token(Lender), null, true, ct);
        var recalls = recallAnswer.Ok
            ? recallAnswer.Value.GetProperty("recalls").EnumerateArray().Where(r => _recalls.ContainsValue(S(r, "controlNumber"))).ToList()
            : [];
        _console.MarkupLine(recallAnswer.Ok
            ? $"Lending summary: recalls by state: {E(string.Join(", ", recalls.GroupBy(r => S(r, "state")).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")))}"
            : $"Lending summary: recalls: GET /v1/participants/{Lender}/recalls answered {E(recallAnswer.Describe())}");

        // The 10c-1a report of each closed day, as the lender (the reporting party) fetches it.
        var reports = new List<(string Date, int Header, int Lines, bool Same, string? Problem)>();
        foreach (var date in closed) reports.Add(await ReportAsync(date, ct));
        _console.MarkupLine($"Lending summary: 10c-1a report of {Lender}: " + E(string.Join(", ", reports.Select(r => r.Problem is null ? $"{r.Date} {N(r.Lines)} lines" : $"{r.Date} {r.Problem}"))));

        var checks = new List<DemoCommand.Check>
        {
            CollateralCheck(loans),
            MarkArithmeticCheck(loans),
            await MarksBalanceCheckAsync(closed.Skip(1).Append(days >= 3 ? NextOf(third) : third).Distinct().ToList(), ct),
            OncePerDayCheck(loans),
            RebateCheck(loans),
            RecallCheck(recallAnswer, recalls),
            new("the 10c-1a report of every closed day counts its lines in its header and is the same bytes when fetched again",
                reports.Count > 0 && reports.All(r => r.Problem is null && r.Header == r.Lines && r.Lines > 0 && r.Same),
                string.Join(", ", reports.Select(r => r.Problem ?? $"{r.Date} header {r.Header}, {r.Lines} lines{(r.Same ? "" : ", other bytes")}"))),
            await DividendCheckAsync(secondDate, third, ct),
        };
        foreach (var note in _notes) _console.MarkupLine($"[grey]{E(note)}[/]");
        return checks;
    }

    private string NextOf(string date) => _businessDays[_businessDays.IndexOf(date) + 1];

    /// <summary>Collateral held = opening + every completed mark (the borrower paying raises it) - every return not reversed.</summary>
    private static DemoCommand.Check CollateralCheck(List<JsonElement> loans)
    {
        var wrong = new List<string>();
        foreach (var l in loans.Where(l => S(l, "state") != "cancelled"))
        {
            var expected = D(l, "openingCollateral")
                + l.GetProperty("marks").EnumerateArray().Where(m => S(m, "status") == "completed").Sum(m => Signed(l, m))
                - l.GetProperty("returns").EnumerateArray().Where(r => r.GetProperty("reversedBy").ValueKind == JsonValueKind.Null).Sum(r => D(r, "amount"));
            if (expected != D(l, "collateral")) wrong.Add($"{S(l, "id")} holds {Dollars(D(l, "collateral"))}, expected {Dollars(expected)}");
        }
        return new("each loan's collateral held is its opening amount plus its completed marks less its returns", wrong.Count == 0,
            wrong.Count == 0 ? $"{N(loans.Count)} loans" : string.Join("; ", wrong));
    }

    /// <summary>Each mark: required = open shares x the day's close price x margin, half away from zero; amount = |required - held|.</summary>
    private DemoCommand.Check MarkArithmeticCheck(List<JsonElement> loans)
    {
        var wrong = new List<string>();
        var count = 0;
        foreach (var l in loans)
        {
            foreach (var m in l.GetProperty("marks").EnumerateArray())
            {
                count++;
                var markDate = S(m, "markDate");
                var shares = l.GetProperty("shares").GetInt64() - l.GetProperty("returns").EnumerateArray()
                    .Where(r => string.CompareOrdinal(S(r, "businessDate"), markDate) < 0 && r.GetProperty("reversedBy").ValueKind == JsonValueKind.Null)
                    .Sum(r => r.GetProperty("shares").GetInt64());
                var price = _closePrices.FirstOrDefault(c => c.Date == S(m, "priceDate")).Price;
                var required = decimal.Round(shares * price * D(l, "collateralMargin"), 2, MidpointRounding.AwayFromZero);
                if (D(m, "price") != price || D(m, "required") != required || D(m, "amount") != Math.Abs(required - D(m, "heldBefore")))
                    wrong.Add($"{S(m, "deliverOrderId")}: price {Dollars(D(m, "price"))} (put {Dollars(price)}), required {Dollars(D(m, "required"))} (expected {Dollars(required)}), amount {Dollars(D(m, "amount"))}");
            }
        }
        return new("each mark is open shares x the previous close x margin less the collateral held", wrong.Count == 0 && count > 0,
            wrong.Count == 0 ? $"{N(count)} marks" : string.Join("; ", wrong));
    }

    /// <summary>
    /// Completed marks as each party lists its own (GET /v1/participants/{id}/marks): payer and payee
    /// list each the same, what is paid is received (the sum over the parties is zero), and OCC pays
    /// out exactly what it takes in.
    /// </summary>
    private async Task<DemoCommand.Check> MarksBalanceCheckAsync(IReadOnlyList<string> markDates, CancellationToken ct)
    {
        var seen = new Dictionary<string, List<(string Party, decimal Amount, string Payer, string Payee, string Status)>>(StringComparer.Ordinal);
        foreach (var date in markDates)
        {
            foreach (var p in Parties)
            {
                var answer = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/marks?date={date}", Token(p), null, true, ct), $"GET /v1/participants/{p}/marks");
                foreach (var m in answer.GetProperty("marks").EnumerateArray().Where(m => Loans.Contains(S(m, "loanId"))))
                {
                    if (!seen.TryGetValue(S(m, "deliverOrderId"), out var views)) seen[S(m, "deliverOrderId")] = views = new();
                    views.Add((p, D(m, "amount"), S(m, "payer"), S(m, "payee"), S(m, "status")));
                }
            }
        }
        var disagree = seen.Where(kv => kv.Value.Count != 2 || kv.Value.Select(v => (v.Amount, v.Payer, v.Payee, v.Status)).Distinct().Count() != 1
                                         || kv.Value.Select(v => v.Party).Order().SequenceEqual(new[] { kv.Value[0].Payer, kv.Value[0].Payee }.Order()) == false)
            .Select(kv => kv.Key).ToList();
        var net = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var v in seen.Values.Select(v => v[0]).Where(v => v.Status == "completed"))
        {
            net[v.Payer] = net.GetValueOrDefault(v.Payer) - v.Amount;
            net[v.Payee] = net.GetValueOrDefault(v.Payee) + v.Amount;
        }
        var sum = net.Values.Sum();
        var occ = net.GetValueOrDefault(DemoData.OccId);
        return new("marks sum to zero across payers and payees, OCC nets zero, and both parties list each mark alike",
            seen.Count > 0 && disagree.Count == 0 && sum == 0m && occ == 0m,
            $"{N(seen.Count)} marks; net {E(string.Join(", ", net.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {Dollars(kv.Value)}")))}; sum {Dollars(sum)}" +
            (disagree.Count == 0 ? "" : $"; listed differently: {string.Join(", ", disagree)}"));
    }

    /// <summary>At most one mark per loan and business day, at most one paid, and a dropped one recomputed the next day.</summary>
    private static DemoCommand.Check OncePerDayCheck(List<JsonElement> loans)
    {
        var wrong = new List<string>();
        var dropped = 0;
        foreach (var l in loans)
        {
            var marks = l.GetProperty("marks").EnumerateArray().ToList();
            wrong.AddRange(marks.GroupBy(m => S(m, "markDate")).Where(g => g.Count() > 1).Select(g => $"{S(l, "id")} marked {g.Count()} times on {g.Key}"));
            foreach (var d in marks.Where(m => S(m, "status") == "dropped"))
            {
                dropped++;
                var later = marks.FirstOrDefault(m => string.CompareOrdinal(S(m, "markDate"), S(d, "markDate")) > 0);
                if (later.ValueKind == JsonValueKind.Object && S(later, "priceDate") == S(d, "priceDate"))
                    wrong.Add($"{S(l, "id")}: the mark after {S(d, "deliverOrderId")} used the same price date");
            }
        }
        return new("a loan is marked at most once a business day, and a dropped mark is recomputed from the next close", wrong.Count == 0,
            wrong.Count == 0 ? $"{N(dropped)} dropped and recomputed" : string.Join("; ", wrong));
    }

    /// <summary>
    /// Each loan's accrued rebate: at each close while it is open, collateral held at that close x rate
    /// x calendar days to the next business date / 360, kept to the hundredth of a cent (Act/360).
    /// </summary>
    private DemoCommand.Check RebateCheck(List<JsonElement> loans)
    {
        var wrong = new List<string>();
        foreach (var l in loans)
        {
            var rate = l.GetProperty("rebateRate").GetDecimal();
            var returns = l.GetProperty("returns").EnumerateArray().Where(r => r.GetProperty("reversedBy").ValueKind == JsonValueKind.Null).ToList();
            var completed = l.GetProperty("marks").EnumerateArray().Where(m => S(m, "status") == "completed").ToList();
            var expected = 0m;
            foreach (var (date, _) in _closePrices.Where(c => string.CompareOrdinal(c.Date, S(l, "openedOn")) >= 0))
            {
                var shares = l.GetProperty("shares").GetInt64() - returns.Where(r => string.CompareOrdinal(S(r, "businessDate"), date) <= 0).Sum(r => r.GetProperty("shares").GetInt64());
                if (shares <= 0) continue;
                var held = D(l, "openingCollateral")
                    + completed.Where(m => string.CompareOrdinal(S(m, "settledOn"), date) <= 0).Sum(m => Signed(l, m))
                    - returns.Where(r => string.CompareOrdinal(S(r, "businessDate"), date) <= 0).Sum(r => D(r, "amount"));
                var nights = DateOnly.ParseExact(NextOf(date), "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber - DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture).DayNumber;
                expected += decimal.Round(held * rate * nights / 360m, 4, MidpointRounding.AwayFromZero);
            }
            if (expected != D(l, "accruedRebate")) wrong.Add($"{S(l, "id")} accrued {D(l, "accruedRebate")}, expected {expected}");
        }
        return new("each loan's rebate accrued Act/360 on the collateral held at every close", wrong.Count == 0,
            wrong.Count == 0 ? $"{Dollars(loans.Sum(l => D(l, "accruedRebate")))} over {N(loans.Count)} loans" : string.Join("; ", wrong));
    }

    /// <summary>The recall met is closed with nothing open; the one not met is overdue, its earliest buy-in three business days after its due date.</summary>
    private DemoCommand.Check RecallCheck(ApiResult<JsonElement> answer, List<JsonElement> recalls)
    {
        const string what = "the recall returned is closed, the one not returned is overdue with its buy-in three business days after due";
        if (!answer.Ok) return new(what, false, $"GET /v1/participants/{Lender}/recalls: {answer.Describe()}");
        JsonElement? Of(string loan) => recalls.Select(r => (JsonElement?)r).FirstOrDefault(r => S(r!.Value, "controlNumber") == _recalls[loan]);
        var met = Of(MetLoan);
        var unmet = Of(UnmetLoan);
        if (met is not { } m || unmet is not { } u) return new(what, false, $"listed: {recalls.Count} of the demo's 2");
        var dueIndex = _businessDays.IndexOf(S(u, "dueOn"));
        var buyIn = dueIndex >= 0 && dueIndex + 3 < _businessDays.Count ? _businessDays[dueIndex + 3] : "?";
        var ok = S(m, "state") == "closed" && m.GetProperty("openShares").GetInt64() == 0
                 && S(u, "state") == "overdue" && u.GetProperty("openShares").GetInt64() == 300 && S(u, "buyInFrom") == buyIn;
        return new(what, ok, $"{S(m, "controlNumber")} {S(m, "state")} ({N(m.GetProperty("openShares").GetInt64())} open); " +
                             $"{S(u, "controlNumber")} {S(u, "state")} ({N(u.GetProperty("openShares").GetInt64())} open), due {S(u, "dueOn")}, buy-in from {S(u, "buyInFrom")} (expected {buyIn})");
    }

    /// <summary>The dividend of the record date: stock-loan income transfers among the demo's firms sum to zero, and the lender got what its lines earned.</summary>
    private async Task<DemoCommand.Check> DividendCheckAsync(string recordDate, string payableDate, CancellationToken ct)
    {
        var transfers = 0m;
        var lenderCredited = 0m;
        var entries = 0;
        foreach (var p in Parties)
        {
            var income = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/income?payableDate={payableDate}", Token(p), null, true, ct), $"GET /v1/participants/{p}/income");
            foreach (var e in income.GetProperty("entries").EnumerateArray().Where(e => S(e, "distributionId") == DistributionId && S(e, "kind") == "stock-loan-income"))
            {
                entries++;
                transfers += D(e, "amount");
                if (p == Lender && D(e, "amount") > 0) lenderCredited += D(e, "amount");
            }
        }
        var memo = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{Lender}/stock-loans?asOf={recordDate}", Token(Lender), null, true, ct), "GET stock-loans");
        var lent = memo.GetProperty("lines").EnumerateArray().Where(l => S(l, "cusip") == Security && l.GetProperty("shares").GetInt64() > 0).Sum(l => l.GetProperty("shares").GetInt64());
        var earned = lent * DividendPerShare;
        _console.MarkupLine($"Lending summary: dividend of {E(recordDate)} paid {E(payableDate)}: {N(entries)} stock-loan income entries, {Lender} credited {Dollars(lenderCredited)} for {N(lent)} shares lent");
        return new("the dividend's stock-loan income sums to zero and the lender got what its lent shares earned", entries > 0 && transfers == 0m && lenderCredited == earned,
            $"{N(entries)} entries summing to {Dollars(transfers)}; {Lender} {Dollars(lenderCredited)} of {Dollars(earned)}");
    }

    /// <summary>The lender's report of <paramref name="date"/> (JSON lines): the header's line count, the lines, and whether a second fetch gives the same bytes.</summary>
    private async Task<(string Date, int Header, int Lines, bool Same, string? Problem)> ReportAsync(string date, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = _client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(Lender));
        var path = $"/v1/participants/{Lender}/reports/10c-1a/{date}?format=jsonl";
        using var first = await http.GetAsync(path, ct);
        var bytes = await first.Content.ReadAsByteArrayAsync(ct);
        if (!first.IsSuccessStatusCode) return (date, 0, 0, false, $"HTTP {(int)first.StatusCode}");
        var again = await http.GetByteArrayAsync(path, ct);
        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return (date, 0, 0, false, "empty");
        try
        {
            using var header = JsonDocument.Parse(lines[0]);
            return (date, header.RootElement.GetProperty("lines").GetInt32(), lines.Length - 1, bytes.AsSpan().SequenceEqual(again), null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (date, 0, lines.Length - 1, false, $"header unreadable: {e.Message}");
        }
    }

    // ------------------------------------------------------------------ steps

    /// <summary>
    /// Waits until every mark of <paramref name="date"/> on <paramref name="settled"/> has completed
    /// and one on each of <paramref name="waiting"/> exists; the checks report what did not happen.
    /// </summary>
    private async Task MarksSettledAsync(string date, IReadOnlyList<string> settled, IReadOnlyList<string> waiting, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var marks = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in new[] { Lender, Borrower })
            {
                var answer = await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/marks?date={date}", Token(p), null, true, ct);
                if (!answer.Ok) continue;
                foreach (var m in answer.Value.GetProperty("marks").EnumerateArray()) marks[S(m, "loanId")] = S(m, "status");
            }
            if (settled.All(l => marks.GetValueOrDefault(l) == "completed") && waiting.All(marks.ContainsKey)) return;
            if (DateTime.UtcNow > deadline)
            {
                _notes.Add($"marks of {date}: after 30 s {string.Join(", ", Loans.Select(l => $"{l} {marks.GetValueOrDefault(l) ?? "none"}"))}; went on");
                return;
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>The cutoff (pending marks drop) and the close of <paramref name="date"/>, named.</summary>
    private async Task EndOfDayAsync(string date, CancellationToken ct)
    {
        Expect(await _client.CutoffAsync(Operator, ct), "POST /v1/business-day/cutoff");
        for (var attempt = 1; ; attempt++)
        {
            var close = await _client.CloseAsync(Operator, date, ct);
            if (close.Ok && close.Value is { Ok: true } answer)
            {
                _console.MarkupLine($"Close of {E(date)}: {E(answer.Message)} (next business date {E(answer.NextBusinessDate)})");
                _closePrices.Add((date, _price));
                return;
            }
            if (attempt >= 5) throw new DemoFailedException($"POST /v1/business-day/close {date}: {close.Describe()}");
            await Task.Delay(1000, ct);
        }
    }

    private static decimal Signed(JsonElement loan, JsonElement mark) => S(mark, "payer") == S(loan, "borrower") ? D(mark, "amount") : -D(mark, "amount");

    private static string S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static decimal D(JsonElement e, string name) => e.GetProperty(name).GetDecimal();

    private static async Task WaitAsync(Func<Task<bool>> done, string what, CancellationToken ct)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(20); !await done(); await Task.Delay(100, ct))
        {
            if (DateTime.UtcNow > deadline) throw new DemoFailedException($"{what} did not happen within 20 s");
        }
    }

    private static T Expect<T>(ApiResult<T> result, string what) =>
        result.Ok && result.Value is not null ? result.Value : throw new DemoFailedException($"{what}: {result.Describe()}");
}
