using System.Text.Json;
using Ledger.Lending.Events;

namespace Ledger.Lending.Tests;

/// <summary>
/// One loan book under test: commands go through the decider, events are kept as the journal,
/// and every step checks every invariant. Participants L (0001), B (0002), OCC (0900); security X
/// (037833100) and Y (594918104); business dates in December 2026, New York winter time.
/// </summary>
internal sealed class Fixture
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    public static readonly LendingRules Rules = LendingRules.Default(NewYork);

    public static readonly ParticipantId L = new("0001");
    public static readonly ParticipantId B = new("0002");
    public static readonly ParticipantId Occ = new("0900");
    public static readonly Cusip X = new("037833100");
    public static readonly Cusip Y = new("594918104");

    /// <summary>Monday 7 December 2026.</summary>
    public static readonly DateOnly D = new(2026, 12, 7);

    public Fixture(ParticipantId a, ParticipantId b, LendingRules? rules = null, BusinessCalendar? calendar = null)
    {
        State = new LoanBookState(LoanBookId.Of(a, b));
        RulesInUse = rules ?? Rules;
        Calendar = calendar ?? BusinessCalendar.Weekdays;
    }

    public Fixture() : this(L, B)
    {
    }

    public LoanBookState State { get; }
    public LendingRules RulesInUse { get; }
    public BusinessCalendar Calendar { get; }
    public List<LoanBookEvent> Journal { get; } = [];

    public LoanBookDecision Run(LoanBookCommand command)
    {
        var decision = LoanBookDecider.Decide(State, command, RulesInUse, Calendar);
        Journal.AddRange(decision.Events);
        LoanBookInvariants.CheckAll(State);
        return decision;
    }

    /// <summary>New York wall-clock time on a date.</summary>
    public static DateTimeOffset At(DateOnly date, int hour, int minute = 0, int second = 0) =>
        Rules.NewYorkInstant(date, new TimeOnly(hour, minute, second));

    public static RecordDeliverOrderCompleted Sl(string id, ParticipantId lender, ParticipantId borrower, long shares, decimal dollars,
        decimal? rate = null, decimal? margin = null, DateOnly? date = null, int hour = 10, int minute = 0, Cusip? cusip = null) =>
        new(new CompletedDeliverOrder(new DeliverOrderId(id), lender, borrower, cusip ?? X, shares, Money.FromDollars(dollars), "SL",
            date ?? D, At(date ?? D, hour, minute), rate, margin));

    public static RecordDeliverOrderCompleted Slr(string id, ParticipantId borrower, ParticipantId lender, long shares, decimal dollars,
        DateOnly? date = null, int hour = 11, int minute = 0, Cusip? cusip = null) =>
        new(new CompletedDeliverOrder(new DeliverOrderId(id), borrower, lender, cusip ?? X, shares, Money.FromDollars(dollars), "SLR",
            date ?? D, At(date ?? D, hour, minute)));

    /// <summary>A reclaim of <paramref name="original"/>: its receiver delivers it back.</summary>
    public static RecordDeliverOrderCompleted Reclaim(string id, RecordDeliverOrderCompleted original, int hour = 12) =>
        new(original.Order with
        {
            Id = new DeliverOrderId(id),
            Deliverer = original.Order.Receiver,
            Receiver = original.Order.Deliverer,
            ReasonCode = "RECLAIM",
            ReclaimOf = original.Order.Id,
            RebateRate = null,
            CollateralMargin = null,
            At = At(original.Order.BusinessDate, hour),
        });

    public static OpenRecall Recall(string control, ParticipantId lender, ParticipantId borrower, long shares, DateOnly? date = null,
        int hour = 9, int minute = 0, int second = 0, DateOnly? returnDate = null, Cusip? cusip = null) =>
        new(new RecallNotice(control, lender, borrower, cusip ?? X, shares, date ?? D, At(date ?? D, hour, minute, second), returnDate));

    public static CancelRecall Cancel(string control, string recall, ParticipantId lender, ParticipantId borrower, DateOnly? date = null, int hour = 13) =>
        new(new RecallCancelNotice(control, recall, lender, borrower, date ?? D, At(date ?? D, hour)));

    public static ComputeMarks MarksAt(DateOnly markDate, params (Cusip Cusip, decimal Dollars)[] prices) =>
        new(markDate, BusinessCalendar.Weekdays.Previous(markDate), prices.ToDictionary(p => p.Cusip, p => Money.FromDollars(p.Dollars)), At(markDate, 7));

    public static RecordPaymentOrderOutcome Outcome(PaymentOrderRequest request, PaymentOrderStatus status, DateOnly? date = null, int hour = 10) =>
        new(new PaymentOrderOutcome(request.Id, request.Payer, request.Payee, status, date ?? request.BusinessDate, At(date ?? request.BusinessDate, hour)));

    public static AccrueRebates Close(DateOnly date) => new(date, At(date, 18));

    public static string Json(object value) => JsonSerializer.Serialize(value, value.GetType());
}
