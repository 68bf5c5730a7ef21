using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;

namespace Ledger.Journal;

/// <summary>
/// One context's table from stored event type to manifest, and its events' JSON both ways through
/// source-generated metadata: what every context's journal serializer does the same way (the
/// reasons for JSON are at <see cref="LedgerSerializer"/>). A type without a manifest is refused,
/// never written under a CLR type name; a manifest or type listed twice fails at start-up.
/// </summary>
public sealed class JsonEventTable
{
    private sealed record Entry(Type Type, string Manifest, JsonTypeInfo TypeInfo);

    private readonly FrozenDictionary<Type, Entry> _byType;
    private readonly FrozenDictionary<string, Entry> _byManifest;
    private readonly string _serializer;
    private readonly string _stored;

    /// <param name="serializer">The serializer's name, for errors (<c>IncomeSerializer</c>).</param>
    /// <param name="serializerId">Its id, written beside every payload.</param>
    /// <param name="stored">What its events are, for errors (<c>income event</c>).</param>
    /// <param name="manifests">Every stored type and its manifest (append only).</param>
    /// <param name="typeInfo">The generated contract of a type.</param>
    public JsonEventTable(string serializer, int serializerId, string stored, IReadOnlyDictionary<Type, string> manifests, Func<Type, JsonTypeInfo> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        ArgumentNullException.ThrowIfNull(typeInfo);
        _serializer = serializer;
        _stored = stored;
        SerializerId = serializerId;
        var entries = manifests.Select(p => new Entry(p.Key, p.Value, typeInfo(p.Key))).ToArray();
        // ToFrozenDictionary throws on a duplicate key: a manifest listed twice never shadows another.
        _byType = entries.ToFrozenDictionary(e => e.Type);
        _byManifest = entries.ToFrozenDictionary(e => e.Manifest, StringComparer.Ordinal);
        Manifests = entries.ToFrozenDictionary(e => e.Type, e => e.Manifest);
    }

    public int SerializerId { get; }

    /// <summary>Every stored event type and its manifest.</summary>
    public IReadOnlyDictionary<Type, string> Manifests { get; }

    public string ManifestFor(object o) => EntryFor(o).Manifest;

    /// <summary>The manifest for an event of type <paramref name="type"/>.</summary>
    public string ManifestFor(Type type) =>
        _byType.TryGetValue(type, out var entry)
            ? entry.Manifest
            : throw new SerializationException($"{type.FullName} is not a stored {_stored}: it has no manifest in {_serializer}.");

    /// <summary>The stored bytes of <paramref name="event"/>.</summary>
    public byte[] ToUtf8Json(object @event) => JsonSerializer.SerializeToUtf8Bytes(@event, EntryFor(@event).TypeInfo);

    /// <summary>Writes the stored bytes of <paramref name="event"/> into a writer the caller reuses.</summary>
    public void WriteUtf8Json(Utf8JsonWriter writer, object @event) => JsonSerializer.Serialize(writer, @event, EntryFor(@event).TypeInfo);

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest)
    {
        if (!_byManifest.TryGetValue(manifest, out var entry))
            throw new SerializationException($"Unknown manifest '{manifest}': {_serializer} (id {SerializerId}) has no event type for it.");
        try
        {
            return JsonSerializer.Deserialize(utf8Json, entry.TypeInfo)
                ?? throw new SerializationException($"The payload for manifest '{manifest}' is JSON null.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"The payload for manifest '{manifest}' is not a valid {entry.Type.Name}: {e.Message}", e);
        }
    }

    private Entry EntryFor(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return _byType.TryGetValue(o.GetType(), out var entry)
            ? entry
            : throw new SerializationException($"{o.GetType().FullName} is not a stored {_stored}: it has no manifest in {_serializer}.");
    }
}

/// <summary>A context's journal serializer over its <see cref="JsonEventTable"/>: the manifest and the JSON, nothing else.</summary>
public abstract class JsonEventSerializer(ExtendedActorSystem system, JsonEventTable table) : SerializerWithStringManifest(system)
{
    public override int Identifier => table.SerializerId;

    public override string Manifest(object o) => table.ManifestFor(o);

    public override byte[] ToBinary(object obj) => table.ToUtf8Json(obj);

    public override object FromBinary(byte[] bytes, string manifest) => table.FromUtf8Json(bytes, manifest);
}
