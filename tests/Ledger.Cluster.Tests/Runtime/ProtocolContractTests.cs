using System.Text;
using Akka.Actor;
using Ledger.Journal;

namespace Ledger.Cluster.Tests;

/// <summary>What the shared protocol tests need of one context's serializer and its samples.</summary>
public interface IProtocolUnderTest
{
    /// <summary>The context's word in its manifests: <c>protocol.&lt;context&gt;.&lt;message&gt;.v1</c>.</summary>
    static abstract string Context { get; }

    /// <summary>The folder of the committed golden payloads, in this project and next to the tests.</summary>
    static abstract string GoldenFolderName { get; }

    static abstract int SerializerId { get; }

    /// <summary>The serializer's allow-list.</summary>
    static abstract ProtocolManifests Protocol { get; }

    static abstract byte[] ToUtf8Json(object message);

    static abstract object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest);

    /// <summary>One sample of every type the serializer carries.</summary>
    static abstract IReadOnlyList<object> Samples();

    /// <summary>The types that must have a manifest: the core's commands and replies and the context's protocol records.</summary>
    static abstract IEnumerable<Type> TypesThatCrossNodes();
}

/// <summary>
/// The checks every context's protocol serializer must pass: each carried type has a sample that
/// reads back as sent through the node's configured serializer (compared by the bytes it writes
/// again, since lists compare by reference) and never names a CLR type; every type that crosses
/// nodes has one manifest of its own; and each manifest has a golden payload (one committed JSON
/// file per manifest, written once from the sample and never edited) that still reads back as the
/// sample, so a renamed or retyped field of a core record fails here instead of between two nodes
/// of different versions. A breaking change is a new manifest version.
/// </summary>
public abstract class ProtocolContractTests<TProtocol>
    where TProtocol : IProtocolUnderTest
{
    /// <summary>Set to 1 to write golden files that do not exist yet (existing ones are never overwritten).</summary>
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private static string GoldenFolder => Path.Combine(AppContext.BaseDirectory, TProtocol.GoldenFolderName);

    private static IReadOnlyDictionary<Type, string> Manifests => TProtocol.Protocol.Manifests;

    public static TheoryData<string> AllManifests() => new(Manifests.Values.Order(StringComparer.Ordinal));

    private static object Sample(string manifest) => TProtocol.Samples().First(s => Manifests[s.GetType()] == manifest);

    protected static ActorSystem System() => ActorSystem.Create($"{TProtocol.Context}-protocol",
        Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(StoreConfig.LoadEmbedded("ledger.conf")));

    /// <summary><paramref name="message"/> after a trip through <paramref name="system"/>'s configured serializer.</summary>
    protected static T RoundTrip<T>(ActorSystem system, T message)
        where T : notnull
    {
        var serializer = system.Serialization.FindSerializerFor(message);
        return (T)system.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
    }

    [Fact]
    public void Every_carried_type_has_a_sample_and_reads_back_as_sent_through_the_configured_serializer()
    {
        var samples = TProtocol.Samples();
        Assert.Equal(Manifests.Keys.OrderBy(t => t.FullName), samples.Select(s => s.GetType()).Distinct().OrderBy(t => t.FullName));
        using var system = System();
        foreach (var sample in samples)
        {
            var serializer = system.Serialization.FindSerializerFor(sample);
            Assert.Equal(TProtocol.SerializerId, serializer.Identifier);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            Assert.StartsWith($"protocol.{TProtocol.Context}.", manifest, StringComparison.Ordinal);
            Assert.EndsWith(".v1", manifest, StringComparison.Ordinal);
            var bytes = serializer.ToBinary(sample);
            var read = system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
            Assert.IsType(sample.GetType(), read);
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(read)));
            Assert.DoesNotContain("Ledger.", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal); // never a CLR type name
        }
    }

    [Fact]
    public void Every_core_command_reply_and_protocol_record_has_a_manifest_of_its_own()
    {
        var missing = TProtocol.TypesThatCrossNodes().Where(t => !Manifests.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.Empty(missing);
        Assert.Equal(Manifests.Count, Manifests.Values.Distinct().Count());
    }

    [Fact]
    public void An_unknown_manifest_and_an_unlisted_type_are_refused()
    {
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => TProtocol.FromUtf8Json("{}"u8, "System.String"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => TProtocol.FromUtf8Json("{}"u8, $"protocol.{TProtocol.Context}.nothing.v1"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => TProtocol.ToUtf8Json("a string"));
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Golden_payload_still_reads_as_the_sample(string manifest)
    {
        var expected = Sample(manifest);
        var file = Path.Combine(GoldenFolder, manifest + ".json");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            file = Path.Combine(SourceGoldenFolder(), manifest + ".json");
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write); // never overwrites
            stream.Write(TProtocol.ToUtf8Json(expected));
            stream.Write("\n"u8);
        }

        Assert.True(File.Exists(file),
            $"No golden payload for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var actual = TProtocol.FromUtf8Json(File.ReadAllBytes(file), manifest);

        Assert.IsType(expected.GetType(), actual);
        Assert.Equal(Encoding.UTF8.GetString(TProtocol.ToUtf8Json(expected)), Encoding.UTF8.GetString(TProtocol.ToUtf8Json(actual)));
    }

    [Fact]
    public void Every_golden_file_names_a_known_manifest()
    {
        var files = Directory.Exists(GoldenFolder)
            ? Directory.GetFiles(GoldenFolder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).ToArray()
            : [];
        Assert.Equal(Manifests.Count, files.Length);
        Assert.All(files, manifest => Assert.Contains(manifest, Manifests.Values));
    }

    private static string SourceGoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.Cluster.Tests.csproj")))
                return Directory.CreateDirectory(Path.Combine(dir.FullName, TProtocol.GoldenFolderName)).FullName;
        }
        throw new InvalidOperationException("Cannot find the Ledger.Cluster.Tests project folder to write golden files into.");
    }
}
