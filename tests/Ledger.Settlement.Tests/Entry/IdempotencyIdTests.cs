using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// Deposits and settlement progress payments under an idempotency id: the account applies an id
/// once. A retry of the same request on the same business day changes nothing and is acknowledged
/// as the first was; the id with another request, or an id of the previous business day, is
/// refused and changes nothing; ids of older days are forgotten (the memory bound).
/// </summary>
public sealed class IdempotencyIdTests
{
    /// <summary>A deposit (shares of <see cref="Cusip"/>) or a payment (<see cref="Dollars"/>) under <see cref="Id"/>, at participant <see cref="Participant"/>.</summary>
    public sealed record Request(string Kind, string Id, string Participant = A, string Cusip = X, long Shares = 100, decimal Dollars = 0m)
    {
        public InMemoryLedger.Outcome Run(InMemoryLedger ledger, DateTimeOffset at) => Kind == "deposit"
            ? ledger.Deposit(P(Participant), new Cusip(Cusip), Shares, at, new IdempotencyId(Id))
            : ledger.Pay(P(Participant), Usd(Dollars), at, new IdempotencyId(Id));

        public override string ToString() => Kind == "deposit" ? $"deposit {Id} {Participant} {Shares} {Cusip}" : $"payment {Id} {Participant} ${Dollars}";
    }

    private static Request Deposit(string id, long shares = 100, string cusip = X, string participant = A) => new("deposit", id, participant, cusip, shares);

    private static Request Payment(string id, decimal dollars, string participant = A) => new("payment", id, participant, Dollars: dollars);

    /// <summary>Expected: the retry is acknowledged with no effect, applied as new, or refused by the rejection named.</summary>
    public const string Replayed = "replayed", Applied = "applied";

    /// <summary>Given a first request, then <c>closes</c> business-day closes, when the retry comes: then ...</summary>
    public static TheoryData<string, Request, int, Request, string> Scenarios() => new()
    {
        { "same deposit, same day", Deposit("D-1"), 0, Deposit("D-1"), Replayed },
        { "same payment, same day", Payment("P-1", 250m), 0, Payment("P-1", 250m), Replayed },
        { "same payment to the cent, same day", Payment("P-1", 0.01m), 0, Payment("P-1", 0.01m), Replayed },
        { "deposit, one share more", Deposit("D-1", 100), 0, Deposit("D-1", 101), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "deposit, one share less", Deposit("D-1", 100), 0, Deposit("D-1", 99), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "deposit, another security", Deposit("D-1"), 0, Deposit("D-1", cusip: Y), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "payment, one cent more", Payment("P-1", 250m), 0, Payment("P-1", 250.01m), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "payment under a deposit's id", Deposit("X-1"), 0, Payment("X-1", 100m), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "deposit under a payment's id", Payment("X-1", 100m), 0, Deposit("X-1"), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "ids are the account's own", Deposit("D-1", participant: A), 0, Deposit("D-1", participant: B), Applied },
        { "another id", Deposit("D-1"), 0, Deposit("D-2"), Applied },
        { "ids are case-sensitive", Deposit("d-1"), 0, Deposit("D-1"), Applied },
        { "same deposit after a close", Deposit("D-1"), 1, Deposit("D-1"), nameof(AccountRejection.IdempotencyIdOfEarlierDay) },
        { "same payment after a close", Payment("P-1", 250m), 1, Payment("P-1", 250m), nameof(AccountRejection.IdempotencyIdOfEarlierDay) },
        { "other payload after a close", Payment("P-1", 250m), 1, Payment("P-1", 300m), nameof(AccountRejection.IdempotencyIdOtherPayload) },
        { "same deposit two closes later: forgotten", Deposit("D-1"), 2, Deposit("D-1"), Applied },
        { "same payment two closes later: forgotten", Payment("P-1", 250m), 2, Payment("P-1", 250m), Applied },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void A_retry_under_an_id_is_answered_by_the_rules(string scenario, Request first, int closes, Request retry, string expected)
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 0m, 1_000_000m);
        Ok(first.Run(ledger, Morning));
        for (var day = 1; day <= closes; day++) CloseDay(ledger, day);
        var accountBefore = Json(ledger.View(retry.Participant));
        var eventsBefore = ledger.Journal(P(retry.Participant)).Count;

        var outcome = retry.Run(ledger, At(16));

        switch (expected)
        {
            case Replayed:
                Assert.True(outcome.Ok, $"{scenario}: {outcome.Message}");
                Assert.Equal(eventsBefore, ledger.Journal(P(retry.Participant)).Count);
                Assert.Equal(accountBefore, Json(ledger.View(retry.Participant)));
                break;
            case Applied:
                Assert.True(outcome.Ok, $"{scenario}: {outcome.Message}");
                Assert.Equal(eventsBefore + 1, ledger.Journal(P(retry.Participant)).Count);
                break;
            default:
                Assert.False(outcome.Ok, scenario);
                Assert.Equal(expected, outcome.Rejection.ToString());
                Assert.Contains(retry.Id, outcome.Message, StringComparison.Ordinal);
                Assert.Equal(eventsBefore, ledger.Journal(P(retry.Participant)).Count);
                Assert.Equal(accountBefore, Json(ledger.View(retry.Participant)));
                break;
        }
    }

    private static void CloseDay(InMemoryLedger ledger, int day)
    {
        ledger.DeliverAll();
        Ok(ledger.Close(At(21).AddDays(day - 1)));
    }

    [Fact]
    public void The_event_carries_the_id_and_a_request_without_one_is_applied_every_time()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m);

        Ok(ledger.Deposit(P(A), new Cusip(X), 100, Morning, new IdempotencyId("D-1")));
        Ok(ledger.Pay(P(A), Usd(250m), Morning, new IdempotencyId("P-1")));
        Ok(ledger.Deposit(P(A), new Cusip(X), 100, Morning));
        Ok(ledger.Deposit(P(A), new Cusip(X), 100, Morning));
        Ok(ledger.Pay(P(A), Usd(250m), Morning));

        Assert.Equal(new string?[] { "D-1", null, null }, ledger.EventsOf<SharesDeposited>(A).Select(e => e.Id));
        Assert.Equal(new string?[] { "P-1", null }, ledger.EventsOf<SettlementProgressPaymentReceived>(A).Select(e => e.Id));
        Assert.Equal(300, ledger.Position(A));
        Assert.Equal(500m, ledger.View(A).SettlementBalance);
    }

    [Fact]
    public void A_retry_decided_before_the_first_is_persisted_sees_it()
    {
        // The actor decides every command buffered during a write together, applying each event as
        // it goes: a retry that arrives while the first is being written is answered from the state.
        var state = new AccountState(P(A));
        AccountDecider.Decide(state, new ConfigureParticipant("A", Usd(0), Usd(0), false, false, Thursday, Morning));
        var payment = new ReceiveSettlementProgressPayment(Usd(250m), Morning, new IdempotencyId("P-1"));

        var first = AccountDecider.Decide(state, payment);
        var retry = AccountDecider.Decide(state, payment with { At = At(15) });

        Assert.Single(first.Events);
        Assert.Empty(retry.Events);
        Assert.Same(Acknowledged.Instance, retry.Reply);
        Assert.Equal(Usd(250m), state.SettlementBalance);
    }

    [Fact]
    public void A_refused_deposit_takes_no_id()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m);
        for (var i = 0; i < 10; i++) Ok(ledger.Deposit(P(A), new Cusip(X), DeliverOrder.SharesMax, Morning));
        var tooMany = ledger.Deposit(P(A), new Cusip(X), 1, Morning, new IdempotencyId("D-1"));
        Assert.Equal(AccountRejection.PositionAboveMaximum, tooMany.Rejection);

        // Had the refusal taken the id, another request under it would be refused as another payload.
        Ok(ledger.Deposit(P(A), new Cusip(Y), 100, Morning, new IdempotencyId("D-1")));

        Assert.Equal(100, ledger.Position(A, Y));
        Assert.Equal(DeliverOrder.SharesMax * 10, ledger.Position(A));
    }

    [Fact]
    public void Ids_survive_a_restart_from_the_journal_and_replay_equals_live_state()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m);
        Ok(ledger.Deposit(P(A), new Cusip(X), 100, Morning, new IdempotencyId("D-1")));
        Ok(ledger.Pay(P(A), Usd(250m), Morning, new IdempotencyId("P-1")));
        var live = ledger.StateOf(P(A));
        var replayed = new AccountState(P(A));
        foreach (var e in ledger.Journal(P(A))) replayed.Apply(e);
        Assert.Equal(live.IdempotentRequestCount, replayed.IdempotentRequestCount);
        Assert.Equal(live.IdempotentRequestOf(new IdempotencyId("D-1")), replayed.IdempotentRequestOf(new IdempotencyId("D-1")));
        Assert.Equal(live.IdempotentRequestOf(new IdempotencyId("P-1")), replayed.IdempotentRequestOf(new IdempotencyId("P-1")));

        ledger.Restart(P(A), At(15));
        Ok(ledger.Deposit(P(A), new Cusip(X), 100, At(16), new IdempotencyId("D-1")));
        Ok(ledger.Pay(P(A), Usd(250m), At(16), new IdempotencyId("P-1")));
        var other = ledger.Pay(P(A), Usd(251m), At(16), new IdempotencyId("P-1"));

        Assert.Equal(AccountRejection.IdempotencyIdOtherPayload, other.Rejection);
        Assert.Equal(100, ledger.Position(A));
        Assert.Equal(250m, ledger.View(A).SettlementBalance);
        Assert.Single(ledger.EventsOf<SharesDeposited>(A));
        Assert.Single(ledger.EventsOf<SettlementProgressPaymentReceived>(A));
    }

    [Fact]
    public void Events_written_before_ids_replay_and_take_no_id()
    {
        // A journal of the release before ids: the same events without the field.
        var state = new AccountState(P(A));
        state.Apply(new ParticipantConfigured("A", 0, 0, false, false, "2025-01-02", Morning));
        state.Apply(new SharesDeposited(X, 100, new TermsData(100_00, 0.10m, 1), Morning));
        state.Apply(new SettlementProgressPaymentReceived(250_00, Morning));

        Assert.Equal(0, state.IdempotentRequestCount);
        Assert.Equal(100, state.Position(new Cusip(X)));
        Assert.Equal(Usd(250m), state.SettlementBalance);
    }

    [Fact]
    public void The_memory_held_is_the_ids_of_the_current_and_previous_business_day()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m);
        for (var i = 0; i < 50; i++) Ok(ledger.Deposit(P(A), new Cusip(X), 1, Morning, new IdempotencyId($"THU-{i}")));
        CloseDay(ledger, 1);
        for (var i = 0; i < 30; i++) Ok(ledger.Pay(P(A), Usd(1m), At(14).AddDays(1), new IdempotencyId($"FRI-{i}")));
        Assert.Equal(80, ledger.StateOf(P(A)).IdempotentRequestCount);

        CloseDay(ledger, 2);
        Assert.Equal(30, ledger.StateOf(P(A)).IdempotentRequestCount);
        Assert.Null(ledger.StateOf(P(A)).IdempotentRequestOf(new IdempotencyId("THU-0")));
        Assert.NotNull(ledger.StateOf(P(A)).IdempotentRequestOf(new IdempotencyId("FRI-0")));

        CloseDay(ledger, 3);
        Assert.Equal(0, ledger.StateOf(P(A)).IdempotentRequestCount);
    }

    [Fact]
    public void What_if_reads_the_ids_and_re_runs_a_day_with_retried_payments_as_it_ran()
    {
        // Scenario 3 of atp-rules.md: DO-1 pends on B's cap until B's $30,000 payment, which the
        // operator sent twice under one id; the retry paid nothing more.
        var ledger = new InMemoryLedger(Thursday, At(13));
        Ok(ledger.Configure(new ParticipantRecord(P(A), "A", Usd(0), Usd(0), false, false), At(13, 1)));
        Ok(ledger.Configure(new ParticipantRecord(P(B), "B", Usd(80_000), Usd(50_000), false, false), At(13, 1)));
        Ok(ledger.List(new Cusip(X), Usd(100), 0.10m, At(13, 2)));
        Ok(ledger.Deposit(P(A), new Cusip(X), 1_000, At(13, 3), new IdempotencyId("DEP-1")));
        Ok(ledger.Deposit(P(A), new Cusip(X), 1_000, At(13, 4), new IdempotencyId("DEP-1")));
        Assert.True(ledger.Submit(Request("DO-1", A, B, 1_000, 100_000m), At(14)).Accepted);
        ledger.DeliverAll();
        Ok(ledger.Pay(P(B), Usd(30_000), At(14, 10), new IdempotencyId("SPP-1")));
        Ok(ledger.Pay(P(B), Usd(30_000), At(14, 11), new IdempotencyId("SPP-1")));
        ledger.DeliverAll();
        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();
        Ok(ledger.Close(At(21)));
        var day = WhatIf.Reconstruct(Thursday, ledger.ReferenceJournal,
            ledger.Participants.ToDictionary(p => p.Value, p => ledger.Journal(p), StringComparer.Ordinal));

        var deposit = Assert.Single(day.Inputs.OfType<WhatIfDeposit>());
        var payment = Assert.Single(day.Inputs.OfType<WhatIfPayment>());
        Assert.Equal((new IdempotencyId("DEP-1"), 1_000L), (deposit.Id, deposit.Shares));
        Assert.Equal((new IdempotencyId("SPP-1"), Usd(30_000)), (payment.Id, payment.Amount));
        Assert.Equal(new WhatIfEnd("completed", "net-debit-cap", "recycle"), day.Actual.Single().End);

        var report = WhatIf.Run(day, WhatIfSettings.None);

        Assert.Empty(report.Differences);
        Assert.Empty(report.Refusals);
        Assert.Equal(70_000.00m, report.Peaks.Single(p => p.Participant == B).PeakAfter);
    }

    /// <summary>The characters of a deliver order's id, 1 to 64 of them; absent is fine.</summary>
    [Theory]
    [InlineData(null, true)]
    [InlineData("A", true)]
    [InlineData("SPP-2026-12-07_0007.a:b", true)]
    [InlineData("x123456789012345678901234567890123456789012345678901234567890123", true)] // 64
    [InlineData("x1234567890123456789012345678901234567890123456789012345678901234", false)] // 65
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData("D 1", false)]
    [InlineData("D/1", false)]
    [InlineData("0002~R-1", false)]
    [InlineData("Dé1", false)]
    [InlineData("D\u202E1", false)]
    [InlineData("D\n1", false)]
    public void An_id_is_checked_at_entry(string? id, bool valid)
    {
        var error = EntryRules.IdempotencyIdField(id, "id");

        if (valid)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Equal("idempotency-id-format", error.RuleName);
            Assert.Equal("id", error.Field);
        }
    }

    [Fact]
    public void The_in_memory_ledger_refuses_a_malformed_id_at_entry_and_changes_nothing()
    {
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m);
        var events = ledger.EventCount();

        var deposit = ledger.Deposit(P(A), new Cusip(X), 100, Morning, new IdempotencyId("D 1"));
        var payment = ledger.Pay(P(A), Usd(1m), Morning, new IdempotencyId(""));

        Assert.Equal(EntryRejection.InvalidIdempotencyId, deposit.Error?.Rule);
        Assert.Equal(EntryRejection.InvalidIdempotencyId, payment.Error?.Rule);
        Assert.Equal(events, ledger.EventCount());
    }
}
