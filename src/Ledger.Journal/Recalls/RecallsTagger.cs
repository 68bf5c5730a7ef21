using System.Collections.Immutable;
using Akka.Persistence.Journal;
using Ledger.Recalls;
using Ledger.Recalls.Events;

namespace Ledger.Journal;

/// <summary>
/// The journal's event adapter for mailbox events: tags each message made available to its
/// receiver (<see cref="RecallPublication.IsPublished"/>) with <see cref="RecallPublication.Tag"/>,
/// in the row's <c>tags</c> column as <see cref="SettlementTagger"/> does; payload, manifest and
/// persistence id are unchanged, and replay reads the event as it was.
/// </summary>
public sealed class RecallsTagger : IEventAdapter
{
    private static readonly IImmutableSet<string> Tags = ImmutableHashSet.Create(RecallPublication.Tag);

    // The journal plugin creates adapters by reflection, with or without the actor system.
    public RecallsTagger()
    {
    }

    public RecallsTagger(Akka.Actor.ExtendedActorSystem system)
    {
    }

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is MailboxEvent e && RecallPublication.IsPublished(e) ? new Tagged(evt, Tags) : evt;

    public IEventSequence FromJournal(object evt, string manifest) => EventSequence.Single(evt);
}
