using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>
/// The rules of one loan book. <see cref="Decide"/> turns a command into events, applying each to
/// the state as it goes (so later steps of the same command see the earlier ones), plus the
/// payment-order requests and the reply those events justify. The caller persists the events
/// before any request or reply leaves, and throws the state away if persisting fails. Inputs
/// from other contexts never just vanish: they take effect, are recognised as duplicates, are
/// ignored as not the book's business, or become exception records.
/// </summary>
public static class LoanBookDecider
{
    public static LoanBookDecision Decide(LoanBookState state, LoanBookCommand command, LendingRules rules, BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(calendar);
        var decision = new LoanBookDecision();
        switch (command)
        {
            case RecordDeliverOrderCompleted c: OnDeliverOrder(state, c.Order, rules, decision); break;
            case RecordPaymentOrderOutcome c: OnPaymentOrderOutcome(state, c.Outcome, decision); break;
            case OpenRecall c: OnRecall(state, c.Notice, rules, calendar, decision); break;
            case CancelRecall c: OnRecallCancel(state, c.Notice, decision); break;
            case ComputeMarks c: OnComputeMarks(state, c, rules, calendar, decision); break;
            case AccrueRebates c: OnAccrueRebates(state, c, calendar, decision); break;
            case ConfirmRegistration c:
                if (!state.RegistrationConfirmed) Emit(state, decision, new BookRegistrationConfirmed(c.At));
                decision.Reply = Recorded.New;
                break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        // A book is listed once it holds a loan or an exception record: a return or a recall of a
        // pair that never had a loan is still listed for its parties (GET .../loan-exceptions).
        if (state.Listed && !state.RegistrationConfirmed && decision.Events.Any(e => e is LoanOpened or DeliverOrderExcepted or RecallExcepted or RecallCancelExcepted))
            decision.Registration = new RegisterLoanBook(state.Book, command.At);
        LoanBookInvariants.Check(state, decision.Events);
        return decision;
    }

    /// <summary>
    /// What to send again after recovery or when a resend timer fires: the payment order of every
    /// mark without an outcome (settlement deduplicates on the id), and the registration while the
    /// directory has not confirmed it.
    /// </summary>
    public static (IReadOnlyList<PaymentOrderRequest> PaymentOrders, RegisterLoanBook? Registration) Unsent(LoanBookState state, DateTimeOffset at)
    {
        var requests = state.MarksRequested
            .OrderBy(m => m.MarkDate).ThenBy(m => m.Id, StringComparer.Ordinal)
            .Select(m => RequestOf(state, m, at))
            .ToList();
        var registration = state.Listed && !state.RegistrationConfirmed ? new RegisterLoanBook(state.Book, at) : null;
        return (requests, registration);
    }

    private static PaymentOrderRequest RequestOf(LoanBookState state, Mark mark, DateTimeOffset at) =>
        new(new DeliverOrderId(mark.Id), mark.Payer, mark.Payee, new Money(Math.Abs(mark.Amount.Cents)),
            state.Loans[mark.LoanId].Cusip, mark.LoanId, mark.MarkDate, at);

    private static void Emit(LoanBookState state, LoanBookDecision decision, LoanBookEvent e)
    {
        state.Apply(e);
        decision.Events.Add(e);
    }

    private static Refused Refuse(LendingRejection rule, string field, string message) => new(new LendingError(rule, field, message));

    // ---- Deliver orders: loans, returns, reclaims ----

    private static void OnDeliverOrder(LoanBookState state, CompletedDeliverOrder o, LendingRules rules, LoanBookDecision decision)
    {
        if (o.Deliverer == o.Receiver || !state.Book.Contains(o.Deliverer) || !state.Book.Contains(o.Receiver))
        {
            decision.Reply = Refuse(LendingRejection.WrongBook, "deliverer", $"deliver order {o.Id} is between {o.Deliverer} and {o.Receiver}, not the pair of book {state.Book}");
            return;
        }
        if (o.ReclaimOf is { } reclaimed)
        {
            OnReclaim(state, o, reclaimed.Value, decision);
            return;
        }
        if (o.ReasonCode is not (LoanTerms.LoanReasonCode or LoanTerms.ReturnReasonCode))
        {
            decision.Reply = new Ignored($"reason code {o.ReasonCode} neither opens nor returns a loan");
            return;
        }
        if (state.DeliverOrderFingerprint(o.Id.Value) is { } known)
        {
            if (known == o.Fingerprint || state.IsDuplicateRecorded(o.Id.Value + "|" + o.Fingerprint))
            {
                decision.Reply = Recorded.Again;
                return;
            }
            ExceptDeliverOrder(state, o, "deliver-order-id-unique", "id", $"deliver order {o.Id} was already recorded with other terms", decision);
            return;
        }
        if (FieldError(o) is { } fieldError)
        {
            ExceptDeliverOrder(state, o, fieldError.Rule, fieldError.Field, fieldError.Message, decision);
            return;
        }
        if (o.ReasonCode == LoanTerms.LoanReasonCode) OpenLoan(state, o, rules, decision);
        else ApplyReturn(state, o, decision);
    }

    private static (string Rule, string Field, string Message)? FieldError(CompletedDeliverOrder o)
    {
        if (!Cusip.IsValid(o.Cusip.Value)) return ("cusip-check-digit", "cusip", "cusip must be 9 characters ending in a valid check digit");
        if (o.Shares <= 0) return ("shares-positive", "shares", "shares must be greater than zero");
        if (o.Shares > LendingLimits.SharesMax) return ("shares-maximum", "shares", $"shares must be at most {LendingLimits.SharesMax}");
        if (o.Amount.IsNegative) return ("amount-not-negative", "amount", "amount must not be negative");
        if (o.Amount > Money.AmountMax) return ("amount-maximum", "amount", $"amount must be at most {Money.AmountMax}");
        return null;
    }

    private static void ExceptDeliverOrder(LoanBookState state, CompletedDeliverOrder o, string rule, string field, string message, LoanBookDecision decision)
    {
        if (state.Exceptions.Count >= LendingLimits.ExceptionsPerBookMax)
        {
            decision.Reply = Refuse(LendingRejection.ExceptionsPerBookMaximum, "id", $"book {state.Book} holds {LendingLimits.ExceptionsPerBookMax} exception records");
            return;
        }
        Emit(state, decision, new DeliverOrderExcepted(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents,
            o.ReasonCode, o.ReclaimOf?.Value, o.RebateRate, o.CollateralMargin, LendingDates.Format(o.BusinessDate), rule, field, message, o.At));
        decision.Reply = new Excepted(rule, field, message);
    }

    private static void OpenLoan(LoanBookState state, CompletedDeliverOrder o, LendingRules rules, LoanBookDecision decision)
    {
        if (LoanTerms.Validate(o.ReasonCode, o.RebateRate, o.CollateralMargin) is { } termsError)
        {
            ExceptDeliverOrder(state, o, termsError.RuleName, termsError.Field, termsError.Message, decision);
            return;
        }
        if (state.Loans.Count >= LendingLimits.LoansPerBookMax)
        {
            ExceptDeliverOrder(state, o, LendingError.NameOf(LendingRejection.LoansPerBookMaximum), "id", $"book {state.Book} holds {LendingLimits.LoansPerBookMax} loans", decision);
            return;
        }
        Emit(state, decision, new LoanOpened(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents,
            o.CollateralMargin ?? rules.CollateralMarginDefault, o.RebateRate, LendingDates.Format(o.BusinessDate), o.At));
        decision.Reply = Recorded.New;
    }

    private static void ApplyReturn(LoanBookState state, CompletedDeliverOrder o, LoanBookDecision decision)
    {
        var lender = o.Receiver;
        var borrower = o.Deliverer;
        var open = state.LoansOf(lender, borrower, o.Cusip).Where(l => l.State == LoanState.Open && l.OpenShares > 0).ToList();
        if (open.Count == 0)
        {
            ExceptDeliverOrder(state, o, "return-without-open-loan", "cusip",
                $"return {o.Id} of {o.Shares} shares of {o.Cusip} finds no open loan from {lender} to {borrower}; it settled, and is kept here as an exception", decision);
            return;
        }

        // Shares close loans oldest first; each piece takes its share of the amount, the last piece the rest.
        var pieces = new List<(Loan? Loan, long Shares)>();
        var left = o.Shares;
        foreach (var loan in open)
        {
            if (left == 0) break;
            var take = Math.Min(left, loan.OpenShares);
            pieces.Add((loan, take));
            left -= take;
        }
        if (left > 0) pieces.Add((null, left));
        var amounts = Split(o.Amount.Cents, o.Shares, pieces.Select(p => p.Shares).ToList());
        var allocations = new List<ReturnAllocation>();
        long excessShares = 0, excessAmount = 0;
        for (var i = 0; i < pieces.Count; i++)
        {
            if (pieces[i].Loan is { } loan) allocations.Add(new ReturnAllocation(loan.Id, pieces[i].Shares, amounts[i]));
            else (excessShares, excessAmount) = (pieces[i].Shares, amounts[i]);
        }

        var reductions = RecallReductionsForReturn(state, lender, borrower, o.Cusip, o.At, allocations);
        Emit(state, decision, new ReturnApplied(o.Id.Value, lender.Value, borrower.Value, o.Cusip.Value, o.Shares, o.Amount.Cents,
            LendingDates.Format(o.BusinessDate), allocations, reductions, excessShares, excessAmount, o.At));
        decision.Reply = excessShares > 0
            ? new Excepted("return-exceeds-open-loans", "shares", $"{excessShares} of the {o.Shares} shares returned exceed every open loan from {lender} to {borrower} in {o.Cusip}")
            : Recorded.New;
    }

    /// <summary>
    /// Splits <paramref name="totalCents"/> over pieces in proportion to their shares, half away
    /// from zero; the last piece takes what is left so the pieces add up exactly.
    /// </summary>
    internal static long[] Split(long totalCents, long totalShares, IReadOnlyList<long> shares)
    {
        var result = new long[shares.Count];
        long given = 0;
        for (var i = 0; i < shares.Count - 1; i++)
        {
            result[i] = (long)decimal.Round(totalCents * (decimal)shares[i] / totalShares, 0, MidpointRounding.AwayFromZero);
            given += result[i];
        }
        if (shares.Count > 0) result[^1] = totalCents - given;
        return result;
    }

    /// <summary>
    /// Which recalls a return meets. A return meets only recalls made available no later than it
    /// completed (so a recall that arrives late, from the hub's separate feed, is not met by an
    /// earlier return): first those on the loans it closes, as far as it closes them; then,
    /// with the shares left, the other such recalls of the pair, oldest first (the borrower owes
    /// shares of the CUSIP, not of a particular loan). Any recall still asking more of a loan than
    /// the loan has open afterwards shrinks to fit, so no recall ever exceeds the loans it names.
    /// </summary>
    private static List<RecallReduction> RecallReductionsForReturn(LoanBookState state, ParticipantId lender, ParticipantId borrower, Cusip cusip, DateTimeOffset at, List<ReturnAllocation> allocations)
    {
        var recalls = state.RecallsOf(lender, borrower, cusip).Where(r => r.State == RecallState.Open).ToList();
        var tally = new RecallTally(recalls);
        var eligible = recalls.Where(r => r.At <= at).ToList();
        long unmatched = 0;
        foreach (var a in allocations)
        {
            var left = a.Shares;
            foreach (var r in eligible)
            {
                if (left == 0) break;
                left -= tally.Reduce(r, a.LoanId, left);
            }
            unmatched += left;
            var loanOpenAfter = state.Loans[a.LoanId].OpenShares - a.Shares;
            var over = tally.TotalOn(a.LoanId) - loanOpenAfter;
            foreach (var r in recalls)
            {
                if (over <= 0) break;
                over -= tally.Reduce(r, a.LoanId, over);
            }
        }
        foreach (var r in eligible)
        {
            foreach (var l in r.Loans)
            {
                if (unmatched == 0) break;
                unmatched -= tally.Reduce(r, l.LoanId, unmatched);
            }
        }
        return tally.Changes();
    }

    private static void OnReclaim(LoanBookState state, CompletedDeliverOrder o, string reclaimedId, LoanBookDecision decision)
    {
        if (state.IsReclaimSeen(o.Id.Value))
        {
            decision.Reply = Recorded.Again;
            return;
        }
        if (state.Loans.TryGetValue(reclaimedId, out var loan))
        {
            if (loan.State == LoanState.Cancelled)
            {
                ExceptDeliverOrder(state, o, "reclaim-once", "reclaimOf", $"loan {reclaimedId} was already cancelled by a reclaim", decision);
                return;
            }
            var recalls = state.RecallsOf(loan.Lender, loan.Borrower, loan.Cusip).Where(r => r.State == RecallState.Open).ToList();
            var tally = new RecallTally(recalls);
            foreach (var r in recalls) tally.Reduce(r, loan.Id, long.MaxValue);
            Emit(state, decision, new LoanCancelled(o.Id.Value, loan.Id, loan.OpenShares, o.Amount.Cents, LendingDates.Format(o.BusinessDate), tally.Changes(), o.At));
            decision.Reply = Recorded.New;
            return;
        }
        if (state.Returns.TryGetValue(reclaimedId, out var record))
        {
            if (record.ReversedBy is not null)
            {
                ExceptDeliverOrder(state, o, "reclaim-once", "reclaimOf", $"return {reclaimedId} was already reclaimed", decision);
                return;
            }
            var returned = record.Event;
            var lender = new ParticipantId(returned.Lender);
            var borrower = new ParticipantId(returned.Borrower);
            var cusip = new Cusip(returned.Cusip);
            // The reclaim puts the returned shares back on their loans (not on a loan a reclaim of
            // its opening has cancelled since: that one stays cancelled), and asks again what the
            // return had met of each recall that is still standing, as far as the loans allow.
            var restored = returned.Loans.Where(a => state.Loans[a.LoanId].State != LoanState.Cancelled).ToList();
            var openAfter = restored.ToDictionary(a => a.LoanId, a => state.Loans[a.LoanId].OpenShares + a.Shares, StringComparer.Ordinal);
            var recalls = state.RecallsOf(lender, borrower, cusip).Where(r => r.State != RecallState.Cancelled).ToList();
            var tally = new RecallTally(recalls);
            foreach (var reduction in returned.Recalls)
            {
                if (!state.Recalls.TryGetValue(reduction.ControlNumber, out var recall) || recall.State == RecallState.Cancelled) continue;
                var loanOpen = openAfter.TryGetValue(reduction.LoanId, out var open) ? open : state.Loans[reduction.LoanId].OpenShares;
                var room = loanOpen - tally.TotalOn(reduction.LoanId);
                tally.Restore(recall, reduction.LoanId, Math.Min(reduction.Shares, Math.Max(0, room)));
            }
            Emit(state, decision, new ReturnReversed(o.Id.Value, reclaimedId, LendingDates.Format(o.BusinessDate), restored, tally.Changes(), o.At));
            decision.Reply = Recorded.New;
            return;
        }
        decision.Reply = new Ignored($"deliver order {reclaimedId} is neither a loan nor a return of book {state.Book}");
    }

    // ---- Payment orders ----

    private static void OnPaymentOrderOutcome(LoanBookState state, PaymentOrderOutcome outcome, LoanBookDecision decision)
    {
        if (!state.Marks.TryGetValue(outcome.Id.Value, out var mark))
        {
            decision.Reply = Refuse(LendingRejection.UnknownMark, "id", $"payment order {outcome.Id} is no mark of book {state.Book}");
            return;
        }
        if (mark.Payer != outcome.Payer || mark.Payee != outcome.Payee)
        {
            decision.Reply = Refuse(LendingRejection.MarkPartiesMismatch, "payer", $"mark {mark.Id} is paid by {mark.Payer} to {mark.Payee}, not by {outcome.Payer} to {outcome.Payee}");
            return;
        }
        if (mark.Status != MarkStatus.Requested)
        {
            // A mark settles at most once: a second outcome, of either kind, changes nothing.
            decision.Reply = Recorded.Again;
            return;
        }
        var date = LendingDates.Format(outcome.BusinessDate);
        Emit(state, decision, outcome.Status == PaymentOrderStatus.Completed
            ? new MarkCompleted(mark.Id, date, outcome.At)
            : new MarkDropped(mark.Id, date, outcome.At));
        decision.Reply = Recorded.New;
    }

    // ---- Recalls ----

    private static void OnRecall(LoanBookState state, RecallNotice n, LendingRules rules, BusinessCalendar calendar, LoanBookDecision decision)
    {
        if (n.Lender == n.Borrower || !state.Book.Contains(n.Lender) || !state.Book.Contains(n.Borrower))
        {
            decision.Reply = Refuse(LendingRejection.WrongBook, "lender", $"recall {n.ControlNumber} is between {n.Lender} and {n.Borrower}, not the pair of book {state.Book}");
            return;
        }
        if (!LendingLimits.IsValidControlNumber(n.ControlNumber))
        {
            decision.Reply = Refuse(LendingRejection.ControlNumberFormat, "controlNumber", $"a control number is 1 to {LendingLimits.ControlNumberLengthMax} letters, digits, '-', '_', '.', ':' or '/'");
            return;
        }
        if (state.RecallFingerprint(n.ControlNumber) is { } known)
        {
            if (known == n.Fingerprint || state.IsDuplicateRecorded(n.ControlNumber + "|" + n.Fingerprint))
            {
                decision.Reply = Recorded.Again;
                return;
            }
            ExceptRecall(state, n, "control-number-unique", "controlNumber", $"recall {n.ControlNumber} was already recorded with other fields", decision);
            return;
        }
        if (!Cusip.IsValid(n.Cusip.Value))
        {
            ExceptRecall(state, n, "cusip-check-digit", "cusip", "cusip must be 9 characters ending in a valid check digit", decision);
            return;
        }
        if (n.Shares <= 0)
        {
            ExceptRecall(state, n, "shares-positive", "shares", "a recall asks for more than zero shares", decision);
            return;
        }
        if (n.Shares > LendingLimits.SharesMax)
        {
            ExceptRecall(state, n, "shares-maximum", "shares", $"a recall asks for at most {LendingLimits.SharesMax} shares", decision);
            return;
        }
        if (n.ReturnDate is { } named && (named < n.BusinessDate || named.DayNumber - n.BusinessDate.DayNumber > LendingLimits.ReturnDateDaysMax))
        {
            ExceptRecall(state, n, "return-date-range", "returnDate",
                $"the return date is on or after the recall's date {LendingDates.Format(n.BusinessDate)} and at most {LendingLimits.ReturnDateDaysMax} days after it", decision);
            return;
        }
        if (state.Recalls.Count >= LendingLimits.RecallsPerBookMax)
        {
            ExceptRecall(state, n, "book-recalls-maximum", "controlNumber", $"book {state.Book} holds {LendingLimits.RecallsPerBookMax} recalls", decision);
            return;
        }

        // What the borrower owes: each loan's open shares not already asked for, oldest loans first.
        var allocations = new List<RecallAllocation>();
        var left = n.Shares;
        foreach (var loan in state.LoansOf(n.Lender, n.Borrower, n.Cusip))
        {
            if (left == 0 || allocations.Count == LendingLimits.LoansPerRecallMax) break;
            if (loan.State != LoanState.Open) continue;
            var free = loan.OpenShares - state.RecalledShares(loan.Id);
            if (free <= 0) continue;
            var take = Math.Min(left, free);
            allocations.Add(new RecallAllocation(loan.Id, take));
            left -= take;
        }
        if (allocations.Count == 0)
        {
            ExceptRecall(state, n, "recall-without-open-loan", "shares",
                $"recall {n.ControlNumber} of {n.Shares} shares of {n.Cusip} finds nothing {n.Borrower} owes {n.Lender}", decision);
            return;
        }
        var countsFrom = RecallDeadlines.CountsFrom(n.BusinessDate, n.At, rules, calendar);
        var due = RecallDeadlines.DueOn(countsFrom, n.ReturnDate, rules, calendar);
        var buyIn = RecallDeadlines.BuyInFrom(due, calendar);
        Emit(state, decision, new RecallOpened(n.ControlNumber, n.Lender.Value, n.Borrower.Value, n.Cusip.Value, n.Shares, n.Shares - left,
            LendingDates.Format(n.BusinessDate), LendingDates.Format(countsFrom), LendingDates.Format(due),
            n.ReturnDate is { } r ? LendingDates.Format(r) : null, LendingDates.Format(buyIn),
            RecallDeadlines.BuyInNoticeBy(buyIn, rules, calendar), RecallDeadlines.CloseOutBy(due, rules, calendar), allocations, n.At));
        decision.Reply = left > 0
            ? new Excepted("recall-exceeds-owed", "shares", $"recall {n.ControlNumber} opened for the {n.Shares - left} shares owed; {left} of the {n.Shares} asked for are not owed")
            : Recorded.New;
    }

    private static void ExceptRecall(LoanBookState state, RecallNotice n, string rule, string field, string message, LoanBookDecision decision)
    {
        if (state.Exceptions.Count >= LendingLimits.ExceptionsPerBookMax)
        {
            decision.Reply = Refuse(LendingRejection.ExceptionsPerBookMaximum, "controlNumber", $"book {state.Book} holds {LendingLimits.ExceptionsPerBookMax} exception records");
            return;
        }
        Emit(state, decision, new RecallExcepted(n.ControlNumber, n.Lender.Value, n.Borrower.Value, n.Cusip.Value, n.Shares,
            n.ReturnDate is { } r ? LendingDates.Format(r) : null, LendingDates.Format(n.BusinessDate), rule, field, message, n.At));
        decision.Reply = new Excepted(rule, field, message);
    }

    private static void OnRecallCancel(LoanBookState state, RecallCancelNotice n, LoanBookDecision decision)
    {
        if (n.Lender == n.Borrower || !state.Book.Contains(n.Lender) || !state.Book.Contains(n.Borrower))
        {
            decision.Reply = Refuse(LendingRejection.WrongBook, "lender", $"cancel {n.ControlNumber} is between {n.Lender} and {n.Borrower}, not the pair of book {state.Book}");
            return;
        }
        if (!LendingLimits.IsValidControlNumber(n.ControlNumber) || !LendingLimits.IsValidControlNumber(n.RecallControlNumber))
        {
            decision.Reply = Refuse(LendingRejection.ControlNumberFormat, "controlNumber", $"a control number is 1 to {LendingLimits.ControlNumberLengthMax} letters, digits, '-', '_', '.', ':' or '/'");
            return;
        }
        if (state.IsRecallCancelSeen(n.ControlNumber))
        {
            decision.Reply = Recorded.Again;
            return;
        }
        string? rule = null, message = null;
        if (!state.Recalls.TryGetValue(n.RecallControlNumber, out var recall))
            (rule, message) = ("recall-known", $"cancel {n.ControlNumber} names recall {n.RecallControlNumber}, which book {state.Book} does not hold");
        else if (recall.Lender != n.Lender || recall.Borrower != n.Borrower)
            (rule, message) = ("recall-cancel-by-lender", $"recall {recall.ControlNumber} was sent by {recall.Lender} to {recall.Borrower}; only that lender may cancel it");
        else if (recall.State != RecallState.Open)
            (rule, message) = ("recall-open", $"recall {recall.ControlNumber} is {RecallViews.Name(recall.State)}: nothing is open to cancel");
        if (rule is not null)
        {
            if (state.Exceptions.Count >= LendingLimits.ExceptionsPerBookMax)
            {
                decision.Reply = Refuse(LendingRejection.ExceptionsPerBookMaximum, "controlNumber", $"book {state.Book} holds {LendingLimits.ExceptionsPerBookMax} exception records");
                return;
            }
            Emit(state, decision, new RecallCancelExcepted(n.ControlNumber, n.RecallControlNumber, n.Lender.Value, n.Borrower.Value, LendingDates.Format(n.BusinessDate), rule, message!, n.At));
            decision.Reply = new Excepted(rule, "recallControlNumber", message!);
            return;
        }
        Emit(state, decision, new RecallCancelled(recall!.ControlNumber, n.ControlNumber, recall.OpenShares, LendingDates.Format(n.BusinessDate), n.At));
        decision.Reply = Recorded.New;
    }

    // ---- The open: marks ----

    private static void OnComputeMarks(LoanBookState state, ComputeMarks c, LendingRules rules, BusinessCalendar calendar, LoanBookDecision decision)
    {
        if (state.MarkDays.TryGetValue(c.MarkDate, out var done))
        {
            decision.Reply = new MarksDone(done);
            return;
        }
        if (!calendar.IsBusinessDay(c.MarkDate))
        {
            decision.Reply = Refuse(LendingRejection.NotABusinessDay, "markDate", $"{LendingDates.Format(c.MarkDate)} is not a business day");
            return;
        }
        if (c.PriceDate >= c.MarkDate)
        {
            decision.Reply = Refuse(LendingRejection.PriceDateRange, "priceDate", "marks use the close prices of an earlier business date");
            return;
        }
        if (state.LastMarkedDate is { } last && last > c.MarkDate)
        {
            // A run for a date the book has passed (a stale resend, or a day that missed the book)
            // marks nothing: the later run already brought every loan to its required collateral.
            var passed = new MarksComputed(LendingDates.Format(c.MarkDate), LendingDates.Format(c.PriceDate), 0, 0, 0, 0, 0, [], 0, 0, c.At);
            Emit(state, decision, passed);
            decision.Reply = new MarksDone(passed);
            return;
        }
        var unresolved = state.MarksRequested.Where(m => m.MarkDate < c.MarkDate).OrderBy(m => m.MarkDate).FirstOrDefault();
        if (unresolved is not null)
        {
            // The next mark is required - held; until the earlier payment order's outcome is known,
            // held is not, and computing now could pay the same move twice.
            decision.Reply = Refuse(LendingRejection.MarksUnresolved, "markDate",
                $"mark {unresolved.Id} of {LendingDates.Format(unresolved.MarkDate)} has no outcome from settlement yet");
            return;
        }
        CatchUpCloses(state, calendar.Previous(c.MarkDate), calendar, c.At, decision);

        int loansMarked = 0, requested = 0, zero = 0, belowMinimum = 0, aboveMaximum = 0, withoutPrice = 0;
        long requestedTotal = 0;
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var loan in state.LoansInOrder)
        {
            // A loan opened on the mark date was priced at its opening: its first mark is the next open.
            if (loan.State != LoanState.Open || loan.OpenedOn >= c.MarkDate) continue;
            if (!c.ClosePrices.TryGetValue(loan.Cusip, out var price) || price.Cents <= 0 || price > LendingLimits.PriceMax)
            {
                withoutPrice++;
                missing.Add(loan.Cusip.Value);
                continue;
            }
            loansMarked++;
            var required = Marks.RequiredCents(loan.OpenShares, price, loan.CollateralMargin);
            var markCents = required - loan.CollateralHeld.Cents;
            if (required > Money.AmountMax.Cents || Math.Abs(markCents) > Money.AmountMax.Cents)
            {
                aboveMaximum++;
                continue;
            }
            var mark = new Money((long)markCents);
            if (mark.Cents == 0)
            {
                zero++;
                continue;
            }
            if (!Marks.IsSent(mark, rules.MarkMinimum))
            {
                belowMinimum++;
                continue;
            }
            var (payer, payee) = Marks.Parties(mark, loan.Lender, loan.Borrower);
            var id = MarkIds.For(loan.Id, c.MarkDate);
            var e = new MarkRequested(id.Value, loan.Id, LendingDates.Format(c.MarkDate), LendingDates.Format(c.PriceDate), price.Cents,
                loan.OpenShares, loan.CollateralMargin, (long)required, loan.CollateralHeld.Cents, mark.Cents, payer.Value, payee.Value, c.At);
            Emit(state, decision, e);
            decision.PaymentOrders.Add(RequestOf(state, state.Marks[id.Value], c.At));
            requested++;
            requestedTotal += Math.Abs(mark.Cents);
        }
        var summary = new MarksComputed(LendingDates.Format(c.MarkDate), LendingDates.Format(c.PriceDate), loansMarked, requested, zero,
            belowMinimum, aboveMaximum, missing.ToList(), withoutPrice, requestedTotal, c.At);
        Emit(state, decision, summary);
        decision.Reply = new MarksDone(summary);
    }

    // ---- The close: rebates ----

    private static void OnAccrueRebates(LoanBookState state, AccrueRebates c, BusinessCalendar calendar, LoanBookDecision decision)
    {
        if (state.ClosedDays.TryGetValue(c.ClosedDate, out var done))
        {
            decision.Reply = new CloseDone(done);
            return;
        }
        if (!calendar.IsBusinessDay(c.ClosedDate))
        {
            decision.Reply = Refuse(LendingRejection.NotABusinessDay, "closedDate", $"{LendingDates.Format(c.ClosedDate)} is not a business day");
            return;
        }
        if (state.LastClosedDate is { } last && last > c.ClosedDate)
        {
            // A close that comes after a later one was done (a resend that lost the race) is done already in substance.
            decision.Reply = new CloseDone(state.ClosedDays[last]);
            return;
        }
        CatchUpCloses(state, calendar.Previous(c.ClosedDate), calendar, c.At, decision);
        var summary = Close(state, c.ClosedDate, calendar, c.At, decision);
        decision.Reply = new CloseDone(summary);
    }

    /// <summary>
    /// Accrues the closes a book missed up to <paramref name="through"/> (it was not in the
    /// directory when a close started, or a close's request has not arrived yet), at most
    /// <see cref="LendingLimits.CatchUpClosesMax"/> of them, on the collateral held now.
    /// </summary>
    private static void CatchUpCloses(LoanBookState state, DateOnly through, BusinessCalendar calendar, DateTimeOffset at, LoanBookDecision decision)
    {
        var openLoans = state.LoansInOrder.Where(l => l.State == LoanState.Open && l.OpenShares > 0 && l.OpenedOn <= through).ToList();
        if (openLoans.Count == 0) return;
        var from = state.LastClosedDate is { } last ? calendar.Next(last) : calendar.OnOrAfter(openLoans.Min(l => l.OpenedOn));
        if (from > through) return;
        var earliest = calendar.AddBusinessDays(through, -(LendingLimits.CatchUpClosesMax - 1));
        if (from < earliest) from = earliest;
        foreach (var date in calendar.BusinessDays(from, through)) Close(state, date, calendar, at, decision);
    }

    private static BookDayClosed Close(LoanBookState state, DateOnly date, BusinessCalendar calendar, DateTimeOffset at, LoanBookDecision decision)
    {
        var next = calendar.Next(date);
        var days = Rebates.Days(date, next);
        var accrued = 0;
        foreach (var loan in state.LoansInOrder)
        {
            // Only loans open at the close accrue: one opened and returned the same day accrues nothing.
            if (loan.State != LoanState.Open || loan.OpenShares == 0 || loan.OpenedOn > date || loan.RebateRate is not { } rate) continue;
            var held = loan.CollateralHeld;
            Emit(state, decision, new RebateAccrued(loan.Id, LendingDates.Format(date), LendingDates.Format(next), days, held.Cents, rate,
                Rebates.AccrualCentHundredths(held, rate, days), at));
            accrued++;
        }
        var closed = new BookDayClosed(LendingDates.Format(date), LendingDates.Format(next), accrued, at);
        Emit(state, decision, closed);
        return closed;
    }

    /// <summary>
    /// Recall shares per (recall, loan) as a command changes them, before any event is written:
    /// the net change of each pair becomes one <see cref="RecallReduction"/>, in the order first touched.
    /// </summary>
    private sealed class RecallTally
    {
        private readonly Dictionary<(string Control, string Loan), long> _shares = new();
        private readonly Dictionary<(string Control, string Loan), long> _change = new();
        private readonly List<(string Control, string Loan)> _order = [];
        private readonly Dictionary<string, long> _totalByLoan = new(StringComparer.Ordinal);

        public RecallTally(IEnumerable<Recall> recalls)
        {
            foreach (var r in recalls)
            {
                if (r.State != RecallState.Open) continue;
                foreach (var l in r.Loans)
                {
                    _shares[(r.ControlNumber, l.LoanId)] = l.Shares;
                    _totalByLoan[l.LoanId] = _totalByLoan.GetValueOrDefault(l.LoanId) + l.Shares;
                }
            }
        }

        public long TotalOn(string loanId) => _totalByLoan.GetValueOrDefault(loanId);

        /// <summary>Lowers what <paramref name="recall"/> asks of the loan by up to <paramref name="most"/>; answers by how much.</summary>
        public long Reduce(Recall recall, string loanId, long most)
        {
            var key = (recall.ControlNumber, loanId);
            var has = _shares.GetValueOrDefault(key);
            var take = Math.Min(has, most);
            if (take <= 0) return 0;
            Change(key, -take);
            return take;
        }

        public void Restore(Recall recall, string loanId, long shares)
        {
            if (shares > 0) Change((recall.ControlNumber, loanId), shares);
        }

        private void Change((string Control, string Loan) key, long delta)
        {
            _shares[key] = _shares.GetValueOrDefault(key) + delta;
            _totalByLoan[key.Loan] = _totalByLoan.GetValueOrDefault(key.Loan) + delta;
            if (!_change.ContainsKey(key)) _order.Add(key);
            _change[key] = _change.GetValueOrDefault(key) + delta;
        }

        /// <summary>The net changes as sizes (reductions or restorations: a command only ever does one of the two).</summary>
        public List<RecallReduction> Changes() =>
            _order.Where(k => _change[k] != 0).Select(k => new RecallReduction(k.Control, k.Loan, Math.Abs(_change[k]))).ToList();
    }
}
