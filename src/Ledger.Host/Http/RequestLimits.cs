using Microsoft.AspNetCore.Http.Features;

namespace Ledger.Host.Http;

/// <summary>Route metadata: the route takes a deliver-order batch, up to <see cref="ApiOptions.BatchBodyBytesMax"/>.</summary>
public sealed class BatchBody
{
    public static readonly BatchBody Instance = new();

    private BatchBody()
    {
    }
}

/// <summary>Route metadata: the route takes a body of its own named limit (<see cref="Name"/>, <see cref="BytesMax"/>), not the small default.</summary>
public sealed record RouteBodyLimit(string Name, long BytesMax);

/// <summary>
/// What the node puts around every request: each route's body limit, enforced before a byte of
/// the body is read, and the headers every answer carries.
/// </summary>
public static class RequestLimits
{
    /// <summary>Marks the route that takes a deliver-order batch: its body may be up to <see cref="ApiOptions.BatchBodyBytesMax"/>.</summary>
    public static RouteHandlerBuilder TakesBatchBody(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(BatchBody.Instance);

    /// <summary>Marks a route whose body may be up to <paramref name="limit"/>'s bytes (a recall message, say).</summary>
    public static RouteHandlerBuilder TakesBody(this RouteHandlerBuilder endpoint, RouteBodyLimit limit) => endpoint.WithMetadata(limit);

    /// <summary>The largest body the matched route takes: a batch route's, or the small one of every other route (and of no route).</summary>
    public static long BodyBytesMax(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<ApiOptions>();
        if (http.GetEndpoint()?.Metadata.GetMetadata<RouteBodyLimit>() is { } own) return own.BytesMax;
        return http.GetEndpoint()?.Metadata.GetMetadata<BatchBody>() is null ? options.RequestBodyBytesMax : options.BatchBodyBytesMax;
    }

    /// <summary>
    /// A Content-Length over the route's limit is answered 413 at once, unread. The server is told
    /// the same limit for this request, so a chunked body is cut off as it passes it (Kestrel fails
    /// the read, which <see cref="JsonBody"/> answers 413; JsonBody also counts what it reads) and an
    /// unread body is not drained past it.
    /// </summary>
    public static async Task BodySize(HttpContext http, RequestDelegate next)
    {
        var bytesMax = BodyBytesMax(http);
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = bytesMax;
        if (http.Request.ContentLength > bytesMax)
        {
            // The body stays unread, so the connection cannot carry another request: say so, and the
            // client opens a new one instead of finding this one closed.
            http.Response.Headers.Connection = "close";
            await JsonBody.TooLarge(bytesMax).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>
    /// Every answer, errors included: not to be kept by a cache or proxy (accounts, positions and
    /// deliver orders are one firm's), and not to be read as anything but its content type.
    /// Set as the answer starts, so that a handler clearing the response cannot drop them.
    /// </summary>
    public static Task AnswerHeaders(HttpContext http, RequestDelegate next)
    {
        http.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.CacheControl = "no-store";
            headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, http.Response);
        return next(http);
    }
}
