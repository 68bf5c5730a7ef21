using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>
/// The proposed stored manifest of every lending event, <c>lending.&lt;event-name&gt;.v1</c>.
/// Ledger.Journal's lending serializer registers these; a manifest is never changed once stored.
/// </summary>
public static class LendingManifests
{
    public static IReadOnlyDictionary<Type, string> ByType { get; } = new Dictionary<Type, string>
    {
        [typeof(LoanOpened)] = "lending.loan-opened.v1",
        [typeof(ReturnApplied)] = "lending.return-applied.v1",
        [typeof(ReturnReversed)] = "lending.return-reversed.v1",
        [typeof(LoanCancelled)] = "lending.loan-cancelled.v1",
        [typeof(MarkRequested)] = "lending.mark-requested.v1",
        [typeof(MarksComputed)] = "lending.marks-computed.v1",
        [typeof(MarkCompleted)] = "lending.mark-completed.v1",
        [typeof(MarkDropped)] = "lending.mark-dropped.v1",
        [typeof(RebateAccrued)] = "lending.rebate-accrued.v1",
        [typeof(BookDayClosed)] = "lending.book-day-closed.v1",
        [typeof(RecallOpened)] = "lending.recall-opened.v1",
        [typeof(RecallCancelled)] = "lending.recall-cancelled.v1",
        [typeof(DeliverOrderExcepted)] = "lending.deliver-order-excepted.v1",
        [typeof(RecallExcepted)] = "lending.recall-excepted.v1",
        [typeof(RecallCancelExcepted)] = "lending.recall-cancel-excepted.v1",
        [typeof(BookRegistrationConfirmed)] = "lending.book-registration-confirmed.v1",
        [typeof(LoanBookRegistered)] = "lending.loan-book-registered.v1",
        [typeof(LendingDayMarksStarted)] = "lending.day-marks-started.v1",
        [typeof(LoanBookMarked)] = "lending.day-book-marked.v1",
        [typeof(LendingDayMarksFinished)] = "lending.day-marks-finished.v1",
        [typeof(LendingDayCloseStarted)] = "lending.day-close-started.v1",
        [typeof(LoanBookClosed)] = "lending.day-book-closed.v1",
        [typeof(LendingDayClosed)] = "lending.day-closed.v1",
    };
}
