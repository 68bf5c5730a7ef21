using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
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
    /// Explains <paramref name="id"/> from the store of <paramref name="system"/> (a node's own
    /// system, or a plain local one from <see cref="AccountReplay.CreateReaderSystem"/>) with
    /// Persistence Query's <c>CurrentEventsByPersistenceId</c>. Null when the id was never registered.
    /// </summary>
    public static async Task<DeliverOrderExplanation?> ExplainAsync(ActorSystem system, DeliverOrderId id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(system);
        DeliverOrderRegistered? registered = null;
        await foreach (var envelope in Read(system, IndexPersistenceIdOf(id), ct).WithCancellation(ct))
        {
            // The first registration is the one that counts; a later one with the same id does not happen (the index refuses it).
            if (envelope.Event is DeliverOrderRegistered r && r.DeliverOrderId == id.Value)
            {
                registered = r;
                break;
            }
        }
        if (registered is null) return null;
        var events = await ReadParties(id, [registered.Deliverer, registered.Receiver], async (participant, token) =>
        {
            var list = new List<JournaledEvent>();
            await foreach (var envelope in Read(system, AccountReplay.PersistenceIdOf(new ParticipantId(participant)), token).WithCancellation(token))
            {
                if (envelope.Event is AccountEvent e) list.Add(new JournaledEvent(participant, envelope.SequenceNr, e));
            }
            return list;
        }, ct);
        return Explanation.Explain(id, events, registered);
    }

    /// <summary>
    /// Explains <paramref name="id"/> through a running node: its parties from the ledger's index,
    /// their journals from the node's read journal. The index's registration event is not read
    /// this way, so the explanation starts at the deliverer's first decision.
    /// Null when the ledger knows no such deliver order.
    /// </summary>
    public static async Task<DeliverOrderExplanation?> ExplainAsync(ILedger ledger, IJournalReader journal, DeliverOrderId id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(journal);
        var view = await ledger.DeliverOrderAsync(id, ct);
        if (view is null) return null;
        var events = await ReadParties(id, [view.Deliverer, view.Receiver], async (participant, token) =>
            (await journal.EventsAsync(new ParticipantId(participant), null, null, token) ?? [])
                .Select(e => new JournaledEvent(participant, e.SequenceNr, e.Event)).ToList(), ct);
        return Explanation.Explain(id, events, null);
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

    private static IAsyncEnumerable<EventEnvelope> Read(ActorSystem system, string persistenceId, CancellationToken ct)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(StoreConfig.ReadJournalPluginId);
        // Leaving the loop early disposes the enumerator, which cancels the stream and its query.
        return journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue).RunAsAsyncEnumerable(system.Materializer());
    }

    /// <summary>
    /// <c>ledger explain</c>: explains <paramref name="id"/> from the store of
    /// <paramref name="settings"/> on a plain local actor system, which it stops after.
    /// </summary>
    /// <exception cref="ReplayStoreException">The SQLite file does not exist.</exception>
    public static async Task<DeliverOrderExplanation?> ExplainStoreAsync(StoreSettings settings, DeliverOrderId id, CancellationToken ct)
    {
        var system = AccountReplay.CreateReaderSystem(settings);
        try
        {
            return await ExplainAsync(system, id, ct);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
