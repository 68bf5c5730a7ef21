using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Host.Verbs;

/// <summary>One deliver order as OCC sends it: the body items of <c>POST /v1/deliver-orders</c>.</summary>
public sealed record DeliverOrderLine(string Id, string Deliverer, string Receiver, string Cusip, long Shares, decimal Amount, string? ReasonCode);

/// <summary>The node's answer to one deliver order of a batch.</summary>
public sealed record SubmitAnswer(string? Id, bool Accepted, string? Status, SubmitAnswerError? Error);

public sealed record SubmitAnswerError(string? Field, string? Rule, string? Message);

/// <summary>A deliver order as <c>GET /v1/deliver-orders/{id}</c> shows it; unknown fields are ignored.</summary>
public sealed record DeliverOrderAnswer(
    string Id,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    decimal Amount,
    string Status,
    string? PendingReason,
    string? CompletedBy,
    string? ReclaimOf);

public sealed record AccountPosition(string Cusip, long Shares, long ReservedShares);

public sealed record AccountPending(string DeliverOrderId, string Side, string Reason);

/// <summary>An account as <c>GET /v1/participants/{id}/account</c> shows it; unknown fields are ignored.</summary>
public sealed record AccountAnswer(
    string Participant,
    string? Name,
    string? BusinessDate,
    decimal SettlementBalance,
    decimal NetDebit,
    decimal NetDebitCap,
    decimal ParticipantsFund,
    decimal CollateralMonitor,
    IReadOnlyList<AccountPosition> Positions,
    IReadOnlyList<AccountPending> Pending);

public sealed record BusinessDayAnswer(bool Ok, string? BusinessDate, string? NextBusinessDate, int Accounts, string? Message);

public sealed record ParticipantBody(string Name, decimal NetDebitCap, decimal ParticipantsFund, bool MarketLoanProgram, bool CentralCounterparty);

/// <summary>An RFC 7807 answer of the node, or what stood in for one.</summary>
public sealed record ApiProblem(string? Rule, string? Field, string? Detail, IReadOnlyList<ApiProblemItem>? Errors)
{
    public override string ToString() => $"{Rule ?? "?"}{(Field is null ? "" : $" ({Field})")}: {Detail}";
}

public sealed record ApiProblemItem(int? Index, string? Field, string? Rule, string? Message);

/// <summary>What one call came to: the HTTP status and either the value or the problem.</summary>
public sealed record ApiResult<T>(HttpStatusCode Status, T? Value, ApiProblem? Problem)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    public int Code => (int)Status;

    public string Describe() => Ok ? $"{Code}" : $"HTTP {Code} {Problem}";
}

/// <summary>The node could not be reached at all (refused, reset, timed out) after the retries allowed.</summary>
public sealed class LedgerUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A small typed client of a node's public HTTP API: the CLI's only way into a ledger. It never
/// decides anything; it sends, retries what is safe to repeat, and hands back what the node answered.
/// </summary>
public sealed class LedgerClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Attempts at most for a request that is safe to repeat (a GET, a PUT, a deliver order batch, a deposit or payment with its id: the ledger is idempotent by id).</summary>
    public const int AttemptsMax = 4;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    public LedgerClient(Uri baseAddress, TimeSpan? timeout = null)
        : this(new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(60) }, ownsHttp: true)
    {
    }

    public LedgerClient(HttpClient http, bool ownsHttp = false)
    {
        _http = http;
        _ownsHttp = ownsHttp;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>The first pause between attempts; it doubles each time (or follows Retry-After).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public Task<ApiResult<JsonElement>> ReadyAsync(CancellationToken ct) =>
        SendAsync<JsonElement>(HttpMethod.Get, "/health/ready", null, null, idempotent: true, ct);

    public Task<ApiResult<JsonElement>> PutParticipantAsync(string token, string id, ParticipantBody body, CancellationToken ct) =>
        SendAsync<JsonElement>(HttpMethod.Put, $"/v1/participants/{id}", token, body, idempotent: true, ct);

    public Task<ApiResult<JsonElement>> PutSecurityAsync(string token, string cusip, decimal price, decimal haircut, CancellationToken ct) =>
        SendAsync<JsonElement>(HttpMethod.Put, $"/v1/securities/{cusip}", token, new { price, haircut }, idempotent: true, ct);

    /// <summary>
    /// A deposit under the idempotency <paramref name="id"/> (unique within the participant's
    /// account): repeated when the node could not answer, as the account applies an id once.
    /// </summary>
    public Task<ApiResult<AccountAnswer>> DepositAsync(string token, string participant, string id, string cusip, long shares, CancellationToken ct) =>
        SendAsync<AccountAnswer>(HttpMethod.Post, $"/v1/participants/{participant}/deposits", token, new { id, cusip, shares }, idempotent: true, ct);

    /// <summary>A settlement progress payment under the idempotency <paramref name="id"/>: repeated when the node could not answer, as a deposit is.</summary>
    public Task<ApiResult<AccountAnswer>> SettlementProgressPaymentAsync(string token, string participant, string id, decimal amount, CancellationToken ct) =>
        SendAsync<AccountAnswer>(HttpMethod.Post, $"/v1/participants/{participant}/settlement-progress-payments", token, new { id, amount }, idempotent: true, ct);

    /// <summary>Repeated when the node could not answer: the ledger answers a repeated id with the same result.</summary>
    public Task<ApiResult<IReadOnlyList<SubmitAnswer>>> SubmitAsync(string token, IReadOnlyList<DeliverOrderLine> orders, CancellationToken ct) =>
        SendAsync<IReadOnlyList<SubmitAnswer>>(HttpMethod.Post, "/v1/deliver-orders", token, orders, idempotent: true, ct);

    public Task<ApiResult<DeliverOrderAnswer>> DeliverOrderAsync(string token, string id, CancellationToken ct) =>
        SendAsync<DeliverOrderAnswer>(HttpMethod.Get, $"/v1/deliver-orders/{Uri.EscapeDataString(id)}", token, null, idempotent: true, ct);

    /// <summary>A reclaim carries its own id, so repeating it is as safe as repeating a deliver order.</summary>
    public Task<ApiResult<JsonElement>> ReclaimAsync(string token, string id, string deliverOrderId, CancellationToken ct) =>
        SendAsync<JsonElement>(HttpMethod.Post, "/v1/reclaims", token, new { id, deliverOrderId }, idempotent: true, ct);

    public Task<ApiResult<AccountAnswer>> AccountAsync(string token, string participant, CancellationToken ct) =>
        SendAsync<AccountAnswer>(HttpMethod.Get, $"/v1/participants/{participant}/account", token, null, idempotent: true, ct);

    public Task<ApiResult<BusinessDayAnswer>> CutoffAsync(string token, CancellationToken ct) =>
        SendAsync<BusinessDayAnswer>(HttpMethod.Post, "/v1/business-day/cutoff", token, null, idempotent: false, ct);

    /// <summary>
    /// Closes <paramref name="businessDate"/> (YYYY-MM-DD), named always: a close sent again of the
    /// day it closed answers the same and closes nothing, so it is repeated when the node could not answer.
    /// </summary>
    public Task<ApiResult<BusinessDayAnswer>> CloseAsync(string token, string businessDate, CancellationToken ct) =>
        SendAsync<BusinessDayAnswer>(HttpMethod.Post, "/v1/business-day/close", token, new { businessDate }, idempotent: true, ct);

    /// <summary>
    /// Sends one request. A request that is safe to repeat is tried again when the node could not be
    /// reached or answered 503; anything else comes back as the node answered it.
    /// </summary>
    /// <exception cref="LedgerUnreachableException">No answer at all after the attempts allowed.</exception>
    public async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, string? token, object? body, bool idempotent, CancellationToken ct)
    {
        var attempts = idempotent ? AttemptsMax : 1;
        var delay = RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                if (attempt >= attempts)
                    throw new LedgerUnreachableException($"no answer from {_http.BaseAddress} to {method} {path}: {Message(e)}", e);
                await Task.Delay(delay, ct);
                delay *= 2;
                continue;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < attempts)
                {
                    var wait = response.Headers.RetryAfter?.Delta ?? delay;
                    await Task.Delay(wait < delay ? delay : wait, ct);
                    delay *= 2;
                    continue;
                }
                return await ReadAsync<T>(response, ct);
            }
        }
    }

    private static async Task<ApiResult<T>> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            try
            {
                return new ApiResult<T>(response.StatusCode, JsonSerializer.Deserialize<T>(text, Json), null);
            }
            catch (JsonException e)
            {
                return new ApiResult<T>(response.StatusCode, default, new ApiProblem("answer-shape", null, $"the node's answer could not be read: {e.Message}", null));
            }
        }
        ApiProblem problem;
        try
        {
            problem = JsonSerializer.Deserialize<ApiProblem>(text, Json) ?? new ApiProblem(null, null, text, null);
        }
        catch (JsonException)
        {
            problem = new ApiProblem("http", null, string.IsNullOrWhiteSpace(text) ? response.ReasonPhrase : text, null);
        }
        return new ApiResult<T>(response.StatusCode, default, problem);
    }

    private static string Message(Exception e) => e is TaskCanceledException ? "timed out" : e.InnerException?.Message ?? e.Message;

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
