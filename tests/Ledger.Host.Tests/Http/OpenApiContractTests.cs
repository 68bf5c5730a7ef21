using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Host.Auth;
using Ledger.Host.Http;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Ledger.Host.Tests;

/// <summary>
/// The OpenAPI document the node serves at <c>/openapi/v1.json</c> against the routes the app
/// really maps (the endpoint data source <see cref="RoleMatrixTests"/> reads): every route with its
/// method, its roles, its body, its refusals; and its reading at <c>/docs</c>, served from the node
/// alone. The document is also checked by two validators no one here wrote
/// (<see cref="Swagger_parser_and_redocly_lint_accept_the_document"/>).
/// </summary>
[Collection("real-node")]
public sealed class OpenApiContractTests : IAsyncLifetime
{
    private ApiHost _api = null!;
    private JsonElement _document;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(new FakeLedger());
        var response = await _api.SendAsync(HttpMethod.Get, ApiContract.DocumentPath, token: null);
        response.AssertAnswerHeaders();
        _document = await response.AssertOk();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    /// <summary>Each mapped API route ("METHOD /pattern") with its endpoint; the document's own routes (excluded from it) left out.</summary>
    private Dictionary<string, RouteEndpoint> ApiRoutes()
    {
        var routes = new Dictionary<string, RouteEndpoint>(StringComparer.Ordinal);
        foreach (var endpoint in _api.RouteEndpoints())
        {
            var excluded = endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true;
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
            {
                var route = $"{method} {endpoint.RoutePattern.RawText}";
                if (excluded)
                {
                    // Only the document, its reading and the dashboard's page may stay out of the document.
                    Assert.True(endpoint.RoutePattern.RawText == "/" || endpoint.RoutePattern.RawText!.StartsWith("/openapi/", StringComparison.Ordinal)
                        || endpoint.RoutePattern.RawText!.StartsWith(ApiContract.DocsPath, StringComparison.Ordinal), $"{route} is left out of the OpenAPI document");
                    continue;
                }
                routes.Add(route, endpoint);
            }
        }
        return routes;
    }

    private IEnumerable<(string Route, JsonElement Operation)> Operations() =>
        _document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(o => o.Name is "get" or "put" or "post" or "delete" or "patch")
            .Select(o => ($"{o.Name.ToUpperInvariant()} {path.Name}", o.Value)));

    private JsonElement Operation(string route) => Operations().Single(o => o.Route == route).Operation;

    [Fact]
    public void Every_mapped_route_is_in_the_document_with_its_method_and_nothing_else_is()
    {
        var mapped = ApiRoutes().Keys.Order(StringComparer.Ordinal).ToList();
        var documented = Operations().Select(o => o.Route).Order(StringComparer.Ordinal).ToList();

        Assert.Contains("POST /v1/deliver-orders", mapped);
        Assert.Contains("GET /health/ready", mapped);
        Assert.Equal(mapped, documented);
        Assert.Equal("3.1.1", _document.GetProperty("openapi").GetString());
        var ids = Operations().Select(o => o.Operation.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(Operations(), o => Assert.False(string.IsNullOrWhiteSpace(o.Operation.GetProperty("summary").GetString()), $"{o.Route} has no summary"));
    }

    [Fact]
    public void Each_operation_requires_a_bearer_token_of_exactly_the_roles_its_route_serves()
    {
        var scheme = _document.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiContract.BearerScheme);
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        foreach (var (route, endpoint) in ApiRoutes())
        {
            var security = Operation(route).GetProperty("security").EnumerateArray().ToList();
            if (endpoint.Metadata.GetMetadata<RequiredRoles>() is not { } required)
            {
                Assert.True(security.Count == 0, $"{route} takes no token, yet the document asks for one");
                continue;
            }
            var requirement = Assert.Single(security);
            var roles = requirement.GetProperty(ApiContract.BearerScheme).EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(required.Roles.Select(r => (string?)Ledger.Host.Auth.Roles.Name(r)).Order(StringComparer.Ordinal).ToList(), roles);
        }
        // The roles as the role matrix knows them, for a few routes: not only the metadata read back.
        Assert.Equal(["operator"], DocumentedRoles("PUT /v1/participants/{id}"));
        Assert.Equal(["occ"], DocumentedRoles("POST /v1/deliver-orders"));
        Assert.Equal(["operator", "participant", "risk"], DocumentedRoles("GET /v1/participants/{id}/account"));
        Assert.Equal(["risk"], DocumentedRoles("GET /v1/participants/{id}/journal"));
    }

    private List<string?> DocumentedRoles(string route) => Operation(route).GetProperty("security")[0].GetProperty(ApiContract.BearerScheme)
        .EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Which routes read a body is found by asking each one: sent an object with a field no route
    /// takes, a route that reads its body refuses it by name (field-known, or json-type where it
    /// wants an array), and one that does not goes on. Exactly those have a request body in the document.
    /// </summary>
    [Fact]
    public async Task A_route_has_a_request_body_in_the_document_exactly_when_it_reads_one()
    {
        var readers = new List<string>();
        foreach (var (route, endpoint) in ApiRoutes())
        {
            var method = route.Split(' ')[0];
            var operation = Operation(route);
            if (method is "GET")
            {
                Assert.False(operation.TryGetProperty("requestBody", out _), $"{route} documents a body");
                continue;
            }
            var path = Regex.Replace(endpoint.RoutePattern.RawText!, @"\{(\w+)[^}]*\}", m => m.Groups[1].Value switch { "cusip" => FakeLedger.Apple, "date" => "2030-01-02", _ => "0001" });
            var role = endpoint.Metadata.GetMetadata<RequiredRoles>()?.Roles[0];
            var token = role switch
            {
                null => null,
                Role.Participant => "participant-0001",
                _ => $"{Ledger.Host.Auth.Roles.Name(role.Value)}-demo",
            };
            var response = await _api.SendAsync(new HttpMethod(method), path, token, """{"notAFieldOfAnyRoute":1}""");
            var body = await response.Content.ReadAsStringAsync();
            var reads = response.StatusCode == HttpStatusCode.BadRequest
                && JsonDocument.Parse(body).RootElement.GetProperty("rule").GetString() is "field-known" or "json-type";
            Assert.True(reads == operation.TryGetProperty("requestBody", out var requestBody),
                $"{route}: answered {(int)response.StatusCode} {body}; the document {(reads ? "has no" : "has a")} request body");
            if (!reads) continue;
            readers.Add(route);
            var schema = requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema");
            Assert.True(schema.TryGetProperty("$ref", out _) || schema.TryGetProperty("items", out _), $"{route}: {schema}");
        }
        Assert.Equal(
            ["POST /v1/deliver-orders", "POST /v1/participants/{id}/deposits", "POST /v1/participants/{id}/income-halts",
             "POST /v1/participants/{id}/rebate-statements/{month}/reconcile", "POST /v1/participants/{id}/settlement-progress-payments",
             "POST /v1/participants/{id}/stock-loan-adjustments", "POST /v1/recall-hub/messages", "POST /v1/reclaims",
             "PUT /v1/calendar/holidays/{date}", "PUT /v1/participants/{id}", "PUT /v1/recall-hub/subscribers/{participant}", "PUT /v1/recall-hub/vendors/{vendor}", "PUT /v1/securities/{cusip}", "PUT /v1/securities/{cusip}/distributions/{id}"],
            readers.Where(r => r.Contains(" /v1/", StringComparison.Ordinal) && !r.Contains("business-day", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_tag_an_operation_carries_is_described_in_the_contexts_own_words()
    {
        var tags = _document.GetProperty("tags").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.TryGetProperty("description", out var d) ? d.GetString() : null);
        var used = _document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("tags", out _))
            .SelectMany(o => o.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)).ToHashSet();

        Assert.All(used, tag => Assert.False(string.IsNullOrWhiteSpace(tags.GetValueOrDefault(tag)), $"tag {tag} has no description"));
        Assert.All(ContextEndpoints.All, c => Assert.Equal(c.Description, tags[c.Context]));
    }

    [Fact]
    public void The_documented_deposit_body_has_the_fields_the_route_reads_and_an_optional_idempotency_id()
    {
        var schemas = _document.GetProperty("components").GetProperty("schemas");
        var deposit = schemas.GetProperty("DepositBody");
        Assert.Equal(["cusip", "id", "shares"], deposit.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["cusip", "shares"], deposit.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        // Whole shares as JSON integers, money as exact decimals: never a string, never a double.
        Assert.Equal("integer", deposit.GetProperty("properties").GetProperty("shares").GetProperty("type").GetString());
        var amount = schemas.GetProperty("PaymentBody").GetProperty("properties").GetProperty("amount");
        Assert.Equal("number", amount.GetProperty("type").GetString());
        Assert.Equal("decimal", amount.GetProperty("format").GetString());
    }

    [Fact]
    public void Refusals_are_problem_json_with_field_and_rule_naming_the_rules_each_route_can_answer()
    {
        var problem = _document.GetProperty("components").GetProperty("schemas").GetProperty(ApiContract.ProblemSchema);
        var members = problem.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("field", members);
        Assert.Contains("rule", members);
        Assert.Contains("rule", problem.GetProperty("required").EnumerateArray().Select(r => r.GetString()));

        foreach (var (route, endpoint) in ApiRoutes())
        {
            var responses = Operation(route).GetProperty("responses");
            foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var schema = response.Value.GetProperty("content").GetProperty(Problems.ContentType).GetProperty("schema");
                Assert.Equal($"#/components/schemas/{ApiContract.ProblemSchema}", schema.GetProperty("allOf")[0].GetProperty("$ref").GetString());
                Assert.NotEmpty(schema.GetProperty("properties").GetProperty("rule").GetProperty("enum").EnumerateArray());
            }
            // Each rule a route names beside it is in the document under its status.
            foreach (var own in endpoint.Metadata.GetOrderedMetadata<ProblemRules>())
            {
                var listed = Rules(responses, own.Status);
                Assert.All(own.Rules, rule => Assert.Contains(rule, listed));
            }
            if (endpoint.Metadata.GetMetadata<RequiredRoles>() is not null)
            {
                Assert.Contains("bearer-token", Rules(responses, 401));
                Assert.Contains("role", Rules(responses, 403));
                Assert.Contains("query-parameter-known", Rules(responses, 400));
                Assert.Contains("store-full", Rules(responses, 503));
            }
        }
        // From the contract table, as a reader of the document would look them up.
        Assert.Contains("idempotency-id-unique", Rules(Operation("POST /v1/participants/{id}/deposits").GetProperty("responses"), 409));
        Assert.Contains("deliver-order-party", Rules(Operation("GET /v1/deliver-orders/{id}").GetProperty("responses"), 403));
        Assert.Contains("batch-size-max", Rules(Operation("POST /v1/deliver-orders").GetProperty("responses"), 413));
        Assert.Contains("body-size-max", Rules(Operation("POST /v1/deliver-orders").GetProperty("responses"), 413));
        Assert.Contains("explanation-retained", Rules(Operation("GET /v1/deliver-orders/{id}/explanation").GetProperty("responses"), 410));
        Assert.Contains("journal-reachable", Rules(Operation("GET /health/ready").GetProperty("responses"), 503));
        Assert.False(Operation("GET /health/live").GetProperty("responses").TryGetProperty("401", out _));
    }

    private static List<string?> Rules(JsonElement responses, int status) =>
        responses.TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response)
            ? response.GetProperty("content").GetProperty(Problems.ContentType).GetProperty("schema").GetProperty("properties").GetProperty("rule")
                .GetProperty("enum").EnumerateArray().Select(r => r.GetString()).ToList()
            : [];

    [Fact]
    public void Query_parameters_a_route_takes_are_documented()
    {
        var account = Operation("GET /v1/participants/{id}/account").GetProperty("parameters").EnumerateArray().ToList();
        Assert.Contains(account, p => p.GetProperty("name").GetString() == "asOf" && p.GetProperty("in").GetString() == "query");
        Assert.Contains(account, p => p.GetProperty("name").GetString() == "id" && p.GetProperty("in").GetString() == "path");
        var journal = Operation("GET /v1/participants/{id}/journal").GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(["from", "to"], journal);
    }

    /// <summary>
    /// The metrics scrape is a middleware branch, not a route: on a node that exports metrics the
    /// document adds it with the roles its branch checks, and those are the roles that get through.
    /// </summary>
    [Fact]
    public async Task On_a_node_that_exports_metrics_the_scrape_is_documented_with_the_roles_that_get_through()
    {
        Assert.False(_document.GetProperty("paths").TryGetProperty(ApiOptions.MetricsPath, out _), "a node without metrics documents none");
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(folder.Path);
        var document = await (await node.Api.SendAsync(HttpMethod.Get, ApiContract.DocumentPath, token: null)).AssertOk();

        var scrape = document.GetProperty("paths").GetProperty(ApiOptions.MetricsPath).GetProperty("get");
        var roles = scrape.GetProperty("security")[0].GetProperty(ApiContract.BearerScheme).EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["operator", "risk"], roles);
        foreach (var role in new[] { "operator", "occ", "risk" })
        {
            var answer = await node.Api.SendAsync(HttpMethod.Get, ApiOptions.MetricsPath, $"{role}-demo");
            Assert.True(roles.Contains(role) == (answer.StatusCode == HttpStatusCode.OK), $"{role}: {(int)answer.StatusCode}");
        }
        Assert.Contains("role", Rules(scrape.GetProperty("responses"), 403));
        Assert.Equal("text/plain", scrape.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().Single().Name);
    }

    /// <summary>The reading of the contract needs no internet: the page and everything it loads come from the node.</summary>
    [Fact]
    public async Task Docs_answer_html_from_the_node_that_references_no_other_host()
    {
        var redirect = await _api.SendAsync(HttpMethod.Get, ApiContract.DocsPath, token: null);
        var page = redirect.StatusCode == HttpStatusCode.Found
            ? await _api.SendAsync(HttpMethod.Get, new Uri(new Uri("http://localhost" + ApiContract.DocsPath), redirect.Headers.Location!).AbsolutePath, token: null)
            : redirect;
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        page.AssertAnswerHeaders();
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();

        Assert.DoesNotMatch(new Regex(@"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", RegexOptions.IgnoreCase), html);
        Assert.Contains("\"withDefaultFonts\":false", html);
        Assert.Contains("\"telemetry\":false", html);
        Assert.Contains("openapi/v1.json", html);
        var assets = Regex.Matches(html, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            Assert.False(Uri.TryCreate(asset, UriKind.Absolute, out _), $"{asset} is not the node's own");
            var answer = await _api.SendAsync(HttpMethod.Get, page.RequestMessage!.RequestUri!.AbsolutePath + asset, token: null);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)answer.StatusCode}");
            Assert.Equal("text/javascript", answer.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>The contract routes take nothing but a GET: anything else is refused as every route refuses it, with a problem naming the rule.</summary>
    [Theory]
    [InlineData("POST", "/openapi/v1.json", 405, "method-allowed")]
    [InlineData("PUT", "/openapi/v1.json", 405, "method-allowed")]
    [InlineData("DELETE", "/openapi/v1.json", 405, "method-allowed")]
    [InlineData("GET", "/openapi/v2.json", 404, "route-known")]
    [InlineData("GET", "/openapi/%0A%1B%5B31m.json", 404, "route-known")]
    [InlineData("GET", "/openapi/v1.yaml", 404, "route-known")]
    [InlineData("POST", "/docs/", 405, "method-allowed")]
    [InlineData("DELETE", "/docs/scalar.js", 405, "method-allowed")]
    [InlineData("GET", "/docs/scalar.js/..%2F..%2Fopenapi%2Fv1.json", 404, "route-known")]
    public async Task Anything_but_reading_the_contract_is_refused_by_rule(string method, string path, int status, string rule)
    {
        var response = await _api.SendAsync(new HttpMethod(method), path, token: null, json: method == "GET" ? null : "{}");

        await response.AssertProblem(status, rule);
        response.AssertAnswerHeaders();
    }

    /// <summary>
    /// The independent check: the live document, written to a file, is validated by
    /// @apidevtools/swagger-parser 13.1.0 and linted by @redocly/cli 2.77.0 (its recommended rules),
    /// both pinned by tests/Ledger.Host.Tests/openapi-check/package-lock.json and installed by .ci/run.
    /// Outside CI it skips, saying why, when node or the packages are missing; under CI=true it fails.
    /// </summary>
    [SkippableFact]
    public async Task Swagger_parser_and_redocly_lint_accept_the_document()
    {
        var node = FindOnPath("node") ?? throw TestEnvironment.Unavailable("node", "no 'node' executable on PATH; install Node.js");
        var folder = Path.Combine(RepositoryRoot(), "tests", "Ledger.Host.Tests", "openapi-check");
        foreach (var (package, version) in new[] { ("@apidevtools/swagger-parser", "13.1.0"), ("@redocly/cli", "2.77.0") })
        {
            var manifest = Path.Combine(folder, "node_modules", package, "package.json");
            if (!File.Exists(manifest))
                throw TestEnvironment.Unavailable(package, $"{manifest} is missing; run: npm ci --prefix tests/Ledger.Host.Tests/openapi-check --ignore-scripts");
            Assert.Equal(version, JsonDocument.Parse(await File.ReadAllTextAsync(manifest)).RootElement.GetProperty("version").GetString());
        }

        using var temp = new TempDirectory("ledger-openapi");
        var file = temp.Combine("ledger-openapi-v1.json");
        await File.WriteAllTextAsync(file, _document.GetRawText());

        var (parserExit, parserOut, parserErr) = await RunAsync(node, folder, Path.Combine(folder, "validate.js"), file);
        Assert.True(parserExit == 0, $"swagger-parser refused the document: {parserOut} {parserErr}");
        var verdict = JsonDocument.Parse(parserOut.Trim()).RootElement;
        Assert.True(verdict.GetProperty("valid").GetBoolean());
        Assert.Equal(Operations().Select(o => o.Route.Split(' ')[1]).Distinct().Count(), verdict.GetProperty("paths").GetInt32());

        var (lintExit, lintOut, lintErr) = await RunAsync(node, folder,
            Path.Combine(folder, "node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", file, "--config", Path.Combine(folder, "redocly.yaml"), "--format", "stylish");
        Assert.True(lintExit == 0, $"redocly lint found errors in the document:\n{lintOut}\n{lintErr}");
        Assert.Contains("valid", lintOut + lintErr);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string executable, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No usage reports and no update checks from a test run (and no internet to send them to).
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', arguments)} did not finish within 2 minutes");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }
}
