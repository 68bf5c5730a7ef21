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
public sealed class IncomeSerializer(ExtendedActorSystem system) : JsonEventSerializer(system, Table)
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4184;

    private static readonly JsonEventTable Table = new(nameof(IncomeSerializer), SerializerId, "income event",
        IncomeManifests.ByType, type => IncomeJsonContext.Default.GetTypeInfo(type)!);

    /// <summary>Every stored event type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    public static string ManifestFor(object o) => Table.ManifestFor(o);

    /// <summary>The stored bytes of <paramref name="event"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object @event) => Table.ToUtf8Json(@event);

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.FromUtf8Json(utf8Json, manifest);
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
