using System.Text.Json;
using Ledger.Benchmarks.Crash;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests;

/// <summary>
/// The crash test's checks on snapshots made by hand: a consistent one passes every check, and each
/// way of breaking an invariant fails the check that guards it (and names what broke).
/// </summary>
public sealed class CrashInvariantsTests
{
    private const string A = "0001", B = "0002", Occ = "0900", Cusip = "CRS000017";

    // A delivered 100 shares to B for $1,000 (D1); A lent 50 shares to B through OCC for $500 (K-L, K-B); B was paid $2,000.
    private static readonly DeliverOrderLine D1 = new("D1", A, B, Cusip, 100, 1_000m, "SL");
    private static readonly DeliverOrderLine LenderLeg = new("K-L", A, Occ, Cusip, 50, 500m, "ML");
    private static readonly DeliverOrderLine BorrowerLeg = new("K-B", Occ, B, Cusip, 50, 500m, "ML");

    private static readonly CrashPayment Paid = new("P0-1", B, 200_000);

    private static CrashExpectations Expectations(
        IReadOnlyList<CrashPayment>? acknowledged = null, IReadOnlyList<CrashPayment>? abandoned = null, IReadOnlyList<string>? refused = null) => new(
        Occ,
        new[] { D1, LenderLeg, BorrowerLeg }.ToDictionary(o => o.Id),
        new Dictionary<string, DeliverOrderLine>(),
        [new CrashLoan("K-L", "K-B")],
        new Dictionary<string, long> { [Cusip] = 1_000 },
        acknowledged ?? [Paid],
        abandoned ?? [],
        refused ?? []);

    private static CrashAccount Account(string id, decimal balance, long shares, decimal cm = 10_000m, bool ccp = false, long reserved = 0, params CrashPending[] pending) =>
        new(id, balance, Math.Max(0m, -balance), ccp ? 0m : 5_000m, cm, ccp, shares == 0 && reserved == 0 ? [] : [new CrashPosition(Cusip, shares, reserved)], pending, 10);

    private static DeliverOrderAnswer View(DeliverOrderLine o, string status = "completed", string? reason = null) =>
        new(o.Id, o.Deliverer, o.Receiver, o.Cusip, o.Shares, o.Amount, status, reason, status == "completed" ? "direct" : null, null);

    private static CrashJournalEntry Entry(string manifest, string json) => new(1, manifest, JsonDocument.Parse(json).RootElement.Clone());

    private static Dictionary<string, CrashAccount> Accounts() => new()
    {
        [A] = Account(A, 1_500m, 850),
        [B] = Account(B, 500m, 150),
        [Occ] = Account(Occ, 0m, 0, cm: 0m, ccp: true),
    };

    private static Dictionary<string, DeliverOrderAnswer?> Orders() => new()
    {
        ["D1"] = View(D1),
        ["K-L"] = View(LenderLeg),
        ["K-B"] = View(BorrowerLeg),
    };

    private static Dictionary<string, IReadOnlyList<CrashJournalEntry>> Journals() => new()
    {
        [A] =
        [
            Entry("account.shares-deposited.v1", """{"cusip":"CRS000017","shares":1000}"""),
            Entry("account.delivery-completed.v1", """{"deliverOrderId":"D1","completedBy":"direct"}"""),
            Entry("account.delivery-completed.v1", """{"deliverOrderId":"K-L","completedBy":"look-ahead"}"""),
        ],
        [B] =
        [
            Entry("account.settlement-progress-payment-received.v1", """{"amountCents":200000,"id":"P0-1"}"""),
            Entry("account.receive-completed.v1", """{"order":{"id":"D1"}}"""),
            Entry("account.receive-completed.v1", """{"order":{"id":"K-B"}}"""),
        ],
        [Occ] = [Entry("account.look-ahead-completed.v1", """{"receiveId":"K-L","deliveryId":"K-B"}""")],
    };

    private static CrashSnapshot Snapshot(
        Dictionary<string, CrashAccount>? accounts = null,
        Dictionary<string, DeliverOrderAnswer?>? orders = null,
        Dictionary<string, IReadOnlyList<CrashJournalEntry>>? journals = null) =>
        new(accounts ?? Accounts(), orders ?? Orders(), journals ?? Journals());

    /// <summary>Only the named check fails; every other one still passes.</summary>
    private static CrashCheck FailsOnly(string name, CrashSnapshot snapshot, CrashExpectations? expectations = null, bool afterCutoff = false)
    {
        var checks = CrashInvariants.Check(snapshot, expectations ?? Expectations(), afterCutoff);
        var failed = checks.Where(c => !c.Passed).ToList();
        Assert.True(failed.Count == 1 && failed[0].Name == name, $"expected only {name} to fail: {string.Join(" | ", checks)}");
        return failed[0];
    }

    [Fact]
    public void A_consistent_snapshot_passes_every_check_before_and_after_the_cutoff()
    {
        foreach (var afterCutoff in new[] { false, true })
        {
            var checks = CrashInvariants.Check(Snapshot(), Expectations(), afterCutoff);
            Assert.Equal(9, checks.Count);
            Assert.All(checks, c => Assert.True(c.Passed, c.ToString()));
        }
    }

    [Fact]
    public void An_acknowledged_deliver_order_that_is_unknown_or_changed_fails_acknowledged_exist()
    {
        // Unknown: the receiver still holds the receive and the money moved, but the ledger answers 404.
        var orders = Orders();
        orders["D1"] = null;
        var journals = Journals();
        journals[A] = journals[A].Where(e => !e.Event.ToString().Contains("\"D1\"", StringComparison.Ordinal)).ToList();
        journals[B] = journals[B].Where(e => !e.Event.ToString().Contains("\"D1\"", StringComparison.Ordinal)).ToList();
        var accounts = Accounts();
        accounts[A] = Account(A, 500m, 950);
        accounts[B] = Account(B, 1_500m, 50);
        Assert.Contains("D1 is unknown", FailsOnly("acknowledged-exist", Snapshot(accounts, orders, journals)).Detail, StringComparison.Ordinal);

        orders = Orders();
        orders["D1"] = View(D1 with { Shares = 99 });
        Assert.Contains("D1 reads", FailsOnly("acknowledged-exist", Snapshot(orders: orders)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deliver_order_still_in_flight_or_pending_after_the_cutoff_fails_final_or_pending_with_reason()
    {
        var orders = Orders();
        orders["D1"] = View(D1, "pending", "net-debit-cap");
        var journals = Journals();
        journals[A] = journals[A].Where(e => !e.Event.ToString().Contains("\"D1\"", StringComparison.Ordinal)).ToList();
        journals[B] = journals[B].Where(e => !e.Event.ToString().Contains("\"D1\"", StringComparison.Ordinal)).ToList();
        var accounts = Accounts();
        accounts[A] = Account(A, 500m, 950);
        accounts[B] = Account(B, 1_500m, 50);
        var pendingWithReason = Snapshot(accounts, orders, journals);
        Assert.All(CrashInvariants.Check(pendingWithReason, Expectations(), afterCutoff: false), c => Assert.True(c.Passed, c.ToString()));
        Assert.Contains("D1 is pending:net-debit-cap", FailsOnly("final-or-pending-with-reason", pendingWithReason, afterCutoff: true).Detail, StringComparison.Ordinal);

        orders["D1"] = View(D1, "accepted");
        Assert.Contains("D1 is accepted", FailsOnly("final-or-pending-with-reason", Snapshot(accounts, orders, journals)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Shares_that_appear_or_vanish_fail_shares_conserved()
    {
        var accounts = Accounts();
        accounts[B] = Account(B, 500m, 151);
        Assert.Contains("accounts hold 1,001, 1,000 deposited", FailsOnly("shares-conserved", Snapshot(accounts)).Detail, StringComparison.Ordinal);

        var journals = Journals();
        journals[A] = [.. journals[A], Entry("account.shares-deposited.v1", """{"cusip":"CRS000017","shares":5}""")];
        Assert.Contains("journals record 1,005 deposited", FailsOnly("shares-conserved", Snapshot(journals: journals)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Money_that_appears_or_a_payment_lost_or_invented_fails_money_conserved()
    {
        var accounts = Accounts();
        accounts[A] = Account(A, 1_500.01m, 850);
        Assert.Contains("add up to 2,000.01", FailsOnly("money-conserved", Snapshot(accounts)).Detail, StringComparison.Ordinal);

        // An acknowledged payment that is not in the journal.
        var lost = Expectations(acknowledged: [Paid, new CrashPayment("P0-2", A, 100)]);
        Assert.Contains("acknowledged payment P0-2 of $1.00 to 0001 is not in its journal", FailsOnly("money-conserved", Snapshot(), lost).Detail, StringComparison.Ordinal);

        // A payment in the journal that no client sent, with an id or without one; one given up on may be there.
        var journals = Journals();
        journals[A] = [.. journals[A], Entry("account.settlement-progress-payment-received.v1", """{"amountCents":100,"id":"P0-2"}""")];
        accounts = Accounts();
        accounts[A] = Account(A, 1_501m, 850);
        Assert.Contains("that no client sent (id P0-2)", FailsOnly("money-conserved", Snapshot(accounts, journals: journals)).Detail, StringComparison.Ordinal);
        Assert.All(CrashInvariants.Check(Snapshot(accounts, journals: journals), Expectations(abandoned: [new CrashPayment("P0-2", A, 100)]), false),
            c => Assert.True(c.Passed, c.ToString()));
        var withoutId = Journals();
        withoutId[A] = [.. withoutId[A], Entry("account.settlement-progress-payment-received.v1", """{"amountCents":100}""")];
        Assert.Contains("that no client sent (no id)", FailsOnly("money-conserved", Snapshot(accounts, journals: withoutId)).Detail, StringComparison.Ordinal);

        // A payment journaled under its id but to another participant, or of another amount.
        var moved = Journals();
        moved[A] = [.. moved[A], Entry("account.settlement-progress-payment-received.v1", """{"amountCents":100,"id":"P0-2"}""")];
        Assert.Contains("payment P0-2 is journaled as $1.00 to 0001, was sent as $2.00 to 0002",
            FailsOnly("money-conserved", Snapshot(accounts, journals: moved), Expectations(abandoned: [new CrashPayment("P0-2", B, 200)])).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payment_sent_again_after_an_unknown_outcome_and_applied_twice_fails_money_conserved()
    {
        // The operator's retry of P0-1 paid it a second time: the balances still add up to the
        // journals, so only the id shows it.
        var journals = Journals();
        journals[B] = [.. journals[B], Entry("account.settlement-progress-payment-received.v1", """{"amountCents":200000,"id":"P0-1"}""")];
        var accounts = Accounts();
        accounts[B] = Account(B, 2_500m, 150);
        Assert.Contains("payment P0-1 is journaled 2 times: it paid more than once",
            FailsOnly("money-conserved", Snapshot(accounts, journals: journals)).Detail, StringComparison.Ordinal);

        // Given up on after no answer, it may be there once, never twice.
        var once = Expectations(acknowledged: [], abandoned: [Paid]);
        Assert.All(CrashInvariants.Check(Snapshot(), once, false), c => Assert.True(c.Passed, c.ToString()));
        Assert.Contains("payment P0-1 is journaled 2 times", FailsOnly("money-conserved", Snapshot(accounts, journals: journals), once).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Occ_left_with_shares_money_or_pending_legs_fails_occ_flat()
    {
        // OCC kept 50 of the shares it passed on (the totals still add up: B has 50 fewer).
        var accounts = Accounts();
        accounts[Occ] = Account(Occ, 0m, 50, cm: 0m, ccp: true);
        accounts[B] = Account(B, 500m, 100);
        Assert.Contains("CRS000017: 50 shares, 0 reserved", FailsOnly("occ-flat", Snapshot(accounts)).Detail, StringComparison.Ordinal);

        accounts = Accounts();
        accounts[Occ] = Account(Occ, 0m, 0, cm: 0m, ccp: true, pending: new CrashPending("K-9", "receive", "net-debit-cap"));
        Assert.All(CrashInvariants.Check(Snapshot(accounts), Expectations(), afterCutoff: false), c => Assert.True(c.Passed, c.ToString()));
        Assert.Contains("still pending after the cutoff: K-9", FailsOnly("occ-flat", Snapshot(accounts), afterCutoff: true).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loan_with_one_leg_completed_fails_loans_complete_whole()
    {
        // The borrower's leg shows pending although the journals say it completed: the views disagree with the journals too.
        var orders = Orders();
        orders["K-B"] = View(BorrowerLeg, "pending", "position");
        var checks = CrashInvariants.Check(Snapshot(orders: orders), Expectations(), afterCutoff: false);
        var split = Assert.Single(checks, c => c.Name == "loans-complete-whole");
        Assert.False(split.Passed);
        Assert.Contains("K-L completed, K-B pending:position", split.Detail, StringComparison.Ordinal);
        Assert.False(Assert.Single(checks, c => c.Name == "one-effect-both-agree").Passed);
    }

    [Fact]
    public void A_completion_journaled_twice_or_at_one_party_only_fails_one_effect_both_agree()
    {
        var journals = Journals();
        journals[B] = [.. journals[B], Entry("account.receive-completed.v1", """{"order":{"id":"D1"}}""")];
        Assert.Contains("D1 (completed): completed 1 time(s) at the deliverer, 2 at the receiver",
            FailsOnly("one-effect-both-agree", Snapshot(journals: journals)).Detail, StringComparison.Ordinal);

        journals = Journals();
        journals[A] = journals[A].Where(e => !e.Event.ToString().Contains("\"D1\"", StringComparison.Ordinal)).ToList();
        Assert.Contains("D1 (completed): completed 0 time(s) at the deliverer, 1 at the receiver",
            FailsOnly("one-effect-both-agree", Snapshot(journals: journals)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_control_fails_controls_hold()
    {
        var accounts = Accounts();
        accounts[B] = Account(B, 500m, 150, cm: -0.01m);
        Assert.Contains("0002: collateral monitor -0.01", FailsOnly("controls-hold", Snapshot(accounts)).Detail, StringComparison.Ordinal);

        accounts = Accounts();
        accounts[A] = Account(A, 1_500m, 850, reserved: 851);
        Assert.Contains("851 reserved of 850", FailsOnly("controls-hold", Snapshot(accounts)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_day_closed_twice_or_not_everywhere_fails_closed_once()
    {
        // After the close: every balance settled to zero and journaled as the day's close; A settled $1,500, B $500 (= the payment), OCC nothing.
        static Dictionary<string, CrashAccount> Closed() => Accounts().ToDictionary(kv => kv.Key, kv => kv.Value with { SettlementBalance = 0m, NetDebit = 0m, BusinessDate = "2026-11-24" });
        static CrashJournalEntry Close(long settledCents) =>
            Entry("account.business-day-closed.v1", $$"""{"closedDate":"2026-11-23","nextDate":"2026-11-24","settledBalanceCents":{{settledCents}}}""");
        static Dictionary<string, IReadOnlyList<CrashJournalEntry>> ClosedJournals()
        {
            var journals = Journals();
            foreach (var (id, settled) in new[] { (A, 150_000L), (B, 50_000L), (Occ, 0L) }) journals[id] = [.. journals[id], Close(settled)];
            return journals;
        }
        var ok = CrashInvariants.ClosedOnce(Snapshot(Closed(), journals: ClosedJournals()), Expectations(), "2026-11-23", "2026-11-24");
        Assert.True(ok.Passed, ok.ToString());

        var twice = ClosedJournals();
        twice[B] = [.. twice[B], Close(0)];
        var check = CrashInvariants.ClosedOnce(Snapshot(Closed(), journals: twice), Expectations(), "2026-11-23", "2026-11-24");
        Assert.False(check.Passed);
        Assert.Contains("0002 journaled 2 closes of 2026-11-23", check.Detail, StringComparison.Ordinal);

        var behind = Closed();
        behind[A] = behind[A] with { BusinessDate = "2026-11-23", SettlementBalance = 1_500m };
        var notClosed = ClosedJournals();
        notClosed[A] = Journals()[A];
        check = CrashInvariants.ClosedOnce(Snapshot(behind, journals: notClosed), Expectations(), "2026-11-23", "2026-11-24");
        Assert.False(check.Passed);
        Assert.Contains("0001 is on 2026-11-23, not 2026-11-24", check.Detail, StringComparison.Ordinal);
        Assert.Contains("0001 has a balance of 1500", check.Detail, StringComparison.Ordinal);
        Assert.Contains("settled $500.00 in all, the payments were $2,000.00", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_deliver_order_fails_none_refused()
    {
        var refused = Expectations(refused: ["D7: deliver-order-id-unique deliver order D7 was already submitted with other details"]);
        Assert.Contains("deliver-order-id-unique", FailsOnly("none-refused", Snapshot(), refused).Detail, StringComparison.Ordinal);
    }
}
