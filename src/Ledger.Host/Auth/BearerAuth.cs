using Ledger.Host.Http;
using Serilog;

namespace Ledger.Host.Auth;

/// <summary>The query parameters an endpoint takes (<see cref="BearerAuth.AllowQuery"/>); any other is refused.</summary>
public sealed record QueryParameters(IReadOnlyList<string> Names);

/// <summary>
/// The roles an endpoint serves (<see cref="BearerAuth.RequireRole"/>): the very array its filter
/// checks, kept as metadata so that the OpenAPI document states each route's roles from the same source.
/// </summary>
public sealed record RequiredRoles(IReadOnlyList<Role> Roles);

/// <summary>
/// Bearer-token checks as an endpoint filter: 401 without a known token, 403 with a role the
/// endpoint does not serve. Rules that depend on the participant in the path are the handler's.
/// Once the caller is let in, a query parameter the endpoint does not take, or one given twice, is
/// 400: a misspelt <c>?asof=</c> or <c>?form=</c> must not silently answer something else.
/// </summary>
public static class BearerAuth
{
    /// <summary>Names the query parameters the endpoint takes (case-insensitive, as ASP.NET Core reads them).</summary>
    public static RouteHandlerBuilder AllowQuery(this RouteHandlerBuilder endpoint, params string[] names) =>
        endpoint.WithMetadata(new QueryParameters(names));

    public static RouteHandlerBuilder RequireRole(this RouteHandlerBuilder endpoint, params Role[] roles) =>
        endpoint.WithMetadata(new RequiredRoles(roles)).AddEndpointFilter(async (context, next) =>
            Authorize(context.HttpContext, roles) ?? QueryProblem(context.HttpContext) ?? await next(context))
            // After the caller is let in: a store fault answers at once (StoreFaultGate).
            .AddEndpointFilter(StoreFaultGate.Filter);

    /// <summary>
    /// The same check for a middleware branch (the metrics scrape endpoint is not a route handler):
    /// answers the refusal itself, or passes the request on.
    /// </summary>
    public static void UseRequireRole(this IApplicationBuilder branch, params Role[] roles) =>
        branch.Use(async (HttpContext http, RequestDelegate next) =>
        {
            if (Authorize(http, roles) is { } refusal) await refusal.ExecuteAsync(http);
            else await next(http);
        });

    /// <summary>Null when the request carries a known token of one of <paramref name="roles"/>; otherwise the 401 or 403 to answer.</summary>
    private static IResult? Authorize(HttpContext http, Role[] roles)
    {
        var tokens = http.RequestServices.GetRequiredService<TokenStore>();
        if (!TryReadBearer(http.Request, out var token))
            return Unauthorized(http, "Bearer", "send Authorization: Bearer <token>");
        var caller = tokens.Find(token);
        if (caller is null)
            return Unauthorized(http, "Bearer error=\"invalid_token\"", "the bearer token is not known to this node");

        http.Items[typeof(Caller)] = caller;
        http.RequestServices.GetService<IDiagnosticContext>()?.Set("Caller", caller.ToString());
        if (!roles.Contains(caller.Role))
        {
            var allowed = string.Join(" or ", roles.Select(Roles.Name));
            return Problems.Of(StatusCodes.Status403Forbidden, "role", null, $"this request is for {allowed}; the token is for {caller}");
        }
        return null;
    }

    /// <summary>The caller the filter found; only for handlers behind <see cref="RequireRole"/>.</summary>
    public static Caller Caller(this HttpContext http) =>
        http.Items[typeof(Caller)] as Caller ?? throw new InvalidOperationException("endpoint has no RequireRole filter");

    private static IResult? QueryProblem(HttpContext http)
    {
        var allowed = http.GetEndpoint()?.Metadata.GetMetadata<QueryParameters>()?.Names ?? [];
        foreach (var (name, values) in http.Request.Query)
        {
            var shown = JsonFields.Shown(name);
            if (!allowed.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                var takes = allowed.Count == 0 ? "this request takes no query parameters" : $"this request takes {string.Join(", ", allowed)}";
                return Problems.Of(StatusCodes.Status400BadRequest, "query-parameter-known", shown, $"{shown} is not a query parameter here; {takes}");
            }
            if (values.Count > 1)
                return Problems.Of(StatusCodes.Status400BadRequest, "query-parameter-unique", shown, $"{shown} is given {values.Count} times; give it once");
        }
        return null;
    }

    private static bool TryReadBearer(HttpRequest request, out string token)
    {
        token = "";
        var values = request.Headers.Authorization;
        if (values.Count != 1) return false;
        var header = values[0];
        const string scheme = "Bearer ";
        if (header is null || header.Length <= scheme.Length || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        token = header[scheme.Length..].Trim();
        return token.Length > 0;
    }

    private static IResult Unauthorized(HttpContext http, string challenge, string detail)
    {
        http.Response.Headers.WWWAuthenticate = challenge;
        return Problems.Of(StatusCodes.Status401Unauthorized, "bearer-token", null, detail);
    }
}
