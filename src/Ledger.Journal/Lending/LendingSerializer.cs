using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Ledger.Lending;
using Ledger.Lending.Events;

namespace Ledger.Journal;

/// <summary>
/// The lending context's journal serializer: the manifests the core names
/// (<see cref="LendingManifests.ByType"/>, <c>lending.&lt;event&gt;.v1</c>), payload as
/// source-generated camelCase JSON like settlement's, never a CLR type name. Decimals keep their
/// scale as written (the report prints rates through <c>LoanTerms.Format</c>, so scale never shows).
/// A manifest is never changed or reused; a breaking change is a new <c>.v2</c> with an upcaster here.
/// </summary>
public sealed class LendingSerializer(ExtendedActorSystem system) : JsonEventSerializer(system, Table)
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4188;

    private static readonly JsonEventTable Table = new(nameof(LendingSerializer), SerializerId, "lending event",
        LendingManifests.ByType, type => LendingJsonContext.Default.GetTypeInfo(type)!);

    /// <summary>Every stored event type and its manifest.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests => Table.Manifests;

    public static string ManifestFor(object o) => Table.ManifestFor(o);

    /// <summary>The stored bytes of <paramref name="event"/>, without an actor system.</summary>
    public static byte[] ToUtf8Json(object @event) => Table.ToUtf8Json(@event);

    /// <summary>The event stored as <paramref name="utf8Json"/> under <paramref name="manifest"/>.</summary>
    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => Table.FromUtf8Json(utf8Json, manifest);
}

/// <summary>Compile-time generated JSON metadata for lending's stored events (camelCase, compact; unknown fields skipped, so fields may be added).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(LoanOpened))]
[JsonSerializable(typeof(ReturnApplied))]
[JsonSerializable(typeof(ReturnReversed))]
[JsonSerializable(typeof(LoanCancelled))]
[JsonSerializable(typeof(MarkRequested))]
[JsonSerializable(typeof(MarksComputed))]
[JsonSerializable(typeof(MarkCompleted))]
[JsonSerializable(typeof(MarkDropped))]
[JsonSerializable(typeof(RebateAccrued))]
[JsonSerializable(typeof(BookDayClosed))]
[JsonSerializable(typeof(RecallOpened))]
[JsonSerializable(typeof(RecallCancelled))]
[JsonSerializable(typeof(DeliverOrderExcepted))]
[JsonSerializable(typeof(RecallExcepted))]
[JsonSerializable(typeof(RecallCancelExcepted))]
[JsonSerializable(typeof(BookRegistrationConfirmed))]
[JsonSerializable(typeof(LoanBookRegistered))]
[JsonSerializable(typeof(LendingDayMarksStarted))]
[JsonSerializable(typeof(LoanBookMarked))]
[JsonSerializable(typeof(LendingDayMarksFinished))]
[JsonSerializable(typeof(LendingDayCloseStarted))]
[JsonSerializable(typeof(LoanBookClosed))]
[JsonSerializable(typeof(LendingDayClosed))]
internal sealed partial class LendingJsonContext : JsonSerializerContext;
