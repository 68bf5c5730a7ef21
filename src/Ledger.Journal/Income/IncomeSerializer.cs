using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Income;
using Ledger.Income.Events;

namespace Ledger.Journal;

/// <summary>
/// Income tracking's journal serializer: the manifests the core names
/// (<see cref="IncomeManifests.ByType"/>, <c>income.&lt;event&gt;.v1</c>), payload as
/// source-generated camelCase JSON like settlement's, never a CLR type name. A manifest is never
/// changed or reused; a breaking change is a new <c>.v2</c> with an upcaster here.
/// </summary>
public sealed class IncomeSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4184;

    private static readonly IReadOnlyDictionary<string, Type> ByManifest =
        IncomeManifests.ByType.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public IncomeSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    /// <summary>Every stored income event type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => IncomeManifests.ByType;

    public override string Manifest(object o) => ManifestFor(o);

    public static string ManifestFor(object o) => o is IncomeEvent && IncomeManifests.ByType.TryGetValue(o.GetType(), out var manifest)
        ? manifest
        : throw new SerializationException($"{o?.GetType().FullName} is not a stored income event: it has no manifest in IncomeSerializer.");

    public override byte[] ToBinary(object obj) => ToUtf8Json(obj);

    public override object FromBinary(byte[] bytes, string manifest) => FromUtf8Json(bytes, manifest);

    /// <summary>The stored bytes of <paramref name="event"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object @event)
    {
        ManifestFor(@event);
        return JsonSerializer.SerializeToUtf8Bytes(@event, IncomeJsonContext.Default.GetTypeInfo(@event.GetType())!);
    }

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"Unknown manifest '{manifest}': IncomeSerializer (id {SerializerId}) has no event type for it.");
        try
        {
            return JsonSerializer.Deserialize(utf8Json, IncomeJsonContext.Default.GetTypeInfo(type)!)
                ?? throw new SerializationException($"The payload for manifest '{manifest}' is JSON null.");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"The payload for manifest '{manifest}' is not valid: {e.Message}", e);
        }
    }
}

/// <summary>Compile-time generated JSON metadata for income's stored events (camelCase, compact; unknown fields skipped, so fields may be added).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(StockLoanDeliverOrderApplied))]
[JsonSerializable(typeof(StockLoanDeliverOrderNoted))]
[JsonSerializable(typeof(MemoAdjustmentApplied))]
[JsonSerializable(typeof(MemoDayClosed))]
[JsonSerializable(typeof(RecordDateFixed))]
[JsonSerializable(typeof(RecordDateReportAcknowledged))]
[JsonSerializable(typeof(IncomePostingRecorded))]
[JsonSerializable(typeof(IncomePostingSettled))]
[JsonSerializable(typeof(AdjustmentAwaitingNoted))]
[JsonSerializable(typeof(AdjustmentAwaitingCleared))]
[JsonSerializable(typeof(HaltNoted))]
[JsonSerializable(typeof(CounterpartyTerminationApplied))]
[JsonSerializable(typeof(CounterpartyMergeApplied))]
[JsonSerializable(typeof(MemoAccountMerged))]
[JsonSerializable(typeof(MergedLinesReceived))]
[JsonSerializable(typeof(MergedLinesAcknowledged))]
[JsonSerializable(typeof(MemoChangeForwarded))]
[JsonSerializable(typeof(MemoChangeForwardAcknowledged))]
[JsonSerializable(typeof(CounterpartyNoticeQueued))]
[JsonSerializable(typeof(CounterpartyNoticeAcknowledged))]
[JsonSerializable(typeof(MemoAccountRetired))]
[JsonSerializable(typeof(MemoAccountTerminated))]
[JsonSerializable(typeof(AdjustmentEntered))]
[JsonSerializable(typeof(AdjustmentAffirmed))]
[JsonSerializable(typeof(AdjustmentCancelled))]
[JsonSerializable(typeof(AdjustmentExpired))]
[JsonSerializable(typeof(AdjustmentNoticeAcknowledged))]
[JsonSerializable(typeof(HaltFiled))]
[JsonSerializable(typeof(HaltNoticeAcknowledged))]
[JsonSerializable(typeof(DistributionAnnounced))]
[JsonSerializable(typeof(RecordDateReported))]
[JsonSerializable(typeof(PayableDatePosted))]
[JsonSerializable(typeof(IncomePostingDecided))]
[JsonSerializable(typeof(IncomePostingAcknowledged))]
internal sealed partial class IncomeJsonContext : JsonSerializerContext;
