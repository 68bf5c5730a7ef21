using Ledger.Settlement.Events;

namespace Ledger.Journal.Tests;

/// <summary>
/// One instance of every stored event type, every field set to a distinct, non-default value so
/// that a swapped or dropped field shows. The golden files were written from these instances: they
/// must not change (add a new sample for a new type or version instead).
/// </summary>
internal static class SampleEvents
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 14, 30, 15, 123, TimeSpan.Zero);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private static readonly DeliverOrderData Order = new(
        Id: "DO-2026-03-02-000017",
        Deliverer: "0101",
        Receiver: "0981",
        Cusip: "037833100",
        Shares: 12_500,
        AmountCents: 218_437_50,
        ReasonCode: "ML",
        ReclaimOf: null);

    private static readonly DeliverOrderData ReclaimOrder = new(
        Id: "RC-2026-03-02-000003",
        Deliverer: "0981",
        Receiver: "0101",
        Cusip: "594918104",
        Shares: 700,
        AmountCents: 29_071_00,
        ReasonCode: "RC",
        ReclaimOf: "DO-2026-03-02-000009");

    private static readonly DeliverOrderData LoanOrder = new(
        Id: "DO-2026-03-02-000031",
        Deliverer: "0101",
        Receiver: "0981",
        Cusip: "037833100",
        Shares: 1_000,
        AmountCents: 102_000_00,
        ReasonCode: "SL",
        ReclaimOf: null,
        RebateRate: -0.0025m,
        CollateralMargin: 1.05m);

    private static readonly DeliverOrderData PaymentOrder = new(
        Id: "MK-20260302-DO-2026-03-02-000031",
        Deliverer: "0101",
        Receiver: "0981",
        Cusip: "037833100",
        Shares: 0,
        AmountCents: 5_100_00,
        ReasonCode: "MARK");

    private static readonly TermsData Terms = new(PriceCents: 174_75, Haircut: 0.15m, Version: 42);

    private static readonly CheckInputsV1 Passed = new(
        AvailableShares: 40_000,
        CollateralMonitorCents: 1_250_000_00.50m,
        CollateralDeltaCents: -32_765_62.5m,
        SettlementBalanceCents: -75_000_00,
        NetDebitCapCents: 5_000_000_00,
        CollateralMonitorBypassed: false,
        Rule: "passed");

    private static readonly CheckInputsV1 NetDebitCap = new(
        AvailableShares: 0,
        CollateralMonitorCents: 900_000_00m,
        CollateralDeltaCents: 12_345.25m,
        SettlementBalanceCents: -4_990_000_00,
        NetDebitCapCents: 5_000_000_00,
        CollateralMonitorBypassed: true,
        Rule: "net-debit-cap");

    // Whole cents, as events are written since the ".v2" manifests.
    private static readonly CheckInputs PassedCents = new(
        AvailableShares: 40_000,
        CollateralMonitorCents: 1_250_000_01,
        CollateralDeltaCents: -32_765_63,
        SettlementBalanceCents: -75_000_00,
        NetDebitCapCents: 5_000_000_00,
        CollateralMonitorBypassed: false,
        Rule: "passed");

    private static readonly CheckInputs NetDebitCapCents = new(
        AvailableShares: 0,
        CollateralMonitorCents: 900_000_00,
        CollateralDeltaCents: 12_346,
        SettlementBalanceCents: -4_990_000_00,
        NetDebitCapCents: 5_000_000_00,
        CollateralMonitorBypassed: true,
        Rule: "net-debit-cap");

    /// <summary>Samples keyed by type: exactly one per stored event type.</summary>
    public static IReadOnlyDictionary<Type, object> ByType { get; } = new object[]
    {
        new ParticipantConfigured("Lender One Securities", 5_000_000_00, 1_000_000_00, MarketLoanProgram: true, CentralCounterparty: false, BusinessDate: "2026-03-02", At(1)),
        new SecurityTermsApplied("037833100", Terms, At(2)),
        new SharesDeposited("037833100", 40_000, Terms with { Version = 43 }, At(3)),
        new SettlementProgressPaymentReceived(2_500_000_00, At(4)),
        new DeliveryReservedV1(Order, Terms, Passed, PendedBefore: true, At(5)),
        new DeliveryPendedV1(Order, Terms, "position", Passed with { Rule = "position", AvailableShares = 12_499 }, At(6)),
        new DeliveryCompleted("DO-2026-03-02-000017", "look-ahead", At(7)),
        new DeliveryDropped("DO-2026-03-02-000018", At(8)),
        new DeliveryCancelRequested("DO-2026-03-02-000019", At(9)),
        new DeliveryCancelled("DO-2026-03-02-000020", At(10)),
        new ReceiveCompletedV1(ReclaimOrder, Terms, "reclaim-override", NetDebitCap, At(11)),
        new ReceivePendedV1(Order, Terms, "net-debit-cap", NetDebitCap, At(12)),
        new ReceiveDropped("DO-2026-03-02-000021", At(13)),
        new ReceiveCancelled("DO-2026-03-02-000022", At(14)),
        new RecycleCutoffReached("2026-03-02", At(15)),
        new LookAheadProposedV1("DO-2026-03-02-000023", "DO-2026-03-02-000024", Terms, Passed with { Rule = "look-ahead", CollateralMonitorBypassed = true }, At(23)),
        new LookAheadCompleted("DO-2026-03-02-000023", "DO-2026-03-02-000024", At(24)),
        new BusinessDayClosed("2026-03-02", "2026-03-03", -1_234_567_89, At(16)),
        new ParticipantRegistered("0101", "Lender One Securities", 5_000_000_00, 1_000_000_00, MarketLoanProgram: true, CentralCounterparty: false, At(17)),
        new SecurityListed("594918104", 415_30, 0.2m, 7, At(18)),
        new BusinessDayOpened("2026-03-02", At(19)),
        new RecycleCutoffStarted("2026-03-02", At(20)),
        new BusinessDayCloseStarted("2026-03-02", "2026-03-03", At(21)),
        new DeliverOrderRegistered("DO-2026-03-02-000017", "0101", "0981", "sha256:6f1ed002ab5595859014ebf0951522d9", At(22)),
        new DeliverOrdersRegistered([
            new DeliverOrderRegistered("DO-2026-03-02-000018", "0101", "0900", "sha256:0b8d0a3d9c2e4f1e8a7b6c5d4e3f2a10", At(23), "2026-03-02"),
            new DeliverOrderRegistered("DO-2026-03-02-000019", "0900", "0981", "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c40", At(23), "2026-03-02"),
        ], At(23)),
        new DeliveryReserved(Order, Terms, PassedCents, PendedBefore: true, At(25)),
        new DeliveryPended(Order, Terms, "position", PassedCents with { Rule = "position", AvailableShares = 12_499 }, At(26)),
        new ReceiveCompleted(ReclaimOrder, Terms, "reclaim-override", NetDebitCapCents, At(27)),
        new ReceivePended(Order, Terms, "net-debit-cap", NetDebitCapCents, At(28)),
        new LookAheadProposed("DO-2026-03-02-000023", "DO-2026-03-02-000024", Terms, PassedCents with { Rule = "look-ahead", CollateralMonitorBypassed = true }, At(29)),
        new HolidayDeclared("2026-11-26", "Thanksgiving Day", At(24)),
        new HolidayRemoved("2026-12-24", At(25)),
        new IncomePostingApplied("income:2026-03-03:0101:1", 150_00 - 25_00,
        [
            new IncomeEntryPosted("hor:037833100:DIV-1:0101", "holder-of-record", "037833100", "DIV-1", null, 400, 0.25m, 100_00, "2026-03-03"),
            new IncomeEntryPosted("sli:037833100:DIV-1:0101:0102", "stock-loan-income", "037833100", "DIV-1", "0102", 600, 0.25m, 150_00, "2026-03-03"),
            new IncomeEntryPosted("sli:037833100:DIV-1:0103:0101", "stock-loan-income", "037833100", "DIV-1", "0103", -500, 0.25m, -125_00, "2026-03-03"),
        ], At(30)),
    }.ToDictionary(e => e.GetType());

    /// <summary>
    /// Samples of fields added to a stored event type after its first golden file: each is written
    /// to its own golden file, <c>&lt;manifest&gt;+&lt;variant&gt;.json</c>, beside the first (which
    /// is never edited, and still reads as the sample without the field).
    /// </summary>
    public static IReadOnlyDictionary<string, object> Variants { get; } = new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["account.shares-deposited.v1+id"] = new SharesDeposited("037833100", 40_000, Terms with { Version = 43 }, At(3), Id: "DEP-2026-03-02:0001"),
        ["account.settlement-progress-payment-received.v1+id"] = new SettlementProgressPaymentReceived(2_500_000_00, At(4), Id: "SPP-2026-03-02_0007"),
        // A stock loan's terms inside the order (lending.md section 1), and a payment order's published drop.
        ["account.delivery-reserved.v2+loan-terms"] = new DeliveryReserved(LoanOrder, Terms, PassedCents, PendedBefore: false, At(30)),
        ["account.receive-completed.v2+loan-terms"] = new ReceiveCompleted(LoanOrder, Terms, "direct", PassedCents, At(31)) { BusinessDate = "2026-03-02" },
        ["account.delivery-completed.v1+loan-terms"] = new DeliveryCompleted(LoanOrder.Id, "direct", At(31)) { Order = LoanOrder, BusinessDate = "2026-03-02" },
        ["account.delivery-dropped.v1+payment-order"] = new DeliveryDropped(PaymentOrder.Id, At(32)) { Order = PaymentOrder, BusinessDate = "2026-03-02" },
    };

    /// <summary>
    /// <paramref name="count"/> events cycling through every type, each with its own business time,
    /// so that order and identity both show on replay.
    /// </summary>
    public static IReadOnlyList<object> Stream(int count)
    {
        var samples = ByType.Values.ToArray();
        var events = new List<object>(count);
        for (var i = 0; i < count; i++)
        {
            var at = T0.AddMinutes(i);
            events.Add(samples[i % samples.Length] switch
            {
                AccountEvent e => e with { At = at },
                ReferenceEvent e => e with { At = at },
                DeliverOrderRegistered e => e with { DeliverOrderId = $"DO-{i:D6}", At = at },
                DeliverOrdersRegistered e => new DeliverOrdersRegistered(e.Orders.Select((o, k) => o with { DeliverOrderId = $"DO-{i:D6}-{k}", At = at }).ToList(), at),
                var other => throw new InvalidOperationException($"No stream rule for {other.GetType().Name}"),
            });
        }

        return events;
    }
}
