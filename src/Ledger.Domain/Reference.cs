using System.Collections.Immutable;

namespace Ledger.Domain;

/// <summary>A participant as the master file holds it.</summary>
public sealed record ParticipantRecord(
    ParticipantId Id,
    string Name,
    Money NetDebitCap,
    Money ParticipantsFund,
    bool MarketLoanProgram,
    bool CentralCounterparty);

/// <summary>
/// The reference data every entry check needs: participants, securities, and where the business
/// day stands. Immutable, so a node can hand the same snapshot to many requests.
/// </summary>
public sealed record ReferenceSnapshot(
    ImmutableDictionary<ParticipantId, ParticipantRecord> Participants,
    ImmutableDictionary<Cusip, SecurityTerms> Securities,
    DateOnly BusinessDate,
    bool CutoffReached,
    bool Closing)
{
    public static ReferenceSnapshot Empty(DateOnly businessDate) => new(
        ImmutableDictionary<ParticipantId, ParticipantRecord>.Empty,
        ImmutableDictionary<Cusip, SecurityTerms>.Empty,
        businessDate,
        CutoffReached: false,
        Closing: false);
}
