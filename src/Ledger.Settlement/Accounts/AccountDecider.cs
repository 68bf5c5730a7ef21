using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>
/// The ATP logic for one account. <see cref="Decide"/> turns a command into events, applying each
/// event to the state as it goes (so later checks of the same command see the earlier effects),
/// plus the messages and reply those events justify. The caller persists the events before any
/// message or reply leaves, and throws the state away if persisting fails.
/// </summary>
public static class AccountDecider
{
    public static Decision Decide(AccountState state, AccountCommand command)
    {
        var decision = new Decision();
        if (!state.IsConfigured && command is not ConfigureParticipant)
        {
            // Entry checks let only set-up participants through, so a request reaching an account
            // not yet set up raced its set-up: answer nothing and let the deliverer's resend retry.
            decision.Reply = command is RequestReceive or CancelReceive or ReportReceiveOutcome
                ? null
                : Reject(AccountRejection.NotConfigured, $"participant {state.Participant} is not set up");
            return decision;
        }
        switch (command)
        {
            case ConfigureParticipant c: Configure(state, c, decision); break;
            case ApplySecurityTerms c: ApplyTerms(state, c, decision); break;
            case DepositShares c: Deposit(state, c, decision); break;
            case ReceiveSettlementProgressPayment c: Payment(state, c, decision); break;
            case SubmitDelivery c: Submit(state, c, decision); break;
            case RequestReceive c: OnRequestReceive(state, c, decision); break;
            case ReportReceiveOutcome c: ReceiveOutcome(state, c, decision); break;
            case CancelDelivery c: OnCancelDelivery(state, c, decision); break;
            case CancelReceive c: OnCancelReceive(state, c, decision); break;
            case ReachRecycleCutoff c: Cutoff(state, c, decision); break;
            case DropAllPending c: DropAll(state, c, decision); break;
            case CloseBusinessDay c: Close(state, c, decision); break;
            case ApplyIncomePosting c: IncomePostingRules.Decide(state, c, decision); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return decision;
    }

    /// <summary>
    /// Messages to send again after recovery or when a resend timer fires: every delivery still in
    /// flight asks its receiver again (the receiver answers duplicates from its records).
    /// </summary>
    public static IEnumerable<Outbound> Unsettled(AccountState state, DateTimeOffset at)
    {
        foreach (var d in state.Deliveries.Values)
        {
            if (d.Stage == DeliveryStage.InFlight)
                yield return new Outbound(d.Order.Receiver, new RequestReceive(d.Order, d.Terms, d.PendedBefore, at, LookAhead: d.LinkedReceive is not null));
            else if (d.Stage == DeliveryStage.CancelRequested)
                yield return new Outbound(d.Order.Receiver, new CancelReceive(d.Order.Id, state.Participant, at));
        }
    }

    private static void Emit(AccountState state, Decision decision, AccountEvent e)
    {
        state.Apply(e);
        decision.Events.Add(e);
    }

    /// <summary>
    /// As <see cref="Emit(AccountState, Decision, AccountEvent)"/> for an event that records
    /// <paramref name="order"/>: the state keeps this order instead of a copy read back from the
    /// event (the same value, without another object on every deliver order).
    /// </summary>
    private static void Emit(AccountState state, Decision decision, AccountEvent e, DeliverOrder order)
    {
        state.Apply(e, order);
        decision.Events.Add(e);
    }

    private static Rejected Reject(AccountRejection rejection, string message) => new(rejection, message);

    private static void Configure(AccountState state, ConfigureParticipant c, Decision decision)
    {
        var headroomGrew = state.IsConfigured &&
            (c.NetDebitCap > state.NetDebitCap || c.ParticipantsFund > state.ParticipantsFund);
        var unchanged = state.IsConfigured && state.Name == c.Name && state.NetDebitCap == c.NetDebitCap &&
            state.ParticipantsFund == c.ParticipantsFund && state.MarketLoanProgram == c.MarketLoanProgram &&
            state.CentralCounterparty == c.CentralCounterparty;
        if (!unchanged)
        {
            Emit(state, decision, new ParticipantConfigured(c.Name, c.NetDebitCap.Cents, c.ParticipantsFund.Cents,
                c.MarketLoanProgram, c.CentralCounterparty, AccountState.FormatDate(c.BusinessDate), c.At));
        }
        if (headroomGrew) Recycle(state, decision, c.At);
        decision.Reply = Acknowledged.Instance;
    }

    private static void ApplyTerms(AccountState state, ApplySecurityTerms c, Decision decision)
    {
        var known = state.TermsOf(c.Cusip);
        // Every account keeps the newest terms, even of a security it neither holds nor awaits: a
        // request to receive carries the terms of its reservation, which may be older (it waited
        // in the network, or is a resend), and only the account's own record says so.
        if (known is null || known.Value.Version < c.Terms.Version)
        {
            Emit(state, decision, new SecurityTermsApplied(c.Cusip.Value, AccountState.ToData(c.Terms), c.At));
            Recycle(state, decision, c.At);
        }
        decision.Reply = Acknowledged.Instance;
    }

    private static void Deposit(AccountState state, DepositShares c, Decision decision)
    {
        if (c.Id is { } id && AnsweredById(state, id, IdempotentRequest.Deposit(c.Cusip, c.Shares, state.BusinessDate), decision)) return;
        if (state.Position(c.Cusip) > DeliverOrder.SharesMax * 10 - c.Shares)
        {
            decision.Reply = Reject(AccountRejection.PositionAboveMaximum,
                $"a position may not exceed {DeliverOrder.SharesMax * 10} shares");
            return;
        }
        Emit(state, decision, new SharesDeposited(c.Cusip.Value, c.Shares, AccountState.ToData(state.NewestTerms(c.Cusip, c.Terms)), c.At, c.Id?.Value));
        Recycle(state, decision, c.At);
        decision.Reply = Acknowledged.Instance;
    }

    private static void Payment(AccountState state, ReceiveSettlementProgressPayment c, Decision decision)
    {
        if (c.Amount.Cents <= 0)
        {
            decision.Reply = Reject(AccountRejection.PaymentNotPositive, "a settlement progress payment must be positive");
            return;
        }
        if (c.Id is { } id && AnsweredById(state, id, IdempotentRequest.Payment(c.Amount, state.BusinessDate), decision)) return;
        Emit(state, decision, new SettlementProgressPaymentReceived(c.Amount.Cents, c.At, c.Id?.Value));
        Recycle(state, decision, c.At);
        decision.Reply = Acknowledged.Instance;
    }

    /// <summary>
    /// A deposit or payment under an id this account holds is never applied again. The same request
    /// on the same business day is a retry: acknowledged as the first was, nothing changes. The id
    /// with another request (another kind, security, quantity or amount) is refused; so is the id of
    /// a request made on an earlier business day, which took effect then (a retry that crosses a
    /// close learns so, and a new request needs a new id). True when the id decided the command.
    /// </summary>
    private static bool AnsweredById(AccountState state, IdempotencyId id, IdempotentRequest request, Decision decision)
    {
        if (state.IdempotentRequestOf(id) is not { } taken) return false;
        var day = AccountState.FormatDate(taken.BusinessDate);
        if (!taken.SamePayload(request))
        {
            decision.Reply = Reject(AccountRejection.IdempotencyIdOtherPayload,
                $"id {id} of participant {state.Participant} was used on business day {day} for {taken}, not {request}; nothing was done (a new request needs a new id)");
        }
        else if (taken.BusinessDate != state.BusinessDate)
        {
            decision.Reply = Reject(AccountRejection.IdempotencyIdOfEarlierDay,
                $"id {id} of participant {state.Participant} was used for {taken} on business day {day}, which is closed: it took effect then and is not applied again");
        }
        else
        {
            decision.Reply = Acknowledged.Instance;
        }
        return true;
    }

    private static void Submit(AccountState state, SubmitDelivery c, Decision decision)
    {
        var order = c.Order;
        if (order.Deliverer != state.Participant)
        {
            decision.Reply = Reject(AccountRejection.NotTheDeliverer, $"{order.Id} is delivered by {order.Deliverer}, not {state.Participant}");
            return;
        }
        if (!state.Deliveries.ContainsKey(order.Id))
        {
            if (order.IsReclaim && ReclaimRefusal(state, order) is { } refusal)
            {
                decision.Reply = refusal;
                return;
            }
            var terms = state.NewestTerms(order.Cusip, c.Terms);
            var check = Checks.Deliverer(state, order, terms);
            if (check.Failed is { } reason)
            {
                Emit(state, decision, new DeliveryPended(AccountState.ToData(order), state.TermsData(terms), reason.Name(), check.Inputs, c.At), order);
                if (state.CutoffReached && order.IsValued)
                {
                    Emit(state, decision, new DeliveryDropped(order.Id.Value, c.At));
                }
                else if (reason == PendReason.Position)
                {
                    PairDelivery(state, decision, state.Deliveries[order.Id], c.At);
                }
            }
            else
            {
                Reserve(state, decision, order, terms, check.Inputs, pendedBefore: false, c.At);
            }
        }
        decision.Reply = StatusOf(state.Deliveries[order.Id]);
    }

    private static void Reserve(AccountState state, Decision decision, DeliverOrder order, SecurityTerms terms, CheckInputs inputs, bool pendedBefore, DateTimeOffset at)
    {
        Emit(state, decision, new DeliveryReserved(AccountState.ToData(order), state.TermsData(terms), inputs, pendedBefore, at), order);
        decision.Messages.Add(new Outbound(order.Receiver, new RequestReceive(order, terms, pendedBefore, at)));
    }

    private static void OnRequestReceive(AccountState state, RequestReceive c, Decision decision)
    {
        var order = c.Order;
        if (state.Receives.TryGetValue(order.Id, out var known))
        {
            Report(decision, state, order.Id, order.Deliverer, known, c.At);
            return;
        }
        var terms = state.NewestTerms(order.Cusip, c.Terms);
        var check = Checks.Receiver(state, order, terms);
        if (check.Failed is { } reason)
        {
            Emit(state, decision, new ReceivePended(AccountState.ToData(order), state.TermsData(terms), reason.Name(), check.Inputs, c.At), order);
            if (state.CutoffReached && order.IsValued)
            {
                Emit(state, decision, new ReceiveDropped(order.Id.Value, c.At));
            }
            else if (reason == PendReason.NetDebitCap)
            {
                PairReceive(state, decision, state.Receives[order.Id], c.At);
            }
        }
        else
        {
            var by = check.Inputs.Rule == Checks.ReclaimOverrideRule ? CompletedBy.ReclaimOverride
                : c.LookAhead ? CompletedBy.LookAhead
                : c.PendedBefore ? CompletedBy.Recycle
                : CompletedBy.Direct;
            Emit(state, decision, new ReceiveCompleted(AccountState.ToData(order), state.TermsData(terms), by.Name(), check.Inputs, c.At), order);
        }
        Report(decision, state, order.Id, order.Deliverer, state.Receives[order.Id], c.At);
        if (check.Failed is null)
        {
            // New shares may release deliveries of this account pending on position.
            Recycle(state, decision, c.At);
        }
    }

    /// <summary>Tells the deliverer where its delivery stands here; a receive paired by look-ahead is still pending to it.</summary>
    private static void Report(Decision decision, AccountState state, DeliverOrderId id, ParticipantId deliverer, Receive receive, DateTimeOffset at) =>
        decision.Messages.Add(new Outbound(deliverer, new ReportReceiveOutcome(id, state.Participant,
            receive.Stage == ReceiveStage.LookAhead ? ReceiveStage.Pending : receive.Stage, receive.CompletedBy, receive.PendReason, at)));

    private static void ReceiveOutcome(AccountState state, ReportReceiveOutcome c, Decision decision)
    {
        if (!state.Deliveries.TryGetValue(c.DeliverOrderId, out var delivery)) return;
        var waiting = delivery.Stage is DeliveryStage.InFlight or DeliveryStage.CancelRequested;
        var id = c.DeliverOrderId.Value;
        switch (c.Stage)
        {
            case ReceiveStage.Completed when waiting && delivery.LinkedReceive is { } linked:
            {
                // The partner's receiver took it: both legs complete here together.
                var receive = state.Receives[linked];
                Emit(state, decision, new LookAheadCompleted(linked.Value, id, c.At));
                Report(decision, state, linked, receive.Order!.Deliverer, receive, c.At);
                Recycle(state, decision, c.At);
                break;
            }
            case ReceiveStage.Completed when waiting:
                Emit(state, decision, new DeliveryCompleted(id, (c.CompletedBy ?? CompletedBy.Direct).Name(), c.At));
                Recycle(state, decision, c.At);
                break;
            case ReceiveStage.Dropped or ReceiveStage.Cancelled when waiting:
            {
                var linked = delivery.LinkedReceive;
                Emit(state, decision, c.Stage == ReceiveStage.Dropped
                    ? new DeliveryDropped(id, c.At)
                    : new DeliveryCancelled(id, c.At));
                if (linked is { } x && state.Receives[x] is { Stage: ReceiveStage.Pending } unpaired && state.CutoffReached && unpaired.Order!.IsValued)
                {
                    // Unpaired after the cutoff: a valued receive that cannot complete drops at once.
                    Emit(state, decision, new ReceiveDropped(x.Value, c.At));
                    Report(decision, state, x, unpaired.Order.Deliverer, unpaired, c.At);
                }
                Recycle(state, decision, c.At);
                break;
            }
            case ReceiveStage.Pending:
                break;
            default:
                var agrees = (c.Stage, delivery.Stage) is
                    (ReceiveStage.Completed, DeliveryStage.Completed) or
                    (ReceiveStage.Dropped, DeliveryStage.Dropped) or
                    (ReceiveStage.Cancelled, DeliveryStage.Cancelled);
                if (!agrees)
                {
                    throw new InvariantViolation(
                        $"{id}: receiver {c.Receiver} reports {c.Stage} but deliverer {state.Participant} holds {delivery.Stage}");
                }
                break;
        }
    }

    private static void OnCancelDelivery(AccountState state, CancelDelivery c, Decision decision)
    {
        if (!state.Deliveries.TryGetValue(c.DeliverOrderId, out var delivery))
        {
            decision.Reply = Reject(AccountRejection.UnknownDeliverOrder, $"{c.DeliverOrderId} is not a delivery of {state.Participant}");
            return;
        }
        if (delivery.Order.IsPaymentOrder)
        {
            decision.Reply = Reject(AccountRejection.PaymentOrderNotCancellable, $"{c.DeliverOrderId} is a payment order: it completes or drops, and is never cancelled");
            return;
        }
        switch (delivery.Stage)
        {
            case DeliveryStage.PendingAtDeliverer:
                Emit(state, decision, new DeliveryCancelled(c.DeliverOrderId.Value, c.At));
                break;
            case DeliveryStage.InFlight:
                Emit(state, decision, new DeliveryCancelRequested(c.DeliverOrderId.Value, c.At));
                decision.Messages.Add(new Outbound(delivery.Order.Receiver, new CancelReceive(c.DeliverOrderId, state.Participant, c.At)));
                break;
            case DeliveryStage.CancelRequested:
                decision.Messages.Add(new Outbound(delivery.Order.Receiver, new CancelReceive(c.DeliverOrderId, state.Participant, c.At)));
                break;
        }
        decision.Reply = StatusOf(delivery);
    }

    private static void OnCancelReceive(AccountState state, CancelReceive c, Decision decision)
    {
        if (!state.Receives.TryGetValue(c.DeliverOrderId, out var receive) || receive.Stage == ReceiveStage.Pending)
        {
            Emit(state, decision, new ReceiveCancelled(c.DeliverOrderId.Value, c.At));
            receive = state.Receives[c.DeliverOrderId];
        }
        Report(decision, state, c.DeliverOrderId, c.Deliverer, receive, c.At);
    }

    private static void Cutoff(AccountState state, ReachRecycleCutoff c, Decision decision)
    {
        if (c.BusinessDate != state.BusinessDate)
        {
            decision.Reply = c.BusinessDate < state.BusinessDate
                ? Acknowledged.Instance
                : Reject(AccountRejection.BusinessDateMismatch, $"{state.Participant} is on {state.BusinessDate}, not {c.BusinessDate}");
            return;
        }
        if (!state.CutoffReached)
        {
            Emit(state, decision, new RecycleCutoffReached(AccountState.FormatDate(c.BusinessDate), c.At));
            DropAllPending(state, decision, c.At);
        }
        decision.Reply = Acknowledged.Instance;
    }

    private static void DropAll(AccountState state, DropAllPending c, Decision decision)
    {
        if (c.BusinessDate == state.BusinessDate)
        {
            if (!state.CutoffReached)
            {
                Emit(state, decision, new RecycleCutoffReached(AccountState.FormatDate(state.BusinessDate), c.At));
            }
            DropAllPending(state, decision, c.At);
        }
        decision.Reply = Acknowledged.Instance;
    }

    private static void DropAllPending(AccountState state, Decision decision, DateTimeOffset at)
    {
        foreach (var d in state.PendingDeliveries.ToList())
        {
            Emit(state, decision, new DeliveryDropped(d.Order.Id.Value, at));
        }
        foreach (var r in state.PendingReceives.ToList())
        {
            Emit(state, decision, new ReceiveDropped(r.Order!.Id.Value, at));
            Report(decision, state, r.Order.Id, r.Order.Deliverer, r, at);
        }
    }

    private static void Close(AccountState state, CloseBusinessDay c, Decision decision)
    {
        if (c.ClosedDate < state.BusinessDate)
        {
            decision.Reply = Acknowledged.Instance;
            return;
        }
        if (c.ClosedDate > state.BusinessDate)
        {
            decision.Reply = Reject(AccountRejection.BusinessDateMismatch, $"{state.Participant} is on {state.BusinessDate}, not {c.ClosedDate}");
            return;
        }
        if (state.InFlightDeliveries > 0)
        {
            decision.Reply = Reject(AccountRejection.DeliveriesInFlight,
                $"{state.Participant} has {state.InFlightDeliveries} deliveries awaiting their receivers");
            return;
        }
        if (!state.CutoffReached)
        {
            Emit(state, decision, new RecycleCutoffReached(AccountState.FormatDate(state.BusinessDate), c.At));
        }
        DropAllPending(state, decision, c.At);
        Emit(state, decision, new BusinessDayClosed(AccountState.FormatDate(c.ClosedDate), AccountState.FormatDate(c.NextDate), state.SettlementBalance.Cents, c.At));
        decision.Reply = Acknowledged.Instance;
    }

    /// <summary>
    /// Retries every pending item of this account in recycle order; an item that still fails
    /// blocks nobody behind it. Receives go first (they add shares that deliveries may need).
    /// A receive that completes can add collateral value, which is headroom for the receives
    /// tried before it, so receives are retried again until a pass completes none.
    /// Items that cannot pass are not tried (see <see cref="ReceiveCandidates"/> and
    /// <see cref="DeliveryCandidates"/>), so a long queue costs little when nothing changed for it.
    /// </summary>
    private static void Recycle(AccountState state, Decision decision, DateTimeOffset at)
    {
        var completed = true;
        while (completed && state.PendingReceives.Count > 0)
        {
            completed = false;
            foreach (var r in ReceiveCandidates(state))
            {
                var order = r.Order!;
                var terms = state.NewestTerms(order.Cusip, r.Terms);
                var check = Checks.Receiver(state, order, terms);
                if (check.Failed is not null) continue;
                var by = check.Inputs.Rule == Checks.ReclaimOverrideRule ? CompletedBy.ReclaimOverride : CompletedBy.Recycle;
                Emit(state, decision, new ReceiveCompleted(AccountState.ToData(order), state.TermsData(terms), by.Name(), check.Inputs, at), order);
                Report(decision, state, order.Id, order.Deliverer, state.Receives[order.Id], at);
                completed = true;
            }
        }
        if (state.PendingDeliveries.Count > 0)
        {
            foreach (var d in DeliveryCandidates(state))
            {
                var terms = state.NewestTerms(d.Order.Cusip, d.Terms);
                var check = Checks.Deliverer(state, d.Order, terms);
                if (check.Failed is not null) continue;
                Reserve(state, decision, d.Order, terms, check.Inputs, pendedBefore: true, at);
            }
        }
        // What is still pending on the cap may now pair by look-ahead, where a delivery of the same
        // look-ahead terms pends (any other receive would find no partner): in recycle order.
        if (state.PendingReceives.Count > 0 && state.PendingDeliveries.Count > 0)
        {
            List<Receive>? pairable = null;
            foreach (var r in state.ReceivesWithPendingPartnerTerms())
            {
                if (r.PendReason == PendReason.NetDebitCap) (pairable ??= new()).Add(r);
            }
            if (pairable is null) return;
            pairable.Sort(RecycleOrder.Receives);
            foreach (var r in pairable)
            {
                if (r.Stage == ReceiveStage.Pending) PairReceive(state, decision, r, at);
            }
        }
    }

    /// <summary>
    /// The pending receives, in recycle order, that the receiver's checks can let through now: one
    /// whose amount exceeds the available balance plus the cap fails the cap whatever else holds,
    /// unless it is a reclaim the rules let override. Completing receives only lowers the balance,
    /// so what is left out here would fail anywhere in the same pass.
    /// </summary>
    private static List<Receive> ReceiveCandidates(AccountState state)
    {
        var headroom = state.AvailableBalance.Cents + state.NetDebitCap.Cents;
        var candidates = new List<Receive>();
        if (state.PendingReclaimReceives > 0)
        {
            foreach (var r in state.PendingReceives)
            {
                if (r.Order!.Amount.Cents <= headroom || state.ReclaimRules.Overrides(r.Order, state.CentralCounterparty)) candidates.Add(r);
            }
            return candidates;
        }
        // Recycle order puts valued receives first, largest amount first, then those free of payment:
        // from the far end, the free ones, then valued ones up to the first that exceeds the headroom
        // (every one before it in recycle order is at least as large).
        foreach (var r in state.PendingReceivesFromLast())
        {
            if (r.Order!.Amount.Cents <= headroom) candidates.Add(r);
            else if (r.Order.IsValued) break;
        }
        candidates.Reverse();
        return candidates;
    }

    /// <summary>
    /// The pending deliveries, in recycle order, whose shares are available now: the position
    /// check fails for every other one, and reserving only lowers what is available, so what is
    /// left out here would fail anywhere in the same pass.
    /// </summary>
    private static List<Delivery> DeliveryCandidates(AccountState state)
    {
        var candidates = new List<Delivery>();
        foreach (var (cusip, group) in state.PendingDeliveriesByCusip)
        {
            var available = state.AvailableShares(cusip);
            if (available <= 0) continue; // every delivery moves some shares
            foreach (var d in group)
            {
                if (d.Order.Shares <= available) candidates.Add(d);
            }
        }
        candidates.Sort(RecycleOrder.Deliveries);
        return candidates;
    }

    /// <summary>
    /// Look-ahead from a receive pending on this account's cap: the oldest delivery of this
    /// account pending on position that the pair's net effect lets through is paired with it.
    /// </summary>
    private static void PairReceive(AccountState state, Decision decision, Receive receive, DateTimeOffset at)
    {
        var order = receive.Order!;
        var partners = new List<Delivery>();
        foreach (var d in state.PendingDeliveriesOf(order.Cusip))
        {
            if (d.PendReason == PendReason.Position && MayPair(state, order, d.Order)) partners.Add(d);
        }
        partners.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var delivery in partners)
        {
            if (TryPair(state, decision, receive, delivery, at)) return;
        }
    }

    /// <summary>Look-ahead from a delivery pending on position: the oldest receive pending on the cap that pairs with it.</summary>
    private static void PairDelivery(AccountState state, Decision decision, Delivery delivery, DateTimeOffset at)
    {
        var partners = new List<Receive>();
        foreach (var r in state.PendingReceivesOf(delivery.Order.Cusip))
        {
            if (r.PendReason == PendReason.NetDebitCap && MayPair(state, r.Order!, delivery.Order)) partners.Add(r);
        }
        partners.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var receive in partners)
        {
            if (TryPair(state, decision, receive, delivery, at)) return;
        }
    }

    /// <summary>At a central counterparty legs pair only on equal shares, amount and collateral margin (the look-ahead check's first rule); elsewhere any legs of the CUSIP may.</summary>
    private static bool MayPair(AccountState state, DeliverOrder receive, DeliverOrder delivery) =>
        !state.CentralCounterparty || (receive.Shares == delivery.Shares && receive.Amount == delivery.Amount
            && LoanTermRules.MarginKey(receive) == LoanTermRules.MarginKey(delivery));

    private static bool TryPair(AccountState state, Decision decision, Receive receive, Delivery delivery, DateTimeOffset at)
    {
        var terms = state.NewestTerms(delivery.Order.Cusip, receive.Terms.Version >= delivery.Terms.Version ? receive.Terms : delivery.Terms);
        var check = Checks.LookAhead(state, receive.Order!, delivery.Order, terms);
        if (check.Failed is not null) return false;
        Emit(state, decision, new LookAheadProposed(receive.Order!.Id.Value, delivery.Order.Id.Value, AccountState.ToData(terms), check.Inputs, at));
        decision.Messages.Add(new Outbound(delivery.Order.Receiver, new RequestReceive(delivery.Order, terms, PendedBefore: true, at, LookAhead: true)));
        return true;
    }

    /// <summary>Why this account may not reclaim as asked, or null: it must have received the original today, completed, and not reclaimed it already.</summary>
    private static Rejected? ReclaimRefusal(AccountState state, DeliverOrder reclaim)
    {
        var original = reclaim.ReclaimOf!.Value;
        if (!state.Receives.TryGetValue(original, out var receive) || receive.Order is null)
            return Reject(AccountRejection.ReclaimOfUnknown, $"{original} is not a deliver order received by {state.Participant}");
        if (receive.Stage != ReceiveStage.Completed)
            return Reject(AccountRejection.ReclaimOfIncomplete, $"{original} is not completed, so there is nothing to reclaim");
        if (receive.BusinessDate != state.BusinessDate)
            return Reject(AccountRejection.ReclaimOfEarlierDay, $"{original} completed on {receive.BusinessDate:yyyy-MM-dd}; a reclaim must be made the same business day");
        if (receive.ReclaimedBy is { } by)
            return Reject(AccountRejection.AlreadyReclaimed, $"{original} is already reclaimed by {by}");
        var o = receive.Order;
        if (reclaim.Receiver != o.Deliverer || reclaim.Cusip != o.Cusip || reclaim.Shares != o.Shares || reclaim.Amount != o.Amount)
            return Reject(AccountRejection.ReclaimMismatch, $"a reclaim of {original} must return {o.Shares} shares of {o.Cusip} to {o.Deliverer} against {o.Amount}");
        return null;
    }

    public static DeliveryStatusReply StatusOf(Delivery d) => new(d.Order.Id, d.Stage, d.PendReason, d.CompletedBy);
}
