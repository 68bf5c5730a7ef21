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
public sealed class RecallsSerializer(ExtendedActorSystem system) : JsonEventSerializer(system, Table)
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4186;

    private static readonly JsonEventTable Table = new(nameof(RecallsSerializer), SerializerId, "recall-hub event",
        new Dictionary<Type, string>
        {
            [typeof(SubscriberSubscribed)] = "recalls.subscriber-subscribed.v1",
            [typeof(SubscriberUnsubscribed)] = "recalls.subscriber-unsubscribed.v1",
            [typeof(VendorLettersFiled)] = "recalls.vendor-letters-filed.v1",
            [typeof(EligibilityFileWritten)] = "recalls.eligibility-file-written.v1",
            [typeof(MessageTaken)] = "recalls.message-taken.v1",
            [typeof(MessageRejected)] = "recalls.message-rejected.v1",
            [typeof(MessageMadeAvailable)] = "recalls.message-made-available.v1",
            [typeof(MessageAcknowledged)] = "recalls.message-acknowledged.v1",
            [typeof(EntryRetrieved)] = "recalls.entry-retrieved.v1",
            [typeof(RetrievalReceiptIssued)] = "recalls.retrieval-receipt-issued.v1",
            [typeof(RetrievalReceiptConfirmed)] = "recalls.retrieval-receipt-confirmed.v1",
        }, type => RecallsJsonContext.Default.GetTypeInfo(type)!);

    /// <summary>Every stored event type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    public static string ManifestFor(object o) => Table.ManifestFor(o);

    /// <summary>The stored bytes of <paramref name="event"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object @event) => Table.ToUtf8Json(@event);

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.FromUtf8Json(utf8Json, manifest);
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
