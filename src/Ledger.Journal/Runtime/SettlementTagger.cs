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
/// </summary>
public sealed class SettlementTagger : IEventAdapter
{
    private static readonly IImmutableSet<string> Tags = ImmutableHashSet.Create(SettlementPublication.Tag);

    // The journal plugin creates adapters by reflection, with or without the actor system.
    public SettlementTagger()
    {
    }

    public SettlementTagger(Akka.Actor.ExtendedActorSystem system)
    {
    }

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is AccountEvent e && SettlementPublication.IsPublished(e) ? new Tagged(evt, Tags) : evt;

    public IEventSequence FromJournal(object evt, string manifest) => EventSequence.Single(evt);
}
