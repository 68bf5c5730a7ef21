using System.Collections.Immutable;

namespace Ledger.Settlement.Tests;

/// <summary>
/// <see cref="Admission.Units"/>: the units a batch is admitted in at the gateway's door. A Market
/// Loan's two legs (into OCC and out of it, on the terms look-ahead pairs on) are one unit wherever
/// they stand in the batch; anything else goes alone.
/// </summary>
public sealed class AdmissionTests
{
    private static readonly ParticipantId Occ = new("0900"), Occ2 = new("0901"), L = new("0001"), B = new("0002"), C = new("0003");
    private static readonly Cusip Apple = new("037833100");
    private static readonly Cusip Other = new("594918104");

    private static readonly ReferenceSnapshot Reference = ReferenceSnapshot.Empty(new DateOnly(2026, 12, 7)) with
    {
        Participants = new[] { (Occ, true), (Occ2, true), (L, false), (B, false), (C, false) }.ToImmutableDictionary(
            p => p.Item1, p => new ParticipantRecord(p.Item1, "P" + p.Item1.Value, Money.Zero, Money.Zero, MarketLoanProgram: true, CentralCounterparty: p.Item2)),
    };

    private static DeliverOrder Do(string id, ParticipantId from, ParticipantId to, long shares = 100, decimal amount = 1_000m, Cusip? cusip = null) =>
        new(new DeliverOrderId(id), from, to, cusip ?? Apple, shares, Money.FromDollars(amount), "SL");

    private static List<string[]> UnitsOf(params DeliverOrder[] orders) =>
        Admission.Units(orders, Reference).Select(u => u.Select(i => orders[i].Id.Value).ToArray()).ToList();

    [Fact]
    public void A_loans_two_legs_are_one_unit_and_an_ordinary_delivery_goes_alone()
    {
        var units = UnitsOf(Do("A1", L, Occ), Do("B1", Occ, B), Do("T1", L, C));
        Assert.Equal([["A1", "B1"], ["T1"]], units);
    }

    [Fact]
    public void The_legs_pair_by_terms_wherever_they_stand_and_either_leg_may_come_first()
    {
        var units = UnitsOf(
            Do("B1", Occ, B, shares: 100), Do("A2", L, Occ, shares: 200), Do("T1", L, C), Do("A1", L, Occ, shares: 100), Do("B2", Occ, C, shares: 200));
        // Each unit stands where its first leg stands.
        Assert.Equal([["B1", "A1"], ["A2", "B2"], ["T1"]], units);
    }

    [Fact]
    public void Legs_with_other_terms_or_through_another_central_counterparty_are_not_partners()
    {
        var units = UnitsOf(
            Do("A1", L, Occ, shares: 100),
            Do("B-shares", Occ, B, shares: 101),
            Do("B-cent", Occ, B, amount: 1_000.01m),
            Do("B-cusip", Occ, B, cusip: Other),
            Do("B-occ2", Occ2, B));
        Assert.Equal([["A1"], ["B-shares"], ["B-cent"], ["B-cusip"], ["B-occ2"]], units);
    }

    [Fact]
    public void Three_legs_on_the_same_terms_make_one_pair_with_the_earliest_partner_and_one_leg_alone()
    {
        var units = UnitsOf(Do("A1", L, Occ), Do("A2", C, Occ), Do("B1", Occ, B));
        Assert.Equal([["A1", "B1"], ["A2"]], units);
    }

    [Fact]
    public void Every_order_is_in_exactly_one_unit()
    {
        var orders = Enumerable.Range(0, 60).Select(i => (i % 3) switch
        {
            0 => Do($"A{i}", L, Occ, shares: 100 + i / 6),
            1 => Do($"B{i}", Occ, B, shares: 100 + i / 9),
            _ => Do($"T{i}", L, C),
        }).ToArray();
        var positions = Admission.Units(orders, Reference).SelectMany(u => u).ToList();
        Assert.Equal(Enumerable.Range(0, orders.Length), positions.Order());
    }

    [Fact]
    public void The_refusal_names_the_id_field_and_its_rule_and_says_the_partner_went_with_it()
    {
        var error = Admission.InFlightMax(new DeliverOrderId("A1"), 5_000, loanLeg: true);
        Assert.Equal((EntryRejection.DeliverOrdersInFlightMax, "id", "deliver-orders-in-flight-max"), (error.Rule, error.Field, error.RuleName));
        Assert.Contains("5,000", error.Message, StringComparison.Ordinal);
        Assert.Contains("partner leg", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("partner", Admission.InFlightMax(new DeliverOrderId("T1"), 5_000, loanLeg: false).Message, StringComparison.Ordinal);
    }
}
