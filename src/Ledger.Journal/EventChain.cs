using System.Security.Cryptography;
using System.Text;
using Ledger.Domain.Events;

namespace Ledger.Journal;

/// <summary>The first event of an account's journal whose stored chain does not match what its bytes give.</summary>
public sealed record ChainBreak(long SequenceNr, string Manifest, string? Stored, string Computed);

/// <summary>
/// The hash chain of an account's journal: each event's <see cref="AccountEvent.Chain"/> is the
/// SHA-256 of the previous event's chain, the event's manifest and its serialized bytes (with the
/// chain field empty). Editing, removing or reordering a stored event breaks the chain from there on.
/// </summary>
public static class EventChain
{
    /// <summary>What the first event of a journal chains from.</summary>
    public const string Genesis = "";

    public static string HashOf(string previous, AccountEvent e)
    {
        var manifest = LedgerSerializer.ManifestFor(e.GetType());
        var body = LedgerSerializer.ToUtf8Json(e with { Chain = null });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(previous));
        sha.AppendData("|"u8);
        sha.AppendData(Encoding.UTF8.GetBytes(manifest));
        sha.AppendData("|"u8);
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The event with its chain set, following <paramref name="previous"/>.</summary>
    public static AccountEvent Seal(string previous, AccountEvent e) => e with { Chain = HashOf(previous, e) };

    /// <summary>
    /// Checks a journal in order; null when every event carries the chain its bytes give. An event
    /// without a chain breaks it too: every event an account actor persists is sealed.
    /// </summary>
    public static ChainBreak? Verify(IEnumerable<(long SequenceNr, AccountEvent Event)> journal)
    {
        var previous = Genesis;
        foreach (var (sequenceNr, e) in journal)
        {
            var computed = HashOf(previous, e);
            if (!string.Equals(computed, e.Chain, StringComparison.Ordinal))
            {
                return new ChainBreak(sequenceNr, LedgerSerializer.ManifestFor(e.GetType()), e.Chain, computed);
            }
            previous = computed;
        }
        return null;
    }
}
