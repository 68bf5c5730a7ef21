using System.Globalization;
using System.Text.Json;
using Ledger.Settlement.Events;

namespace Ledger.Settlement.Tests;

/// <summary>
/// The world most tests start from: security X at $100 with a 10% haircut (so 1,000 shares have
/// a collateral value of $90,000, as in atp-rules.md section 9), a second security Y on the same
/// terms, and helpers that set up participants and enter deliver orders, failing loudly when a
/// step that should succeed does not.
/// </summary>
internal static class World
{
    /// <summary>Thursday 2 January 2025.</summary>
    public static readonly DateOnly Thursday = new(2025, 1, 2);
    /// <summary>Friday 3 January 2025.</summary>
    public static readonly DateOnly Friday = new(2025, 1, 3);
    public static readonly DateOnly Monday = new(2025, 1, 6);

    public const string X = "037833100";
    public const string Y = "594918104";
    public const string Z = "38259P508";

    public const string A = "0001";
    public const string B = "0002";
    public const string C = "0003";
    public const string L = "0004";
    public const string Occ = "0900";

    public static DateTimeOffset At(int hour, int minute = 0, int second = 0) => new(2025, 1, 2, hour, minute, second, TimeSpan.Zero);

    public static readonly DateTimeOffset Morning = At(14);

    public static ParticipantId P(string id) => new(id);

    public static DeliverOrderId Id(string id) => new(id);

    /// <summary>Participant <paramref name="reclaimer"/>'s reclaim with reference <paramref name="reference"/>.</summary>
    public static ReclaimId Rc(string reclaimer, string reference) => new(P(reclaimer), reference);

    /// <summary>The deliver-order id the ledger files that reclaim as: "0002~RC-1".</summary>
    public static string Filed(string reclaimer, string reference) => Rc(reclaimer, reference).DeliverOrderId.Value;

    public static Money Usd(decimal dollars) => Money.FromDollars(dollars);

    public static decimal Dollars(string text) => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);

    /// <summary>A ledger with X and Y listed at $100 and a 10% haircut.</summary>
    public static InMemoryLedger NewLedger(DateOnly? businessDate = null)
    {
        var ledger = new InMemoryLedger(businessDate ?? Thursday, Morning);
        Ok(ledger.List(new Cusip(X), Usd(100), 0.10m, Morning));
        Ok(ledger.List(new Cusip(Y), Usd(100), 0.10m, Morning));
        return ledger;
    }

    public static InMemoryLedger Participant(this InMemoryLedger ledger, string id, decimal fund, decimal cap,
        bool marketLoanProgram = false, bool centralCounterparty = false)
    {
        Ok(ledger.Configure(new ParticipantRecord(P(id), $"Participant {id}", Usd(cap), Usd(fund), marketLoanProgram, centralCounterparty), Morning));
        return ledger;
    }

    public static InMemoryLedger Holds(this InMemoryLedger ledger, string id, long shares, string cusip = X)
    {
        Ok(ledger.Deposit(P(id), new Cusip(cusip), shares, Morning));
        return ledger;
    }

    public static InMemoryLedger Wires(this InMemoryLedger ledger, string id, decimal dollars)
    {
        Ok(ledger.Pay(P(id), Usd(dollars), Morning));
        return ledger;
    }

    public static DeliverOrderRequest Request(string id, string from, string to, long shares, decimal amount, string cusip = X) =>
        new(id, from, to, cusip, shares, amount, "LOAN");

    /// <summary>Enters a deliver order that the entry rules must accept; the network is left as it is.</summary>
    public static DeliverOrderView Submit(this InMemoryLedger ledger, string id, string from, string to, long shares, decimal amount, string cusip = X)
    {
        var result = ledger.Submit(Request(id, from, to, shares, amount, cusip), Morning);
        Assert.True(result.Accepted, $"{id} refused: {result.Error}");
        return result.DeliverOrder!;
    }

    /// <summary>Enters a deliver order and delivers every message until the ledger is quiet.</summary>
    public static DeliverOrderView Settle(this InMemoryLedger ledger, string id, string from, string to, long shares, decimal amount, string cusip = X)
    {
        ledger.Submit(id, from, to, shares, amount, cusip);
        ledger.DeliverAll();
        return ledger.DeliverOrder(Id(id))!;
    }

    public static AccountView View(this InMemoryLedger ledger, string id) => ledger.Account(P(id))!;

    public static DeliverOrderView Order(this InMemoryLedger ledger, string id) => ledger.DeliverOrder(Id(id))!;

    public static long Position(this InMemoryLedger ledger, string id, string cusip = X) =>
        ledger.StateOf(P(id)).Position(new Cusip(cusip));

    public static long Reserved(this InMemoryLedger ledger, string id, string cusip = X) =>
        ledger.StateOf(P(id)).ReservedShares.GetValueOrDefault(new Cusip(cusip));

    public static int EventCount(this InMemoryLedger ledger) => ledger.Participants.Sum(p => ledger.Journal(p).Count);

    public static IEnumerable<T> EventsOf<T>(this InMemoryLedger ledger, string id) where T : AccountEvent =>
        ledger.Journal(P(id)).OfType<T>();

    public static void Ok(InMemoryLedger.Outcome outcome) =>
        Assert.True(outcome.Ok, $"refused: {outcome.Error?.Message ?? outcome.Message}");

    /// <summary>A view as text: records holding lists compare lists by reference, text compares them by content.</summary>
    public static string Json(object value) => JsonSerializer.Serialize(value);

    public static void Expect(DeliverOrderView view, string status, string? reason = null, string? completedBy = null)
    {
        Assert.Equal(status, view.Status);
        Assert.Equal(reason, view.PendingReason);
        if (completedBy is not null) Assert.Equal(completedBy, view.CompletedBy);
    }
}
