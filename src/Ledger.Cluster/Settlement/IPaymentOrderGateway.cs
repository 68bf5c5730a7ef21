using Ledger.Settlement;

namespace Ledger.Cluster;

/// <summary>
/// Settlement's entry for payment orders (<see cref="PaymentOrders"/>), for the contexts that ask
/// for them (the lending context's marks). Returns once the answer is durable.
/// </summary>
public interface IPaymentOrderGateway
{
    /// <summary>
    /// Enters a payment order for the open business day, deduplicated on its id: sent again, it is
    /// answered from the records and has no second effect (the same id with another payer, payee,
    /// security or amount is refused under <c>deliver-order-id-unique</c>). For a business day
    /// already closed, an id never taken is refused and reported with status <c>dropped</c> (nothing
    /// moved), and a taken one is answered with the status it ended in. Its completion, or its drop,
    /// is published with tag <see cref="SettlementPublication.Tag"/>.
    /// </summary>
    Task<SubmitResult> SubmitPaymentOrderAsync(PaymentOrderRequest request, CancellationToken ct);
}
