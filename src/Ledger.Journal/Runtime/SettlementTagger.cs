using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Persistence.Journal;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Journal;

/// <summary>
/// The journal's event adapter for account events: tags the published ones
/// (<see cref="SettlementPublication.IsPublished"/>) with <see cref="SettlementPublication.Tag"/>.
/// The tag goes into the journal row's <c>tags</c> column (Csv tag mode); the payload, its
/// manifest and its persistence id stay what they were, and replay reads the event unchanged.
/// Each published event also carries its kind tags (<see cref="SettlementPublication.KindsOf"/>:
/// the reason codes it completes, reclaim, close), so that a consumer's query skips the kinds it
/// does not take without decoding them.
/// </summary>
public sealed class SettlementTagger : IEventAdapter
{
    // Few distinct kind combinations (a reason code or two, reclaim, close): each tag set is built once.
    private static readonly ConcurrentDictionary<string, IImmutableSet<string>> TagSets = new(StringComparer.Ordinal);

    // The journal plugin creates adapters by reflection, with or without the actor system.
    public SettlementTagger()
    {
    }

    public SettlementTagger(Akka.Actor.ExtendedActorSystem system)
    {
    }

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is AccountEvent e && SettlementPublication.IsPublished(e) ? new Tagged(evt, TagsOf(e)) : evt;

    /// <summary>The tags of a published event: <see cref="SettlementPublication.Tag"/> and its kinds.</summary>
    public static IImmutableSet<string> TagsOf(AccountEvent e)
    {
        var kinds = SettlementPublication.KindsOf(e);
        return TagSets.GetOrAdd(string.Join(';', kinds), static (_, kinds) => ImmutableHashSet.Create(StringComparer.Ordinal, [SettlementPublication.Tag, .. kinds]), kinds);
    }

    public IEventSequence FromJournal(object evt, string manifest) => EventSequence.Single(evt);
}
