using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>
/// The rules of one memo account (income-tracking.md sections 2, 3, 6). <see cref="Decide"/> turns
/// a command into events, applying each to the state as it goes, plus the messages and settlement
/// postings those events justify. The caller persists the events before anything leaves, and
/// throws the state away if persisting fails.
/// </summary>
public static class MemoAccountDecider
{
    public static Decision<MemoAccountEvent> Decide(MemoAccountState state, MemoAccountCommand command)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        var d = new Decision<MemoAccountEvent>();
        switch (command)
        {
            case ApplyCompletedDeliverOrder c: DeliverOrder(state, c, d); break;
            case ApplyAdjustment c: Adjustment(state, c, d); break;
            case CloseMemoDay c: Close(state, c, d); break;
            case AcknowledgeRecordDateReport c:
                if (state.OpenReports.TryGetValue((c.RecordDate, c.PostingDate), out var report) && !report.Acknowledged)
                    Emit(state, d, new RecordDateReportAcknowledged(IncomeDates.ToText(c.RecordDate), IncomeDates.ToText(c.PostingDate), c.At));
                break;
            case RecordIncomePosting c: Posting(state, c, d); break;
            case AcknowledgeSettlementPosting c:
                if (state.Postings.TryGetValue(c.PostingId, out var posting) && !posting.Settled)
                    Emit(state, d, new IncomePostingSettled(c.PostingId, c.At));
                break;
            case NoteAdjustmentAwaiting c: AwaitingAdjustment(state, c, d); break;
            case ClearAdjustmentAwaiting c: ClearAwaiting(state, c, d); break;
            case NoteHaltFiled c: Halt(state, c, d); break;
            case NoteCounterpartyTerminated c: CounterpartyTerminated(state, c, d); break;
            case NoteCounterpartyMerged c: CounterpartyMerged(state, c, d); break;
            case ReceiveMergedLines c: MergedLines(state, c, d); break;
            case AcknowledgeCounterpartyNotice c:
                if (state.Notices.TryGetValue(c.Counterparty, out var acknowledged) && !acknowledged)
                    Emit(state, d, new CounterpartyNoticeAcknowledged(c.Counterparty.Value, c.At));
                break;
            case AcknowledgeMergedLines c:
                if (state.Standing == ParticipantStanding.Merged && !state.SuccessorHasLines && state.Successor == c.To)
                    Emit(state, d, new MergedLinesAcknowledged(c.To.Value, c.At));
                break;
            case AcknowledgeForwardedChange c:
                if (state.Forwarding.ContainsKey(c.ChangeId)) Emit(state, d, new MemoChangeForwardAcknowledged(c.ChangeId, c.At));
                break;
            case MergeInto c: Merge(state, c, d); break;
            case Retire c: RetireAccount(state, c, d); break;
            case Terminate c: TerminateAccount(state, c, d); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return d;
    }

    /// <summary>
    /// Messages and postings to send again after recovery or when a resend timer fires: reports a
    /// run has not acknowledged, postings settlement has not, notices and forwarded changes not
    /// yet applied. Every receiver answers a duplicate without a second effect.
    /// </summary>
    public static (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(MemoAccountState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        var messages = new List<IncomeMessage>();
        foreach (var report in state.OpenReports.Values.Where(r => !r.Acknowledged))
            messages.Add(ReportMessage(state.Participant, report.Report, at));
        if (state.Standing == ParticipantStanding.Merged && !state.SuccessorHasLines && state.Successor is { } successor)
            messages.Add(new IncomeMessage(IncomeAddress.MemoAccount(successor), new ReceiveMergedLines(state.Participant, state.Predecessors.OrderBy(p => p.Value, StringComparer.Ordinal).ToList(), state.LinesMergedOut, at)));
        foreach (var (counterparty, acknowledged) in state.Notices)
        {
            if (!acknowledged) messages.Add(Notice(state, counterparty, at));
        }
        foreach (var forwarded in state.Forwarding.Values)
            messages.Add(ForwardMessage(state.Participant, forwarded, at));
        var postings = state.Postings.Values.Where(p => !p.Settled).Select(p => SettlementPosting(state.Participant, p.Posting)).ToList();
        return (messages, postings);
    }

    private static void Emit(MemoAccountState state, Decision<MemoAccountEvent> d, MemoAccountEvent e)
    {
        state.Apply(e);
        d.Events.Add(e);
    }

    // ------------------------------------------------------------------ deliver orders

    private static void DeliverOrder(MemoAccountState state, ApplyCompletedDeliverOrder c, Decision<MemoAccountEvent> d)
    {
        var o = c.Order;
        // A change forwarded by a predecessor may arrive before that predecessor's merged lines do.
        var deliverer = state.IsSelf(o.Deliverer) || o.Deliverer == c.ForwardedBy;
        var receiver = state.IsSelf(o.Receiver) || o.Receiver == c.ForwardedBy;
        if (!deliverer && !receiver)
        {
            d.Reject(IncomeRejection.NotAPartyToDeliverOrder, "deliverOrderId", $"{o.Id} is between {o.Deliverer} and {o.Receiver}, not {state.Participant}");
            return;
        }
        AcknowledgeForward(c.ForwardedBy, o.Id.Value, d, c.At);
        if (Known(state, o, d)) return;
        if (o.BusinessDate <= state.DedupHorizon)
        {
            d.Reject(IncomeRejection.DeliverOrderOutsideDedupWindow, "businessDate",
                $"{o.Id} completed on {o.BusinessDate:yyyy-MM-dd}, on or before {state.DedupHorizon:yyyy-MM-dd}, whose deliver orders this memo account no longer remembers; it cannot tell whether it counted it");
            d.Messages.Clear();
            return;
        }
        var counterpartyAsNamed = deliverer ? o.Receiver : o.Deliverer;
        switch (state.Standing)
        {
            case ParticipantStanding.Terminated:
                // The ledger no longer acts for this participant: nothing changes here, and the
                // counterparty, which may have counted it, is told to zero its line against it.
                QueueNotice(state, counterpartyAsNamed, d, c.At);
                return;
            case ParticipantStanding.Merged:
                if (!state.HasForwarded(o.Id.Value))
                {
                    var forwarded = new MemoChangeForwarded(o.Id.Value, "deliver-order", state.Successor!.Value.Value, ToData(o), null, c.At);
                    Emit(state, d, forwarded);
                    d.Messages.Add(ForwardMessage(state.Participant, forwarded, c.At));
                }
                if (counterpartyAsNamed != state.Successor) QueueNotice(state, counterpartyAsNamed, d, c.At);
                return;
        }
        if (o.ReclaimOf is { } original)
        {
            if (state.AppliedDeliverOrders.TryGetValue(original.Value, out var applied))
                ApplyReclaim(state, o, applied, d, c.At, checkMaximum: true);
            else
                Emit(state, d, Noted(o, "awaiting-original", c.At));
            return;
        }
        if (state.Settings.TransactionTypeOf(o.ReasonCode) is not { } type) return; // not a stock-loan deliver order
        if (deliverer && receiver) return; // between this participant and a predecessor: internal since the merger
        if (state.Resolve(counterpartyAsNamed) is not { } counterparty) return; // the ledger no longer acts for the counterparty
        var change = deliverer ? o.Shares : -o.Shares;
        if (LineOverMaximum(state, counterparty, o.Cusip, change, d)) return;
        Emit(state, d, Applied(o, type, counterparty, change, c.At));
        ApplyHeldReclaimsOf(state, o.Id.Value, d, c.At);
    }

    /// <summary>A deliver order already applied or held: a duplicate changes nothing; the same id with other terms is refused.</summary>
    private static bool Known(MemoAccountState state, CompletedDeliverOrder o, Decision<MemoAccountEvent> d)
    {
        string? fingerprint = null;
        if (state.AppliedDeliverOrders.TryGetValue(o.Id.Value, out var applied)) fingerprint = applied.Fingerprint;
        else if (state.HeldReclaims.TryGetValue(o.Id.Value, out var held))
            fingerprint = MemoAccountState.Fingerprint(held.Deliverer, held.Receiver, held.Cusip, held.Shares, held.AmountCents, held.ReasonCode, held.ReclaimOf);
        if (fingerprint is null) return false;
        var incoming = MemoAccountState.Fingerprint(o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode, o.ReclaimOf?.Value);
        if (fingerprint != incoming)
        {
            d.Reject(IncomeRejection.DeliverOrderIdConflict, "deliverOrderId", $"{o.Id} was counted with other terms ({fingerprint}); this one says {incoming}");
            d.Messages.Clear();
        }
        return true;
    }

    private static void ApplyReclaim(MemoAccountState state, CompletedDeliverOrder reclaim, AppliedDeliverOrder original, Decision<MemoAccountEvent> d, DateTimeOffset at, bool checkMaximum)
    {
        // A reclaim reverses exactly its deliver order's change, whatever its own reason code.
        if (state.Resolve(original.Counterparty) is not { } counterparty) return;
        var change = -original.SharesChange;
        // A held reclaim applied right after its original only takes the line back where it was.
        if (checkMaximum && LineOverMaximum(state, counterparty, original.Cusip, change, d)) return;
        Emit(state, d, Applied(reclaim, TransactionType.Reclaim, counterparty, change, at) with { Cusip = original.Cusip.Value });
        ApplyHeldReclaimsOf(state, reclaim.Id.Value, d, at);
    }

    private static void ApplyHeldReclaimsOf(MemoAccountState state, string deliverOrderId, Decision<MemoAccountEvent> d, DateTimeOffset at)
    {
        foreach (var held in state.HeldReclaims.Values.Where(h => h.ReclaimOf == deliverOrderId).OrderBy(h => h.DeliverOrderId, StringComparer.Ordinal).ToList())
        {
            if (!state.AppliedDeliverOrders.TryGetValue(deliverOrderId, out var original)) return;
            ApplyReclaim(state, FromNoted(held), original, d, at, checkMaximum: false);
        }
    }

    private static bool LineOverMaximum(MemoAccountState state, ParticipantId counterparty, Cusip cusip, long change, Decision<MemoAccountEvent> d)
    {
        var after = (decimal)state.LineShares(counterparty, cusip) + change;
        if (Math.Abs(after) <= IncomeLimits.MemoLineSharesMax)
        {
            if (state.Lines.Count >= IncomeLimits.MemoLinesPerAccountMax && !state.Lines.ContainsKey(new LineKey(counterparty, cusip)))
                throw new InvariantViolation($"{state.Participant} has {state.Lines.Count} open memo lines, the most one memo account may hold");
            return false;
        }
        // Always checked before the command's first event, so refusing leaves the state as it was.
        d.Messages.Clear();
        d.Reject(IncomeRejection.MemoLineAboveMaximum, "shares", $"the line of {state.Participant} with {counterparty} in {cusip} would reach {after} shares, beyond {IncomeLimits.MemoLineSharesMax}");
        return true;
    }

    private static StockLoanDeliverOrderApplied Applied(CompletedDeliverOrder o, TransactionType type, ParticipantId counterparty, long change, DateTimeOffset at) =>
        new(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode, type.Name(),
            o.ReclaimOf?.Value, o.CompletedBy, IncomeDates.ToText(o.BusinessDate), counterparty.Value, change, at);

    private static StockLoanDeliverOrderNoted Noted(CompletedDeliverOrder o, string reason, DateTimeOffset at) =>
        new(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode,
            o.ReclaimOf?.Value, o.CompletedBy, IncomeDates.ToText(o.BusinessDate), reason, at);

    private static CompletedDeliverOrder FromNoted(StockLoanDeliverOrderNoted n) => new(
        new DeliverOrderId(n.DeliverOrderId), new ParticipantId(n.Deliverer), new ParticipantId(n.Receiver), new Cusip(n.Cusip), n.Shares,
        new Money(n.AmountCents), n.ReasonCode, n.ReclaimOf is null ? null : new DeliverOrderId(n.ReclaimOf), n.CompletedBy, IncomeDates.Parse(n.CompletedOn));

    internal static CompletedDeliverOrderData ToData(CompletedDeliverOrder o) => new(o.Id.Value, o.Deliverer.Value, o.Receiver.Value,
        o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode, o.ReclaimOf?.Value, o.CompletedBy, IncomeDates.ToText(o.BusinessDate));

    internal static CompletedDeliverOrder FromData(CompletedDeliverOrderData o) => new(new DeliverOrderId(o.Id), new ParticipantId(o.Deliverer),
        new ParticipantId(o.Receiver), new Cusip(o.Cusip), o.Shares, new Money(o.AmountCents), o.ReasonCode,
        o.ReclaimOf is null ? null : new DeliverOrderId(o.ReclaimOf), o.CompletedBy, IncomeDates.Parse(o.BusinessDate));

    // ------------------------------------------------------------------ adjustments

    private static void Adjustment(MemoAccountState state, ApplyAdjustment c, Decision<MemoAccountEvent> d)
    {
        if (!state.IsSelf(c.Participant) && c.Participant != c.ForwardedBy)
        {
            d.Reject(IncomeRejection.NotForThisAccount, "participant", $"adjustment {c.AdjustmentId} changes the line of {c.Participant}, not {state.Participant}");
            return;
        }
        if (c.ForwardedBy is { } predecessor)
            d.Send(IncomeAddress.MemoAccount(predecessor), new AcknowledgeForwardedChange(c.AdjustmentId, c.At));
        else
            d.Send(IncomeAddress.Adjustment(c.AdjustmentId), new AcknowledgeAdjustmentNotice(c.AdjustmentId, c.Participant, AdjustmentNotice.Applied, c.At));
        var known = state.AppliedAdjustments.Contains(c.AdjustmentId) || state.HasForwarded(c.AdjustmentId);
        var counterparty = state.Resolve(c.Counterparty);
        var applies = !known && (state.Standing is ParticipantStanding.Active or ParticipantStanding.Retired) && counterparty is not null;
        if (applies && LineOverMaximum(state, counterparty!.Value, c.Cusip, c.SharesChange, d)) return;
        if (state.AwaitingAdjustments.ContainsKey(c.AdjustmentId))
            Emit(state, d, new AdjustmentAwaitingCleared(c.AdjustmentId, AdjustmentStatus.Affirmed.Name(), c.At));
        if (known) return;
        switch (state.Standing)
        {
            case ParticipantStanding.Terminated:
                QueueNotice(state, c.Counterparty, d, c.At);
                return;
            case ParticipantStanding.Merged:
                var forwarded = new MemoChangeForwarded(c.AdjustmentId, "adjustment", state.Successor!.Value.Value, null,
                    new ForwardedAdjustmentData(c.AdjustmentId, c.EnteredBy.Value, c.Participant.Value, c.Counterparty.Value, c.Cusip.Value, c.SharesChange, IncomeDates.ToText(c.AffirmedOn)), c.At);
                Emit(state, d, forwarded);
                d.Messages.Add(ForwardMessage(state.Participant, forwarded, c.At));
                if (c.Counterparty != state.Successor) QueueNotice(state, c.Counterparty, d, c.At);
                return;
        }
        if (!applies) return; // the ledger no longer acts for the counterparty, or it is this participant itself
        Emit(state, d, new MemoAdjustmentApplied(c.AdjustmentId, c.EnteredBy.Value, counterparty!.Value.Value, c.Cusip.Value, c.SharesChange, IncomeDates.ToText(c.AffirmedOn), c.At));
    }

    private static void AwaitingAdjustment(MemoAccountState state, NoteAdjustmentAwaiting c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.Adjustment(c.AdjustmentId), new AcknowledgeAdjustmentNotice(c.AdjustmentId, state.Participant, AdjustmentNotice.Awaiting, c.At));
        // A notice overtaken by the adjustment's outcome (applied or cleared here already) is stale.
        if (state.AwaitingAdjustments.ContainsKey(c.AdjustmentId) || state.IsAdjustmentCleared(c.AdjustmentId) || state.AppliedAdjustments.Contains(c.AdjustmentId)) return;
        Emit(state, d, new AdjustmentAwaitingNoted(c.AdjustmentId, c.EnteredBy.Value, c.Cusip.Value, c.SharesChange,
            IncomeDates.ToText(c.EnteredOn), IncomeDates.ToText(c.ExpiresOn), c.At));
    }

    private static void ClearAwaiting(MemoAccountState state, ClearAdjustmentAwaiting c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.Adjustment(c.AdjustmentId), new AcknowledgeAdjustmentNotice(c.AdjustmentId, state.Participant, AdjustmentNotice.Cleared, c.At));
        if (state.IsAdjustmentCleared(c.AdjustmentId)) return;
        // Recorded even when the awaiting notice has not arrived: it leaves the tombstone that makes a late one stale.
        Emit(state, d, new AdjustmentAwaitingCleared(c.AdjustmentId, c.Status.Name(), c.At));
    }

    // ------------------------------------------------------------------ the close and the payable date

    private static void Close(MemoAccountState state, CloseMemoDay c, Decision<MemoAccountEvent> d)
    {
        if (c.NextDate <= c.ClosedDate) throw new ArgumentException($"the next date {c.NextDate:yyyy-MM-dd} must follow the closed date {c.ClosedDate:yyyy-MM-dd}", nameof(c));
        if (state.LastClosedDate is { } last && c.ClosedDate <= last) return; // a resend
        Emit(state, d, new MemoDayClosed(IncomeDates.ToText(c.ClosedDate), IncomeDates.ToText(c.NextDate), c.At));
        if (state.Standing is ParticipantStanding.Active or ParticipantStanding.Retired)
        {
            foreach (var group in c.Distributions
                .Where(x => x.RecordDate >= c.ClosedDate && x.RecordDate < c.NextDate)
                .GroupBy(x => (x.RecordDate, x.PostingDate))
                .OrderBy(g => g.Key.RecordDate).ThenBy(g => g.Key.PostingDate))
            {
                var cusips = group.Select(x => x.Cusip).ToHashSet();
                var lines = state.OrderedLines().Where(l => cusips.Contains(l.Key.Cusip))
                    .Select(l => new MemoLineData(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares)).ToList();
                var positions = c.Positions.Where(p => p.Value > 0 && cusips.Contains(p.Key))
                    .OrderBy(p => p.Key.Value, StringComparer.Ordinal)
                    .Select(p => new PositionData(p.Key.Value, p.Value)).ToList();
                if (lines.Count == 0 && positions.Count == 0) continue; // nothing due to or from this participant
                var report = new RecordDateFixed(IncomeDates.ToText(group.Key.RecordDate), IncomeDates.ToText(group.Key.PostingDate),
                    group.OrderBy(x => x.Cusip.Value, StringComparer.Ordinal).ThenBy(x => x.Id, StringComparer.Ordinal).Select(x => x.ToData()).ToList(),
                    lines, positions, c.At);
                Emit(state, d, report);
                d.Messages.Add(ReportMessage(state.Participant, report, c.At));
            }
        }
        // Adjustments that went unanswered through their last day: the adjustment decides, this only reminds it.
        foreach (var awaiting in state.AwaitingAdjustments.Values.Where(a => IncomeDates.Parse(a.ExpiresOn) < c.NextDate).OrderBy(a => a.AdjustmentId, StringComparer.Ordinal))
            d.Send(IncomeAddress.Adjustment(awaiting.AdjustmentId), new ExpireAdjustment(awaiting.AdjustmentId, c.NextDate, c.At));
    }

    private static IncomeMessage ReportMessage(ParticipantId participant, RecordDateFixed report, DateTimeOffset at) =>
        new(IncomeAddress.PayableDateRun(IncomeDates.Parse(report.PostingDate)),
            new ReportRecordDate(IncomeDates.Parse(report.PostingDate), participant, IncomeDates.Parse(report.RecordDate), report.Lines, report.Positions, at));

    private static void Posting(MemoAccountState state, RecordIncomePosting c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.PayableDateRun(c.PostingDate), new AcknowledgeIncomePosting(c.PostingDate, c.PostingId, c.At));
        if (state.HasPosting(c.PostingId)) return;
        var recorded = new IncomePostingRecorded(c.PostingId, IncomeDates.ToText(c.PostingDate), IncomeDates.ToText(c.BusinessDate),
            c.Entries, c.Skipped, c.ResolvedRecordDates.Select(IncomeDates.ToText).ToList(), c.At);
        Emit(state, d, recorded);
        if (c.Entries.Count > 0) d.SettlementPostings.Add(SettlementPosting(state.Participant, recorded));
    }

    private static SettlementIncomePosting SettlementPosting(ParticipantId participant, IncomePostingRecorded p) =>
        new(p.PostingId, participant, IncomeDates.Parse(p.BusinessDate), p.Entries);

    // ------------------------------------------------------------------ notifications

    private static void Halt(MemoAccountState state, NoteHaltFiled c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.HaltRegister, new AcknowledgeHaltNotice(c.Instructing, state.Participant, c.At));
        if (state.HaltsAgainst.TryGetValue(c.Instructing, out var known) && known.EffectiveDate == IncomeDates.ToText(c.EffectiveDate)) return;
        Emit(state, d, new HaltNoted(c.Instructing.Value, IncomeDates.ToText(c.EffectiveDate), IncomeDates.ToText(c.FiledOn), c.At));
    }

    // ------------------------------------------------------------------ mergers, retirement, termination

    private static void CounterpartyTerminated(MemoAccountState state, NoteCounterpartyTerminated c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.MemoAccount(c.Terminated), new AcknowledgeCounterpartyNotice(state.Participant, c.At));
        var lines = LinesAgainst(state, c.Terminated);
        if (lines.Count == 0 && state.ClosedCounterparty(c.Terminated)?.Standing == ParticipantStanding.Terminated) return;
        Emit(state, d, new CounterpartyTerminationApplied(c.Terminated.Value, IncomeDates.ToText(c.TerminatedOn), lines, c.At));
    }

    private static void CounterpartyMerged(MemoAccountState state, NoteCounterpartyMerged c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.MemoAccount(c.From), new AcknowledgeCounterpartyNotice(state.Participant, c.At));
        if (state.IsSelf(c.From)) return; // this account is the successor: the merged lines say it all
        var lines = LinesAgainst(state, c.From);
        var known = state.ClosedCounterparty(c.From) is { Standing: ParticipantStanding.Merged } closed && closed.Successor == c.To;
        if (!known || lines.Count > 0)
        {
            foreach (var line in lines)
            {
                if (state.Resolve(c.To) is { } target && LineOverMaximum(state, target, new Cusip(line.Cusip), line.Shares, d)) return;
            }
            Emit(state, d, new CounterpartyMergeApplied(c.From.Value, c.To.Value, lines, c.At));
        }
        if (state.Standing is ParticipantStanding.Merged or ParticipantStanding.Terminated && state.Resolve(c.To) is { } holder)
        {
            // The successor now holds the lines the merged counterparty had against this participant,
            // which may have been closed or moved since that counterparty was told: tell the successor too.
            QueueNotice(state, holder, d, c.At);
        }
    }

    private static void MergedLines(MemoAccountState state, ReceiveMergedLines c, Decision<MemoAccountEvent> d)
    {
        d.Send(IncomeAddress.MemoAccount(c.From), new AcknowledgeMergedLines(state.Participant, c.At));
        if (state.Predecessors.Contains(c.From)) return;
        var predecessors = c.Predecessors.Where(p => p != state.Participant).Select(p => p.Value).Order(StringComparer.Ordinal).ToList();
        var cancelled = LinesAgainst(state, c.From).Concat(c.Predecessors.SelectMany(p => LinesAgainst(state, p))).ToList();
        Emit(state, d, new MergedLinesReceived(c.From.Value, predecessors, c.Lines, cancelled, c.At));
    }

    private static void Merge(MemoAccountState state, MergeInto c, Decision<MemoAccountEvent> d)
    {
        if (state.Standing != ParticipantStanding.Active)
        {
            d.Reject(IncomeRejection.ParticipantNotActive, "from", $"{state.Participant} is {state.Standing.Name()}; only an active participant can merge");
            return;
        }
        if (c.To == state.Participant || state.Predecessors.Contains(c.To))
        {
            d.Reject(IncomeRejection.MergeIntoSelf, "to", $"{state.Participant} cannot merge into itself");
            return;
        }
        var to = c.Directory.Find(c.To);
        if (to is null)
        {
            d.Reject(IncomeRejection.UnknownParticipant, "to", $"{c.To} is not a known participant");
            return;
        }
        if (to.Standing != ParticipantStanding.Active)
        {
            d.Reject(IncomeRejection.ParticipantNotActive, "to", $"{c.To} is {to.Standing.Name()}; a participant can merge only into an active one");
            return;
        }
        if (to.CentralCounterparty || c.Directory.Find(state.Participant)?.CentralCounterparty == true)
        {
            // OCC stands in every Market Loan so that neither side learns the other: its lines cannot pass to a participant, nor a participant's to it.
            d.Reject(IncomeRejection.MergeCentralCounterparty, "to", "a central counterparty neither merges nor is merged into");
            return;
        }
        if (c.Facts.DeliverOrdersInFlight > 0)
        {
            d.Reject(IncomeRejection.MergeWithDeliverOrdersInFlight, "from", $"{state.Participant} has {c.Facts.DeliverOrdersInFlight} deliver orders in flight");
            return;
        }
        if (c.Facts.SettlementBalance != Money.Zero)
        {
            d.Reject(IncomeRejection.MergeWithSettlementBalance, "from", $"{state.Participant}'s settlement balance is {c.Facts.SettlementBalance}; merge after a close");
            return;
        }
        var open = state.OpenEntitlements();
        if (open.Count > 0)
        {
            var message = $"{state.Participant} has entitlements still to be paid ({Describe(open)}); merge after their payable date";
            d.Reject(new IncomeError(IncomeRejection.MergeWithOpenEntitlements, "from", message) { Open = open });
            return;
        }
        var lines = state.OrderedLines().Select(l => new MemoLineData(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares)).ToList();
        var counterparties = lines.Select(l => l.Counterparty).Where(p => p != c.To.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Emit(state, d, new MemoAccountMerged(c.To.Value, IncomeDates.ToText(c.BusinessDate), lines, counterparties, c.At));
        d.Send(IncomeAddress.MemoAccount(c.To), new ReceiveMergedLines(state.Participant, state.Predecessors.OrderBy(p => p.Value, StringComparer.Ordinal).ToList(), lines, c.At));
        foreach (var counterparty in counterparties) d.Messages.Add(Notice(state, new ParticipantId(counterparty), c.At));
    }

    private static void RetireAccount(MemoAccountState state, Retire c, Decision<MemoAccountEvent> d)
    {
        if (state.Standing != ParticipantStanding.Active)
        {
            d.Reject(IncomeRejection.ParticipantNotActive, "participant", $"{state.Participant} is {state.Standing.Name()}");
            return;
        }
        var open = state.OrderedLines().Select(l => new OpenItem(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares)).Concat(state.OpenEntitlements()).ToList();
        if (open.Count > 0)
        {
            d.Reject(new IncomeError(IncomeRejection.MemoLinesOpen, "participant", $"{state.Participant} still has open memo lines or entitlements: {Describe(open)}") { Open = open });
            return;
        }
        Emit(state, d, new MemoAccountRetired(IncomeDates.ToText(c.BusinessDate), c.At));
    }

    private static void TerminateAccount(MemoAccountState state, Terminate c, Decision<MemoAccountEvent> d)
    {
        if (state.Standing != ParticipantStanding.Active)
        {
            d.Reject(IncomeRejection.ParticipantNotActive, "participant", $"{state.Participant} is {state.Standing.Name()}");
            return;
        }
        var lines = state.OrderedLines().Select(l => new MemoLineData(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares)).ToList();
        var counterparties = lines.Select(l => l.Counterparty).Distinct().Order(StringComparer.Ordinal).ToList();
        Emit(state, d, new MemoAccountTerminated(IncomeDates.ToText(c.BusinessDate), lines, counterparties, c.At));
        foreach (var counterparty in counterparties) d.Messages.Add(Notice(state, new ParticipantId(counterparty), c.At));
    }

    private static void QueueNotice(MemoAccountState state, ParticipantId counterparty, Decision<MemoAccountEvent> d, DateTimeOffset at)
    {
        if (state.IsSelf(counterparty)) return;
        if (!state.Notices.ContainsKey(counterparty)) Emit(state, d, new CounterpartyNoticeQueued(counterparty.Value, at));
        if (!state.Notices[counterparty]) d.Messages.Add(Notice(state, counterparty, at));
    }

    private static IncomeMessage Notice(MemoAccountState state, ParticipantId counterparty, DateTimeOffset at) =>
        new(IncomeAddress.MemoAccount(counterparty), state.Standing == ParticipantStanding.Merged
            ? new NoteCounterpartyMerged(state.Participant, state.Successor!.Value, at)
            : new NoteCounterpartyTerminated(state.Participant, state.StandingSince ?? default, at));

    private static IncomeMessage ForwardMessage(ParticipantId participant, MemoChangeForwarded f, DateTimeOffset at)
    {
        var to = IncomeAddress.MemoAccount(new ParticipantId(f.To));
        if (f.DeliverOrder is { } order) return new IncomeMessage(to, new ApplyCompletedDeliverOrder(FromData(order), at, participant));
        var a = f.Adjustment ?? throw new InvariantViolation($"forwarded change {f.ChangeId} carries nothing");
        return new IncomeMessage(to, new ApplyAdjustment(a.AdjustmentId, new ParticipantId(a.EnteredBy), new ParticipantId(a.Participant),
            new ParticipantId(a.Counterparty), new Cusip(a.Cusip), a.SharesChange, IncomeDates.Parse(a.AffirmedOn), at, participant));
    }

    private static void AcknowledgeForward(ParticipantId? forwardedBy, string changeId, Decision<MemoAccountEvent> d, DateTimeOffset at)
    {
        if (forwardedBy is { } predecessor) d.Send(IncomeAddress.MemoAccount(predecessor), new AcknowledgeForwardedChange(changeId, at));
    }

    private static List<MemoLineData> LinesAgainst(MemoAccountState state, ParticipantId counterparty) =>
        state.OrderedLines().Where(l => l.Key.Counterparty == counterparty)
            .Select(l => new MemoLineData(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares)).ToList();

    internal static string Describe(IReadOnlyList<OpenItem> open)
    {
        const int shown = 10;
        var text = string.Join("; ", open.Take(shown).Select(o => o.RecordDate is null
            ? $"{o.Cusip} with {o.Counterparty}: {o.Shares} shares"
            : o.Counterparty.Length == 0
                ? $"{o.Cusip} held at the close of {o.RecordDate}: {o.Shares} shares, payable {o.PostingDate}"
                : $"{o.Cusip} with {o.Counterparty} at the close of {o.RecordDate}: {o.Shares} shares, payable {o.PostingDate}"));
        return open.Count > shown ? $"{text}; and {open.Count - shown} more" : text;
    }
}
