using Ledger.Journal;
using System.Collections.Immutable;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Cluster.Tests;

/// <summary>
/// One instance of every protocol message type, fields set to distinct, non-default values so that a
/// swapped or dropped field shows. The golden files were written from these instances: they must
/// not change (add a sample for a new type or version instead).
/// </summary>
internal static class ProtocolSamples
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 14, 30, 15, 123, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 3, 2);
    private static readonly DateOnly NextDay = new(2026, 3, 3);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private static readonly ParticipantId Lender = new("0101");
    private static readonly ParticipantId Borrower = new("0981");
    private static readonly Cusip Apple = new("037833100");
    private static readonly Cusip Microsoft = new("594918104");

    private static readonly DeliverOrder Order = new(
        new DeliverOrderId("DO-2026-03-02-000017"), Lender, Borrower, Apple, 12_500, new Money(218_437_50), "ML");

    private static readonly DeliverOrder ReclaimOrder = new(
        new DeliverOrderId("RC-2026-03-02-000003"), Borrower, Lender, Microsoft, 700, new Money(29_071_00), "RC",
        ReclaimOf: new DeliverOrderId("DO-2026-03-02-000009"));

    private static readonly SecurityTerms Terms = new(new Money(174_75), 0.15m, 42);

    private static readonly ParticipantRecord LenderRecord = new(Lender, "Lender One Securities", new Money(5_000_000_00), new Money(1_000_000_00),
        MarketLoanProgram: true, CentralCounterparty: false);

    private static readonly ParticipantRecord Occ = new(new ParticipantId("0900"), "Options Clearing Corporation", Money.Zero, new Money(1),
        MarketLoanProgram: false, CentralCounterparty: true);

    private static readonly SubmitDelivery Submit = new(Order, Terms, At(5));

    private static readonly RegisterDeliverOrders Register = new([Order, ReclaimOrder], Day);

    private static readonly RegisterParticipant RegisterLender = new(LenderRecord, At(17));

    /// <summary>Samples keyed by type: exactly one per protocol message type.</summary>
    public static IReadOnlyDictionary<Type, object> ByType { get; } = new object[]
    {
        new AccountEnvelope("0101", Submit),
        new ReferenceEnvelope(RegisterLender),
        new IndexEnvelope(17, Register),

        new AccountCommands([Submit, new CancelDelivery(new DeliverOrderId("DO-2026-03-02-000019"), At(9)),
            new RequestReceive(ReclaimOrder, Terms with { Version = 43 }, PendedBefore: true, At(10))]),
        new ConfigureParticipant("Lender One Securities", new Money(5_000_000_00), new Money(1_000_000_00), MarketLoanProgram: true,
            CentralCounterparty: true, Day, At(1)),
        new ApplySecurityTerms(Apple, Terms, At(2)),
        new DepositShares(Apple, 40_000, Terms with { Version = 44 }, At(3)),
        new ReceiveSettlementProgressPayment(new Money(2_500_000_00), At(4)),
        Submit,
        new RequestReceive(Order, Terms, PendedBefore: true, At(6), LookAhead: true),
        new ReportReceiveOutcome(new DeliverOrderId("DO-2026-03-02-000017"), Borrower, ReceiveStage.LookAhead, CompletedBy.Recycle, PendReason.NetDebitCap, At(7)),
        new CancelDelivery(new DeliverOrderId("DO-2026-03-02-000020"), At(8)),
        new CancelReceive(new DeliverOrderId("DO-2026-03-02-000021"), Lender, At(11)),
        new ReachRecycleCutoff(Day, At(12)),
        new DropAllPending(Day, At(13)),
        new CloseBusinessDay(Day, NextDay, At(14)),
        new ApplyIncomePosting("income:2026-03-03:0101:1",
            [new IncomeEntryPosted("sli:037833100:DIV-1:0101:0102", "stock-loan-income", "037833100", "DIV-1", "0102", 600, 0.25m, 150_00, "2026-03-03")], At(15)),

        new AccountReplies([Acknowledged.Instance, null, new Rejected(AccountRejection.NotConfigured, "participant 0102 is not set up"),
            new DeliveryStatusReply(new DeliverOrderId("DO-2026-03-02-000022"), DeliveryStage.Completed, null, CompletedBy.Direct)]),
        Acknowledged.Instance,
        new Rejected(AccountRejection.ReclaimOfEarlierDay, "DO-2026-03-02-000009 completed on an earlier business day"),
        new DeliveryStatusReply(new DeliverOrderId("DO-2026-03-02-000017"), DeliveryStage.PendingAtDeliverer, PendReason.Position, CompletedBy.LookAhead),
        new Busy("account 0101 has 20000 commands waiting"),
        new JournalDamaged("account-0101", 17, "not-matching", "account.delivery-completed.v1 stores chain 9f9b, its bytes give a62d"),

        GetAccountView.Instance,
        new AccountView("0981", "Borrower Capital", "2026-03-02", CutoffReached: true, SettlementBalance: -218_437.50m, NetDebit: 218_437.50m,
            NetDebitCap: 500_000.00m, ParticipantsFund: 50_000.00m, CollateralMonitor: 17_245.63m, MarketLoanProgram: true, CentralCounterparty: true,
            [new PositionView("037833100", 12_500, 300), new PositionView("594918104", 0, 700)],
            [new PendingView("DO-2026-03-02-000023", "receive", "net-debit-cap", "0900", "594918104", 1_000, 41_530.00m)],
            Version: 1_234),
        new GetDelivery(new DeliverOrderId("DO-2026-03-02-000024")),
        new DeliveryFound(new DeliverySnapshot(ReclaimOrder, DeliveryStage.CancelRequested, PendReason.Collateral, CompletedBy.ReclaimOverride)),
        new GetReceive(new DeliverOrderId("DO-2026-03-02-000025")),
        new ReceiveSnapshot(ReceiveStage.Pending, PendReason.Collateral, CompletedBy.Direct),
        GetInFlightCount.Instance,
        new InFlightCount("0101", 7),
        new GetDeliverOrderEvents([new DeliverOrderId("DO-2026-03-02-000027"), new DeliverOrderId("0981~RC-2026-03-02-1")], Day),
        new DeliverOrderEvents([12, 13, 40, 41, 97], Retained: true),

        GetReference.Instance,
        RegisterLender,
        new ListSecurity(Microsoft, new Money(415_30), 0.2m, At(18)),
        new OpenFirstBusinessDay(Day, At(19)),
        new StartRecycleCutoff(At(20)),
        new StartClose(At(21)),
        new FinishClose(At(22)),
        new ReferenceSnapshot(
            ImmutableDictionary<ParticipantId, ParticipantRecord>.Empty.Add(Lender, LenderRecord).Add(Occ.Id, Occ),
            ImmutableDictionary<Cusip, SecurityTerms>.Empty.Add(Apple, Terms).Add(Microsoft, new SecurityTerms(new Money(415_30), 0.2m, 7)),
            Day, CutoffReached: true, Closing: true),
        new DeclareHoliday(new Holiday(new DateOnly(2026, 11, 26), "Thanksgiving Day"), At(23)),
        new RemoveHoliday(new DateOnly(2026, 12, 24), At(24)),

        Register,
        new RegistrationOutcomes([RegistrationOutcome.Registered, RegistrationOutcome.SameAsBefore, RegistrationOutcome.ConflictingPayload],
            [Day, null, NextDay]),
        new FindDeliverOrder(new DeliverOrderId("DO-2026-03-02-000026")),
        new DeliverOrderLocation(new IndexEntry(Lender, Borrower, Order.Fingerprint, Day)),
    }.ToDictionary(e => e.GetType());
}
