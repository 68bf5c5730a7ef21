using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Settlement.Events;

namespace Ledger.Journal;

// Why System.Text.Json source generation rather than Protobuf: the event records in Ledger.Settlement
// are already the contract, so source-generated JSON needs no .proto twin and no protoc/Grpc.Tools
// step in the build; the journal's payload column is readable JSON that risk staff and operators
// can inspect with plain SQL while explaining a pended DO; and the evolution rule we need
// (extend-only: new fields optional with defaults, unknown fields ignored) is exactly how
// System.Text.Json binds constructor parameters. The generator emits the (de)serialization code
// at compile time, so nothing is reflected over at run time and the per-type metadata is cached in
// the static context. Protobuf would give smaller rows; we trade that for rows a person can read.

/// <summary>
/// The ledger's journal serializer: one stable string manifest per stored event type, payload as
/// UTF-8 camelCase JSON. CLR type names never reach the journal, so types can be renamed or moved
/// freely; a manifest, once written, is never changed or reused. A breaking change to an event is
/// a new ".v2" manifest plus an upcaster here.
/// </summary>
public sealed class LedgerSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id written next to every payload; never change it.</summary>
    public const int SerializerId = 4180;

    private static KeyValuePair<Type, string> E<T>(string manifest) => new(typeof(T), manifest);

    /// <summary>
    /// The generated contracts, with one change: a field added to an event type after journals were
    /// written with it is written only when set, so that an event stored before it serializes back
    /// to exactly the bytes it was stored as (EventChain hashes those bytes, and old journals must
    /// keep their chains). Such fields: the chain that reference and index events gained after they
    /// were first stored (an order inside <see cref="DeliverOrdersRegistered"/>, never sealed on its
    /// own, carries no <c>"chain":null</c>; account events were chained from their first release and
    /// keep writing <c>"chain":null</c> into the bytes their chain hashes), and the fields of
    /// <see cref="AddedFields"/>.
    /// </summary>
    private static readonly JsonSerializerOptions Json = new(LedgerJsonContext.Default.Options)
    {
        TypeInfoResolver = LedgerJsonContext.Default.WithAddedModifier(WriteAddedFieldsOnlyWhenSet),
    };

    // Fields added to an event type after journals were written with it, by JSON name.
    private static readonly FrozenDictionary<Type, string[]> AddedFields = new Dictionary<Type, string[]>
    {
        [typeof(SharesDeposited)] = ["id"],
        [typeof(SettlementProgressPaymentReceived)] = ["id"],
        // What a completion publishes (SettlementPublication): written on completions since then.
        [typeof(DeliveryCompleted)] = ["order", "businessDate"],
        [typeof(ReceiveCompleted)] = ["businessDate"],
        [typeof(LookAheadCompleted)] = ["receiveOrder", "deliveryOrder", "businessDate"],
        // A stock loan's terms (lending.md section 1), inside every event that carries an order.
        [typeof(DeliverOrderData)] = ["rebateRate", "collateralMargin"],
        // A payment order's drop, published (SettlementPublication): written on those drops only.
        [typeof(DeliveryDropped)] = ["order", "businessDate"],
    }.ToFrozenDictionary();

    private static void WriteAddedFieldsOnlyWhenSet(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        var chainAdded = !typeof(AccountEvent).IsAssignableFrom(info.Type);
        var added = AddedFields.GetValueOrDefault(info.Type) ?? [];
        foreach (var property in info.Properties)
        {
            if ((chainAdded && property.Name == "chain") || added.Contains(property.Name, StringComparer.Ordinal))
                property.ShouldSerialize = static (_, value) => value is not null;
        }
    }

    // The one table from type to manifest. Append only: a manifest is never renamed, reused or removed.
    private static readonly KeyValuePair<Type, string>[] Entries =
    [
        E<ParticipantConfigured>("account.participant-configured.v1"),
        E<SecurityTermsApplied>("account.security-terms-applied.v1"),
        E<SharesDeposited>("account.shares-deposited.v1"),
        E<SettlementProgressPaymentReceived>("account.settlement-progress-payment-received.v1"),
        E<DeliveryReservedV1>("account.delivery-reserved.v1"),
        E<DeliveryPendedV1>("account.delivery-pended.v1"),
        E<DeliveryCompleted>("account.delivery-completed.v1"),
        E<DeliveryDropped>("account.delivery-dropped.v1"),
        E<DeliveryCancelRequested>("account.delivery-cancel-requested.v1"),
        E<DeliveryCancelled>("account.delivery-cancelled.v1"),
        E<ReceiveCompletedV1>("account.receive-completed.v1"),
        E<ReceivePendedV1>("account.receive-pended.v1"),
        E<ReceiveDropped>("account.receive-dropped.v1"),
        E<ReceiveCancelled>("account.receive-cancelled.v1"),
        E<RecycleCutoffReached>("account.recycle-cutoff-reached.v1"),
        E<LookAheadProposedV1>("account.look-ahead-proposed.v1"),
        E<LookAheadCompleted>("account.look-ahead-completed.v1"),
        E<BusinessDayClosed>("account.business-day-closed.v1"),
        E<ParticipantRegistered>("reference.participant-registered.v1"),
        E<SecurityListed>("reference.security-listed.v1"),
        E<BusinessDayOpened>("reference.business-day-opened.v1"),
        E<RecycleCutoffStarted>("reference.recycle-cutoff-started.v1"),
        E<BusinessDayCloseStarted>("reference.business-day-close-started.v1"),
        E<DeliverOrderRegistered>("index.deliver-order-registered.v1"),
        E<DeliverOrdersRegistered>("index.deliver-orders-registered.v1"),
        // Check inputs in whole cents (long); the ".v1" events above are read and upcast (LegacyEvents).
        E<DeliveryReserved>("account.delivery-reserved.v2"),
        E<DeliveryPended>("account.delivery-pended.v2"),
        E<ReceiveCompleted>("account.receive-completed.v2"),
        E<ReceivePended>("account.receive-pended.v2"),
        E<LookAheadProposed>("account.look-ahead-proposed.v2"),
        E<HolidayDeclared>("reference.holiday-declared.v1"),
        E<HolidayRemoved>("reference.holiday-removed.v1"),
        E<IncomePostingApplied>("account.income-posting-applied.v1"),
    ];

    // A manifest or type listed twice fails at type initialisation rather than silently shadowing another.
    private static readonly JsonEventTable Table = new(nameof(LedgerSerializer), SerializerId, "ledger event",
        new Dictionary<Type, string>(Entries), Json.GetTypeInfo);

    /// <summary>Every stored event type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    public LedgerSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => Table.ManifestFor(o);

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj);

    /// <summary>
    /// What a journal replays to a persistent actor. A payload this serializer cannot read (not valid
    /// JSON, an unknown manifest) comes back as an <see cref="UnreadableEvent"/> instead of an
    /// exception: an exception here fails the whole recovery, the entity stops, and every request
    /// for it waits for its ask timeout. Given the placeholder, the entity knows which event is
    /// unreadable and refuses to serve, naming it (see <see cref="JournalCheck"/>).
    /// </summary>
    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return FromUtf8Json(bytes, manifest);
        }
        catch (SerializationException e)
        {
            return new UnreadableEvent(manifest, e.Message);
        }
    }

    /// <summary>The manifest for an event of type <paramref name="type"/>.</summary>
    public static string ManifestFor(Type type) => Table.ManifestFor(type);

    /// <summary>The journal payload for <paramref name="event"/>, without an actor system (tools, tests).</summary>
    public static byte[] ToUtf8Json(object @event) => Table.ToUtf8Json(@event);

    /// <summary>Writes the journal payload for <paramref name="event"/>: the same bytes as <see cref="ToUtf8Json"/>, into a writer the caller reuses.</summary>
    internal static void WriteUtf8Json(Utf8JsonWriter writer, object @event) => Table.WriteUtf8Json(writer, @event);

    /// <summary>The writer options that give <see cref="ToUtf8Json"/>'s bytes.</summary>
    internal static JsonWriterOptions WriterOptions => new() { Encoder = Json.Encoder, Indented = Json.WriteIndented, MaxDepth = Json.MaxDepth };

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.FromUtf8Json(utf8Json, manifest);
}

/// <summary>Compile-time generated JSON metadata for every stored event (camelCase, compact).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ParticipantConfigured))]
[JsonSerializable(typeof(SecurityTermsApplied))]
[JsonSerializable(typeof(SharesDeposited))]
[JsonSerializable(typeof(SettlementProgressPaymentReceived))]
[JsonSerializable(typeof(DeliveryReservedV1))]
[JsonSerializable(typeof(DeliveryReserved))]
[JsonSerializable(typeof(DeliveryPendedV1))]
[JsonSerializable(typeof(DeliveryPended))]
[JsonSerializable(typeof(DeliveryCompleted))]
[JsonSerializable(typeof(DeliveryDropped))]
[JsonSerializable(typeof(DeliveryCancelRequested))]
[JsonSerializable(typeof(DeliveryCancelled))]
[JsonSerializable(typeof(ReceiveCompletedV1))]
[JsonSerializable(typeof(ReceiveCompleted))]
[JsonSerializable(typeof(ReceivePendedV1))]
[JsonSerializable(typeof(ReceivePended))]
[JsonSerializable(typeof(ReceiveDropped))]
[JsonSerializable(typeof(ReceiveCancelled))]
[JsonSerializable(typeof(RecycleCutoffReached))]
[JsonSerializable(typeof(LookAheadProposedV1))]
[JsonSerializable(typeof(LookAheadProposed))]
[JsonSerializable(typeof(LookAheadCompleted))]
[JsonSerializable(typeof(BusinessDayClosed))]
[JsonSerializable(typeof(ParticipantRegistered))]
[JsonSerializable(typeof(SecurityListed))]
[JsonSerializable(typeof(BusinessDayOpened))]
[JsonSerializable(typeof(RecycleCutoffStarted))]
[JsonSerializable(typeof(BusinessDayCloseStarted))]
[JsonSerializable(typeof(DeliverOrderRegistered))]
[JsonSerializable(typeof(DeliverOrdersRegistered))]
[JsonSerializable(typeof(HolidayDeclared))]
[JsonSerializable(typeof(HolidayRemoved))]
[JsonSerializable(typeof(IncomePostingApplied))]
internal sealed partial class LedgerJsonContext : JsonSerializerContext;
