using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Domain.Events;

namespace Ledger.Journal;

// Why System.Text.Json source generation rather than Protobuf: the event records in Ledger.Domain
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

    private sealed record Entry(Type Type, string Manifest, JsonTypeInfo TypeInfo);

    private static Entry E<T>(string manifest, JsonTypeInfo<T> typeInfo) => new(typeof(T), manifest, typeInfo);

    // Fields added to an event type after journals were written with it, by JSON name. They are
    // written only when set, so that an event stored before them serializes back to exactly the
    // bytes it was stored as: EventChain hashes those bytes, and old journals must keep their chains.
    private static readonly FrozenDictionary<Type, string[]> AddedFields = new Dictionary<Type, string[]>
    {
        [typeof(SharesDeposited)] = ["id"],
        [typeof(SettlementProgressPaymentReceived)] = ["id"],
    }.ToFrozenDictionary();

    // Only the types with added fields go through this resolver: the others keep the generated
    // metadata as it is (and its fast path).
    private static readonly JsonSerializerOptions WithAddedFields = new(LedgerJsonContext.Default.Options)
    {
        TypeInfoResolver = LedgerJsonContext.Default.WithAddedModifier(WriteAddedFieldsOnlyWhenSet),
    };

    private static Entry Added<T>(string manifest) => new(typeof(T), manifest, WithAddedFields.GetTypeInfo(typeof(T)));

    private static void WriteAddedFieldsOnlyWhenSet(JsonTypeInfo info)
    {
        if (!AddedFields.TryGetValue(info.Type, out var names)) return;
        foreach (var property in info.Properties)
        {
            if (names.Contains(property.Name, StringComparer.Ordinal)) property.ShouldSerialize = static (_, value) => value is not null;
        }
    }

    // The one table from type to manifest. Append only: a manifest is never renamed, reused or removed.
    private static readonly Entry[] Table =
    [
        E("account.participant-configured.v1", LedgerJsonContext.Default.ParticipantConfigured),
        E("account.security-terms-applied.v1", LedgerJsonContext.Default.SecurityTermsApplied),
        Added<SharesDeposited>("account.shares-deposited.v1"),
        Added<SettlementProgressPaymentReceived>("account.settlement-progress-payment-received.v1"),
        E("account.delivery-reserved.v1", LedgerJsonContext.Default.DeliveryReserved),
        E("account.delivery-pended.v1", LedgerJsonContext.Default.DeliveryPended),
        E("account.delivery-completed.v1", LedgerJsonContext.Default.DeliveryCompleted),
        E("account.delivery-dropped.v1", LedgerJsonContext.Default.DeliveryDropped),
        E("account.delivery-cancel-requested.v1", LedgerJsonContext.Default.DeliveryCancelRequested),
        E("account.delivery-cancelled.v1", LedgerJsonContext.Default.DeliveryCancelled),
        E("account.receive-completed.v1", LedgerJsonContext.Default.ReceiveCompleted),
        E("account.receive-pended.v1", LedgerJsonContext.Default.ReceivePended),
        E("account.receive-dropped.v1", LedgerJsonContext.Default.ReceiveDropped),
        E("account.receive-cancelled.v1", LedgerJsonContext.Default.ReceiveCancelled),
        E("account.recycle-cutoff-reached.v1", LedgerJsonContext.Default.RecycleCutoffReached),
        E("account.look-ahead-proposed.v1", LedgerJsonContext.Default.LookAheadProposed),
        E("account.look-ahead-completed.v1", LedgerJsonContext.Default.LookAheadCompleted),
        E("account.business-day-closed.v1", LedgerJsonContext.Default.BusinessDayClosed),
        E("reference.participant-registered.v1", LedgerJsonContext.Default.ParticipantRegistered),
        E("reference.security-listed.v1", LedgerJsonContext.Default.SecurityListed),
        E("reference.business-day-opened.v1", LedgerJsonContext.Default.BusinessDayOpened),
        E("reference.recycle-cutoff-started.v1", LedgerJsonContext.Default.RecycleCutoffStarted),
        E("reference.business-day-close-started.v1", LedgerJsonContext.Default.BusinessDayCloseStarted),
        E("index.deliver-order-registered.v1", LedgerJsonContext.Default.DeliverOrderRegistered),
        E("index.deliver-orders-registered.v1", LedgerJsonContext.Default.DeliverOrdersRegistered),
    ];

    // ToDictionary/ToFrozenDictionary throw on a duplicate key, so a manifest or type listed twice
    // fails at type initialisation rather than silently shadowing another.
    private static readonly FrozenDictionary<Type, Entry> ByType = Table.ToFrozenDictionary(e => e.Type);
    private static readonly FrozenDictionary<string, Entry> ByManifest = Table.ToFrozenDictionary(e => e.Manifest, StringComparer.Ordinal);

    /// <summary>Every stored event type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests { get; } = Table.ToFrozenDictionary(e => e.Type, e => e.Manifest);

    public LedgerSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => EntryFor(o).Manifest;

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj);

    public override object FromBinary(byte[] bytes, string manifest) => FromUtf8Json(bytes, manifest);

    /// <summary>The manifest for an event of type <paramref name="type"/>.</summary>
    public static string ManifestFor(Type type) =>
        ByType.TryGetValue(type, out var entry)
            ? entry.Manifest
            : throw new SerializationException($"{type.FullName} is not a stored ledger event: it has no manifest in LedgerSerializer.");

    /// <summary>The journal payload for <paramref name="event"/>, without an actor system (tools, tests).</summary>
    public static byte[] ToUtf8Json(object @event) => JsonSerializer.SerializeToUtf8Bytes(@event, EntryFor(@event).TypeInfo);

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var entry))
        {
            throw new SerializationException($"Unknown manifest '{manifest}': LedgerSerializer (id {SerializerId}) has no event type for it.");
        }

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
            : throw new SerializationException($"{o.GetType().FullName} is not a stored ledger event: it has no manifest in LedgerSerializer.");
    }
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
[JsonSerializable(typeof(DeliveryReserved))]
[JsonSerializable(typeof(DeliveryPended))]
[JsonSerializable(typeof(DeliveryCompleted))]
[JsonSerializable(typeof(DeliveryDropped))]
[JsonSerializable(typeof(DeliveryCancelRequested))]
[JsonSerializable(typeof(DeliveryCancelled))]
[JsonSerializable(typeof(ReceiveCompleted))]
[JsonSerializable(typeof(ReceivePended))]
[JsonSerializable(typeof(ReceiveDropped))]
[JsonSerializable(typeof(ReceiveCancelled))]
[JsonSerializable(typeof(RecycleCutoffReached))]
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
internal sealed partial class LedgerJsonContext : JsonSerializerContext;
