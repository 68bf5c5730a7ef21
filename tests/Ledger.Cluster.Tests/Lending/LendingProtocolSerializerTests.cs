using System.Text;
using Akka.Actor;
using Ledger.Cluster.Lending;
using Ledger.Journal;
using Ledger.Lending;
using Ledger.Lending.Events;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The lending context's protocol (<see cref="LendingProtocolSerializer"/>) passes the checks every
/// context's does (<see cref="ProtocolContractTests{TProtocol}"/>: samples, manifests, golden payloads
/// in LendingProtocolGolden/), and the values that matter to lending survive the trip exactly.
/// </summary>
public sealed class LendingProtocolSerializerTests : ProtocolContractTests<LendingProtocolSerializerTests>, IProtocolUnderTest
{
    public static string Context => "lending";

    public static string GoldenFolderName => "LendingProtocolGolden";

    public static int SerializerId => LendingProtocolSerializer.SerializerId;

    public static ProtocolManifests Protocol => LendingProtocolSerializer.Protocol;

    public static byte[] ToUtf8Json(object message) => LendingProtocolSerializer.ToUtf8Json(message);

    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => LendingProtocolSerializer.FromUtf8Json(utf8Json, manifest);

    private static readonly DateTimeOffset At = new(2026, 12, 8, 14, 30, 15, 123, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 12, 8);
    private static readonly DateOnly Next = new(2026, 12, 9);
    private static readonly ParticipantId Lender = new("0001");
    private static readonly ParticipantId Borrower = new("0002");
    private static readonly Cusip Apple = new("037833100");
    private static readonly LoanBookId Book = LoanBookId.Of(Lender, Borrower);
    private static readonly BusinessCalendar Calendar = new([new Holiday(new DateOnly(2026, 12, 25), "Christmas Day")]);

    private static readonly CompletedDeliverOrder Loan = new(new DeliverOrderId("DO-1"), Lender, Borrower, Apple, 1_000, new Money(102_000_00), "SL", Day, At,
        RebateRate: 0.045m, CollateralMargin: 1.02m);

    private static readonly MarksComputed MarkRun = new("2026-12-09", "2026-12-08", 3, 2, 1, 0, 0, ["594918104"], 1, 5_100_00, At);
    private static readonly BookDayClosed BookClosed = new("2026-12-08", "2026-12-09", 3, At);

    private static readonly LoanView View = new("DO-1", Lender, Borrower, Borrower, "lender", Apple, 1_000, 600, 300, new Money(102_000_00), new Money(107_100_00),
        1.02m, 0.045m, Day, At, "open", null, 13_3875);

    private static readonly MarkView Mark = new("DO-1", "MK-20261209-DO-1", new Money(5_100_00), Borrower, Lender, "completed", Next, Day, new Money(105_00),
        new Money(107_100_00), new Money(102_000_00), Next);

    /// <summary>One sample of every type the serializer carries.</summary>
    public static IReadOnlyList<object> Samples() =>
    [
        new LendingEnvelope(Book.PersistenceId, new LendingStep(new RecordDeliverOrderCompleted(Loan), Calendar)),
        new LendingStep(new ComputeMarks(Next, Day, new Dictionary<Cusip, Money> { [Apple] = new(105_00) }, At), Calendar),
        new LendingQueryNotAnswered(nameof(GetLoansOf), nameof(LendingDayState)),
        new RecordDeliverOrderCompleted(Loan with { ReasonCode = "RECLAIM", ReclaimOf = new DeliverOrderId("DO-0") }),
        new RecordPaymentOrderOutcome(new PaymentOrderOutcome(new DeliverOrderId("MK-20261209-DO-1"), Borrower, Lender, PaymentOrderStatus.Dropped, Next, At)),
        new OpenRecall(new RecallNotice("CN-1", Lender, Borrower, Apple, 400, Day, At, ReturnDate: Next)),
        new CancelRecall(new RecallCancelNotice("CN-2", "CN-1", Lender, Borrower, Day, At)),
        new ComputeMarks(Next, Day, new Dictionary<Cusip, Money> { [Apple] = new(105_00), [new Cusip("594918104")] = new(99_99) }, At),
        new AccrueRebates(Day, At),
        new ConfirmRegistration(At),
        new StartMarks(Next, Day, new Dictionary<Cusip, Money> { [Apple] = new(105_00) }, [Book, LoanBookId.Of(Borrower, new ParticipantId("0900"))], At),
        new RecordBookMarked(Book, MarkRun, At),
        new StartClose(Day, [Book], At),
        new RecordBookClosed(Book, BookClosed, At),
        new RegisterLoanBook(Book, At),
        Recorded.Again,
        new Ignored("not a loan"),
        new Excepted("return-without-loan", "deliverOrderId", "no open loan of the pair and CUSIP"),
        new Refused(new LendingError(LendingRejection.MarksUnresolved, "markDate", "mark MK-1 has no outcome yet")),
        new MarksDone(MarkRun),
        new CloseDone(BookClosed),
        new GetLoanBooks(Lender),
        new LoanBookList([Book, LoanBookId.Of(Lender, new ParticipantId("0900"))]),
        new HasLoanBook(Book),
        new LoanBookKnown(true),
        new GetLoansOf(Lender, LoanStateFilter.Open),
        new LoanList([View, View with { Id = "DO-2", Counterparty = null, Side = null, ClosedOn = Next, State = "closed", RebateRate = null }]),
        new GetMarksOf(Borrower, Next),
        new MarkList([new LoanMark(At, Mark)]),
        new GetLoan("DO-1", null),
        new LoanFound(new LoanDetailView(View, [Mark], [new ReturnView("RET-1", 400, new Money(40_800_00), Next, At, null)],
            [new LoanRecallView("CN-1", 0, "closed", Next)])),
        new GetCusipsToMark(Next),
        new CusipList([Apple]),
        new GetClosePrices([Apple]),
        new ClosePriceList([new SecurityClosePrice(Apple, new Money(105_00))]),
        GetLendingDayProgress.Instance,
        new LendingDayProgress([new MarkBook(Book, Next, Day)], [new CloseBook(Book, Day)], MarksFinished: false, Closed: true),
        new GetRecallsOf(Borrower, Next, RecallStatus.Overdue),
        new RecallList([new RecallView("0002000000000001", "0002000000000001", Lender, Borrower, Lender, "borrower", ["DO-1"], Apple, 500, 400, 100,
            Day, At, Day, Next, "overdue", new DateOnly(2026, 12, 14), At.AddDays(3), At.AddDays(5), null)]),
        new GetExceptionsOf(Lender),
        new LendingExceptionList([new LendingExceptionView("SLR-9", "deliver-order", "return-without-open-loan", "deliverOrderId", "no open loan of the pair in 037833100",
            Borrower, Lender, Apple.Value, 50, new Money(5_000_00), Day, At)]),
        new GetRebateStatement(new StatementMonth(2026, 12)),
        new RebateStatementFound(new RebateStatement(new StatementMonth(2026, 12), Lender, Borrower,
            [new RebateStatementLine("DO-1", Lender, Borrower, Apple, 2, 261_375, new Money(26_14), Lender, Borrower)], Lender, Borrower, new Money(26_14))),
    ];

    public static IEnumerable<Type> TypesThatCrossNodes()
    {
        var core = typeof(LoanBookCommand).Assembly.GetTypes().Where(t => !t.IsAbstract &&
            (typeof(LoanBookCommand).IsAssignableFrom(t) || typeof(LendingDayCommand).IsAssignableFrom(t) || typeof(LoanBookReply).IsAssignableFrom(t)));
        var protocol = typeof(ILendingMessage).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsInterface && typeof(ILendingMessage).IsAssignableFrom(t));
        return core.Concat(protocol).Append(typeof(RegisterLoanBook));
    }

    [Fact]
    public void Values_that_matter_survive_the_trip_exactly()
    {
        using var system = System();
        T Trip<T>(T message) where T : notnull => RoundTrip(system, message);

        var envelope = Trip(new LendingEnvelope(Book.PersistenceId, new LendingStep(new RecordDeliverOrderCompleted(Loan), Calendar)));
        Assert.Equal("loan-book-0001-0002", envelope.EntityId);
        var step = Assert.IsType<LendingStep>(envelope.Message);
        Assert.False(step.Calendar.IsBusinessDay(new DateOnly(2026, 12, 25)));
        var order = Assert.IsType<RecordDeliverOrderCompleted>(step.Command).Order;
        Assert.Equal(Loan, order);
        Assert.Equal(Loan.Fingerprint, order.Fingerprint);
        Assert.Equal(At, step.Command is LoanBookCommand c ? c.At : default);

        var marks = Trip(new ComputeMarks(Next, Day, new Dictionary<Cusip, Money> { [Apple] = new(105_00) }, At));
        Assert.Equal(new Money(105_00), marks.ClosePrices[Apple]);
        Assert.Equal((Next, Day, At), (marks.MarkDate, marks.PriceDate, marks.At));

        var start = Trip(new StartMarks(Next, Day, new Dictionary<Cusip, Money> { [Apple] = new(105_00) }, [Book], At));
        Assert.Equal(Book, Assert.Single(start.Books));

        var loan = Trip(new LoanFound(new LoanDetailView(View, [Mark], [], []))).View!;
        Assert.Equal(View, loan.Loan);
        Assert.Equal(13.3875m, loan.Loan.AccruedRebate);
        Assert.Equal(Mark, Assert.Single(loan.Marks));

        var refused = Trip(new Refused(new LendingError(LendingRejection.MarksUnresolved, "markDate", "no outcome yet")));
        Assert.Equal(new LendingError(LendingRejection.MarksUnresolved, "markDate", "no outcome yet"), refused.Error);

        var progress = Trip(new LendingDayProgress([new MarkBook(Book, Next, Day)], [], true, false));
        Assert.Equal(new MarkBook(Book, Next, Day), Assert.Single(progress.MarkBooks));
        Assert.True(progress.MarksFinished);
    }

    [Fact]
    public void A_typed_query_asked_of_another_kind_of_entity_is_answered_as_such()
    {
        Assert.Equal(new LendingQueryNotAnswered(nameof(GetLoansOf), nameof(LendingDayState)), new GetLoansOf(Lender, null).Answer(new LendingDayState()));
        Assert.Equal(new LendingQueryNotAnswered(nameof(GetLendingDayProgress), nameof(LoanBookDirectoryState)),
            GetLendingDayProgress.Instance.Answer(new LoanBookDirectoryState()));
        Assert.Equal(new LoanBookKnown(false), new HasLoanBook(Book).Answer(new LoanBookDirectoryState()));
    }

    [Fact]
    public void An_envelope_of_an_unknown_or_unlisted_message_and_a_malformed_payload_are_refused()
    {
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            LendingProtocolSerializer.FromUtf8Json("""{"entityId":"loan-book-directory","manifest":"protocol.other.v1","message":{}}"""u8, "protocol.lending.envelope.v1"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => LendingProtocolSerializer.ToUtf8Json(new LendingEnvelope("loan-book-directory", "a string")));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            LendingProtocolSerializer.FromUtf8Json("""{"books":["0001-0001"]}"""u8, "protocol.lending.loan-book-list.v1"));
    }
}
