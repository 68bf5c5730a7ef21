using System.Collections.Immutable;
using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The reference snapshot carries the ledger's calendar between nodes: its holidays, in date order,
/// as <c>[{"date","name"}]</c>; a snapshot written before holidays existed reads as a calendar of
/// weekdays (the golden file of protocol.reference-snapshot.v1 proves that half).
/// </summary>
public sealed class CalendarProtocolTests
{
    [Fact]
    public void A_reference_snapshot_with_holidays_round_trips_with_its_calendar()
    {
        var calendar = new BusinessCalendar([new Holiday(new DateOnly(2026, 12, 25), "Christmas Day"), new Holiday(new DateOnly(2026, 11, 26), "Thanksgiving Day")]);
        var snapshot = new ReferenceSnapshot(ImmutableDictionary<ParticipantId, ParticipantRecord>.Empty, ImmutableDictionary<Cusip, SecurityTerms>.Empty,
            new DateOnly(2026, 11, 27), CutoffReached: false, Closing: false, calendar);

        var json = System.Text.Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(snapshot));
        var back = Assert.IsType<ReferenceSnapshot>(ProtocolSerializer.FromUtf8Json(System.Text.Encoding.UTF8.GetBytes(json), "protocol.reference-snapshot.v1"));

        Assert.Contains("\"calendar\":[{\"date\":\"2026-11-26\",\"name\":\"Thanksgiving Day\"},{\"date\":\"2026-12-25\",\"name\":\"Christmas Day\"}]", json, StringComparison.Ordinal);
        Assert.Equal(calendar.Holidays, back.Calendar.Holidays);
        Assert.Equal(new DateOnly(2026, 11, 27), back.Calendar.Next(new DateOnly(2026, 11, 25)));
        Assert.False(back.Calendar.IsBusinessDay(new DateOnly(2026, 12, 25)));
    }

    [Fact]
    public void The_first_open_carries_the_default_holidays_between_nodes()
    {
        var open = new OpenFirstBusinessDay(new DateOnly(2026, 11, 27), new DateTimeOffset(2026, 11, 26, 14, 0, 0, TimeSpan.Zero),
            [new Holiday(new DateOnly(2026, 11, 26), "Thanksgiving Day")]);

        var back = Assert.IsType<OpenFirstBusinessDay>(ProtocolSerializer.FromUtf8Json(ProtocolSerializer.ToUtf8Json(open), "protocol.open-first-business-day.v1"));

        Assert.Equal(open.Holidays, back.Holidays);
        Assert.Equal(open.BusinessDate, back.BusinessDate);
    }
}
