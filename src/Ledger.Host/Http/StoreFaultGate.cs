using Ledger.Journal;

namespace Ledger.Host.Http;

/// <summary>
/// Answers for the store when it is in a fault, instead of letting a request wait for accounts that
/// cannot persist (before this, a full disk or a stopped database meant a generic 503 after the
/// 30 s ask timeout). Runs after the bearer check, so a caller without a token still gets 401:
/// <list type="bullet">
/// <item>a fault that lasts (the SQLite file replaced or removed): every request answers 503 with its rule at once;</item>
/// <item>a passing fault (full, read-only, unreachable): writes answer 503 with its rule at once; reads go on (accounts answer from memory);</item>
/// <item>a request in flight when a store failure is reported answers 503 with that fault at once.</item>
/// </list>
/// </summary>
internal static class StoreFaultGate
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.RequestServices.GetRequiredService<ApiOptions>().Health is not { } health) return await next(context);
        if (health.StoreFault is { } fault && (fault.Latched || !HttpMethods.IsGet(http.Request.Method))) return Answer(http, fault, inFlight: false);

        var nextFailure = health.NextStoreFailure;
        var aborted = http.RequestAborted;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, nextFailure);
        // The handler's CancellationToken was bound before the filters ran: hand it the linked one.
        for (var i = 0; i < context.Arguments.Count; i++)
        {
            if (context.Arguments[i] is CancellationToken) context.Arguments[i] = linked.Token;
        }
        http.RequestAborted = linked.Token;
        try
        {
            return await next(context);
        }
        catch (Exception e) when (IsCancellation(e) && nextFailure.IsCancellationRequested && !aborted.IsCancellationRequested
                                  && health.StoreFault is { } reported)
        {
            return Answer(http, reported, inFlight: true);
        }
        finally
        {
            http.RequestAborted = aborted;
        }
    }

    private static bool IsCancellation(Exception e) => e is OperationCanceledException
        || (e is AggregateException a && a.InnerExceptions.All(IsCancellation));

    private static IResult Answer(HttpContext http, StoreFault fault, bool inFlight)
    {
        http.Response.Headers.RetryAfter = fault.Latched ? "60" : "5";
        var detail = !inFlight ? fault.Detail + "; this request was not taken"
            : HttpMethods.IsGet(http.Request.Method) ? fault.Detail
            : fault.Detail + "; this request was in flight when the fault arose and may or may not take effect, so look before repeating it";
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, fault.Rule, null, detail);
    }
}
