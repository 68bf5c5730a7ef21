using System.Text.Json;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Lending;

public sealed class LendingRecallFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private RealNode? _node;

    public LendingRecallDesk Recalls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _node = await RealNode.StartAsync(_folder.Path, o => o with { RecycleCutoffLocalTime = null });
        Recalls = new LendingRecallDesk(_node);
        await Recalls.Desk.Participant(Occ, cap: 0m, fund: 0m, marketLoan: false, ccp: true);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// Recalls on the real node (lending.md section 4, worked scenarios 4 and 5): the lender sends an
/// MT 526 through the hub's real route, the hub makes it available to the borrower, and lending
/// opens the recall on the pair's loans from the hub's published message; returns settle as SLR
/// deliver orders and reduce it; an MT 592 cancels it; an overdue recall shows its earliest buy-in
/// and close-out deadline; a return with no open loan and a recall beyond what is owed are kept as
/// exception records; a bad state filter is refused by rule.
/// </summary>
[Collection("real-node")]
public sealed class LendingRecallTests(LendingRecallFixture fixture) : IClassFixture<LendingRecallFixture>
{
    private readonly LendingRecallDesk _r = fixture.Recalls;

    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static DateTimeOffset NewYorkInstant(string date, int hour, int minute)
    {
        var local = DateOnly.ParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).ToDateTime(new TimeOnly(hour, minute));
        return new DateTimeOffset(local, NewYork.GetUtcOffset(local));
    }

    private static string? Str(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    private static string Reference(string prefix) => RecallMessages.FreshReference(prefix);

    [Fact]
    public async Task Scenarios_4_and_5_a_recall_met_by_a_return_closes_and_one_not_met_is_overdue_with_its_buy_in_and_close_out_dates()
    {
        const string L = "1701", B = "1702", L2 = "1703", B2 = "1704", Other = "1705";
        var x = LendingRecallDesk.CusipOf(1);
        foreach (var p in new[] { L, B, L2, B2, Other }) await _r.Firm(p);
        await _r.Desk.Security(x, price: "100", haircut: "0.1");
        await _r.Desk.Deposit(L, x, 1000);
        await _r.Desk.Deposit(L2, x, 1000);
        await _r.Loan("RCL-S4", L, B, x, 1000);
        await _r.Loan("RCL-S5", L2, B2, x, 1000);
        var d = await _r.Desk.BusinessDate();

        // Scenario 4: L recalls 400 X on D through the hub; the recall is open, due D+1.
        var s4 = await _r.Send(L, LendingRecallDesk.Recall526(Reference("S4-"), L, B, x, "400,"));
        Assert.Matches($"^{B}[0-9]{{12}}$", s4); // the control number the borrower's mailbox gave the MT 526
        var recall = await _r.RecallBecomes(B, s4, _ => true, "the recall opened for the borrower");
        Assert.Equal((s4, "open", 400L, 400L, d, Next(d)), (Str(recall, "id"), Str(recall, "state"), recall.GetProperty("shares").GetInt64(),
            recall.GetProperty("openShares").GetInt64(), Str(recall, "recalledOn"), Str(recall, "dueOn")));
        Assert.Equal(["RCL-S4"], recall.GetProperty("loanIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal((x, L, "borrower"), (Str(recall, "cusip"), Str(recall, "counterparty"), Str(recall, "side")));
        Assert.Null(Str(recall, "buyInFrom"));
        Assert.Null(Str(recall, "closeOutBy"));
        var lenderView = Assert.Single(await _r.Recalls(L));
        Assert.Equal((s4, "lender", B), (Str(lenderView, "controlNumber"), Str(lenderView, "side"), Str(lenderView, "counterparty")));

        // Scenario 5: L2 recalls 300 X on D; it is never returned.
        var s5 = await _r.Send(L2, LendingRecallDesk.Recall526(Reference("S5-"), L2, B2, x, "300,"));
        await _r.RecallBecomes(B2, s5, r => Str(r, "dueOn") == Next(d), "the second recall opened");
        // A firm party to neither sees neither; the loan shows the recall.
        Assert.Empty(await _r.Recalls(Other));
        var loanRecall = Assert.Single((await (await _r.Api.SendAsync(HttpMethod.Get, "/v1/loans/RCL-S4", Token(B))).AssertOk()).GetProperty("recalls").EnumerateArray().ToList());
        Assert.Equal((s4, 400L, "open", Next(d)), (Str(loanRecall, "controlNumber"), loanRecall.GetProperty("openShares").GetInt64(), Str(loanRecall, "state"), Str(loanRecall, "dueOn")));

        // D+1: both are due today, neither overdue yet; B returns 400 (SLR): the recall closes, the loan has 600 open.
        await _r.Desk.Close();
        Assert.Equal(Next(d), await _r.Desk.BusinessDate());
        Assert.Equal("open", Str(Assert.Single(await _r.Recalls(B2)), "state"));
        await _r.Return("RCL-S4-RET", B, L, x, 400, 40_800);
        var closed = await _r.RecallBecomes(B, s4, r => Str(r, "state") == "closed", "the recall closed by the return");
        Assert.Equal((0L, Next(d)), (closed.GetProperty("openShares").GetInt64(), Str(closed, "closedOn")));
        var loan = await (await _r.Api.SendAsync(HttpMethod.Get, "/v1/loans/RCL-S4", Token(L))).AssertOk();
        Assert.Equal((600L, "open"), (loan.GetProperty("openShares").GetInt64(), Str(loan, "state")));
        Assert.Equal("closed", Str(Assert.Single(loan.GetProperty("recalls").EnumerateArray().ToList()), "state"));
        Assert.Equal("RCL-S4-RET", Str(Assert.Single(loan.GetProperty("returns").EnumerateArray().ToList()), "deliverOrderId"));

        // D+2: the recall of 300 is overdue; earliest buy-in D+4 (third business day after the due
        // date, notice by noon two business days before), close-out by the market open of D+4.
        await _r.Desk.Close();
        var overdue = Assert.Single(await _r.Recalls(B2, "overdue"));
        Assert.Equal((s5, 300L, Next(d), Next(d, 4)), (Str(overdue, "id"), overdue.GetProperty("openShares").GetInt64(), Str(overdue, "dueOn"), Str(overdue, "buyInFrom")));
        Assert.Equal(NewYorkInstant(Next(d, 2), 12, 0), overdue.GetProperty("buyInNoticeBy").GetDateTimeOffset());
        Assert.Equal(NewYorkInstant(Next(d, 4), 9, 30), overdue.GetProperty("closeOutBy").GetDateTimeOffset());
        Assert.Empty(await _r.Recalls(B2, "open"));
        Assert.Equal(s5, Str(Assert.Single(await _r.Recalls(L2, "overdue", Risk)), "id"));
        Assert.Equal([s4], (await _r.Recalls(B, "closed")).Select(r => Str(r, "id")));
        Assert.Empty(await _r.Recalls(B, "overdue"));
    }

    [Fact]
    public async Task An_MT_592_cancels_what_is_open_and_a_recall_handed_again_opens_once()
    {
        const string L = "1711", B = "1712";
        var x = LendingRecallDesk.CusipOf(2);
        await _r.Firm(L);
        await _r.Firm(B);
        await _r.Desk.Security(x, price: "100", haircut: "0.1");
        await _r.Desk.Deposit(L, x, 500);
        await _r.Loan("RCL-C1", L, B, x, 300);
        await _r.Loan("RCL-C2", L, B, x, 200);

        // 350 recalled: the oldest loan first, then the next.
        var reference = Reference("C-");
        var message = LendingRecallDesk.Recall526(reference, L, B, x, "350,");
        var control = await _r.Send(L, message);
        Assert.Equal(control, await _r.Send(L, message)); // the same bytes again: the same control number, made available once
        var recall = await _r.RecallBecomes(L, control, _ => true, "the recall opened");
        Assert.Equal(["RCL-C1", "RCL-C2"], recall.GetProperty("loanIds").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(350L, recall.GetProperty("openShares").GetInt64());

        // A partial return of 100 reduces it; the MT 592 closes the 250 still open.
        await _r.Return("RCL-C-RET", B, L, x, 100, 10_200);
        await _r.RecallBecomes(L, control, r => r.GetProperty("openShares").GetInt64() == 250, "the return reducing the recall");
        await _r.Send(L, LendingRecallDesk.Cancel592(Reference("CX-"), reference, L, B));
        var cancelled = await _r.RecallBecomes(B, control, r => Str(r, "state") == "cancelled", "the recall cancelled");
        Assert.Equal(control, Str(Assert.Single(await _r.Recalls(B, "cancelled")), "id"));
        Assert.Empty(await _r.Recalls(B, "open"));
        Assert.Equal(350L, cancelled.GetProperty("shares").GetInt64());
        Assert.All((await (await _r.Api.SendAsync(HttpMethod.Get, "/v1/loans/RCL-C2", Token(B))).AssertOk()).GetProperty("recalls").EnumerateArray(),
            r => Assert.Equal("cancelled", Str(r, "state")));

        // Exactly one recall for the message sent twice; a cancel of a reference no recall had is an exception record.
        Assert.Single(await _r.Recalls(L));
        var stray = await _r.Send(L, LendingRecallDesk.Cancel592(Reference("CY-"), "NO-SUCH-RECALL", L, B));
        var record = await _r.ExceptionListed(B, stray);
        Assert.Equal(("recall-cancel", "recall-known", stray), (Str(record, "kind"), Str(record, "rule"), Str(record, "controlNumber")));
        Assert.Single(await _r.Recalls(L));
    }

    [Fact]
    public async Task A_recall_beyond_what_is_owed_opens_for_what_is_owed_and_a_return_without_a_loan_settles_and_both_are_listed_as_exceptions()
    {
        const string L = "1721", B = "1722", L3 = "1723", B3 = "1724", Other = "1725";
        var x = LendingRecallDesk.CusipOf(3);
        foreach (var p in new[] { L, B, L3, B3, Other }) await _r.Firm(p);
        await _r.Desk.Security(x, price: "100", haircut: "0.1");
        await _r.Desk.Deposit(L, x, 100);
        await _r.Desk.Deposit(B3, x, 50);
        await _r.Loan("RCL-X1", L, B, x, 100);

        // 250 recalled of the 100 owed: opened for 100, the 150 reported.
        var control = await _r.Send(L, LendingRecallDesk.Recall526(Reference("X-"), L, B, x, "250,"));
        var recall = await _r.RecallBecomes(B, control, _ => true, "the recall opened for what is owed");
        Assert.Equal((250L, 100L, 100L), (recall.GetProperty("requestedShares").GetInt64(), recall.GetProperty("shares").GetInt64(), recall.GetProperty("openShares").GetInt64()));
        var excess = await _r.ExceptionListed(L, control);
        Assert.Equal(("recall", "recall-exceeds-owed", "shares", 150L, control, (string?)null),
            (Str(excess, "kind"), Str(excess, "rule"), Str(excess, "field"), excess.GetProperty("shares").GetInt64(), Str(excess, "controlNumber"), Str(excess, "deliverOrderId")));
        Assert.Equal((L, B, x), (Str(excess, "from"), Str(excess, "to"), Str(excess, "cusip")));

        // B3 "returns" 50 X to L3, who never lent it any: the DO settles, and both see the exception.
        await _r.Return("RCL-ORPHAN", B3, L3, x, 50, 5_000);
        var orphan = await _r.ExceptionListed(L3, "RCL-ORPHAN");
        Assert.Equal(("deliver-order", "return-without-open-loan", "RCL-ORPHAN", (string?)null, 50L, 5_000.00m),
            (Str(orphan, "kind"), Str(orphan, "rule"), Str(orphan, "deliverOrderId"), Str(orphan, "controlNumber"), orphan.GetProperty("shares").GetInt64(), orphan.GetProperty("amount").GetDecimal()));
        Assert.Equal((B3, L3), (Str(orphan, "from"), Str(orphan, "to")));
        Assert.Contains(await _r.Exceptions(B3), e => Str(e, "id") == "RCL-ORPHAN");
        Assert.Empty((await (await _r.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{L3}/loans", Token(L3))).AssertOk()).GetProperty("loans").EnumerateArray());

        // A recall for a pair with nothing owed at all opens nothing and is kept too.
        var nothing = await _r.Send(L3, LendingRecallDesk.Recall526(Reference("N-"), L3, B3, x, "10,"));
        Assert.Equal("recall-without-open-loan", Str(await _r.ExceptionListed(B3, nothing), "rule"));
        Assert.Empty(await _r.Recalls(B3));

        // Each party sees only its own pairs' records; staff see them for any participant.
        Assert.Empty(await _r.Exceptions(Other));
        Assert.All(await _r.Exceptions(L), e => Assert.Contains(L, new[] { Str(e, "from"), Str(e, "to") }));
        Assert.DoesNotContain(await _r.Exceptions(L), e => Str(e, "id") == "RCL-ORPHAN");
        Assert.Contains(await _r.Exceptions(L3, Risk), e => Str(e, "id") == "RCL-ORPHAN");
        Assert.Contains(await _r.Exceptions(L3, Operator), e => Str(e, "id") == nothing);
    }

    [Fact]
    public async Task Bad_parameters_are_refused_naming_field_and_rule()
    {
        const string P = "1731";
        await _r.Firm(P);
        async Task Refused(string path, string token, int status, string rule, string field) =>
            await (await _r.Api.SendAsync(HttpMethod.Get, path, token)).AssertProblem(status, rule, field);

        await Refused($"/v1/participants/{P}/recalls?state=late", Token(P), 400, "recall-state", "state");
        await Refused($"/v1/participants/{P}/recalls?state=OPEN", Token(P), 400, "recall-state", "state");
        await Refused("/v1/participants/17/recalls", Risk, 400, "participant-id-format", "id");
        await Refused($"/v1/participants/{P}/recalls", Token("1732"), 403, "own-participant", "id");
        await Refused("/v1/participants/1799/recalls", Risk, 404, "participant-known", "id");
        await Refused("/v1/participants/17x1/loan-exceptions", Operator, 400, "participant-id-format", "id");
        await Refused($"/v1/participants/{P}/loan-exceptions", Token("1732"), 403, "own-participant", "id");
        await Refused("/v1/participants/1799/loan-exceptions", Risk, 404, "participant-known", "id");
        Assert.Empty(await _r.Recalls(P));
        Assert.Empty(await _r.Exceptions(P));
    }
}

/// <summary>
/// Recalls are journaled, and the hub's message reaches lending exactly once across a restart: the
/// node stops right after the hub answered the lender (lending may not have read the message yet);
/// on the same folder the recall opens once, and after another restart it reads the same.
/// </summary>
[Collection("real-node")]
public sealed class LendingRecallRestartTests
{
    [Fact]
    public async Task A_recall_made_available_before_a_stop_opens_once_after_it_and_survives_restarts()
    {
        const string L = "1741", B = "1742";
        var x = LendingRecallDesk.CusipOf(4);
        using var folder = new TempFolder();
        string control, before;
        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            var r = new LendingRecallDesk(node);
            await r.Desk.Participant(Occ, cap: 0m, fund: 0m, marketLoan: false, ccp: true);
            await r.Firm(L);
            await r.Firm(B);
            await r.Desk.Security(x, price: "100", haircut: "0.1");
            await r.Desk.Deposit(L, x, 1000);
            await r.Loan("RCL-R1", L, B, x, 1000);
            control = await r.Send(L, LendingRecallDesk.Recall526(RecallMessages.FreshReference("R-"), L, B, x, "400,"));
        }

        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            var r = new LendingRecallDesk(node);
            var recall = await r.RecallBecomes(B, control, _ => true, "the recall opened after the restart");
            Assert.Equal((400L, "open"), (recall.GetProperty("openShares").GetInt64(), recall.GetProperty("state").GetString()));
            Assert.Single(await r.Recalls(B));
            before = (await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/recalls", Token(B))).AssertOk()).ToString();
        }

        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            Assert.Equal(before, (await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/participants/{B}/recalls", Token(B))).AssertOk()).ToString());
            var loan = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/loans/RCL-R1", Token(L))).AssertOk();
            Assert.Equal(control, Assert.Single(loan.GetProperty("recalls").EnumerateArray().ToList()).GetProperty("controlNumber").GetString());
        }
    }
}
