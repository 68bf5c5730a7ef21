using Ledger.Host.Auth;

namespace Ledger.Host.Tests.Recalls;

/// <summary>Role <c>vendor</c> in a tokens file names its vendor, and only that role does; the demo vendor token is DEMOVEND's.</summary>
public sealed class VendorTokenTests
{
    private const string Token = "vendor-token-0123456789";

    [Fact]
    public void A_vendor_token_names_its_vendor()
    {
        var store = TokenStore.Parse($$"""[{"token":"{{Token}}","role":"vendor","vendor":"V-1_A"}]""", "tokens.json");

        Assert.Equal(new Caller(Role.Vendor, null, "V-1_A"), store.Find(Token));
        Assert.Equal("vendor V-1_A", store.Find(Token)!.ToString());
    }

    [Theory]
    [InlineData("""[{"token":"vendor-token-0123456789","role":"vendor"}]""", "vendor")]
    [InlineData("""[{"token":"vendor-token-0123456789","role":"vendor","vendor":"a b"}]""", "vendor")]
    [InlineData("""[{"token":"vendor-token-0123456789","role":"vendor","vendor":"V1","participant":"0001"}]""", "participant")]
    [InlineData("""[{"token":"vendor-token-0123456789","role":"participant","participant":"0001","vendor":"V1"}]""", "vendor")]
    [InlineData("""[{"token":"vendor-token-0123456789","role":"operator","vendor":"V1"}]""", "vendor")]
    public void A_vendor_without_a_vendor_id_or_a_vendor_id_on_another_role_is_refused(string json, string rule)
    {
        var refused = Assert.Throws<TokenFileException>(() => TokenStore.Parse(json, "tokens.json"));

        Assert.Equal(rule, refused.Rule);
    }

    [Fact]
    public void The_demo_vendor_token_is_vendor_DEMOVEND()
    {
        Assert.Equal(new Caller(Role.Vendor, null, TokenStore.DemoVendor), TokenStore.Demo().Find(TokenStore.DemoVendorToken));
        Assert.Equal("DEMOVEND", TokenStore.DemoVendor);
    }
}
