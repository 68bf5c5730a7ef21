using System.Collections.Immutable;

namespace Ledger.Settlement;

/// <summary>A participant as the master file holds it.</summary>
public sealed record ParticipantRecord(
    ParticipantId Id,
    string Name,
    Money NetDebitCap,
    Money ParticipantsFund,
    bool MarketLoanProgram,
    bool CentralCounterparty);

/// <summary>
/// The reference data every entry check needs: participants, securities, where the business
/// day stands and the ledger's business calendar (its holidays, as journaled). Immutable, so a
/// node can hand the same snapshot to many requests.
/// </summary>
public sealed record ReferenceSnapshot(
    ImmutableDictionary<ParticipantId, ParticipantRecord> Participants,
    ImmutableDictionary<Cusip, SecurityTerms> Securities,
    DateOnly BusinessDate,
    bool CutoffReached,
    bool Closing,
    BusinessCalendar? Calendar = null,
    ClosedBusinessDay? LastClosed = null)
{
    /// <summary>The ledger's business days: weekdays that are not its holidays. Without holidays given, every weekday.</summary>
    public BusinessCalendar Calendar { get; init; } = Calendar ?? BusinessCalendar.Weekdays;

    public static ReferenceSnapshot Empty(DateOnly businessDate) => new(
        ImmutableDictionary<ParticipantId, ParticipantRecord>.Empty,
        ImmutableDictionary<Cusip, SecurityTerms>.Empty,
        businessDate,
        CutoffReached: false,
        Closing: false);
}

/// <summary>
/// The business day closed last, as its close answered: the date, the date it opened, and how
/// many accounts settled. Rebuilt from the reference journal (a close started, then the next day
/// opened), so a close of that date sent again gets the same answer.
/// </summary>
public sealed record ClosedBusinessDay(DateOnly BusinessDate, DateOnly NextBusinessDate, int Accounts);
