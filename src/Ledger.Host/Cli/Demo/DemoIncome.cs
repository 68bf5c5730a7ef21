using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>
/// Income tracking's part of the demo (income-tracking.md): on the demo's day, three firms lend
/// and return one security with <c>SL</c> and <c>SLR</c> deliver orders (one more loan pends all
/// day and is dropped at the cutoff), the operator announces a cash dividend with its record date
/// that day and its payable date the next, and the borrower files a halt letter against one lender.
/// After the close, on the second day, it reads each firm's income of the payable date, prints
/// it by kind, and checks that the stock-loan income transfers sum to zero, that every lender got
/// what its record-date lines earned, and that every holder of record got its position's share.
/// </summary>
public sealed class DemoIncome
{
    private const string Operator = "operator-demo", Occ = "occ-demo";
    public const string Lender = "0801", Borrower = "0802", OtherLender = "0803";
    public const decimal RatePerShare = 0.37m;

    private readonly LedgerClient _client;
    private readonly IAnsiConsole _console;
    private readonly string _businessDate;
    private readonly string _prefix;

    private DemoIncome(LedgerClient client, IAnsiConsole console, string businessDate, string prefix)
    {
        _client = client;
        _console = console;
        _businessDate = businessDate;
        _prefix = prefix;
    }

    public static string Security { get; } = "INCDEMO1" + Cusip.CheckDigit("INCDEMO1").ToString(CultureInfo.InvariantCulture);

    private string DistributionId => $"{_prefix}-DIV";

    /// <summary>The dividend's payable date: the ledger's next business day.</summary>
    public string PayableDate { get; private set; } = "";

    private static string Token(string participant) => "participant-" + participant;

    /// <summary>The first day: set-up, loans, returns, the dividend announced, the halt filed. Before the cutoff.</summary>
    public static async Task<DemoIncome> FirstDayAsync(LedgerClient client, IAnsiConsole console, string businessDate, string prefix, CancellationToken ct)
    {
        var demo = new DemoIncome(client, console, businessDate, prefix);
        await demo.SetUpAsync(ct);
        return demo;
    }

    private async Task SetUpAsync(CancellationToken ct)
    {
        Expect(await _client.PutSecurityAsync(Operator, Security, 50m, 0.1m, ct), $"PUT /v1/securities/{Security}");
        foreach (var (id, name) in new[] { (Lender, "Income Lender One"), (Borrower, "Income Borrower"), (OtherLender, "Income Lender Two") })
            Expect(await _client.PutParticipantAsync(Operator, id, new ParticipantBody(name, 5_000_000m, 5_000_000m, true, false), ct), $"PUT /v1/participants/{id}");
        Expect(await _client.DepositAsync(Operator, Lender, $"{_prefix}-INC-DEP-1", Security, 10_000, ct), "POST deposit");
        Expect(await _client.DepositAsync(Operator, OtherLender, $"{_prefix}-INC-DEP-2", Security, 4_000, ct), "POST deposit");
        // The ledger's own calendar names the next business days (holidays included).
        var calendar = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, "/v1/calendar", Operator, null, idempotent: true, ct), "GET /v1/calendar");
        var days = calendar.GetProperty("businessDays").EnumerateArray().Select(d => d.GetString()!).ToList();
        PayableDate = days[1];
        Expect(await _client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/securities/{Security}/distributions/{DistributionId}", Operator,
            new { type = "cash-dividend", ratePerShare = RatePerShare, recordDate = _businessDate, payableDate = PayableDate }, idempotent: true, ct), "PUT distribution");
        var orders = new List<DeliverOrderLine>
        {
            new($"{_prefix}-INC-1", Lender, Borrower, Security, 6_000, 300_000m, "SL"),
            new($"{_prefix}-INC-2", OtherLender, Borrower, Security, 3_000, 150_000m, "SL"),
            new($"{_prefix}-INC-3", Borrower, Lender, Security, 1_000, 50_000m, "SLR"),
            // More than the lender holds: it pends all day and is dropped at the cutoff, changing no memo line.
            new($"{_prefix}-INC-4", Lender, OtherLender, Security, 100_000, 1_000_000m, "SL"),
        };
        foreach (var order in orders)
        {
            var answer = Expect(await _client.SubmitAsync(Occ, [order], ct), "POST /v1/deliver-orders");
            if (!answer[0].Accepted) throw new DemoFailedException($"income loan {order.Id} refused: {answer[0].Error?.Rule}");
            if (order.Id.EndsWith("-4", StringComparison.Ordinal)) continue;
            await WaitAsync(async () => (await _client.DeliverOrderAsync(Occ, order.Id, ct)).Value?.Status == "completed", $"{order.Id} completing", ct);
        }
        // The borrower halts future transfers to the second lender, with two business days' notice.
        var halt = await _client.SendAsync<JsonElement>(HttpMethod.Post, $"/v1/participants/{Borrower}/income-halts", Token(Borrower),
            new { counterparty = OtherLender, effectiveDate = days[3] }, idempotent: true, ct);
        _console.MarkupLine($"Stock-loan income: {Security} lent {Lender} -> {Borrower} 6,000 and {OtherLender} -> {Borrower} 3,000 (SL), 1,000 returned (SLR), " +
                            $"a cash dividend of ${RatePerShare} a share, record date {_businessDate}, payable {PayableDate}; halt {Borrower} -> {OtherLender}: " +
                            (halt.Ok ? $"filed, effective {E(halt.Value.GetProperty("effectiveDate").GetString())}" : E(halt.Describe())));
    }

    /// <summary>The second day: the payable date posted at the open; read, printed and checked.</summary>
    public async Task<IReadOnlyList<DemoCommand.Check>> SecondDayAsync(string openedDate, CancellationToken ct)
    {
        var parties = new[] { Lender, Borrower, OtherLender };
        var entries = new List<(string Participant, JsonElement Entry)>();
        var positions = new Dictionary<string, long>();
        var lines = new Dictionary<string, List<(string Counterparty, long Shares)>>();
        var haltedBy = new Dictionary<string, HashSet<string>>();
        foreach (var p in parties)
        {
            // Halts filed against p in effect by the open: those borrowers owe p nothing this time.
            var notices = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/notifications", Token(p), null, true, ct), "GET notifications");
            haltedBy[p] = notices.GetProperty("notifications").EnumerateArray()
                .Where(n => n.GetProperty("kind").GetString() == "halt-filed" && string.CompareOrdinal(n.GetProperty("date").GetString(), openedDate) <= 0)
                .Select(n => n.GetProperty("counterparty").GetString()!).ToHashSet();
            var income = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/income?payableDate={PayableDate}", Token(p), null, true, ct), "GET income");
            entries.AddRange(income.GetProperty("entries").EnumerateArray()
                .Where(e => e.GetProperty("distributionId").GetString() == DistributionId).Select(e => (p, e)));
            var account = Expect(await _client.AccountAsync(Token(p), p, ct), "GET account");
            positions[p] = account.Positions.Where(x => x.Cusip == Security).Sum(x => x.Shares);
            var memo = Expect(await _client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/participants/{p}/stock-loans?asOf={_businessDate}", Token(p), null, true, ct), "GET stock-loans");
            lines[p] = memo.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("cusip").GetString() == Security)
                .Select(l => (l.GetProperty("counterparty").GetString()!, l.GetProperty("shares").GetInt64())).ToList();
        }
        decimal Amount(JsonElement e) => e.GetProperty("amount").GetDecimal();
        bool Is(JsonElement e, string kind) => e.GetProperty("kind").GetString() == kind;

        var table = new Table().Border(TableBorder.Simple).AddColumn("participant").AddColumn(new TableColumn("holder of record").RightAligned())
            .AddColumn(new TableColumn("stock-loan income").RightAligned()).AddColumn(new TableColumn("in all").RightAligned());
        foreach (var p in parties)
        {
            var own = entries.Where(x => x.Participant == p).Select(x => x.Entry).ToList();
            table.AddRow(p, Dollars(own.Where(e => Is(e, "holder-of-record")).Sum(Amount)), Dollars(own.Where(e => Is(e, "stock-loan-income")).Sum(Amount)), Dollars(own.Sum(Amount)));
        }
        _console.MarkupLine($"Income of {E(_businessDate)}'s dividend on {Security}, payable {E(PayableDate)}, paid at the open of {E(openedDate)}, by kind");
        _console.Write(table);

        var transfers = entries.Where(x => Is(x.Entry, "stock-loan-income")).Sum(x => Amount(x.Entry));
        var earned = parties.ToDictionary(p => p, p => lines[p].Where(l => l.Shares > 0 && !haltedBy[p].Contains(l.Counterparty)).Sum(l => Money.ToDollars(Round(l.Shares))));
        var credited = parties.ToDictionary(p => p, p => entries.Where(x => x.Participant == p && Is(x.Entry, "stock-loan-income") && Amount(x.Entry) > 0).Sum(x => Amount(x.Entry)));
        var holders = parties.ToDictionary(p => p, p => entries.Where(x => x.Participant == p && Is(x.Entry, "holder-of-record")).Sum(x => Amount(x.Entry)));
        return
        [
            new DemoCommand.Check("stock-loan income transfers sum to zero", transfers == 0m, $"{Dollars(transfers)} over {N(entries.Count(x => Is(x.Entry, "stock-loan-income")))} entries"),
            new DemoCommand.Check("every lender got what its record-date lines earned", parties.All(p => credited[p] == earned[p]),
                string.Join(", ", parties.Select(p => $"{p} {Dollars(credited[p])} of {Dollars(earned[p])}"))),
            new DemoCommand.Check("every holder of record got its position's share", parties.All(p => holders[p] == Money.ToDollars(Round(positions[p]))),
                string.Join(", ", parties.Select(p => $"{p} {Dollars(holders[p])} for {N(positions[p])} shares"))),
        ];
    }

    /// <summary>Shares x rate in cents, half away from zero (the ledger's rounding).</summary>
    private static long Round(long shares) => (long)decimal.Round(shares * RatePerShare * 100m, 0, MidpointRounding.AwayFromZero);

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
