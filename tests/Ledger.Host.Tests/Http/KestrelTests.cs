using System.Text;
using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Ledger.Host.Tests;

/// <summary>The app on real Kestrel on loopback, for what a test server does not do: the request body limits, and the headers on the wire.</summary>
public sealed class KestrelTests
{
    private const int SmallBodyMax = 4 * 1024;

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(FakeLedger ledger)
    {
        var logger = new LoggerConfiguration().CreateLogger();
        var app = LedgerApi.Build(new ApiOptions { Urls = "http://127.0.0.1:0", Tokens = TokenStore.Demo() }, ledger, logger);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        // The client waits for the node's answer to Expect: 100-continue however busy the machine.
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) }) { BaseAddress = new Uri(address) };
        return (app, client);
    }

    private static HttpRequestMessage Request(string method, string path, string? token, HttpContent? content)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    /// <summary>JSON of exactly <paramref name="bytes"/> bytes: an object padded with spaces.</summary>
    private static ByteArrayContent JsonOfSize(string json, int bytes)
    {
        var padded = json[..^1] + new string(' ', bytes - json.Length) + "}";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(padded));
        content.Headers.ContentType = new("application/json");
        return content;
    }

    /// <summary>
    /// Every route but a deliver-order batch takes a body of at most 4 KiB. One byte more is refused
    /// from Content-Length (413 body-size-max, naming the limit) whoever sends it, before the token
    /// check and before a byte of the body is read; routes that take no body and no route at all
    /// have the same small limit.
    /// </summary>
    [Theory]
    [InlineData("PUT", "/v1/participants/0001", "operator-demo", """{"name":"Lender","netDebitCap":1,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")]
    [InlineData("PUT", "/v1/securities/037833100", "operator-demo", """{"price":100,"haircut":0.1}""")]
    [InlineData("POST", "/v1/participants/0001/deposits", "operator-demo", """{"cusip":"037833100","shares":1}""")]
    [InlineData("POST", "/v1/participants/0002/settlement-progress-payments", "operator-demo", """{"amount":1}""")]
    [InlineData("POST", "/v1/reclaims", "participant-0002", """{"id":"R-1","deliverOrderId":"DO-1"}""")]
    [InlineData("POST", "/v1/business-day/cutoff", "operator-demo", "{}")]
    [InlineData("POST", "/v1/business-day/close", "operator-demo", "{}")]
    [InlineData("DELETE", "/v1/deliver-orders/DO-1", "occ-demo", "{}")]
    [InlineData("GET", "/v1/participants/0001/account", "operator-demo", "{}")]
    [InlineData("POST", "/v1/no-such-route", "operator-demo", "{}")]
    public async Task A_body_of_one_byte_over_4_KiB_is_refused_from_its_length_on_every_route_but_the_batch(string method, string path, string token, string json)
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;

        foreach (var caller in new[] { token, null })
        {
            var request = Request(method, path, caller, JsonOfSize(json, SmallBodyMax + 1));
            // As a careful client sends a body: the node answers from the headers, and the body is never sent.
            request.Headers.ExpectContinue = true;
            var response = await client.SendAsync(request);

            var problem = await response.AssertProblem(413, "body-size-max", "body");
            Assert.Contains($"at most {SmallBodyMax} bytes", problem.GetProperty("detail").GetString());
            response.AssertAnswerHeaders();
        }
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task A_body_of_exactly_4_KiB_is_read()
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;

        var response = await client.SendAsync(Request("POST", "/v1/participants/0002/settlement-progress-payments", "operator-demo",
            JsonOfSize("""{"amount":1}""", SmallBodyMax)));

        await response.AssertOk();
        Assert.Single(ledger.Changes);
    }

    /// <summary>A body without a length is cut off as it passes the route's limit: the server counts what it reads.</summary>
    [Theory]
    [InlineData("/v1/reclaims", "participant-0002", """{"id":"R-1","deliverOrderId":"DO-1"}""")]
    [InlineData("/v1/participants/0001/deposits", "operator-demo", """{"cusip":"037833100","shares":1}""")]
    public async Task A_chunked_body_over_4_KiB_is_a_413_problem(string path, string token, string json)
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;
        var bytes = Encoding.UTF8.GetBytes(json[..^1] + new string(' ', 2 * SmallBodyMax) + "}");
        var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new("application/json");
        var request = Request("POST", path, token, content);
        request.Headers.TransferEncodingChunked = true;

        var response = await client.SendAsync(request);

        await response.AssertProblem(413, "body-size-max", "body");
        Assert.Empty(ledger.Changes);
    }

    /// <summary>
    /// 16 MiB of <c>[0,0,...]</c> to the reclaim route (a participant's) is answered 413 from its
    /// Content-Length alone: the client, waiting on 100-continue, never sends the body, so the node
    /// neither reads nor parses it.
    /// </summary>
    [Fact]
    public async Task Sixteen_MiB_of_zeros_to_reclaims_is_refused_before_the_body_is_sent()
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;
        var zeros = new byte[16 * 1024 * 1024];
        zeros[0] = (byte)'[';
        for (var i = 1; i < zeros.Length - 1; i += 2)
        {
            zeros[i] = (byte)'0';
            zeros[i + 1] = (byte)',';
        }
        zeros[^1] = (byte)']';
        zeros[^2] = (byte)' ';
        var body = new CountingStream(zeros);
        var content = new StreamContent(body);
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentLength = zeros.Length;
        var request = Request("POST", "/v1/reclaims", "participant-0002", content);
        request.Headers.ExpectContinue = true;

        var response = await client.SendAsync(request);

        await response.AssertProblem(413, "body-size-max", "body");
        Assert.True(body.BytesRead < 64 * 1024, $"the client sent {body.BytesRead} bytes of the body");
        Assert.Empty(ledger.Changes);
    }

    [Fact]
    public async Task The_batch_route_takes_a_body_far_over_4_KiB()
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;
        var orders = Enumerable.Range(0, 500).Select(i =>
            $$"""{"id":"BIG-{{i}}","deliverer":"0001","receiver":"0002","cusip":"037833100","shares":1,"amount":1,"reasonCode":"LOAN"}""");
        var json = "[" + string.Join(",", orders) + "]";
        Assert.True(Encoding.UTF8.GetByteCount(json) > 10 * SmallBodyMax);
        var content = new StringContent(json, Encoding.UTF8, "application/json");

        var answer = await (await client.SendAsync(Request("POST", "/v1/deliver-orders", "occ-demo", content))).AssertOk();

        Assert.Equal(500, answer.GetArrayLength());
    }

    /// <summary>A batch of more items than the node takes is refused from a count of its items, before a document of millions of values is built.</summary>
    [Fact]
    public async Task A_batch_of_a_million_zeros_is_refused_by_the_batch_limit()
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;
        var json = "[" + string.Join(",", Enumerable.Repeat("0", 1_000_000)) + "]";

        var response = await client.SendAsync(Request("POST", "/v1/deliver-orders", "occ-demo", new StringContent(json, Encoding.UTF8, "application/json")));

        var problem = await response.AssertProblem(413, "batch-size-max", "body");
        Assert.Contains("1000000", problem.GetProperty("detail").GetString());
        Assert.Empty(ledger.Changes);
    }

    /// <summary>
    /// Every answer on the wire, errors included (refusals, the status-code pages, the failure
    /// handler's 500 and 503), says: no caching anywhere, no content sniffing.
    /// </summary>
    [Fact]
    public async Task Every_answer_carries_no_store_and_nosniff_errors_included()
    {
        var ledger = FakeLedger.Seeded();
        var (app, client) = await StartAsync(ledger);
        await using var _ = app;
        using var __ = client;

        async Task<HttpResponseMessage> Send(string method, string path, string? token, string? json = null, string type = "application/json")
        {
            var content = json is null ? null : new StringContent(json, Encoding.UTF8, type);
            var response = await client.SendAsync(Request(method, path, token, content));
            response.AssertAnswerHeaders();
            return response;
        }

        Assert.Equal(200, (int)(await Send("GET", "/health/live", null)).StatusCode);
        Assert.Equal(200, (int)(await Send("GET", "/health/ready", null)).StatusCode);
        await (await Send("GET", "/v1/participants/0001/account", "operator-demo")).AssertOk();
        await (await Send("GET", "/v1/participants/0001/account", "participant-0001")).AssertOk();
        await (await Send("GET", "/v1/participants/0001/account", null)).AssertProblem(401, "bearer-token");
        await (await Send("GET", "/v1/participants/0001/account", "participant-0002")).AssertProblem(403, "own-participant");
        await (await Send("GET", "/v1/nowhere", "operator-demo")).AssertProblem(404, "route-known");
        await (await Send("PATCH", "/v1/participants/0001", "operator-demo", "{}")).AssertProblem(405, "method-allowed");
        await (await Send("POST", "/v1/participants/0001/deposits", "operator-demo", "{}", "text/plain")).AssertProblem(415, "content-type");
        await (await Send("POST", "/v1/participants/0001/deposits", "operator-demo", "{")).AssertProblem(400, "json-syntax");
        await (await Send("POST", "/v1/participants/0001/deposits", "operator-demo", "{" + new string(' ', SmallBodyMax) + "}")).AssertProblem(413, "body-size-max");

        ledger.Failure = () => new InvalidOperationException("a fault inside the ledger");
        await (await Send("GET", "/v1/participants/0001/account", "operator-demo")).AssertProblem(500, "internal");
        ledger.Failure = () => new TimeoutException("the ledger did not answer");
        await (await Send("GET", "/v1/participants/0001/account", "operator-demo")).AssertProblem(503, "ledger-available");
    }

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
    public async Task A_chunked_body_over_a_configured_limit_is_a_413_problem()
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

/// <summary>A body that counts what the client read of it to send.</summary>
internal sealed class CountingStream(byte[] bytes) : MemoryStream(bytes, writable: false)
{
    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = base.Read(buffer, offset, count);
        BytesRead += read;
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = base.Read(buffer);
        BytesRead += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await base.ReadAsync(buffer, cancellationToken);
        BytesRead += read;
        return read;
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await base.ReadAsync(buffer, offset, count, cancellationToken);
        BytesRead += read;
        return read;
    }
}
