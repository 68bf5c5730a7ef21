using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// Golden payloads of the events that gained a hash chain after they were first stored (reference
/// data and the deliver-order index): one committed file per manifest in Golden/Chained, written
/// once from <see cref="SampleEvents"/> sealed onto a chain from its start, never edited. The
/// unchained files beside them in Golden stay as they were. Each must read back as its sample, and
/// its stored chain must be what its bytes give, so the chain's definition cannot drift.
/// </summary>
public sealed class ChainedGoldenPayloadTests
{
    /// <summary>Set to 1 to write golden files that do not exist yet (existing ones are never overwritten).</summary>
    private const string WriteVariable = "LEDGER_WRITE_GOLDEN";

    private static string GoldenFolder => Path.Combine(AppContext.BaseDirectory, "Golden", "Chained");

    public static TheoryData<string> ChainedLater()
    {
        var data = new TheoryData<string>();
        foreach (var (type, manifest) in LedgerSerializer.Manifests.OrderBy(p => p.Value, StringComparer.Ordinal))
        {
            if (!typeof(AccountEvent).IsAssignableFrom(type)) data.Add(manifest);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ChainedLater))]
    public void Chained_golden_payload_reads_as_the_sealed_sample_and_its_chain_is_what_its_bytes_give(string manifest)
    {
        var type = LedgerSerializer.Manifests.Single(p => p.Value == manifest).Key;
        var expected = EventChain.Seal(EventChain.Genesis, SampleEvents.ByType[type]);
        var file = Path.Combine(GoldenFolder, manifest + ".json");
        if (!File.Exists(file) && Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            file = Path.Combine(SourceGoldenFolder(), manifest + ".json");
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write); // never overwrites
            stream.Write(LedgerSerializer.ToUtf8Json(expected));
            stream.Write("\n"u8);
        }
        Assert.True(File.Exists(file),
            $"No chained golden payload for {manifest}. Run the tests once with {WriteVariable}=1 to write it, review it, commit it, and never edit it.");

        var actual = LedgerSerializer.FromUtf8Json(File.ReadAllBytes(file), manifest);

        Assert.Equal(expected, actual);
        Assert.NotNull(EventChain.ChainOf(actual));
        Assert.Equal(EventChain.HashOf(EventChain.Genesis, actual), EventChain.ChainOf(actual));
        var check = new JournalCheck(JournalOf(manifest));
        Assert.True(check.Take(1, actual));
        Assert.Equal(0, check.UnchainedEvents);
    }

    [Theory]
    [MemberData(nameof(ChainedLater))]
    public void The_unchained_golden_payload_of_the_same_manifest_still_reads_and_counts_as_unchained(string manifest)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "Golden", manifest + ".json");
        var actual = LedgerSerializer.FromUtf8Json(File.ReadAllBytes(file), manifest);
        Assert.Null(EventChain.ChainOf(actual));
        var check = new JournalCheck(JournalOf(manifest));
        Assert.True(check.Take(1, actual));
        Assert.Equal(1, check.UnchainedEvents);
    }

    private static string JournalOf(string manifest) =>
        manifest.StartsWith("index.", StringComparison.Ordinal) ? "deliver-order-index-0" : Journals.ReferenceId;

    private static string SourceGoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.Journal.Tests.csproj")))
            {
                var golden = Path.Combine(dir.FullName, "Golden", "Chained");
                Directory.CreateDirectory(golden);
                return golden;
            }
        }

        throw new InvalidOperationException("Cannot find the Ledger.Journal.Tests project folder to write golden files into.");
    }
}
