using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace Ledger.Journal.Tests;

/// <summary>The runtime's stored events: their manifests and bytes are fixed once written.</summary>
public sealed class RuntimeSerializerTests
{
    private static readonly ConsumerOffsetStored Sample = new(Offset: 48_213, Events: 500, At: new DateTimeOffset(2026, 3, 2, 14, 30, 15, 123, TimeSpan.Zero));

    // Written once from Sample: a change here breaks every consumer's stored offset.
    private const string GoldenJson = """{"offset":48213,"events":500,"at":"2026-03-02T14:30:15.123+00:00"}""";

    [Fact]
    public void The_consumer_offset_is_stored_as_its_golden_bytes_under_its_manifest_and_reads_back()
    {
        Assert.Equal(GoldenJson, Encoding.UTF8.GetString(RuntimeSerializer.ToUtf8Json(Sample)));
        Assert.Equal(Sample, RuntimeSerializer.FromUtf8Json(Encoding.UTF8.GetBytes(GoldenJson), RuntimeSerializer.OffsetStoredManifest));
    }

    [Fact]
    public void The_actor_system_serializes_the_offset_with_the_runtime_serializer_and_its_manifest()
    {
        using var system = ActorSystem.Create("runtime-serializer", Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(StoreConfig.LoadEmbedded("ledger.conf")));
        var serialization = system.Serialization;
        var serializer = serialization.FindSerializerFor(Sample);
        Assert.Equal(RuntimeSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(RuntimeSerializer.OffsetStoredManifest, Serialization.ManifestFor(serializer, Sample));
        Assert.Equal(Sample, serialization.Deserialize(serializer.ToBinary(Sample), serializer.Identifier, RuntimeSerializer.OffsetStoredManifest));
    }

    [Fact]
    public void An_unknown_manifest_or_type_is_refused_never_guessed()
    {
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => RuntimeSerializer.FromUtf8Json("{}"u8, "consumer.offset-stored.v2"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => RuntimeSerializer.ToUtf8Json("not an event"));
    }
}
