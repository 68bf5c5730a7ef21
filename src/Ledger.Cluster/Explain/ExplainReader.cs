using Ledger.Cluster.Replay;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Explain;

/// <summary>
/// Reads what <see cref="Explanation.Explain"/> needs from the store and nothing more: the id's
/// registration in its index bucket, the journals of its two parties, and for a look-ahead the
/// journal of the partner delivery's other party. It never writes.
/// </summary>
public static class ExplainReader
{
    /// <summary>Look-ahead partners chain at most one account further; a second round is a safety margin, not a loop.</summary>
    private const int PartnerRoundsMax = 2;

    /// <summary>The persistence id of the index bucket that holds <paramref name="id"/> (as <see cref="DeliverOrderIndexActor"/> writes it).</summary>
    public static string IndexPersistenceIdOf(DeliverOrderId id) => "deliver-order-index-" + IndexBuckets.Of(id).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Explains <paramref name="id"/> from the journal table of a store. Null when the id was never registered.
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
