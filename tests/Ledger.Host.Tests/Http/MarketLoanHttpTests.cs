using System.Text.Json;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Support.MarketLoanDesk;

namespace Ledger.Host.Tests;

/// <summary>One real node on a temporary SQLite folder, shared by the tests that need no cutoff; each test has a world of its own.</summary>
public sealed class MarketLoanNodeFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private RealNode? _node;
    private Task<MarketLoanWorld>? _rulesWorld;

    public MarketLoanDesk Desk { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _node = await RealNode.StartAsync(_folder.Path);
        Desk = new MarketLoanDesk(_node);
        await Desk.SetUpOccAsync();
    }

    /// <summary>The world of the reclaim endpoint's rules: scenario 9's, plus a deliver order pending for position.</summary>
    public Task<MarketLoanWorld> RulesWorld() => _rulesWorld ??= MakeRulesWorld();

    private async Task<MarketLoanWorld> MakeRulesWorld()
    {
        var w = await Desk.ReclaimWorld(6);
        await Desk.Submit(Order(w.Do("PEND"), w.L, w.B, w.Security, 5_000, "1"));
        Assert.Equal("position", Text(await Desk.Sees(w.Do("PEND"), "pending", Token(w.B), OccToken), "pendingReason"));
        await Desk.PutParticipant(w.X, "Bystander 6", 1_000_000m, 0m, marketLoan: true);
        return w;
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// atp-rules.md sections 3, 5, 6 and worked scenarios 5, 8 (with OCC's redelivery) and 9 through the
/// real HTTP host over the real node, with the demo tokens as users hold them: the operator sets up,
/// OCC submits the legs, the borrower reclaims, each party reads its deliver orders and its account.
/// The same scenarios through the gateway: Ledger.Cluster.Tests/MarketLoanTests.cs.
/// </summary>
[Collection("real-node")]
public sealed class MarketLoanHttpTests(MarketLoanNodeFixture fixture) : IClassFixture<MarketLoanNodeFixture>
{
    private readonly MarketLoanDesk _desk = fixture.Desk;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scenario_5_a_market_loan_completes_both_legs_by_look_ahead_in_either_order(bool borrowerLegFirst)
    {
        var w = await _desk.LoanWorld(borrowerLegFirst ? 2 : 1);
        string DO1 = w.Do("DO1"), DO2 = w.Do("DO2");
        var lend = Order(DO1, w.L, Occ, w.Security, 1_000, "100000");
        var borrow = Order(DO2, Occ, w.B, w.Security, 1_000, "100000");
        if (borrowerLegFirst)
        {
            await _desk.Submit(borrow);
            var pending = await _desk.Sees(DO2, "pending", OccToken, Token(w.B));
            Assert.Equal("position", Text(pending, "pendingReason"));
            await _desk.Submit(lend);
        }
        else
        {
            await _desk.Submit(lend);
            var pending = await _desk.Sees(DO1, "pending", OccToken, Token(w.L));
            Assert.Equal("net-debit-cap", Text(pending, "pendingReason"));
            await _desk.Submit(borrow);
        }

        var lent = await _desk.Sees(DO1, "completed", Token(w.L), OccToken);
        var borrowed = await _desk.Sees(DO2, "completed", Token(w.B), OccToken);
        Assert.Equal("look-ahead", Text(lent, "completedBy"));
        Assert.Equal("look-ahead", Text(borrowed, "completedBy"));
        Assert.Equal(100_000.00m, borrowed.GetProperty("amount").GetDecimal());
        Assert.Equal(1_000, borrowed.GetProperty("shares").GetInt64());
        // Neither party sees the other's leg.
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{DO2}", Token(w.L))).AssertProblem(403, "deliver-order-party", "id");
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{DO1}", Token(w.B))).AssertProblem(403, "deliver-order-party", "id");

        // L: -80,000 + 100,000 = 20,000; CM 20,000 (no Apple left). B: -100,000; CM 50,000 - 100,000 + 90,000.
        var l = await _desk.AccountWhen(w.L, a => Dollars(a, "collateralMonitor") == 20_000.00m, $"{w.L} credited");
        AssertAccount(l, 20_000.00m, 20_000.00m, (w.Security, 0), (JunkAt100, 800));
        AssertAccount(await _desk.Account(w.B), -100_000.00m, 40_000.00m, (w.Security, 1_000));
        Assert.Empty((await _desk.Account(w.B)).GetProperty("pending").EnumerateArray());
        await _desk.AssertOccFlat($"W{w.N}-");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scenario_8_a_reclaim_into_occ_waits_for_occs_redelivery_and_completes_with_it(bool redeliveryFirst)
    {
        var w = await _desk.LoanWorld(redeliveryFirst ? 4 : 3);
        string DO1 = w.Do("DO1"), DO2 = w.Do("DO2"), DO3 = w.Do("DO3"), RC1 = Filed(w.B, w.Do("RC1"));
        await _desk.Submit(Order(DO1, w.L, Occ, w.Security, 1_000, "100000"), Order(DO2, Occ, w.B, w.Security, 1_000, "100000"));
        Assert.Equal("look-ahead", Text(await _desk.Sees(DO2, "completed", Token(w.B), OccToken), "completedBy"));
        Assert.Equal("look-ahead", Text(await _desk.Sees(DO1, "completed", Token(w.L), OccToken), "completedBy"));
        await _desk.AccountWhen(w.L, a => Dollars(a, "settlementBalance") == 20_000.00m, $"{w.L} credited for the loan");

        var redeliver = Order(DO3, Occ, w.L, w.Security, 1_000, "100000");
        if (redeliveryFirst)
        {
            await _desk.Submit(redeliver);
            Assert.Equal("position", Text(await _desk.Sees(DO3, "pending", OccToken, Token(w.L)), "pendingReason"));
        }
        await _desk.ReclaimAccepted(w.B, w.Do("RC1"), DO2);
        if (!redeliveryFirst)
        {
            // $100,000 < $15M, but a reclaim into OCC does not override OCC's zero cap.
            Assert.Equal("net-debit-cap", Text(await _desk.Sees(RC1, "pending", Token(w.B), OccToken), "pendingReason"));
            await _desk.Submit(redeliver);
        }

        var reclaim = await _desk.Sees(RC1, "completed", Token(w.B), OccToken);
        Assert.Equal("look-ahead", Text(reclaim, "completedBy"));
        Assert.Equal(DO2, Text(reclaim, "reclaimOf"));
        Assert.Equal(w.B, Text(reclaim, "deliverer"));
        Assert.Equal(Occ, Text(reclaim, "receiver"));
        Assert.Equal(w.Security, Text(reclaim, "cusip"));
        Assert.Equal(1_000, reclaim.GetProperty("shares").GetInt64());
        Assert.Equal(100_000.00m, reclaim.GetProperty("amount").GetDecimal());
        Assert.Equal("look-ahead", Text(await _desk.Sees(DO3, "completed", Token(w.L), OccToken), "completedBy"));
        Assert.Equal("completed", Text(await _desk.DeliverOrder(DO2, Token(w.B)), "status"));

        // L: back to where it was before the loan; B: as before the loan.
        var l = await _desk.AccountWhen(w.L, a => Shares(a, w.Security) == 1_000, $"shares back at {w.L}");
        AssertAccount(l, -80_000.00m, 10_000.00m, (w.Security, 1_000), (JunkAt100, 800));
        var b = await _desk.AccountWhen(w.B, a => Dollars(a, "settlementBalance") == 0m, $"{w.B} paid back");
        AssertAccount(b, 0.00m, 50_000.00m, (w.Security, 0));
        Assert.Empty(b.GetProperty("pending").EnumerateArray());
        await _desk.AssertOccFlat($"W{w.N}-");
    }

    [Fact]
    public async Task Scenario_9_a_reclaim_between_ordinary_participants_completes_at_once_overriding_controls()
    {
        var w = await _desk.ReclaimWorld(5);
        string DO1 = w.Do("DO1"), RC1 = Filed(w.B, w.Do("RC1"));

        await _desk.ReclaimAccepted(w.B, w.Do("RC1"), DO1);

        var reclaim = await _desk.Sees(RC1, "completed", Token(w.B), Token(w.L), OccToken);
        Assert.Equal("reclaim-override", Text(reclaim, "completedBy"));
        Assert.Equal(DO1, Text(reclaim, "reclaimOf"));
        Assert.Equal(w.B, Text(reclaim, "deliverer"));
        Assert.Equal(w.L, Text(reclaim, "receiver"));
        Assert.Equal(100_000.00m, reclaim.GetProperty("amount").GetDecimal());
        // L: -100,000 - 100,000 = -200,000, over its $100,000 cap; CM 100,000 - 200,000 + 90,000 = -10,000: only the override allows it.
        var l = await _desk.AccountWhen(w.L, a => Shares(a, w.Security) == 1_000, $"shares back at {w.L}");
        AssertAccount(l, -200_000.00m, -10_000.00m, (w.Security, 1_000), (JunkAt1, 1_000));
        Assert.Equal(100_000.00m, Dollars(l, "netDebitCap"));
        var b = await _desk.AccountWhen(w.B, a => Dollars(a, "settlementBalance") == 0m, $"{w.B} paid back");
        AssertAccount(b, 0.00m, 10_000_000.00m, (w.Security, 0));
        await _desk.AssertOccFlat($"W{w.N}-");
    }

    [Fact]
    public async Task Reclaims_answer_401_without_a_token()
    {
        var w = await fixture.RulesWorld();
        var response = await _desk.Reclaim(null, w.Do("R-401"), w.Do("DO1"));
        await response.AssertProblem(401, "bearer-token");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData(OccToken)]
    [InlineData(Operator)]
    [InlineData(Risk)]
    public async Task Only_a_participant_may_reclaim_other_roles_get_403(string token)
    {
        var w = await fixture.RulesWorld();
        await (await _desk.Reclaim(token, w.Do("R-403"), w.Do("DO1"))).AssertProblem(403, "role");
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{Filed(w.B, w.Do("R-403"))}", OccToken)).AssertProblem(404, "deliver-order-known", "id");
    }

    public static TheoryData<string, string, string> BadBodies() => new()
    {
        // body ({0} is the original deliver order id), rule, field
        { """{"deliverOrderId":"{0}"}""", "required", "id" },
        { """{"id":null,"deliverOrderId":"{0}"}""", "required", "id" },
        { """{"id":"R 1","deliverOrderId":"{0}"}""", "reclaim-id-format", "id" },
        { """{"id":"R/1","deliverOrderId":"{0}"}""", "reclaim-id-format", "id" },
        { """{"id":"","deliverOrderId":"{0}"}""", "reclaim-id-format", "id" },
        // 59 characters is the most: filed as "PPPP~" and the id, it stays within a deliver order id's 64.
        { "{\"id\":\"" + new string('R', 60) + "\",\"deliverOrderId\":\"{0}\"}", "reclaim-id-format", "id" },
        // A participant names only the reference; the namespace is the token's.
        { """{"id":"0062~R-1","deliverOrderId":"{0}"}""", "reclaim-id-format", "id" },
        { """{"id":7,"deliverOrderId":"{0}"}""", "json-type", "id" },
        { """{"id":"R-1"}""", "required", "deliverOrderId" },
        { """{"id":"R-1","deliverOrderId":"no such id"}""", "deliver-order-id-format", "deliverOrderId" },
        { """{"id":"R-1","deliverOrderId":"{0}","memo":"x"}""", "field-known", "memo" },
        { """{"id":"R-1","deliverOrderId":"{0}","reclaimer":"0062"}""", "field-known", "reclaimer" },
        { """{"id":"R-1","deliverOrderId":"{0}","id":"R-2"}""", "field-unique", "id" },
        { """{"id":"R-1","deliverOrderId":"{0}" """, "json-syntax", "body" },
        { """{"id":"R-1","deliverOrderId":"{0}",}""", "json-syntax", "body" },
        { "", "json-syntax", "body" },
        { """["{0}"]""", "json-type", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_malformed_reclaim_is_400_naming_the_field_and_changes_nothing(string body, string rule, string field)
    {
        var w = await fixture.RulesWorld();
        var before = await _desk.Account(w.B);
        var original = await _desk.DeliverOrder(w.Do("DO1"), Token(w.B));

        var response = await _desk.Api.SendAsync(HttpMethod.Post, "/v1/reclaims", Token(w.B), body.Replace("{0}", w.Do("DO1")));

        await response.AssertProblem(400, rule, field);
        Assert.Equal(before.ToString(), (await _desk.Account(w.B)).ToString());
        Assert.Equal(original.ToString(), (await _desk.DeliverOrder(w.Do("DO1"), Token(w.B))).ToString());
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{Filed(w.B, "R-1")}", OccToken)).AssertProblem(404, "deliver-order-known", "id");
    }

    [Fact]
    public async Task Reclaims_are_403_for_unknown_and_other_firms_deliver_orders_and_409_for_pending_and_already_reclaimed_ones()
    {
        var w = await fixture.RulesWorld();
        string DO1 = w.Do("DO1"), PEND = w.Do("PEND");
        var lBefore = (await _desk.Account(w.L)).ToString();
        var bBefore = (await _desk.Account(w.B)).ToString();

        // Unknown, and not the original receiver (a bystander, and the deliverer itself): 403 alike, so ids do not leak.
        await (await _desk.Reclaim(Token(w.B), w.Do("R-1"), w.Do("NO-SUCH"))).AssertProblem(403, "reclaim-by-receiver", "deliverOrderId");
        await (await _desk.Reclaim(Token(w.X), w.Do("R-2"), DO1)).AssertProblem(403, "reclaim-by-receiver", "deliverOrderId");
        await (await _desk.Reclaim(Token(w.L), w.Do("R-3"), DO1)).AssertProblem(403, "reclaim-by-receiver", "deliverOrderId");
        // Not completed.
        await (await _desk.Reclaim(Token(w.B), w.Do("R-4"), PEND)).AssertProblem(409, "reclaim-of-completed", "deliverOrderId");
        Assert.Equal(lBefore, (await _desk.Account(w.L)).ToString());
        Assert.Equal(bBefore, (await _desk.Account(w.B)).ToString());
        Assert.Equal("pending", Text(await _desk.DeliverOrder(PEND, Token(w.B)), "status"));

        await _desk.ReclaimAccepted(w.B, w.Do("R-5"), DO1);
        var reclaim = await _desk.Sees(Filed(w.B, w.Do("R-5")), "completed", Token(w.B), Token(w.L), OccToken);
        Assert.Equal(DO1, Text(reclaim, "reclaimOf"));
        await _desk.AccountWhen(w.B, a => Dollars(a, "settlementBalance") == 0m, $"{w.B} paid back");

        // Once only, whatever the new id.
        await (await _desk.Reclaim(Token(w.B), w.Do("R-6"), DO1)).AssertProblem(409, "reclaim-once", "deliverOrderId");
        foreach (var (by, refused) in new[] { (w.B, "R-1"), (w.X, "R-2"), (w.L, "R-3"), (w.B, "R-4"), (w.B, "R-6") })
            await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{Filed(by, w.Do(refused))}", OccToken)).AssertProblem(404, "deliver-order-known", "id");

        var l = await _desk.AccountWhen(w.L, a => Shares(a, w.Security) == 1_000, $"shares back at {w.L}");
        Assert.Equal(-200_000.00m, Dollars(l, "settlementBalance"));
        Assert.Equal(-10_000.00m, Dollars(l, "collateralMonitor"));
        AssertAccount(await _desk.Account(w.B), 0.00m, 10_000_000.00m, (w.Security, 0));
        AssertAccount(await _desk.Account(w.X), 0.00m, 0.00m, (w.Security, 0));
        Assert.Equal("pending", Text(await _desk.DeliverOrder(PEND, Token(w.L)), "status"));
        await _desk.AssertOccFlat();
    }

    /// <summary>
    /// Scenario 5's loan explained to each desk: the borrower sees its own receive of its leg, with OCC
    /// as counterparty and nothing of the lender (no id, no figures, not OCC's pairing); the lender the
    /// same of the borrower; risk, OCC and the operator see both legs' parties and OCC's look-ahead.
    /// </summary>
    [Fact]
    public async Task Each_party_explanation_of_a_market_loan_leg_shows_its_own_account_only_and_risk_occ_and_the_operator_see_both()
    {
        var w = await _desk.LoanWorld(9);
        string DO1 = w.Do("DO1"), DO2 = w.Do("DO2");
        await _desk.Submit(Order(DO1, w.L, Occ, w.Security, 1_000, "100000"), Order(DO2, Occ, w.B, w.Security, 1_000, "100000"));
        await _desk.Sees(DO2, "completed", Token(w.B), OccToken);
        await _desk.Sees(DO1, "completed", Token(w.L), OccToken);

        async Task<JsonElement> Explain(string id, string token) =>
            await _desk.Node.EventuallyAsync($"/v1/deliver-orders/{id}/explanation", token,
                x => x.GetProperty("finalState").GetString() == "completed" && x.GetProperty("steps").GetArrayLength() > 1, $"{id} explained to {token}");
        static string[] Accounts(JsonElement x) =>
            x.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("participant").GetString()!).Distinct().Order(StringComparer.Ordinal).ToArray();

        var borrowers = await Explain(DO2, Token(w.B));
        Assert.Equal([w.B, "index"], Accounts(borrowers));
        Assert.DoesNotContain(w.L, borrowers.ToString());
        Assert.DoesNotContain(DO1, borrowers.ToString());
        Assert.Equal(JsonValueKind.Null, borrowers.GetProperty("lookAheadPartner").ValueKind);
        Assert.Equal((Occ, w.B), (Text(borrowers, "deliverer"), Text(borrowers, "receiver")));
        // B's own monitor before the loan ($50,000), never L's ($10,000) nor OCC's.
        Assert.All(borrowers.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("inputs").ValueKind == JsonValueKind.Object),
            s => Assert.Equal(50_000.00m, s.GetProperty("inputs").GetProperty("collateralMonitor").GetDecimal()));

        var lenders = await Explain(DO1, Token(w.L));
        Assert.Equal([w.L, "index"], Accounts(lenders));
        Assert.DoesNotContain(w.B, lenders.ToString());
        Assert.DoesNotContain(DO2, lenders.ToString());
        Assert.Equal(JsonValueKind.Null, lenders.GetProperty("lookAheadPartner").ValueKind);
        Assert.All(lenders.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("inputs").ValueKind == JsonValueKind.Object),
            s => Assert.Equal(10_000.00m, s.GetProperty("inputs").GetProperty("collateralMonitor").GetDecimal()));

        foreach (var token in new[] { Risk, OccToken, Operator })
        {
            var all = await Explain(DO2, token);
            Assert.Equal(new[] { w.L, w.B, Occ, "index" }.Order(StringComparer.Ordinal), Accounts(all));
            Assert.Equal(DO1, Text(all, "lookAheadPartner"));
        }
        // Another firm: the same 403 as for an id that does not exist.
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{DO2}/explanation", Token(w.L))).AssertProblem(403, "deliver-order-party", "id");
        await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{w.Do("NO-SUCH")}/explanation", Token(w.L))).AssertProblem(403, "deliver-order-party", "id");
    }

    /// <summary>
    /// A borrower names its reclaim after the id OCC will give tomorrow's loan leg: the ledger files the
    /// reclaim under the borrower's own number, so OCC's submission of that id still goes in, and OCC
    /// cannot submit an id in the borrower's namespace.
    /// </summary>
    [Fact]
    public async Task A_participants_reclaim_never_takes_an_id_OCC_submits_later()
    {
        var w = await _desk.ReclaimWorld(7);
        var tomorrow = w.Do("NEXT-00001-L");

        var reclaim = await _desk.ReclaimAccepted(w.B, tomorrow, w.Do("DO1"));
        Assert.Equal(w.B + "~" + tomorrow, Text(reclaim, "id"));
        await _desk.Sees(Filed(w.B, tomorrow), "completed", Token(w.B), Token(w.L), OccToken);

        await _desk.Submit(Order(tomorrow, w.L, w.B, w.Security, 10, "1000"));
        var occs = await _desk.DeliverOrder(tomorrow, OccToken);
        Assert.Equal((w.L, w.B, 10L), (Text(occs, "deliverer"), Text(occs, "receiver"), occs.GetProperty("shares").GetInt64()));
        Assert.Null(Text(occs, "reclaimOf"));

        var intoNamespace = await (await _desk.Api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", OccToken,
            "[" + Order(Filed(w.B, w.Do("NEXT-00002-L")), w.L, w.B, w.Security, 10, "1000") + "]")).AssertOk();
        Assert.False(intoNamespace[0].GetProperty("accepted").GetBoolean());
        Assert.Equal("deliver-order-id-format", intoNamespace[0].GetProperty("error").GetProperty("rule").GetString());
    }

    /// <summary>
    /// A refused reclaim is answered for what it asks, never for which ids exist: as the reclaim's own
    /// id, one OCC has taken and one nobody has get the very same problem, and as the deliver order
    /// reclaimed, an unknown id and another firm's get the very same 403.
    /// </summary>
    [Fact]
    public async Task A_refused_reclaim_answers_the_same_whether_or_not_its_ids_exist()
    {
        var w = await _desk.ReclaimWorld(8);
        await _desk.Submit(Order(w.Do("PEND"), w.L, w.B, w.Security, 5_000, "1"));
        await _desk.Sees(w.Do("PEND"), "pending", Token(w.B), OccToken);
        await _desk.PutParticipant(w.X, "Bystander 8", 1_000_000m, 0m, marketLoan: true);

        async Task<string> Refusal(string token, string id, string original, int status, string rule)
        {
            var response = await _desk.Reclaim(token, id, original);
            var problem = await response.AssertProblem(status, rule, "deliverOrderId");
            // The trace id differs by request; the deliver order reclaimed is named as asked.
            return $"{problem.GetProperty("status")} {problem.GetProperty("rule")} {problem.GetProperty("field")} {problem.GetProperty("title")} {problem.GetProperty("detail").GetString()!.Replace(original, "{original}")}";
        }

        // The reclaim's id: taken by OCC (DO1, PEND) or free.
        var taken = await Refusal(Token(w.B), w.Do("DO1"), w.Do("PEND"), 409, "reclaim-of-completed");
        var free = await Refusal(Token(w.B), w.Do("FREE-1"), w.Do("PEND"), 409, "reclaim-of-completed");
        Assert.Equal(taken, free);

        // The deliver order reclaimed: unknown, or another firm's.
        var unknown = await Refusal(Token(w.X), w.Do("R-1"), w.Do("NO-SUCH"), 403, "reclaim-by-receiver");
        var others = await Refusal(Token(w.X), w.Do("R-1"), w.Do("DO1"), 403, "reclaim-by-receiver");
        Assert.Equal(unknown, others);

        foreach (var id in new[] { Filed(w.B, w.Do("DO1")), Filed(w.B, w.Do("FREE-1")), Filed(w.X, w.Do("R-1")) })
            await (await _desk.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}", OccToken)).AssertProblem(404, "deliver-order-known", "id");
    }
}

/// <summary>
/// A second real node for the scenarios that end at the recycle cutoff. It builds every world first,
/// records what each party sees before the cutoff, then the operator cuts off once; the tests check
/// each world. The worlds have CUSIPs of their own, so OCC cannot pair one world's leg with another's.
/// </summary>
public sealed class MarketLoanCutoffFixture : IAsyncLifetime
{
    public const int Scenario6 = 11, SharesOff = 12, CentOff = 13, DollarsOff = 14, Scenario8 = 15;

    private readonly TempFolder _folder = new();
    private RealNode? _node;

    public MarketLoanDesk Desk { get; private set; } = null!;

    public Dictionary<int, MarketLoanWorld> Worlds { get; } = new();

    /// <summary>What the deliver orders looked like just before the cutoff, by id.</summary>
    public Dictionary<string, JsonElement> Before { get; } = new();

    public JsonElement ReclaimAnswer { get; private set; }

    public JsonElement Cutoff { get; private set; }

    public async Task InitializeAsync()
    {
        _node = await RealNode.StartAsync(_folder.Path);
        Desk = new MarketLoanDesk(_node);
        await Desk.SetUpOccAsync();

        var legs = new (int World, decimal Cap, long BorrowShares, string BorrowAmount)[]
        {
            (Scenario6, 60_000m, 1_000, "100000"),
            (SharesOff, 1_000_000m, 999, "100000"),
            (CentOff, 1_000_000m, 1_000, "99999.99"),
            (DollarsOff, 1_000_000m, 1_000, "99000"),
            (Scenario8, 1_000_000m, 1_000, "100000"),
        };
        foreach (var (n, cap, shares, amount) in legs)
        {
            var w = Worlds[n] = await Desk.LoanWorld(n, cap);
            await Desk.Submit(Order(w.Do("DO1"), w.L, Occ, w.Security, 1_000, "100000"), Order(w.Do("DO2"), Occ, w.B, w.Security, shares, amount));
        }

        foreach (var (n, _, _, _) in legs.Where(l => l.World != Scenario8))
        {
            foreach (var id in new[] { Worlds[n].Do("DO1"), Worlds[n].Do("DO2") })
                Before[id] = await Desk.Poll($"/v1/deliver-orders/{id}", OccToken, v => MarketLoanDesk.Is(v, "status", "pending"));
        }

        // Scenario 8 without OCC's redelivery: the loan completes, B reclaims, the reclaim waits at OCC.
        var s8 = Worlds[Scenario8];
        foreach (var id in new[] { s8.Do("DO1"), s8.Do("DO2") })
            Before[id] = await Desk.Poll($"/v1/deliver-orders/{id}", OccToken, v => MarketLoanDesk.Is(v, "status", "completed"));
        await Desk.Poll($"/v1/participants/{s8.L}/account", Token(s8.L), a => Dollars(a, "settlementBalance") == 20_000m);
        var reclaim = await Desk.Reclaim(Token(s8.B), s8.Do("RC1"), s8.Do("DO2"));
        ReclaimAnswer = await reclaim.Json();
        var rc1 = MarketLoanDesk.Filed(s8.B, s8.Do("RC1"));
        Before[rc1] = await Desk.Poll($"/v1/deliver-orders/{rc1}", Token(s8.B), v => MarketLoanDesk.Is(v, "status", "pending"));

        Cutoff = await (await Desk.Api.SendAsync(HttpMethod.Post, "/v1/business-day/cutoff", Operator)).AssertOk();
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// Worked scenarios 6, 7 and 8 (without OCC's redelivery) through the real HTTP host: what stays
/// pending all day drops at the operator's cutoff, and every account ends as it began.
/// </summary>
[Collection("real-node")]
public sealed class MarketLoanCutoffHttpTests(MarketLoanCutoffFixture fixture) : IClassFixture<MarketLoanCutoffFixture>
{
    private readonly MarketLoanDesk _desk = fixture.Desk;

    private void AssertPendingBefore(string id, string reason)
    {
        var view = fixture.Before[id];
        Assert.True(view.ValueKind == JsonValueKind.Object && Is(view, "status", "pending"), $"{id} before the cutoff: expected pending, got {view}");
        Assert.Equal(reason, Text(view, "pendingReason"));
    }

    /// <summary>Both legs dropped, seen alike by OCC and the party; L and B exactly as before the loan; OCC flat.</summary>
    private async Task AssertLoanDropped(MarketLoanWorld w)
    {
        Assert.True(fixture.Cutoff.GetProperty("ok").GetBoolean(), fixture.Cutoff.ToString());
        await _desk.Sees(w.Do("DO1"), "dropped", OccToken, Token(w.L));
        await _desk.Sees(w.Do("DO2"), "dropped", OccToken, Token(w.B));
        var l = await _desk.AccountWhen(w.L, a => Reserved(a, w.Security) == 0 && a.GetProperty("pending").GetArrayLength() == 0, $"{w.L} released");
        AssertAccount(l, -80_000.00m, 10_000.00m, (w.Security, 1_000), (JunkAt100, 800));
        Assert.True(l.GetProperty("cutoffReached").GetBoolean());
        var b = await _desk.AccountWhen(w.B, a => a.GetProperty("pending").GetArrayLength() == 0, $"{w.B} released");
        AssertAccount(b, 0.00m, 50_000.00m, (w.Security, 0));
        await _desk.AssertOccFlat($"W{w.N}-");
    }

    [Fact]
    public async Task Scenario_6_a_pair_that_breaks_the_borrowers_cap_stays_pending_and_drops_at_the_cutoff()
    {
        var w = fixture.Worlds[MarketLoanCutoffFixture.Scenario6];
        AssertPendingBefore(w.Do("DO1"), "net-debit-cap");
        AssertPendingBefore(w.Do("DO2"), "net-debit-cap");
        await AssertLoanDropped(w);
    }

    [Theory]
    [InlineData(MarketLoanCutoffFixture.SharesOff)]
    [InlineData(MarketLoanCutoffFixture.CentOff)]
    [InlineData(MarketLoanCutoffFixture.DollarsOff)]
    public async Task Scenario_7_legs_that_differ_by_a_share_or_a_cent_or_1000_dollars_never_pair_at_occ_and_drop_at_the_cutoff(int world)
    {
        var w = fixture.Worlds[world];
        AssertPendingBefore(w.Do("DO1"), "net-debit-cap");
        AssertPendingBefore(w.Do("DO2"), "position");
        await AssertLoanDropped(w);
    }

    [Fact]
    public async Task Scenario_8_without_occs_redelivery_the_reclaim_drops_at_the_cutoff_and_the_borrower_keeps_the_loan()
    {
        var w = fixture.Worlds[MarketLoanCutoffFixture.Scenario8];
        string DO2 = w.Do("DO2"), RC1 = Filed(w.B, w.Do("RC1"));
        Assert.True(Is(fixture.Before[w.Do("DO1")], "status", "completed"), fixture.Before[w.Do("DO1")].ToString());
        Assert.True(Is(fixture.Before[DO2], "status", "completed"), fixture.Before[DO2].ToString());
        Assert.True(fixture.ReclaimAnswer.GetProperty("accepted").GetBoolean(), fixture.ReclaimAnswer.ToString());
        Assert.Equal(RC1, Text(fixture.ReclaimAnswer, "id"));
        AssertPendingBefore(RC1, "net-debit-cap");
        Assert.True(fixture.Cutoff.GetProperty("ok").GetBoolean(), fixture.Cutoff.ToString());

        var dropped = await _desk.Sees(RC1, "dropped", Token(w.B), OccToken);
        Assert.Equal(DO2, Text(dropped, "reclaimOf"));
        Assert.Null(Text(dropped, "completedBy"));
        Assert.Equal("completed", Text(await _desk.DeliverOrder(DO2, Token(w.B)), "status"));
        Assert.Equal("completed", Text(await _desk.DeliverOrder(w.Do("DO1"), Token(w.L)), "status"));

        // The loan stands: L as after scenario 5, B keeps the shares and the debit.
        var b = await _desk.AccountWhen(w.B, a => Reserved(a, w.Security) == 0 && a.GetProperty("pending").GetArrayLength() == 0, $"{w.B} released");
        AssertAccount(b, -100_000.00m, 40_000.00m, (w.Security, 1_000));
        AssertAccount(await _desk.Account(w.L), 20_000.00m, 20_000.00m, (w.Security, 0), (JunkAt100, 800));
        await _desk.AssertOccFlat($"W{w.N}-");
    }

    [Fact]
    public async Task After_the_cutoff_nothing_of_any_world_is_pending_at_occ_and_occ_is_flat()
    {
        Assert.True(fixture.Cutoff.GetProperty("ok").GetBoolean(), fixture.Cutoff.ToString());
        await _desk.Node.EventuallyAsync($"/v1/participants/{Occ}/account", Token(Occ), a => a.GetProperty("pending").GetArrayLength() == 0, "OCC's pending list emptying");
        await _desk.AssertOccFlat(nothingPending: true);
    }
}
