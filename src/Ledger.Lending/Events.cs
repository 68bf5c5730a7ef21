namespace Ledger.Lending.Events;

// Stored events: immutable records of primitives (strings for ids and dates "yyyy-MM-dd", long
// cents, decimal rates, DateTimeOffset At), lists of such records, no logic. Extend-only: a field
// is only ever added (optional, with a default), never changed. Proposed manifests: LendingManifests.

/// <summary>An event of one loan book (one counterparty pair).</summary>
public abstract record LoanBookEvent(DateTimeOffset At);

/// <summary>A completed <c>SL</c> deliver order opened a loan: its id is the deliver order's.</summary>
public sealed record LoanOpened(
    string LoanId,
    string Lender,
    string Borrower,
    string Cusip,
    long Shares,
    long AmountCents,
    decimal CollateralMargin,
    decimal? RebateRate,
    string BusinessDate,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>The part of a return (or of its reversal) that fell on one loan.</summary>
public sealed record ReturnAllocation(string LoanId, long Shares, long AmountCents);

/// <summary>Shares a recall no longer asks for on one loan (or, in a reversal, asks for again).</summary>
public sealed record RecallReduction(string ControlNumber, string LoanId, long Shares);

/// <summary>
/// A completed <c>SLR</c> deliver order closed loans of its pair and CUSIP, oldest first:
/// <see cref="Loans"/> says how many shares and how much of its amount fell on each, and
/// <see cref="Recalls"/> which recalls it met. Shares beyond every open loan are
/// <see cref="ExcessShares"/> (with their share of the amount), listed as an exception.
/// </summary>
public sealed record ReturnApplied(
    string ReturnId,
    string Lender,
    string Borrower,
    string Cusip,
    long Shares,
    long AmountCents,
    string BusinessDate,
    IReadOnlyList<ReturnAllocation> Loans,
    IReadOnlyList<RecallReduction> Recalls,
    long ExcessShares,
    long ExcessAmountCents,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>A completed reclaim of a return undid it: the loans and recalls it changed are restored as listed.</summary>
public sealed record ReturnReversed(
    string ReclaimId,
    string ReturnId,
    string BusinessDate,
    IReadOnlyList<ReturnAllocation> Loans,
    IReadOnlyList<RecallReduction> Recalls,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>
/// A completed reclaim of the opening deliver order cancelled the loan: its open shares went back
/// and <see cref="AmountCents"/> (the reclaim's amount) left its collateral; recalls on it shrink as listed.
/// </summary>
public sealed record LoanCancelled(
    string ReclaimId,
    string LoanId,
    long OpenShares,
    long AmountCents,
    string BusinessDate,
    IReadOnlyList<RecallReduction> Recalls,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>
/// The mark of one loan at the open of <see cref="MarkDate"/>, from the close price of
/// <see cref="PriceDate"/>: required = shares x price x margin (half away from zero, to the cent),
/// mark = required - held. Sent as payment order <see cref="MarkId"/>; <see cref="MarkCents"/> is
/// signed (positive: the borrower pays the lender), <see cref="Payer"/> and <see cref="Payee"/> follow.
/// </summary>
public sealed record MarkRequested(
    string MarkId,
    string LoanId,
    string MarkDate,
    string PriceDate,
    long PriceCents,
    long Shares,
    decimal CollateralMargin,
    long RequiredCents,
    long HeldCents,
    long MarkCents,
    string Payer,
    string Payee,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>
/// The book's marks of <see cref="MarkDate"/> are computed: written once per book and date, so no
/// loan is ever marked twice for a day. The counts say what became of every open loan.
/// </summary>
public sealed record MarksComputed(
    string MarkDate,
    string PriceDate,
    int LoansMarked,
    int MarksRequested,
    int MarksZero,
    int MarksBelowMinimum,
    int MarksAboveMaximum,
    IReadOnlyList<string> CusipsWithoutPrice,
    int LoansWithoutPrice,
    long RequestedTotalCents,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>Settlement completed the mark's payment order: the loan's collateral held changes by the mark.</summary>
public sealed record MarkCompleted(string MarkId, string BusinessDate, DateTimeOffset At) : LoanBookEvent(At);

/// <summary>Settlement dropped the mark's payment order: nothing moved; the next open computes a new mark.</summary>
public sealed record MarkDropped(string MarkId, string BusinessDate, DateTimeOffset At) : LoanBookEvent(At);

/// <summary>
/// A loan's rebate for the close of <see cref="BusinessDate"/>: collateral held x rate x days / 360
/// for the <see cref="Days"/> calendar days to <see cref="NextDate"/>, in hundredths of a cent
/// (half away from zero). Positive: owed by the lender to the borrower; negative: by the borrower.
/// </summary>
public sealed record RebateAccrued(
    string LoanId,
    string BusinessDate,
    string NextDate,
    int Days,
    long HeldCents,
    decimal RebateRate,
    long AccrualCentHundredths,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>The book's close of <see cref="ClosedDate"/> is done (rebates accrued): written once per book and date.</summary>
public sealed record BookDayClosed(string ClosedDate, string NextDate, int LoansAccrued, DateTimeOffset At) : LoanBookEvent(At);

/// <summary>The shares a recall asks for on one loan.</summary>
public sealed record RecallAllocation(string LoanId, long Shares);

/// <summary>
/// An MT 526 recall opened on the pair's loans of the CUSIP, oldest first, for what the borrower
/// owes: <see cref="Shares"/> of the <see cref="RequestedShares"/> (the rest is reported as
/// excess). Due <see cref="DueOn"/>; if still open after it, buy-in from <see cref="BuyInFrom"/>
/// (notice by <see cref="BuyInNoticeBy"/>) and close-out by <see cref="CloseOutBy"/>.
/// </summary>
public sealed record RecallOpened(
    string ControlNumber,
    string Lender,
    string Borrower,
    string Cusip,
    long RequestedShares,
    long Shares,
    string RecalledOn,
    string CountsFrom,
    string DueOn,
    string? ReturnDate,
    string BuyInFrom,
    DateTimeOffset BuyInNoticeBy,
    DateTimeOffset CloseOutBy,
    IReadOnlyList<RecallAllocation> Loans,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>An MT 592 cancelled the recall: what was open is closed.</summary>
public sealed record RecallCancelled(
    string ControlNumber,
    string CancelControlNumber,
    long OpenSharesCancelled,
    string BusinessDate,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>
/// A completed deliver order that had no effect on loans, kept as an exception record (a return
/// with no open loan, terms out of range, an id seen with other terms). Its fields are the
/// notice's, so operators see what was refused.
/// </summary>
public sealed record DeliverOrderExcepted(
    string DeliverOrderId,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    long AmountCents,
    string ReasonCode,
    string? ReclaimOf,
    decimal? RebateRate,
    decimal? CollateralMargin,
    string BusinessDate,
    string Rule,
    string Field,
    string Message,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>A recall that opened nothing (nothing owed, bad fields, a control number reused), kept as an exception record.</summary>
public sealed record RecallExcepted(
    string ControlNumber,
    string Lender,
    string Borrower,
    string Cusip,
    long Shares,
    string? ReturnDate,
    string BusinessDate,
    string Rule,
    string Field,
    string Message,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>An MT 592 that cancelled nothing (unknown recall, nothing open, not the recall's sender), kept as an exception record.</summary>
public sealed record RecallCancelExcepted(
    string ControlNumber,
    string RecallControlNumber,
    string Lender,
    string Borrower,
    string BusinessDate,
    string Rule,
    string Message,
    DateTimeOffset At) : LoanBookEvent(At);

/// <summary>The directory listed this book; the book stops asking.</summary>
public sealed record BookRegistrationConfirmed(DateTimeOffset At) : LoanBookEvent(At);

// The directory of books.

public abstract record LoanBookDirectoryEvent(DateTimeOffset At);

/// <summary>A book holds its first loan and is now visited by every lending day.</summary>
public sealed record LoanBookRegistered(string Book, DateTimeOffset At) : LoanBookDirectoryEvent(At);

// One lending day (one business date).

public abstract record LendingDayEvent(DateTimeOffset At);

/// <summary>A security's close price, frozen for a day's marks.</summary>
public sealed record ClosePrice(string Cusip, long PriceCents);

/// <summary>
/// The open of <see cref="Date"/>: the close prices of <see cref="PriceDate"/> every book marks
/// with, frozen, and the books to mark (the directory at the open).
/// </summary>
public sealed record LendingDayMarksStarted(
    string Date,
    string PriceDate,
    IReadOnlyList<ClosePrice> Prices,
    IReadOnlyList<string> Books,
    DateTimeOffset At) : LendingDayEvent(At);

/// <summary>A book computed its marks of the day.</summary>
public sealed record LoanBookMarked(string Book, int MarksRequested, long RequestedTotalCents, int LoansWithoutPrice, DateTimeOffset At) : LendingDayEvent(At);

/// <summary>Every book of the day computed its marks.</summary>
public sealed record LendingDayMarksFinished(string Date, DateTimeOffset At) : LendingDayEvent(At);

/// <summary>The close of <see cref="Date"/>: the books to accrue (the directory at the close).</summary>
public sealed record LendingDayCloseStarted(string Date, IReadOnlyList<string> Books, DateTimeOffset At) : LendingDayEvent(At);

/// <summary>A book accrued its rebates for the close.</summary>
public sealed record LoanBookClosed(string Book, int LoansAccrued, DateTimeOffset At) : LendingDayEvent(At);

/// <summary>Every book of the day accrued: the day's 10c-1a reports are final.</summary>
public sealed record LendingDayClosed(string Date, DateTimeOffset At) : LendingDayEvent(At);
