using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Settlement;

namespace Ledger.Host.Auth;

/// <summary>What a bearer token lets its holder do. Numbers are never reused.</summary>
public enum Role
{
    Operator = 1,
    Occ = 2,
    Participant = 3,
    Risk = 4,
    /// <summary>A service that sends and fetches recall messages for the participants that authorized it (the recall hub).</summary>
    Vendor = 5,
}

/// <summary>Who is calling: a role, for the participant role the participant it speaks for, for the vendor role the vendor it is.</summary>
public sealed record Caller(Role Role, ParticipantId? Participant, string? Vendor = null)
{
    public bool Is(ParticipantId id) => Role == Role.Participant && Participant == id;

    /// <summary>For logs and messages; never the token.</summary>
    public override string ToString() => Role switch
    {
        Role.Participant => $"participant {Participant}",
        Role.Vendor => $"vendor {Vendor}",
        _ => Roles.Name(Role),
    };
}

public static class Roles
{
    public static string Name(Role role) => role switch
    {
        Role.Operator => "operator",
        Role.Occ => "occ",
        Role.Participant => "participant",
        Role.Risk => "risk",
        Role.Vendor => "vendor",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? name, out Role role)
    {
        role = name switch
        {
            "operator" => Role.Operator,
            "occ" => Role.Occ,
            "participant" => Role.Participant,
            "risk" => Role.Risk,
            "vendor" => Role.Vendor,
            _ => 0,
        };
        return role != 0;
    }
}

/// <summary>
/// A tokens file the node refuses to start with. <see cref="Rule"/> names what it broke; the message
/// is one line naming the file, the entry (<c>tokens.json[3]</c>) and the rule.
/// </summary>
public sealed class TokenFileException(string where, string rule, string problem)
    : Exception($"{where}: {problem} (rule {rule})")
{
    public string Rule { get; } = rule;
}

/// <summary>
/// The tokens a node accepts. Only SHA-256 hashes of the tokens are held, and a presented token is
/// compared by its hash against every entry in fixed time, so neither memory nor timing reveals one.
/// </summary>
public sealed class TokenStore
{
    /// <summary>The most entries a tokens file may hold: every lookup compares against all of them.</summary>
    public const int EntriesMax = 10_000;

    /// <summary>
    /// The largest tokens file read: 10,000 hashed entries take about 1.3 MB. The file is refused
    /// unread above it, so a wrong path (a log, a device) cannot make the node read without end.
    /// </summary>
    public const int FileBytesMax = 4 * 1024 * 1024;

    /// <summary>Presented tokens longer than this are refused unread.</summary>
    public const int TokenLengthMax = 4_096;

    /// <summary>
    /// The shortest token a file may give in plain: anything shorter can be guessed. (A file's
    /// <c>sha256</c> entries cannot be measured; deploy/make-tokens.sh makes 43-character tokens.)
    /// </summary>
    public const int TokenLengthMin = 16;

    public const string DemoOperatorToken = "operator-demo";
    public const string DemoOccToken = "occ-demo";
    public const string DemoRiskToken = "risk-demo";
    public const string DemoParticipantTokenPrefix = "participant-";

    /// <summary>The demo vendor's token, for the recall hub's vendor <see cref="DemoVendor"/>.</summary>
    public const string DemoVendorToken = "vendor-demo";

    public const string DemoVendor = "DEMOVEND";

    /// <summary>A vendor id: 1 to 32 letters, digits, '-' or '_' (the recall hub's vendor ids).</summary>
    public static bool IsVendorId(string? value) => value is { Length: > 0 and <= 32 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private readonly IReadOnlyList<(byte[] Sha256, Caller Caller)> _entries;

    private TokenStore(IReadOnlyList<(byte[] Sha256, Caller Caller)> entries, bool isDemo)
    {
        _entries = entries;
        IsDemo = isDemo;
    }

    /// <summary>True for the demo tokens: for the embedded demo only, never for real use.</summary>
    public bool IsDemo { get; }

    public int Count => _entries.Count;

    /// <summary>
    /// The demo tokens: operator-demo, occ-demo, risk-demo, vendor-demo (vendor DEMOVEND), and
    /// participant-XXXX for any four-digit participant XXXX.
    /// </summary>
    public static TokenStore Demo() => new(
        [
            (Sha256(DemoOperatorToken), new Caller(Role.Operator, null)),
            (Sha256(DemoOccToken), new Caller(Role.Occ, null)),
            (Sha256(DemoRiskToken), new Caller(Role.Risk, null)),
            (Sha256(DemoVendorToken), new Caller(Role.Vendor, null, DemoVendor)),
        ],
        isDemo: true);

    public static TokenStore Load(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new TokenFileException("--tokens", "tokens-file", "names no file; give the path of a tokens file");
        byte[] bytes;
        try
        {
            // Read at most one byte past the limit: the length a file reports is not to be trusted
            // (a device or a pipe reports 0), the bytes read are.
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            bytes = new byte[FileBytesMax + 1];
            var length = 0;
            int read;
            while (length < bytes.Length && (read = file.Read(bytes, length, bytes.Length - length)) > 0) length += read;
            if (length > FileBytesMax)
                throw new TokenFileException(path, "tokens-file-size-max", $"is larger than {FileBytesMax} bytes");
            Array.Resize(ref bytes, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TokenFileException(path, "tokens-file", $"cannot be read: {e.Message}");
        }
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new TokenFileException(path, "utf-8", "is not UTF-8 text");
        }
        return Parse(text, path);
    }

    /// <summary>Reads a JSON array of <c>{token, role, participant}</c> or <c>{sha256, role, participant}</c>; role <c>vendor</c> names its <c>vendor</c> instead of a participant.</summary>
    public static TokenStore Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TokenFileException(source, "json-syntax", $"is not valid JSON (line {e.LineNumber + 1})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new TokenFileException(source, "json-type", "must hold a JSON array of {token, role, participant} or {sha256, role, participant}");
            var count = document.RootElement.GetArrayLength();
            if (count == 0) throw new TokenFileException(source, "tokens-not-empty", "holds no tokens");
            if (count > EntriesMax) throw new TokenFileException(source, "entries-max", $"holds {count} tokens; at most {EntriesMax}");

            var entries = new List<(byte[], Caller)>();
            // Which entry gave each token's hash, to name both entries of a duplicate.
            var firstByHash = new Dictionary<string, int>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var where = $"{source}[{index}]";
                (byte[] Hash, Caller Caller) entry;
                try
                {
                    entry = ParseEntry(item, where);
                }
                catch (InvalidOperationException)
                {
                    // The JSON reader checks escapes such as \ud800 only when a string is read.
                    throw new TokenFileException(where, "unicode", "holds an escaped lone surrogate, which is not Unicode text");
                }
                if (!firstByHash.TryAdd(Convert.ToHexString(entry.Hash), index))
                    throw new TokenFileException(where, "token-unique", $"gives the same token as {source}[{firstByHash[Convert.ToHexString(entry.Hash)]}] (plain or hashed)");
                entries.Add(entry);
                index++;
            }
            return new TokenStore(entries, isDemo: false);
        }
    }

    private static (byte[], Caller) ParseEntry(JsonElement item, string where)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new TokenFileException(where, "json-type", "must be an object");
        string? token = null, sha256 = null, role = null, participant = null, vendor = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in item.EnumerateObject())
        {
            if (property.Name is not ("token" or "sha256" or "role" or "participant" or "vendor"))
                throw new TokenFileException(where, "field-known", $"has an unknown field {Http.JsonFields.Shown(property.Name)}; allowed: token, sha256, role, participant, vendor");
            // JSON lets a name repeat and a reader keep the last: which of two tokens counts must not be a guess.
            if (!seen.Add(property.Name))
                throw new TokenFileException(where, "field-unique", $"gives {property.Name} more than once");
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                throw new TokenFileException(where, "json-type", $"{property.Name} must be a string");
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
            switch (property.Name)
            {
                case "token": token = value; break;
                case "sha256": sha256 = value; break;
                case "role": role = value; break;
                case "vendor": vendor = value; break;
                default: participant = value; break;
            }
        }

        if ((token is null) == (sha256 is null)) throw new TokenFileException(where, "token-or-sha256", "must have exactly one of token and sha256");
        byte[] hash;
        if (token is not null)
        {
            if (token.Length == 0) throw new TokenFileException(where, "token-length-min", "token must not be empty");
            // A client never sends the spaces around a token (the bearer check trims them), so such a token could never be presented.
            if (token.Trim().Length != token.Length)
                throw new TokenFileException(where, "token-padded", "token starts or ends with white space");
            if (!token.All(c => c is > ' ' and <= '~'))
                throw new TokenFileException(where, "token-characters", "token must be printable ASCII without spaces, as an Authorization header carries it");
            if (token.Length < TokenLengthMin)
                throw new TokenFileException(where, "token-length-min", $"token is {token.Length} characters; at least {TokenLengthMin}");
            if (token.Length > TokenLengthMax)
                throw new TokenFileException(where, "token-length-max", $"token is longer than {TokenLengthMax} characters");
            hash = Sha256(token);
        }
        else if (sha256!.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
        {
            throw new TokenFileException(where, "sha256-format", "sha256 must be 64 hex digits (the SHA-256 of the token's UTF-8 bytes), with nothing around them");
        }
        else
        {
            hash = Convert.FromHexString(sha256);
        }

        if (!Roles.TryParse(role, out var parsedRole))
            throw new TokenFileException(where, "role", "role must be one of operator, occ, participant, risk, vendor");
        if (parsedRole == Role.Participant)
        {
            if (!ParticipantId.IsValid(participant))
                throw new TokenFileException(where, "participant", "participant must be a four-digit participant number for role participant");
            if (vendor is not null)
                throw new TokenFileException(where, "vendor", "vendor is only for role vendor");
            return (hash, new Caller(parsedRole, new ParticipantId(participant!)));
        }
        if (participant is not null)
            throw new TokenFileException(where, "participant", "participant is only for role participant");
        if (parsedRole == Role.Vendor)
        {
            if (!IsVendorId(vendor))
                throw new TokenFileException(where, "vendor", "vendor must be 1 to 32 letters, digits, '-' or '_' for role vendor");
            return (hash, new Caller(parsedRole, null, vendor));
        }
        if (vendor is not null)
            throw new TokenFileException(where, "vendor", "vendor is only for role vendor");
        return (hash, new Caller(parsedRole, null));
    }

    /// <summary>The caller a token stands for, or null. Compares against every entry, whatever matches.</summary>
    public Caller? Find(string token)
    {
        if (token.Length is 0 or > TokenLengthMax) return null;
        var hash = Sha256(token);
        Caller? found = null;
        foreach (var (entryHash, caller) in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, entryHash)) found = caller;
        }
        if (found is null && IsDemo && token.StartsWith(DemoParticipantTokenPrefix, StringComparison.Ordinal))
        {
            var id = token[DemoParticipantTokenPrefix.Length..];
            if (ParticipantId.IsValid(id)) found = new Caller(Role.Participant, new ParticipantId(id));
        }
        return found;
    }

    public static byte[] Sha256(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
