using Ledger.Settlement;

namespace Ledger.Journal;

/// <summary>
/// One journal checked: its kind (null for a journal the ledger does not write, which is listed
/// but not checked), how many events, how many of them carry no chain (written before their
/// journal was chained), and its first damaged event.
/// </summary>
public sealed record JournalVerification(string PersistenceId, JournalKind? Kind, long Events, long UnchainedEvents, JournalFinding? Finding)
{
    public bool Ok => Finding is null;

    /// <summary>A journal of the ledger's own (account, index bucket, reference data), checked event by event.</summary>
    public bool Checked => Kind is not null;
}

/// <summary>
/// Checks every journal the ledger writes straight from the store (<see cref="JournalTable"/>): the
/// accounts, the deliver-order index buckets and the reference data, each read once, in order, by
/// the same <see cref="JournalCheck"/> an entity's recovery runs. Nothing is written.
/// </summary>
public static class JournalVerifier
{
    /// <summary>Every journal in the store (with <paramref name="participant"/>: that account's only), in ordinal order of persistence id.</summary>
    public static async Task<IReadOnlyList<JournalVerification>> VerifyAsync(JournalTable journal, ParticipantId? participant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(journal);
        IReadOnlyList<string> ids = participant is { } p
            ? [Journals.AccountPrefix + p.Value]
            : await journal.PersistenceIdsAsync("", ct);
        var results = new List<JournalVerification>(ids.Count);
        foreach (var id in ids)
        {
            ct.ThrowIfCancellationRequested();
            results.Add(Journals.KindOf(id) is { } kind
                ? await VerifyOneAsync(journal, id, ct)
                : new JournalVerification(id, null, 0, 0, null));
        }
        return results;
    }

    private static async Task<JournalVerification> VerifyOneAsync(JournalTable journal, string persistenceId, CancellationToken ct)
    {
        var check = new JournalCheck(persistenceId);
        try
        {
            await foreach (var stored in journal.EventsAsync(persistenceId, long.MaxValue, ct))
            {
                if (!check.Take(stored.SequenceNr, stored.AsStored)) break;
            }
        }
        catch (JournalRowException e)
        {
            // Taken like any event, so that a gap before it is still reported first.
            check.Take(e.SequenceNr, new UnreadableEvent(e.Manifest, e.Why));
        }
        // A row marked deleted at the end leaves no gap to see: the store's highest sequence number does.
        if (check.Intact) check.End(await journal.HighestSequenceNrAsync(persistenceId, ct));
        return new JournalVerification(persistenceId, check.Kind, check.Events, check.UnchainedEvents, check.Finding);
    }
}
