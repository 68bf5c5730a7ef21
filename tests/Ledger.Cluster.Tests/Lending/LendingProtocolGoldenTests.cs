using System.Text;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Golden payloads of the lending context's protocol: one committed JSON file per manifest
/// (LendingProtocolGolden/&lt;manifest&gt;.json), written once by the serializer from
/// <see cref="LendingProtocolSerializerTests.Samples"/> and never edited. Reading each back must
/// still write the sample's payload, so a renamed or retyped field of a core record fails here
/// instead of between two nodes of different versions. A breaking change is a new manifest version.
/// </summary>
public sealed class LendingProtocolGoldenTests
{
    /// <summary>Set to 1 to write golden files that do not exist yet (existing ones are never overwritten).</summary>
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private const string Folder = "LendingProtocolGolden";

    private static string GoldenFolder => Path.Combine(AppContext.BaseDirectory, Folder);

    public static TheoryData<string> AllManifests() => new(LendingProtocolSerializer.Manifests.Values.Order(StringComparer.Ordinal));

    private static object Sample(string manifest) =>
        LendingProtocolSerializerTests.Samples().First(s => LendingProtocolSerializer.Manifests[s.GetType()] == manifest);

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
            stream.Write(LendingProtocolSerializer.ToUtf8Json(expected));
            stream.Write("\n"u8);
        }

        Assert.True(File.Exists(file),
            $"No golden payload for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var actual = LendingProtocolSerializer.FromUtf8Json(File.ReadAllBytes(file), manifest);

        Assert.IsType(expected.GetType(), actual);
        Assert.Equal(Encoding.UTF8.GetString(LendingProtocolSerializer.ToUtf8Json(expected)), Encoding.UTF8.GetString(LendingProtocolSerializer.ToUtf8Json(actual)));
    }

    [Fact]
    public void Every_golden_file_names_a_known_manifest()
    {
        var files = Directory.Exists(GoldenFolder)
            ? Directory.GetFiles(GoldenFolder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).ToArray()
            : [];
        Assert.Equal(LendingProtocolSerializer.Manifests.Count, files.Length);
        Assert.All(files, manifest => Assert.Contains(manifest, LendingProtocolSerializer.Manifests.Values));
    }

    private static string SourceGoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.Cluster.Tests.csproj")))
                return Directory.CreateDirectory(Path.Combine(dir.FullName, Folder)).FullName;
        }
        throw new InvalidOperationException("Cannot find the Ledger.Cluster.Tests project folder to write golden files into.");
    }
}
