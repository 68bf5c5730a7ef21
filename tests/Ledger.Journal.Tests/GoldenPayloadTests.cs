using System.Text;
using Ledger.Settlement.Events;

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

    public static TheoryData<string> AllVariants()
    {
        var data = new TheoryData<string>();
        foreach (var name in SampleEvents.Variants.Keys.Order(StringComparer.Ordinal)) data.Add(name);
        return data;
    }

    /// <summary>A field added to an event type later has a golden file of its own, <c>manifest+variant.json</c>.</summary>
    [Theory]
    [MemberData(nameof(AllVariants))]
    public void Golden_payload_of_an_added_field_still_reads_as_the_sample(string name)
    {
        var manifest = name[..name.IndexOf('+', StringComparison.Ordinal)];
        var expected = SampleEvents.Variants[name];
        var file = Path.Combine(GoldenFolder, name + ".json");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            WriteNewGoldenFile(name, expected);
            file = Path.Combine(SourceGoldenFolder(), name + ".json");
        }

        Assert.True(File.Exists(file),
            $"No golden payload for {name}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var actual = LedgerSerializer.FromUtf8Json(File.ReadAllBytes(file), manifest);

        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// The hash chain is computed over an event's bytes as the serializer writes them again, so an
    /// event stored before a field was added must serialize back to exactly the bytes it was stored
    /// as: the added field is written only when set. (tests/golden-data/release-7f8c477 shows it on
    /// a whole journal of that release: IdempotencyIdNodeTests.)
    /// </summary>
    [Theory]
    [InlineData("account.shares-deposited.v1")]
    [InlineData("account.settlement-progress-payment-received.v1")]
    public void An_event_stored_without_an_added_field_serializes_back_to_its_stored_bytes(string manifest)
    {
        // As an account actor stores it: read from the golden file written before the field, then sealed onto a chain.
        var old = (AccountEvent)LedgerSerializer.FromUtf8Json(File.ReadAllBytes(Path.Combine(GoldenFolder, manifest + ".json")), manifest);
        var stored = LedgerSerializer.ToUtf8Json(EventChain.Seal(EventChain.Genesis, old));
        var withField = (AccountEvent)SampleEvents.Variants[manifest + "+id"];
        var storedWithField = LedgerSerializer.ToUtf8Json(EventChain.Seal(EventChain.Genesis, withField));

        var again = LedgerSerializer.ToUtf8Json(LedgerSerializer.FromUtf8Json(stored, manifest));
        var againWithField = LedgerSerializer.ToUtf8Json(LedgerSerializer.FromUtf8Json(storedWithField, manifest));

        Assert.Equal(Encoding.UTF8.GetString(stored), Encoding.UTF8.GetString(again));
        Assert.DoesNotContain("\"id\"", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(storedWithField), Encoding.UTF8.GetString(againWithField));
        Assert.Contains("\"id\":", Encoding.UTF8.GetString(storedWithField), StringComparison.Ordinal);
        var check = new JournalCheck("account-0001");
        Assert.True(check.Take(1, LedgerSerializer.FromUtf8Json(stored, manifest)), check.Finding?.ToString());
    }

    [Fact]
    public void Every_golden_file_names_a_known_manifest()
    {
        var files = Directory.Exists(GoldenFolder)
            ? Directory.GetFiles(GoldenFolder, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!).ToArray()
            : [];
        Assert.NotEmpty(files);
        Assert.All(files, name => Assert.True(
            LedgerSerializer.Manifests.Values.Contains(name) || SampleEvents.Variants.ContainsKey(name),
            $"{name}.json names neither a manifest nor a variant in SampleEvents.Variants"));
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
