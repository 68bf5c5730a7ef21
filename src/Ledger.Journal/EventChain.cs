using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Settlement.Events;

namespace Ledger.Journal;

/// <summary>
/// The hash chain of a ledger journal (an account, an index bucket, the reference data): each
/// event's <c>Chain</c> is the hex SHA-256 of the previous event's chain, the event's manifest and
/// its serialized bytes (with the chain field empty), joined by <c>|</c>. Editing, removing or
/// reordering a stored event breaks the chain from there on.
/// </summary>
public static class EventChain
{
    /// <summary>What the first event of a journal chains from.</summary>
    public const string Genesis = "";

    [ThreadStatic]
    private static Hasher? t_hasher;

    /// <summary>The chain <paramref name="e"/> gets when it follows <paramref name="previous"/> (whatever chain it carries now is left out).</summary>
    public static string HashOf(string previous, object e) => HashOf(previous, LedgerSerializer.ManifestFor(e.GetType()), e);

    internal static string HashOf(string previous, string manifest, object e)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return (t_hasher ??= new Hasher()).HashOf(previous, manifest, WithChain(e, null));
    }

    /// <summary>The event with its chain set, following <paramref name="previous"/>.</summary>
    public static T Seal<T>(string previous, T e)
        where T : class => (T)WithChain(e, HashOf(previous, e));

    /// <summary>The chain <paramref name="e"/> carries; null when it has none (written before its journal was chained).</summary>
    public static string? ChainOf(object e) => e switch
    {
        AccountEvent a => a.Chain,
        ReferenceEvent r => r.Chain,
        DeliverOrdersRegistered d => d.Chain,
        DeliverOrderRegistered d => d.Chain,
        _ => throw new ArgumentException($"{e.GetType().Name} is not a chained ledger event", nameof(e)),
    };

    private static object WithChain(object e, string? chain) => e switch
    {
        AccountEvent a => a with { Chain = chain },
        ReferenceEvent r => r with { Chain = chain },
        DeliverOrdersRegistered d => d with { Chain = chain },
        DeliverOrderRegistered d => d with { Chain = chain },
        _ => throw new ArgumentException($"{e.GetType().Name} is not a chained ledger event", nameof(e)),
    };

    /// <summary>
    /// One buffer, one JSON writer and one SHA-256 context per thread, reused for every event:
    /// recovery hashes each event it replays. Creating the hash context (OpenSSL's, on Linux) costs
    /// about as much as hashing a whole event, and a fresh array and writer per event would double
    /// what the check allocates. The bytes hashed are exactly <c>previous|manifest|</c> followed by
    /// <see cref="LedgerSerializer.ToUtf8Json"/>'s.
    /// </summary>
    private sealed class Hasher
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(4096);
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly Utf8JsonWriter _writer;

        public Hasher() => _writer = new Utf8JsonWriter(_buffer, LedgerSerializer.WriterOptions);

        public string HashOf(string previous, string manifest, object unsealed)
        {
            _buffer.ResetWrittenCount();
            var head = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(previous.Length + manifest.Length) + 2);
            var n = Encoding.UTF8.GetBytes(previous, head);
            head[n++] = (byte)'|';
            n += Encoding.UTF8.GetBytes(manifest, head[n..]);
            head[n++] = (byte)'|';
            _buffer.Advance(n);
            _writer.Reset();
            LedgerSerializer.WriteUtf8Json(_writer, unsealed);
            _writer.Flush();
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            _sha256.AppendData(_buffer.WrittenSpan);
            _sha256.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash);
        }
    }
}

/// <summary>
/// A stored event the ledger's serializer could not read: not valid JSON for its manifest, or a
/// manifest it does not know. The journal hands it to a recovering entity in the event's place
/// (see <see cref="LedgerSerializer.FromBinary"/>); it is never written.
/// </summary>
public sealed record UnreadableEvent(string Manifest, string Why);

/// <summary>The journals the ledger writes, told apart by persistence id (which never changes).</summary>
public enum JournalKind
{
    Account = 1,
    DeliverOrderIndex = 2,
    Reference = 3,
}

public static class Journals
{
    public const string AccountPrefix = "account-";
    public const string IndexPrefix = "deliver-order-index-";
    public const string ReferenceId = "reference";

    /// <summary>A consumer of published events keeps its offset here (its own journal, not a settlement one: never chained or verified).</summary>
    public const string ConsumerPrefix = "published-consumer-";

    /// <summary>The kind of a ledger journal; null for a persistence id the ledger does not write (Akka's sharding bookkeeping).</summary>
    public static JournalKind? KindOf(string persistenceId) =>
        persistenceId.StartsWith(AccountPrefix, StringComparison.Ordinal) ? JournalKind.Account
        : persistenceId.StartsWith(IndexPrefix, StringComparison.Ordinal) ? JournalKind.DeliverOrderIndex
        : persistenceId == ReferenceId ? JournalKind.Reference
        : null;

    /// <summary>Whether an event of <paramref name="e"/>'s type is written to a journal of <paramref name="kind"/>.</summary>
    public static bool Belongs(JournalKind kind, object e) => kind switch
    {
        JournalKind.Account => e is AccountEvent,
        JournalKind.DeliverOrderIndex => e is DeliverOrderRegistered or DeliverOrdersRegistered,
        JournalKind.Reference => e is ReferenceEvent,
        _ => false,
    };

    /// <summary>
    /// Index buckets and the reference data were chained later than accounts: their journals may
    /// open with events that carry no chain. Account events have been chained since before the
    /// oldest data folder this release reads (tests/golden-data), so an account event without one
    /// was stripped.
    /// </summary>
    public static bool MayOpenUnchained(JournalKind kind) => kind != JournalKind.Account;
}

/// <summary>What is wrong with one event of a journal; a journal is checked up to its first.</summary>
public enum JournalFindingKind
{
    /// <summary>The event is absent: the sequence numbers jump past it (a deleted row).</summary>
    Missing = 1,

    /// <summary>The event cannot be read: not valid JSON, an unknown manifest, another serializer, or a type that does not belong in this journal.</summary>
    Unreadable = 2,

    /// <summary>The event does not match its chain: edited, moved, or its chain removed or forged.</summary>
    NotMatching = 3,
}

/// <summary>The first damaged event of a journal: which, how, and a sentence for people. <see cref="Manifest"/> is null for a missing event.</summary>
public sealed record JournalFinding(string PersistenceId, long SequenceNr, JournalFindingKind Kind, string? Manifest, string Detail)
{
    /// <summary>The finding's stable name: <c>missing</c>, <c>unreadable</c> or <c>not-matching</c>.</summary>
    public string Name => NameOf(Kind);

    public static string NameOf(JournalFindingKind kind) => kind switch
    {
        JournalFindingKind.Missing => "missing",
        JournalFindingKind.Unreadable => "unreadable",
        JournalFindingKind.NotMatching => "not-matching",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary><c>event 12 (account.delivery-completed.v1) does not match its hash chain: stored ..., its bytes give ...</c></summary>
    public string Describe()
    {
        var e = Manifest is null ? $"event {SequenceNr}" : $"event {SequenceNr} ({Manifest})";
        return Kind switch
        {
            JournalFindingKind.Missing => $"{e} is missing: {Detail}",
            JournalFindingKind.Unreadable => $"{e} is unreadable: {Detail}",
            _ => $"{e} does not match its hash chain: {Detail}",
        };
    }

    public override string ToString() => $"{PersistenceId}: {Describe()}";
}

/// <summary>
/// Checks one journal event by event as it is read, in the same pass that applies it (an entity's
/// recovery, <c>ledger verify</c>, a replay): consecutive sequence numbers from 1, every event
/// readable and of the journal's kind, every event's chain what its bytes and the chain before it
/// give. Stops at the first finding: nothing after it is taken. Costs one serialization and one
/// SHA-256 per event; the journal is not read a second time.
/// </summary>
public sealed class JournalCheck
{
    public JournalCheck(string persistenceId)
    {
        PersistenceId = persistenceId;
        Kind = Journals.KindOf(persistenceId) ?? throw new ArgumentException($"'{persistenceId}' is not a journal the ledger writes", nameof(persistenceId));
    }

    public string PersistenceId { get; }

    public JournalKind Kind { get; }

    /// <summary>The chain of the last event taken: what the next event written chains from.</summary>
    public string Chain { get; private set; } = EventChain.Genesis;

    /// <summary>Events taken so far.</summary>
    public long Events { get; private set; }

    /// <summary>Events taken that carry no chain (written before this journal was chained; only at the start of index and reference journals).</summary>
    public long UnchainedEvents { get; private set; }

    public long LastSequenceNr { get; private set; }

    /// <summary>The first damaged event; null while the journal is intact.</summary>
    public JournalFinding? Finding { get; private set; }

    public bool Intact => Finding is null;

    /// <summary>
    /// Starts the check after event <paramref name="sequenceNr"/>, whose chain is
    /// <paramref name="chain"/>: recovery from a snapshot taken there checks the events after it
    /// (every one of them must carry its chain; <c>ledger verify</c> still checks the whole journal).
    /// </summary>
    public void ResumeAt(long sequenceNr, string chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (Events > 0 || Finding is not null) throw new InvalidOperationException("a check resumes only before it has taken an event");
        Chain = chain;
        LastSequenceNr = sequenceNr;
        Events = sequenceNr;
    }

    /// <summary>
    /// Takes the next event read (an <see cref="UnreadableEvent"/> for one that could not be read).
    /// False when it, or an event before it, is damaged: it must not be applied.
    /// </summary>
    public bool Take(long sequenceNr, object e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Finding is not null) return false;
        var expected = LastSequenceNr + 1;
        if (sequenceNr != expected)
        {
            return Found(expected, sequenceNr > expected ? JournalFindingKind.Missing : JournalFindingKind.NotMatching, null, sequenceNr > expected
                ? LastSequenceNr == 0 ? $"the journal starts at event {sequenceNr}" : $"the journal goes from event {LastSequenceNr} to event {sequenceNr}"
                : $"event {sequenceNr} was read after event {LastSequenceNr}");
        }
        if (e is UnreadableEvent unreadable)
        {
            return Found(sequenceNr, JournalFindingKind.Unreadable, unreadable.Manifest, unreadable.Why);
        }
        if (!Journals.Belongs(Kind, e))
        {
            return Found(sequenceNr, JournalFindingKind.Unreadable, LedgerSerializer.Manifests.GetValueOrDefault(e.GetType()),
                $"a {e.GetType().Name} does not belong in this journal");
        }

        var manifest = LedgerSerializer.ManifestFor(e.GetType());
        var computed = EventChain.HashOf(Chain, manifest, e);
        var stored = EventChain.ChainOf(e);
        if (stored is null)
        {
            if (!Journals.MayOpenUnchained(Kind) || UnchainedEvents != Events)
            {
                return Found(sequenceNr, JournalFindingKind.NotMatching, manifest, Events == 0
                    ? "it carries no chain (stripped: every event of this journal is chained)"
                    : "it carries no chain, after chained events (stripped)");
            }
            UnchainedEvents++;
        }
        else if (!string.Equals(stored, computed, StringComparison.Ordinal))
        {
            return Found(sequenceNr, JournalFindingKind.NotMatching, manifest, $"stored {stored}, its bytes give {computed}");
        }
        // An unchained event at the start still enters the chain, so that the first event chained
        // after it also vouches for it: an edit to it from then on shows.
        Chain = computed;
        LastSequenceNr = sequenceNr;
        Events++;
        return true;
    }

    /// <summary>The event just taken could be read but not applied: the journal is damaged there.</summary>
    public void NotApplied(string why)
    {
        if (Finding is null) Found(LastSequenceNr, JournalFindingKind.Unreadable, null, $"it could not be applied: {why}");
    }

    /// <summary>
    /// Ends the check at the journal's highest sequence number as the store reports it (rows marked
    /// deleted included): an event after the last one read is missing. False when the journal is damaged.
    /// </summary>
    public bool End(long highestSequenceNr)
    {
        if (Finding is not null) return false;
        return highestSequenceNr <= LastSequenceNr
            || Found(LastSequenceNr + 1, JournalFindingKind.Missing, null, $"the journal's highest event is {highestSequenceNr}, the last readable one {LastSequenceNr}");
    }

    private bool Found(long sequenceNr, JournalFindingKind kind, string? manifest, string detail)
    {
        Finding = new JournalFinding(PersistenceId, sequenceNr, kind, manifest, detail);
        return false;
    }
}
