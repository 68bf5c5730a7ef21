using Ledger.Settlement;
using Ledger.Host.Auth;

namespace Ledger.Host.Tests;

public sealed class TokenStoreTests
{
    [Fact]
    public void Demo_tokens_map_to_their_roles_and_any_four_digit_participant()
    {
        var demo = TokenStore.Demo();

        Assert.True(demo.IsDemo);
        Assert.Equal(new Caller(Role.Operator, null), demo.Find("operator-demo"));
        Assert.Equal(new Caller(Role.Occ, null), demo.Find("occ-demo"));
        Assert.Equal(new Caller(Role.Risk, null), demo.Find("risk-demo"));
        Assert.Equal(new Caller(Role.Participant, new ParticipantId("0042")), demo.Find("participant-0042"));
        Assert.Null(demo.Find("participant-042"));
        Assert.Null(demo.Find("participant-00420"));
        Assert.Null(demo.Find("participant-"));
        Assert.Null(demo.Find("Operator-demo"));
        Assert.Null(demo.Find(""));
    }

    [Fact]
    public void A_file_takes_plain_and_hashed_tokens()
    {
        var hash = Convert.ToHexString(TokenStore.Sha256("hashed-token-0005-secret"));
        var store = TokenStore.Parse($$"""
            [
              {"token":"plain-occ-token-secret","role":"occ"},
              {"sha256":"{{hash}}","role":"participant","participant":"0005"},
              {"token":"risk-token-0123456","role":"risk","participant":null}
            ]
            """, "tokens.json");

        Assert.False(store.IsDemo);
        Assert.Equal(3, store.Count);
        Assert.Equal(new Caller(Role.Occ, null), store.Find("plain-occ-token-secret"));
        Assert.Equal(new Caller(Role.Participant, new ParticipantId("0005")), store.Find("hashed-token-0005-secret"));
        Assert.Equal(new Caller(Role.Risk, null), store.Find("risk-token-0123456"));
        Assert.Null(store.Find("operator-demo"));
        Assert.Null(store.Find("participant-0005"));
    }

    private const string Long = "a-token-of-24-characters";
    private const string Other = "another-token-of-29-chars-ok";

    /// <summary>Each fault is one line naming the file, the entry and the rule.</summary>
    [Theory]
    [InlineData("not json", "tokens.json: ", "json-syntax")]
    [InlineData("{}", "tokens.json: ", "json-type")]
    [InlineData("[]", "tokens.json: ", "tokens-not-empty")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"admin"}]""", "tokens.json[0]: ", "role")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"participant"}]""", "tokens.json[0]: ", "participant")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"participant","participant":"12"}]""", "tokens.json[0]: ", "participant")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ","participant":"0001"}]""", "tokens.json[0]: ", "participant")]
    [InlineData("""[{"role":"occ"}]""", "tokens.json[0]: ", "token-or-sha256")]
    [InlineData("""[{"token":"a-token-of-24-characters","sha256":"00","role":"occ"}]""", "tokens.json[0]: ", "token-or-sha256")]
    [InlineData("""[{"sha256":"abc","role":"occ"}]""", "tokens.json[0]: ", "sha256-format")]
    [InlineData("""[{"token":"","role":"occ"}]""", "tokens.json[0]: ", "token-length-min")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ","extra":1}]""", "tokens.json[0]: ", "field-known")]
    [InlineData("""[{"token":1,"role":"occ"}]""", "tokens.json[0]: ", "json-type")]
    [InlineData("""["a"]""", "tokens.json[0]: ", "json-type")]
    [InlineData("""[{"token":"a-token-of-24-characters\ud800","role":"occ"}]""", "tokens.json[0]: ", "unicode")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ","\udc00":"x"}]""", "tokens.json[0]: ", "unicode")]
    // A repeated key: JSON readers keep the last, so which token counts would be a guess.
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ","token":"another-token-of-29-chars-ok"}]""", "tokens.json[0]: ", "field-unique")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ","role":"operator"}]""", "tokens.json[0]: ", "field-unique")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ","participant":null,"participant":null}]""", "tokens.json[0]: ", "field-unique")]
    // Padded: a client never sends the spaces, so the token could never be presented as written.
    [InlineData("""[{"token":" a-token-of-24-characters","role":"occ"}]""", "tokens.json[0]: ", "token-padded")]
    [InlineData("""[{"token":"a-token-of-24-characters ","role":"occ"}]""", "tokens.json[0]: ", "token-padded")]
    [InlineData("""[{"token":"a-token-of-24-characters\n","role":"occ"}]""", "tokens.json[0]: ", "token-padded")]
    [InlineData("""[{"token":"a-token-of-24-characters\t","role":"occ"}]""", "tokens.json[0]: ", "token-padded")]
    [InlineData("""[{"token":"a-token-of\u000024-characters","role":"occ"}]""", "tokens.json[0]: ", "token-characters")]
    [InlineData("""[{"token":"a-token-of 24-characters","role":"occ"}]""", "tokens.json[0]: ", "token-characters")]
    [InlineData("""[{"token":"a-token-of-24-charactèrs","role":"occ"}]""", "tokens.json[0]: ", "token-characters")]
    [InlineData("""[{"sha256":" 0000000000000000000000000000000000000000000000000000000000000000","role":"occ"}]""", "tokens.json[0]: ", "sha256-format")]
    // Too short to be safe: 1 and 15 characters; 16 is the least (next test).
    [InlineData("""[{"token":"a","role":"occ"}]""", "tokens.json[0]: ", "token-length-min")]
    [InlineData("""[{"token":"fifteen-chars-x","role":"occ"}]""", "tokens.json[0]: ", "token-length-min")]
    [InlineData("""[{"token":"a-token-of-24-characters","role":"occ"},{"token":"a-token-of-24-characters","role":"risk"}]""", "tokens.json[1]: ", "token-unique")]
    public void A_bad_tokens_file_is_refused_naming_the_entry_and_the_rule(string json, string where, string rule)
    {
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Parse(json, "tokens.json"));

        Assert.Equal(rule, e.Rule);
        Assert.StartsWith(where, e.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(rule {rule})", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_token_of_16_characters_is_the_shortest_taken()
    {
        var store = TokenStore.Parse("""[{"token":"sixteen-chars-xy","role":"occ"}]""", "tokens.json");

        Assert.Equal(new Caller(Role.Occ, null), store.Find("sixteen-chars-xy"));
        Assert.Equal(16, TokenStore.TokenLengthMin);
    }

    [Fact]
    public void The_same_token_given_plain_and_hashed_is_a_duplicate_naming_both_entries()
    {
        var json = $$"""[{"token":"{{Long}}","role":"occ"},{"token":"{{Other}}","role":"occ"},{"sha256":"{{Convert.ToHexString(TokenStore.Sha256(Long)).ToLowerInvariant()}}","role":"risk"}]""";

        var e = Assert.Throws<TokenFileException>(() => TokenStore.Parse(json, "tokens.json"));

        Assert.Equal("token-unique", e.Rule);
        Assert.StartsWith("tokens.json[2]: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("tokens.json[0]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Load(Path.Combine(Path.GetTempPath(), $"no-such-{Environment.ProcessId}.json")));
        Assert.Contains("cannot be read", e.Message);
        Assert.Equal("tokens-file", e.Rule);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_path_is_refused_by_rule_not_by_a_stack_trace(string path)
    {
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Load(path));
        Assert.Equal("tokens-file", e.Rule);
        Assert.StartsWith("--tokens: names no file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_unread_and_one_at_the_limit_is_read()
    {
        using var folder = new Support.TempFolder();
        var entry = """[{"token":"a-token-of-24-characters","role":"occ"}""";
        var atLimit = Path.Combine(folder.Path, "at.json");
        File.WriteAllText(atLimit, entry + new string(' ', TokenStore.FileBytesMax - entry.Length - 1) + "]");
        Assert.Equal(TokenStore.FileBytesMax, new FileInfo(atLimit).Length);
        var over = Path.Combine(folder.Path, "over.json");
        File.WriteAllText(over, entry + new string(' ', TokenStore.FileBytesMax - entry.Length) + "]");

        Assert.Equal(1, TokenStore.Load(atLimit).Count);
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Load(over));
        Assert.Equal("tokens-file-size-max", e.Rule);
        Assert.StartsWith(over + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains(TokenStore.FileBytesMax.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    /// <summary>A device never ends: the size limit is on what is read, not on what the file system says.</summary>
    [SkippableFact]
    public void A_device_that_never_ends_is_refused_by_the_size_limit()
    {
        if (!File.Exists("/dev/zero")) throw Ledger.TestSupport.TestEnvironment.Unavailable("/dev/zero", "this system has none (Linux and macOS have)");
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Load("/dev/zero"));
        Assert.Equal("tokens-file-size-max", e.Rule);
    }
}
