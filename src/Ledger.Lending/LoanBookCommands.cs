using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>What a loan book is asked to do. Every command carries its business time.</summary>
public abstract record LoanBookCommand(DateTimeOffset At);

/// <summary>Settlement completed a deliver order of this pair: a loan (<c>SL</c>), a return (<c>SLR</c>) or a reclaim.</summary>
public sealed record RecordDeliverOrderCompleted(CompletedDeliverOrder Order) : LoanBookCommand(Order.At);

/// <summary>Settlement finished a mark's payment order: completed or dropped.</summary>
public sealed record RecordPaymentOrderOutcome(PaymentOrderOutcome Outcome) : LoanBookCommand(Outcome.At);

/// <summary>The hub made an MT 526 recall available to the borrower.</summary>
public sealed record OpenRecall(RecallNotice Notice) : LoanBookCommand(Notice.At);

/// <summary>The hub made an MT 592 cancelling a recall available to the borrower.</summary>
public sealed record CancelRecall(RecallCancelNotice Notice) : LoanBookCommand(Notice.At);

/// <summary>
/// The open of <paramref name="MarkDate"/>: mark every loan open since before that date with the
/// close prices of <paramref name="PriceDate"/> (the previous business date), frozen by the
/// lending day. Done once per book and date; sent again, it answers the first run's summary.
/// </summary>
public sealed record ComputeMarks(DateOnly MarkDate, DateOnly PriceDate, IReadOnlyDictionary<Cusip, Money> ClosePrices, DateTimeOffset At) : LoanBookCommand(At);

/// <summary>The close of <paramref name="ClosedDate"/>: accrue every open loan's rebate to the next business date. Done once per book and date.</summary>
public sealed record AccrueRebates(DateOnly ClosedDate, DateTimeOffset At) : LoanBookCommand(At);

/// <summary>The directory listed the book.</summary>
public sealed record ConfirmRegistration(DateTimeOffset At) : LoanBookCommand(At);

/// <summary>The answer to a loan-book command.</summary>
public abstract record LoanBookReply;

/// <summary>The input took effect, or (<paramref name="Duplicate"/>) had already: nothing new was written.</summary>
public sealed record Recorded(bool Duplicate) : LoanBookReply
{
    public static readonly Recorded New = new(false);
    public static readonly Recorded Again = new(true);
}

/// <summary>The input is not the lending context's business (a reclaim of a deliver order that is neither a loan nor a return, another reason code).</summary>
public sealed record Ignored(string Reason) : LoanBookReply;

/// <summary>The input could not take effect and is kept as an exception record under <paramref name="Rule"/>.</summary>
public sealed record Excepted(string Rule, string Field, string Message) : LoanBookReply;

/// <summary>Nothing was written: the sender must fix the command or send it again later.</summary>
public sealed record Refused(LendingError Error) : LoanBookReply;

/// <summary>The mark run of a date, now or earlier.</summary>
public sealed record MarksDone(MarksComputed Summary) : LoanBookReply;

/// <summary>The close of a date, now or earlier.</summary>
public sealed record CloseDone(BookDayClosed Summary) : LoanBookReply;

/// <summary>A command's result: events to persist, then requests and a reply to let out.</summary>
public sealed class LoanBookDecision
{
    public List<LoanBookEvent> Events { get; } = [];

    /// <summary>Payment orders for settlement, one per mark requested.</summary>
    public List<PaymentOrderRequest> PaymentOrders { get; } = [];

    /// <summary>The book's registration with the directory, while the directory has not confirmed it.</summary>
    public RegisterLoanBook? Registration { get; set; }

    public LoanBookReply Reply { get; set; } = Recorded.Again;
}
