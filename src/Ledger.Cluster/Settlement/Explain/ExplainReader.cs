using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Explain;

/// <summary>What asking for an explanation came to.</summary>
public enum ExplainOutcome
{
    Explained = 1,
    /// <summary>No deliver order was ever registered with this id.</summary>
    Unknown = 2,
    /// <summary>The caller, a participant, is neither its deliverer nor its receiver (nothing was read).</summary>
    NotAParty = 3,
    /// <summary>Its business day is older than the days the accounts keep an event index for (read it with <c>ledger explain</c>).</summary>
    NotRetained = 4,
}

/// <summary>An explanation, or why there is none.</summary>
public sealed record ExplainResult(ExplainOutcome Outcome, DeliverOrderExplanation? Explanation = null)
{
    public static readonly ExplainResult Unknown = new(ExplainOutcome.Unknown);
    public static readonly ExplainResult NotAParty = new(ExplainOutcome.NotAParty);
    public static readonly ExplainResult NotRetained = new(ExplainOutcome.NotRetained);
}

/// <summary>A running node's explanations of deliver orders.</summary>
public interface IDeliverOrderExplainer
{
    /// <summary>
    /// Explains <paramref name="id"/>: to <paramref name="participant"/> (a party) from its own journal
    /// alone (<see cref="Explanation.ExplainFor"/>), to everyone else (null: risk, OCC, the operator)
    /// from every journal it touched. The party check comes first, from the id's registration, and a
    /// participant that is not a party gets <see cref="ExplainOutcome.NotAParty"/> for a known id and
    /// <see cref="ExplainOutcome.Unknown"/> for an unknown one after the very same work: one index
    /// lookup, no journal read.
    /// </summary>
    /// <exception cref="NotSupportedException">The node's store has no journal table to read (the in-memory test store).</exception>
    Task<ExplainResult> ExplainAsync(DeliverOrderId id, ParticipantId? participant, CancellationToken ct);
}

/// <summary>
/// Reads what <see cref="Explanation.Explain"/> needs and nothing more. On a node (<see cref="ExplainKeyedAsync"/>):
/// the rows each party's account names for the deliver order, read by key, so an explanation's time and
/// memory follow its own few events, not the length of the journals. From a store without a node
/// (<c>ledger explain</c>, <see cref="ExplainAsync"/>): the id's registration in its index bucket, the
/// journals of its two parties, and for a look-ahead the journal of the partner delivery's other party.
/// Both tell the same life. It never writes.
/// </summary>
public static class ExplainReader
{
    /// <summary>Look-ahead partners chain at most one account further; a second round is a safety margin, not a loop.</summary>
    private const int PartnerRoundsMax = 2;

    /// <summary>
    /// Keyed rounds, at most: the parties' rows of the deliver order; then those of its look-ahead
    /// partners (now known); then the partners' other parties and the orders the partners were paired
    /// with; the fourth finds nothing new. Two more are a margin; a plan still changing after them is a bug.
    /// </summary>
    public const int KeyedRoundsMax = 6;

    /// <summary>The persistence id of the index bucket that holds <paramref name="id"/> (as <see cref="DeliverOrderIndexActor"/> writes it).</summary>
    public static string IndexPersistenceIdOf(DeliverOrderId id) => "deliver-order-index-" + IndexBuckets.Of(id).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Which of an account's events explain the ids given (its <see cref="DeliverOrderEventIndex"/>).</summary>
    public delegate Task<IndexedEvents> EventsOf(string participant, IReadOnlyList<DeliverOrderId> ids, DateOnly? businessDate, CancellationToken ct);

    /// <summary>The account's journal rows at the sequence numbers given, in order.</summary>
    public delegate Task<IReadOnlyList<JournaledEvent>> RowsOf(string participant, IReadOnlyList<long> sequenceNrs, CancellationToken ct);

    /// <summary>
    /// Explains <paramref name="registered"/>'s deliver order from the rows each account names for it,
    /// following <see cref="Explanation.ReadingPlan"/>: <paramref name="participant"/>'s own account
    /// only, or (null) its deliverer's and receiver's and, for a look-ahead, its partner's other party's.
    /// Each round asks each account of the plan for the deliver orders of the plan and reads the rows
    /// not read yet, until the plan stops changing. <paramref name="view"/>: the deliver order as its
    /// parties see it, the participant's final state (<see cref="Explanation.ExplainFor"/>).
    /// </summary>
    public static async Task<ExplainResult> ExplainKeyedAsync(DeliverOrderRegistered registered, ParticipantId? participant, DeliverOrderView? view,
        EventsOf eventsOf, RowsOf rowsOf, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(registered);
        ArgumentNullException.ThrowIfNull(eventsOf);
        ArgumentNullException.ThrowIfNull(rowsOf);
        var id = new DeliverOrderId(registered.DeliverOrderId);
        var day = registered.BusinessDate is { } date ? AccountState.ParseDate(date) : (DateOnly?)null;
        var read = new Dictionary<string, SortedDictionary<long, JournaledEvent>>(StringComparer.Ordinal);
        var events = new List<JournaledEvent>();
        var plan = Explanation.ReadingPlan(registered, participant, events);
        for (var round = 0; ; round++)
        {
            if (round == KeyedRoundsMax)
                throw new InvalidOperationException($"the reading plan of {id} still changed after {KeyedRoundsMax} rounds: {string.Join(",", plan.Accounts)} / {string.Join(",", plan.Ids)}");
            foreach (var account in plan.Accounts)
            {
                var found = await eventsOf(account, plan.Ids, day, ct);
                if (!found.Retained) return ExplainResult.NotRetained;
                if (!read.TryGetValue(account, out var rows)) read[account] = rows = new SortedDictionary<long, JournaledEvent>();
                var missing = found.SequenceNrs.Where(n => !rows.ContainsKey(n)).ToList();
                if (missing.Count == 0) continue;
                foreach (var e in await rowsOf(account, missing, ct)) rows[e.SequenceNr] = e;
            }
            // Journals in the plan's order, each in its own order: as a read of whole journals lists them.
            events = plan.Accounts.SelectMany(a => read[a].Values).ToList();
            var next = Explanation.ReadingPlan(registered, participant, events);
            if (next.Accounts.SequenceEqual(plan.Accounts) && next.Ids.SequenceEqual(plan.Ids)) break;
            plan = next;
        }
        return new ExplainResult(ExplainOutcome.Explained, participant is { } viewer
            ? Explanation.ExplainFor(viewer, id, events, registered, view)
            : Explanation.Explain(id, events, registered));
    }

    /// <summary>
    /// Explains <paramref name="id"/> from the journal table of a store, reading whole journals (the
    /// index bucket's, the parties'). Null when the id was never registered.
    /// </summary>
    public static async Task<DeliverOrderExplanation?> ExplainAsync(JournalTable journal, DeliverOrderId id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(journal);
        DeliverOrderRegistered? registered = null;
        await foreach (var stored in journal.EventsAsync(IndexPersistenceIdOf(id), long.MaxValue, ct))
        {
            // The first registration is the one that counts; a later one with the same id does not happen (the index refuses it).
            registered = stored.Event switch
            {
                DeliverOrderRegistered r when r.DeliverOrderId == id.Value => r,
                DeliverOrdersRegistered batch => batch.Orders.FirstOrDefault(r => r.DeliverOrderId == id.Value),
                _ => null,
            };
            if (registered is not null) break;
        }
        if (registered is null) return null;
        var events = await ReadParties(id, [registered.Deliverer, registered.Receiver], async (participant, token) =>
        {
            var list = new List<JournaledEvent>();
            await foreach (var stored in journal.EventsAsync(AccountReplay.PersistenceIdOf(new ParticipantId(participant)), long.MaxValue, token))
            {
                if (stored.Event is AccountEvent e) list.Add(new JournaledEvent(participant, stored.SequenceNr, e));
            }
            return list;
        }, ct);
        return Explanation.Explain(id, events, registered);
    }

    private static async Task<List<JournaledEvent>> ReadParties(DeliverOrderId id, IReadOnlyList<string> parties,
        Func<string, CancellationToken, Task<List<JournaledEvent>>> readJournal, CancellationToken ct)
    {
        var events = new List<JournaledEvent>();
        foreach (var participant in parties.Distinct(StringComparer.Ordinal))
        {
            events.AddRange(await readJournal(participant, ct));
        }
        for (var round = 0; round < PartnerRoundsMax; round++)
        {
            var more = Explanation.MoreJournals(id, events);
            if (more.Count == 0) break;
            foreach (var participant in more)
            {
                events.AddRange(await readJournal(participant, ct));
            }
        }
        return events;
    }

    /// <summary><c>ledger explain</c>: explains <paramref name="id"/> from the store of <paramref name="settings"/>.</summary>
    /// <exception cref="ReplayStoreException">The SQLite file does not exist.</exception>
    public static Task<DeliverOrderExplanation?> ExplainStoreAsync(StoreSettings settings, DeliverOrderId id, CancellationToken ct) =>
        ExplainAsync(JournalTable.Of(settings), id, ct);
}
