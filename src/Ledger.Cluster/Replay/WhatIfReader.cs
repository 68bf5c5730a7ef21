using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Replay;

/// <summary>
/// Reads what <see cref="WhatIf.Reconstruct"/> needs from the store: the reference journal and
/// every account's journal (Persistence Query's <c>CurrentPersistenceIds</c> and
/// <c>CurrentEventsByPersistenceId</c>), then hands them to the pure what-if. It never writes.
/// </summary>
public static class WhatIfReader
{
    /// <summary>The persistence id of the reference data (as <see cref="ReferenceActor"/> writes it).</summary>
    public const string ReferencePersistenceId = "reference";

    private const string AccountPrefix = "account-";

    /// <summary>Reconstructs <paramref name="businessDate"/> from the store of <paramref name="system"/>.</summary>
    /// <exception cref="WhatIfException">The business day is not in the journal.</exception>
    public static async Task<WhatIfDay> ReadDayAsync(ActorSystem system, DateOnly businessDate, CancellationToken ct, ReclaimRules? reclaimRules = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(StoreConfig.ReadJournalPluginId);
        var reference = new List<ReferenceEvent>();
        await foreach (var envelope in Read(system, journal, ReferencePersistenceId).WithCancellation(ct))
        {
            if (envelope.Event is ReferenceEvent e) reference.Add(e);
        }
        var ids = new List<string>();
        await foreach (var id in journal.CurrentPersistenceIds().RunAsAsyncEnumerable(system.Materializer()).WithCancellation(ct))
        {
            if (id.StartsWith(AccountPrefix, StringComparison.Ordinal) && ParticipantId.IsValid(id[AccountPrefix.Length..])) ids.Add(id);
        }
        var accounts = new Dictionary<string, IReadOnlyList<AccountEvent>>(StringComparer.Ordinal);
        foreach (var id in ids.Order(StringComparer.Ordinal))
        {
            var events = new List<AccountEvent>();
            await foreach (var envelope in Read(system, journal, id).WithCancellation(ct))
            {
                if (envelope.Event is not AccountEvent e) continue;
                events.Add(e);
            }
            accounts[id[AccountPrefix.Length..]] = events;
        }
        return WhatIf.Reconstruct(businessDate, reference, accounts, reclaimRules);
    }

    /// <summary>
    /// <c>ledger what-if</c>: reconstructs the day from the store of <paramref name="settings"/>
    /// on a plain local actor system (which it stops after) and runs the what-if on it.
    /// </summary>
    /// <exception cref="ReplayStoreException">The SQLite file does not exist.</exception>
    /// <exception cref="WhatIfException">The day is not in the journal, or a setting names nothing of it.</exception>
    public static async Task<WhatIfReport> RunStoreAsync(StoreSettings settings, DateOnly businessDate, WhatIfSettings changes, CancellationToken ct)
    {
        var day = await ReadStoreDayAsync(settings, businessDate, changes.ReclaimRules, ct);
        return WhatIf.Run(day, changes);
    }

    /// <summary>Reconstructs the day from the store of <paramref name="settings"/> on a plain local actor system, which it stops after.</summary>
    public static async Task<WhatIfDay> ReadStoreDayAsync(StoreSettings settings, DateOnly businessDate, ReclaimRules? reclaimRules, CancellationToken ct)
    {
        var system = AccountReplay.CreateReaderSystem(settings);
        try
        {
            return await ReadDayAsync(system, businessDate, ct, reclaimRules);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static IAsyncEnumerable<EventEnvelope> Read(ActorSystem system, SqlReadJournal journal, string persistenceId) =>
        journal.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue).RunAsAsyncEnumerable(system.Materializer());
}
