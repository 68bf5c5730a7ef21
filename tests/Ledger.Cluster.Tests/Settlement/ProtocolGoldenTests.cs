namespace Ledger.Cluster.Tests;

/// <summary>
/// Golden protocol payloads: one committed JSON file per manifest (ProtocolGolden/&lt;manifest&gt;.json),
/// written once by the serializer from <see cref="ProtocolSamples"/> and never edited. Reading each
/// back must still give the sample, so a renamed or retyped field fails here instead of between two
/// nodes of different versions during a rolling upgrade. A breaking change is a new manifest version.
/// </summary>
public sealed class ProtocolGoldenTests
{
    /// <summary>Set to 1 to write golden files that do not exist yet (existing ones are never overwritten).</summary>
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private static string GoldenFolder => Path.Combine(AppContext.BaseDirectory, "ProtocolGolden");

    [Theory]
    [MemberData(nameof(ProtocolSerializerTests.AllManifests), MemberType = typeof(ProtocolSerializerTests))]
    public void Golden_payload_still_reads_as_the_sample(string manifest)
    {
        var expected = ProtocolSerializerTests.Sample(manifest);
        var file = Path.Combine(GoldenFolder, manifest + ".json");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            WriteNewGoldenFile(manifest, expected);
            file = Path.Combine(SourceGoldenFolder(), manifest + ".json");
        }

        Assert.True(File.Exists(file),
            $"No golden payload for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var actual = ProtocolSerializer.FromUtf8Json(File.ReadAllBytes(file), manifest);

        Assert.IsType(expected.GetType(), actual);
        Assert.Equivalent(expected, actual, strict: true);
    }

    [Fact]
    public void Every_golden_file_names_a_known_manifest()
    {
        var files = Directory.Exists(GoldenFolder)
            ? Directory.GetFiles(GoldenFolder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).ToArray()
            : [];
        Assert.NotEmpty(files);
        Assert.All(files, manifest => Assert.Contains(manifest, ProtocolSerializer.Manifests.Values));
    }

    private static void WriteNewGoldenFile(string manifest, object sample)
    {
        var path = Path.Combine(SourceGoldenFolder(), manifest + ".json");
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write); // never overwrites
        stream.Write(ProtocolSerializer.ToUtf8Json(sample));
        stream.Write("\n"u8);
    }

    private static string SourceGoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.Cluster.Tests.csproj")))
            {
                var golden = Path.Combine(dir.FullName, "ProtocolGolden");
                Directory.CreateDirectory(golden);
                return golden;
            }
        }

        throw new InvalidOperationException("Cannot find the Ledger.Cluster.Tests project folder to write golden files into.");
    }
}
