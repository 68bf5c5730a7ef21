using Ledger.Cluster.Replay;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Verify;

/// <summary>One account's journal checked: how many events, and the first that breaks the chain (or could not be read).</summary>
public sealed record AccountVerification(string PersistenceId, long Events, ChainBreak? Break, string? Unreadable)
{
    public bool Ok => Break is null && Unreadable is null;
}

/// <summary>
/// Checks the hash chain of account journals straight from the store (<see cref="JournalTable"/>): every
/// account, or one. Nothing is written.
/// </summary>
public static class JournalVerifier
{
    private const string AccountPrefix = "account-";

    public static async Task<IReadOnlyList<AccountVerification>> VerifyAsync(JournalTable journal, ParticipantId? participant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(journal);
        IReadOnlyList<string> ids = participant is { } p
            ? [AccountPrefix + p.Value]
            : await journal.PersistenceIdsAsync(AccountPrefix, ct);
        var results = new List<AccountVerification>(ids.Count);
        foreach (var id in ids)
        {
            ct.ThrowIfCancellationRequested();
            var events = new List<(long, AccountEvent)>();
            string? unreadable = null;
            try
            {
                await foreach (var stored in journal.EventsAsync(id, long.MaxValue, ct))
                {
                    if (stored.Event is AccountEvent e) events.Add((stored.SequenceNr, e));
                }
            }
            catch (JournalRowException e)
            {
                // A row edited into something the serializer cannot read is tampering too.
                unreadable = $"event {e.SequenceNr} could not be read: {e.Why}";
            }
            results.Add(new AccountVerification(id, events.Count, EventChain.Verify(events), unreadable));
        }
        return results;
    }
}
