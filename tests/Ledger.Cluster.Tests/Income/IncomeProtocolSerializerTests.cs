using System.Text;
using Akka.Actor;
using Ledger.Cluster.Income;
using Ledger.Income;
using Ledger.Income.Events;
using Ledger.Journal;
using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>
/// Income tracking's protocol (<see cref="IncomeProtocolSerializer"/>) passes the checks every
/// context's does (<see cref="ProtocolContractTests{TProtocol}"/>: samples, manifests, golden payloads
/// in IncomeProtocolGolden/), the values that matter to income survive the trip exactly, and
/// settlement's postings and their answers go through settlement's serializer.
/// </summary>
public sealed class IncomeProtocolSerializerTests : ProtocolContractTests<IncomeProtocolSerializerTests>, IProtocolUnderTest
{
    public static string Context => "income";

    public static string GoldenFolderName => "IncomeProtocolGolden";

    public static int SerializerId => IncomeProtocolSerializer.SerializerId;

    public static ProtocolManifests Protocol => IncomeProtocolSerializer.Protocol;

    public static byte[] ToUtf8Json(object message) => IncomeProtocolSerializer.ToUtf8Json(message);

    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => IncomeProtocolSerializer.FromUtf8Json(utf8Json, manifest);

    private static readonly DateTimeOffset At = new(2026, 12, 1, 14, 30, 15, 123, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 12, 1);
    private static readonly DateOnly Next = new(2026, 12, 2);
    private static readonly ParticipantId Lender = new("0001");
    private static readonly ParticipantId Borrower = new("0002");
    private static readonly Cusip Apple = new("037833100");

    private static readonly ParticipantDirectory Directory = new(new Dictionary<ParticipantId, ParticipantFacts>
    {
        [Lender] = new(false),
        [Borrower] = new(false, ParticipantStanding.Terminated),
        [new ParticipantId("0900")] = new(true),
    });

    private static readonly BusinessCalendar Calendar = new([new Holiday(new DateOnly(2026, 12, 25), "Christmas Day")]);
    private static readonly BusinessDayStatus Open = new(Day, Closing: true);
    private static readonly Distribution Dividend = new(Apple, "DIV-1", DistributionType.CashDividend, 0.25m, Day, Next, Next);
    private static readonly Halt Halted = new(Borrower, Lender, Day, Day, NoticeAcknowledged: true);
    private static readonly MemoLineData Line = new("0002", "037833100", 600);

    private static readonly IncomeEntryData Entry = new("sli:037833100:DIV-1:0001:0002", "stock-loan-income", "037833100", "DIV-1", "cash-dividend",
        "0002", 600, 0.25m, 150_00, "2026-12-01", "2026-12-02");

    private static readonly SkippedEntitlementData Skipped = new("sli:037833100:DIV-1:0001:0003", "halted", "037833100", "DIV-1", "0001", "0003",
        100, 0.25m, 25_00, "2026-12-01", "2026-12-02");

    private static readonly CompletedDeliverOrder Completed = new(new DeliverOrderId("DO-1"), Lender, Borrower, Apple, 600, new Money(6_000_00), "SL",
        null, "direct", Day);

    private static readonly CompletedDeliverOrder Reclaim = new(new DeliverOrderId("0002~R1"), Borrower, Lender, Apple, 600, new Money(6_000_00), "RECLAIM",
        new DeliverOrderId("DO-1"), "reclaim-override", Day);

    /// <summary>One sample of every type the serializer carries.</summary>
    public static IReadOnlyList<object> Samples() =>
    [
        IncomeEnvelope.To(IncomeAddress.MemoAccount(Lender), new ApplyCompletedDeliverOrder(Completed, At)),
        new IncomeAnswer(new IncomeError(IncomeRejection.MemoLinesOpen, "participant", "memo lines are open")
        {
            Open = [new OpenItem("0002", "037833100", 600), new OpenItem("0003", "037833100", 100, "2026-12-01", "2026-12-02")],
        }),
        new IncomeQueryNotAnswered("income-halts", "GetStanding"),
        new IncomeMessage(IncomeAddress.PayableDateRun(Next), new AcknowledgeIncomePosting(Next, "income:2026-12-02:0001:1", At)),
        new ApplyCompletedDeliverOrder(Reclaim, At, ForwardedBy: new ParticipantId("0003")),
        new ApplyAdjustment("ADJ-1", Lender, Borrower, Lender, Apple, -100, Day, At, new ParticipantId("0003")),
        new CloseMemoDay(Day, Next, [Dividend], new Dictionary<Cusip, long> { [Apple] = 1_000, [new Cusip("594918104")] = -5 }, At),
        new AcknowledgeRecordDateReport(Day, Next, At),
        new RecordIncomePosting("income:2026-12-02:0001:1", Next, Next, [Entry], [Skipped], [Day], At),
        new AcknowledgeSettlementPosting("income:2026-12-02:0001:1", At),
        new NoteAdjustmentAwaiting("ADJ-1", Borrower, Apple, 100, Day, Next, At),
        new ClearAdjustmentAwaiting("ADJ-1", AdjustmentStatus.Cancelled, At),
        new NoteHaltFiled(Borrower, Day, Day, At),
        new NoteCounterpartyTerminated(Borrower, Day, At),
        new NoteCounterpartyMerged(Borrower, new ParticipantId("0003"), At),
        new ReceiveMergedLines(Borrower, [new ParticipantId("0004")], [Line], At),
        new AcknowledgeCounterpartyNotice(Borrower, At),
        new AcknowledgeMergedLines(new ParticipantId("0003"), At),
        new AcknowledgeForwardedChange("DO-1", At),
        new MergeInto(new ParticipantId("0003"), new MergerFacts(0, new Money(-12_34)), Directory, Day, At),
        new Retire(Day, At),
        new Terminate(Day, At),
        new EnterAdjustment("ADJ-1", Lender, Borrower, Apple, 100, Open, Directory, Calendar, At),
        new AffirmAdjustment("ADJ-1", Borrower, Day, At),
        new CancelAdjustment("ADJ-1", Lender, Day, At),
        new ExpireAdjustment("ADJ-1", Next, At),
        new AcknowledgeAdjustmentNotice("ADJ-1", Borrower, AdjustmentNotice.Applied, At),
        new FileHalt(Borrower, Lender, Next, Open, Directory, Calendar, At),
        new AcknowledgeHaltNotice(Borrower, Lender, At),
        new AnnounceDistribution(Apple, "DIV-1", DistributionType.Interest, 0.0125m, Day, Next, Open, Calendar, At),
        new ReportRecordDate(Next, Lender, Day, [Line], [new PositionData("037833100", 1_000)], At),
        new PostPayableDate(Next, Next, [Dividend], [Halted], [Borrower], At),
        new AcknowledgeIncomePosting(Next, "income:2026-12-02:0001:1", At),
        GetStanding.Instance,
        new StandingAnswer(ParticipantStanding.Merged),
        new GetMemoAccountView(null),
        new MemoAccountView("0001", "2026-12-01", "active", [new MemoLineView("0002", "037833100", 600)],
            [new MemoExceptionView("0003", "037833100", -5, "2026-11-30", "DO-9")]),
        new GetIncomeView(Next),
        new IncomeView("0001", "2026-12-02", [new IncomeEntryView("stock-loan-income", "DIV-1", "037833100", "0002", 600, 0.25m, 150.00m, Entry.EntryId,
            "cash-dividend", "2026-12-01", "2026-12-02", "2026-12-02")], 150.00m),
        GetNotifications.Instance,
        new NotificationsView("0001", [new NotificationView("halt-filed", "0002", "2026-12-01", null, null, null, At),
            new NotificationView("adjustment-awaiting", "0002", "2026-12-02", "ADJ-1", "037833100", 100, At)], 3),
        GetMemoOpenWork.Instance,
        new MemoOpenWork(2, 1),
        new GetAdjustment(Day, Borrower),
        new AdjustmentAnswer(new AdjustmentView("ADJ-1", "0001", "0002", "037833100", 100, "cancelled", "2026-12-01", "2026-12-02", "2026-12-01", "0001"), true),
        new FindDistribution(Apple, "DIV-1"),
        new DistributionFound(DistributionView.Of(Dividend, Day)),
        new ListDistributions(Apple),
        new DistributionList([DistributionView.Of(Dividend), DistributionView.Of(Dividend with { Id = "DIV-2" }, Day)]),
        new GetRecordDatesClosing(Day, Next),
        new GetDistributionsPostingOn(Next),
        new ScheduledDistributions([Dividend]),
        new GetPostingDatesOpening(Day, Next),
        new PostingDates([Next, new DateOnly(2026, 12, 3)]),
        new FindHalt(Borrower, Lender),
        new HaltFound(HaltView.Of(Halted)),
        new GetHaltsInEffect(Next),
        new HaltsInEffect([Halted]),
        new GetRunOpenWork(At),
        new RunOpenWork(4),
    ];

    public static IEnumerable<Type> TypesThatCrossNodes()
    {
        var commands = typeof(IncomeCommand).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(IncomeCommand).IsAssignableFrom(t));
        var protocol = typeof(IIncomeMessage).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsInterface && typeof(IIncomeMessage).IsAssignableFrom(t));
        return commands.Concat(protocol);
    }

    [Fact]
    public void Values_that_matter_survive_the_trip_exactly()
    {
        using var system = System();
        T Trip<T>(T message) where T : notnull => RoundTrip(system, message);

        var close = Trip(new CloseMemoDay(Day, Next, [Dividend], new Dictionary<Cusip, long> { [Apple] = 1_000 }, At));
        Assert.Equal(Dividend, Assert.Single(close.Distributions));
        Assert.Equal(1_000, close.Positions[Apple]);
        Assert.Equal(At, close.At);

        var halt = Trip(new FileHalt(Borrower, Lender, Next, Open, Directory, Calendar, At));
        Assert.Equal(ParticipantStanding.Terminated, halt.Directory.Find(Borrower)!.Standing);
        Assert.True(halt.Directory.Find(new ParticipantId("0900"))!.CentralCounterparty);
        Assert.Null(halt.Directory.Find(new ParticipantId("0077")));
        Assert.False(halt.Calendar.IsBusinessDay(new DateOnly(2026, 12, 25)));
        Assert.True(halt.Day.Closing);

        var posting = Trip(new RecordIncomePosting("income:2026-12-02:0001:1", Next, Next, [Entry], [Skipped], [Day], At));
        Assert.Equal(Entry, Assert.Single(posting.Entries));
        Assert.Equal(Skipped, Assert.Single(posting.Skipped));

        var envelope = Trip(IncomeEnvelope.To(IncomeAddress.MemoAccount(Lender), new ApplyCompletedDeliverOrder(Reclaim, At)));
        Assert.Equal("income-memo-0001", envelope.EntityId);
        var order = Assert.IsType<ApplyCompletedDeliverOrder>(envelope.Message).Order;
        Assert.Equal(Reclaim, order);
        Assert.Equal(Reclaim.Fingerprint, order.Fingerprint);

        var answer = Trip(new IncomeAnswer(new IncomeError(IncomeRejection.MemoLinesOpen, "participant", "open") { Open = [new OpenItem("0002", "037833100", 600)] }));
        Assert.Equal("memo-lines-open", answer.Rejection!.Rule);
        Assert.Equal(new OpenItem("0002", "037833100", 600), Assert.Single(answer.Rejection.Open));

        var run = Trip(new PostPayableDate(Next, Next, [Dividend], [Halted], [Borrower], At));
        Assert.Equal(Halted, Assert.Single(run.Halts));
        Assert.Equal(Borrower, Assert.Single(run.Terminated));
    }

    [Fact]
    public void Settlement_postings_and_their_answers_go_through_settlements_serializer()
    {
        using var system = System();
        object[] samples =
        [
            new AccountEnvelope("0001", new ApplyIncomePosting("income:2026-12-02:0001:1",
                [new Ledger.Settlement.Events.IncomeEntryPosted(Entry.EntryId, Entry.Kind, Entry.Cusip, Entry.DistributionId, Entry.Counterparty, Entry.Shares, Entry.RatePerShare, Entry.AmountCents, Entry.PayableDate)], At)),
            Acknowledged.Instance,
            new Rejected(AccountRejection.NotConfigured, "participant 0001 is not set up"),
        ];
        foreach (var sample in samples)
        {
            var serializer = system.Serialization.FindSerializerFor(sample);
            Assert.Equal(ProtocolSerializer.SerializerId, serializer.Identifier);
            var bytes = serializer.ToBinary(sample);
            var read = system.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, sample));
            Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(read)));
        }
    }

    [Fact]
    public void An_envelope_of_an_unknown_or_unlisted_message_is_refused()
    {
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            IncomeProtocolSerializer.FromUtf8Json("""{"entityId":"income-halts","manifest":"protocol.other.v1","message":{}}"""u8, "protocol.income.envelope.v1"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => IncomeProtocolSerializer.ToUtf8Json(new IncomeEnvelope("income-halts", "a string")));
    }
}
