using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace Ledger.Journal;

/// <summary>
/// The serializer of the runtime's own stored events (today a consumer's
/// <see cref="ConsumerOffsetStored"/>), apart from settlement's <see cref="LedgerSerializer"/>:
/// one stable manifest per type, extend-only, source-generated camelCase JSON, never a CLR type name.
/// </summary>
public sealed class RuntimeSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4182;

    /// <summary>Manifest of <see cref="ConsumerOffsetStored"/>.</summary>
    public const string OffsetStoredManifest = "consumer.offset-stored.v1";

    public RuntimeSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        ConsumerOffsetStored => OffsetStoredManifest,
        _ => throw new SerializationException($"{o?.GetType().FullName} is not a stored runtime event: it has no manifest in RuntimeSerializer."),
    };

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj);

    public override object FromBinary(byte[] bytes, string manifest) => FromUtf8Json(bytes, manifest);

    /// <summary>The stored bytes of <paramref name="event"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object @event) => @event switch
    {
        ConsumerOffsetStored e => JsonSerializer.SerializeToUtf8Bytes(e, RuntimeJsonContext.Default.ConsumerOffsetStored),
        _ => throw new SerializationException($"{@event?.GetType().FullName} is not a stored runtime event: it has no manifest in RuntimeSerializer."),
    };

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest)
    {
        try
        {
            return manifest switch
            {
                OffsetStoredManifest => JsonSerializer.Deserialize(utf8Json, RuntimeJsonContext.Default.ConsumerOffsetStored)
                    ?? throw new SerializationException($"The payload for manifest '{manifest}' is JSON null."),
                _ => throw new SerializationException($"Unknown manifest '{manifest}': RuntimeSerializer (id {SerializerId}) has no event type for it."),
            };
        }
        catch (JsonException e)
        {
            throw new SerializationException($"The payload for manifest '{manifest}' is not valid: {e.Message}", e);
        }
    }
}

/// <summary>Compile-time generated JSON metadata for the runtime's stored events (camelCase, compact).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ConsumerOffsetStored))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;
