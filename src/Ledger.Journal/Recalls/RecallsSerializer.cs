using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Recalls.Events;

namespace Ledger.Journal;

/// <summary>
/// The recall hub's journal serializer: the registry's and the mailboxes' events, one stable
/// manifest per type (<c>recalls.message-taken.v1</c>), payload as UTF-8 camelCase JSON from
/// source-generated contracts, as settlement's <see cref="LedgerSerializer"/> writes its own (the
/// same reasons: readable rows, no .proto twin, extend-only by constructor binding). Its own id, so
/// that the hub's rows are told apart from settlement's by the serializer column alone. A type
/// without a manifest is refused, never written under a CLR type name.
/// </summary>
public sealed class RecallsSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4186;

    private sealed record Entry(Type Type, string Manifest, JsonTypeInfo TypeInfo);

    private static Entry E<T>(string manifest) => new(typeof(T), manifest, RecallsJsonContext.Default.GetTypeInfo(typeof(T))!);

    // The one table from type to manifest. Append only: a manifest is never renamed, reused or removed.
    private static readonly Entry[] Table =
    [
        E<SubscriberSubscribed>("recalls.subscriber-subscribed.v1"),
        E<SubscriberUnsubscribed>("recalls.subscriber-unsubscribed.v1"),
        E<VendorLettersFiled>("recalls.vendor-letters-filed.v1"),
        E<EligibilityFileWritten>("recalls.eligibility-file-written.v1"),
        E<MessageTaken>("recalls.message-taken.v1"),
        E<MessageRejected>("recalls.message-rejected.v1"),
        E<MessageMadeAvailable>("recalls.message-made-available.v1"),
        E<MessageAcknowledged>("recalls.message-acknowledged.v1"),
        E<EntryRetrieved>("recalls.entry-retrieved.v1"),
        E<RetrievalReceiptIssued>("recalls.retrieval-receipt-issued.v1"),
        E<RetrievalReceiptConfirmed>("recalls.retrieval-receipt-confirmed.v1"),
    ];

    private static readonly FrozenDictionary<Type, Entry> ByType = Table.ToFrozenDictionary(e => e.Type);
    private static readonly FrozenDictionary<string, Entry> ByManifest = Table.ToFrozenDictionary(e => e.Manifest, StringComparer.Ordinal);

    /// <summary>Every stored event type of the hub and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests { get; } = Table.ToFrozenDictionary(e => e.Type, e => e.Manifest);

    public RecallsSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => EntryFor(o).Manifest;

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj);

    public override object FromBinary(byte[] bytes, string manifest) => FromUtf8Json(bytes, manifest);

    /// <summary>The stored bytes of <paramref name="event"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object @event) => JsonSerializer.SerializeToUtf8Bytes(@event, EntryFor(@event).TypeInfo);

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var entry))
            throw new SerializationException($"Unknown manifest '{manifest}': RecallsSerializer (id {SerializerId}) has no event type for it.");
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

    private static Entry EntryFor(object o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return ByType.TryGetValue(o.GetType(), out var entry)
            ? entry
            : throw new SerializationException($"{o.GetType().FullName} is not a stored recall-hub event: it has no manifest in RecallsSerializer.");
    }
}

/// <summary>Compile-time generated JSON metadata for the hub's stored events (camelCase, compact).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(SubscriberSubscribed))]
[JsonSerializable(typeof(SubscriberUnsubscribed))]
[JsonSerializable(typeof(VendorLettersFiled))]
[JsonSerializable(typeof(EligibilityFileWritten))]
[JsonSerializable(typeof(MessageTaken))]
[JsonSerializable(typeof(MessageRejected))]
[JsonSerializable(typeof(MessageMadeAvailable))]
[JsonSerializable(typeof(MessageAcknowledged))]
[JsonSerializable(typeof(EntryRetrieved))]
[JsonSerializable(typeof(RetrievalReceiptIssued))]
[JsonSerializable(typeof(RetrievalReceiptConfirmed))]
internal sealed partial class RecallsJsonContext : JsonSerializerContext;
