using Ledger.Lending.Events;

namespace Ledger.Lending;

public enum LoanState
{
    Open = 1,
    /// <summary>Every share returned.</summary>
    Closed = 2,
    /// <summary>The opening deliver order was reclaimed.</summary>
    Cancelled = 3,
}

public enum MarkStatus
{
    /// <summary>Sent to settlement as a payment order; its outcome is not known yet.</summary>
    Requested = 1,
    Completed = 2,
    Dropped = 3,
}

/// <summary>A recall's stored state; "overdue" is an open recall past its due date, derived from the business date (<see cref="RecallDeadlines.IsOverdue"/>).</summary>
public enum RecallState
{
    Open = 1,
    /// <summary>Returns met it.</summary>
    Closed = 2,
    /// <summary>An MT 592 cancelled it.</summary>
    Cancelled = 3,
}

/// <summary>One loan: opened by a completed <c>SL</c> deliver order whose id it takes.</summary>
public sealed class Loan
{
    internal Loan(LoanOpened e, long sequence)
    {
        Id = e.LoanId;
        Lender = new ParticipantId(e.Lender);
        Borrower = new ParticipantId(e.Borrower);
        Cusip = new Cusip(e.Cusip);
        Shares = e.Shares;
        OpenShares = e.Shares;
        OpeningAmount = new Money(e.AmountCents);
        CollateralMargin = e.CollateralMargin;
        RebateRate = e.RebateRate;
        OpenedOn = LendingDates.Parse(e.BusinessDate);
        OpenedAt = e.At;
        Sequence = sequence;
    }

    public string Id { get; }
    public ParticipantId Lender { get; }
    public ParticipantId Borrower { get; }
    public Cusip Cusip { get; }

    /// <summary>Shares lent when the loan opened.</summary>
    public long Shares { get; }

    /// <summary>Shares not yet returned (zero once closed or cancelled).</summary>
    public long OpenShares { get; internal set; }

    /// <summary>The opening deliver order's amount: the cash collateral delivered.</summary>
    public Money OpeningAmount { get; }

    public decimal CollateralMargin { get; }

    /// <summary>The annual rebate rate; null when the deliver order named none (the loan accrues nothing).</summary>
    public decimal? RebateRate { get; }

    public DateOnly OpenedOn { get; }
    public DateTimeOffset OpenedAt { get; }

    /// <summary>Place in the book's journal order.</summary>
    public long Sequence { get; }

    public LoanState State { get; internal set; } = LoanState.Open;
    public DateOnly? ClosedOn { get; internal set; }

    /// <summary>Every completed mark, signed (positive: the borrower paid more in).</summary>
    public Money CompletedMarks { get; internal set; }

    /// <summary>Collateral that left with returns (their share of each return's amount) and with a reclaim.</summary>
    public Money ReturnedCollateral { get; internal set; }

    /// <summary>Collateral held: the opening amount plus every completed mark, less what returns took back.</summary>
    public Money CollateralHeld => OpeningAmount + CompletedMarks - ReturnedCollateral;

    /// <summary>Rebate accrued since opening, hundredths of a cent, signed as <see cref="RebateAccrued"/>.</summary>
    public long AccruedCentHundredths { get; internal set; }

    internal List<LoanReturn> ReturnList { get; } = [];
    internal List<string> MarkIdList { get; } = [];
    internal List<RebateAccrued> AccrualList { get; } = [];
    internal List<string> RecallList { get; } = [];

    public IReadOnlyList<LoanReturn> Returns => ReturnList;
    public IReadOnlyList<string> MarkIds => MarkIdList;
    public IReadOnlyList<RebateAccrued> Accruals => AccrualList;

    /// <summary>Control numbers of the recalls that named this loan, in the order they came.</summary>
    public IReadOnlyList<string> RecallControlNumbers => RecallList;
}

/// <summary>What one return (or a reclaim of the loan) did to one loan.</summary>
public sealed record LoanReturn(string ReturnId, long Shares, Money Amount, DateOnly BusinessDate, DateTimeOffset At)
{
    /// <summary>The reclaim that undid this return, if one did.</summary>
    public string? ReversedBy { get; internal set; }
}

/// <summary>A loan's mark of one business date.</summary>
public sealed class Mark
{
    internal Mark(MarkRequested e)
    {
        Id = e.MarkId;
        LoanId = e.LoanId;
        MarkDate = LendingDates.Parse(e.MarkDate);
        PriceDate = LendingDates.Parse(e.PriceDate);
        Price = new Money(e.PriceCents);
        Shares = e.Shares;
        CollateralMargin = e.CollateralMargin;
        Required = new Money(e.RequiredCents);
        HeldBefore = new Money(e.HeldCents);
        Amount = new Money(e.MarkCents);
        Payer = new ParticipantId(e.Payer);
        Payee = new ParticipantId(e.Payee);
        RequestedAt = e.At;
    }

    /// <summary>The mark's payment order id.</summary>
    public string Id { get; }
    public string LoanId { get; }
    public DateOnly MarkDate { get; }
    public DateOnly PriceDate { get; }
    public Money Price { get; }
    public long Shares { get; }
    public decimal CollateralMargin { get; }
    public Money Required { get; }
    public Money HeldBefore { get; }

    /// <summary>Signed: positive when the borrower pays the lender.</summary>
    public Money Amount { get; }

    public ParticipantId Payer { get; }
    public ParticipantId Payee { get; }
    public DateTimeOffset RequestedAt { get; }
    public MarkStatus Status { get; internal set; } = MarkStatus.Requested;
    public DateOnly? SettledOn { get; internal set; }
    public DateTimeOffset? SettledAt { get; internal set; }
}

/// <summary>Shares a recall asks for on one loan (zero once met or cancelled).</summary>
public sealed class RecallLoan(string loanId, long shares)
{
    public string LoanId { get; } = loanId;
    public long Shares { get; internal set; } = shares;
}

/// <summary>A recall of an MT 526, on loans of one pair and CUSIP.</summary>
public sealed class Recall
{
    internal Recall(RecallOpened e)
    {
        ControlNumber = e.ControlNumber;
        Lender = new ParticipantId(e.Lender);
        Borrower = new ParticipantId(e.Borrower);
        Cusip = new Cusip(e.Cusip);
        RequestedShares = e.RequestedShares;
        Shares = e.Shares;
        RecalledOn = LendingDates.Parse(e.RecalledOn);
        CountsFrom = LendingDates.Parse(e.CountsFrom);
        DueOn = LendingDates.Parse(e.DueOn);
        ReturnDate = e.ReturnDate is null ? null : LendingDates.Parse(e.ReturnDate);
        BuyInFrom = LendingDates.Parse(e.BuyInFrom);
        BuyInNoticeBy = e.BuyInNoticeBy;
        CloseOutBy = e.CloseOutBy;
        At = e.At;
        foreach (var l in e.Loans) LoanList.Add(new RecallLoan(l.LoanId, l.Shares));
    }

    public string ControlNumber { get; }
    public ParticipantId Lender { get; }
    public ParticipantId Borrower { get; }
    public Cusip Cusip { get; }

    /// <summary>Shares the message asked for.</summary>
    public long RequestedShares { get; }

    /// <summary>Shares the recall opened for: what the borrower owed, at most <see cref="RequestedShares"/>.</summary>
    public long Shares { get; }

    public DateOnly RecalledOn { get; }
    public DateOnly CountsFrom { get; }
    public DateOnly DueOn { get; }
    public DateOnly? ReturnDate { get; }
    public DateOnly BuyInFrom { get; }
    public DateTimeOffset BuyInNoticeBy { get; }
    public DateTimeOffset CloseOutBy { get; }
    public DateTimeOffset At { get; }
    public RecallState State { get; internal set; } = RecallState.Open;
    public DateOnly? ClosedOn { get; internal set; }
    public string? CancelControlNumber { get; internal set; }

    internal List<RecallLoan> LoanList { get; } = [];

    /// <summary>The loans it named, with the shares it still asks for on each.</summary>
    public IReadOnlyList<RecallLoan> Loans => LoanList;

    /// <summary>Shares still asked for: never negative, never more than the named loans' open shares.</summary>
    public long OpenShares => LoanList.Sum(l => l.Shares);

    public long SharesOn(string loanId)
    {
        foreach (var l in LoanList)
        {
            if (l.LoanId == loanId) return l.Shares;
        }
        return 0;
    }
}

/// <summary>A return as the book recorded it, kept so that a reclaim of it can be undone exactly.</summary>
public sealed record ReturnRecord(ReturnApplied Event)
{
    public string? ReversedBy { get; internal set; }
}

/// <summary>
/// One loan book: every loan between one counterparty pair (both directions), with its marks,
/// returns, accruals and recalls, the pair's exception records, and the dates the book has marked
/// and closed. Built only by <see cref="Apply"/>; <see cref="Apply"/> never validates and never
/// throws on events the decider wrote.
/// </summary>
public sealed class LoanBookState(LoanBookId book)
{
    private readonly Dictionary<string, Loan> _loans = new(StringComparer.Ordinal);
    private readonly List<Loan> _loansInOrder = [];
    private readonly Dictionary<(ParticipantId Lender, ParticipantId Borrower, Cusip Cusip), List<Loan>> _loansByKey = new();
    private readonly Dictionary<string, Mark> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Mark> _marksRequested = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Recall> _recalls = new(StringComparer.Ordinal);
    private readonly List<Recall> _recallsInOrder = [];
    private readonly Dictionary<(ParticipantId Lender, ParticipantId Borrower, Cusip Cusip), List<Recall>> _recallsByKey = new();
    private readonly Dictionary<string, ReturnRecord> _returns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _deliverOrders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reclaims = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _recallNotices = new(StringComparer.Ordinal);
    private readonly HashSet<string> _recallCancels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _duplicates = new(StringComparer.Ordinal);
    private readonly List<LoanBookEvent> _exceptions = [];
    private readonly SortedDictionary<DateOnly, MarksComputed> _markDays = new();
    private readonly SortedDictionary<DateOnly, BookDayClosed> _closedDays = new();

    public LoanBookId Book { get; } = book;

    /// <summary>Events applied so far.</summary>
    public long Version { get; private set; }

    public IReadOnlyDictionary<string, Loan> Loans => _loans;

    /// <summary>Every loan in the order the book opened them.</summary>
    public IReadOnlyList<Loan> LoansInOrder => _loansInOrder;

    public IReadOnlyDictionary<string, Mark> Marks => _marks;

    /// <summary>Marks whose payment order has no known outcome yet: the ones to send again.</summary>
    public IReadOnlyCollection<Mark> MarksRequested => _marksRequested.Values;

    public IReadOnlyDictionary<string, Recall> Recalls => _recalls;

    /// <summary>Every recall in the order the book opened them.</summary>
    public IReadOnlyList<Recall> RecallsInOrder => _recallsInOrder;

    public IReadOnlyDictionary<string, ReturnRecord> Returns => _returns;

    /// <summary>Exception records, in order: <see cref="DeliverOrderExcepted"/>, <see cref="RecallExcepted"/>, <see cref="RecallCancelExcepted"/>.</summary>
    public IReadOnlyList<LoanBookEvent> Exceptions => _exceptions;

    /// <summary>The mark runs done, by mark date.</summary>
    public IReadOnlyDictionary<DateOnly, MarksComputed> MarkDays => _markDays;

    /// <summary>The closes done, by closed date.</summary>
    public IReadOnlyDictionary<DateOnly, BookDayClosed> ClosedDays => _closedDays;

    public DateOnly? LastMarkedDate => _markDays.Count == 0 ? null : _markDays.Keys.Last();
    public DateOnly? LastClosedDate => _closedDays.Count == 0 ? null : _closedDays.Keys.Last();

    public bool HasLoans => _loans.Count > 0;

    /// <summary>Whether the directory must list the book: it holds a loan or an exception record.</summary>
    public bool Listed => _loans.Count > 0 || _exceptions.Count > 0;
    public bool RegistrationConfirmed { get; private set; }

    /// <summary>The loans of one direction and CUSIP, oldest first (by opening time, then id).</summary>
    public IReadOnlyList<Loan> LoansOf(ParticipantId lender, ParticipantId borrower, Cusip cusip) =>
        _loansByKey.TryGetValue((lender, borrower, cusip), out var list) ? list : [];

    /// <summary>The recalls of one direction and CUSIP, oldest first (by time made available, then control number).</summary>
    public IReadOnlyList<Recall> RecallsOf(ParticipantId lender, ParticipantId borrower, Cusip cusip) =>
        _recallsByKey.TryGetValue((lender, borrower, cusip), out var list) ? list : [];

    /// <summary>The CUSIPs a mark run of <paramref name="markDate"/> needs close prices for: those of loans open since before that date.</summary>
    public IReadOnlyCollection<Cusip> CusipsToMark(DateOnly markDate) =>
        _loansInOrder.Where(l => l.State == LoanState.Open && l.OpenedOn < markDate).Select(l => l.Cusip).Distinct().ToList();

    /// <summary>The fingerprint a deliver order id was first seen with (loan, return or exception).</summary>
    public string? DeliverOrderFingerprint(string id) => _deliverOrders.GetValueOrDefault(id);

    public bool IsReclaimSeen(string reclaimId) => _reclaims.Contains(reclaimId);

    /// <summary>The fingerprint a recall control number was first seen with (opened or excepted).</summary>
    public string? RecallFingerprint(string controlNumber) => _recallNotices.GetValueOrDefault(controlNumber);

    public bool IsRecallCancelSeen(string controlNumber) => _recallCancels.Contains(controlNumber);

    /// <summary>Whether an id reused with this other payload was already recorded as an exception.</summary>
    public bool IsDuplicateRecorded(string key) => _duplicates.Contains(key);

    /// <summary>Shares that open recalls ask for on <paramref name="loanId"/>.</summary>
    public long RecalledShares(string loanId)
    {
        if (!_loans.TryGetValue(loanId, out var loan)) return 0;
        long sum = 0;
        foreach (var control in loan.RecallList)
        {
            var recall = _recalls[control];
            if (recall.State == RecallState.Open) sum += recall.SharesOn(loanId);
        }
        return sum;
    }

    public void Apply(LoanBookEvent @event)
    {
        Version++;
        switch (@event)
        {
            case LoanOpened e: OnLoanOpened(e); break;
            case ReturnApplied e: OnReturnApplied(e); break;
            case ReturnReversed e: OnReturnReversed(e); break;
            case LoanCancelled e: OnLoanCancelled(e); break;
            case MarkRequested e:
                var mark = new Mark(e);
                _marks[e.MarkId] = mark;
                _marksRequested[e.MarkId] = mark;
                if (_loans.TryGetValue(e.LoanId, out var marked)) marked.MarkIdList.Add(e.MarkId);
                break;
            case MarksComputed e: _markDays[LendingDates.Parse(e.MarkDate)] = e; break;
            case MarkCompleted e: OnMarkSettled(e.MarkId, MarkStatus.Completed, e.BusinessDate, e.At); break;
            case MarkDropped e: OnMarkSettled(e.MarkId, MarkStatus.Dropped, e.BusinessDate, e.At); break;
            case RebateAccrued e:
                if (_loans.TryGetValue(e.LoanId, out var accruing))
                {
                    accruing.AccrualList.Add(e);
                    accruing.AccruedCentHundredths += e.AccrualCentHundredths;
                }
                break;
            case BookDayClosed e: _closedDays[LendingDates.Parse(e.ClosedDate)] = e; break;
            case RecallOpened e: OnRecallOpened(e); break;
            case RecallCancelled e:
                _recallCancels.Add(e.CancelControlNumber);
                if (_recalls.TryGetValue(e.ControlNumber, out var cancelled))
                {
                    cancelled.State = RecallState.Cancelled;
                    cancelled.ClosedOn = LendingDates.Parse(e.BusinessDate);
                    cancelled.CancelControlNumber = e.CancelControlNumber;
                    foreach (var l in cancelled.LoanList) l.Shares = 0;
                }
                break;
            case DeliverOrderExcepted e:
                _exceptions.Add(e);
                var fingerprint = CompletedDeliverOrder.FingerprintOf(e.Deliverer, e.Receiver, e.Cusip, e.Shares, e.AmountCents, e.ReasonCode, e.ReclaimOf);
                if (e.ReclaimOf is not null) _reclaims.Add(e.DeliverOrderId);
                else if (!_deliverOrders.TryAdd(e.DeliverOrderId, fingerprint)) _duplicates.Add(e.DeliverOrderId + "|" + fingerprint);
                break;
            case RecallExcepted e:
                _exceptions.Add(e);
                var recallPrint = RecallFingerprintOf(e.Lender, e.Borrower, e.Cusip, e.Shares, e.ReturnDate);
                if (!_recallNotices.TryAdd(e.ControlNumber, recallPrint)) _duplicates.Add(e.ControlNumber + "|" + recallPrint);
                break;
            case RecallCancelExcepted e:
                _exceptions.Add(e);
                _recallCancels.Add(e.ControlNumber);
                break;
            case BookRegistrationConfirmed: RegistrationConfirmed = true; break;
            default: throw new InvalidOperationException($"No apply rule for {@event.GetType().Name}");
        }
    }

    internal static string RecallFingerprintOf(string lender, string borrower, string cusip, long shares, string? returnDate) =>
        $"{lender}|{borrower}|{cusip}|{shares}|{returnDate}";

    private void OnLoanOpened(LoanOpened e)
    {
        var loan = new Loan(e, _loansInOrder.Count);
        _loans[e.LoanId] = loan;
        _loansInOrder.Add(loan);
        _deliverOrders[e.LoanId] = CompletedDeliverOrder.FingerprintOf(e.Lender, e.Borrower, e.Cusip, e.Shares, e.AmountCents, LoanTerms.LoanReasonCode, null);
        var key = (loan.Lender, loan.Borrower, loan.Cusip);
        if (!_loansByKey.TryGetValue(key, out var list)) _loansByKey[key] = list = [];
        InsertSorted(list, loan, static (a, b) =>
        {
            var byTime = a.OpenedAt.CompareTo(b.OpenedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, b.Id);
        });
    }

    private void OnReturnApplied(ReturnApplied e)
    {
        _returns[e.ReturnId] = new ReturnRecord(e);
        _deliverOrders[e.ReturnId] = CompletedDeliverOrder.FingerprintOf(e.Borrower, e.Lender, e.Cusip, e.Shares, e.AmountCents, LoanTerms.ReturnReasonCode, null);
        var date = LendingDates.Parse(e.BusinessDate);
        foreach (var a in e.Loans)
        {
            if (!_loans.TryGetValue(a.LoanId, out var loan)) continue;
            loan.OpenShares -= a.Shares;
            loan.ReturnedCollateral += new Money(a.AmountCents);
            loan.ReturnList.Add(new LoanReturn(e.ReturnId, a.Shares, new Money(a.AmountCents), date, e.At));
            if (loan.OpenShares == 0 && loan.State == LoanState.Open)
            {
                loan.State = LoanState.Closed;
                loan.ClosedOn = date;
            }
        }
        ReduceRecalls(e.Recalls, date, -1);
    }

    private void OnReturnReversed(ReturnReversed e)
    {
        _reclaims.Add(e.ReclaimId);
        if (_returns.TryGetValue(e.ReturnId, out var record)) record.ReversedBy = e.ReclaimId;
        foreach (var a in e.Loans)
        {
            if (!_loans.TryGetValue(a.LoanId, out var loan)) continue;
            loan.OpenShares += a.Shares;
            loan.ReturnedCollateral -= new Money(a.AmountCents);
            foreach (var r in loan.ReturnList)
            {
                if (r.ReturnId == e.ReturnId) r.ReversedBy = e.ReclaimId;
            }
            if (loan.OpenShares > 0 && loan.State == LoanState.Closed)
            {
                loan.State = LoanState.Open;
                loan.ClosedOn = null;
            }
        }
        ReduceRecalls(e.Recalls, LendingDates.Parse(e.BusinessDate), +1);
    }

    private void OnLoanCancelled(LoanCancelled e)
    {
        _reclaims.Add(e.ReclaimId);
        var date = LendingDates.Parse(e.BusinessDate);
        if (_loans.TryGetValue(e.LoanId, out var loan))
        {
            loan.OpenShares -= e.OpenShares;
            loan.ReturnedCollateral += new Money(e.AmountCents);
            loan.ReturnList.Add(new LoanReturn(e.ReclaimId, e.OpenShares, new Money(e.AmountCents), date, e.At));
            loan.State = LoanState.Cancelled;
            loan.ClosedOn = date;
        }
        ReduceRecalls(e.Recalls, date, -1);
    }

    /// <summary>Applies recall reductions (sign -1) or restorations (sign +1); a recall at zero closes, one above zero reopens.</summary>
    private void ReduceRecalls(IReadOnlyList<RecallReduction> changes, DateOnly date, int sign)
    {
        foreach (var r in changes)
        {
            if (!_recalls.TryGetValue(r.ControlNumber, out var recall)) continue;
            var entry = recall.LoanList.Find(l => l.LoanId == r.LoanId);
            if (entry is null)
            {
                entry = new RecallLoan(r.LoanId, 0);
                recall.LoanList.Add(entry);
                if (_loans.TryGetValue(r.LoanId, out var loan) && !loan.RecallList.Contains(recall.ControlNumber)) loan.RecallList.Add(recall.ControlNumber);
            }
            entry.Shares += sign * r.Shares;
            if (recall.State == RecallState.Open && recall.OpenShares == 0)
            {
                recall.State = RecallState.Closed;
                recall.ClosedOn = date;
            }
            else if (recall.State == RecallState.Closed && recall.OpenShares > 0)
            {
                recall.State = RecallState.Open;
                recall.ClosedOn = null;
            }
        }
    }

    private void OnMarkSettled(string markId, MarkStatus status, string businessDate, DateTimeOffset at)
    {
        if (!_marks.TryGetValue(markId, out var mark)) return;
        mark.Status = status;
        mark.SettledOn = LendingDates.Parse(businessDate);
        mark.SettledAt = at;
        _marksRequested.Remove(markId);
        if (status == MarkStatus.Completed && _loans.TryGetValue(mark.LoanId, out var loan)) loan.CompletedMarks += mark.Amount;
    }

    private void OnRecallOpened(RecallOpened e)
    {
        var recall = new Recall(e);
        _recalls[e.ControlNumber] = recall;
        _recallsInOrder.Add(recall);
        _recallNotices[e.ControlNumber] = RecallFingerprintOf(e.Lender, e.Borrower, e.Cusip, e.RequestedShares, e.ReturnDate);
        foreach (var l in e.Loans)
        {
            if (_loans.TryGetValue(l.LoanId, out var loan)) loan.RecallList.Add(e.ControlNumber);
        }
        var key = (recall.Lender, recall.Borrower, recall.Cusip);
        if (!_recallsByKey.TryGetValue(key, out var list)) _recallsByKey[key] = list = [];
        InsertSorted(list, recall, static (a, b) =>
        {
            var byTime = a.At.CompareTo(b.At);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.ControlNumber, b.ControlNumber);
        });
    }

    private static void InsertSorted<T>(List<T> list, T item, Comparison<T> compare)
    {
        var i = list.Count;
        while (i > 0 && compare(list[i - 1], item) > 0) i--;
        list.Insert(i, item);
    }
}
