using Ledger.Cluster;
using Ledger.Settlement;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.Host.Http;

/// <summary>One field at fault: where, which rule, and a sentence for people. <see cref="Index"/> places it in a batch.</summary>
public sealed record FieldProblem(string Field, string Rule, string Message, int? Index = null);

/// <summary>
/// RFC 7807 answers. Every one carries <c>rule</c> (a stable kebab-case name) and, when a field is
/// at fault, <c>field</c>; batch refusals add <c>errors</c>, one per item at fault.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    /// <param name="extensions">More members of the problem (for instance the readiness checks), after rule, field and errors.</param>
    public static IResult Of(int status, string rule, string? field, string detail, IReadOnlyList<FieldProblem>? errors = null,
        IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Type = $"urn:ledger:problem:{rule}",
            Title = Title(status),
            Detail = detail,
        };
        problem.Extensions["rule"] = rule;
        if (field is not null) problem.Extensions["field"] = field;
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors
                .Select(e => new { index = e.Index, field = e.Field, rule = e.Rule, message = e.Message })
                .ToList();
        }
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        }
        return Results.Problem(problem);
    }

    public static IResult Field(FieldProblem p, int status = StatusCodes.Status400BadRequest) => Of(status, p.Rule, p.Field, p.Message);

    public static IResult Entry(EntryError e, int status = StatusCodes.Status400BadRequest) => Of(status, e.RuleName, e.Field, e.Message);

    public static FieldProblem ToField(this EntryError e) => new(e.Field, e.RuleName, e.Message);

    /// <summary>Maps what a ledger command came to; null when it succeeded.</summary>
    public static IResult? Of(CommandResult result)
    {
        if (result.Ok) return null;
        if (result.Error is { } error)
        {
            var status = error.Rule is EntryRejection.UnknownParticipant && error.Field == "id"
                ? StatusCodes.Status404NotFound
                : StatusCodes.Status400BadRequest;
            return Entry(error, status);
        }
        if (result.Rejection is { } rejection)
        {
            var (status, rule, field) = Describe(rejection);
            return Of(status, rule, field, result.Message ?? $"refused: {rule}");
        }
        return Of(StatusCodes.Status409Conflict, "refused", null, result.Message ?? "the ledger refused the request");
    }

    /// <summary>The HTTP reading of each account rejection; every value has its own row.</summary>
    public static (int Status, string Rule, string? Field) Describe(AccountRejection rejection) => rejection switch
    {
        AccountRejection.NotConfigured => (StatusCodes.Status404NotFound, "participant-known", "id"),
        AccountRejection.NotTheDeliverer => (StatusCodes.Status403Forbidden, "deliverer", "id"),
        AccountRejection.DeliveriesInFlight => (StatusCodes.Status409Conflict, "no-deliveries-in-flight", null),
        AccountRejection.UnknownDeliverOrder => (StatusCodes.Status404NotFound, "deliver-order-known", "id"),
        AccountRejection.NotPending => (StatusCodes.Status409Conflict, "deliver-order-pending", "id"),
        AccountRejection.PositionAboveMaximum => (StatusCodes.Status422UnprocessableEntity, "position-maximum", "shares"),
        AccountRejection.BusinessDateMismatch => (StatusCodes.Status409Conflict, "business-date", null),
        AccountRejection.PaymentNotPositive => (StatusCodes.Status400BadRequest, "positive", "amount"),
        AccountRejection.IdempotencyIdOtherPayload => (StatusCodes.Status409Conflict, "idempotency-id-unique", "id"),
        AccountRejection.IdempotencyIdOfEarlierDay => (StatusCodes.Status409Conflict, "idempotency-id-same-day", "id"),
        _ => (StatusCodes.Status409Conflict, "refused", null),
    };

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Content too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        500 => "Internal server error",
        501 => "Not implemented",
        503 => "Service unavailable",
        _ => "Error",
    };
}
