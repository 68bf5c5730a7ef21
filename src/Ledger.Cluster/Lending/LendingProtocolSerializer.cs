using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Cluster.Lending;
using Ledger.Lending;

namespace Ledger.Cluster;

/// <summary>
/// Serializes the lending context's messages between nodes: the envelope, the step (a core
/// command with the calendar of the moment), the core's commands and replies, a book's
/// registration with the directory, the typed queries and the answers they read. One stable
/// manifest per type (<c>protocol.lending.compute-marks.v1</c>), camelCase JSON over the core's
/// records, never a CLR type name: the allow-list below is the only way from a manifest to a type,
/// and a type without a manifest is refused. An envelope and a step carry their inner message
/// under that message's manifest. A mark's payment order and its answer are settlement's messages
/// (<see cref="ProtocolSerializer"/>).
/// </summary>
public sealed class LendingProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id sent next to every payload; never change it.</summary>
    public const int SerializerId = 4189;

    private static KeyValuePair<Type, string> E<T>(string name) => ProtocolManifests.Of<T>("protocol.lending." + name + ".v1");

    // Append only: a manifest is never renamed, reused or removed.
    private static readonly ProtocolManifests Table = new(nameof(LendingProtocolSerializer), SerializerId,
    [
        E<LendingEnvelope>("envelope"),
        E<LendingStep>("step"),
        E<LendingQueryNotAnswered>("query-not-answered"),
        // loan book commands
        E<RecordDeliverOrderCompleted>("record-deliver-order-completed"),
        E<RecordPaymentOrderOutcome>("record-payment-order-outcome"),
        E<OpenRecall>("open-recall"),
        E<CancelRecall>("cancel-recall"),
        E<ComputeMarks>("compute-marks"),
        E<AccrueRebates>("accrue-rebates"),
        E<ConfirmRegistration>("confirm-registration"),
        // lending day commands
        E<StartMarks>("start-marks"),
        E<RecordBookMarked>("record-book-marked"),
        E<StartClose>("start-close"),
        E<RecordBookClosed>("record-book-closed"),
        // the directory
        E<RegisterLoanBook>("register-loan-book"),
        // replies
        E<Recorded>("recorded"),
        E<Ignored>("ignored"),
        E<Excepted>("excepted"),
        E<Refused>("refused"),
        E<MarksDone>("marks-done"),
        E<CloseDone>("close-done"),
        // queries and the answers they read
        E<GetLoanBooks>("get-loan-books"),
        E<LoanBookList>("loan-book-list"),
        E<HasLoanBook>("has-loan-book"),
        E<LoanBookKnown>("loan-book-known"),
        E<GetLoansOf>("get-loans-of"),
        E<LoanList>("loan-list"),
        E<GetMarksOf>("get-marks-of"),
        E<MarkList>("mark-list"),
        E<GetLoan>("get-loan"),
        E<LoanFound>("loan-found"),
        E<GetCusipsToMark>("get-cusips-to-mark"),
        E<CusipList>("cusip-list"),
        E<GetClosePrices>("get-close-prices"),
        E<ClosePriceList>("close-price-list"),
        E<GetLendingDayProgress>("get-lending-day-progress"),
        E<LendingDayProgress>("lending-day-progress"),
        E<GetRecallsOf>("get-recalls-of"),
        E<RecallList>("recall-list"),
        E<GetExceptionsOf>("get-exceptions-of"),
        E<LendingExceptionList>("lending-exception-list"),
        E<GetRebateStatement>("get-rebate-statement"),
        E<RebateStatementFound>("rebate-statement-found"),
    ]);

    /// <summary>The allow-list: every type this serializer carries, and its manifest.</summary>
    public static ProtocolManifests Protocol => Table;

    /// <summary>Every type this serializer carries, and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    // Computed properties (a deliver order's fingerprint, Money's dollars, a view's rebate in
    // dollars) stay off the wire: the receiver computes them again from the record's own fields.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        IgnoreReadOnlyProperties = true,
        Converters =
        {
            new ParticipantIdConverter(), new DeliverOrderIdConverter(), new CusipConverter(), new BusinessCalendarConverter(),
            new LoanBookIdConverter(),
        },
    };

    public LendingProtocolSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => ManifestFor(o.GetType());

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj);

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
            LendingEnvelope e => new JsonObject { ["entityId"] = e.EntityId, ["manifest"] = ManifestFor(e.Message.GetType()), ["message"] = ToNode(e.Message) },
            LendingStep s => new JsonObject
            {
                ["manifest"] = ManifestFor(s.Command.GetType()),
                ["command"] = ToNode(s.Command),
                ["calendar"] = JsonSerializer.SerializeToNode(s.Calendar, Json),
            },
            _ => JsonSerializer.SerializeToNode(message, message.GetType(), Json)!,
        };
    }

    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.Parse(utf8Json, manifest, FromNode);

    private static Type TypeOf(string manifest) => Table.TypeOf(manifest);

    private static object FromNode(JsonNode node, Type type)
    {
        if (type == typeof(LendingEnvelope))
            return new LendingEnvelope(Required(node, "entityId").GetValue<string>(), Inner(node, "message"));
        if (type == typeof(LendingStep))
        {
            var calendar = Required(node, "calendar").Deserialize<BusinessCalendar>(Json) ?? throw new SerializationException("A step has no calendar.");
            return new LendingStep(Inner(node, "command"), calendar);
        }
        return node.Deserialize(type, Json) ?? throw new SerializationException($"{type.Name} is JSON null.");
    }

    private static object Inner(JsonNode node, string name) => FromNode(Required(node, name), TypeOf(Required(node, "manifest").GetValue<string>()));

    private static JsonNode Required(JsonNode node, string name) => ProtocolManifests.Required(node, name);
}

/// <summary>A loan book's id on the wire: <c>"0001-0002"</c>.</summary>
internal sealed class LoanBookIdConverter : StringValueConverter<LoanBookId>
{
    protected override LoanBookId Create(string value) =>
        LoanBookId.TryParse(value, out var book) ? book : throw new JsonException($"'{value}' is no loan book id (two different four-digit participant ids, '0001-0002')");

    protected override string ValueOf(LoanBookId id) => id.Value;
}
