using System.Text;
using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Ledger.Host.Tests;

/// <summary>The app on real Kestrel on loopback, for what a test server does not do: the request body limit.</summary>
public sealed class KestrelTests
{
    [Fact]
    public async Task A_body_over_16_MiB_is_a_413_problem_and_changes_nothing()
    {
        var ledger = FakeLedger.Seeded();
        var logger = new LoggerConfiguration().CreateLogger();
        await using var app = LedgerApi.Build(new ApiOptions { Urls = "http://127.0.0.1:0", Tokens = TokenStore.Demo() }, ledger, logger);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        // The client waits for the node's answer to Expect: 100-continue however busy the machine:
        // after the default second it would start sending the body into a closed connection.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) }) { BaseAddress = new Uri(address) };

        var body = new StringBuilder("[");
        var order = """{"id":"DO-1","deliverer":"0001","receiver":"0002","cusip":"037833100","shares":100,"amount":10000,"reasonCode":"LOAN"}""";
        while (body.Length < 17 * 1024 * 1024) body.Append(order).Append(',');
        body.Append(order).Append(']');
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/deliver-orders") { Content = new StringContent(body.ToString(), Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", "occ-demo");
        // The node answers 413 from Content-Length before the body is sent; without 100-continue the
        // client would keep writing 17 MiB into a connection the server has closed.
        request.Headers.ExpectContinue = true;

        var response = await client.SendAsync(request);

        await response.AssertProblem(413, "body-size-max", "body");
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_a_413_problem()
    {
        var ledger = FakeLedger.Seeded();
        var logger = new LoggerConfiguration().CreateLogger();
        await using var app = LedgerApi.Build(new ApiOptions { Urls = "http://127.0.0.1:0", Tokens = TokenStore.Demo(), RequestBodyBytesMax = 4096 }, ledger, logger);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var bytes = Encoding.UTF8.GetBytes("""{"amount":100""" + new string(' ', 8192) + "}");
        var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/participants/0001/settlement-progress-payments") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Authorization = new("Bearer", "operator-demo");

        var response = await client.SendAsync(request);

        await response.AssertProblem(413, "body-size-max", "body");
        Assert.Empty(ledger.Changes);
    }
}
