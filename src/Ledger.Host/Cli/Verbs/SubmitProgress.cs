using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ledger.Host.Verbs;

/// <summary>
/// The small file beside the input (<c>FILE.progress</c>) that makes <c>ledger submit</c> resumable:
/// the last line whose batch the node fully answered, a hash of the lines up to it (so that a file
/// changed since is noticed), and the running counts of every run so far.
/// </summary>
public sealed record SubmitProgress(
    int Version,
    string File,
    long LastLineAcknowledged,
    string LinesSha256,
    long Accepted,
    long Rejected,
    long BadLines,
    DateTimeOffset Updated)
{
    public const int VersionCurrent = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathFor(string file) => file + ".progress";

    /// <summary>Null when there is no progress file.</summary>
    /// <exception cref="DeliverOrderFileException">The file exists but is not a progress file this version understands.</exception>
    public static SubmitProgress? Load(string path)
    {
        if (!System.IO.File.Exists(path)) return null;
        try
        {
            var progress = JsonSerializer.Deserialize<SubmitProgress>(System.IO.File.ReadAllText(path), Json);
            if (progress is null || progress.Version != VersionCurrent || progress.LastLineAcknowledged < 0 || string.IsNullOrEmpty(progress.LinesSha256))
                throw new DeliverOrderFileException($"{path} is not a progress file of this version; remove it or pass --restart");
            return progress;
        }
        catch (JsonException e)
        {
            throw new DeliverOrderFileException($"{path} cannot be read ({e.Message}); remove it or pass --restart");
        }
    }

    /// <summary>Written whole to a temporary file, then moved over the old one: a crash leaves the old or the new, never half.</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        System.IO.File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        System.IO.File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>SHA-256 over the lines read so far, each as UTF-8 followed by a line feed (so line endings do not matter).</summary>
public sealed class LinesHash : IDisposable
{
    private static readonly byte[] LineFeed = "\n"u8.ToArray();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public void Add(string line)
    {
        _hash.AppendData(Encoding.UTF8.GetBytes(line));
        _hash.AppendData(LineFeed);
    }

    public string Current => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public void Dispose() => _hash.Dispose();
}
