using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Domain;

namespace Ledger.Host.Auth;

/// <summary>What a bearer token lets its holder do. Numbers are never reused.</summary>
public enum Role
{
    Operator = 1,
    Occ = 2,
    Participant = 3,
    Risk = 4,
}

/// <summary>Who is calling: a role, and for the participant role the participant it speaks for.</summary>
public sealed record Caller(Role Role, ParticipantId? Participant)
{
    public bool Is(ParticipantId id) => Role == Role.Participant && Participant == id;

    /// <summary>For logs and messages; never the token.</summary>
    public override string ToString() => Role == Role.Participant ? $"participant {Participant}" : Roles.Name(Role);
}

public static class Roles
{
    public static string Name(Role role) => role switch
    {
        Role.Operator => "operator",
        Role.Occ => "occ",
        Role.Participant => "participant",
        Role.Risk => "risk",
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
            _ => 0,
        };
        return role != 0;
    }
}

/// <summary>A tokens file the node refuses to start with.</summary>
public sealed class TokenFileException(string message) : Exception(message);

/// <summary>
/// The tokens a node accepts. Only SHA-256 hashes of the tokens are held, and a presented token is
/// compared by its hash against every entry in fixed time, so neither memory nor timing reveals one.
/// </summary>
public sealed class TokenStore
{
    /// <summary>The most entries a tokens file may hold: every lookup compares against all of them.</summary>
    public const int EntriesMax = 10_000;

    /// <summary>Presented tokens longer than this are refused unread.</summary>
    public const int TokenLengthMax = 4_096;

    public const string DemoOperatorToken = "operator-demo";
    public const string DemoOccToken = "occ-demo";
    public const string DemoRiskToken = "risk-demo";
    public const string DemoParticipantTokenPrefix = "participant-";

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
    /// The demo tokens: operator-demo, occ-demo, risk-demo, and participant-XXXX for any four-digit
    /// participant XXXX.
    /// </summary>
    public static TokenStore Demo() => new(
        [
            (Sha256(DemoOperatorToken), new Caller(Role.Operator, null)),
            (Sha256(DemoOccToken), new Caller(Role.Occ, null)),
            (Sha256(DemoRiskToken), new Caller(Role.Risk, null)),
        ],
        isDemo: true);

    public static TokenStore Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenFileException($"cannot read tokens file {path}: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Reads a JSON array of <c>{token, role, participant}</c> or <c>{sha256, role, participant}</c>.</summary>
    public static TokenStore Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TokenFileException($"{source} is not valid JSON (line {e.LineNumber + 1})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new TokenFileException($"{source} must hold a JSON array of {{token, role, participant}} or {{sha256, role, participant}}");
            var count = document.RootElement.GetArrayLength();
            if (count == 0) throw new TokenFileException($"{source} holds no tokens");
            if (count > EntriesMax) throw new TokenFileException($"{source} holds {count} tokens; at most {EntriesMax}");

            var entries = new List<(byte[], Caller)>();
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                try
                {
                    entries.Add(ParseEntry(item, $"{source}[{index}]"));
                }
                catch (InvalidOperationException)
                {
                    // The JSON reader checks escapes such as \ud800 only when a string is read.
                    throw new TokenFileException($"{source}[{index}] holds an escaped lone surrogate, which is not Unicode text");
                }
                index++;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (hash, _) in entries)
            {
                if (!seen.Add(Convert.ToHexString(hash)))
                    throw new TokenFileException($"{source} lists the same token twice");
            }
            return new TokenStore(entries, isDemo: false);
        }
    }

    private static (byte[], Caller) ParseEntry(JsonElement item, string where)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new TokenFileException($"{where} must be an object");
        string? token = null, sha256 = null, role = null, participant = null;
        foreach (var property in item.EnumerateObject())
        {
            if (property.Name is not ("token" or "sha256" or "role" or "participant"))
                throw new TokenFileException($"{where} has an unknown field '{property.Name}'; allowed: token, sha256, role, participant");
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                throw new TokenFileException($"{where}.{property.Name} must be a string");
            var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
            switch (property.Name)
            {
                case "token": token = value; break;
                case "sha256": sha256 = value; break;
                case "role": role = value; break;
                default: participant = value; break;
            }
        }

        if ((token is null) == (sha256 is null)) throw new TokenFileException($"{where} must have exactly one of token and sha256");
        if (token is { Length: 0 }) throw new TokenFileException($"{where}.token must not be empty");
        if (token is { Length: > TokenLengthMax }) throw new TokenFileException($"{where}.token is longer than {TokenLengthMax} characters");
        byte[] hash;
        if (token is not null)
        {
            hash = Sha256(token);
        }
        else if (sha256!.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
        {
            throw new TokenFileException($"{where}.sha256 must be 64 hex digits (the SHA-256 of the token's UTF-8 bytes)");
        }
        else
        {
            hash = Convert.FromHexString(sha256);
        }

        if (!Roles.TryParse(role, out var parsedRole))
            throw new TokenFileException($"{where}.role must be one of operator, occ, participant, risk");
        if (parsedRole == Role.Participant)
        {
            if (!ParticipantId.IsValid(participant))
                throw new TokenFileException($"{where}.participant must be a four-digit participant number for role participant");
            return (hash, new Caller(parsedRole, new ParticipantId(participant!)));
        }
        if (participant is not null)
            throw new TokenFileException($"{where}.participant is only for role participant");
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
