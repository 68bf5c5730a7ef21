using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Stands in for Akka's default serializer (bound to <c>System.Object</c> in multi-node tests): it
/// serializes exactly as Akka's Newtonsoft JSON serializer does, and records every Ledger type that
/// reached it. A ledger message that crosses nodes without an explicit binding shows up here.
/// </summary>
public sealed class FallbackRecorder : Serializer
{
    /// <summary>The HOCON that puts the recorder in the default serializer's place.</summary>
    public const string Config = """
        akka.actor {
          serializers.fallback-recorder = "Ledger.Cluster.Tests.FallbackRecorder, Ledger.Cluster.Tests"
          serialization-bindings { "System.Object" = fallback-recorder }
        }
        """;

    private static readonly ConcurrentDictionary<string, int> Recorded = new(StringComparer.Ordinal);

    private readonly NewtonSoftJsonSerializer _json;

    public FallbackRecorder(ExtendedActorSystem system)
        : base(system)
    {
        _json = new NewtonSoftJsonSerializer(system);
    }

    /// <summary>Ledger types serialized by the fallback since the last <see cref="Clear"/>, with counts.</summary>
    public static IReadOnlyDictionary<string, int> LedgerTypes => Recorded;

    public static void Clear() => Recorded.Clear();

    public override int Identifier => 4199;

    public override bool IncludeManifest => true;

    public override byte[] ToBinary(object obj)
    {
        var type = obj.GetType();
        if (type.FullName?.StartsWith("Ledger.", StringComparison.Ordinal) == true)
        {
            Recorded.AddOrUpdate(type.FullName, 1, (_, n) => n + 1);
        }
        return _json.ToBinary(obj);
    }

    public override object FromBinary(byte[] bytes, Type type) => _json.FromBinary(bytes, type);
}
