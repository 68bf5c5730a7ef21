using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Ledger.Lending;
using Ledger.Lending.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// The lending context's journal serializer: bound in hocon/contexts/lending.conf by the three
/// event base types, one manifest per event exactly as the core names it, camelCase JSON with
/// golden bytes, never a CLR type name.
/// </summary>
public sealed class LendingSerializerTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-12-08T14:30:00+00:00", CultureInfo.InvariantCulture);

    public static TheoryData<string> Manifests() => new(LendingManifests.ByType.Values.Order(StringComparer.Ordinal));

    private static ActorSystem LocalSystem() =>
        ActorSystem.Create("lending-serializer-test", ConfigurationFactory
            .ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName)));

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_lending_event_goes_through_the_lending_serializer_under_the_cores_manifest(string manifest)
    {
        var type = LendingManifests.ByType.Single(p => p.Value == manifest).Key;
        var sample = LendingSerializer.FromUtf8Json("""{"at":"2026-12-08T14:30:00+00:00"}"""u8, manifest);
        Assert.IsType(type, sample);
        using var system = LocalSystem();
        var serializer = Assert.IsType<LendingSerializer>(system.Serialization.FindSerializerFor(sample));
        Assert.Equal(4188, serializer.Identifier);
        Assert.Equal(manifest, serializer.Manifest(sample));

        var bytes = serializer.ToBinary(sample);
        var json = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"at\":\"2026-12-08T14:30:00+00:00\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Ledger.", json, StringComparison.Ordinal);
        var back = system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.IsType(type, back);
        Assert.Equal(bytes, serializer.ToBinary(back));
    }

    [Fact]
    public void A_loan_opened_is_stored_as_these_bytes_and_keeps_its_margin_and_rate()
    {
        var opened = new LoanOpened("DO-1", "0001", "0002", "037833100", 1000, 15_000_000, 1.02m, 0.045m, "2026-12-07", At);
        var bytes = LendingSerializer.ToUtf8Json(opened);
        Assert.Equal(
            """{"loanId":"DO-1","lender":"0001","borrower":"0002","cusip":"037833100","shares":1000,"amountCents":15000000,"collateralMargin":1.02,"rebateRate":0.045,"businessDate":"2026-12-07","at":"2026-12-08T14:30:00+00:00"}""",
            Encoding.UTF8.GetString(bytes));
        var back = Assert.IsType<LoanOpened>(LendingSerializer.FromUtf8Json(bytes, "lending.loan-opened.v1"));
        Assert.Equal(opened, back);
    }

    [Fact]
    public void A_mark_and_a_return_round_trip_with_their_nested_records_and_an_unknown_manifest_is_refused()
    {
        var mark = new MarkRequested("MK-20261208-DO-1", "DO-1", "2026-12-08", "2026-12-07", 16_000, 1000, 1.02m, 16_320_000, 15_300_000, 1_020_000, "0002", "0001", At);
        var markBytes = LendingSerializer.ToUtf8Json(mark);
        Assert.Equal(
            """{"markId":"MK-20261208-DO-1","loanId":"DO-1","markDate":"2026-12-08","priceDate":"2026-12-07","priceCents":16000,"shares":1000,"collateralMargin":1.02,"requiredCents":16320000,"heldCents":15300000,"markCents":1020000,"payer":"0002","payee":"0001","at":"2026-12-08T14:30:00+00:00"}""",
            Encoding.UTF8.GetString(markBytes));
        Assert.Equal(mark, LendingSerializer.FromUtf8Json(markBytes, "lending.mark-requested.v1"));

        var returned = new ReturnApplied("DO-R", "0001", "0002", "037833100", 400, 6_000_000, "2026-12-09",
            [new ReturnAllocation("DO-1", 400, 6_000_000)], [new RecallReduction("RC-1", "DO-1", 400)], 0, 0, At);
        var bytes = LendingSerializer.ToUtf8Json(returned);
        var back = Assert.IsType<ReturnApplied>(LendingSerializer.FromUtf8Json(bytes, LendingManifests.ByType[typeof(ReturnApplied)]));
        Assert.Equal(400, Assert.Single(back.Loans).Shares);
        Assert.Equal("RC-1", Assert.Single(back.Recalls).ControlNumber);
        Assert.Equal(bytes, LendingSerializer.ToUtf8Json(back));

        var started = new LendingDayMarksStarted("2026-12-08", "2026-12-07", [new ClosePrice("037833100", 16_000)], ["0001-0002"], At);
        var startedBack = Assert.IsType<LendingDayMarksStarted>(LendingSerializer.FromUtf8Json(LendingSerializer.ToUtf8Json(started), "lending.day-marks-started.v1"));
        Assert.Equal(16_000, Assert.Single(startedBack.Prices).PriceCents);

        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => LendingSerializer.FromUtf8Json("{}"u8, "lending.no-such-event.v1"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => LendingSerializer.ToUtf8Json("not an event"));
    }
}
