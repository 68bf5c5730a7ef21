namespace Ledger.Journal;

/// <summary>
/// The answer of an entity whose journal is damaged (a missing, unreadable or edited event): it
/// refuses to serve rather than act on state its journal does not vouch for. <see cref="Finding"/>
/// is <c>missing</c>, <c>unreadable</c> or <c>not-matching</c>. Also a message between nodes: bound to
/// the protocol serializer by type in hocon/contexts/settlement.conf.
/// </summary>
public sealed record JournalDamaged(string PersistenceId, long SequenceNr, string Finding, string Detail)
{
    public static JournalDamaged Of(JournalFinding finding) =>
        new(finding.PersistenceId, finding.SequenceNr, finding.Name, finding.Describe());
}

/// <summary>
/// A journal is damaged (an event missing, unreadable or not matching its hash chain): the entity
/// a request needed refuses to serve, answering at once rather than after a timeout, or a replay
/// read up to the damaged event. The message names the journal and the event.
/// </summary>
public sealed class JournalDamagedException(JournalDamaged damage) : Exception($"{damage.PersistenceId}: {damage.Detail}")
{
    public JournalDamaged Damage { get; } = damage;

    /// <summary><c>account-0005 refuses to serve: event 12 of its journal does not match its hash chain</c>.</summary>
    public static string Refusal(JournalDamaged d) => d.Finding switch
    {
        "missing" => $"{d.PersistenceId} refuses to serve: event {d.SequenceNr} of its journal is missing",
        "unreadable" => $"{d.PersistenceId} refuses to serve: event {d.SequenceNr} of its journal is unreadable",
        _ => $"{d.PersistenceId} refuses to serve: event {d.SequenceNr} of its journal does not match its hash chain",
    };
}
