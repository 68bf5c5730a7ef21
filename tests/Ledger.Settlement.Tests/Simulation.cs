using System.Text;
using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>What a simulated step does; its numbers are read modulo whatever they choose from.</summary>
public enum StepKind
{
    Deposit,
    Pay,
    Submit,
    Resubmit,
    ResubmitOtherPayload,
    Cancel,
    Cutoff,
    Close,
    Deliver,
    DeliverAll,
    Duplicate,
    Drop,
    Restart,
    Resend,
    Reprice,
    Reconfigure,
    /// <summary>OCC's locked-in pair for a market loan: lender -> OCC and OCC -> borrower, same CUSIP, shares and amount, in either order.</summary>
    Loan,
    /// <summary>The receiver of a completed deliver order reclaims it.</summary>
    Reclaim,
    /// <summary>
    /// A payment order (a loan's mark): one participant pays another, or a Market Loan's two legs
    /// through OCC (payer -> OCC, OCC -> payee, same amount) in either order; sometimes the last one
    /// sent again, or one for the closed previous day.
    /// </summary>
    Mark,
}

public readonly record struct Step(StepKind Kind, int A, int B, int C, int D, int E)
{
    public override string ToString() => $"{Kind}({A},{B},{C},{D},{E})";
}

/// <summary>
/// Participants' funds and caps in thousands of dollars, and the steps to run. With
/// <see cref="IdempotencyIds"/>, a deposit or payment step may go under an idempotency id, send the
/// last one again, or its id with another payload (chosen by the step's D).
/// </summary>
public sealed record Workload(int[] FundsThousands, int[] CapsThousands, Step[] Steps, bool IdempotencyIds = false)
{
    public override string ToString() =>
        $"funds [{string.Join(",", FundsThousands)}]k caps [{string.Join(",", CapsThousands)}]k{(IdempotencyIds ? " ids" : "")} steps [{string.Join(" ", Steps)}]";
}

/// <summary>
/// Runs a workload on an <see cref="InMemoryLedger"/> with an unreliable network and checks the
/// invariants of atp-rules.md section 8 after every step and at quiescence. Any broken invariant
/// throws with the step it broke at.
/// </summary>
public sealed class Simulation
{
    /// <summary>Four participants (the first two in the Market Loan Program) and OCC.</summary>
    public static readonly string[] Ids = ["0001", "0002", "0003", "0004", "0900"];
    public static readonly string[] Cusips = [X, Y, Z];
    private static readonly long[] ListingPriceCents = [100_00, 25_50, 7_33];
    private static readonly decimal[] Haircuts = [0m, 0.10m, 0.25m, 0.333333m];
    private const int SettleRoundsMax = 10;

    private readonly InMemoryLedger _ledger;
    private readonly Dictionary<string, long> _deposited = Cusips.ToDictionary(c => c, _ => 0L);
    private long _paidSinceCloseCents;
    private readonly List<DeliverOrderRequest> _accepted = new();
    /// <summary>Accepted reclaims, as the deliver orders they are (reason code and ReclaimOf aside).</summary>
    private readonly List<DeliverOrderRequest> _reclaims = new();
    /// <summary>Accepted payment orders, as the deliver orders they are (deliverer = payee, receiver = payer).</summary>
    private readonly List<DeliverOrderRequest> _payments = new();
    private PaymentOrderRequest? _lastPayment;
    private readonly List<(ParticipantId Participant, int Events, string State)> _snapshots = new();
    /// <summary>
    /// Since the last close, a price, haircut, fund or cap has changed, so an account may be below
    /// its controls through no decision of the ledger (atp-rules.md: the market moved).
    /// </summary>
    private bool _controlsMoved;
    private DateTimeOffset _clock = At(13);
    private int _step;

    private readonly bool _idempotencyIds;

    private Simulation(Workload workload)
    {
        _idempotencyIds = workload.IdempotencyIds;
        _ledger = new InMemoryLedger(Thursday, _clock);
        foreach (var (cusip, i) in Cusips.Select((c, i) => (c, i)))
        {
            Ok(_ledger.List(new Cusip(cusip), new Money(ListingPriceCents[i]), Haircuts[i + 1], _clock));
        }
        for (var i = 0; i < 4; i++)
        {
            Ok(_ledger.Configure(new ParticipantRecord(P(Ids[i]), $"Participant {Ids[i]}", Usd(workload.CapsThousands[i] * 1_000m),
                Usd(workload.FundsThousands[i] * 1_000m), MarketLoanProgram: i < 2, CentralCounterparty: false), _clock));
        }
        Ok(_ledger.Configure(new ParticipantRecord(P(Ids[4]), "OCC", Money.Zero, Money.Zero, false, true), _clock));
    }

    public static void Run(Workload workload) => Settled(workload);

    /// <summary>Runs the workload as <see cref="Run"/> does and hands back the ledger, settled, with every invariant checked.</summary>
    public static InMemoryLedger Settled(Workload workload)
    {
        var sim = new Simulation(workload);
        foreach (var step in workload.Steps)
        {
            sim._step++;
            sim._clock = sim._clock.AddSeconds(1);
            try
            {
                sim.Do(step);
                sim.CheckAlways();
                sim.Snapshot(step);
            }
            catch (Exception e) when (e is not StepFailed)
            {
                throw new StepFailed($"step {sim._step} {step}: {e.Message}", e);
            }
        }
        sim.Settle();
        sim.CheckAtQuiescence();
        sim.CheckJournals();
        return sim._ledger;
    }

    private sealed class StepFailed(string message, Exception inner) : Exception(message, inner);

    private static void Require(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }

    // ------------------------------------------------------------------ steps

    private void Do(Step s)
    {
        switch (s.Kind)
        {
            case StepKind.Deposit:
            case StepKind.Pay:
                {
                    var request = new IdRequest(s.Kind == StepKind.Deposit, P(Ids[s.A % Ids.Length]), Cusips[s.B % Cusips.Length],
                        (s.C % 20 + 1) * 250L, (s.B % 50 + 1) * 100_000L + s.C % 100, null, _closes);
                    switch (_idempotencyIds ? s.D % 4 : 0)
                    {
                        case 1:
                            Apply(request with { Id = new IdempotencyId($"SIM-{_step}") });
                            break;
                        case 2 when _lastIdRequest is { } last:
                            Again(last, otherPayload: false);
                            break;
                        case 3 when _lastIdRequest is { } last:
                            Again(last, otherPayload: true);
                            break;
                        default:
                            Apply(request);
                            break;
                    }
                    break;
                }
            case StepKind.Submit:
                {
                    // Valued ones at 50% to 150% of the listing price, plus some odd cents; one in four free.
                    var cusip = s.C % Cusips.Length;
                    var shares = (s.D % 10 + 1) * 100L;
                    var amount = s.E % 4 == 0 ? 0m : shares * ListingPriceCents[cusip] * (s.E % 101 + 50) / 100 / 100m + s.E % 100 / 100m;
                    var request = new DeliverOrderRequest($"DO-{_step}", Ids[s.A % Ids.Length], Ids[s.B % Ids.Length],
                        Cusips[cusip], shares, amount, "LOAN");
                    var result = _ledger.Submit(request, _clock);
                    if (result.Accepted)
                    {
                        Require(!result.Resubmitted, "a new id was taken for a resubmission");
                        _accepted.Add(request);
                    }
                    break;
                }
            case StepKind.Resubmit when _accepted.Count > 0:
                {
                    var before = Totals();
                    var again = _accepted[s.A % _accepted.Count];
                    var kept = _ledger.DeliverOrder(new DeliverOrderId(again.Id!)) is not null;
                    var result = _ledger.Submit(again, _clock);
                    // Answered from the records while the deliverer keeps them; from a day it has forgotten, refused under the id rule.
                    Require(result.Resubmitted && (kept ? result.Accepted : !result.Accepted && result.Error?.Rule == EntryRejection.SameIdOtherPayload),
                        $"resubmission of {again.Id} not taken as one (records kept: {kept}; answered {result.Error?.RuleName ?? "accepted"})");
                    Require(before == Totals(), "a resubmission with the same id had an effect");
                    break;
                }
            case StepKind.ResubmitOtherPayload when _accepted.Count > 0:
                {
                    var before = Totals();
                    var original = _accepted[s.A % _accepted.Count];
                    var result = _ledger.Submit(original with { Shares = original.Shares + 1 }, _clock);
                    Require(!result.Accepted && result.Error!.Rule == EntryRejection.SameIdOtherPayload, $"{original.Id} with other shares was not refused");
                    Require(before == Totals(), "a refused resubmission had an effect");
                    break;
                }
            case StepKind.Cancel when _accepted.Count > 0:
                {
                    var request = _accepted[s.A % _accepted.Count];
                    var id = new DeliverOrderId(request.Id!);
                    var stage = _ledger.StateOf(P(request.Deliverer!)).Deliveries.GetValueOrDefault(id)?.Stage;
                    var events = _ledger.EventCount();
                    var result = _ledger.Cancel(id, _clock);
                    if (stage == DeliveryStage.PendingAtDeliverer)
                        Require(result.Outcome == CancelOutcome.Cancelled, $"cancel of {id} pending at its deliverer answered {result.Outcome}");
                    if (stage is DeliveryStage.Completed or DeliveryStage.Dropped)
                        Require(result.Outcome == CancelOutcome.NotPending && events == _ledger.EventCount(), $"cancel of {stage} {id} answered {result.Outcome}");
                    break;
                }
            case StepKind.Cutoff:
                Ok(_ledger.Cutoff(_clock));
                break;
            case StepKind.Close:
                CloseDay();
                break;
            case StepKind.Deliver when !_ledger.IsQuiet:
                _ledger.Deliver(_ledger.Messages[s.A % _ledger.Messages.Count].Id);
                break;
            case StepKind.DeliverAll:
                _ledger.DeliverAll();
                break;
            case StepKind.Duplicate when !_ledger.IsQuiet:
                _ledger.Duplicate(_ledger.Messages[s.A % _ledger.Messages.Count].Id);
                break;
            case StepKind.Drop when !_ledger.IsQuiet:
                _ledger.Drop(_ledger.Messages[s.A % _ledger.Messages.Count].Id);
                break;
            case StepKind.Restart:
                _ledger.Restart(P(Ids[s.A % Ids.Length]), _clock);
                break;
            case StepKind.Resend:
                _ledger.Resend(P(Ids[s.A % Ids.Length]), _clock);
                break;
            case StepKind.Reclaim when _accepted.Count > 0:
                {
                    var original = _accepted[s.A % _accepted.Count];
                    var reclaim = new ReclaimId(P(original.Receiver!), $"RC-{_step}");
                    var id = reclaim.DeliverOrderId.Value;
                    var result = _ledger.Reclaim(reclaim, new DeliverOrderId(original.Id!), _clock);
                    Require(result.Id == id, $"reclaim {reclaim.Reference} answered as {result.Id}, not filed as {id}");
                    if (result.Accepted)
                    {
                        _reclaims.Add(original with { Id = id, Deliverer = original.Receiver, Receiver = original.Deliverer });
                        _controlsMoved = true; // a reclaim may override its receiver's controls (atp-rules.md section 6)
                    }
                    break;
                }
            case StepKind.Loan:
                {
                    var lender = Ids[s.A % 2];
                    var borrower = Ids[1 - s.A % 2];
                    var cusip = s.C % Cusips.Length;
                    var shares = (s.D % 10 + 1) * 100L;
                    var amount = shares * ListingPriceCents[cusip] * (s.E % 101 + 50) / 100 / 100m;
                    var legs = new[]
                    {
                        new DeliverOrderRequest($"LN-{_step}-L", lender, Ids[4], Cusips[cusip], shares, amount, "LOAN"),
                        new DeliverOrderRequest($"LN-{_step}-B", Ids[4], borrower, Cusips[cusip], shares, amount, "LOAN"),
                    };
                    foreach (var leg in s.B % 2 == 0 ? legs : legs.Reverse())
                    {
                        var result = _ledger.Submit(leg, _clock);
                        Require(result.Accepted || result.Error?.Rule == EntryRejection.BusinessDayClosing, $"{leg.Id} refused: {result.Error?.Message}");
                        if (result.Accepted) _accepted.Add(leg);
                    }
                    break;
                }
            case StepKind.Mark:
                Mark(s);
                break;
            case StepKind.Reconfigure:
                {
                    _controlsMoved = true;
                    // An operator changes a fund or a cap, up or down: a cut can leave an account over its cap or below zero.
                    var i = s.A % 4;
                    Ok(_ledger.Configure(new ParticipantRecord(P(Ids[i]), $"Participant {Ids[i]}", Usd(s.C % 401 * 1_000m), Usd(s.B % 21 * 1_000m),
                        MarketLoanProgram: i < 2, CentralCounterparty: false), _clock));
                    break;
                }
            case StepKind.Reprice:
                {
                    _controlsMoved = true;
                    // A move of -50% to +50%, and any of the haircuts.
                    var cusip = s.A % Cusips.Length;
                    Ok(_ledger.List(new Cusip(Cusips[cusip]), new Money(Math.Max(1, ListingPriceCents[cusip] * (s.B % 101 + 50) / 100)), Haircuts[s.D % Haircuts.Length], _clock));
                    break;
                }
        }
    }

    private void Mark(Step s)
    {
        if (s.C % 5 == 0 && _lastPayment is { } last)
        {
            // Sent again: answered from the records, never a second effect.
            var events = _ledger.EventCount();
            var again = _ledger.SubmitPaymentOrder(last, _clock);
            Require(again.Resubmitted || again.Status == "dropped" || again.Error?.Rule == EntryRejection.SameIdOtherPayload,
                $"{last.Id} sent again not taken as one: {again.Error?.RuleName ?? again.Status}");
            Require(again.Status != "dropped" || !_payments.Any(p => p.Id == last.Id) || again.Resubmitted, $"{last.Id} accepted, then reported dropped unentered");
            Require(_ledger.EventCount() == events || again.Resubmitted, $"{last.Id} sent again changed the journals");
            return;
        }
        var cents = (s.E + 1) * 52_317L;
        var amount = cents / 100m;
        var date = s.D % 7 == 0 ? _ledger.Reference.BusinessDate.AddDays(-1) : _ledger.Reference.BusinessDate;
        var legs = new List<PaymentOrderRequest>();
        if (s.B % 3 == 0)
        {
            var payer = Ids[s.A % 2];
            var payee = Ids[1 - s.A % 2];
            legs.Add(new PaymentOrderRequest($"MK-{_step}-P", payer, Ids[4], Cusips[s.C % Cusips.Length], amount, date));
            legs.Add(new PaymentOrderRequest($"MK-{_step}-R", Ids[4], payee, Cusips[s.C % Cusips.Length], amount, date));
            if (s.D % 2 == 1) legs.Reverse();
        }
        else
        {
            var payer = s.A % 4;
            legs.Add(new PaymentOrderRequest($"MK-{_step}", Ids[payer], Ids[(payer + 1 + s.C % 3) % 4], Cusips[s.C % Cusips.Length], amount, date));
        }
        foreach (var leg in legs)
        {
            var events = _ledger.EventCount();
            var result = _ledger.SubmitPaymentOrder(leg, _clock);
            _lastPayment = leg;
            if (result.Accepted)
            {
                Require(date == _ledger.Reference.BusinessDate, $"{leg.Id} for closed day {date} accepted");
                _payments.Add(new DeliverOrderRequest(leg.Id, leg.Payee, leg.Payer, leg.Cusip, 0, amount, PaymentOrders.ReasonCode));
            }
            else
            {
                // Only a closed (or closing) day refuses a well-formed payment order: reported dropped, nothing changed.
                Require(result.Status == "dropped" && result.Error?.Rule == EntryRejection.BusinessDayClosing, $"{leg.Id} refused: {result.Error?.Message}");
                Require(_ledger.EventCount() == events, $"{leg.Id} refused, yet journals changed");
            }
        }
    }

    private (int Events, int Messages, int Index) Totals() => (_ledger.EventCount(), _ledger.Messages.Count, _ledger.Index.Count);

    /// <summary>Every account resends what is unanswered and the network delivers everything, until nothing changes.</summary>
    private void Settle()
    {
        for (var round = 0; round < SettleRoundsMax; round++)
        {
            var events = _ledger.EventCount();
            _ledger.ResendAll(_clock);
            _ledger.DeliverAll();
            if (_ledger.EventCount() == events) return;
        }
        throw new InvalidOperationException($"still changing after {SettleRoundsMax} rounds of resends");
    }

    /// <summary>A deposit (<see cref="Cusip"/>, <see cref="Shares"/>) or payment (<see cref="Cents"/>), with the idempotency id it went under and the closes seen when it did.</summary>
    private sealed record IdRequest(bool Deposit, ParticipantId Participant, string Cusip, long Shares, long Cents, IdempotencyId? Id, int Closes);

    /// <summary>The last deposit or payment applied under an id: later steps send it again, or its id with another payload.</summary>
    private IdRequest? _lastIdRequest;
    private int _closes;

    private InMemoryLedger.Outcome Send(IdRequest r) => r.Deposit
        ? _ledger.Deposit(r.Participant, new Cusip(r.Cusip), r.Shares, _clock, r.Id)
        : _ledger.Pay(r.Participant, new Money(r.Cents), _clock, r.Id);

    /// <summary>A request the account takes as new: counted when it takes effect.</summary>
    private void Apply(IdRequest r)
    {
        if (!Send(r).Ok) return;
        if (r.Deposit) _deposited[r.Cusip] += r.Shares;
        else _paidSinceCloseCents += r.Cents;
        if (r.Id is not null) _lastIdRequest = r with { Closes = _closes };
    }

    /// <summary>
    /// The last request under an id sent again, as it was or with another payload: the same
    /// business day, a retry changes nothing and another payload is refused; the next day, both are
    /// refused; later the id is forgotten and the request is new. Whatever restarts came between.
    /// </summary>
    private void Again(IdRequest last, bool otherPayload)
    {
        var request = otherPayload ? last with { Shares = last.Shares + 250, Cents = last.Cents + 1 } : last;
        var age = _closes - last.Closes;
        if (age >= 2)
        {
            Apply(request);
            return;
        }
        var events = _ledger.Journal(last.Participant).Count;
        var outcome = Send(request);
        var expected = otherPayload ? AccountRejection.IdempotencyIdOtherPayload
            : age == 1 ? AccountRejection.IdempotencyIdOfEarlierDay
            : (AccountRejection?)null;
        Require(outcome.Ok == expected is null && outcome.Rejection == expected,
            $"{request.Id} sent again ({(otherPayload ? "another payload" : "the same")}, {age} closes later): {outcome}, expected {expected?.ToString() ?? "acknowledged"}");
        Require(_ledger.Journal(last.Participant).Count == events, $"{request.Id} sent again changed {last.Participant}'s journal");
    }

    private void CloseDay()
    {
        // Before a close the network is settled: a message older than the last closed day could
        // find its records forgotten (AccountState keeps one closed day).
        Settle();
        CheckAtQuiescence();
        // Each refused round drops what is pending; a look-ahead pair coming apart may need one more.
        var result = _ledger.Close(_clock);
        for (var round = 0; !result.Ok && round < 3; round++)
        {
            Require(result.Rejection == AccountRejection.DeliveriesInFlight, $"close refused: {result.Message}");
            _ledger.DeliverAll();
            result = _ledger.Close(_clock);
        }
        Require(result.Ok, $"close still refused after every answer arrived: {result.Message}");
        _closes++;
        _paidSinceCloseCents = 0;
        _controlsMoved = false; // a new day: balances zero, so CM = fund + collateral value >= 0
        Require(_ledger.Participants.All(p => _ledger.StateOf(p).SettlementBalance == Money.Zero), "a balance survived the close");
    }

    // ------------------------------------------------------------------ invariants

    private IEnumerable<AccountState> Accounts => _ledger.Participants.Select(_ledger.StateOf);

    /// <summary>Deliveries whose receiver has completed but whose deliverer has not heard yet: shares and money in transit.</summary>
    private IEnumerable<Delivery> InTransit() =>
        Accounts.SelectMany(a => a.Deliveries.Values)
            .Where(d => d.Stage is DeliveryStage.InFlight or DeliveryStage.CancelRequested &&
                _ledger.StateOf(d.Order.Receiver).Receives.GetValueOrDefault(d.Order.Id)?.Stage == ReceiveStage.Completed);

    /// <summary>Holds after every step, whatever is in the network.</summary>
    private void CheckAlways()
    {
        foreach (var a in Accounts)
        {
            foreach (var (cusip, shares) in a.Positions) Require(shares >= 0, $"{a.Participant} holds {shares} of {cusip}");
            foreach (var (cusip, reserved) in a.ReservedShares)
                Require(reserved >= 0 && reserved <= a.Position(cusip), $"{a.Participant} reserves {reserved} of {cusip} holding {a.Position(cusip)}");
            Require(a.ReservedCollateralCents <= 0, $"{a.Participant} holds positive collateral for deliveries");
            // Invariant 3: while nothing but the ledger's own decisions moved the figures, no account is
            // below its controls, counting what its deliveries in flight will take.
            if (!_controlsMoved && !a.CentralCounterparty)
            {
                Require(a.AvailableCollateralMonitorCents >= 0, $"{a.Participant}'s collateral monitor is {a.CollateralMonitorCents} with {a.ReservedCollateralCents} held");
                Require(a.NetDebit <= a.NetDebitCap, $"{a.Participant}'s net debit {a.NetDebit} is over its cap {a.NetDebitCap}");
                Require(-a.AvailableBalance.Cents <= a.NetDebitCap.Cents, $"{a.Participant}'s look-ahead pairs in flight would take it over its cap {a.NetDebitCap}");
            }
            // Collateral value is at the current reference terms.
            foreach (var cusip in a.Positions.Keys)
                Require(a.TermsOf(cusip) == _ledger.Reference.Securities[cusip], $"{a.Participant} values {cusip} at {a.TermsOf(cusip)}, the reference at {_ledger.Reference.Securities[cusip]}");
        }

        // Invariants 1 and 2, counting what is in transit between a receiver's completion and its deliverer's.
        var transit = InTransit().ToList();
        foreach (var cusip in Cusips)
        {
            var held = Accounts.Sum(a => a.Position(new Cusip(cusip)));
            var moving = transit.Where(d => d.Order.Cusip.Value == cusip).Sum(d => d.Order.Shares);
            Require(held - moving == _deposited[cusip], $"{cusip}: {held} held, {moving} in transit, {_deposited[cusip]} deposited");
        }
        var balances = Accounts.Sum(a => a.SettlementBalance.Cents);
        var owed = transit.Sum(d => d.Order.Amount.Cents);
        Require(balances + owed == _paidSinceCloseCents, $"balances {balances} + in transit {owed} != payments {_paidSinceCloseCents}");

        // The two parties never hold different final states.
        foreach (var d in Accounts.SelectMany(a => a.Deliveries.Values))
        {
            var r = _ledger.StateOf(d.Order.Receiver).Receives.GetValueOrDefault(d.Order.Id);
            var delivery = Final(d.Stage);
            var receive = r is null ? null : Final(r.Stage);
            if (delivery is not null && receive is not null)
                Require(delivery == receive, $"{d.Order.Id}: deliverer {d.Stage}, receiver {r!.Stage}");
            if (d.Stage == DeliveryStage.Completed)
                Require(r?.Stage == ReceiveStage.Completed, $"{d.Order.Id} completed at the deliverer only");
            if (d.Stage == DeliveryStage.PendingAtDeliverer)
                Require(r is null, $"{d.Order.Id} pending at its deliverer is known to its receiver");
        }
    }

    private static string? Final(DeliveryStage s) => s switch
    {
        DeliveryStage.Completed => "completed",
        DeliveryStage.Dropped => "dropped",
        DeliveryStage.Cancelled => "cancelled",
        _ => null,
    };

    private static string? Final(ReceiveStage s) => s switch
    {
        ReceiveStage.Completed => "completed",
        ReceiveStage.Dropped => "dropped",
        ReceiveStage.Cancelled => "cancelled",
        _ => null,
    };

    /// <summary>Holds once every account has resent and every message has arrived.</summary>
    private void CheckAtQuiescence()
    {
        Require(_ledger.IsQuiet, "messages left after settling");
        Require(!InTransit().Any(), "a completed receive not committed by its deliverer at quiescence");
        foreach (var cusip in Cusips)
        {
            var held = Accounts.Sum(a => a.Position(new Cusip(cusip)));
            Require(held == _deposited[cusip], $"{cusip}: {held} held, {_deposited[cusip]} deposited");
        }
        Require(Accounts.Sum(a => a.SettlementBalance.Cents) == _paidSinceCloseCents, "balances do not add up to the payments");

        // Invariant 4: every accepted deliver order is final, or pending with a reason, and both parties agree.
        foreach (var request in _accepted.Concat(_reclaims).Concat(_payments))
        {
            var id = new DeliverOrderId(request.Id!);
            var deliverer = _ledger.StateOf(P(request.Deliverer!));
            if (!deliverer.Deliveries.TryGetValue(id, out var d)) continue; // forgotten after two closes
            var r = _ledger.StateOf(P(request.Receiver!)).Receives.GetValueOrDefault(id);
            var view = _ledger.DeliverOrder(id)!;
            switch (d.Stage)
            {
                case DeliveryStage.PendingAtDeliverer:
                    Require(r is null && d.PendReason is not null && view.Status == "pending" && view.PendingReason is not null, $"{id} pending at deliverer: {view}");
                    break;
                case DeliveryStage.InFlight or DeliveryStage.CancelRequested:
                    // Still undecided at the receiver (pending, or paired for a look-ahead), and shown as pending with a reason.
                    Require(r is not null && Final(r.Stage) is null && view.Status == "pending" && view.PendingReason is not null,
                        $"{id} in flight at quiescence, receiver holds {r?.Stage}, shown as {view.Status} ({view.PendingReason})");
                    break;
                case DeliveryStage.Completed:
                    Require(r?.Stage == ReceiveStage.Completed && view.Status == "completed", $"{id} completed, receiver holds {r?.Stage}");
                    break;
                case DeliveryStage.Dropped:
                    Require(r is null || r.Stage == ReceiveStage.Dropped, $"{id} dropped, receiver holds {r?.Stage}");
                    break;
                case DeliveryStage.Cancelled:
                    Require(r is null || r.Stage == ReceiveStage.Cancelled, $"{id} cancelled, receiver holds {r?.Stage}");
                    break;
            }
        }

        // Recycling leaves nothing behind that would pass its checks now.
        foreach (var a in Accounts)
        {
            foreach (var r in a.PendingReceives)
                Require(Checks.Receiver(a, r.Order!, a.NewestTerms(r.Order!.Cusip, r.Terms)).Failed is not null, $"{r.Order!.Id} would complete at {a.Participant}");
            foreach (var d in a.PendingDeliveries)
                Require(Checks.Deliverer(a, d.Order, a.NewestTerms(d.Order.Cusip, d.Terms)).Failed is not null, $"{d.Order.Id} would be reserved at {a.Participant}");
        }
    }

    /// <summary>
    /// Invariants 3, 5 and 6 from the journals alone: replaying each one, every risk decision's recorded
    /// inputs are the replayed state, the decision is the one the rules give on them, no deliver order
    /// is decided twice, and the replayed account equals the live one, now and at earlier points.
    /// </summary>
    private void CheckJournals()
    {
        foreach (var participant in _ledger.Participants)
        {
            var journal = _ledger.Journal(participant);
            var state = new AccountState(participant);
            var decided = new Dictionary<(string, string), int>();
            foreach (var e in journal)
            {
                switch (e)
                {
                    case DeliveryPended x:
                        CheckDeliverer(state, x.Order, x.Terms, x.Inputs, x.Reason);
                        Once(decided, "pended", x.Order.Id);
                        break;
                    case DeliveryReserved x:
                        CheckDeliverer(state, x.Order, x.Terms, x.Inputs, null);
                        Once(decided, "reserved", x.Order.Id);
                        break;
                    case ReceivePended x:
                        CheckReceiver(state, x.Order, x.Terms, x.Inputs, x.Reason);
                        Once(decided, "receive-pended", x.Order.Id);
                        break;
                    case ReceiveCompleted x:
                        {
                            Require(x.CompletedBy != CompletedBy.ReclaimOverride.Name() || x.Inputs.Rule == Checks.ReclaimOverrideRule, $"{x.Order.Id} completed by reclaim override on rule {x.Inputs.Rule}");
                            CheckReceiver(state, x.Order, x.Terms, x.Inputs, null);
                            Once(decided, "receive-final", x.Order.Id);
                            // The receive leaves at least the collateral monitor its check counted on.
                            var known = state.TermsOf(new Cusip(x.Order.Cusip));
                            var samePrice = known is null || new TermsData(known.Value.Price.Cents, known.Value.Haircut, known.Value.Version) == x.Terms;
                            state.Apply(e);
                            Require(x.Inputs.CollateralMonitorBypassed || !samePrice || x.Inputs.Rule == Checks.ReclaimOverrideRule ||
                                state.AvailableCollateralMonitorCents >= x.Inputs.CollateralMonitorCents + x.Inputs.CollateralDeltaCents,
                                $"{x.Order.Id}: receiving it left {participant}'s available CM at {state.AvailableCollateralMonitorCents}, the check counted on {x.Inputs.CollateralMonitorCents + x.Inputs.CollateralDeltaCents}");
                            continue;
                        }
                    case LookAheadProposed x:
                        CheckLookAhead(state, x);
                        // A delivery pairs once; a receive pairs again only after its pair came apart.
                        Once(decided, "look-ahead", x.DeliveryId);
                        Require(state.Receives[new DeliverOrderId(x.ReceiveId)].Stage == ReceiveStage.Pending, $"{x.ReceiveId} paired with {x.DeliveryId} while {state.Receives[new DeliverOrderId(x.ReceiveId)].Stage}");
                        break;
                    case LookAheadCompleted x:
                    {
                        Once(decided, "receive-final", x.ReceiveId);
                        Once(decided, "delivery-final", x.DeliveryId);
                        // Committing the pair never costs the middle account more than its check counted on.
                        var d = state.Deliveries[new DeliverOrderId(x.DeliveryId)];
                        var before = state.AvailableCollateralMonitorCents;
                        var samePrice = state.TermsOf(d.Order.Cusip) == d.Terms;
                        state.Apply(e);
                        Require(state.CentralCounterparty || !samePrice || state.AvailableCollateralMonitorCents >= before,
                            $"{x.ReceiveId}+{x.DeliveryId}: committing the pair took {participant}'s available CM from {before} to {state.AvailableCollateralMonitorCents}");
                        continue;
                    }
                    case ReceiveDropped x: Once(decided, "receive-final", x.DeliverOrderId); break;
                    case ReceiveCancelled x: Once(decided, "receive-final", x.DeliverOrderId); break;
                    case DeliveryCompleted x:
                        {
                            Once(decided, "delivery-final", x.DeliverOrderId);
                            // Committing what was reserved never costs the deliverer more than its check counted on.
                            var d = state.Deliveries[new DeliverOrderId(x.DeliverOrderId)];
                            var before = state.AvailableCollateralMonitorCents;
                            var samePrice = state.TermsOf(d.Order.Cusip) == d.Terms;
                            state.Apply(e);
                            Require(state.CentralCounterparty || !samePrice || state.AvailableCollateralMonitorCents >= before,
                                $"{x.DeliverOrderId}: committing it took {participant}'s available CM from {before} to {state.AvailableCollateralMonitorCents}");
                            continue;
                        }
                    case DeliveryDropped x: Once(decided, "delivery-final", x.DeliverOrderId); break;
                    case DeliveryCancelled x: Once(decided, "delivery-final", x.DeliverOrderId); break;
                }
                state.Apply(e);
            }
            Require(Fingerprint(state) == Fingerprint(_ledger.StateOf(participant)), $"replaying {participant}'s journal gives another state");
        }
        foreach (var (participant, events, expected) in _snapshots)
        {
            var replayed = InMemoryLedger.Replay(participant, _ledger.Journal(participant).Take(events));
            Require(Json(AccountView.Of(replayed)) == expected, $"replaying {participant}'s first {events} events differs from its view then");
        }
    }

    private static void Once(Dictionary<(string, string), int> decided, string what, string id)
    {
        var n = decided[(what, id)] = decided.GetValueOrDefault((what, id)) + 1;
        Require(n == 1, $"{id} {what} {n} times");
    }

    /// <summary>The recorded inputs are the replayed state: the receiver's balance is the one its cap check decides on (less what look-ahead pairs in flight will take).</summary>
    private static void CheckInputs(AccountState state, DeliverOrderData order, CheckInputs inputs, bool receiverSide)
    {
        var balance = receiverSide ? state.AvailableBalance : state.SettlementBalance;
        Require(inputs.SettlementBalanceCents == balance.Cents, $"{order.Id}: recorded balance {inputs.SettlementBalanceCents}, replay {balance.Cents}");
        Require(inputs.AvailableShares == state.AvailableShares(new Cusip(order.Cusip)), $"{order.Id}: recorded available shares {inputs.AvailableShares}, replay {state.AvailableShares(new Cusip(order.Cusip))}");
        Require(inputs.CollateralMonitorCents == state.AvailableCollateralMonitorCents, $"{order.Id}: recorded CM {inputs.CollateralMonitorCents}, replay {state.AvailableCollateralMonitorCents}");
        Require(inputs.NetDebitCapCents == state.NetDebitCap.Cents, $"{order.Id}: recorded cap differs from replay");
        Require(inputs.CollateralMonitorBypassed == state.CentralCounterparty, $"{order.Id}: recorded bypass differs from replay");
    }

    private static void CheckDeliverer(AccountState state, DeliverOrderData order, TermsData terms, CheckInputs inputs, string? reason)
    {
        CheckInputs(state, order, inputs, receiverSide: false);
        // The deliverer's side rounds the delivered value up (see Checks.Deliverer).
        var value = decimal.Ceiling(order.Shares * (decimal)terms.PriceCents * (1m - terms.Haircut));
        Require(inputs.CollateralDeltaCents == order.AmountCents - value, $"{order.Id}: deliverer's collateral delta is not amount - collateral value rounded up");
        var payment = order.Shares == 0 && order.ReasonCode == PaymentOrders.ReasonCode;
        // A payment order's payee only gains money; at OCC, money paid in waits for its pair.
        var expected = payment ? (inputs.CollateralMonitorBypassed ? "position" : null)
            : inputs.AvailableShares < order.Shares ? "position"
            : !inputs.CollateralMonitorBypassed && inputs.CollateralMonitorCents + inputs.CollateralDeltaCents < 0 ? "collateral"
            : null;
        Require(expected == reason, $"{order.Id} at its deliverer: the rules give {expected ?? "pass"}, the journal {reason ?? "pass"}");
        var rule = payment && reason is not null ? PaymentOrders.AwaitsPairRule : reason ?? "passed";
        Require(inputs.Rule == rule, $"{order.Id}: rule {inputs.Rule} recorded for {reason ?? "pass"}");
    }

    private static void CheckReceiver(AccountState state, DeliverOrderData order, TermsData terms, CheckInputs inputs, string? reason)
    {
        CheckInputs(state, order, inputs, receiverSide: true);
        var value = new SecurityTerms(new Money(terms.PriceCents), terms.Haircut, terms.Version).CollateralValueCents(order.Shares);
        Require(inputs.CollateralDeltaCents == value - order.AmountCents, $"{order.Id}: receiver's collateral delta is not collateral value - amount");
        if (inputs.Rule == Checks.ReclaimOverrideRule)
        {
            // The one documented way past the controls: a reclaim under the threshold, never into a central counterparty.
            Require(reason is null && order.ReclaimOf is not null && order.AmountCents < ReclaimRules.Default.Threshold.Cents && !state.CentralCounterparty,
                $"{order.Id} overrode the controls of {state.Participant}");
            return;
        }
        var netDebitAfter = Math.Max(0, order.AmountCents - inputs.SettlementBalanceCents);
        var expected = !inputs.CollateralMonitorBypassed && inputs.CollateralMonitorCents + inputs.CollateralDeltaCents < 0 ? "collateral"
            : netDebitAfter > inputs.NetDebitCapCents ? "net-debit-cap"
            : null;
        Require(expected == reason, $"{order.Id} at its receiver: the rules give {expected ?? "pass"}, the journal {reason ?? "pass"}");
        Require(inputs.Rule == (reason ?? "passed"), $"{order.Id}: rule {inputs.Rule} recorded for {reason ?? "pass"}");
    }

    private static void CheckLookAhead(AccountState state, LookAheadProposed x)
    {
        var receive = state.Receives[new DeliverOrderId(x.ReceiveId)].Order!;
        var delivery = state.Deliveries[new DeliverOrderId(x.DeliveryId)].Order;
        var inputs = x.Inputs;
        CheckInputs(state, AccountStateData(delivery), inputs, receiverSide: true);
        Require(receive.Cusip == delivery.Cusip, $"{x.ReceiveId} paired with {x.DeliveryId} of another security");
        if (state.CentralCounterparty)
            Require(receive.Shares == delivery.Shares && receive.Amount == delivery.Amount, $"{x.ReceiveId} paired at OCC with {x.DeliveryId}, which does not match it");
        Require(inputs.AvailableShares + receive.Shares >= delivery.Shares, $"{x.ReceiveId}+{x.DeliveryId}: paired short of shares");
        Require(inputs.CollateralMonitorBypassed || inputs.CollateralMonitorCents + inputs.CollateralDeltaCents >= 0, $"{x.ReceiveId}+{x.DeliveryId}: paired below a CM of zero");
        var balanceAfter = inputs.SettlementBalanceCents - receive.Amount.Cents + delivery.Amount.Cents;
        Require(Math.Max(0, -balanceAfter) <= inputs.NetDebitCapCents, $"{x.ReceiveId}+{x.DeliveryId}: paired over the cap");
        Require(inputs.Rule == "look-ahead", $"{x.ReceiveId}+{x.DeliveryId}: rule {inputs.Rule} recorded for a look-ahead");
    }

    private static DeliverOrderData AccountStateData(DeliverOrder o) =>
        new(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode, o.ReclaimOf?.Value);

    private void Snapshot(Step step)
    {
        var participant = P(Ids[(_step + step.A) % Ids.Length]);
        _snapshots.Add((participant, _ledger.Journal(participant).Count, Json(_ledger.Account(participant)!)));
    }

    /// <summary>Everything an account holds, as text, beyond what its public view shows.</summary>
    public static string Fingerprint(AccountState s)
    {
        var text = new StringBuilder(Json(AccountView.Of(s)));
        text.Append($"|reserved-collateral {s.ReservedCollateralCents}|in-flight {s.InFlightDeliveries}|positions-cv {s.PositionsCollateralValueCents}");
        foreach (var d in s.Deliveries.Values.OrderBy(d => d.Order.Id.Value, StringComparer.Ordinal))
            text.Append($"|d {d.Order.Id} {d.Stage} {d.PendReason} {d.CompletedBy} {d.PendedBefore} {d.ReservedCollateralCents} {d.Sequence} {d.BusinessDate} {d.Terms}");
        foreach (var (id, r) in s.Receives.OrderBy(kv => kv.Key.Value, StringComparer.Ordinal))
            text.Append($"|r {id} {r.Stage} {r.PendReason} {r.CompletedBy} {r.Sequence} {r.BusinessDate} {r.Terms}");
        foreach (var cusip in Cusips) text.Append($"|t {cusip} {s.TermsOf(new Cusip(cusip))}");
        return text.ToString();
    }
}
