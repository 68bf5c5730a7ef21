using Ledger.Lending.Events;

namespace Ledger.Lending;

// What the public contract's GET answers hold (lending.md section 7), built from book states by
// pure functions. The host gives each function the books of the participant asked about (the
// directory knows them) and maps the records to JSON; a participant is never given a book it is
// not party to, and a loan is only shown to its two parties or to staff (risk, operator).

/// <summary>A loan as a list shows it. <see cref="Counterparty"/> and <see cref="Side"/> are as the participant asked about sees them (null for staff); for a Market Loan the counterparty is OCC.</summary>
public sealed record LoanView(
    string Id,
    ParticipantId Lender,
    ParticipantId Borrower,
    ParticipantId? Counterparty,
    string? Side,
    Cusip Cusip,
    long Shares,
    long OpenShares,
    long RecalledShares,
    Money OpeningCollateral,
    Money Collateral,
    decimal CollateralMargin,
    decimal? RebateRate,
    DateOnly OpenedOn,
    DateTimeOffset OpenedAt,
    string State,
    DateOnly? ClosedOn,
    long AccruedRebateCentHundredths)
{
    /// <summary>The rebate accrued, in dollars with four decimals (positive: owed by the lender to the borrower).</summary>
    public decimal AccruedRebate => Rebates.ToDollars(AccruedRebateCentHundredths);
}

/// <summary>One loan with its marks, returns and recalls.</summary>
public sealed record LoanDetailView(LoanView Loan, IReadOnlyList<MarkView> Marks, IReadOnlyList<ReturnView> Returns, IReadOnlyList<LoanRecallView> Recalls);

/// <summary>A mark: <see cref="DeliverOrderId"/> is its payment order; <see cref="Amount"/> is what the payer pays (never negative).</summary>
public sealed record MarkView(
    string LoanId,
    string DeliverOrderId,
    Money Amount,
    ParticipantId Payer,
    ParticipantId Payee,
    string Status,
    DateOnly MarkDate,
    DateOnly PriceDate,
    Money Price,
    Money Required,
    Money HeldBefore,
    DateOnly? SettledOn);

/// <summary>A return (or the reclaim that cancelled the loan) as it fell on one loan.</summary>
public sealed record ReturnView(string DeliverOrderId, long Shares, Money Amount, DateOnly BusinessDate, DateTimeOffset At, string? ReversedBy);

/// <summary>A recall as it stands on one loan.</summary>
public sealed record LoanRecallView(string ControlNumber, long OpenShares, string State, DateOnly DueOn);

/// <summary>
/// A recall. <see cref="State"/> is open, overdue, closed or cancelled; <see cref="BuyInFrom"/>,
/// <see cref="BuyInNoticeBy"/> and <see cref="CloseOutBy"/> are shown once it is overdue.
/// </summary>
public sealed record RecallView(
    string Id,
    string ControlNumber,
    ParticipantId Lender,
    ParticipantId Borrower,
    ParticipantId? Counterparty,
    string? Side,
    IReadOnlyList<string> LoanIds,
    Cusip Cusip,
    long RequestedShares,
    long Shares,
    long OpenShares,
    DateOnly RecalledOn,
    DateTimeOffset RecalledAt,
    DateOnly CountsFrom,
    DateOnly DueOn,
    string State,
    DateOnly? BuyInFrom,
    DateTimeOffset? BuyInNoticeBy,
    DateTimeOffset? CloseOutBy,
    DateOnly? ClosedOn);

/// <summary>
/// An input that did not (wholly) take effect: a return with no open loan or beyond the open
/// loans, a recall for more than is owed or for nothing owed, a cancel of nothing, bad fields.
/// </summary>
public sealed record LendingExceptionView(
    string InputId,
    string Input,
    string Rule,
    string Field,
    string Message,
    ParticipantId From,
    ParticipantId To,
    string Cusip,
    long Shares,
    Money Amount,
    DateOnly BusinessDate,
    DateTimeOffset At);

public enum LoanStateFilter
{
    Open = 1,
    Closed = 2,
    Cancelled = 3,
}

/// <summary>A recall's state as the lists show it: open and overdue are exclusive (overdue is open past the due date).</summary>
public enum RecallStatus
{
    Open = 1,
    Overdue = 2,
    Closed = 3,
    Cancelled = 4,
}

public static class LoanViews
{
    /// <summary>The loans <paramref name="subject"/> is party to, in the given books, optionally of one state; oldest first.</summary>
    public static IReadOnlyList<LoanView> ForParticipant(IEnumerable<LoanBookState> books, ParticipantId subject, LoanStateFilter? state = null) =>
        books.Where(b => b.Book.Contains(subject))
            .SelectMany(b => b.LoansInOrder.Where(l => l.Lender == subject || l.Borrower == subject).Select(l => (Book: b, Loan: l)))
            .Where(x => state is null || (int)x.Loan.State == (int)state.Value)
            .OrderBy(x => x.Loan.OpenedAt).ThenBy(x => x.Loan.Id, StringComparer.Ordinal)
            .Select(x => View(x.Book, x.Loan, subject))
            .ToList();

    /// <summary>
    /// One loan with its marks, returns and recalls; null when the book has no such loan or
    /// <paramref name="viewer"/> (null for staff) is not one of its parties, so that a
    /// participant cannot tell another pair's loan from no loan.
    /// </summary>
    public static LoanDetailView? One(LoanBookState book, string loanId, ParticipantId? viewer)
    {
        if (!book.Loans.TryGetValue(loanId, out var loan)) return null;
        if (viewer is { } v && loan.Lender != v && loan.Borrower != v) return null;
        var marks = loan.MarkIds.Select(id => MarkViews.View(book.Marks[id])).ToList();
        var returns = loan.Returns.Select(r => new ReturnView(r.ReturnId, r.Shares, r.Amount, r.BusinessDate, r.At, r.ReversedBy)).ToList();
        var recalls = loan.RecallControlNumbers.Select(c => book.Recalls[c])
            .Select(r => new LoanRecallView(r.ControlNumber, r.SharesOn(loan.Id), RecallViews.Name(r.State), r.DueOn)).ToList();
        return new LoanDetailView(View(book, loan, viewer), marks, returns, recalls);
    }

    public static LoanView View(LoanBookState book, Loan loan, ParticipantId? viewer)
    {
        ParticipantId? counterparty = viewer is { } v ? (loan.Lender == v ? loan.Borrower : loan.Lender) : null;
        string? side = viewer is { } w ? (loan.Lender == w ? "lender" : "borrower") : null;
        return new LoanView(loan.Id, loan.Lender, loan.Borrower, counterparty, side, loan.Cusip, loan.Shares, loan.OpenShares,
            book.RecalledShares(loan.Id), loan.OpeningAmount, loan.CollateralHeld, loan.CollateralMargin, loan.RebateRate,
            loan.OpenedOn, loan.OpenedAt, Name(loan.State), loan.ClosedOn, loan.AccruedCentHundredths);
    }

    public static string Name(LoanState state) => state switch
    {
        LoanState.Open => "open",
        LoanState.Closed => "closed",
        LoanState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}

public static class MarkViews
{
    /// <summary>The marks of <paramref name="markDate"/> on loans <paramref name="subject"/> is party to, by loan opening order.</summary>
    public static IReadOnlyList<MarkView> OfDay(IEnumerable<LoanBookState> books, ParticipantId subject, DateOnly markDate) =>
        books.Where(b => b.Book.Contains(subject))
            .SelectMany(b => b.LoansInOrder.Where(l => l.Lender == subject || l.Borrower == subject)
                .SelectMany(l => l.MarkIds.Select(id => b.Marks[id])).Where(m => m.MarkDate == markDate)
                .Select(m => (Loan: b.Loans[m.LoanId], Mark: m)))
            .OrderBy(x => x.Loan.OpenedAt).ThenBy(x => x.Loan.Id, StringComparer.Ordinal)
            .Select(x => View(x.Mark))
            .ToList();

    public static MarkView View(Mark m) =>
        new(m.LoanId, m.Id, new Money(Math.Abs(m.Amount.Cents)), m.Payer, m.Payee, Name(m.Status), m.MarkDate, m.PriceDate, m.Price, m.Required, m.HeldBefore, m.SettledOn);

    public static string Name(MarkStatus status) => status switch
    {
        MarkStatus.Requested => "requested",
        MarkStatus.Completed => "completed",
        MarkStatus.Dropped => "dropped",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}

public static class RecallViews
{
    /// <summary>
    /// The recalls on loans <paramref name="subject"/> is party to, as they stand on
    /// <paramref name="businessDate"/>, optionally of one state; by deadline (due date, then the
    /// time made available, then control number).
    /// </summary>
    public static IReadOnlyList<RecallView> ForParticipant(IEnumerable<LoanBookState> books, ParticipantId subject, DateOnly businessDate, RecallStatus? state = null) =>
        books.Where(b => b.Book.Contains(subject))
            .SelectMany(b => b.RecallsInOrder.Where(r => r.Lender == subject || r.Borrower == subject))
            .Select(r => View(r, subject, businessDate))
            .Where(v => state is null || v.State == Name(state.Value))
            .OrderBy(v => v.DueOn).ThenBy(v => v.RecalledAt).ThenBy(v => v.ControlNumber, StringComparer.Ordinal)
            .ToList();

    public static RecallStatus StatusOf(Recall recall, DateOnly businessDate) => recall.State switch
    {
        RecallState.Open => RecallDeadlines.IsOverdue(recall.DueOn, businessDate) ? RecallStatus.Overdue : RecallStatus.Open,
        RecallState.Closed => RecallStatus.Closed,
        _ => RecallStatus.Cancelled,
    };

    public static RecallView View(Recall r, ParticipantId? viewer, DateOnly businessDate)
    {
        var status = StatusOf(r, businessDate);
        var overdue = status == RecallStatus.Overdue;
        ParticipantId? counterparty = viewer is { } v ? (r.Lender == v ? r.Borrower : r.Lender) : null;
        string? side = viewer is { } w ? (r.Lender == w ? "lender" : "borrower") : null;
        return new RecallView(r.ControlNumber, r.ControlNumber, r.Lender, r.Borrower, counterparty, side, r.Loans.Select(l => l.LoanId).ToList(),
            r.Cusip, r.RequestedShares, r.Shares, r.OpenShares, r.RecalledOn, r.At, r.CountsFrom, r.DueOn, Name(status),
            overdue ? r.BuyInFrom : null, overdue ? r.BuyInNoticeBy : null, overdue ? r.CloseOutBy : null, r.ClosedOn);
    }

    public static string Name(RecallState state) => state switch
    {
        RecallState.Open => "open",
        RecallState.Closed => "closed",
        RecallState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string Name(RecallStatus status) => status switch
    {
        RecallStatus.Open => "open",
        RecallStatus.Overdue => "overdue",
        RecallStatus.Closed => "closed",
        RecallStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}

public static class ExceptionViews
{
    /// <summary>
    /// Every exception record of the books that concerns <paramref name="subject"/> (null: staff,
    /// all of them), in the order recorded: inputs kept as exceptions, returns beyond the open
    /// loans and recalls beyond what was owed.
    /// </summary>
    public static IReadOnlyList<LendingExceptionView> For(IEnumerable<LoanBookState> books, ParticipantId? subject)
    {
        var result = new List<LendingExceptionView>();
        foreach (var book in books)
        {
            if (subject is { } s && !book.Book.Contains(s)) continue;
            foreach (var e in book.Exceptions)
            {
                var view = e switch
                {
                    DeliverOrderExcepted x => new LendingExceptionView(x.DeliverOrderId, "deliver-order", x.Rule, x.Field, x.Message,
                        new ParticipantId(x.Deliverer), new ParticipantId(x.Receiver), x.Cusip, x.Shares, new Money(x.AmountCents), LendingDates.Parse(x.BusinessDate), x.At),
                    RecallExcepted x => new LendingExceptionView(x.ControlNumber, "recall", x.Rule, x.Field, x.Message,
                        new ParticipantId(x.Lender), new ParticipantId(x.Borrower), x.Cusip, x.Shares, Money.Zero, LendingDates.Parse(x.BusinessDate), x.At),
                    RecallCancelExcepted x => new LendingExceptionView(x.ControlNumber, "recall-cancel", x.Rule, "recallControlNumber", x.Message,
                        new ParticipantId(x.Lender), new ParticipantId(x.Borrower), "", 0, Money.Zero, LendingDates.Parse(x.BusinessDate), x.At),
                    _ => null,
                };
                if (view is not null && Concerns(view, subject)) result.Add(view);
            }
            foreach (var r in book.Returns.Values.Select(r => r.Event).Where(r => r.ExcessShares > 0))
            {
                var view = new LendingExceptionView(r.ReturnId, "deliver-order", "return-exceeds-open-loans", "shares",
                    $"{r.ExcessShares} of the {r.Shares} shares returned exceed every open loan from {r.Lender} to {r.Borrower} in {r.Cusip}",
                    new ParticipantId(r.Borrower), new ParticipantId(r.Lender), r.Cusip, r.ExcessShares, new Money(r.ExcessAmountCents), LendingDates.Parse(r.BusinessDate), r.At);
                if (Concerns(view, subject)) result.Add(view);
            }
            foreach (var r in book.RecallsInOrder.Where(r => r.RequestedShares > r.Shares))
            {
                var view = new LendingExceptionView(r.ControlNumber, "recall", "recall-exceeds-owed", "shares",
                    $"recall {r.ControlNumber} opened for the {r.Shares} shares owed; {r.RequestedShares - r.Shares} of the {r.RequestedShares} asked for are not owed",
                    r.Lender, r.Borrower, r.Cusip.Value, r.RequestedShares - r.Shares, Money.Zero, r.RecalledOn, r.At);
                if (Concerns(view, subject)) result.Add(view);
            }
        }
        return result.OrderBy(v => v.At).ThenBy(v => v.InputId, StringComparer.Ordinal).ToList();
    }

    private static bool Concerns(LendingExceptionView view, ParticipantId? subject) =>
        subject is not { } s || view.From == s || view.To == s;
}
