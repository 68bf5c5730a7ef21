using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

public sealed partial class LedgerSerializerTests
{
    // The domain's events, and the legacy forms Ledger.Journal still reads (LegacyEvents).
    private static readonly Type[] StoredEventTypes = typeof(AccountEvent).Assembly.GetTypes().Concat(typeof(LedgerSerializer).Assembly.GetTypes())
        .Where(t => !t.IsAbstract && (t.IsSubclassOf(typeof(AccountEvent)) || t.IsSubclassOf(typeof(ReferenceEvent)) || t == typeof(DeliverOrderRegistered) || t == typeof(DeliverOrdersRegistered)))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    public static TheoryData<string> AllManifests()
    {
        var data = new TheoryData<string>();
        foreach (var manifest in LedgerSerializer.Manifests.Values.Order(StringComparer.Ordinal)) data.Add(manifest);
        return data;
    }

    [GeneratedRegex(@"^(account|reference|index)\.[a-z]+(-[a-z]+)*\.v[1-9][0-9]*$")]
    private static partial Regex ManifestShape();

    [Fact]
    public void Every_stored_event_type_in_the_domain_has_a_manifest_and_nothing_else_does()
    {
        // Found by reflection, so a new event added to Ledger.Settlement without a manifest fails here.
        Assert.True(StoredEventTypes.Length >= 22, $"only {StoredEventTypes.Length} event types found: the reflection filter is wrong");
        Assert.Equal(
            StoredEventTypes.Select(t => t.FullName),
            LedgerSerializer.Manifests.Keys.Select(t => t.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Manifests_are_unique_and_shaped_family_dot_kebab_name_dot_version()
    {
        var manifests = LedgerSerializer.Manifests.Values.ToArray();
        Assert.Equal(manifests.Length, manifests.Distinct(StringComparer.Ordinal).Count());
        Assert.All(LedgerSerializer.Manifests, pair =>
        {
            Assert.Matches(ManifestShape(), pair.Value);
            var family = pair.Key.IsSubclassOf(typeof(AccountEvent)) ? "account."
                : pair.Key.IsSubclassOf(typeof(ReferenceEvent)) ? "reference."
                : "index.";
            Assert.StartsWith(family, pair.Value, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Manifest_names_follow_the_event_names()
    {
        Assert.Equal("account.delivery-reserved.v2", LedgerSerializer.Manifests[typeof(DeliveryReserved)]);
        Assert.Equal("account.delivery-reserved.v1", LedgerSerializer.Manifests[typeof(DeliveryReservedV1)]);
        Assert.Equal("reference.participant-registered.v1", LedgerSerializer.Manifests[typeof(ParticipantRegistered)]);
        Assert.Equal("index.deliver-order-registered.v1", LedgerSerializer.Manifests[typeof(DeliverOrderRegistered)]);
        Assert.All(LedgerSerializer.Manifests, pair =>
        {
            // A legacy type is named for its manifest's version: DeliveryReservedV1 is account.delivery-reserved.v1.
            var name = pair.Key.Name;
            var version = pair.Value.Split('.')[2];
            if (name.EndsWith(version.ToUpperInvariant(), StringComparison.Ordinal)) name = name[..^version.Length];
            var kebab = KebabCase(name);
            Assert.Equal(kebab, pair.Value.Split('.')[1]);
        });
    }

    [Fact]
    public void There_is_one_sample_per_stored_event_type()
    {
        Assert.Equal(
            StoredEventTypes.Select(t => t.FullName),
            SampleEvents.ByType.Keys.Select(t => t.FullName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Every_event_round_trips_through_the_actor_systems_serializer_with_its_manifest(string manifest)
    {
        var type = LedgerSerializer.Manifests.Single(p => p.Value == manifest).Key;
        var sample = SampleEvents.ByType[type];
        using var system = LocalSystem();
        var serialization = system.Serialization;

        // The binding in ledger.conf, not just the class, picks the ledger serializer.
        var serializer = Assert.IsType<LedgerSerializer>(serialization.FindSerializerFor(sample));
        Assert.Equal(4180, serializer.Identifier);
        Assert.Equal(manifest, serializer.Manifest(sample));

        var bytes = serializer.ToBinary(sample);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.Equal(sample, back);
        Assert.IsType(type, back);
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Payload_is_camel_case_json_without_clr_type_names(string manifest)
    {
        var type = LedgerSerializer.Manifests.Single(p => p.Value == manifest).Key;
        var json = Encoding.UTF8.GetString(LedgerSerializer.ToUtf8Json(SampleEvents.ByType[type]));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.All(doc.RootElement.EnumerateObject(), p => Assert.True(char.IsLower(p.Name[0]), $"{p.Name} is not camelCase"));
        Assert.True(doc.RootElement.TryGetProperty("at", out _), "every event carries its business time 'at'");
        Assert.DoesNotContain("Ledger.", json, StringComparison.Ordinal);
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
    }

    /// <summary>
    /// Readers get an exception; a recovering entity gets the unreadable event in its place, naming
    /// the manifest, so that it can refuse to serve naming the event instead of failing its recovery.
    /// </summary>
    [Fact]
    public void Unknown_manifest_is_a_serialization_exception_naming_it_and_replays_as_an_unreadable_event()
    {
        var e = Assert.Throws<SerializationException>(() => LedgerSerializer.FromUtf8Json("{}"u8, "account.delivery-reserved.v9"));
        Assert.Contains("account.delivery-reserved.v9", e.Message, StringComparison.Ordinal);

        using var system = LocalSystem();
        var serializer = new LedgerSerializer((ExtendedActorSystem)system);
        var unknown = Assert.IsType<UnreadableEvent>(serializer.FromBinary("{}"u8.ToArray(), "no.such.manifest"));
        Assert.Equal("no.such.manifest", unknown.Manifest);
        Assert.Contains("no.such.manifest", unknown.Why, StringComparison.Ordinal);

        var notJson = Assert.IsType<UnreadableEvent>(serializer.FromBinary("{\"cusip\":"u8.ToArray(), "account.shares-deposited.v1"));
        Assert.Equal("account.shares-deposited.v1", notJson.Manifest);
    }

    [Fact]
    public void A_type_without_a_manifest_is_refused_not_written_with_its_clr_name()
    {
        var e = Assert.Throws<SerializationException>(() => LedgerSerializer.ToUtf8Json("not an event"));
        Assert.Contains("System.String", e.Message, StringComparison.Ordinal);
        Assert.Throws<SerializationException>(() => LedgerSerializer.ManifestFor(typeof(AccountEvent)));
    }

    [Fact]
    public void Malformed_payload_is_a_serialization_exception_naming_the_manifest()
    {
        var e = Assert.Throws<SerializationException>(() => LedgerSerializer.FromUtf8Json("{\"shares\":\"many\"}"u8, "account.shares-deposited.v1"));
        Assert.Contains("account.shares-deposited.v1", e.Message, StringComparison.Ordinal);
        Assert.IsType<JsonException>(e.InnerException);
    }

    [Fact]
    public void A_field_added_by_a_later_version_is_ignored_and_a_missing_optional_field_takes_its_default()
    {
        // Extend-only evolution: an older reader skips fields it does not know; a row written
        // before an optional field existed reads with the field's default.
        const string json = """
            {"order":{"id":"DO-1","deliverer":"0101","receiver":"0981","cusip":"037833100","shares":5,"amountCents":500,"reasonCode":"ML","futureField":true},
             "terms":{"priceCents":100,"haircut":0.1,"version":1},
             "inputs":{"availableShares":5,"collateralMonitorCents":0,"collateralDeltaCents":0,"settlementBalanceCents":0,"netDebitCapCents":0,"collateralMonitorBypassed":false,"rule":"passed"},
             "pendedBefore":false,"at":"2026-03-02T14:30:00+00:00","addedLater":{"x":1}}
            """;
        var e = Assert.IsType<DeliveryReserved>(LedgerSerializer.FromUtf8Json(Encoding.UTF8.GetBytes(json), "account.delivery-reserved.v2"));
        Assert.Null(e.Order.ReclaimOf);
        Assert.Equal("DO-1", e.Order.Id);
        Assert.Equal(500, e.Order.AmountCents);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 14, 30, 0, TimeSpan.Zero), e.At);
    }

    private static ActorSystem LocalSystem() =>
        ActorSystem.Create("serializer-test", ConfigurationFactory
            .ParseString("akka.actor.provider = local\nakka.loglevel = WARNING")
            .WithFallback(StoreConfig.LoadEmbedded(StoreConfig.LedgerConfName)));

    private static string KebabCase(string pascal)
    {
        var sb = new StringBuilder();
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
