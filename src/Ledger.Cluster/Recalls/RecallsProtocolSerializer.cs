using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Journal;
using Ledger.Recalls;
using Ledger.Recalls.Events;

namespace Ledger.Cluster;

/// <summary>
/// Serializes the recall hub's messages between nodes: envelopes, mailbox steps and commands,
/// registry commands, queries and answers. One stable manifest per type (<c>protocol.recalls.deliver-message.v1</c>),
/// camelCase JSON, never a CLR type name; a type without a manifest is refused. An envelope carries
/// its inner message with that message's manifest; the registry's state travels as the events that
/// rebuild it (subscribers, letters, files), which the hub's journal serializer already writes.
/// These records are plain data the generic JSON contracts read back through their constructors.
/// </summary>
public sealed class RecallsProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id sent next to every payload; never change it.</summary>
    public const int SerializerId = 4187;

    private static KeyValuePair<Type, string> E<T>(string manifest) => ProtocolManifests.Of<T>(manifest);

    // Append only: a manifest is never renamed, reused or removed.
    private static readonly ProtocolManifests Table = new(nameof(RecallsProtocolSerializer), SerializerId,
    [
        E<MailboxEnvelope>("protocol.recalls.mailbox-envelope.v1"),
        E<RegistryEnvelope>("protocol.recalls.registry-envelope.v1"),
        E<SendMessage>("protocol.recalls.send-message.v1"),
        E<DeliverMessage>("protocol.recalls.deliver-message.v1"),
        E<ConfirmDelivery>("protocol.recalls.confirm-delivery.v1"),
        E<RetrieveEntry>("protocol.recalls.retrieve-entry.v1"),
        E<RecordRetrieval>("protocol.recalls.record-retrieval.v1"),
        E<ConfirmRetrievalReceipt>("protocol.recalls.confirm-retrieval-receipt.v1"),
        E<SendAnswer>("protocol.recalls.send-answer.v1"),
        E<MailboxRefusal>("protocol.recalls.mailbox-refusal.v1"),
        E<Retrieved>("protocol.recalls.retrieved.v1"),
        E<ListMailbox>("protocol.recalls.list-mailbox.v1"),
        E<MailboxListing>("protocol.recalls.mailbox-listing.v1"),
        E<GetWaiting>("protocol.recalls.get-waiting.v1"),
        E<WaitingEntries>("protocol.recalls.waiting-entries.v1"),
        E<LocateTrace>("protocol.recalls.locate-trace.v1"),
        E<TraceAnswer>("protocol.recalls.trace-answer.v1"),
        E<GetSent>("protocol.recalls.get-sent.v1"),
        E<SentRecord>("protocol.recalls.sent-record.v1"),
        E<GetRegistry>("protocol.recalls.get-registry.v1"),
        E<RegistrySnapshot>("protocol.recalls.registry-snapshot.v1"),
        E<RegistryOutcome>("protocol.recalls.registry-outcome.v1"),
        E<Subscribe>("protocol.recalls.subscribe.v1"),
        E<Unsubscribe>("protocol.recalls.unsubscribe.v1"),
        E<FileVendorLetters>("protocol.recalls.file-vendor-letters.v1"),
        E<WriteEligibilityFile>("protocol.recalls.write-eligibility-file.v1"),
        E<FindDelivered>("protocol.recalls.find-delivered.v1"),
        E<DeliveredAs>("protocol.recalls.delivered-as.v1"),
    ]);


    /// <summary>The allow-list: every type this serializer carries, and its manifest.</summary>
    public static ProtocolManifests Protocol => Table;

    /// <summary>Every type this serializer carries, and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public RecallsProtocolSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => ManifestFor(o.GetType());

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(ToNode(obj), Json);

    public override object FromBinary(byte[] bytes, string manifest) => FromUtf8Json(bytes, manifest);

    public static string ManifestFor(Type type) => Table.ManifestFor(type);

    /// <summary>The payload of <paramref name="message"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object message) => JsonSerializer.SerializeToUtf8Bytes(ToNode(message), Json);

    private static JsonNode ToNode(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ManifestFor(message.GetType());
        return message switch
        {
            MailboxEnvelope e => new JsonObject { ["participant"] = e.Participant, ["manifest"] = ManifestFor(e.Message.GetType()), ["message"] = ToNode(e.Message) },
            RegistryEnvelope e => new JsonObject { ["manifest"] = ManifestFor(e.Message.GetType()), ["message"] = ToNode(e.Message) },
            RegistrySnapshot s => new JsonObject { ["state"] = StateNode(s.State) },
            RegistryOutcome o => new JsonObject { ["state"] = StateNode(o.State), ["error"] = JsonSerializer.SerializeToNode(o.Error, Json) },
            _ => JsonSerializer.SerializeToNode(message, message.GetType(), Json)!,
        };
    }

    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.Parse(utf8Json, manifest, FromNode);

    private static object FromNode(JsonNode node, Type type)
    {
        if (type == typeof(MailboxEnvelope))
            return new MailboxEnvelope(Required(node, "participant").GetValue<string>(), Inner(node));
        if (type == typeof(RegistryEnvelope)) return new RegistryEnvelope(Inner(node));
        if (type == typeof(RegistrySnapshot)) return new RegistrySnapshot(State(Required(node, "state")));
        if (type == typeof(RegistryOutcome)) return new RegistryOutcome(State(Required(node, "state")), node["error"]?.Deserialize<HubError>(Json));
        return node.Deserialize(type, Json) ?? throw new SerializationException($"{type.Name} is JSON null.");
    }

    private static object Inner(JsonNode node) => FromNode(Required(node, "message"), Table.TypeOf(Required(node, "manifest").GetValue<string>()));

    private static JsonNode Required(JsonNode node, string name) => ProtocolManifests.Required(node, name);

    /// <summary>The registry as the events that rebuild it, each under its journal manifest.</summary>
    private static JsonArray StateNode(RegistryState state)
    {
        var events = new List<RegistryEvent>();
        events.AddRange(state.Subscribers.Values.Select(s => new SubscriberSubscribed(s.Participant.Value, s.Name, s.Address, s.Vendor, DateTimeOffset.UnixEpoch)));
        events.AddRange(state.Vendors.Values.Select(v => new VendorLettersFiled(v.Id, v.Name, v.AuthorizedParticipants.ToList(), DateTimeOffset.UnixEpoch)));
        events.AddRange(state.EligibilityFiles.Select(f => new EligibilityFileWritten(Dates.Format(f.Key), "", f.Value, DateTimeOffset.UnixEpoch)));
        var array = new JsonArray();
        foreach (var e in events)
        {
            array.Add(new JsonObject
            {
                ["manifest"] = RecallsSerializer.Manifests[e.GetType()],
                ["event"] = JsonNode.Parse(RecallsSerializer.ToUtf8Json(e)),
            });
        }
        return array;
    }

    private static RegistryState State(JsonNode node) =>
        RegistryState.Replay(node.AsArray().Select(item =>
            (RegistryEvent)RecallsSerializer.FromUtf8Json(System.Text.Encoding.UTF8.GetBytes(Required(item!, "event").ToJsonString()), Required(item!, "manifest").GetValue<string>())));
}
