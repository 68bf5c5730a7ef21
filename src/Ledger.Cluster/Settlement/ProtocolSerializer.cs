using Ledger.Journal;
using System.Buffers;
using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Settlement;

namespace Ledger.Cluster;

// Why a second serializer rather than more manifests in LedgerSerializer: the journal's serializer
// (Ledger.Journal, id 4180) pins what is stored forever; these are the messages nodes exchange
// (commands, replies, envelopes), which live in Ledger.Cluster and Ledger.Settlement and are never
// stored. Same technique (source-generated System.Text.Json, one stable manifest per type, CLR type
// names never on the wire), its own id, its own golden files.

/// <summary>
/// Serializes every message that crosses nodes: the sharding envelopes, the account, reference and
/// index commands and their replies. One stable manifest per type (<c>protocol.submit-delivery.v1</c>),
/// payload as UTF-8 camelCase JSON; a manifest, once used, is never changed or reused, and a breaking
/// change is a new ".v2". A type it has no manifest for is refused, never sent under a CLR type name.
/// </summary>
/// <remarks>
/// An envelope carries its inner message inline when the inner message is one of these types
/// (<c>{"participantId":"0005","manifest":"protocol.submit-delivery.v1","message":{...}}</c>); any other
/// inner message (an Akka system message such as <see cref="Kill"/>) is carried with the id, manifest
/// and bytes of whichever serializer Akka binds to it. Lists of commands and replies name each item's
/// type by its manifest in a <c>$manifest</c> property.
/// </remarks>
public sealed class ProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id sent next to every payload; never change it.</summary>
    public const int SerializerId = 4181;

    private const string TypeProperty = "$manifest";

    private static KeyValuePair<Type, string> E<T>(string manifest) => ProtocolManifests.Of<T>(manifest);

    // The one table from type to manifest. Append only: a manifest is never renamed, reused or removed.
    private static readonly ProtocolManifests Table = new(nameof(ProtocolSerializer), SerializerId,
    [
        // Sharding envelopes.
        E<AccountEnvelope>("protocol.account-envelope.v1"),
        E<ReferenceEnvelope>("protocol.reference-envelope.v1"),
        E<IndexEnvelope>("protocol.index-envelope.v1"),

        // Account commands (Ledger.Settlement), alone or in a batch.
        E<AccountCommands>("protocol.account-commands.v1"),
        E<ConfigureParticipant>("protocol.configure-participant.v1"),
        E<ApplySecurityTerms>("protocol.apply-security-terms.v1"),
        E<DepositShares>("protocol.deposit-shares.v1"),
        E<ReceiveSettlementProgressPayment>("protocol.receive-settlement-progress-payment.v1"),
        E<SubmitDelivery>("protocol.submit-delivery.v1"),
        E<RequestReceive>("protocol.request-receive.v1"),
        E<ReportReceiveOutcome>("protocol.report-receive-outcome.v1"),
        E<CancelDelivery>("protocol.cancel-delivery.v1"),
        E<CancelReceive>("protocol.cancel-receive.v1"),
        E<ReachRecycleCutoff>("protocol.reach-recycle-cutoff.v1"),
        E<DropAllPending>("protocol.drop-all-pending.v1"),
        E<CloseBusinessDay>("protocol.close-business-day.v1"),
        E<ApplyIncomePosting>("protocol.apply-income-posting.v1"),

        // Account replies (Ledger.Settlement), alone or in a batch.
        E<AccountReplies>("protocol.account-replies.v1"),
        E<Acknowledged>("protocol.acknowledged.v1"),
        E<Rejected>("protocol.rejected.v1"),
        E<DeliveryStatusReply>("protocol.delivery-status-reply.v1"),
        E<Busy>("protocol.busy.v1"),
        E<JournalDamaged>("protocol.journal-damaged.v1"),

        // Account queries and their answers.
        E<GetAccountView>("protocol.get-account-view.v1"),
        E<AccountView>("protocol.account-view.v1"),
        E<GetDelivery>("protocol.get-delivery.v1"),
        E<DeliveryFound>("protocol.delivery-found.v1"),
        E<GetReceive>("protocol.get-receive.v1"),
        E<ReceiveSnapshot>("protocol.receive-snapshot.v1"),
        E<GetInFlightCount>("protocol.get-in-flight-count.v1"),
        E<InFlightCount>("protocol.in-flight-count.v1"),
        E<GetDeliverOrderEvents>("protocol.get-deliver-order-events.v1"),
        E<DeliverOrderEvents>("protocol.deliver-order-events.v1"),

        // Reference data (Ledger.Settlement) and its one answer.
        E<GetReference>("protocol.get-reference.v1"),
        E<RegisterParticipant>("protocol.register-participant.v1"),
        E<ListSecurity>("protocol.list-security.v1"),
        E<OpenFirstBusinessDay>("protocol.open-first-business-day.v1"),
        E<StartRecycleCutoff>("protocol.start-recycle-cutoff.v1"),
        E<StartClose>("protocol.start-close.v1"),
        E<FinishClose>("protocol.finish-close.v1"),
        E<ReferenceSnapshot>("protocol.reference-snapshot.v1"),
        E<DeclareHoliday>("protocol.declare-holiday.v1"),
        E<RemoveHoliday>("protocol.remove-holiday.v1"),

        // The deliver-order index.
        E<RegisterDeliverOrders>("protocol.register-deliver-orders.v1"),
        E<RegistrationOutcomes>("protocol.registration-outcomes.v1"),
        E<FindDeliverOrder>("protocol.find-deliver-order.v1"),
        E<DeliverOrderLocation>("protocol.deliver-order-location.v1"),
    ]);


    /// <summary>Every type this serializer carries, and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    private static readonly JsonSerializerOptions Json = new(ProtocolJsonContext.Default.Options)
    {
        TypeInfoResolver = ProtocolJsonContext.Default.WithAddedModifier(Contract),
    };

    public ProtocolSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => ManifestFor(o.GetType());

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj, system.Serialization);

    public override object FromBinary(byte[] bytes, string manifest) => FromUtf8Json(bytes, manifest, system.Serialization);

    /// <summary>The manifest of a protocol type.</summary>
    /// <exception cref="SerializationException">The type has no manifest: it must not cross nodes until it has one.</exception>
    public static string ManifestFor(Type type) => Table.ManifestFor(type);

    /// <summary>
    /// The payload of <paramref name="message"/>. <paramref name="akka"/> serializes what an envelope
    /// carries that is not a protocol type; without it such an envelope is refused.
    /// </summary>
    public static byte[] ToUtf8Json(object message, Akka.Serialization.Serialization? akka = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ManifestFor(message.GetType()); // refuses a type with no manifest before writing anything
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            switch (message)
            {
                case AccountEnvelope e:
                    writer.WriteStartObject();
                    writer.WriteString("participantId", e.ParticipantId);
                    WriteInner(writer, e.Message, akka);
                    writer.WriteEndObject();
                    break;
                case ReferenceEnvelope e:
                    writer.WriteStartObject();
                    WriteInner(writer, e.Message, akka);
                    writer.WriteEndObject();
                    break;
                case IndexEnvelope e:
                    writer.WriteStartObject();
                    writer.WriteNumber("bucket", e.Bucket);
                    WriteInner(writer, e.Message, akka);
                    writer.WriteEndObject();
                    break;
                default:
                    JsonSerializer.Serialize(writer, message, Json.GetTypeInfo(message.GetType()));
                    break;
            }
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The message sent as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest, Akka.Serialization.Serialization? akka = null)
    {
        var type = Table.TypeOf(manifest);

        try
        {
            if (type == typeof(AccountEnvelope) || type == typeof(ReferenceEnvelope) || type == typeof(IndexEnvelope))
            {
                var reader = new Utf8JsonReader(utf8Json);
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                var inner = ReadInner(root, akka);
                if (type == typeof(AccountEnvelope)) return new AccountEnvelope(Required(root, "participantId").GetString()!, inner);
                if (type == typeof(IndexEnvelope)) return new IndexEnvelope(Required(root, "bucket").GetInt32(), inner);
                return new ReferenceEnvelope(inner);
            }

            return JsonSerializer.Deserialize(utf8Json, Json.GetTypeInfo(type))
                ?? throw new SerializationException($"The payload for manifest '{manifest}' is JSON null.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or NotSupportedException)
        {
            throw new SerializationException($"The payload for manifest '{manifest}' is not a valid {type.Name}: {e.Message}", e);
        }
    }

    private static void WriteInner(Utf8JsonWriter writer, object message, Akka.Serialization.Serialization? akka)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Table.TryManifestFor(message.GetType(), out var manifest))
        {
            writer.WriteString("manifest", manifest);
            writer.WritePropertyName("message");
            JsonSerializer.Serialize(writer, message, Json.GetTypeInfo(message.GetType()));
            return;
        }

        if (akka is null)
        {
            throw new SerializationException($"An envelope carries {message.GetType().FullName}, which only Akka's serialization can carry, and none was given.");
        }
        var serializer = akka.FindSerializerFor(message);
        if (serializer is ProtocolSerializer)
        {
            // Bound here (it implements IProtocolMessage) but missing from the table.
            throw new SerializationException($"{message.GetType().FullName} has no manifest in ProtocolSerializer: add one before it crosses nodes.");
        }
        writer.WriteNumber("serializerId", serializer.Identifier);
        writer.WriteString("manifest", Akka.Serialization.Serialization.ManifestFor(serializer, message));
        writer.WriteBase64String("bytes", serializer.ToBinary(message));
    }

    private static object ReadInner(JsonElement root, Akka.Serialization.Serialization? akka)
    {
        var manifest = Required(root, "manifest").GetString()!;
        if (root.TryGetProperty("message", out var inline))
        {
            return inline.Deserialize(Json.GetTypeInfo(Table.TypeOf(manifest)))
                ?? throw new SerializationException($"The message inside an envelope ('{manifest}') is JSON null.");
        }

        if (akka is null)
        {
            throw new SerializationException($"An envelope carries a '{manifest}' message of another serializer, and no Akka serialization was given to read it.");
        }
        return akka.Deserialize(Required(root, "bytes").GetBytesFromBase64(), Required(root, "serializerId").GetInt32(), manifest);
    }

    private static JsonElement Required(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value : throw new SerializationException($"The envelope has no '{name}'.");

    /// <summary>
    /// The wire contract of a type is its constructor: computed properties (<c>DeliverOrder.Fingerprint</c>,
    /// <c>Money.Dollars</c>) are not sent. Lists of account commands and replies name each item's type.
    /// </summary>
    private static void Contract(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i].AssociatedParameter is null) info.Properties.RemoveAt(i);
        }

        if (info.Type == typeof(AccountCommand) || info.Type == typeof(AccountReply))
        {
            var polymorphism = new JsonPolymorphismOptions
            {
                TypeDiscriminatorPropertyName = TypeProperty,
                UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
            };
            foreach (var (type, manifest) in Table.Manifests.Where(e => info.Type.IsAssignableFrom(e.Key)).OrderBy(e => e.Value, StringComparer.Ordinal))
            {
                polymorphism.DerivedTypes.Add(new JsonDerivedType(type, manifest));
            }
            info.PolymorphismOptions = polymorphism;
        }
    }
}

/// <summary>Ids on the wire as plain strings (also as dictionary keys).</summary>
internal abstract class StringValueConverter<T> : JsonConverter<T>
    where T : struct
{
    protected abstract T Create(string value);

    protected abstract string ValueOf(T id);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Create(reader.GetString() ?? throw new JsonException($"{typeof(T).Name} must be a string"));

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(ValueOf(value));

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Read(ref reader, typeToConvert, options);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(ValueOf(value));
}

internal sealed class ParticipantIdConverter : StringValueConverter<ParticipantId>
{
    protected override ParticipantId Create(string value) => new(value);

    protected override string ValueOf(ParticipantId id) => id.Value;
}

internal sealed class DeliverOrderIdConverter : StringValueConverter<DeliverOrderId>
{
    protected override DeliverOrderId Create(string value) => new(value);

    protected override string ValueOf(DeliverOrderId id) => id.Value;
}

internal sealed class IdempotencyIdConverter : StringValueConverter<IdempotencyId>
{
    protected override IdempotencyId Create(string value) => new(value);

    protected override string ValueOf(IdempotencyId id) => id.Value;
}

internal sealed class CusipConverter : StringValueConverter<Cusip>
{
    protected override Cusip Create(string value) => new(value);

    protected override string ValueOf(Cusip id) => id.Value;
}

/// <summary>
/// A business calendar on the wire: its holidays, <c>[{"date":"2026-11-26","name":"Thanksgiving Day"}, ...]</c>
/// in date order (the calendar is immutable and has no other state).
/// </summary>
internal sealed class BusinessCalendarConverter : JsonConverter<BusinessCalendar>
{
    public override BusinessCalendar Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a business calendar must be an array of holidays");
        var holidays = new List<Holiday>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("a holiday must be an object {date, name}");
            DateOnly? date = null;
            string? name = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var property = reader.GetString();
                reader.Read();
                if (property == "date") date = DateOnly.ParseExact(reader.GetString() ?? "", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                else if (property == "name") name = reader.GetString();
                else reader.Skip();
            }
            holidays.Add(new Holiday(date ?? throw new JsonException("a holiday needs its date"), name ?? throw new JsonException("a holiday needs its name")));
        }
        return new BusinessCalendar(holidays);
    }

    public override void Write(Utf8JsonWriter writer, BusinessCalendar value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var holiday in value.Holidays)
        {
            writer.WriteStartObject();
            writer.WriteString("date", holiday.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("name", holiday.Name);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}

/// <summary>Compile-time generated JSON metadata for every protocol message (camelCase, compact).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    Converters = [typeof(ParticipantIdConverter), typeof(DeliverOrderIdConverter), typeof(IdempotencyIdConverter), typeof(CusipConverter),
        typeof(BusinessCalendarConverter)])]
[JsonSerializable(typeof(AccountCommands))]
[JsonSerializable(typeof(AccountCommand))]
[JsonSerializable(typeof(ConfigureParticipant))]
[JsonSerializable(typeof(ApplySecurityTerms))]
[JsonSerializable(typeof(DepositShares))]
[JsonSerializable(typeof(ReceiveSettlementProgressPayment))]
[JsonSerializable(typeof(SubmitDelivery))]
[JsonSerializable(typeof(RequestReceive))]
[JsonSerializable(typeof(ReportReceiveOutcome))]
[JsonSerializable(typeof(CancelDelivery))]
[JsonSerializable(typeof(CancelReceive))]
[JsonSerializable(typeof(ReachRecycleCutoff))]
[JsonSerializable(typeof(DropAllPending))]
[JsonSerializable(typeof(CloseBusinessDay))]
[JsonSerializable(typeof(ApplyIncomePosting))]
[JsonSerializable(typeof(AccountReplies))]
[JsonSerializable(typeof(AccountReply))]
[JsonSerializable(typeof(Acknowledged))]
[JsonSerializable(typeof(Rejected))]
[JsonSerializable(typeof(DeliveryStatusReply))]
[JsonSerializable(typeof(Busy))]
[JsonSerializable(typeof(JournalDamaged))]
[JsonSerializable(typeof(GetAccountView))]
[JsonSerializable(typeof(AccountView))]
[JsonSerializable(typeof(GetDelivery))]
[JsonSerializable(typeof(DeliveryFound))]
[JsonSerializable(typeof(GetReceive))]
[JsonSerializable(typeof(ReceiveSnapshot))]
[JsonSerializable(typeof(GetInFlightCount))]
[JsonSerializable(typeof(InFlightCount))]
[JsonSerializable(typeof(GetDeliverOrderEvents))]
[JsonSerializable(typeof(DeliverOrderEvents))]
[JsonSerializable(typeof(GetReference))]
[JsonSerializable(typeof(RegisterParticipant))]
[JsonSerializable(typeof(ListSecurity))]
[JsonSerializable(typeof(OpenFirstBusinessDay))]
[JsonSerializable(typeof(StartRecycleCutoff))]
[JsonSerializable(typeof(StartClose))]
[JsonSerializable(typeof(FinishClose))]
[JsonSerializable(typeof(ReferenceSnapshot))]
[JsonSerializable(typeof(DeclareHoliday))]
[JsonSerializable(typeof(RemoveHoliday))]
[JsonSerializable(typeof(RegisterDeliverOrders))]
[JsonSerializable(typeof(RegistrationOutcomes))]
[JsonSerializable(typeof(FindDeliverOrder))]
[JsonSerializable(typeof(DeliverOrderLocation))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;
