using Ledger.Settlement.Events;

namespace Ledger.Settlement.Tests.Publication;

/// <summary>
/// The kind tags of published events: a consumer reads only the rows tagged with the kinds it
/// takes, so every fact an event publishes must be about an order (or close) whose kind the event
/// carries, and two reason codes must never share a kind.
/// </summary>
public sealed class PublicationKindTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 15, 0, 0, TimeSpan.Zero);
    private static readonly TermsData Terms = new(10_000, 0.10m, 1);
    private static readonly CheckInputs Inputs = new(0, 0, 0, 0, 0, false, "direct");
    private static readonly string[] ReasonCodes = ["SL", "SLR", "TRADE", "MARK", "RECLAIM", "A_B", "A-B", ""];

    private static DeliverOrderData Order(string id, string reasonCode, bool reclaim) =>
        new(id, "0001", "0002", "037833100", reasonCode == "MARK" ? 0 : 10, 100_000, reasonCode, reclaim ? "DO-0" : null);

    private static IEnumerable<AccountEvent> Published(DeliverOrderData order, DeliverOrderData other)
    {
        yield return new DeliveryCompleted(order.Id, "direct", At) { Order = order, BusinessDate = "2026-03-02" };
        yield return new ReceiveCompleted(order, Terms, "direct", Inputs, At) { BusinessDate = "2026-03-02" };
        yield return new DeliveryDropped(order.Id, At) { Order = order, BusinessDate = "2026-03-02" };
        yield return new LookAheadCompleted(order.Id, other.Id, At) { ReceiveOrder = order, DeliveryOrder = other, BusinessDate = "2026-03-02" };
        yield return new LookAheadCompleted(other.Id, order.Id, At) { ReceiveOrder = other, DeliveryOrder = order, BusinessDate = "2026-03-02" };
    }

    [Fact]
    public void Every_fact_a_published_event_tells_is_about_a_kind_the_event_carries()
    {
        var checkedFacts = 0;
        foreach (var code in ReasonCodes)
        foreach (var otherCode in ReasonCodes)
        foreach (var reclaim in new[] { false, true })
        {
            var order = Order("DO-1", code, reclaim);
            var other = Order("DO-2", otherCode, false);
            foreach (var e in Published(order, other))
            {
                Assert.True(SettlementPublication.IsPublished(e));
                var kinds = SettlementPublication.KindsOf(e);
                Assert.All(kinds, k => Assert.StartsWith(SettlementPublication.KindPrefix, k, StringComparison.Ordinal));
                var facts = SettlementPublication.Read("0001", e);
                Assert.NotEmpty(facts);
                foreach (var fact in facts)
                {
                    var factOrder = fact switch
                    {
                        DeliverOrderSettled s => s.Order,
                        PaymentOrderDropped d => d.Order,
                        _ => throw new InvalidOperationException($"unexpected fact {fact}"),
                    };
                    Assert.Contains(SettlementPublication.ReasonKind(factOrder.ReasonCode), kinds);
                    Assert.Equal(kinds.Contains(SettlementPublication.ReclaimKind), order.ReclaimOf is not null);
                    checkedFacts++;
                }
            }
        }
        Assert.True(checkedFacts > 500, $"{checkedFacts} facts checked");
    }

    [Fact]
    public void A_close_carries_the_close_kind_only_and_unpublished_or_pre_publication_events_carry_none()
    {
        Assert.Equal([SettlementPublication.CloseKind], SettlementPublication.KindsOf(new BusinessDayClosed("2026-03-02", "2026-03-03", 0, At)));
        // Written before completions carried their order: no kind, so every consumer still reads them.
        Assert.Empty(SettlementPublication.KindsOf(new DeliveryCompleted("DO-1", "direct", At)));
        Assert.Empty(SettlementPublication.KindsOf(new LookAheadCompleted("DO-1", "DO-2", At)));
        Assert.Empty(SettlementPublication.KindsOf(new DeliveryDropped("DO-1", At)));
        Assert.Empty(SettlementPublication.KindsOf(new DeliveryCancelled("DO-1", At)));
    }

    [Fact]
    public void Two_reason_codes_never_share_a_kind_and_every_kind_is_a_journal_tag()
    {
        var codes = new[] { "SL", "SLR", "sl", "A_B", "A-B", "AB", "A__B", "A_-B", "" };
        var kinds = codes.Select(SettlementPublication.ReasonKind).ToList();
        Assert.Equal(codes.Length, kinds.Distinct(StringComparer.Ordinal).Count());
        // A tag is letters, digits, '-' and '.' (the journal matches it with LIKE).
        Assert.All(kinds, k => Assert.True(k.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'), k));
    }
}
