using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Ledger.Income;
using Ledger.Income.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// Income tracking's journal serializer: bound in hocon/contexts/income.conf by base type, one
/// manifest per event exactly as the core names it, camelCase JSON, never a CLR type name.
/// </summary>
public sealed class IncomeSerializerTests
{
    public static TheoryData<string> Manifests() => new(IncomeManifests.ByType.Values.Order(StringComparer.Ordinal));

    private static ActorSystem LocalSystem() =>
        ActorSystem.Create("income-serializer-test", ConfigurationFactory
            .ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName)));

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_income_event_goes_through_the_income_serializer_under_the_cores_manifest(string manifest)
    {
        var type = IncomeManifests.ByType.Single(p => p.Value == manifest).Key;
        var sample = IncomeSerializer.FromUtf8Json("""{"at":"2026-03-02T14:30:00+00:00"}"""u8, manifest);
        Assert.IsType(type, sample);
        using var system = LocalSystem();
        var serializer = Assert.IsType<IncomeSerializer>(system.Serialization.FindSerializerFor(sample));
        Assert.Equal(4184, serializer.Identifier);
        Assert.Equal(manifest, serializer.Manifest(sample));

        var bytes = serializer.ToBinary(sample);
        var json = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"at\":\"2026-03-02T14:30:00+00:00\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Ledger.", json, StringComparison.Ordinal);
        var back = system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.IsType(type, back);
        Assert.Equal(bytes, serializer.ToBinary(back));
    }

    [Fact]
    public void A_memo_event_round_trips_with_its_nested_records_and_an_unknown_manifest_is_refused()
    {
        var fixedRecord = new RecordDateFixed("2026-03-02", "2026-03-03",
            [new DistributionData("037833100", "DIV-1", "cash-dividend", 0.25m, "2026-03-02", "2026-03-03", "2026-03-03")],
            [new MemoLineData("0102", "037833100", 600)], [new PositionData("037833100", 400)], DateTimeOffset.Parse("2026-03-02T21:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var bytes = IncomeSerializer.ToUtf8Json(fixedRecord);
        var back = Assert.IsType<RecordDateFixed>(IncomeSerializer.FromUtf8Json(bytes, IncomeManifests.Of(fixedRecord)));
        Assert.Equal(600, Assert.Single(back.Lines).Shares);
        Assert.Equal(0.25m, Assert.Single(back.Distributions).RatePerShare);
        Assert.Equal(bytes, IncomeSerializer.ToUtf8Json(back));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => IncomeSerializer.FromUtf8Json("{}"u8, "income.no-such-event.v1"));
    }
}
