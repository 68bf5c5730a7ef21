using System.Globalization;
using System.Text.Json;
using Ledger.Income.Events;

namespace Ledger.Income.Tests;

/// <summary>Names and helpers shared by the tests: participants L (lender), B (borrower), C, OCC; CUSIPs X, Y; dates around Thanksgiving 2026.</summary>
internal static class Fixtures
{
    public const string X = "037833100";
    public const string Y = "594918104";
    public const string L = "0001";
    public const string B = "0002";
    public const string C = "0003";
    public const string D = "0004";
    public const string Occ = "0900";

    /// <summary>Monday 23 November 2026.</summary>
    public static readonly DateOnly Monday = new(2026, 11, 23);
    public static readonly DateOnly Tuesday = new(2026, 11, 24);
    public static readonly DateOnly Wednesday = new(2026, 11, 25);
    /// <summary>Thanksgiving: an exchange holiday in <see cref="Calendar"/>.</summary>
    public static readonly DateOnly Thanksgiving = new(2026, 11, 26);
    public static readonly DateOnly Friday = new(2026, 11, 27);
    public static readonly DateOnly NextMonday = new(2026, 11, 30);

    public static readonly BusinessCalendar Calendar = new([new Holiday(Thanksgiving, "Thanksgiving Day")]);

    public static readonly DateTimeOffset Morning = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(DateOnly date, int hour = 14, int minute = 0) => new(date.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    public static ParticipantId P(string id) => new(id);

    public static Cusip Cu(string cusip) => new(cusip);

    public static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static ParticipantDirectory Directory(params string[] participants) => new(
        participants.ToDictionary(p => P(p), p => new ParticipantFacts(CentralCounterparty: p == Occ)));

    public static readonly ParticipantDirectory Everyone = Directory(L, B, C, D, Occ);

    public static CompletedDeliverOrder Do(string id, string deliverer, string receiver, long shares, string reasonCode = "SL",
        string cusip = X, DateOnly? on = null, string? reclaimOf = null, string completedBy = "direct") =>
        new(new DeliverOrderId(id), P(deliverer), P(receiver), Cu(cusip), shares, new Money(shares * 10_000), reasonCode,
            reclaimOf is null ? null : new DeliverOrderId(reclaimOf), completedBy, on ?? Monday);

    /// <summary>A reclaim of <paramref name="original"/>, as settlement makes it: the same shares back, code RECLAIM.</summary>
    public static CompletedDeliverOrder Reclaim(string id, CompletedDeliverOrder original, DateOnly? on = null) =>
        new(new DeliverOrderId(id), original.Receiver, original.Deliverer, original.Cusip, original.Shares, original.Amount, "RECLAIM",
            original.Id, "reclaim-override", on ?? original.BusinessDate);

    public static Distribution Dividend(string id, decimal rate, DateOnly recordDate, DateOnly payableDate, string cusip = X,
        DistributionType type = DistributionType.CashDividend) =>
        new(Cu(cusip), id, type, rate, recordDate, payableDate, Distribution.PostingDateOf(recordDate, payableDate, Calendar));

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Events compared as the journal would store them: type name and every field.</summary>
    public static string Show(IEnumerable<IncomeEvent> events) =>
        string.Join("\n", events.Select(e => $"{e.GetType().Name} {JsonSerializer.Serialize(e, e.GetType(), Json)}"));

    public static void SameEvents(IEnumerable<IncomeEvent> expected, IEnumerable<IncomeEvent> actual) =>
        Assert.Equal(Show(expected), Show(actual));

    /// <summary>The memo lines of an account as "counterparty cusip shares" strings.</summary>
    public static string[] LinesOf(MemoAccountState state) =>
        state.OrderedLines().Select(l => $"{l.Key.Counterparty} {l.Key.Cusip} {l.Value.Shares}").ToArray();

    /// <summary>A memo account with these events already in its journal.</summary>
    public static MemoAccountState Memo(string participant, params MemoAccountEvent[] given)
    {
        var state = new MemoAccountState(P(participant));
        foreach (var e in given) state.Apply(e);
        return state;
    }

    /// <summary>Runs a command that must be accepted; returns its decision.</summary>
    public static Decision<MemoAccountEvent> Ok(MemoAccountState state, MemoAccountCommand command)
    {
        var d = MemoAccountDecider.Decide(state, command);
        Assert.True(d.Rejection is null, d.Rejection?.Message);
        return d;
    }

    public static IncomeError Refused<TEvent>(Decision<TEvent> d) where TEvent : IncomeEvent
    {
        Assert.Empty(d.Events);
        return Assert.IsType<IncomeError>(d.Rejection);
    }
}
