using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Replay;

/// <summary>
/// Reads what <see cref="WhatIf.Reconstruct"/> needs from the store: the reference journal and
/// every account's journal (<see cref="JournalTable"/>), then hands them to the pure what-if. It never writes.
/// </summary>
public static class WhatIfReader
{
    /// <summary>The persistence id of the reference data (as <see cref="ReferenceActor"/> writes it).</summary>
    public const string ReferencePersistenceId = "reference";

    private const string AccountPrefix = "account-";

    /// <summary>
    /// Reconstructs <paramref name="businessDate"/> from the journal table of a store; without a
    /// date, the last day the journal closed (<see cref="WhatIf.LastDay"/>).
    /// </summary>
    /// <exception cref="WhatIfException">The business day is not in the journal.</exception>
    /// <exception cref="JournalDamagedException">A journal it needs is damaged.</exception>
    public static async Task<WhatIfDay> ReadDayAsync(JournalTable journal, DateOnly? businessDate, CancellationToken ct, ReclaimRules? reclaimRules = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var reference = new List<ReferenceEvent>();
        // Checked as the entities check them when they recover: a what-if never runs on a journal that does not vouch for itself.
        await foreach (var stored in journal.CheckedEventsAsync(ReferencePersistenceId, ct))
        {
            reference.Add((ReferenceEvent)stored.Event);
        }
        var day = businessDate ?? WhatIf.LastDay(reference) ?? throw new WhatIfException("no business day was ever opened in this journal");
        var accounts = new Dictionary<string, IReadOnlyList<AccountEvent>>(StringComparer.Ordinal);
        foreach (var id in await journal.PersistenceIdsAsync(AccountPrefix, ct))
        {
            if (!ParticipantId.IsValid(id[AccountPrefix.Length..])) continue;
            var events = new List<AccountEvent>();
            await foreach (var stored in journal.CheckedEventsAsync(id, ct))
            {
                events.Add((AccountEvent)stored.Event);
            }
            accounts[id[AccountPrefix.Length..]] = events;
        }
        return WhatIf.Reconstruct(day, reference, accounts, reclaimRules);
    }

    /// <summary>
    /// <c>ledger what-if</c>: reconstructs the day from the store of <paramref name="settings"/>
    /// and runs the what-if on it.
    /// </summary>
    /// <exception cref="ReplayStoreException">The SQLite file does not exist.</exception>
    /// <exception cref="WhatIfException">The day is not in the journal, or a setting names nothing of it.</exception>
    public static async Task<WhatIfReport> RunStoreAsync(StoreSettings settings, DateOnly businessDate, WhatIfSettings changes, CancellationToken ct)
    {
        var day = await ReadStoreDayAsync(settings, businessDate, changes.ReclaimRules, ct);
        return WhatIf.Run(day, changes);
    }

    /// <summary>Reconstructs the day from the store of <paramref name="settings"/>.</summary>
    public static Task<WhatIfDay> ReadStoreDayAsync(StoreSettings settings, DateOnly? businessDate, ReclaimRules? reclaimRules, CancellationToken ct) =>
        ReadDayAsync(JournalTable.Of(settings), businessDate, ct, reclaimRules);
}
