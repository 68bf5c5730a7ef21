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
