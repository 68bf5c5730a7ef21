using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// The gateway's steps (<see cref="SettlementGateway"/>), which the cluster's gateway and the
/// in-memory ledger both follow, and the three rules they once disagreed on: a refused reclaim
/// leaves its id free; a resubmission from a day the deliverer has forgotten is refused under the
/// id rule and never applied again; a refused close is a result. And a close that names its date.
/// </summary>
public sealed class GatewayTests
{
    private static InMemoryLedger TwoParties() =>
        NewLedger().Participant(A, 50_000m, 1_000_000m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);

    // ------------------------------------------------------------ (a) a refused reclaim leaves its id free

    [Fact]
    public void A_reclaim_the_account_refuses_leaves_its_id_free_for_the_next_reclaim()
    {
        var ledger = TwoParties();
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Expect(ledger.Settle("DO-2", A, B, 200, 20_000m), "completed");
        Assert.True(ledger.Reclaim(Rc(B, "R-1"), Id("DO-1"), At(15)).Accepted);
        ledger.DeliverAll();
        var events = ledger.EventCount();

        var refused = ledger.Reclaim(Rc(B, "R-2"), Id("DO-1"), At(15, 1));

        Assert.Equal((EntryRejection.AlreadyReclaimed, "deliverOrderId"), (refused.Error!.Rule, refused.Error.Field));
        Assert.Null(ledger.Index.Find(Id(Filed(B, "R-2"))));
        Assert.Equal(events, ledger.EventCount());
        var next = ledger.Reclaim(Rc(B, "R-2"), Id("DO-2"), At(15, 2));
        Assert.True(next.Accepted, next.Error?.Message);
        Assert.False(next.Resubmitted);
        ledger.DeliverAll();
        Assert.Equal("DO-2", ledger.Order(Filed(B, "R-2")).ReclaimOf);
    }

    [Fact]
    public void A_reclaim_refused_at_entry_leaves_its_id_free_and_the_same_reclaim_sent_again_is_answered_from_the_records()
    {
        var ledger = TwoParties();
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Expect(ledger.Submit("DO-2", A, B, 2_000, 20_000m), "pending", "position");

        var notCompleted = ledger.Reclaim(Rc(B, "R-1"), Id("DO-2"), At(15));
        var first = ledger.Reclaim(Rc(B, "R-1"), Id("DO-1"), At(15, 1));
        var again = ledger.Reclaim(Rc(B, "R-1"), Id("DO-1"), At(15, 2));

        Assert.Equal(EntryRejection.ReclaimRefused, notCompleted.Error!.Rule);
        Assert.True(first.Accepted, first.Error?.Message);
        Assert.True(again is { Accepted: true, Resubmitted: true }, again.Error?.Message);
        Assert.Single(ledger.IndexJournal, r => r.DeliverOrderId == Filed(B, "R-1"));
    }

    // ------------------------------------------------------------ (b) a resubmission from a forgotten day

    [Fact]
    public void A_resubmission_from_the_day_closed_last_is_answered_from_the_records()
    {
        var ledger = TwoParties();
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Ok(ledger.Close(At(22)));
        var events = ledger.EventCount();

        var again = ledger.Submit(Request("DO-1", A, B, 100, 10_000m), At(23));

        Assert.True(again is { Accepted: true, Resubmitted: true }, again.Error?.Message);
        Assert.Equal("completed", again.DeliverOrder!.Status);
        Assert.Equal(events, ledger.EventCount());
    }

    [Fact]
    public void A_resubmission_from_a_day_the_deliverer_has_forgotten_is_refused_under_the_id_rule_and_changes_nothing()
    {
        var ledger = TwoParties();
        Expect(ledger.Settle("DO-1", A, B, 100, 10_000m), "completed");
        Ok(ledger.Close(At(22)));
        Ok(ledger.Close(At(22).AddDays(1)));
        Assert.Null(ledger.DeliverOrder(Id("DO-1"))); // the deliverer keeps the current and the last closed day only
        var events = ledger.EventCount();
        var indexed = ledger.IndexJournal.Count;

        var again = ledger.Submit(Request("DO-1", A, B, 100, 10_000m), At(23).AddDays(4));

        Assert.False(again.Accepted);
        Assert.True(again.Resubmitted);
        Assert.Equal((EntryRejection.SameIdOtherPayload, "id", "deliver-order-id-unique"), (again.Error!.Rule, again.Error.Field, again.Error.RuleName));
        Assert.Contains("taken on business day 2025-01-02", again.Error.Message, StringComparison.Ordinal);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(indexed, ledger.IndexJournal.Count);
        Assert.Equal(1_000 - 100, ledger.Position(A));
    }

    [Fact]
    public void Route_sends_a_same_day_resubmission_to_the_deliverer_and_an_earlier_days_to_the_records()
    {
        Assert.Equal(SubmitRoute.ToDeliverer, SettlementGateway.Route(RegistrationOutcome.Registered, Thursday, Thursday));
        Assert.Equal(SubmitRoute.ToDeliverer, SettlementGateway.Route(RegistrationOutcome.SameAsBefore, Thursday, Thursday));
        Assert.Equal(SubmitRoute.FromRecords, SettlementGateway.Route(RegistrationOutcome.SameAsBefore, Thursday, Friday));
        Assert.Equal(SubmitRoute.FromRecords, SettlementGateway.Route(RegistrationOutcome.SameAsBefore, null, Friday));
        Assert.Equal(SubmitRoute.OtherPayload, SettlementGateway.Route(RegistrationOutcome.ConflictingPayload, Thursday, Thursday));
    }

    // ------------------------------------------------------------ (c) a refused close is a result

    [Fact]
    public void Accounts_that_refuse_to_settle_make_a_refused_close_result_naming_them()
    {
        var refused = SettlementGateway.AccountsRefused(Thursday, [Acknowledged.Instance, new Rejected(AccountRejection.BusinessDateMismatch, "0002 is on 2025-01-01")]);

        Assert.NotNull(refused);
        Assert.False(refused.Ok);
        Assert.Equal(BusinessDayRefusal.AccountRefused, refused.Refusal);
        Assert.Equal(("2025-01-02", 2, "0002 is on 2025-01-01"), (refused.BusinessDate, refused.Accounts, refused.Message));
        Assert.Null(SettlementGateway.AccountsRefused(Thursday, [Acknowledged.Instance, Acknowledged.Instance]));
    }

    [Fact]
    public void A_close_with_deliveries_in_flight_is_a_refused_result_and_settles_nothing()
    {
        var ledger = TwoParties();
        ledger.Submit("DO-1", A, B, 100, 10_000m); // the receiver has not answered

        var refused = ledger.CloseDay(Thursday, At(22));

        Assert.Equal((false, BusinessDayRefusal.DeliveriesInFlight, "2025-01-02"), (refused.Ok, refused.Refusal, refused.BusinessDate));
        Assert.Contains("0001 (1)", refused.Message, StringComparison.Ordinal);
        Assert.Empty(ledger.EventsOf<BusinessDayClosed>(A));
        ledger.DeliverAll();
        Assert.True(ledger.CloseDay(Thursday, At(22, 5)).Ok);
    }

    // ------------------------------------------------------------ a close names its date

    [Fact]
    public void A_close_of_the_day_closed_last_sent_again_answers_the_same_and_closes_nothing()
    {
        var ledger = TwoParties();
        var first = ledger.CloseDay(Thursday, At(22));
        var events = ledger.EventCount();
        var referenceEvents = ledger.ReferenceJournal.Count;

        var again = ledger.CloseDay(Thursday, At(22, 30));

        Assert.Equal(new BusinessDayResult(true, "2025-01-02", "2025-01-03", 2, "business day closed: balances settled, positions carried over"), first);
        Assert.Equal(first, again);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(referenceEvents, ledger.ReferenceJournal.Count);
        Assert.Equal(Friday, ledger.Reference.BusinessDate);
    }

    [Theory]
    [InlineData("2025-01-01")] // before the day closed last
    [InlineData("2025-01-06")] // after the open day
    public void A_close_of_any_other_date_than_the_open_one_is_refused_under_business_date_and_changes_nothing(string named)
    {
        var ledger = TwoParties();
        var events = ledger.EventCount();
        var referenceEvents = ledger.ReferenceJournal.Count;

        var refused = ledger.CloseDay(DateOnly.Parse(named, System.Globalization.CultureInfo.InvariantCulture), At(22));

        Assert.Equal((false, BusinessDayRefusal.BusinessDate, named), (refused.Ok, refused.Refusal, refused.BusinessDate));
        Assert.Contains("not the open business day 2025-01-02", refused.Message, StringComparison.Ordinal);
        Assert.Equal(events, ledger.EventCount());
        Assert.Equal(referenceEvents, ledger.ReferenceJournal.Count);
        Assert.False(ledger.Reference.Closing);
    }

    [Fact]
    public void The_day_closed_last_is_rebuilt_from_the_reference_journal()
    {
        var ledger = TwoParties();
        ledger.CloseDay(Thursday, At(22));
        ledger.Participant(C, 1_000m, 1_000m);
        ledger.CloseDay(Friday, At(22).AddDays(1));

        var rebuilt = new ReferenceState();
        foreach (var e in ledger.ReferenceJournal) rebuilt.Apply(e);

        Assert.Equal(new ClosedBusinessDay(Friday, Monday, 3), rebuilt.Snapshot.LastClosed);
        Assert.Equal((ledger.Reference.BusinessDate, ledger.Reference.Closing, ledger.Reference.LastClosed),
            (rebuilt.Snapshot.BusinessDate, rebuilt.Snapshot.Closing, rebuilt.Snapshot.LastClosed));
    }

    [Fact]
    public void Starting_a_close_for_a_date_that_is_not_open_changes_nothing()
    {
        var state = new ReferenceState();
        ReferenceDecider.Execute(state, new OpenFirstBusinessDay(Friday, At(9)), []);

        Assert.Empty(ReferenceDecider.Decide(state, new StartClose(At(22), Thursday)));
        Assert.Single(ReferenceDecider.Decide(state, new StartClose(At(22), Friday)));
        Assert.Single(ReferenceDecider.Decide(state, new StartClose(At(22))));
    }

    // ------------------------------------------------------------ the index's decider

    [Fact]
    public void The_index_registers_new_ids_once_and_answers_each_order_of_a_batch_in_turn()
    {
        var index = new DeliverOrderIndexState();
        var order = new DeliverOrder(Id("DO-1"), P(A), P(B), new Cusip(X), 10, Usd(100m), "SL");
        index.Register([order], Thursday, At(10));

        var decided = index.Register([order, order with { Id = Id("DO-2") }, order with { Id = Id("DO-2"), Shares = 11 }], Friday, At(11));

        Assert.Equal([RegistrationOutcome.SameAsBefore, RegistrationOutcome.Registered, RegistrationOutcome.ConflictingPayload], decided.Outcomes);
        Assert.Equal([Thursday, Friday, Friday], decided.RegisteredOn);
        Assert.Equal("DO-2", Assert.Single(decided.Registered).DeliverOrderId);
        Assert.Equal("2025-01-03", decided.Registered[0].BusinessDate);
    }

    // ------------------------------------------------------------ deposits at entry

    [Fact]
    public void A_deposit_is_checked_at_entry_in_the_domain_the_same_for_every_ledger()
    {
        var reference = TwoParties().Reference;

        var unknown = SettlementGateway.Deposit(reference, P(C), new Cusip(X), 10, null, At(10));
        var unlisted = SettlementGateway.Deposit(reference, P(A), new Cusip(Z), 10, null, At(10));
        var none = SettlementGateway.Deposit(reference, P(A), new Cusip(X), 0, null, At(10));
        var ok = SettlementGateway.Deposit(reference, P(A), new Cusip(X), 10, new IdempotencyId("D-1"), At(10));

        Assert.Equal((EntryRejection.UnknownParticipant, "participant"), (unknown.Error!.Rule, unknown.Error.Field));
        Assert.Equal((EntryRejection.UnknownSecurity, "cusip"), (unlisted.Error!.Rule, unlisted.Error.Field));
        Assert.Equal((EntryRejection.SharesNotPositive, "shares"), (none.Error!.Rule, none.Error.Field));
        Assert.Equal(new DepositShares(new Cusip(X), 10, reference.Securities[new Cusip(X)], At(10), new IdempotencyId("D-1")), ok.Command);
    }
}
