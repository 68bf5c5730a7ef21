using CsCheck;
using Ledger.Settlement.Events;

namespace Ledger.Settlement.Tests;

/// <summary>
/// Recovering an account from a snapshot and the events after it gives exactly the state that
/// replaying its whole journal gives: every field, private indexes included (<see cref="StateDump"/>),
/// and the index of its deliver orders' journal rows too. Over the simulation's workload generator
/// (market loans, reclaims, idempotency ids, closes, restarts, an unreliable network), at every
/// point of every account's journal, so that state a later change adds to <see cref="AccountState"/>
/// is caught here as soon as the generator reaches it, until <see cref="AccountSnapshot"/> carries it.
/// </summary>
public sealed class AccountSnapshotProperties
{
    private static readonly Gen<Workload> Workloads = Gen.OneOf(
        LedgerProperties.GenWorkloadWithReclaims,
        LedgerProperties.GenWorkloadWithIdempotencyIds,
        LedgerProperties.GenWorkload);

    [Fact]
    public void Snapshot_and_tail_recover_what_the_whole_journal_replays() =>
        Workloads.Sample(SnapshotAtEveryEventAgrees, iter: 150, print: w => w.ToString());

    /// <summary>A state taken to a snapshot and back is a state of its own: deciding on from it changes nothing in the snapshot it came from.</summary>
    [Fact]
    public void A_restored_state_shares_nothing_with_its_snapshot() =>
        LedgerProperties.GenWorkloadWithReclaims.Sample(workload =>
        {
            var ledger = Simulation.Settled(workload);
            var participant = ledger.Participants.OrderByDescending(p => ledger.Journal(p).Count).First();
            var journal = ledger.Journal(participant);
            var half = InMemoryLedger.Replay(participant, journal.Take(journal.Count / 2), ledger.ReclaimRules);
            var snapshot = half.ToSnapshot();
            var before = StateDump.Of(snapshot);
            var restored = AccountState.FromSnapshot(snapshot, ledger.ReclaimRules);
            foreach (var e in journal.Skip(journal.Count / 2)) restored.Apply(e);
            Require(before == StateDump.Of(snapshot), "applying events to a restored state changed the snapshot it came from");
        }, iter: 30, print: w => w.ToString());

    /// <summary>The same for the deliver-order index and the reference data (the in-memory ledger keeps one journal of each).</summary>
    [Fact]
    public void Index_and_reference_snapshots_and_tails_recover_what_their_whole_journals_replay() =>
        Workloads.Sample(workload =>
        {
            var ledger = Simulation.Settled(workload);
            var index = ledger.IndexJournal;
            var wholeIndex = StateDump.Of(IndexOf(index, 0, index.Count, new DeliverOrderIndexState()));
            var reference = ledger.ReferenceJournal;
            var wholeReference = StateDump.Of(ReferenceOf(reference, 0, reference.Count, new ReferenceState()));
            for (var cut = 0; cut <= index.Count; cut += Math.Max(1, index.Count / 20))
            {
                var head = IndexOf(index, 0, cut, new DeliverOrderIndexState());
                Require(wholeIndex == StateDump.Of(IndexOf(index, cut, index.Count, DeliverOrderIndexState.FromSnapshot(head.ToSnapshot()))),
                    $"the index from a snapshot at event {cut} + the events after it differs from replaying all {index.Count}");
            }
            for (var cut = 0; cut <= reference.Count; cut++)
            {
                var head = ReferenceOf(reference, 0, cut, new ReferenceState());
                Require(wholeReference == StateDump.Of(ReferenceOf(reference, cut, reference.Count, ReferenceState.FromSnapshot(head.ToSnapshot()))),
                    $"the reference data from a snapshot at event {cut} + the events after it differ from replaying all {reference.Count}");
            }
        }, iter: 100, print: w => w.ToString());

    private static DeliverOrderIndexState IndexOf(IReadOnlyList<DeliverOrderRegistered> journal, int from, int to, DeliverOrderIndexState state)
    {
        for (var i = from; i < to; i++) state.Apply(journal[i]);
        return state;
    }

    private static ReferenceState ReferenceOf(IReadOnlyList<ReferenceEvent> journal, int from, int to, ReferenceState state)
    {
        for (var i = from; i < to; i++) state.Apply(journal[i]);
        return state;
    }

    private static void SnapshotAtEveryEventAgrees(Workload workload)
    {
        var ledger = Simulation.Settled(workload);
        foreach (var participant in ledger.Participants)
        {
            var journal = ledger.Journal(participant);
            var whole = InMemoryLedger.Replay(participant, journal, ledger.ReclaimRules);
            var wholeIndex = Index(journal, 0, journal.Count, new DeliverOrderEventIndex());
            var expected = StateDump.Of(whole);
            var expectedIndex = StateDump.Of(wholeIndex);
            // Every cut for short journals; about 40 spread over a long one.
            var stride = Math.Max(1, journal.Count / 40);
            for (var cut = 0; cut <= journal.Count; cut += stride)
            {
                var head = InMemoryLedger.Replay(participant, journal.Take(cut), ledger.ReclaimRules);
                var restored = AccountState.FromSnapshot(head.ToSnapshot(), ledger.ReclaimRules);
                Require(StateDump.Of(head) == StateDump.Of(restored), $"{participant} at event {cut}: the state restored from its snapshot differs from the state it was taken of");
                foreach (var e in journal.Skip(cut)) restored.Apply(e);
                Require(expected == StateDump.Of(restored), $"{participant}: snapshot at event {cut} + the {journal.Count - cut} events after it differ from replaying all {journal.Count}");

                var headIndex = Index(journal, 0, cut, new DeliverOrderEventIndex());
                var restoredIndex = Index(journal, cut, journal.Count, DeliverOrderEventIndex.FromSnapshot(headIndex.ToSnapshot()));
                Require(expectedIndex == StateDump.Of(restoredIndex), $"{participant}: the deliver-order event index from a snapshot at event {cut} differs from the whole journal's");
            }
        }
    }

    private static DeliverOrderEventIndex Index(IReadOnlyList<AccountEvent> journal, int from, int to, DeliverOrderEventIndex index)
    {
        for (var i = from; i < to; i++) index.Record(i + 1, journal[i]);
        return index;
    }

    private static void Require(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }
}
