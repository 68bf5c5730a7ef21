using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Cluster.Income;
using Ledger.Income;

namespace Ledger.Cluster;

/// <summary>
/// Serializes income tracking's messages between nodes: the envelope, the core's commands, the
/// entities' answers, the typed queries and the views they answer with. One stable manifest per
/// type (<c>protocol.income.close-memo-day.v1</c>), camelCase JSON over the core's records, never
/// a CLR type name: the allow-list below is the only way from a manifest to a type, and a type
/// without a manifest is refused. An envelope carries its inner message under that message's
/// manifest. Settlement's postings (<c>ApplyIncomePosting</c>) and their answers are settlement's
/// messages and go through <see cref="ProtocolSerializer"/>.
/// </summary>
public sealed class IncomeProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id sent next to every payload; never change it.</summary>
    public const int SerializerId = 4185;

    private static KeyValuePair<Type, string> E<T>(string name) => ProtocolManifests.Of<T>("protocol.income." + name + ".v1");

    // Append only: a manifest is never renamed, reused or removed.
    private static readonly ProtocolManifests Table = new(nameof(IncomeProtocolSerializer), SerializerId,
    [
        E<IncomeEnvelope>("envelope"),
        E<IncomeAnswer>("answer"),
        E<IncomeQueryNotAnswered>("query-not-answered"),
        E<IncomeMessage>("message"),
        // memo account commands
        E<ApplyCompletedDeliverOrder>("apply-completed-deliver-order"),
        E<ApplyAdjustment>("apply-adjustment"),
        E<CloseMemoDay>("close-memo-day"),
        E<AcknowledgeRecordDateReport>("acknowledge-record-date-report"),
        E<RecordIncomePosting>("record-income-posting"),
        E<AcknowledgeSettlementPosting>("acknowledge-settlement-posting"),
        E<NoteAdjustmentAwaiting>("note-adjustment-awaiting"),
        E<ClearAdjustmentAwaiting>("clear-adjustment-awaiting"),
        E<NoteHaltFiled>("note-halt-filed"),
        E<NoteCounterpartyTerminated>("note-counterparty-terminated"),
        E<NoteCounterpartyMerged>("note-counterparty-merged"),
        E<ReceiveMergedLines>("receive-merged-lines"),
        E<AcknowledgeCounterpartyNotice>("acknowledge-counterparty-notice"),
        E<AcknowledgeMergedLines>("acknowledge-merged-lines"),
        E<AcknowledgeForwardedChange>("acknowledge-forwarded-change"),
        E<MergeInto>("merge-into"),
        E<Retire>("retire"),
        E<Terminate>("terminate"),
        // adjustment commands
        E<EnterAdjustment>("enter-adjustment"),
        E<AffirmAdjustment>("affirm-adjustment"),
        E<CancelAdjustment>("cancel-adjustment"),
        E<ExpireAdjustment>("expire-adjustment"),
        E<AcknowledgeAdjustmentNotice>("acknowledge-adjustment-notice"),
        // halt register, distribution schedule, payable-date run commands
        E<FileHalt>("file-halt"),
        E<AcknowledgeHaltNotice>("acknowledge-halt-notice"),
        E<AnnounceDistribution>("announce-distribution"),
        E<ReportRecordDate>("report-record-date"),
        E<PostPayableDate>("post-payable-date"),
        E<AcknowledgeIncomePosting>("acknowledge-income-posting"),
        // queries and the views they answer with
        E<GetStanding>("get-standing"),
        E<StandingAnswer>("standing"),
        E<GetMemoAccountView>("get-memo-account-view"),
        E<MemoAccountView>("memo-account-view"),
        E<GetIncomeView>("get-income-view"),
        E<IncomeView>("income-view"),
        E<GetNotifications>("get-notifications"),
        E<NotificationsView>("notifications-view"),
        E<GetMemoOpenWork>("get-memo-open-work"),
        E<MemoOpenWork>("memo-open-work"),
        E<GetAdjustment>("get-adjustment"),
        E<AdjustmentAnswer>("adjustment"),
        E<FindDistribution>("find-distribution"),
        E<DistributionFound>("distribution-found"),
        E<ListDistributions>("list-distributions"),
        E<DistributionList>("distribution-list"),
        E<GetRecordDatesClosing>("get-record-dates-closing"),
        E<GetDistributionsPostingOn>("get-distributions-posting-on"),
        E<ScheduledDistributions>("scheduled-distributions"),
        E<GetPostingDatesOpening>("get-posting-dates-opening"),
        E<PostingDates>("posting-dates"),
        E<FindHalt>("find-halt"),
        E<HaltFound>("halt-found"),
        E<GetHaltsInEffect>("get-halts-in-effect"),
        E<HaltsInEffect>("halts-in-effect"),
        E<GetRunOpenWork>("get-run-open-work"),
        E<RunOpenWork>("run-open-work"),
    ]);


    /// <summary>The allow-list: every type this serializer carries, and its manifest.</summary>
    public static ProtocolManifests Protocol => Table;

    /// <summary>Every type this serializer carries, and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    // Computed properties (a deliver order's fingerprint, Money's dollars) stay off the wire: the
    // receiver computes them again from the record's own fields.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        IgnoreReadOnlyProperties = true,
        Converters =
        {
            new ParticipantIdConverter(), new DeliverOrderIdConverter(), new CusipConverter(), new BusinessCalendarConverter(),
            new ParticipantDirectoryConverter(),
        },
    };

    public IncomeProtocolSerializer(ExtendedActorSystem system)
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
            IncomeEnvelope e => new JsonObject { ["entityId"] = e.EntityId, ["manifest"] = ManifestFor(e.Message.GetType()), ["message"] = ToNode(e.Message) },
            IncomeMessage m => new JsonObject
            {
                ["to"] = JsonSerializer.SerializeToNode(m.To, Json),
                ["manifest"] = ManifestFor(m.Command.GetType()),
                ["command"] = ToNode(m.Command),
            },
            _ => JsonSerializer.SerializeToNode(message, message.GetType(), Json)!,
        };
    }

    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.Parse(utf8Json, manifest, FromNode);

    private static Type TypeOf(string manifest) => Table.TypeOf(manifest);

    private static object FromNode(JsonNode node, Type type)
    {
        if (type == typeof(IncomeEnvelope))
            return new IncomeEnvelope(Required(node, "entityId").GetValue<string>(), Inner(node, "message"));
        if (type == typeof(IncomeMessage))
        {
            var to = Required(node, "to").Deserialize<IncomeAddress>(Json) ?? throw new SerializationException("The message has no address.");
            return new IncomeMessage(to, Inner(node, "command") as IncomeCommand ?? throw new SerializationException("An income message carries a command."));
        }
        return node.Deserialize(type, Json) ?? throw new SerializationException($"{type.Name} is JSON null.");
    }

    private static object Inner(JsonNode node, string name) => FromNode(Required(node, name), TypeOf(Required(node, "manifest").GetValue<string>()));

    private static JsonNode Required(JsonNode node, string name) => ProtocolManifests.Required(node, name);
}

/// <summary>A participant directory on the wire: <c>{"0001":{"centralCounterparty":false,"standing":1}, ...}</c>.</summary>
internal sealed class ParticipantDirectoryConverter : JsonConverter<ParticipantDirectory>
{
    public override ParticipantDirectory Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(JsonSerializer.Deserialize<Dictionary<ParticipantId, ParticipantFacts>>(ref reader, options)
            ?? throw new JsonException("a participant directory must be an object"));

    public override void Write(Utf8JsonWriter writer, ParticipantDirectory value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Participants.OrderBy(p => p.Key.Value, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value), options);
}
