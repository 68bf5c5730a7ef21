// Only the parameters that need a word are documented on these records.
#pragma warning disable CS1573
using System.Globalization;
using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>One journaled event of an account, where it sits in that account's journal.</summary>
public readonly record struct JournaledEvent(string Participant, long SequenceNr, AccountEvent Event);

/// <summary>The numbers one decision was made on, in dollars, with what they came to after the deliver order.</summary>
/// <param name="Rule">The check that decided ("passed", "position", "collateral", "net-debit-cap", "reclaim-override", "look-ahead", "look-ahead-match").</param>
/// <param name="CollateralMonitorAfter">Collateral monitor + delta: what the monitor would be after the deliver order (or pair).</param>
/// <param name="SettlementBalanceAfter">The balance after the deliver order (or pair); null for a deliverer's own check.</param>
/// <param name="NetDebitAfter">max(0, -balance after); null for a deliverer's own check.</param>
public sealed record ExplainedInputs(
    string Rule,
    decimal Price,
    decimal Haircut,
    long TermsVersion,
    long AvailableShares,
    decimal CollateralMonitor,
    decimal CollateralDelta,
    decimal CollateralMonitorAfter,
    bool CollateralMonitorBypassed,
    decimal SettlementBalance,
    decimal? SettlementBalanceAfter,
    decimal? NetDebitAfter,
    decimal NetDebitCap);

/// <summary>One step of a deliver order's life, told from one journal event.</summary>
/// <param name="Kind">registered, reserved, pended, completed, look-ahead-proposed, look-ahead-completed, cancel-requested, cancelled, dropped, reclaimed.</param>
/// <param name="Side">deliverer, receiver, or the middle account of a look-ahead ("middle"); "index" for the registration.</param>
/// <param name="DeliverOrderId">The deliver order the step is about: the explained one or its look-ahead partner.</param>
public sealed record ExplanationStep(
    DateTimeOffset At,
    string Participant,
    long SequenceNr,
    string Side,
    string DeliverOrderId,
    string Kind,
    string? Outcome,
    ExplainedInputs? Inputs,
    string Sentence);

/// <summary>A deliver order's life computed from journal events alone.</summary>
/// <param name="FinalState">completed, dropped, cancelled, or (not final) pending, in-flight, registered.</param>
public sealed record DeliverOrderExplanation(
    string DeliverOrderId,
    string? Deliverer,
    string? Receiver,
    string? Cusip,
    long? Shares,
    decimal? Amount,
    string? ReclaimOf,
    string? ReclaimedBy,
    string? LookAheadPartner,
    string FinalState,
    string? CompletedBy,
    IReadOnlyList<ExplanationStep> Steps,
    IReadOnlyList<string> Notes)
{
    /// <summary>The explanation as text, one step a line.</summary>
    public string ToText()
    {
        var lines = new List<string>();
        var what = Cusip is null
            ? $"deliver order {DeliverOrderId}"
            : $"deliver order {DeliverOrderId}: {Deliverer} -> {Receiver}, {Explanation.Shares(Shares ?? 0)} sh of {Cusip} against {Explanation.Usd(Amount ?? 0m)}";
        lines.Add(what);
        if (ReclaimOf is not null) lines.Add($"a reclaim of {ReclaimOf}");
        lines.AddRange(Steps.Select(s => "  " + s.Sentence));
        var final = CompletedBy is null ? FinalState : $"{FinalState} by {CompletedBy}";
        lines.Add($"final state: {final}");
        lines.AddRange(Notes.Select(n => "note: " + n));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// Tells a deliver order's life from the journals of its parties (and, for a look-ahead, of the
/// partner delivery's other party) without any state of a running node: every risk decision
/// carries its inputs (atp-rules.md, invariant 6), so the journal alone says why.
/// </summary>
public static class Explanation
{
    public const string RecycleNote =
        "failed recycle attempts are not journaled: the journal holds the pend and the completion (the successful recycle attempt) only";

    /// <summary>
    /// Participants whose journals the explanation of <paramref name="id"/> still needs beyond
    /// those in <paramref name="events"/>: the other party of a look-ahead partner.
    /// </summary>
    public static IReadOnlyList<string> MoreJournals(DeliverOrderId id, IReadOnlyList<JournaledEvent> events)
    {
        var orders = Orders(events);
        var have = events.Select(e => e.Participant).ToHashSet(StringComparer.Ordinal);
        var more = new List<string>();
        foreach (var e in events)
        {
            if (e.Event is not LookAheadProposed p) continue;
            string? other = null;
            if (p.ReceiveId == id.Value && orders.TryGetValue(p.DeliveryId, out var delivery)) other = delivery.Receiver;
            else if (p.DeliveryId == id.Value && orders.TryGetValue(p.ReceiveId, out var receive)) other = receive.Deliverer;
            if (other is not null && !have.Contains(other) && !more.Contains(other)) more.Add(other);
        }
        return more;
    }

    /// <summary>
    /// The deliver orders whose events the explanation of <paramref name="id"/> looks at, as far as
    /// <paramref name="events"/> show: <paramref name="id"/> itself, every look-ahead partner it was
    /// paired with, and every deliver order those partners were paired with (a partner's pairings are
    /// steps of the explanation, told with both orders' terms). A reclaim's events name the deliver
    /// order they reclaim, so they come with it.
    /// </summary>
    public static IReadOnlyList<DeliverOrderId> IdsToRead(DeliverOrderId id, IReadOnlyList<JournaledEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var ids = new List<string> { id.Value };
        var partners = new List<string>();
        foreach (var e in events)
        {
            if (e.Event is LookAheadProposed p && MateOf(p, id.Value) is { } partner && !partners.Contains(partner)) partners.Add(partner);
        }
        ids.AddRange(partners.Where(p => !ids.Contains(p)));
        foreach (var e in events)
        {
            if (e.Event is not LookAheadProposed p) continue;
            foreach (var partner in partners)
            {
                if (MateOf(p, partner) is { } mate && !ids.Contains(mate)) ids.Add(mate);
            }
        }
        return ids.Select(i => new DeliverOrderId(i)).ToList();
    }

    private static string? MateOf(LookAheadProposed p, string id) =>
        p.ReceiveId == id ? p.DeliveryId : p.DeliveryId == id ? p.ReceiveId : null;

    /// <summary>
    /// Whose rows, about which deliver orders, the explanation of <paramref name="registered"/>'s
    /// deliver order reads next, given the events read so far (none at first): for
    /// <paramref name="viewer"/> its own account alone; otherwise the deliverer's and the receiver's,
    /// then the journals <see cref="MoreJournals"/> names, in the order a read of whole journals takes
    /// them. Reading by key until the plan stops changing gathers every event
    /// <see cref="Explain"/> looks at (with the accounts' <see cref="DeliverOrderEventIndex"/>), so it
    /// tells the same life as whole journals do.
    /// </summary>
    public static (IReadOnlyList<string> Accounts, IReadOnlyList<DeliverOrderId> Ids) ReadingPlan(DeliverOrderRegistered registered, ParticipantId? viewer,
        IReadOnlyList<JournaledEvent> events)
    {
        ArgumentNullException.ThrowIfNull(registered);
        ArgumentNullException.ThrowIfNull(events);
        var id = new DeliverOrderId(registered.DeliverOrderId);
        IReadOnlyList<string> accounts = viewer is { } v
            ? [v.Value]
            : new[] { registered.Deliverer, registered.Receiver }
                .Concat(events.Select(e => e.Participant))
                .Concat(MoreJournals(id, events))
                .Distinct(StringComparer.Ordinal)
                .ToList();
        return (accounts, IdsToRead(id, events));
    }

    /// <summary>
    /// What <paramref name="viewer"/>, a party to <paramref name="id"/>, may see of it: the deliver
    /// order's life told from <paramref name="viewer"/>'s own journal alone, and its registration. Every
    /// step is on the viewer's own account with the viewer's own figures; the other party is named only
    /// as the deliver order names it (for a Market Loan leg, OCC), and nothing of any other account
    /// shows: not the other party's checks or figures, not OCC's look-ahead, not the other leg of a
    /// loan or its other party. The final state is the one <paramref name="view"/> (the deliver order
    /// as both parties see it) shows, when given: the viewer's journal alone cannot tell that its
    /// receiver pended it, say, and the viewer may see that much anyway.
    /// </summary>
    public static DeliverOrderExplanation ExplainFor(ParticipantId viewer, DeliverOrderId id, IReadOnlyList<JournaledEvent> events,
        DeliverOrderRegistered? registered = null, DeliverOrderView? view = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var own = Explain(id, events.Where(e => e.Participant == viewer.Value).ToList(), registered);
        var notes = own.Notes.ToList();
        if (own.Cusip is null && registered is not null && registered.Deliverer != viewer.Value)
        {
            // The whole-journal note blames the deliverer's journal, which the viewer does not see.
            notes.RemoveAll(n => n.StartsWith("no account journal holds", StringComparison.Ordinal));
            notes.Add($"{viewer.Value}'s journal holds nothing about {id.Value}: its deliverer {registered.Deliverer} has not asked it to receive it");
        }
        if (view is null) return own with { Notes = notes };
        return own with
        {
            Cusip = own.Cusip ?? view.Cusip,
            Shares = own.Shares ?? view.Shares,
            Amount = own.Amount ?? view.Amount,
            ReclaimOf = own.ReclaimOf ?? view.ReclaimOf,
            FinalState = StateOf(view),
            CompletedBy = view.CompletedBy,
            Notes = notes,
        };
    }

    /// <summary>A deliver order's status in this explanation's words: "accepted" (reserved, asked of the receiver) is "in-flight".</summary>
    private static string StateOf(DeliverOrderView view) => view.Status switch
    {
        "accepted" => "in-flight",
        "pending" when view.PendingReason is { } reason => $"pending ({reason})",
        var status => status,
    };

    /// <summary>Explains <paramref name="id"/> from the journal events of its parties (any order of journals; each journal in its own order).</summary>
    /// <param name="registered">The index's registration of the id, if it was read.</param>
    public static DeliverOrderExplanation Explain(DeliverOrderId id, IReadOnlyList<JournaledEvent> events, DeliverOrderRegistered? registered = null)
    {
        var x = id.Value;
        var orders = Orders(events);
        orders.TryGetValue(x, out var order);
        var deliverer = order?.Deliverer ?? registered?.Deliverer;
        var receiver = order?.Receiver ?? registered?.Receiver;

        string? partner = null;
        foreach (var e in events)
        {
            if (e.Event is LookAheadProposed p && (p.ReceiveId == x || p.DeliveryId == x))
                partner = p.ReceiveId == x ? p.DeliveryId : p.ReceiveId;
        }
        string? reclaimedBy = null;
        foreach (var e in events)
        {
            if (OrderOf(e.Event) is { ReclaimOf: { } of } reclaim && of == x && reclaim.Id != x) reclaimedBy ??= reclaim.Id;
        }

        var relevant = events.Where(e => IsAbout(e.Event, x) || (partner is not null && IsAbout(e.Event, partner))
                                         || (reclaimedBy is not null && OrderOf(e.Event)?.Id == reclaimedBy && e.Event is DeliveryPended or DeliveryReserved))
            .ToList();
        // Only the reclaim's first event is a step of this deliver order's life.
        var reclaimSeen = false;
        relevant = relevant.Where(e =>
        {
            if (reclaimedBy is null || OrderOf(e.Event)?.Id != reclaimedBy) return true;
            if (reclaimSeen) return false;
            reclaimSeen = true;
            return true;
        }).ToList();

        var steps = new List<ExplanationStep>();
        if (registered is not null)
        {
            steps.Add(new ExplanationStep(registered.At, "index", 0, "index", x, "registered", null, null,
                $"{Time(registered.At)} registered: deliverer {registered.Deliverer}, receiver {registered.Receiver}"
                + (registered.BusinessDate is null ? "" : $", business date {registered.BusinessDate}")));
        }
        var notes = new List<string>();
        var pendedAt = new HashSet<(string Participant, string Id)>();
        var ordered = CausalOrder(relevant).ToList();
        foreach (var e in ordered)
        {
            var step = Describe(e, events, orders, x, deliverer, receiver, reclaimedBy, pendedAt);
            if (step is not null) steps.Add(step);
        }

        // The partner's and the reclaim's events are not this deliver order's; a look-ahead event names both.
        var (final, completedBy) = FinalState(ordered.Where(e => IsAbout(e.Event, x)).Select(e => e.Event), x, registered is not null);
        if (order is { Shares: 0, ReasonCode: PaymentOrders.ReasonCode })
            notes.Add($"a payment order: payer {order.Receiver} pays payee {order.Deliverer} {Usd(Money.ToDollars(order.AmountCents))}; the payer is checked as the receiver of a valued deliver order, the payee as its deliverer");
        if (steps.Any(s => s.Kind == "pended" && s.DeliverOrderId == x)) notes.Add(RecycleNote);
        if (order is null && registered is not null)
            notes.Add($"no account journal holds {x} yet: it is registered, but its deliverer {registered.Deliverer} has not journaled it");

        return new DeliverOrderExplanation(x, deliverer, receiver, order?.Cusip, order?.Shares,
            order is null ? null : Money.ToDollars(order.AmountCents), order?.ReclaimOf, reclaimedBy, partner,
            final, completedBy, steps, notes);
    }

    private static (string State, string? CompletedBy) FinalState(IEnumerable<AccountEvent> ordered, string x, bool registered)
    {
        string? state = null;
        string? by = null;
        foreach (var e in ordered)
        {
            if (state is "completed" or "dropped" or "cancelled") break;
            switch (e)
            {
                case DeliveryPended p when p.Order.Id == x: state = $"pending ({p.Reason})"; break;
                case ReceivePended p when p.Order.Id == x: state = $"pending ({p.Reason})"; break;
                case DeliveryReserved r when r.Order.Id == x: state = "in-flight"; break;
                case LookAheadProposed: state = "pending (paired by look-ahead)"; break;
                case DeliveryCancelRequested c when c.DeliverOrderId == x: state = "cancel-requested"; break;
                case ReceiveCompleted c when c.Order.Id == x: state = "completed"; by = c.CompletedBy; break;
                case DeliveryCompleted c when c.DeliverOrderId == x: state = "completed"; by = c.CompletedBy; break;
                case LookAheadCompleted: state = "completed"; by = "look-ahead"; break;
                case DeliveryDropped d when d.DeliverOrderId == x: state = "dropped"; break;
                case ReceiveDropped d when d.DeliverOrderId == x: state = "dropped"; break;
                case DeliveryCancelled d when d.DeliverOrderId == x: state = "cancelled"; break;
                case ReceiveCancelled d when d.DeliverOrderId == x: state = "cancelled"; break;
            }
        }
        return (state ?? (registered ? "registered" : "unknown"), by);
    }

    /// <summary>
    /// Merges the journals in time order. Events of one instant (a fixed clock, or one decision's
    /// events) are ordered by cause: a receiver's answer follows the request it answers, and a
    /// deliverer's completion follows its receiver's.
    /// </summary>
    private static IEnumerable<JournaledEvent> CausalOrder(List<JournaledEvent> relevant)
    {
        var queues = relevant.GroupBy(e => e.Participant, StringComparer.Ordinal)
            .Select(g => new Queue<JournaledEvent>(g.OrderBy(e => e.SequenceNr)))
            .ToList();
        var emitted = new List<AccountEvent>();
        var firstReceive = new HashSet<string>(StringComparer.Ordinal);
        while (queues.Any(q => q.Count > 0))
        {
            JournaledEvent? pick = null;
            foreach (var q in queues.Where(q => q.Count > 0))
            {
                var head = q.Peek();
                if (!Ready(head, relevant, emitted, firstReceive)) continue;
                if (pick is null || head.Event.At < pick.Value.Event.At) pick = head;
            }
            // Timestamps that contradict the causes: fall back on time alone.
            pick ??= queues.Where(q => q.Count > 0).Select(q => q.Peek()).MinBy(h => h.Event.At);
            var chosen = pick!.Value;
            queues.First(q => q.Count > 0 && q.Peek().Equals(chosen)).Dequeue();
            emitted.Add(chosen.Event);
            if (chosen.Event is ReceivePended or ReceiveCompleted) firstReceive.Add(OrderOf(chosen.Event)!.Id);
            yield return chosen;
        }
    }

    private static bool Ready(JournaledEvent e, List<JournaledEvent> relevant, List<AccountEvent> emitted, HashSet<string> receiveSeen)
    {
        bool Awaits(Func<AccountEvent, bool> cause) => !relevant.Any(r => cause(r.Event)) || emitted.Any(cause);
        switch (e.Event)
        {
            case ReceivePended or ReceiveCompleted:
            {
                var id = OrderOf(e.Event)!.Id;
                if (receiveSeen.Contains(id)) return true;
                return Awaits(a => a is DeliveryReserved r && r.Order.Id == id || a is LookAheadProposed p && p.DeliveryId == id);
            }
            case DeliveryCompleted c:
                return Awaits(a => a is ReceiveCompleted r && r.Order.Id == c.DeliverOrderId || a is LookAheadCompleted l && l.ReceiveId == c.DeliverOrderId);
            case DeliveryDropped d:
                return Awaits(a => a is ReceiveDropped r && r.DeliverOrderId == d.DeliverOrderId);
            case DeliveryCancelled d:
                return Awaits(a => a is ReceiveCancelled r && r.DeliverOrderId == d.DeliverOrderId);
            case ReceiveCancelled d:
                return Awaits(a => a is DeliveryCancelRequested r && r.DeliverOrderId == d.DeliverOrderId);
            case LookAheadCompleted l:
                return Awaits(a => a is ReceiveCompleted r && r.Order.Id == l.DeliveryId);
            default:
                return true;
        }
    }

    private static ExplanationStep? Describe(JournaledEvent je, IReadOnlyList<JournaledEvent> all, Dictionary<string, DeliverOrderData> orders,
        string x, string? deliverer, string? receiver, string? reclaimedBy, HashSet<(string, string)> pendedAt)
    {
        var e = je.Event;
        var who = je.Participant;
        string Side(string id)
        {
            if (orders.TryGetValue(id, out var o))
            {
                if (o.Deliverer == who) return "deliverer";
                if (o.Receiver == who) return "receiver";
            }
            return "party";
        }
        ExplanationStep Step(string id, string kind, string? outcome, ExplainedInputs? inputs, string text, string? side = null) =>
            new(e.At, who, je.SequenceNr, side ?? Side(id), id, kind, outcome, inputs, $"{Time(e.At)} {Label(id, x)}{text}");

        switch (e)
        {
            case DeliveryPended p when reclaimedBy is not null && p.Order.Id == reclaimedBy:
                return Step(x, "reclaimed", null, null, $"receiver {who} reclaimed it with {reclaimedBy} (pended on {p.Reason} at first)", "receiver");
            case DeliveryReserved r when reclaimedBy is not null && r.Order.Id == reclaimedBy:
                return Step(x, "reclaimed", null, null, $"receiver {who} reclaimed it with {reclaimedBy}", "receiver");
            case DeliveryPended p:
            {
                pendedAt.Add((who, p.Order.Id));
                var inputs = Deliverer(p.Order, p.Terms, p.Inputs);
                return Step(p.Order.Id, "pended", p.Reason, inputs, $"deliverer {who} pended on {p.Reason}: {DelivererChecks(p.Order, inputs)}{TermsText(p.Terms)}");
            }
            case DeliveryReserved r:
            {
                var inputs = Deliverer(r.Order, r.Terms, r.Inputs);
                var recycled = r.PendedBefore && pendedAt.Contains((who, r.Order.Id));
                var how = recycled ? $" on recycle{Trigger(je, all)}" : "";
                return Step(r.Order.Id, "reserved", recycled ? "reserved-on-recycle" : "reserved", inputs,
                    $"deliverer {who} reserved {Shares(r.Order.Shares)} sh{how}: {DelivererChecks(r.Order, inputs)}{TermsText(r.Terms)}");
            }
            case ReceivePended p:
            {
                pendedAt.Add((who, p.Order.Id));
                var inputs = Receiver(p.Order, p.Terms, p.Inputs);
                return Step(p.Order.Id, "pended", p.Reason, inputs, $"receiver {who} pended on {p.Reason}: {ReceiverChecks(p.Order, inputs)}{TermsText(p.Terms)}");
            }
            case ReceiveCompleted c:
            {
                var inputs = Receiver(c.Order, c.Terms, c.Inputs);
                var trigger = c.CompletedBy == "recycle" && pendedAt.Contains((who, c.Order.Id)) ? Trigger(je, all) : "";
                var checks = c.CompletedBy == "reclaim-override"
                    ? $"controls overridden for a reclaim under the threshold ({ReceiverChecks(c.Order, inputs)})"
                    : ReceiverChecks(c.Order, inputs);
                return Step(c.Order.Id, "completed", c.CompletedBy, inputs,
                    $"receiver {who} completed by {c.CompletedBy}{trigger}: {checks}{TermsText(c.Terms)}");
            }
            case DeliveryCompleted c:
            {
                var o = orders.GetValueOrDefault(c.DeliverOrderId);
                var what = o is null ? "" : $": {Shares(o.Shares)} sh delivered, {Usd(Money.ToDollars(o.AmountCents))} credited";
                return Step(c.DeliverOrderId, "completed", c.CompletedBy, null, $"deliverer {who} completed by {c.CompletedBy}{what}");
            }
            case LookAheadProposed p:
            {
                var receive = orders.GetValueOrDefault(p.ReceiveId);
                var delivery = orders.GetValueOrDefault(p.DeliveryId);
                var inputs = LookAhead(receive, delivery, p.Terms, p.Inputs);
                var checks = receive is null || delivery is null ? "" : ": " + LookAheadChecks(receive, delivery, inputs);
                return Step(x, "look-ahead-proposed", p.Inputs.Rule, inputs,
                    $"{who} paired receive {p.ReceiveId} with its delivery {p.DeliveryId} by look-ahead{checks}{TermsText(p.Terms)}", "middle");
            }
            case LookAheadCompleted l:
            {
                var to = orders.GetValueOrDefault(l.DeliveryId)?.Receiver;
                return Step(x, "look-ahead-completed", "look-ahead", null,
                    $"{who} completed {l.ReceiveId} and {l.DeliveryId} together by look-ahead" + (to is null ? "" : $" ({to} received {l.DeliveryId})"), "middle");
            }
            case DeliveryCancelRequested c:
                return Step(c.DeliverOrderId, "cancel-requested", null, null, $"deliverer {who} asked its receiver to cancel");
            case DeliveryCancelled c:
                return Step(c.DeliverOrderId, "cancelled", null, null, $"deliverer {who} cancelled it");
            case ReceiveCancelled c:
                return Step(c.DeliverOrderId, "cancelled", null, null, $"receiver {who} cancelled the receive at the deliverer's request", "receiver");
            case DeliveryDropped d:
                return Step(d.DeliverOrderId, "dropped", null, null, $"deliverer {who} dropped it {DropWhy(je, all)}");
            case ReceiveDropped d:
                return Step(d.DeliverOrderId, "dropped", null, null, $"receiver {who} dropped it {DropWhy(je, all)}", "receiver");
            default:
                return null;
        }
    }

    /// <summary>The partner's steps name it; the explained order's steps need no name.</summary>
    private static string Label(string id, string x) => id == x ? "" : $"[{id}] ";

    private static string DropWhy(JournaledEvent je, IReadOnlyList<JournaledEvent> all)
    {
        var cutoff = all.Where(a => a.Participant == je.Participant && a.SequenceNr < je.SequenceNr && a.Event is RecycleCutoffReached or BusinessDayClosed)
            .Select(a => a.Event).LastOrDefault();
        return cutoff switch
        {
            RecycleCutoffReached c when c.At == je.Event.At => $"at the recycle cutoff of {c.BusinessDate}",
            RecycleCutoffReached c => $"after the recycle cutoff of {c.BusinessDate} (a valued deliver order that fails a check then drops at once)",
            _ => "at the recycle cutoff",
        };
    }

    /// <summary>What gave the account headroom: the event journaled just before the recycle, in the same journal.</summary>
    private static string Trigger(JournaledEvent je, IReadOnlyList<JournaledEvent> all)
    {
        var before = all.Where(a => a.Participant == je.Participant && a.SequenceNr < je.SequenceNr)
            .OrderBy(a => a.SequenceNr).Select(a => a.Event).LastOrDefault();
        return before switch
        {
            SettlementProgressPaymentReceived p => $" after a settlement progress payment of {Usd(Money.ToDollars(p.AmountCents))} ({Time(p.At)})",
            SharesDeposited d => $" after a deposit of {Shares(d.Shares)} sh of {d.Cusip} ({Time(d.At)})",
            SecurityTermsApplied t => $" after new terms for {t.Cusip}: price {Usd(Money.ToDollars(t.Terms.PriceCents))}, haircut {Percent(t.Terms.Haircut)} ({Time(t.At)})",
            ParticipantConfigured c => $" after a new set-up: cap {Usd(Money.ToDollars(c.NetDebitCapCents))}, participants fund {Usd(Money.ToDollars(c.ParticipantsFundCents))} ({Time(c.At)})",
            ReceiveCompleted r => $" after receive {r.Order.Id} completed ({Time(r.At)})",
            DeliveryCompleted d => $" after delivery {d.DeliverOrderId} completed ({Time(d.At)})",
            LookAheadCompleted l => $" after {l.ReceiveId} and {l.DeliveryId} completed by look-ahead ({Time(l.At)})",
            DeliveryDropped or DeliveryCancelled or ReceiveDropped or ReceiveCancelled => $" after headroom was released ({Time(before.At)})",
            _ => "",
        };
    }

    private static ExplainedInputs Deliverer(DeliverOrderData o, TermsData t, CheckInputs i) =>
        new(i.Rule, Money.ToDollars(t.PriceCents), t.Haircut, t.Version, i.AvailableShares,
            Money.ToDollars(i.CollateralMonitorCents), Money.ToDollars(i.CollateralDeltaCents), Money.ToDollars(i.CollateralMonitorCents + i.CollateralDeltaCents),
            i.CollateralMonitorBypassed, Money.ToDollars(i.SettlementBalanceCents), null, null, Money.ToDollars(i.NetDebitCapCents));

    private static ExplainedInputs Receiver(DeliverOrderData o, TermsData t, CheckInputs i)
    {
        var after = i.SettlementBalanceCents - o.AmountCents;
        return new(i.Rule, Money.ToDollars(t.PriceCents), t.Haircut, t.Version, i.AvailableShares,
            Money.ToDollars(i.CollateralMonitorCents), Money.ToDollars(i.CollateralDeltaCents), Money.ToDollars(i.CollateralMonitorCents + i.CollateralDeltaCents),
            i.CollateralMonitorBypassed, Money.ToDollars(i.SettlementBalanceCents), Money.ToDollars(after), Money.ToDollars(Math.Max(0, -after)), Money.ToDollars(i.NetDebitCapCents));
    }

    private static ExplainedInputs LookAhead(DeliverOrderData? receive, DeliverOrderData? delivery, TermsData t, CheckInputs i)
    {
        long? after = receive is null || delivery is null ? null : i.SettlementBalanceCents - receive.AmountCents + delivery.AmountCents;
        return new(i.Rule, Money.ToDollars(t.PriceCents), t.Haircut, t.Version, i.AvailableShares,
            Money.ToDollars(i.CollateralMonitorCents), Money.ToDollars(i.CollateralDeltaCents), Money.ToDollars(i.CollateralMonitorCents + i.CollateralDeltaCents),
            i.CollateralMonitorBypassed, Money.ToDollars(i.SettlementBalanceCents),
            after is null ? null : Money.ToDollars(after.Value), after is null ? null : Money.ToDollars(Math.Max(0, -after.Value)), Money.ToDollars(i.NetDebitCapCents));
    }

    private static string DelivererChecks(DeliverOrderData o, ExplainedInputs i)
    {
        var position = $"{Shares(i.AvailableShares)} sh available {(i.AvailableShares >= o.Shares ? ">=" : "<")} {Shares(o.Shares)} sh";
        if (i.Rule == "position") return position;
        var delivered = Money.ToDollars(o.AmountCents) - i.CollateralDelta;
        var collateral = i.CollateralMonitorBypassed
            ? "collateral monitor bypassed (central counterparty)"
            : $"collateral monitor {Usd(i.CollateralMonitor)} + ({Usd(Money.ToDollars(o.AmountCents))} - {Usd(delivered)} delivered) = {Usd(i.CollateralMonitorAfter)} {(i.CollateralMonitorAfter >= 0 ? ">=" : "<")} 0";
        return $"{position}; {collateral}";
    }

    private static string ReceiverChecks(DeliverOrderData o, ExplainedInputs i)
    {
        var amount = Money.ToDollars(o.AmountCents);
        var received = i.CollateralDelta + amount;
        var collateral = i.CollateralMonitorBypassed
            ? "collateral monitor bypassed (central counterparty)"
            : $"collateral monitor {Usd(i.CollateralMonitor)} + ({Usd(received)} received - {Usd(amount)}) = {Usd(i.CollateralMonitorAfter)} {(i.CollateralMonitorAfter >= 0 ? ">=" : "<")} 0";
        var cap = NetDebitText($"balance {Usd(i.SettlementBalance)} - {Usd(amount)}", i.SettlementBalanceAfter!.Value, i.NetDebitAfter!.Value, i.NetDebitCap);
        // The check that decided comes first, as the reader asks "why".
        return i.Rule == "net-debit-cap" ? $"{cap}; {collateral}"
            : i.Rule == "collateral" ? collateral
            : $"{collateral}; {cap}";
    }

    private static string LookAheadChecks(DeliverOrderData receive, DeliverOrderData delivery, ExplainedInputs i)
    {
        var position = $"{Shares(i.AvailableShares)} sh available + {Shares(receive.Shares)} received {(i.AvailableShares + receive.Shares >= delivery.Shares ? ">=" : "<")} {Shares(delivery.Shares)} delivered";
        var collateral = i.CollateralMonitorBypassed
            ? "collateral monitor bypassed (central counterparty)"
            : $"collateral monitor {Usd(i.CollateralMonitor)} + {Usd(i.CollateralDelta)} = {Usd(i.CollateralMonitorAfter)} {(i.CollateralMonitorAfter >= 0 ? ">=" : "<")} 0";
        var cap = NetDebitText($"balance {Usd(i.SettlementBalance)} - {Usd(Money.ToDollars(receive.AmountCents))} + {Usd(Money.ToDollars(delivery.AmountCents))}",
            i.SettlementBalanceAfter!.Value, i.NetDebitAfter!.Value, i.NetDebitCap);
        return $"{position}; {collateral}; {cap}";
    }

    private static string NetDebitText(string sum, decimal after, decimal netDebit, decimal cap) =>
        after < 0
            ? $"{sum} = net debit {Usd(netDebit)} {(netDebit > cap ? ">" : "<=")} cap {Usd(cap)}"
            : $"{sum} = {Usd(after)}, no net debit (cap {Usd(cap)})";

    private static string TermsText(TermsData t) =>
        $" [price {Usd(Money.ToDollars(t.PriceCents))}, haircut {Percent(t.Haircut)}]";

    private static Dictionary<string, DeliverOrderData> Orders(IReadOnlyList<JournaledEvent> events)
    {
        var orders = new Dictionary<string, DeliverOrderData>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (OrderOf(e.Event) is { } o) orders.TryAdd(o.Id, o);
        }
        return orders;
    }

    private static DeliverOrderData? OrderOf(AccountEvent e) => e switch
    {
        DeliveryReserved r => r.Order,
        DeliveryPended p => p.Order,
        ReceiveCompleted c => c.Order,
        ReceivePended p => p.Order,
        _ => null,
    };

    private static bool IsAbout(AccountEvent e, string id) => e switch
    {
        DeliveryReserved r => r.Order.Id == id,
        DeliveryPended p => p.Order.Id == id,
        ReceiveCompleted c => c.Order.Id == id,
        ReceivePended p => p.Order.Id == id,
        DeliveryCompleted c => c.DeliverOrderId == id,
        DeliveryDropped d => d.DeliverOrderId == id,
        DeliveryCancelRequested c => c.DeliverOrderId == id,
        DeliveryCancelled c => c.DeliverOrderId == id,
        ReceiveDropped d => d.DeliverOrderId == id,
        ReceiveCancelled c => c.DeliverOrderId == id,
        LookAheadProposed p => p.ReceiveId == id || p.DeliveryId == id,
        LookAheadCompleted l => l.ReceiveId == id || l.DeliveryId == id,
        _ => false,
    };

    /// <summary>Dollars with thousands separators and two decimals: "-50,000.00".</summary>
    public static string Usd(decimal dollars) => dollars.ToString("#,##0.00", CultureInfo.InvariantCulture);

    public static string Shares(long shares) => shares.ToString("#,##0", CultureInfo.InvariantCulture);

    public static string Percent(decimal rate) => (rate * 100m).ToString("0.####", CultureInfo.InvariantCulture) + "%";

    /// <summary>UTC time of day, "10:42:03Z".</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
