using Ledger.Settlement;
using Ledger.Settlement.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Replay;

/// <summary>Where a replay stops: after the last event, at a moment, or after a sequence number.</summary>
public abstract record ReplayBound
{
    private ReplayBound()
    {
    }

    /// <summary>The whole journal as it stands now.</summary>
    public static ReplayBound Latest { get; } = new LatestBound();

    /// <summary>Every event whose own business time <c>At</c> is at or before <paramref name="time"/>; stops at the first one after it.</summary>
    public static ReplayBound ToTime(DateTimeOffset time) => new TimeBound(time.ToUniversalTime());

    /// <summary>Every event up to sequence number <paramref name="sequenceNr"/>, inclusive.</summary>
    public static ReplayBound ToEvent(long sequenceNr) =>
        sequenceNr >= 1 ? new EventBound(sequenceNr) : throw new ArgumentOutOfRangeException(nameof(sequenceNr), sequenceNr, "a sequence number starts at 1");

    public sealed record LatestBound : ReplayBound;

    public sealed record TimeBound(DateTimeOffset Time) : ReplayBound;

    public sealed record EventBound(long SequenceNr) : ReplayBound;

    /// <summary>The highest sequence number to ask the store for (pushed into its SQL).</summary>
    internal long ToSequenceNr => this is EventBound e ? e.SequenceNr : long.MaxValue;

    internal bool Passed(AccountEvent e) => this is TimeBound t && e.At > t.Time;
}

/// <summary>One stored event of an account, as the journal holds it.</summary>
/// <param name="Manifest">The ledger serializer's manifest of the event (<c>account.delivery-reserved.v2</c>).</param>
public sealed record JournalEntry(long SequenceNr, string Manifest, DateTimeOffset At, AccountEvent Event);

/// <summary>
/// Reads one account's journal straight from the store (<see cref="JournalTable"/>), without its
/// actor, and folds it into a fresh <see cref="AccountState"/> with the same <c>Apply</c> the actor
/// uses. Used by <c>ledger replay</c> and by a running node's HTTP API. It never writes.
/// </summary>
public static class AccountReplay
{
    /// <summary>Events one journal listing returns at most; a longer span must be narrowed with from/to.</summary>
    public const int JournalEntriesMax = 100_000;

    /// <summary>Progress is reported after this many events (and at the end).</summary>
    public const int ProgressEvery = 1_000;

    /// <summary>The persistence id of <paramref name="participant"/>'s account (as <see cref="AccountActor"/> writes it).</summary>
    public static string PersistenceIdOf(ParticipantId participant) => Journals.AccountPrefix + participant.Value;

    /// <summary>
    /// The account as it stood at <paramref name="bound"/>, or null when it was not set up by then
    /// (an unknown participant, or a moment before its set-up). <paramref name="progress"/> gets the
    /// count of events applied so far.
    /// </summary>
    /// <exception cref="JournalDamagedException">An event up to the bound is missing, unreadable or does not match its hash chain.</exception>
    public static async Task<AccountView?> ReplayAsync(JournalTable journal, ParticipantId participant, ReplayBound bound, IProgress<long>? progress,
        CancellationToken ct, ReclaimRules? reclaimRules = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(bound);
        var state = new AccountState(participant, reclaimRules);
        // The same check the account's actor runs as it recovers: a replay never shows state its journal does not vouch for.
        var check = new JournalCheck(PersistenceIdOf(participant));
        long applied = 0;
        try
        {
            await foreach (var stored in journal.EventsAsync(PersistenceIdOf(participant), bound.ToSequenceNr, ct))
            {
                if (stored.Event is AccountEvent e && bound.Passed(e)) break;
                if (!check.Take(stored.SequenceNr, stored.AsStored)) throw new JournalDamagedException(JournalDamaged.Of(check.Finding!));
                state.Apply((AccountEvent)stored.Event);
                applied++;
                if (applied % ProgressEvery == 0) progress?.Report(applied);
            }
        }
        catch (JournalRowException e)
        {
            check.Take(e.SequenceNr, new UnreadableEvent(e.Manifest, e.Why));
            throw new JournalDamagedException(JournalDamaged.Of(check.Finding!));
        }
        progress?.Report(applied);
        return state.IsConfigured ? AccountView.Of(state) : null;
    }

    /// <summary>
    /// The account's events in journal order whose business time lies in [<paramref name="from"/>,
    /// <paramref name="to"/>] (each bound optional, inclusive).
    /// </summary>
    /// <exception cref="JournalTooLongException">More than <see cref="JournalEntriesMax"/> events in the span.</exception>
    public static async Task<IReadOnlyList<JournalEntry>> EventsAsync(JournalTable journal, ParticipantId participant, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var entries = new List<JournalEntry>();
        await foreach (var stored in journal.EventsAsync(PersistenceIdOf(participant), long.MaxValue, ct))
        {
            if (stored.Event is not AccountEvent e) continue;
            if (to is { } last && e.At > last) break;
            if (from is { } first && e.At < first) continue;
            if (entries.Count == JournalEntriesMax) throw new JournalTooLongException(participant, JournalEntriesMax);
            // As stored: the listing shows each event under its manifest, in that manifest's form.
            entries.Add(new JournalEntry(stored.SequenceNr, stored.Manifest, e.At, (AccountEvent)stored.AsStored));
        }
        return entries;
    }

    /// <summary>
    /// The account's highest sequence number in the store (0: no journal), read without replaying
    /// anything; for a progress bar's length.
    /// </summary>
    public static Task<long> HighestSequenceNrAsync(JournalTable journal, ParticipantId participant, CancellationToken ct) =>
        journal.HighestSequenceNrAsync(PersistenceIdOf(participant), ct);
}

/// <summary>The store a replay was pointed at cannot be read.</summary>

/// <summary>A journal listing would return more than <see cref="AccountReplay.JournalEntriesMax"/> events.</summary>
public sealed class JournalTooLongException(ParticipantId participant, int max)
    : Exception($"the journal of {participant.Value} holds more than {max} events in that span; narrow it with from and to");

/// <summary>
/// The read side of a running node's journal, beside <see cref="ILedger"/>: accounts as they stood
/// at a moment, and the stored events of an account.
/// </summary>
public interface IJournalReader
{
    /// <summary>Null when the participant had no account set up at <paramref name="bound"/>.</summary>
    Task<AccountView?> ReplayAsync(ParticipantId participant, ReplayBound bound, CancellationToken ct);

    /// <summary>Null for a participant with no journal at all.</summary>
    Task<IReadOnlyList<JournalEntry>?> EventsAsync(ParticipantId participant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

}

/// <summary><see cref="IJournalReader"/> over the journal table of a node's store.</summary>
public sealed class JournalReader(JournalTable journal, ReclaimRules? reclaimRules = null) : IJournalReader
{
    public Task<AccountView?> ReplayAsync(ParticipantId participant, ReplayBound bound, CancellationToken ct) =>
        AccountReplay.ReplayAsync(journal, participant, bound, null, ct, reclaimRules);

    public async Task<IReadOnlyList<JournalEntry>?> EventsAsync(ParticipantId participant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var entries = await AccountReplay.EventsAsync(journal, participant, from, to, ct);
        if (entries.Count == 0 && await AccountReplay.HighestSequenceNrAsync(journal, participant, ct) == 0) return null;
        return entries;
    }

}
