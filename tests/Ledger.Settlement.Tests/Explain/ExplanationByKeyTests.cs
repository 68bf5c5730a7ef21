using System.Text.Json;
using CsCheck;
using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// An explanation read by key: each account's <see cref="DeliverOrderEventIndex"/> names the rows of
/// a deliver order (and what its explanation reads beside them), <see cref="Explanation.ReadingPlan"/>
/// says whose and about which deliver orders, and the life told from those rows alone is the life told
/// from whole journals. A participant sees only its own account's steps.
/// </summary>
public sealed class ExplanationByKeyTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every account's journal as the store numbers it (from 1), and its event index fed the same way the account actor feeds it.</summary>
    private sealed class Journals
    {
        private readonly InMemoryLedger _ledger;

        public Journals(InMemoryLedger ledger)
        {
            _ledger = ledger;
            foreach (var p in ledger.Participants)
            {
                var journal = ledger.Journal(p).Select((e, i) => new JournaledEvent(p.Value, i + 1, e)).ToList();
                var index = new DeliverOrderEventIndex();
                foreach (var e in journal) index.Record(e.SequenceNr, e.Event);
                Of[p.Value] = journal;
                Index[p.Value] = index;
            }
        }

        public Dictionary<string, List<JournaledEvent>> Of { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, DeliverOrderEventIndex> Index { get; } = new(StringComparer.Ordinal);

        public int RowsRead { get; private set; }

        /// <summary>As <c>ledger explain</c> reads: both parties' whole journals, then those of look-ahead partners' other parties.</summary>
        public List<JournaledEvent> Whole(DeliverOrderRegistered registered)
        {
            var id = new DeliverOrderId(registered.DeliverOrderId);
            var events = new[] { registered.Deliverer, registered.Receiver }.Distinct().SelectMany(p => Of[p]).ToList();
            for (var round = 0; round < 2; round++)
            {
                var more = Explanation.MoreJournals(id, events);
                if (more.Count == 0) break;
                foreach (var p in more) events.AddRange(Of[p]);
            }
            return events;
        }

        /// <summary>As a node reads (the loop of ExplainReader.ExplainKeyedAsync): null when an account no longer indexes the deliver order's day.</summary>
        public DeliverOrderExplanation? ByKey(DeliverOrderRegistered registered, ParticipantId? viewer)
        {
            var id = new DeliverOrderId(registered.DeliverOrderId);
            var read = new Dictionary<string, SortedDictionary<long, JournaledEvent>>(StringComparer.Ordinal);
            var events = new List<JournaledEvent>();
            var plan = Explanation.ReadingPlan(registered, viewer, events);
            for (var round = 0; ; round++)
            {
                Assert.True(round < 6, $"the reading plan of {id} still changed after 6 rounds");
                foreach (var account in plan.Accounts)
                {
                    var found = Index[account].Find(plan.Ids, registered.BusinessDate is { } d ? AccountState.ParseDate(d) : null);
                    if (!found.Retained) return null;
                    if (!read.TryGetValue(account, out var rows)) read[account] = rows = new SortedDictionary<long, JournaledEvent>();
                    foreach (var n in found.SequenceNrs.Where(n => !rows.ContainsKey(n)))
                    {
                        rows[n] = Of[account][(int)n - 1];
                        RowsRead++;
                    }
                }
                events = plan.Accounts.SelectMany(a => read[a].Values).ToList();
                var next = Explanation.ReadingPlan(registered, viewer, events);
                if (next.Accounts.SequenceEqual(plan.Accounts) && next.Ids.SequenceEqual(plan.Ids)) break;
                plan = next;
            }
            return viewer is { } v ? Explanation.ExplainFor(v, id, events, registered, _ledger.DeliverOrder(id)) : Explanation.Explain(id, events, registered);
        }
    }

    private static string Text(DeliverOrderExplanation x) => JsonSerializer.Serialize(x, Json);

    /// <summary>Checks every deliver order the ledger registered, for risk and for each party; returns how many were explained by key.</summary>
    private static int CheckEveryDeliverOrder(InMemoryLedger ledger)
    {
        var journals = new Journals(ledger);
        var explained = 0;
        foreach (var registered in ledger.IndexJournal)
        {
            var id = new DeliverOrderId(registered.DeliverOrderId);
            var whole = journals.Whole(registered);
            var byKey = journals.ByKey(registered, null);
            // The accounts forget a deliver order's events with its records, a closed day later.
            var kept = ledger.StateOf(P(registered.Deliverer)).Deliveries.ContainsKey(id);
            Assert.True(kept == byKey is not null, $"{id}: the deliverer {(kept ? "keeps" : "forgot")} its record, the index {(byKey is null ? "forgot" : "keeps")} its events");
            if (byKey is null) continue;
            explained++;
            Assert.Equal(Text(Explanation.Explain(id, whole, registered)), Text(byKey));
            foreach (var party in new[] { registered.Deliverer, registered.Receiver }.Distinct())
            {
                var own = journals.ByKey(registered, P(party))!;
                Assert.Equal(Text(Explanation.ExplainFor(P(party), id, whole, registered, ledger.DeliverOrder(id))), Text(own));
                Assert.All(own.Steps, s => Assert.Contains(s.Participant, new[] { party, "index" }));
            }
        }
        return explained;
    }

    /// <summary>
    /// Random days (loans through OCC, reclaims, cancels, drops at the cutoff, closes, repricing, an
    /// unreliable network, restarts): for every deliver order the accounts still keep, the life told
    /// from the indexed rows is the life told from whole journals, to risk and to each party.
    /// </summary>
    [Fact]
    public void Reading_by_key_tells_the_same_life_as_whole_journals() =>
        LedgerProperties.GenWorkloadWithReclaims.Sample(w => CheckEveryDeliverOrder(Simulation.Settled(w)), iter: 150, print: w => w.ToString());

    /// <summary>Scenario 5 then 8: a Market Loan paired at OCC, the borrower's reclaim, OCC's redelivery; the world of the HTTP tests.</summary>
    private static InMemoryLedger MarketLoanWithReclaim()
    {
        var ledger = NewLedger()
            .Participant(Occ, 0m, 0m, marketLoanProgram: false, centralCounterparty: true)
            .Participant(L, 10_000m, 1_000_000m, marketLoanProgram: true)
            .Participant(B, 50_000m, 1_000_000m, marketLoanProgram: true)
            .Holds(L, 1_000);
        ledger.Submit(Request("DO1", L, Occ, 1_000, 100_000m), At(14));
        ledger.Submit(Request("DO2", Occ, B, 1_000, 100_000m), At(14, 1));
        ledger.DeliverAll();
        Expect(ledger.Order("DO2"), "completed", completedBy: "look-ahead");
        Assert.True(ledger.Reclaim(Rc(B, "RC1"), Id("DO2"), At(15)).Accepted);
        ledger.DeliverAll();
        ledger.Submit(Request("RD1", Occ, L, 1_000, 100_000m), At(15, 5));
        ledger.DeliverAll();
        Expect(ledger.Order(Filed(B, "RC1")), "completed", completedBy: "look-ahead");
        return ledger;
    }

    [Fact]
    public void A_market_loan_its_reclaim_and_the_redelivery_read_by_key_tell_what_whole_journals_tell()
    {
        Assert.Equal(4, CheckEveryDeliverOrder(MarketLoanWithReclaim()));
    }

    [Fact]
    public void The_borrowers_explanation_of_its_leg_holds_no_lender_and_no_lender_figures_and_the_lenders_none_of_the_borrower()
    {
        var ledger = MarketLoanWithReclaim();
        var journals = new Journals(ledger);
        var borrowerLeg = ledger.IndexJournal.Single(r => r.DeliverOrderId == "DO2");
        var lenderLeg = ledger.IndexJournal.Single(r => r.DeliverOrderId == "DO1");

        var borrowers = journals.ByKey(borrowerLeg, P(B))!;
        var lenders = journals.ByKey(lenderLeg, P(L))!;
        var risks = journals.ByKey(borrowerLeg, null)!;

        // Risk (and OCC, and the operator) see the pairing at OCC and the lender's leg.
        Assert.Equal("DO1", risks.LookAheadPartner);
        Assert.Contains(risks.Steps, s => s.Participant == Occ && s.Kind == "look-ahead-proposed");
        Assert.Contains(risks.Steps, s => s.Participant == L);
        Assert.Contains(L, Text(risks));

        // The borrower: its own receive and the reclaim it made, OCC named as its counterparty, nothing of L or of OCC's look-ahead.
        Assert.Equal([B, "index"], borrowers.Steps.Select(s => s.Participant).Distinct().Order().ToArray());
        Assert.DoesNotContain(L, Text(borrowers));
        Assert.Null(borrowers.LookAheadPartner);
        Assert.DoesNotContain(borrowers.Steps, s => s.DeliverOrderId == "DO1" || s.Side == "middle");
        Assert.Equal(("completed", "look-ahead", Occ, B), (borrowers.FinalState, borrowers.CompletedBy, borrowers.Deliverer, borrowers.Receiver));
        Assert.All(borrowers.Steps.Where(s => s.Inputs is not null), s => Assert.Equal(50_000.00m, s.Inputs!.CollateralMonitor)); // B's own monitor, never L's $10,000

        // The lender: its own delivery, nothing of B.
        Assert.Equal([L, "index"], lenders.Steps.Select(s => s.Participant).Distinct().Order().ToArray());
        Assert.DoesNotContain(B, Text(lenders));
        Assert.Null(lenders.LookAheadPartner);
        Assert.Equal(("completed", "look-ahead"), (lenders.FinalState, lenders.CompletedBy));
        Assert.All(lenders.Steps.Where(s => s.Inputs is not null), s => Assert.Equal(1_000, s.Inputs!.AvailableShares)); // L's own shares
    }

    [Fact]
    public void An_explanation_reads_only_its_deliver_orders_rows_however_long_the_journals()
    {
        var ledger = NewLedger().Participant(A, 1_000_000m, 1_000_000m).Participant(B, 1_000_000m, 1_000_000m).Holds(A, 10_000);
        // A thousand other deliver orders between the same two accounts, before and after.
        for (var i = 0; i < 500; i++) ledger.Settle($"BEFORE-{i}", A, B, 1, 100m);
        ledger.Settle("DO-X", A, B, 10, 1_000m);
        for (var i = 0; i < 500; i++) ledger.Settle($"AFTER-{i}", A, B, 1, 100m);
        var journals = new Journals(ledger);
        var registered = ledger.IndexJournal.Single(r => r.DeliverOrderId == "DO-X");

        var byKey = journals.ByKey(registered, null)!;

        Assert.True(journals.Of[A].Count + journals.Of[B].Count > 3_000);
        // A's reservation and completion, B's completion, and the event before each reservation or completion.
        Assert.Equal(3, byKey.Steps.Count(s => s.Kind != "registered"));
        Assert.Equal(5, journals.RowsRead);
        Assert.Equal(Text(Explanation.Explain(Id("DO-X"), journals.Whole(registered), registered)), Text(byKey));
    }

    [Fact]
    public void The_index_forgets_a_deliver_order_with_its_records_a_closed_day_later_and_says_so()
    {
        var ledger = NewLedger().Participant(A, 1_000_000m, 1_000_000m).Participant(B, 1_000_000m, 1_000_000m).Holds(A, 1_000);
        ledger.Settle("THURSDAY", A, B, 10, 1_000m);
        Ok(ledger.Close(At(21)));
        ledger.Settle("FRIDAY", A, B, 10, 1_000m);

        var afterOneClose = new Journals(ledger);
        Assert.NotNull(afterOneClose.ByKey(ledger.IndexJournal.Single(r => r.DeliverOrderId == "THURSDAY"), null));
        Assert.Equal(Thursday, afterOneClose.Index[A].RetainedSince);

        Ok(ledger.Close(At(22)));
        var afterTwo = new Journals(ledger);
        Assert.Null(afterTwo.ByKey(ledger.IndexJournal.Single(r => r.DeliverOrderId == "THURSDAY"), null));
        Assert.NotNull(afterTwo.ByKey(ledger.IndexJournal.Single(r => r.DeliverOrderId == "FRIDAY"), null));
        Assert.False(ledger.StateOf(P(A)).Deliveries.ContainsKey(Id("THURSDAY")));
        Assert.Equal(Friday, afterTwo.Index[A].RetainedSince);
        Assert.Equal(1, afterTwo.Index[A].Count);
    }

    [Fact]
    public void A_drop_reads_the_cutoff_before_it_and_a_recycle_the_event_that_gave_it_headroom()
    {
        // B's receive pends on its cap, recycles after a payment; C's pends on position and drops at the cutoff.
        var ledger = NewLedger().Participant(A, 0m, 1_000_000m).Participant(B, 50_000m, 80_000m).Participant(C, 0m, 1_000_000m).Holds(A, 1_000);
        ledger.Settle("DO-CAP", A, B, 1_000, 100_000m);
        ledger.Settle("DO-SHORT", C, A, 10, 1_000m);
        ledger.Wires(B, 30_000m);
        ledger.DeliverAll();
        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();
        var journals = new Journals(ledger);

        var recycled = journals.ByKey(ledger.IndexJournal.Single(r => r.DeliverOrderId == "DO-CAP"), null)!;
        var dropped = journals.ByKey(ledger.IndexJournal.Single(r => r.DeliverOrderId == "DO-SHORT"), null)!;

        Assert.Contains(recycled.Steps, s => s.Sentence.Contains("completed by recycle after a settlement progress payment of 30,000.00", StringComparison.Ordinal));
        Assert.Contains(dropped.Steps, s => s.Sentence.Contains("dropped it at the recycle cutoff of 2025-01-02", StringComparison.Ordinal));
        Assert.Equal(("dropped", null), (dropped.FinalState, dropped.CompletedBy));
    }
}
