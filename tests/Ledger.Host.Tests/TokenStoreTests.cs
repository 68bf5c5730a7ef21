using Ledger.Domain;
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
        var hash = Convert.ToHexString(TokenStore.Sha256("hashed-token"));
        var store = TokenStore.Parse($$"""
            [
              {"token":"plain-token","role":"occ"},
              {"sha256":"{{hash}}","role":"participant","participant":"0005"},
              {"token":"risk-token","role":"risk","participant":null}
            ]
            """, "tokens.json");

        Assert.False(store.IsDemo);
        Assert.Equal(3, store.Count);
        Assert.Equal(new Caller(Role.Occ, null), store.Find("plain-token"));
        Assert.Equal(new Caller(Role.Participant, new ParticipantId("0005")), store.Find("hashed-token"));
        Assert.Equal(new Caller(Role.Risk, null), store.Find("risk-token"));
        Assert.Null(store.Find("operator-demo"));
        Assert.Null(store.Find("participant-0005"));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{}", "JSON array")]
    [InlineData("[]", "no tokens")]
    [InlineData("""[{"token":"a","role":"admin"}]""", "role must be one of")]
    [InlineData("""[{"token":"a","role":"participant"}]""", "four-digit participant")]
    [InlineData("""[{"token":"a","role":"participant","participant":"12"}]""", "four-digit participant")]
    [InlineData("""[{"token":"a","role":"occ","participant":"0001"}]""", "only for role participant")]
    [InlineData("""[{"role":"occ"}]""", "exactly one of token and sha256")]
    [InlineData("""[{"token":"a","sha256":"00","role":"occ"}]""", "exactly one of token and sha256")]
    [InlineData("""[{"sha256":"abc","role":"occ"}]""", "64 hex digits")]
    [InlineData("""[{"token":"","role":"occ"}]""", "must not be empty")]
    [InlineData("""[{"token":"a","role":"occ","extra":1}]""", "unknown field")]
    [InlineData("""[{"token":1,"role":"occ"}]""", "must be a string")]
    [InlineData("""[{"token":"a","role":"occ"},{"token":"a","role":"risk"}]""", "same token twice")]
    [InlineData("""["a"]""", "must be an object")]
    [InlineData("""[{"token":"a\ud800","role":"occ"}]""", "lone surrogate")]
    [InlineData("""[{"token":"a","role":"occ","\udc00":"x"}]""", "lone surrogate")]
    public void A_bad_tokens_file_is_refused_with_the_reason(string json, string reason)
    {
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Parse(json, "tokens.json"));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void The_same_token_given_plain_and_hashed_is_a_duplicate()
    {
        var json = $$"""[{"token":"t","role":"occ"},{"sha256":"{{Convert.ToHexString(TokenStore.Sha256("t"))}}","role":"risk"}]""";
        Assert.Throws<TokenFileException>(() => TokenStore.Parse(json, "tokens.json"));
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var e = Assert.Throws<TokenFileException>(() => TokenStore.Load(Path.Combine(Path.GetTempPath(), $"no-such-{Environment.ProcessId}.json")));
        Assert.Contains("cannot read", e.Message);
    }
}
