using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Domain;
using Ledger.Domain.Events;
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
/// <param name="Manifest">The ledger serializer's manifest of the event (<c>account.delivery-reserved.v1</c>).</param>
public sealed record JournalEntry(long SequenceNr, string Manifest, DateTimeOffset At, AccountEvent Event);

/// <summary>
/// Reads one account's journal straight from the store with Persistence Query
/// (<c>CurrentEventsByPersistenceId</c>), without its actor, and folds it into a fresh
/// <see cref="AccountState"/> with the same <c>Apply</c> the actor uses. Used by <c>ledger replay</c>
/// (on a plain local actor system, see <see cref="CreateReaderSystem"/>) and by a running node's
/// HTTP API (on the node's own actor system). It never writes.
/// </summary>
public static class AccountReplay
{
    /// <summary>Events one journal listing returns at most; a longer span must be narrowed with from/to.</summary>
    public const int JournalEntriesMax = 100_000;

    /// <summary>Progress is reported after this many events (and at the end).</summary>
    public const int ProgressEvery = 1_000;

    /// <summary>The persistence id of <paramref name="participant"/>'s account (as <see cref="AccountActor"/> writes it).</summary>
    public static string PersistenceIdOf(ParticipantId participant) => "account-" + participant.Value;

    /// <summary>
    /// The account as it stood at <paramref name="bound"/>, or null when it was not set up by then
    /// (an unknown participant, or a moment before its set-up). <paramref name="progress"/> gets the
    /// count of events applied so far.
    /// </summary>
    public static async Task<AccountView?> ReplayAsync(ActorSystem system, ParticipantId participant, ReplayBound bound, IProgress<long>? progress,
        CancellationToken ct, ReclaimRules? reclaimRules = null)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var state = new AccountState(participant, reclaimRules);
        long applied = 0;
        await foreach (var envelope in Read(system, participant, bound.ToSequenceNr).WithCancellation(ct))
        {
            if (envelope.Event is not AccountEvent e) continue;
            if (bound.Passed(e)) break;
            state.Apply(e);
            applied++;
            if (applied % ProgressEvery == 0) progress?.Report(applied);
        }
        progress?.Report(applied);
        return state.IsConfigured ? AccountView.Of(state) : null;
    }

    /// <summary>
    /// The account's events in journal order whose business time lies in [<paramref name="from"/>,
    /// <paramref name="to"/>] (each bound optional, inclusive).
    /// </summary>
    /// <exception cref="JournalTooLongException">More than <see cref="JournalEntriesMax"/> events in the span.</exception>
    public static async Task<IReadOnlyList<JournalEntry>> EventsAsync(ActorSystem system, ParticipantId participant, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken ct)
    {
        var entries = new List<JournalEntry>();
        await foreach (var envelope in Read(system, participant, long.MaxValue).WithCancellation(ct))
        {
            if (envelope.Event is not AccountEvent e) continue;
            if (to is { } last && e.At > last) break;
            if (from is { } first && e.At < first) continue;
            if (entries.Count == JournalEntriesMax) throw new JournalTooLongException(participant, JournalEntriesMax);
            entries.Add(new JournalEntry(envelope.SequenceNr, LedgerSerializer.ManifestFor(e.GetType()), e.At, e));
        }
        return entries;
    }

    /// <summary>
    /// The account's highest sequence number in the store (0: no journal), read without replaying
    /// anything; for a progress bar's length.
    /// </summary>
    public static async Task<long> HighestSequenceNrAsync(ActorSystem system, ParticipantId participant, TimeSpan timeout, CancellationToken ct)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(StoreConfig.JournalPluginId);
        // max 0 and toSequenceNr 0: the journal answers only with the highest sequence number.
        var answer = await journal.Ask<object>(replyTo => new Akka.Persistence.ReplayMessages(0, 0, 0, PersistenceIdOf(participant), replyTo), timeout, ct);
        return answer switch
        {
            Akka.Persistence.RecoverySuccess success => success.HighestSequenceNr,
            Akka.Persistence.ReplayMessagesFailure failure => throw new ReplayStoreException($"the journal could not be read: {failure.Cause.Message}"),
            _ => throw new InvalidOperationException($"the journal answered {answer.GetType().Name}"),
        };
    }

    /// <summary>Whether the account has any event at all (an unknown participant has none).</summary>
    public static async Task<bool> ExistsAsync(ActorSystem system, ParticipantId participant, CancellationToken ct)
    {
        await foreach (var _ in Read(system, participant, 1).WithCancellation(ct)) return true;
        return false;
    }

    private static IAsyncEnumerable<EventEnvelope> Read(ActorSystem system, ParticipantId participant, long toSequenceNr)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(StoreConfig.ReadJournalPluginId);
        // Leaving the loop early disposes the enumerator, which cancels the stream and its query.
        return journal.CurrentEventsByPersistenceId(PersistenceIdOf(participant), 0, toSequenceNr)
            .RunAsAsyncEnumerable(system.Materializer());
    }

    /// <summary>
    /// A plain local actor system that can read the journal of <paramref name="settings"/>: the
    /// store's persistence configuration and the ledger's serializer, no cluster, no remoting, and
    /// nothing that creates tables or writes. A node running on the same store is not disturbed
    /// (SQLite in WAL mode lets a reader in beside the writer).
    /// </summary>
    /// <exception cref="ReplayStoreException">The SQLite file does not exist.</exception>
    public static ActorSystem CreateReaderSystem(StoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var store = StoreConfig.NormalizeStore(settings.Store);
        var readerSettings = settings with { Store = store };
        if (store == StoreConfig.Sqlite && string.IsNullOrWhiteSpace(settings.Connection))
        {
            var file = Path.Combine(Path.GetFullPath(settings.DataDir), StoreConfig.SqliteFileName);
            if (!File.Exists(file)) throw new ReplayStoreException($"there is no journal at {file} (is --data-dir right?)");
            // Open the existing file only: never create one.
            readerSettings = readerSettings with
            {
                Connection = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = file, Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite }.ToString(),
            };
        }
        var overrides = ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.persistence.journal.sql.auto-initialize = off
            akka.persistence.snapshot-store.sql.auto-initialize = off
            akka.persistence.query.journal.sql.auto-initialize = off
            """);
        var config = overrides
            .WithFallback(StoreConfig.Build(readerSettings))
            .WithFallback(StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName));
        return ActorSystem.Create("ledger-replay", config);
    }
}

/// <summary>The store a replay was pointed at cannot be read.</summary>
public sealed class ReplayStoreException(string message) : Exception(message);

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

/// <summary><see cref="IJournalReader"/> over an actor system whose configuration has the SQL read journal.</summary>
public sealed class JournalReader(ActorSystem system, ReclaimRules? reclaimRules = null) : IJournalReader
{
    public Task<AccountView?> ReplayAsync(ParticipantId participant, ReplayBound bound, CancellationToken ct) =>
        AccountReplay.ReplayAsync(system, participant, bound, null, ct, reclaimRules);

    public async Task<IReadOnlyList<JournalEntry>?> EventsAsync(ParticipantId participant, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var entries = await AccountReplay.EventsAsync(system, participant, from, to, ct);
        if (entries.Count == 0 && !await AccountReplay.ExistsAsync(system, participant, ct)) return null;
        return entries;
    }
}
