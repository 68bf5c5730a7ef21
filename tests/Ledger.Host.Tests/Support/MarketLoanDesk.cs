using System.Globalization;
using System.Text.Json;
using Ledger.Settlement;

namespace Ledger.Host.Tests.Support;

/// <summary>
/// The ids of one Market Loan world on a shared node: lender, borrower, a seller of junk, another
/// participant, and a CUSIP of its own (OCC pairs legs by CUSIP, shares and amount, so worlds that
/// share a node must not share a CUSIP, or OCC would rightly pair one world's leg with another's).
/// </summary>
public sealed record MarketLoanWorld(int N, string L, string B, string M, string X, string Security)
{
    public static MarketLoanWorld Of(int n) =>
        new(n, Participant(n, 1), Participant(n, 2), Participant(n, 3), Participant(n, 4), MarketLoanDesk.CusipOf(n));

    private static string Participant(int n, int k) => (n * 10 + k).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>A deliver order id of this world: "W7-DO1".</summary>
    public string Do(string name) => $"W{N}-{name}";
}

/// <summary>
/// The people at the desks of a Market Loan, each with its demo token, over HTTP: the operator sets
/// up, OCC submits the locked-in legs, the borrower reclaims, each party reads what it may.
/// Worked figures are those of atp-rules.md section 9: price $100, haircut 10%.
/// </summary>
public sealed class MarketLoanDesk(RealNode node)
{
    public const string Occ = "0900";
    public const string Operator = "operator-demo";
    public const string OccToken = "occ-demo";
    public const string Risk = "risk-demo";

    /// <summary>Worth nothing as collateral (haircut 100%), at the prices of the gateway tests' junk.</summary>
    public static readonly string JunkAt100 = CusipOf(98), JunkAt1 = CusipOf(99);

    public RealNode Node { get; } = node;

    public ApiHost Api => Node.Api;

    public static string Token(string participant) => "participant-" + participant;

    public static string CusipOf(int n)
    {
        var first8 = "MLH" + n.ToString("D5", CultureInfo.InvariantCulture);
        return first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>OCC (participant 0900: central counterparty, net debit cap 0) and the junk securities.</summary>
    public async Task SetUpOccAsync()
    {
        await PutParticipant(Occ, "Options Clearing Corporation", 0m, 0m, marketLoan: false, ccp: true);
        await PutSecurity(JunkAt100, "100", "1");
        await PutSecurity(JunkAt1, "1", "1");
    }

    /// <summary>
    /// Scenario 5's world: L holds 1,000 shares with CM $10,000 (it owes $80,000 for junk worth
    /// nothing as collateral); B: fund $50,000, so CM $50,000, and the given cap.
    /// </summary>
    public async Task<MarketLoanWorld> LoanWorld(int n, decimal borrowerCap = 1_000_000m)
    {
        var w = MarketLoanWorld.Of(n);
        await PutParticipant(w.L, $"Lender {n}", 1_000_000m, 0m, marketLoan: true);
        await PutParticipant(w.B, $"Borrower {n}", borrowerCap, 50_000m, marketLoan: true);
        await PutParticipant(w.M, $"Junk seller {n}", 0m, 0m, marketLoan: false);
        await PutSecurity(w.Security, "100", "0.1");
        await Deposit(w.L, w.Security, 1_000);
        await Deposit(w.M, JunkAt100, 800);
        await Submit(Order(w.Do("JUNK"), w.M, w.L, JunkAt100, 800, "80000"));
        await Sees(w.Do("JUNK"), "completed", Token(w.L), Token(w.M));
        var l = await AccountWhen(w.L, a => Shares(a, JunkAt100) == 800, $"{w.L} receiving the junk");
        AssertAccount(l, -80_000m, 10_000.00m, (w.Security, 1_000), (JunkAt100, 800));
        AssertAccount(await Account(w.B), 0m, 50_000.00m, (w.Security, 0));
        return w;
    }

    /// <summary>
    /// The gateway tests' reclaim world: L delivered 1,000 shares to B against <paramref name="amount"/>,
    /// then spent the proceeds on junk, so taking the shares back breaks L's collateral monitor and cap:
    /// L: fund and cap = amount; B: fund and cap $10,000,000.
    /// </summary>
    public async Task<MarketLoanWorld> ReclaimWorld(int n, decimal amount = 100_000m)
    {
        var w = MarketLoanWorld.Of(n);
        await PutParticipant(w.L, $"Deliverer {n}", amount, amount, marketLoan: false);
        await PutParticipant(w.B, $"Receiver {n}", 10_000_000m, 10_000_000m, marketLoan: false);
        await PutParticipant(w.M, $"Junk seller {n}", 0m, 0m, marketLoan: false);
        await PutSecurity(w.Security, "100", "0.1");
        await Deposit(w.L, w.Security, 1_000);
        await Deposit(w.M, JunkAt1, 1_000);
        await Submit(Order(w.Do("DO1"), w.L, w.B, w.Security, 1_000, Money(amount)));
        Assert.Equal("direct", Text(await Sees(w.Do("DO1"), "completed", Token(w.B), Token(w.L), OccToken), "completedBy"));
        await AccountWhen(w.L, a => Dollars(a, "settlementBalance") == amount, $"{w.L} credited for DO1");
        await Submit(Order(w.Do("SPEND"), w.M, w.L, JunkAt1, 1_000, Money(2 * amount)));
        await Sees(w.Do("SPEND"), "completed", Token(w.L));
        var l = await AccountWhen(w.L, a => Shares(a, JunkAt1) == 1_000, $"{w.L} receiving the junk");
        AssertAccount(l, -amount, 0.00m, (w.Security, 0), (JunkAt1, 1_000));
        AssertAccount(await Account(w.B), -amount, 10_000_000m - amount + 90_000m, (w.Security, 1_000));
        return w;
    }

    public async Task PutParticipant(string id, string name, decimal cap, decimal fund, bool marketLoan, bool ccp = false)
    {
        var body = $$"""{"name":"{{name}}","netDebitCap":{{Money(cap)}},"participantsFund":{{Money(fund)}},"marketLoanProgram":{{Bool(marketLoan)}},"centralCounterparty":{{Bool(ccp)}}}""";
        var answer = await (await Api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", Operator, body)).AssertOk();
        Assert.Equal(cap, answer.GetProperty("netDebitCap").GetDecimal());
        Assert.Equal(ccp, answer.GetProperty("centralCounterparty").GetBoolean());
    }

    public async Task PutSecurity(string cusip, string price, string haircut) =>
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/securities/{cusip}", Operator, $$"""{"price":{{price}},"haircut":{{haircut}}}""")).AssertOk();

    public async Task<JsonElement> Deposit(string participant, string cusip, long shares) =>
        await (await Api.SendAsync(HttpMethod.Post, $"/v1/participants/{participant}/deposits", Operator,
            $$"""{"cusip":"{{cusip}}","shares":{{shares}}}""")).AssertOk();

    public static string Order(string id, string deliverer, string receiver, string cusip, long shares, string amount) =>
        $$"""{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{cusip}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"SL"}""";

    /// <summary>OCC submits the orders as one batch; every one must be accepted.</summary>
    public async Task Submit(params string[] orders)
    {
        var answers = await (await Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", OccToken, "[" + string.Join(",", orders) + "]")).AssertOk();
        Assert.Equal(orders.Length, answers.GetArrayLength());
        foreach (var answer in answers.EnumerateArray())
        {
            Assert.True(answer.GetProperty("accepted").GetBoolean(), answer.ToString());
            Assert.Equal(JsonValueKind.Null, answer.GetProperty("error").ValueKind);
        }
    }

    public Task<HttpResponseMessage> Reclaim(string? token, string id, string original) =>
        Api.SendAsync(HttpMethod.Post, "/v1/reclaims", token, $$"""{"id":"{{id}}","deliverOrderId":"{{original}}"}""");

    /// <summary>The deliver-order id the ledger files <paramref name="participant"/>'s reclaim <paramref name="reference"/> as: "0052~W5-RC1".</summary>
    public static string Filed(string participant, string reference) => new ReclaimId(new ParticipantId(participant), reference).DeliverOrderId.Value;

    /// <summary>The original receiver reclaims with its own reference; the answer must be 200, accepted, and name the filed id.</summary>
    public async Task<JsonElement> ReclaimAccepted(string receiver, string reference, string original)
    {
        var answer = await (await Reclaim(Token(receiver), reference, original)).AssertOk();
        Assert.Equal(receiver + "~" + reference, answer.GetProperty("id").GetString());
        Assert.True(answer.GetProperty("accepted").GetBoolean(), answer.ToString());
        Assert.Contains(answer.GetProperty("status").GetString(), new[] { "accepted", "pending", "completed" });
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("error").ValueKind);
        return answer;
    }

    public async Task<JsonElement> Account(string participant, string? token = null) =>
        await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/account", token ?? Token(participant))).AssertOk();

    public Task<JsonElement> AccountWhen(string participant, Func<JsonElement, bool> done, string what) =>
        Node.EventuallyAsync($"/v1/participants/{participant}/account", Token(participant), done, what);

    public async Task<JsonElement> DeliverOrder(string id, string token) =>
        await (await Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}", token)).AssertOk();

    /// <summary>
    /// Waits (at most 20 s) until the first token sees <paramref name="id"/> in <paramref name="status"/>,
    /// then every other token must see the very same view.
    /// </summary>
    public async Task<JsonElement> Sees(string id, string status, params string[] tokens)
    {
        var view = await Node.EventuallyAsync($"/v1/deliver-orders/{id}", tokens[0], v => v.GetProperty("status").GetString() == status, $"{id} {status}");
        foreach (var token in tokens.Skip(1))
        {
            var other = await DeliverOrder(id, token);
            Assert.Equal(status, other.GetProperty("status").GetString());
            Assert.Equal(Text(view, "pendingReason"), Text(other, "pendingReason"));
            Assert.Equal(Text(view, "completedBy"), Text(other, "completedBy"));
        }
        return view;
    }

    /// <summary>Asks until the answer satisfies <paramref name="done"/>, for at most <paramref name="seconds"/>; returns the last answer either way.</summary>
    public async Task<JsonElement> Poll(string path, string token, Func<JsonElement, bool> done, double seconds = 20)
    {
        JsonElement last = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(seconds); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var response = await Api.SendAsync(HttpMethod.Get, path, token);
            if (!response.IsSuccessStatusCode) continue;
            last = await response.Json();
            if (done(last)) break;
        }
        return last;
    }

    /// <summary>OCC's account, read with OCC's own participant token: no money, no shares, nothing pending of this world.</summary>
    public async Task AssertOccFlat(string? worldPrefix = null, bool nothingPending = false)
    {
        var occ = await Account(Occ);
        Assert.True(occ.GetProperty("centralCounterparty").GetBoolean());
        Assert.Equal(0m, occ.GetProperty("netDebitCap").GetDecimal());
        Assert.True(0m == occ.GetProperty("settlementBalance").GetDecimal(), $"OCC's settlement balance is not zero: {occ}");
        Assert.True(0m == occ.GetProperty("netDebit").GetDecimal(), $"OCC has a net debit: {occ}");
        Assert.DoesNotContain(occ.GetProperty("positions").EnumerateArray(),
            p => p.GetProperty("shares").GetInt64() != 0 || p.GetProperty("reservedShares").GetInt64() != 0);
        var pending = occ.GetProperty("pending").EnumerateArray().Select(p => p.GetProperty("deliverOrderId").GetString()!).ToList();
        if (nothingPending) Assert.Empty(pending);
        if (worldPrefix is not null) Assert.DoesNotContain(pending, id => id.StartsWith(worldPrefix, StringComparison.Ordinal));
    }

    public static bool Is(JsonElement e, string property, string value) => e.GetProperty(property).GetString() == value;

    public static string? Text(JsonElement e, string property) =>
        e.GetProperty(property).ValueKind == JsonValueKind.Null ? null : e.GetProperty(property).GetString();

    public static decimal Dollars(JsonElement account, string property) => account.GetProperty(property).GetDecimal();

    /// <summary>The shares of a CUSIP in an account view; 0 when it has no row.</summary>
    public static long Shares(JsonElement account, string cusip) =>
        account.GetProperty("positions").EnumerateArray().Where(p => p.GetProperty("cusip").GetString() == cusip)
            .Select(p => p.GetProperty("shares").GetInt64()).SingleOrDefault();

    public static long Reserved(JsonElement account, string cusip) =>
        account.GetProperty("positions").EnumerateArray().Where(p => p.GetProperty("cusip").GetString() == cusip)
            .Select(p => p.GetProperty("reservedShares").GetInt64()).SingleOrDefault();

    /// <summary>Money, balance, cap and shares of an account, to the cent.</summary>
    public static void AssertAccount(JsonElement account, decimal balance, decimal collateralMonitor, params (string Cusip, long Shares)[] positions)
    {
        Assert.True(balance == Dollars(account, "settlementBalance"), $"settlementBalance {Dollars(account, "settlementBalance")}, expected {balance}: {account}");
        Assert.True(Math.Max(0m, -balance) == Dollars(account, "netDebit"), $"netDebit {Dollars(account, "netDebit")}, expected {Math.Max(0m, -balance)}: {account}");
        Assert.True(collateralMonitor == Dollars(account, "collateralMonitor"), $"collateralMonitor {Dollars(account, "collateralMonitor")}, expected {collateralMonitor}: {account}");
        foreach (var (cusip, shares) in positions)
        {
            Assert.True(shares == Shares(account, cusip), $"{cusip}: {Shares(account, cusip)} shares, expected {shares}: {account}");
            Assert.True(0 == Reserved(account, cusip), $"{cusip}: {Reserved(account, cusip)} shares still reserved: {account}");
        }
    }

    private static string Money(decimal d) => d.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool b) => b ? "true" : "false";
}
