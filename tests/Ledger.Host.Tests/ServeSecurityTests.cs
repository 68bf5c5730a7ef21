using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// The program path of <c>ledger serve --tokens FILE</c> (LedgerServer.RunAsync, the real node on
/// SQLite, Kestrel on a loopback port): tokens stored as SHA-256 hashes authenticate end to end,
/// the limits on body and batch size hold on the real server, and across valid, hashed, unknown,
/// misplaced and wrong-role tokens no token, no hash of one and no Authorization header reaches
/// the log or a response. One node, about 10 s.
/// </summary>
[Collection("real-node")]
public sealed class ServeSecurityTests
{
    private const string OperatorPlain = "op-plain-7f3a9c2e41d8b6a0";
    private const string OccHashed = "occ-hashed-c0ffee1234567890";
    private const string BorrowerHashed = "p0002-hashed-5eed5eed5eed";
    private const string LenderPlain = "p0001-plain-deadbeef0123";
    private const string RiskHashed = "risk-hashed-abcdef987654";
    private const string Unknown = "never-issued-token-0a1b2c3d";
    private const string Apple = "037833100";

    private static string Hex(string token) => Convert.ToHexString(TokenStore.Sha256(token));

    private sealed record Answer(int Status, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

        public string Rule => Json.GetProperty("rule").GetString()!;
    }

    [Fact]
    public async Task Hashed_tokens_authenticate_limits_hold_and_no_token_reaches_the_log_or_a_response()
    {
        using var folder = new TempFolder();
        var tokensFile = Path.Combine(folder.Path, "tokens.json");
        await File.WriteAllTextAsync(tokensFile, $$"""
            [
              {"token":"{{OperatorPlain}}","role":"operator"},
              {"sha256":"{{Hex(OccHashed).ToLowerInvariant()}}","role":"occ"},
              {"sha256":"{{Hex(BorrowerHashed)}}","role":"participant","participant":"0002"},
              {"token":"{{LenderPlain}}","role":"participant","participant":"0001"},
              {"sha256":"{{Hex(RiskHashed).ToLowerInvariant()}}","role":"risk"}
            ]
            """);
        var log = new LogCapture();
        var answers = new List<Answer>();
        var options = new ServeOptions { Urls = "http://127.0.0.1:0", DataDir = Path.Combine(folder.Path, "data"), TokensFile = tokensFile };

        var exit = await LedgerServer.RunAsync(options, LedgerNodeStartup.StartAsync, CancellationToken.None,
            c => c.MinimumLevel.Verbose().WriteTo.Sink(log),
            async (urls, ct) =>
            {
                using var client = new HttpClient { BaseAddress = new Uri(urls[0]), Timeout = TimeSpan.FromSeconds(120) };

                async Task<Answer> Send(HttpMethod method, string path, string? token, string? json = null, string? authorization = null, bool expectContinue = false)
                {
                    var request = new HttpRequestMessage(method, path);
                    if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
                    if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                    if (expectContinue) request.Headers.ExpectContinue = true;
                    var response = await client.SendAsync(request, ct);
                    var answer = new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
                    answers.Add(answer);
                    return answer;
                }

                static void Is(int status, Answer answer, string? rule = null)
                {
                    Assert.True(status == answer.Status, $"expected {status}, got {answer.Status}: {answer.Body}");
                    if (rule is not null) Assert.Equal(rule, answer.Rule);
                }

                // The plain operator token sets up reference data.
                Is(200, await Send(HttpMethod.Put, "/v1/participants/0001", OperatorPlain,
                    """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}"""));
                Is(200, await Send(HttpMethod.Put, "/v1/participants/0002", OperatorPlain,
                    """{"name":"Borrower","netDebitCap":1000000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}"""));
                Is(200, await Send(HttpMethod.Put, $"/v1/securities/{Apple}", OperatorPlain, """{"price":100,"haircut":0.1}"""));
                Is(200, await Send(HttpMethod.Post, "/v1/participants/0001/deposits", OperatorPlain, $$"""{"cusip":"{{Apple}}","shares":1000}"""));

                // Tokens the file holds only as hashes: occ submits, the borrower reads its own, risk reads a journal.
                var submitted = await Send(HttpMethod.Post, "/v1/deliver-orders", OccHashed,
                    $$"""[{"id":"SEC-1","deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":100,"amount":10000,"reasonCode":"LOAN"}]""");
                Is(200, submitted);
                Assert.True(submitted.Json[0].GetProperty("accepted").GetBoolean(), submitted.Body);
                Is(200, await Send(HttpMethod.Get, "/v1/deliver-orders/SEC-1", BorrowerHashed));
                Is(200, await Send(HttpMethod.Get, "/v1/participants/0002/account", BorrowerHashed));
                Is(403, await Send(HttpMethod.Get, "/v1/participants/0001/account", BorrowerHashed), "own-participant");
                Is(403, await Send(HttpMethod.Post, "/v1/deliver-orders", BorrowerHashed, "[]"), "role");
                Is(200, await Send(HttpMethod.Get, "/v1/participants/0002/journal", RiskHashed));
                Is(200, await Send(HttpMethod.Get, "/v1/deliver-orders/SEC-1", LenderPlain));

                // Refused: an unknown token, a demo token (a file is given), the stored hash presented as the token.
                Is(401, await Send(HttpMethod.Get, "/v1/participants/0002/account", Unknown), "bearer-token");
                Is(401, await Send(HttpMethod.Get, "/v1/participants/0002/account", "operator-demo"), "bearer-token");
                Is(401, await Send(HttpMethod.Get, "/v1/participants/0002/account", Hex(BorrowerHashed)), "bearer-token");
                Is(401, await Send(HttpMethod.Get, "/v1/participants/0002/account", Hex(OccHashed).ToLowerInvariant()), "bearer-token");
                Is(401, await Send(HttpMethod.Get, "/v1/participants/0002/account", null,
                    authorization: "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"operator:{OperatorPlain}"))), "bearer-token");
                Is(401, await Send(HttpMethod.Get, "/v1/participants/0002/account", null, authorization: $"Bearer {OperatorPlain} {OccHashed}"), "bearer-token");
                // A token in the query string or the body is refused by name, never echoed.
                Is(400, await Send(HttpMethod.Get, $"/v1/participants/0002/account?access_token={OccHashed}", RiskHashed), "query-parameter-known");
                Is(400, await Send(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", OperatorPlain,
                    $$"""{"amount":1,"token":"{{OccHashed}}"}"""), "field-known");

                // Limits on the real server: more deliver orders than a batch takes, and a body over 16 MiB.
                var order = $$"""{"id":"L-0","deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":1,"amount":1,"reasonCode":"LOAN"}""";
                var batch = "[" + string.Join(",", Enumerable.Repeat(order, 10_001)) + "]";
                var tooMany = await Send(HttpMethod.Post, "/v1/deliver-orders", OccHashed, batch);
                Is(413, tooMany, "batch-size-max");
                Assert.Equal("body", tooMany.Json.GetProperty("field").GetString());
                var huge = "[" + string.Join(",", Enumerable.Repeat(order, 17 * 1024 * 1024 / order.Length + 1)) + "]";
                // The node answers 413 from Content-Length; 100-continue keeps the client from writing the rest first.
                var tooLarge = await Send(HttpMethod.Post, "/v1/deliver-orders", OccHashed, huge, expectContinue: true);
                Is(413, tooLarge, "body-size-max");
                Assert.Equal("body", tooLarge.Json.GetProperty("field").GetString());
                Is(403, await Send(HttpMethod.Get, "/v1/deliver-orders/L-0", BorrowerHashed), "deliver-order-party");
                Is(404, await Send(HttpMethod.Get, "/v1/deliver-orders/L-0", OccHashed), "deliver-order-known");
                return LedgerServer.ExitOk;
            });

        Assert.Equal(LedgerServer.ExitOk, exit);
        // The request log is written as each response goes; the last one names its status.
        var text = log.Everything();
        foreach (var status in new[] { 200, 400, 401, 403, 404, 413 }) Assert.Contains($"responded {status}", text);
        Assert.Contains("Serving 5 tokens from", text);
        Assert.Contains("participant 0002", text); // the caller is logged by what it is, so the checks below look at a log that has callers in it

        string[] secrets = [OperatorPlain, OccHashed, BorrowerHashed, LenderPlain, RiskHashed, Unknown];
        var forbidden = secrets
            .Concat(secrets.Select(Hex))
            .Concat(["Bearer", "Authorization", "access_token="])
            .ToList();
        foreach (var secret in forbidden)
        {
            Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the log holds '{secret}'");
        }
        foreach (var secret in secrets.Concat(secrets.Select(Hex)))
        {
            Assert.DoesNotContain(answers, a => a.Body.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>
    /// A request path is attacker's text: decoded, <c>%0A</c> would start a forged log line and
    /// <c>%1B</c> would send escape sequences to the operator's terminal. The real program, in its
    /// default console format: every request line stays one line, with the characters shown as
    /// escapes, and nothing the log prints holds a control, format or direction character.
    /// </summary>
    [Fact]
    public async Task Logged_request_paths_are_escaped_so_no_line_is_forged_and_no_terminal_escape_is_sent()
    {
        using var folder = new TempFolder();
        var port = Ledger.Benchmarks.Crash.LedgerProcess.FreeLoopbackPort();
        await using var ledger = LedgerCommand.Start(folder.Path,
            ["serve", "--demo-tokens", "--urls", $"http://127.0.0.1:{port}", "--data-dir", Path.Combine(folder.Path, "data")]);
        await ledger.WaitForOutputAsync(l => l.Contains("Listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "the node listening");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        // No "/" in it: Kestrel keeps %2F encoded in the path, every other escape is decoded.
        const string forged = "[12:00:00 INF] Ledger.Host: Serving 1 tokens from forged.json";

        async Task<int> Get(string rawPath)
        {
            // The path goes on the wire as written: percent-escapes and all.
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}{rawPath}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "operator-demo");
            return (int)(await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(404, await Get("/v1/forged%0A" + Uri.EscapeDataString(forged)));
        Assert.Equal(404, await Get("/v1/crlf%0D%0A" + Uri.EscapeDataString(forged)));
        Assert.Equal(404, await Get("/v1/ansi%1B%5B2J%1B%5B31mred%07"));
        Assert.Equal(404, await Get("/v1/bidi%E2%80%AEtxt.exe%E2%80%A8next%C2%85nel"));
        Assert.Equal(404, await Get("/v1/last-of-the-hostile-paths"));
        await ledger.WaitForOutputAsync(l => l.Contains("/v1/last-of-the-hostile-paths", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the last request's log line");

        var lines = ledger.Output;
        // Not a line of the log starts with the forged text, and every request line holds its path whole, escaped.
        Assert.DoesNotContain(lines, l => l.StartsWith(forged, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@"HTTP GET /v1/forged\n" + forged + " responded 404", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@"HTTP GET /v1/crlf\r\n" + forged + " responded 404", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@"HTTP GET /v1/ansi\u001B[2J\u001B[31mred\u0007 responded 404", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@"HTTP GET /v1/bidi\u202Etxt.exe\u2028next\u0085nel responded 404", StringComparison.Ordinal));
        foreach (var line in lines.Concat(ledger.Error))
        {
            var unsafeCharacter = line.FirstOrDefault(c => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
                or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);
            Assert.True(unsafeCharacter == default, $"U+{(int)unsafeCharacter:X4} in the log: {line}");
        }
    }
}
