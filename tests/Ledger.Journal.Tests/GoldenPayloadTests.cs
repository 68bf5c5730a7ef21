namespace Ledger.Journal.Tests;

/// <summary>
/// Golden payloads: one committed JSON file per manifest (Golden/&lt;manifest&gt;.json), written once
/// by the serializer from <see cref="SampleEvents"/> and never edited. Reading each back must
/// still give exactly the sample, so a rename, a removed field or a changed field type in an
/// event fails here instead of on a production journal. A breaking change is a new manifest
/// version with its own golden file, and an upcaster.
/// </summary>
public sealed class GoldenPayloadTests
{
    /// <summary>Set to 1 to write golden files that do not exist yet (existing ones are never overwritten).</summary>
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private static string GoldenFolder => Path.Combine(AppContext.BaseDirectory, "Golden");

    [Theory]
    [MemberData(nameof(LedgerSerializerTests.AllManifests), MemberType = typeof(LedgerSerializerTests))]
    public void Golden_payload_still_reads_as_the_sample(string manifest)
    {
        var type = LedgerSerializer.Manifests.Single(p => p.Value == manifest).Key;
        var expected = SampleEvents.ByType[type];
        var file = Path.Combine(GoldenFolder, manifest + ".json");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            WriteNewGoldenFile(manifest, expected);
            file = Path.Combine(SourceGoldenFolder(), manifest + ".json");
        }

        Assert.True(File.Exists(file),
            $"No golden payload for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var actual = LedgerSerializer.FromUtf8Json(File.ReadAllBytes(file), manifest);

        Assert.IsType(type, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Every_golden_file_names_a_known_manifest()
    {
        var files = Directory.Exists(GoldenFolder)
            ? Directory.GetFiles(GoldenFolder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).ToArray()
            : [];
        Assert.NotEmpty(files);
        Assert.All(files, manifest => Assert.Contains(manifest, LedgerSerializer.Manifests.Values));
    }

    private static void WriteNewGoldenFile(string manifest, object sample)
    {
        var path = Path.Combine(SourceGoldenFolder(), manifest + ".json");
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write); // never overwrites
        stream.Write(LedgerSerializer.ToUtf8Json(sample));
        stream.Write("\n"u8);
    }

    private static string SourceGoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.Journal.Tests.csproj")))
            {
                var golden = Path.Combine(dir.FullName, "Golden");
                Directory.CreateDirectory(golden);
                return golden;
            }
        }

        throw new InvalidOperationException("Cannot find the Ledger.Journal.Tests project folder to write golden files into.");
    }
}
