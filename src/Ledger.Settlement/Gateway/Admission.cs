namespace Ledger.Settlement;

/// <summary>
/// Admission at the gateway's door, before anything is journaled: which deliver orders of a batch
/// go in together, and how many go in under a bound on the work in flight. A Market Loan is two
/// legs, lender to the central counterparty and the central counterparty to the borrower, that
/// complete only together (look-ahead pairs them on CUSIP, shares and dollars); admitting one leg
/// and refusing the other would leave the admitted one pending until the cutoff drops it. So the
/// two legs of a loan submitted in one batch are one unit, admitted or refused whole. Pure.
/// </summary>
public static class Admission
{
    /// <summary>
    /// The units of <paramref name="orders"/>, in batch order (a unit stands at its first member's
    /// position), each a list of positions in <paramref name="orders"/>: a leg into a central
    /// counterparty and a leg out of the same one with the same CUSIP, shares and amount (the terms
    /// look-ahead pairs on) form one unit, each leg paired with the earliest open partner in the
    /// batch; every other order, a leg whose partner is not in the batch included, is a unit of its own.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Units(IReadOnlyList<DeliverOrder> orders, ReferenceSnapshot reference)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(reference);
        bool IsCentral(ParticipantId p) => reference.Participants.TryGetValue(p, out var record) && record.CentralCounterparty;

        var units = new List<List<int>>(orders.Count);
        // Legs still waiting for a partner, by the central counterparty, terms and direction; each
        // holds the unit it started.
        var open = new Dictionary<LegKey, Queue<List<int>>>();
        for (var i = 0; i < orders.Count; i++)
        {
            var order = orders[i];
            var into = IsCentral(order.Receiver);
            var outOf = IsCentral(order.Deliverer);
            if (into == outOf)
            {
                // Not a Market Loan leg (or between two central counterparties): a unit of its own.
                units.Add([i]);
                continue;
            }
            var central = into ? order.Receiver : order.Deliverer;
            var partner = new LegKey(central, order.Cusip, order.Shares, order.Amount.Cents, IntoCentral: !into);
            if (open.TryGetValue(partner, out var waiting) && waiting.Count > 0)
            {
                waiting.Dequeue().Add(i);
                continue;
            }
            var unit = new List<int> { i };
            units.Add(unit);
            var own = partner with { IntoCentral = into };
            if (!open.TryGetValue(own, out var queue)) open[own] = queue = new Queue<List<int>>();
            queue.Enqueue(unit);
        }
        return units;
    }

    /// <summary>A leg's terms as look-ahead pairs them, and its direction through the central counterparty.</summary>
    private readonly record struct LegKey(ParticipantId Central, Cusip Cusip, long Shares, long AmountCents, bool IntoCentral);

    /// <summary>
    /// The least <c>ledger</c> in-flight limit that can admit anything: a Market Loan's two legs
    /// go in together, so a limit of one would refuse every loan for good.
    /// </summary>
    public const int InFlightMaxLeast = 2;

    /// <summary>
    /// The refusal of an order the gateway did not admit: the node already has
    /// <paramref name="inFlightMax"/> deliver orders taken and not yet answered. Nothing of it was
    /// taken (its id stays free), so the same order may be sent again; a Market Loan leg is
    /// refused with its partner, and goes again with it.
    /// </summary>
    public static EntryError InFlightMax(DeliverOrderId id, int inFlightMax, bool loanLeg) => new(EntryRejection.DeliverOrdersInFlightMax, "id",
        $"{id} was not taken: the node admits at most {inFlightMax:N0} deliver orders in flight and had no room for it, or for an order " +
        "before it in the batch (the orders after a refused one are refused too, so they keep their order)" +
        (loanLeg ? "; a Market Loan's two legs go in together, and its partner leg was not taken either" : "") +
        "; nothing changed: send it again shortly");
}
