using Ledger.Cluster;
using Ledger.Settlement;

namespace Ledger.Host.Tests.Support;

/// <summary>
/// An in-memory stand-in for the ledger, enough to test the HTTP edge: it keeps reference data,
/// accounts and deliver orders, checks deliver orders with the domain's entry rules as the real
/// ledger does, and records every call that could change something in <see cref="Changes"/>.
/// It settles nothing.
/// </summary>
public sealed class FakeLedger : ILedger
{
    public static readonly DateOnly BusinessDate = new(2026, 1, 5);
    public const string Apple = "037833100";
    public const string Microsoft = "594918104";
    public const string Lender = "0001";
    public const string Borrower = "0002";
    public const string Outsider = "0003";
    public const string Occ = "0900";

    private readonly object _gate = new();
    private readonly Dictionary<string, (string Fingerprint, DeliverOrderView View)> _orders = new(StringComparer.Ordinal);
    private readonly Dictionary<ParticipantId, AccountView> _accounts = new();
    private ReferenceSnapshot _reference = ReferenceSnapshot.Empty(BusinessDate);

    /// <summary>Each call that may change the ledger, by name, in order.</summary>
    public List<string> Changes { get; } = new();

    /// <summary>When set, every call throws what this makes.</summary>
    public Func<Exception>? Failure { get; set; }

    /// <summary>When set, the next cancels answer this outcome whatever the deliver order's status.</summary>
    public CancelOutcome? CancelOutcomeOverride { get; set; }

    public BusinessDayResult CutoffResult { get; set; } = new(true, "2026-01-05", null, 4, null);

    public BusinessDayResult CloseResult { get; set; } = new(true, "2026-01-05", "2026-01-06", 4, null);

    /// <summary>Lender and borrower in the Market Loan Program, an outsider who is not, OCC, and two securities.</summary>
    public static FakeLedger Seeded()
    {
        var ledger = new FakeLedger();
        ledger.Add(new ParticipantRecord(new ParticipantId(Lender), "Lender", Money.FromDollars(1_000_000), Money.FromDollars(10_000), true, false));
        ledger.Add(new ParticipantRecord(new ParticipantId(Borrower), "Borrower", Money.FromDollars(1_000_000), Money.FromDollars(50_000), true, false));
        ledger.Add(new ParticipantRecord(new ParticipantId(Outsider), "Outsider", Money.FromDollars(1_000_000), Money.FromDollars(50_000), false, false));
        ledger.Add(new ParticipantRecord(new ParticipantId(Occ), "OCC", Money.Zero, Money.Zero, true, true));
        ledger.AddSecurity(new Cusip(Apple), Money.FromDollars(100), 0.1m);
        ledger.AddSecurity(new Cusip(Microsoft), Money.FromDollars(400), 0.2m);
        return ledger;
    }

    /// <summary>Puts a deliver order straight in, with the status a test needs.</summary>
    public void AddDeliverOrder(string id, string deliverer, string receiver, string status, string? pendingReason = null)
    {
        lock (_gate)
        {
            _orders[id] = ("", new DeliverOrderView(id, deliverer, receiver, Apple, 100, 10_000m, "", status, pendingReason, null, null));
        }
    }

    public Task<ReferenceSnapshot> ReferenceAsync(CancellationToken ct)
    {
        Fail();
        lock (_gate) return Task.FromResult(_reference);
    }

    public Task<CommandResult> PutParticipantAsync(ParticipantRecord participant, CancellationToken ct)
    {
        Change("put-participant");
        Add(participant);
        return Task.FromResult(CommandResult.Success);
    }

    public Task<CommandResult> PutSecurityAsync(Cusip cusip, Money price, decimal haircut, CancellationToken ct)
    {
        Change("put-security");
        AddSecurity(cusip, price, haircut);
        return Task.FromResult(CommandResult.Success);
    }

    public Task<CommandResult> DepositAsync(ParticipantId participant, Cusip cusip, long shares, IdempotencyId? id, CancellationToken ct)
    {
        Change("deposit");
        lock (_gate)
        {
            var account = _accounts[participant];
            var held = account.Positions.FirstOrDefault(p => p.Cusip == cusip.Value)?.Shares ?? 0;
            var positions = account.Positions.Where(p => p.Cusip != cusip.Value).Append(new PositionView(cusip.Value, held + shares, 0)).ToList();
            _accounts[participant] = account with { Positions = positions, Version = account.Version + 1 };
        }
        return Task.FromResult(CommandResult.Success);
    }

    public Task<CommandResult> SettlementProgressPaymentAsync(ParticipantId participant, Money amount, IdempotencyId? id, CancellationToken ct)
    {
        Change("settlement-progress-payment");
        lock (_gate)
        {
            var account = _accounts[participant];
            _accounts[participant] = account with
            {
                SettlementBalance = account.SettlementBalance + amount.Dollars,
                CollateralMonitor = account.CollateralMonitor + amount.Dollars,
                Version = account.Version + 1,
            };
        }
        return Task.FromResult(CommandResult.Success);
    }

    public Task<IReadOnlyList<SubmitResult>> SubmitAsync(IReadOnlyList<DeliverOrderRequest> orders, CancellationToken ct)
    {
        Change("submit");
        var results = new List<SubmitResult>(orders.Count);
        lock (_gate)
        {
            foreach (var request in orders)
            {
                var (order, error) = EntryRules.Validate(request, _reference);
                if (error is not null)
                {
                    results.Add(new SubmitResult(request.Id, false, "rejected", error));
                }
                else if (_orders.TryGetValue(order!.Id.Value, out var known))
                {
                    results.Add(known.Fingerprint == order.Fingerprint
                        ? new SubmitResult(order.Id.Value, true, known.View.Status, null)
                        : new SubmitResult(order.Id.Value, false, "rejected", new EntryError(EntryRejection.SameIdOtherPayload, "id", "another deliver order has this id")));
                }
                else
                {
                    var view = new DeliverOrderView(order.Id.Value, order.Deliverer.Value, order.Receiver.Value, order.Cusip.Value,
                        order.Shares, order.Amount.Dollars, order.ReasonCode, "accepted", null, null, null);
                    _orders[order.Id.Value] = (order.Fingerprint, view);
                    results.Add(new SubmitResult(order.Id.Value, true, "accepted", null));
                }
            }
        }
        return Task.FromResult<IReadOnlyList<SubmitResult>>(results);
    }

    public Task<DeliverOrderView?> DeliverOrderAsync(DeliverOrderId id, CancellationToken ct)
    {
        Fail();
        lock (_gate) return Task.FromResult(_orders.TryGetValue(id.Value, out var o) ? o.View : null);
    }

    /// <summary>Refuses every reclaim as unknown unless the original exists and the reclaimer received it; then accepts it.</summary>
    public Task<SubmitResult> ReclaimAsync(ReclaimId id, DeliverOrderId original, CancellationToken ct)
    {
        Fail();
        var reclaimId = id.DeliverOrderId;
        lock (_gate)
        {
            if (!_orders.TryGetValue(original.Value, out var o) || o.View.Receiver != id.Reclaimer.Value)
            {
                return Task.FromResult(new SubmitResult(reclaimId.Value, false, "rejected",
                    new EntryError(EntryRejection.UnknownDeliverOrder, "deliverOrderId", $"{original} is not known")));
            }
        }
        Change("reclaim");
        return Task.FromResult(new SubmitResult(reclaimId.Value, true, "accepted", null));
    }

    public Task<CancelResult> CancelAsync(DeliverOrderId id, CancellationToken ct)
    {
        Change("cancel");
        lock (_gate)
        {
            if (!_orders.TryGetValue(id.Value, out var known)) return Task.FromResult(new CancelResult(CancelOutcome.NotFound, null));
            var outcome = CancelOutcomeOverride ?? (known.View.Status is "accepted" or "pending" ? CancelOutcome.Cancelled : CancelOutcome.NotPending);
            if (outcome == CancelOutcome.Cancelled)
            {
                known = (known.Fingerprint, known.View with { Status = "cancelled", PendingReason = null });
                _orders[id.Value] = known;
            }
            return Task.FromResult(new CancelResult(outcome, known.View));
        }
    }

    /// <summary>Every participant whose account was asked for, in order.</summary>
    public List<string> AccountQueries { get; } = new();

    public Task<AccountView?> AccountAsync(ParticipantId participant, CancellationToken ct)
    {
        Fail();
        lock (_gate) AccountQueries.Add(participant.Value);
        lock (_gate) return Task.FromResult(_accounts.TryGetValue(participant, out var a) ? a : null);
    }

    public Task<BusinessDayResult> CutoffAsync(CancellationToken ct)
    {
        Change("cutoff");
        return Task.FromResult(CutoffResult);
    }

    /// <summary>The business date the last close named (null: none named).</summary>
    public DateOnly? CloseNamed { get; private set; }

    public Task<BusinessDayResult> CloseAsync(DateOnly? businessDate, CancellationToken ct)
    {
        Change("close");
        CloseNamed = businessDate;
        return Task.FromResult(CloseResult);
    }

    /// <summary>Holidays by the domain's rules, as the real ledger takes them.</summary>
    public Task<CommandResult> PutHolidayAsync(Holiday holiday, CancellationToken ct)
    {
        Change("holiday");
        lock (_gate)
        {
            if (HolidayRules.CheckDeclare(_reference, holiday) is { } error) return Task.FromResult(new CommandResult(false, error));
            _reference = _reference with { Calendar = _reference.Calendar.With(holiday) };
        }
        return Task.FromResult(CommandResult.Success);
    }

    public Task<CommandResult> DeleteHolidayAsync(DateOnly date, CancellationToken ct)
    {
        Change("holiday-removed");
        lock (_gate)
        {
            if (HolidayRules.CheckRemove(_reference, date) is { } error) return Task.FromResult(new CommandResult(false, error));
            _reference = _reference with { Calendar = _reference.Calendar.Without(date) };
        }
        return Task.FromResult(CommandResult.Success);
    }

    private void Add(ParticipantRecord p)
    {
        lock (_gate)
        {
            _reference = _reference with { Participants = _reference.Participants.SetItem(p.Id, p) };
            _accounts[p.Id] = new AccountView(p.Id.Value, p.Name, "2026-01-05", false, 0m, 0m, p.NetDebitCap.Dollars,
                p.ParticipantsFund.Dollars, p.ParticipantsFund.Dollars, p.MarketLoanProgram, p.CentralCounterparty, [], [], 1);
        }
    }

    private void AddSecurity(Cusip cusip, Money price, decimal haircut)
    {
        lock (_gate)
        {
            var version = _reference.Securities.TryGetValue(cusip, out var old) ? old.Version + 1 : 1;
            _reference = _reference with { Securities = _reference.Securities.SetItem(cusip, new SecurityTerms(price, haircut, version)) };
        }
    }

    private void Change(string name)
    {
        Fail();
        lock (_gate) Changes.Add(name);
    }

    private void Fail()
    {
        if (Failure is { } failure) throw failure();
    }
}
