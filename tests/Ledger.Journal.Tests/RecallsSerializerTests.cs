using System.Text;
using Akka.Actor;
using Ledger.Recalls.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// The recall hub's stored events: one golden payload per manifest (Golden/Recalls/&lt;manifest&gt;.json),
/// written once from <see cref="Samples"/> and never edited; each must still read back as its sample
/// and be written as exactly its bytes. A type without a manifest is refused, never guessed.
/// </summary>
public sealed class RecallsSerializerTests
{
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private static readonly DateTimeOffset At = new(2026, 12, 1, 14, 30, 15, 123, TimeSpan.Zero);

    /// <summary>One sample of every stored event of the hub.</summary>
    public static readonly IReadOnlyDictionary<Type, object> Samples = new object[]
    {
        new SubscriberSubscribed("0001", "Lender Securities, Inc.", "LENDUS33XXX", null, At),
        new SubscriberUnsubscribed("0003", At),
        new VendorLettersFiled("DEMOVEND", "Demo Vendor", ["0002", "0004"], At),
        new EligibilityFileWritten("2026-12-02", "2026-12-01", "participant,name,address,vendor\r\n0001,\"Lender Securities, Inc.\",LENDUS33XXX,\r\n", At),
        new MessageTaken("RCL2612010001", "526", "0002", "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:RCL2612010001\r\n:23:RECALL/PART\r\n-}", At),
        new MessageRejected("RCL2612010003", "526", "receiver-subscribed", "{1:F01LENDUS33AXXX0000000001}{2:I526NOSBUS33XXXXN}{4:\r\n:20:RCL2612010003\r\n-}", "0001000000000004", "0001000000000005", At),
        new MessageMadeAvailable("0002000000000001", "0001", "RCL2612010001", "526", "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:RCL2612010001\r\n-}", At.AddSeconds(-1), At),
        new MessageAcknowledged("RCL2612010001", "0002000000000001", "0002", At.AddSeconds(-1), "0001000000000001", At),
        new EntryRetrieved("0002000000000001", At),
        new RetrievalReceiptIssued("RCL2612010001", "0002000000000001", At.AddSeconds(-1), "0001000000000002", At),
        new RetrievalReceiptConfirmed("0002000000000001", "0001000000000002", At),
    }.ToDictionary(e => e.GetType());

    public static TheoryData<string> AllManifests()
    {
        var data = new TheoryData<string>();
        foreach (var manifest in RecallsSerializer.Manifests.Values.Order(StringComparer.Ordinal)) data.Add(manifest);
        return data;
    }

    [Fact]
    public void Every_manifest_has_a_sample_and_every_manifest_is_distinct()
    {
        Assert.Equal(RecallsSerializer.Manifests.Keys.OrderBy(t => t.Name), Samples.Keys.OrderBy(t => t.Name));
        Assert.Equal(RecallsSerializer.Manifests.Count, RecallsSerializer.Manifests.Values.Distinct().Count());
        Assert.All(RecallsSerializer.Manifests.Values, m => Assert.Matches(@"^recalls\.[a-z-]+\.v[0-9]+$", m));
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Golden_payload_reads_as_the_sample_and_the_sample_writes_its_bytes(string manifest)
    {
        var type = RecallsSerializer.Manifests.Single(p => p.Value == manifest).Key;
        var sample = Samples[type];
        var file = Path.Combine(AppContext.BaseDirectory, "Golden", "Recalls", manifest + ".json");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            file = Path.Combine(SourceFolder(), manifest + ".json");
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write); // never overwrites
            stream.Write(RecallsSerializer.ToUtf8Json(sample));
            stream.Write("\n"u8);
        }
        Assert.True(File.Exists(file), $"No golden payload for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var golden = File.ReadAllBytes(file);
        var read = RecallsSerializer.FromUtf8Json(golden, manifest);

        Assert.IsType(type, read);
        Assert.Equal(sample, read);
        Assert.Equal(Encoding.UTF8.GetString(golden).TrimEnd('\n'), Encoding.UTF8.GetString(RecallsSerializer.ToUtf8Json(sample)));
    }

    [Fact]
    public void The_actor_system_binds_every_hub_event_to_the_hub_serializer_under_its_manifest()
    {
        using var system = ActorSystem.Create("recalls-serializer", Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(StoreConfig.LoadEmbedded("ledger.conf")));
        foreach (var (type, sample) in Samples)
        {
            var serializer = system.Serialization.FindSerializerFor(sample);
            Assert.Equal(RecallsSerializer.SerializerId, serializer.Identifier);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
            Assert.Equal(RecallsSerializer.Manifests[type], manifest);
            Assert.Equal(sample, system.Serialization.Deserialize(serializer.ToBinary(sample), serializer.Identifier, manifest));
        }
    }

    [Fact]
    public void An_unknown_manifest_or_type_is_refused_never_guessed()
    {
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => RecallsSerializer.FromUtf8Json("{}"u8, "recalls.message-taken.v2"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => RecallsSerializer.ToUtf8Json("not an event"));
    }

    private static string SourceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Ledger.Journal.Tests", "Golden", "Recalls");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("tests/Ledger.Journal.Tests/Golden/Recalls not found above the test's folder");
    }
}
