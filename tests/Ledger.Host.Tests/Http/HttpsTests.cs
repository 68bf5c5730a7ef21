using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Ledger.Host.Tests;

/// <summary>
/// HTTPS through Kestrel's standard configuration, as the README documents it: the very app of
/// <c>ledger serve</c> on real Kestrel, a self-signed certificate made here, and the configuration
/// keys that environment variables (<c>Kestrel__Certificates__Default__Path</c>) or an
/// appsettings.json beside the program set. The client trusts exactly that certificate.
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private const string Password = "ledger-test-pfx";
    private readonly TempFolder _folder = new();
    private readonly X509Certificate2 _certificate = SelfSigned();

    [Fact]
    public async Task An_https_url_serves_with_the_default_certificate_from_a_pfx_file()
    {
        var pfx = Path.Combine(_folder.Path, "ledger.pfx");
        await File.WriteAllBytesAsync(pfx, _certificate.Export(X509ContentType.Pfx, Password));

        await AssertServesHttpsAsync("https://127.0.0.1:0", new()
        {
            ["Kestrel:Certificates:Default:Path"] = pfx,
            ["Kestrel:Certificates:Default:Password"] = Password,
        });
    }

    [Fact]
    public async Task An_https_url_serves_with_the_default_certificate_from_pem_files()
    {
        // A Kubernetes TLS secret holds PEM files: tls.crt and tls.key.
        var crt = Path.Combine(_folder.Path, "tls.crt");
        var key = Path.Combine(_folder.Path, "tls.key");
        await File.WriteAllTextAsync(crt, _certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(key, _certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        await AssertServesHttpsAsync("https://127.0.0.1:0", new()
        {
            ["Kestrel:Certificates:Default:Path"] = crt,
            ["Kestrel:Certificates:Default:KeyPath"] = key,
        });
    }

    [Fact]
    public async Task A_configured_https_endpoint_replaces_the_urls_option()
    {
        var pfx = Path.Combine(_folder.Path, "ledger.pfx");
        await File.WriteAllBytesAsync(pfx, _certificate.Export(X509ContentType.Pfx, Password));

        await AssertServesHttpsAsync(ApiOptions.UrlsDefault, new()
        {
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Certificate:Path"] = pfx,
            ["Kestrel:Endpoints:Https:Certificate:Password"] = Password,
        });
    }

    private async Task AssertServesHttpsAsync(string urls, Dictionary<string, string?> configuration)
    {
        var logger = new LoggerConfiguration().CreateLogger();
        await using var app = LedgerApi.Build(new ApiOptions { Urls = urls, Tokens = TokenStore.Demo() }, FakeLedger.Seeded(), logger,
            builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        var address = Assert.Single(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses);
        Assert.StartsWith("https://127.0.0.1:", address, StringComparison.Ordinal);

        X509Certificate2? presented = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
                return certificate is not null && certificate.RawData.AsSpan().SequenceEqual(_certificate.RawData);
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(address) };

        var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.NotNull(presented);
        Assert.Equal(_certificate.Thumbprint, presented.Thumbprint);
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/participants/0001/account");
        request.Headers.Authorization = new("Bearer", "participant-0001");
        var account = await (await client.SendAsync(request)).AssertOk();
        Assert.Equal("0001", account.GetProperty("participant").GetString());
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ledger-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _folder.Dispose();
    }
}
