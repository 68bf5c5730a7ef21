namespace Ledger.Lending;

// What the lending context learns from other contexts, as its own records. An adapter fills them
// from settlement's and the recall hub's published events; nothing here references those contexts.

/// <summary>
/// A deliver order that completed in settlement. A loan opens from one with reason code <c>SL</c>
/// (lender = deliverer, borrower = receiver), a return from <c>SLR</c> (borrower = deliverer), and
/// a reclaim names the deliver order it undoes in <see cref="ReclaimOf"/>.
/// <see cref="RebateRate"/> and <see cref="CollateralMargin"/> are the loan terms the submission
/// carried, if any.
/// </summary>
public sealed record CompletedDeliverOrder(
    DeliverOrderId Id,
    ParticipantId Deliverer,
    ParticipantId Receiver,
    Cusip Cusip,
    long Shares,
    Money Amount,
    string ReasonCode,
    DateOnly BusinessDate,
    DateTimeOffset At,
    decimal? RebateRate = null,
    decimal? CollateralMargin = null,
    DeliverOrderId? ReclaimOf = null)
{
    /// <summary>
    /// The fields that make two notices "the same deliver order" (settlement's own fingerprint; the
    /// loan terms are settlement's to keep unique with the id, and a loan stores them defaulted).
    /// </summary>
    public string Fingerprint => FingerprintOf(Deliverer.Value, Receiver.Value, Cusip.Value, Shares, Amount.Cents, ReasonCode, ReclaimOf?.Value);

    public static string FingerprintOf(string deliverer, string receiver, string cusip, long shares, long amountCents, string reasonCode, string? reclaimOf) =>
        $"{deliverer}|{receiver}|{cusip}|{shares}|{amountCents}|{reasonCode}|{reclaimOf}";
}

/// <summary>How a payment order ended in settlement: every payment order ends in exactly one of these.</summary>
public enum PaymentOrderStatus
{
    Completed = 1,
    Dropped = 2,
}

/// <summary>
/// The final state of a payment order a loan book asked for: completed (the money moved) or
/// dropped (at the recycle cutoff or the close, or refused by settlement: nothing moved).
/// </summary>
public sealed record PaymentOrderOutcome(
    DeliverOrderId Id,
    ParticipantId Payer,
    ParticipantId Payee,
    PaymentOrderStatus Status,
    DateOnly BusinessDate,
    DateTimeOffset At);

/// <summary>
/// An MT 526 <c>RECALL</c> the recall hub made available to the borrower: the lender (its sender)
/// recalls <see cref="Shares"/> of <see cref="Cusip"/>. <see cref="At"/> is when it was made
/// available; <see cref="ReturnDate"/> is the return date the message names, if any. The hub does
/// not validate message bodies, so every field is checked here.
/// </summary>
public sealed record RecallNotice(
    string ControlNumber,
    ParticipantId Lender,
    ParticipantId Borrower,
    Cusip Cusip,
    long Shares,
    DateOnly BusinessDate,
    DateTimeOffset At,
    DateOnly? ReturnDate = null)
{
    public string Fingerprint =>
        $"{Lender.Value}|{Borrower.Value}|{Cusip.Value}|{Shares}|{ReturnDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>
/// An MT 592 that cancels a recall, made available to the borrower: <see cref="ControlNumber"/> is
/// the cancel's own, <see cref="RecallControlNumber"/> the recall's (the adapter resolves the
/// message's field 21 to it).
/// </summary>
public sealed record RecallCancelNotice(
    string ControlNumber,
    string RecallControlNumber,
    ParticipantId Lender,
    ParticipantId Borrower,
    DateOnly BusinessDate,
    DateTimeOffset At);

/// <summary>Where a settlement record goes: which loan book, if any, it concerns.</summary>
public static class LendingRouting
{
    /// <summary>
    /// The book a completed deliver order concerns: that of its two parties when it opens a loan,
    /// returns one or reclaims something; null for any other deliver order (payment orders
    /// included: their outcomes arrive as <see cref="PaymentOrderOutcome"/>). A reclaim's book may
    /// hold no loan it undoes; the book then ignores it.
    /// </summary>
    public static LoanBookId? BookOf(CompletedDeliverOrder order)
    {
        if (order.Deliverer == order.Receiver) return null;
        var concerns = order.ReclaimOf is not null || order.ReasonCode is LoanTerms.LoanReasonCode or LoanTerms.ReturnReasonCode;
        return concerns ? LoanBookId.Of(order.Deliverer, order.Receiver) : null;
    }

    public static LoanBookId? BookOf(PaymentOrderOutcome outcome) =>
        outcome.Payer == outcome.Payee ? null : LoanBookId.Of(outcome.Payer, outcome.Payee);

    public static LoanBookId? BookOf(RecallNotice notice) =>
        notice.Lender == notice.Borrower ? null : LoanBookId.Of(notice.Lender, notice.Borrower);

    public static LoanBookId? BookOf(RecallCancelNotice notice) =>
        notice.Lender == notice.Borrower ? null : LoanBookId.Of(notice.Lender, notice.Borrower);
}
