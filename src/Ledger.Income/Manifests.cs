using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>
/// The proposed stored manifest of every income event (<c>income.&lt;event-name&gt;.v1</c>) and the
/// proposed persistence id of every entity, for the serializer and the actors to use. A manifest
/// is never changed or reused: a breaking change is a new <c>.v2</c> with an upcaster.
/// </summary>
public static class IncomeManifests
{
    public static IReadOnlyDictionary<Type, string> ByType { get; } = new Dictionary<Type, string>
    {
        [typeof(StockLoanDeliverOrderApplied)] = "income.stock-loan-deliver-order-applied.v1",
        [typeof(StockLoanDeliverOrderNoted)] = "income.stock-loan-deliver-order-noted.v1",
        [typeof(MemoAdjustmentApplied)] = "income.memo-adjustment-applied.v1",
        [typeof(MemoDayClosed)] = "income.memo-day-closed.v1",
        [typeof(RecordDateFixed)] = "income.record-date-fixed.v1",
        [typeof(RecordDateReportAcknowledged)] = "income.record-date-report-acknowledged.v1",
        [typeof(IncomePostingRecorded)] = "income.income-posting-recorded.v1",
        [typeof(IncomePostingSettled)] = "income.income-posting-settled.v1",
        [typeof(AdjustmentAwaitingNoted)] = "income.adjustment-awaiting-noted.v1",
        [typeof(AdjustmentAwaitingCleared)] = "income.adjustment-awaiting-cleared.v1",
        [typeof(HaltNoted)] = "income.halt-noted.v1",
        [typeof(CounterpartyTerminationApplied)] = "income.counterparty-termination-applied.v1",
        [typeof(CounterpartyMergeApplied)] = "income.counterparty-merge-applied.v1",
        [typeof(MemoAccountMerged)] = "income.memo-account-merged.v1",
        [typeof(MergedLinesReceived)] = "income.merged-lines-received.v1",
        [typeof(MergedLinesAcknowledged)] = "income.merged-lines-acknowledged.v1",
        [typeof(MemoChangeForwarded)] = "income.memo-change-forwarded.v1",
        [typeof(MemoChangeForwardAcknowledged)] = "income.memo-change-forward-acknowledged.v1",
        [typeof(CounterpartyNoticeQueued)] = "income.counterparty-notice-queued.v1",
        [typeof(CounterpartyNoticeAcknowledged)] = "income.counterparty-notice-acknowledged.v1",
        [typeof(MemoAccountRetired)] = "income.memo-account-retired.v1",
        [typeof(MemoAccountTerminated)] = "income.memo-account-terminated.v1",
        [typeof(AdjustmentEntered)] = "income.adjustment-entered.v1",
        [typeof(AdjustmentAffirmed)] = "income.adjustment-affirmed.v1",
        [typeof(AdjustmentCancelled)] = "income.adjustment-cancelled.v1",
        [typeof(AdjustmentExpired)] = "income.adjustment-expired.v1",
        [typeof(AdjustmentNoticeAcknowledged)] = "income.adjustment-notice-acknowledged.v1",
        [typeof(HaltFiled)] = "income.halt-filed.v1",
        [typeof(HaltNoticeAcknowledged)] = "income.halt-notice-acknowledged.v1",
        [typeof(DistributionAnnounced)] = "income.distribution-announced.v1",
        [typeof(RecordDateReported)] = "income.record-date-reported.v1",
        [typeof(PayableDatePosted)] = "income.payable-date-posted.v1",
        [typeof(IncomePostingDecided)] = "income.income-posting-decided.v1",
        [typeof(IncomePostingAcknowledged)] = "income.income-posting-acknowledged.v1",
    };

    public static string Of(IncomeEvent e) => ByType.TryGetValue(e.GetType(), out var manifest)
        ? manifest
        : throw new InvariantViolation($"no manifest for {e.GetType().Name}");

    /// <summary>The persistence id of an entity's journal.</summary>
    public static string PersistenceId(IncomeAddress address) => address.Kind switch
    {
        IncomeEntityKind.MemoAccount => $"income-memo-{address.Key}",
        IncomeEntityKind.Adjustment => $"income-adjustment-{address.Key}",
        IncomeEntityKind.HaltRegister => "income-halts",
        IncomeEntityKind.DistributionSchedule => "income-distributions",
        IncomeEntityKind.PayableDateRun => $"income-payable-date-{address.Key}",
        _ => throw new ArgumentOutOfRangeException(nameof(address), address, null),
    };
}
