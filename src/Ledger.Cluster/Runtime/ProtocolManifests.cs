using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.Serialization;
using System.Text.Json.Nodes;

namespace Ledger.Cluster;

/// <summary>
/// A context's allow-list of the messages that cross nodes: one stable manifest per type
/// (<c>protocol.&lt;context&gt;.&lt;message&gt;.v1</c>), the only way from a manifest to a type, so a
/// payload never names a CLR type and a type without a manifest is refused before it is written.
/// Append only: a manifest is never renamed, reused or removed; one listed twice fails at start-up.
/// </summary>
public sealed class ProtocolManifests
{
    private readonly FrozenDictionary<Type, string> _byType;
    private readonly FrozenDictionary<string, Type> _byManifest;
    private readonly string _serializer;
    private readonly int _serializerId;

    public ProtocolManifests(string serializer, int serializerId, IEnumerable<KeyValuePair<Type, string>> manifests)
    {
        var entries = manifests.ToArray();
        _serializer = serializer;
        _serializerId = serializerId;
        // ToFrozenDictionary throws on a duplicate key.
        _byType = entries.ToFrozenDictionary(e => e.Key, e => e.Value);
        _byManifest = entries.ToFrozenDictionary(e => e.Value, e => e.Key, StringComparer.Ordinal);
    }

    /// <summary>An entry of the list: <typeparamref name="T"/> under <paramref name="manifest"/>.</summary>
    public static KeyValuePair<Type, string> Of<T>(string manifest) => new(typeof(T), manifest);

    /// <summary>Every type carried, and its manifest.</summary>
    public IReadOnlyDictionary<Type, string> Manifests => _byType;

    /// <exception cref="SerializationException">The type has no manifest: it must not cross nodes until it has one.</exception>
    public string ManifestFor(Type type) =>
        _byType.TryGetValue(type, out var manifest)
            ? manifest
            : throw new SerializationException($"{type.FullName} has no manifest in {_serializer}: add one before it crosses nodes.");

    public bool TryManifestFor(Type type, [NotNullWhen(true)] out string? manifest) => _byType.TryGetValue(type, out manifest);

    public Type TypeOf(string manifest) =>
        _byManifest.TryGetValue(manifest, out var type)
            ? type
            : throw new SerializationException($"Unknown manifest '{manifest}': {_serializer} (id {_serializerId}) has no type for it.");

    /// <summary>The message sent as <paramref name="utf8Json"/> under <paramref name="manifest"/>, read by <paramref name="fromNode"/>.</summary>
    public object Parse(ReadOnlySpan<byte> utf8Json, string manifest, Func<JsonNode, Type, object> fromNode)
    {
        ArgumentNullException.ThrowIfNull(fromNode);
        var type = TypeOf(manifest);
        try
        {
            return fromNode(JsonNode.Parse(utf8Json) ?? throw new SerializationException($"The payload for manifest '{manifest}' is JSON null."), type);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new SerializationException($"The payload for manifest '{manifest}' is not a valid {type.Name}: {e.Message}", e);
        }
    }

    /// <summary>The field <paramref name="name"/> of a payload, which must be there.</summary>
    public static JsonNode Required(JsonNode node, string name) =>
        node[name] ?? throw new SerializationException($"The payload has no '{name}'.");
}
