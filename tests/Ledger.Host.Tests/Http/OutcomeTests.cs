using System.Text.Json;
using Ledger.Cluster;
using Ledger.Settlement;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>What each endpoint answers when the ledger accepts, refuses or fails.</summary>
public sealed class OutcomeTests
{
    [Fact]
    public async Task Put_participant_answers_the_participant_and_passes_exact_amounts()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        var body = await (await host.SendAsync(HttpMethod.Put, "/v1/participants/0004", "operator-demo",
            """{"name":"Fourth","netDebitCap":80000.10,"participantsFund":50000.01,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();

        Assert.Equal("0004", body.GetProperty("id").GetString());
        Assert.Equal("Fourth", body.GetProperty("name").GetString());
        Assert.Equal(80000.10m, body.GetProperty("netDebitCap").GetDecimal());
        Assert.Equal(50000.01m, body.GetProperty("participantsFund").GetDecimal());
        Assert.True(body.GetProperty("marketLoanProgram").GetBoolean());
        Assert.False(body.GetProperty("centralCounterparty").GetBoolean());
        Assert.Equal(["put-participant"], ledger.Changes);
        var account = await (await host.SendAsync(HttpMethod.Get, "/v1/participants/0004/account", "participant-0004")).AssertOk();
        Assert.Equal(80000.10m, account.GetProperty("netDebitCap").GetDecimal());
    }

    [Fact]
    public async Task Put_security_answers_the_terms()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        var body = await (await host.SendAsync(HttpMethod.Put, "/v1/securities/38259P508", "operator-demo", """{"price":101.25,"haircut":0.125}""")).AssertOk();

        Assert.Equal("38259P508", body.GetProperty("cusip").GetString());
        Assert.Equal(101.25m, body.GetProperty("price").GetDecimal());
        Assert.Equal(0.125m, body.GetProperty("haircut").GetDecimal());
        Assert.Equal(["put-security"], ledger.Changes);
    }

    [Fact]
    public async Task Deposit_and_payment_answer_the_account_afterwards()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        var afterDeposit = await (await host.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", """{"cusip":"037833100","shares":1000}""")).AssertOk();
        var afterPayment = await (await host.SendAsync(HttpMethod.Post, "/v1/participants/0001/settlement-progress-payments", "operator-demo", """{"amount":30000.05}""")).AssertOk();

        Assert.Equal(1000, afterDeposit.GetProperty("positions")[0].GetProperty("shares").GetInt64());
        Assert.Equal("037833100", afterDeposit.GetProperty("positions")[0].GetProperty("cusip").GetString());
        Assert.Equal(30000.05m, afterPayment.GetProperty("settlementBalance").GetDecimal());
        Assert.Equal(["deposit", "settlement-progress-payment"], ledger.Changes);
    }

    [Fact]
    public async Task A_participant_sees_its_own_deliver_order_as_deliverer_or_receiver()
    {
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending", "net-debit-cap");
        await using var host = await ApiHost.StartAsync(ledger);

        var view = await (await host.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-1", "participant-0002")).AssertOk();

        Assert.Equal("DO-1", view.GetProperty("id").GetString());
        Assert.Equal("pending", view.GetProperty("status").GetString());
        Assert.Equal("net-debit-cap", view.GetProperty("pendingReason").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("completedBy").ValueKind);
    }

    [Theory]
    [InlineData(CancelOutcome.Cancelled, 200)]
    [InlineData(CancelOutcome.Requested, 202)]
    public async Task A_cancel_that_is_done_or_requested_answers_the_deliver_order(CancelOutcome outcome, int status)
    {
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending", "collateral");
        ledger.CancelOutcomeOverride = outcome;
        await using var host = await ApiHost.StartAsync(ledger);

        var body = await (await host.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-1", "participant-0001")).AssertOk(status);

        Assert.Equal("DO-1", body.GetProperty("id").GetString());
        Assert.Equal(["cancel"], ledger.Changes);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("dropped")]
    [InlineData("cancelled")]
    public async Task Cancelling_a_deliver_order_that_is_no_longer_pending_is_409(string status)
    {
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, status);
        await using var host = await ApiHost.StartAsync(ledger);

        var problem = await (await host.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-1", "occ-demo")).AssertProblem(409, "deliver-order-pending", "id");

        Assert.Contains(status, problem.GetProperty("detail").GetString());
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_deliver_order_that_became_final_before_the_ledger_cancelled_it_is_409()
    {
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending", "position");
        ledger.CancelOutcomeOverride = CancelOutcome.NotPending;
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-1", "occ-demo")).AssertProblem(409, "deliver-order-pending", "id");
    }

    [Fact]
    public async Task Cancelling_an_unknown_deliver_order_is_404_for_occ_and_403_for_a_participant()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-404", "occ-demo")).AssertProblem(404, "deliver-order-known", "id");
        await (await host.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-404", "participant-0001")).AssertProblem(403, "deliver-order-party", "id");
    }

    [Fact]
    public async Task A_cancel_the_ledger_finds_no_deliver_order_for_is_404()
    {
        var ledger = FakeLedger.Seeded();
        ledger.AddDeliverOrder("DO-1", FakeLedger.Lender, FakeLedger.Borrower, "pending");
        ledger.CancelOutcomeOverride = CancelOutcome.NotFound;
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Delete, "/v1/deliver-orders/DO-1", "occ-demo")).AssertProblem(404, "deliver-order-known", "id");
    }

    [Fact]
    public async Task Cutoff_and_close_answer_the_business_day_result()
    {
        await using var host = await ApiHost.StartAsync(FakeLedger.Seeded());

        var cutoff = await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/cutoff", "operator-demo")).AssertOk();
        var close = await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk();

        Assert.True(cutoff.GetProperty("ok").GetBoolean());
        Assert.Equal("2026-01-05", cutoff.GetProperty("businessDate").GetString());
        Assert.Equal("2026-01-06", close.GetProperty("nextBusinessDate").GetString());
        Assert.Equal(4, close.GetProperty("accounts").GetInt32());
    }

    [Fact]
    public async Task A_refused_cutoff_or_close_is_409_with_the_ledger_reason()
    {
        var ledger = FakeLedger.Seeded();
        ledger.CutoffResult = new BusinessDayResult(false, "2026-01-05", null, 0, "cutoff already reached");
        ledger.CloseResult = new BusinessDayResult(false, "2026-01-05", null, 0, "deliveries in flight");
        await using var host = await ApiHost.StartAsync(ledger);

        var cutoff = await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/cutoff", "operator-demo")).AssertProblem(409, "business-day");
        var close = await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertProblem(409, "business-day");

        Assert.Equal("cutoff already reached", cutoff.GetProperty("detail").GetString());
        Assert.Equal("deliveries in flight", close.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_close_passes_the_date_it_names_and_a_refusal_of_that_date_is_409_business_date_on_the_field()
    {
        var ledger = FakeLedger.Seeded();
        await using var host = await ApiHost.StartAsync(ledger);

        await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", """{"businessDate":"2026-01-05"}""")).AssertOk();
        Assert.Equal(new DateOnly(2026, 1, 5), ledger.CloseNamed);
        await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk();
        Assert.Null(ledger.CloseNamed);

        ledger.CloseResult = new BusinessDayResult(false, "2026-01-07", null, 0, "businessDate 2026-01-07 is not the open business day 2026-01-05")
        {
            Refusal = BusinessDayRefusal.BusinessDate,
        };
        var refused = await (await host.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo", """{"businessDate":"2026-01-07"}"""))
            .AssertProblem(409, "business-date", "businessDate");
        Assert.Equal("businessDate 2026-01-07 is not the open business day 2026-01-05", refused.GetProperty("detail").GetString());
    }

    public static TheoryData<string> TimeoutKinds() => new() { "timeout", "ask-timeout" };

    [Theory]
    [MemberData(nameof(TimeoutKinds))]
    public async Task A_ledger_that_does_not_answer_in_time_is_503(string kind)
    {
        var ledger = FakeLedger.Seeded();
        ledger.Failure = kind == "timeout" ? () => new TimeoutException("t") : () => new Akka.Actor.AskTimeoutException("ask timed out on [akka://ledger/user/x]");
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "risk-demo");

        var problem = await response.AssertProblem(503, "ledger-available");
        Assert.DoesNotContain("akka://", problem.ToString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_busy_account_is_503_ledger_available_with_retry_after_not_an_internal_failure()
    {
        var ledger = FakeLedger.Seeded();
        ledger.Failure = () => new Ledger.Cluster.LedgerBusyException("account-0900 has 20000 messages waiting");
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", "risk-demo");

        var problem = await response.AssertProblem(503, "ledger-available");
        Assert.Contains("more work waiting than it takes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("account-0900", problem.ToString(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task An_unexpected_failure_is_500_without_internals()
    {
        var ledger = FakeLedger.Seeded();
        ledger.Failure = () => new InvalidOperationException("connection string Password=hunter2 in Ledger.Cluster.Secret");
        await using var host = await ApiHost.StartAsync(ledger);

        var response = await host.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo");

        var problem = await response.AssertProblem(500, "internal");
        var text = problem.ToString();
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("Ledger.Cluster", text);
        Assert.DoesNotContain("InvalidOperationException", text);
        Assert.Contains("hunter2", host.Logs.Everything()); // it is in the node's log, for its operators
    }
}
