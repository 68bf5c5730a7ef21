using Ledger.Journal;
using Ledger.Cluster;
using Ledger.Settlement;
using Ledger.Host.Auth;

namespace Ledger.Host.Http;

/// <summary>
/// <c>GET /v1/day</c>: the business day at a glance, for the operator and risk staff (the
/// dashboard's Day page reads it every second). Read-only, and computed from what the node already
/// knows: the reference data, every participant's account view (the same view
/// <c>GET /v1/participants/{id}/account</c> answers) and this node's telemetry (<see cref="DayFigures"/>).
/// </summary>
internal sealed class DayEndpoints : IContextEndpoints
{
    public string Context => "day";

    public string Description => "The business day at a glance, for the dashboard.";

    public void Map(RouteGroupBuilder v1)
    {
        // One summary per app (ContextEndpoints.All is shared by every app in a process): it holds
        // the listener on this node's meter, started with the app and stopped with it.
        var services = ((IEndpointRouteBuilder)v1).ServiceProvider;
        var options = services.GetRequiredService<ApiOptions>();
        var clock = options.Node?.Clock ?? TimeProvider.System;
        var figures = options.Telemetry is { } telemetry ? new DayFigures(telemetry.Meter, clock) : null;
        if (figures is not null) services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(figures.Dispose);
        var summary = new DaySummary(options, figures, clock);
        v1.MapGet("/day", (HttpContext http, ILedger ledger) => summary.AnswerAsync(ledger, http.Caller(), http.RequestAborted)).RequireRole(Role.Operator, Role.Risk)
            .WithSummary("The business day at a glance: counts per second, pending by reason, net debits against caps, collateral monitors near zero, OCC flat, journal latency")
            .Answers<DayView>();
    }
}

public sealed record DayPending(string Reason, int Deliver, int Receive, int Total);

/// <summary>One deliver order in an account's recycle queue, as that account's view lists it.</summary>
public sealed record DayPendingItem(string Participant, string DeliverOrderId, string Side, string Reason, string Counterparty, string Cusip, long Shares, decimal Amount);

public sealed record DayNetDebit(string Participant, string Name, decimal NetDebit, decimal NetDebitCap, decimal? CapUsed);

public sealed record DayCollateral(string Participant, string Name, decimal CollateralMonitor, decimal ParticipantsFund);

public sealed record DayCentralCounterparty(string Participant, string Name, bool Flat, decimal SettlementBalance, long SharesHeld, int Pending);

public sealed record DayDeliverOrders(long AcceptedTotal, long CompletedTotal, IReadOnlyList<DayFigures.Second> PerSecond);

/// <summary>What <c>GET /v1/day</c> answers. Money in dollars, exact to the cent, as the account views give it; times in UTC.</summary>
/// <param name="Caller">The caller's role (operator or risk): the page offers the cutoff and the close to the operator only.</param>
public sealed record DayView(
    string Caller,
    string BusinessDate,
    bool CutoffReached,
    bool Closing,
    DateTime Now,
    DateTime? RecycleCutoffAt,
    long? SecondsToRecycleCutoff,
    int Participants,
    int AccountsRead,
    IReadOnlyList<string> AccountsUnavailable,
    DayDeliverOrders? DeliverOrders,
    int PendingTotal,
    IReadOnlyList<DayPending> PendingByReason,
    IReadOnlyList<DayPendingItem> PendingItems,
    IReadOnlyList<DayNetDebit> LargestNetDebits,
    IReadOnlyList<DayCollateral> CollateralMonitorsNearZero,
    bool? OccFlat,
    IReadOnlyList<DayCentralCounterparty> CentralCounterparties,
    DayFigures.WriteLatency? JournalWriteLatency);

/// <summary>Computes <see cref="DayView"/>; one computation serves every caller for <see cref="Freshness"/>.</summary>
internal sealed class DaySummary(ApiOptions options, DayFigures? figures, TimeProvider clock)
{
    /// <summary>Accounts read for one summary at most (in participant order); the answer says how many were.</summary>
    public const int AccountsReadMax = 2_000;

    /// <summary>Accounts asked at once.</summary>
    private const int AccountsAskedAtOnce = 16;

    /// <summary>Pending deliver orders listed at most (by participant, then id); <see cref="DayView.PendingTotal"/> counts them all.</summary>
    public const int PendingItemsMax = 100;

    /// <summary>Rows in each list of the summary.</summary>
    public const int RowsMax = 8;

    /// <summary>
    /// How long one summary is answered again: dashboards poll every second, and however many are
    /// open, the accounts are read at most twice a second.
    /// </summary>
    private static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(500);

    private readonly object _gate = new();
    private Task<DayView>? _last;
    private DateTimeOffset _lastAt;

    public async Task<IResult> AnswerAsync(ILedger ledger, Caller caller, CancellationToken ct)
    {
        Task<DayView> view;
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (_last is null || _last.IsFaulted || _last.IsCanceled || now - _lastAt >= Freshness)
            {
                // Not tied to this request: another caller may share the computation.
                _last = ComputeAsync(ledger, CancellationToken.None);
                _lastAt = now;
            }
            view = _last;
        }
        return Results.Ok((await view.WaitAsync(ct)) with { Caller = Roles.Name(caller.Role) });
    }

    private async Task<DayView> ComputeAsync(ILedger ledger, CancellationToken ct)
    {
        var reference = await ledger.ReferenceAsync(ct);
        var participants = reference.Participants.Keys.OrderBy(p => p.Value, StringComparer.Ordinal).Take(AccountsReadMax).ToList();
        var accounts = new List<AccountView>(participants.Count);
        var unavailable = new List<string>();
        using (var slots = new SemaphoreSlim(AccountsAskedAtOnce))
        {
            var reads = participants.Select(async p =>
            {
                await slots.WaitAsync(ct);
                try
                {
                    return (Participant: p, View: await ledger.AccountAsync(p, ct), Damaged: false);
                }
                catch (JournalDamagedException)
                {
                    // That account refuses to serve (its own log says why); the day's other figures still stand.
                    return (Participant: p, View: (AccountView?)null, Damaged: true);
                }
                finally
                {
                    slots.Release();
                }
            }).ToList();
            foreach (var read in await Task.WhenAll(reads))
            {
                if (read.View is { } v) accounts.Add(v);
                else if (read.Damaged) unavailable.Add(read.Participant.Value);
            }
        }

        var now = clock.GetUtcNow();
        DateTimeOffset? cutoffAt = options.Node?.RecycleCutoffLocalTime is { } cutoff && reference.BusinessDate != default
            ? BusinessCalendar.CutoffInstant(reference.BusinessDate, cutoff, options.Node.TimeZone)
            : null;
        long? secondsToCutoff = cutoffAt is { } at && !reference.CutoffReached ? Math.Max(0, (long)Math.Ceiling((at - now).TotalSeconds)) : null;

        var pending = accounts.SelectMany(a => a.Pending).ToList();
        var pendingItems = accounts.OrderBy(a => a.Participant, StringComparer.Ordinal)
            .SelectMany(a => a.Pending.Select(p => new DayPendingItem(a.Participant, p.DeliverOrderId, p.Side, p.Reason, p.Counterparty, p.Cusip, p.Shares, p.Amount)))
            .Take(PendingItemsMax)
            .ToList();
        var byReason = new[] { PendReason.Position, PendReason.Collateral, PendReason.NetDebitCap }.Select(r =>
        {
            var name = r.Name();
            var deliver = pending.Count(p => p.Reason == name && p.Side == "deliver");
            var receive = pending.Count(p => p.Reason == name && p.Side == "receive");
            return new DayPending(name, deliver, receive, deliver + receive);
        }).ToList();

        var netDebits = accounts.Where(a => a.NetDebit > 0)
            .OrderByDescending(a => a.NetDebit).ThenBy(a => a.Participant, StringComparer.Ordinal)
            .Take(RowsMax)
            .Select(a => new DayNetDebit(a.Participant, a.Name, a.NetDebit, a.NetDebitCap, a.NetDebitCap > 0 ? Math.Round(a.NetDebit / a.NetDebitCap, 4) : null))
            .ToList();
        var collateral = accounts
            .OrderBy(a => a.CollateralMonitor).ThenBy(a => a.Participant, StringComparer.Ordinal)
            .Take(RowsMax)
            .Select(a => new DayCollateral(a.Participant, a.Name, a.CollateralMonitor, a.ParticipantsFund))
            .ToList();
        var counterparties = accounts.Where(a => a.CentralCounterparty).Select(a =>
        {
            var shares = a.Positions.Sum(p => Math.Abs(p.Shares) + Math.Abs(p.ReservedShares));
            return new DayCentralCounterparty(a.Participant, a.Name, a.SettlementBalance == 0 && shares == 0, a.SettlementBalance, shares, a.Pending.Count);
        }).ToList();

        var telemetry = figures?.Read();
        return new DayView(
            "",
            reference.BusinessDate.ToString("yyyy-MM-dd"),
            reference.CutoffReached,
            reference.Closing,
            now.UtcDateTime,
            cutoffAt?.UtcDateTime,
            secondsToCutoff,
            reference.Participants.Count,
            accounts.Count,
            unavailable,
            telemetry is null ? null : new DayDeliverOrders(telemetry.AcceptedTotal, telemetry.CompletedTotal, telemetry.PerSecond),
            pending.Count,
            byReason,
            pendingItems,
            netDebits,
            collateral,
            counterparties.Count == 0 ? null : counterparties.All(c => c.Flat),
            counterparties,
            telemetry?.JournalWriteLatency);
    }
}
