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

/// <summary>Weekdays are business days; exchange holidays are not modelled.</summary>
public static class BusinessCalendar
{
    public static DateOnly Next(DateOnly date)
    {
        var next = date.AddDays(1);
        while (next.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) next = next.AddDays(1);
        return next;
    }

    /// <summary>The instant of the recycle cutoff of <paramref name="businessDate"/>: its local <paramref name="cutoff"/> time in <paramref name="zone"/>.</summary>
    public static DateTimeOffset CutoffInstant(DateOnly businessDate, TimeOnly cutoff, TimeZoneInfo zone)
    {
        var local = businessDate.ToDateTime(cutoff, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The business date a calendar date falls in: itself, or the next weekday.</summary>
    public static DateOnly OnOrAfter(DateOnly date)
    {
        while (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) date = date.AddDays(1);
        return date;
    }
}
