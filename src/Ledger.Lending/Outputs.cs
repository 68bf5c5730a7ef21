namespace Ledger.Lending;

// What the lending context asks of others, as its own records. An adapter sends them once the
// events that justify them are persisted, and sends them again until answered: every one
// carries an id the receiver deduplicates on.

/// <summary>
/// A request to settlement for a payment order that settles one mark: a money-only instruction
/// (shares 0, reason code <c>MARK</c>) in which <see cref="Payer"/> pays <see cref="Amount"/> to
/// <see cref="Payee"/>. <see cref="Id"/> is derived from the loan and the mark date
/// (<see cref="MarkIds.For"/>), so a request sent again, or computed again after a crash, is the
/// same payment order. A loan with OCC as a party gives one leg (payer -> OCC or OCC -> payee);
/// the Market Loan's other loan gives the other leg, for the same amount.
/// </summary>
public sealed record PaymentOrderRequest(
    DeliverOrderId Id,
    ParticipantId Payer,
    ParticipantId Payee,
    Money Amount,
    Cusip Cusip,
    string LoanId,
    DateOnly BusinessDate,
    DateTimeOffset At)
{
    /// <summary>A payment order moves no shares.</summary>
    public long Shares => 0;

    public string ReasonCode => LoanTerms.MarkReasonCode;
}

/// <summary>A book asks the directory to list it, once it holds a loan; the directory deduplicates on the book id.</summary>
public sealed record RegisterLoanBook(LoanBookId Book, DateTimeOffset At);
