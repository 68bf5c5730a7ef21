using Ledger.Settlement.Events;

namespace Ledger.Journal;

// The account events that carried money as JSON decimals, as journals written before the ".v2"
// manifests hold them (release 7f8c477 and earlier). They are read with these types, checked on
// their hash chain exactly as stored (a chain hashes an event's bytes as its type writes them), and
// only then upcast to today's events. Never written again.

/// <summary><see cref="CheckInputs"/> as ".v1" events stored it: collateral figures as decimals.</summary>
public sealed record CheckInputsV1(
    long AvailableShares,
    decimal CollateralMonitorCents,
    decimal CollateralDeltaCents,
    long SettlementBalanceCents,
    long NetDebitCapCents,
    bool CollateralMonitorBypassed,
    string Rule);

public sealed record DeliveryReservedV1(DeliverOrderData Order, TermsData Terms, CheckInputsV1 Inputs, bool PendedBefore, DateTimeOffset At) : AccountEvent(At);

public sealed record DeliveryPendedV1(DeliverOrderData Order, TermsData Terms, string Reason, CheckInputsV1 Inputs, DateTimeOffset At) : AccountEvent(At);

public sealed record ReceiveCompletedV1(DeliverOrderData Order, TermsData Terms, string CompletedBy, CheckInputsV1 Inputs, DateTimeOffset At) : AccountEvent(At);

public sealed record ReceivePendedV1(DeliverOrderData Order, TermsData Terms, string Reason, CheckInputsV1 Inputs, DateTimeOffset At) : AccountEvent(At);

public sealed record LookAheadProposedV1(string ReceiveId, string DeliveryId, TermsData Terms, CheckInputsV1 Inputs, DateTimeOffset At) : AccountEvent(At);

/// <summary>
/// Upcasts an event read from a journal to the type the domain applies. Call it after the event's
/// hash chain has been checked: the upcast event keeps its stored chain, but its bytes are no
/// longer the ones that chain was computed over.
/// </summary>
public static class Upcast
{
    public static object ToCurrent(object stored) => stored switch
    {
        DeliveryReservedV1 e => new DeliveryReserved(e.Order, e.Terms, Inputs(e.Inputs), e.PendedBefore, e.At) { Chain = e.Chain },
        DeliveryPendedV1 e => new DeliveryPended(e.Order, e.Terms, e.Reason, Inputs(e.Inputs), e.At) { Chain = e.Chain },
        ReceiveCompletedV1 e => new ReceiveCompleted(e.Order, e.Terms, e.CompletedBy, Inputs(e.Inputs), e.At) { Chain = e.Chain },
        ReceivePendedV1 e => new ReceivePended(e.Order, e.Terms, e.Reason, Inputs(e.Inputs), e.At) { Chain = e.Chain },
        LookAheadProposedV1 e => new LookAheadProposed(e.ReceiveId, e.DeliveryId, e.Terms, Inputs(e.Inputs), e.At) { Chain = e.Chain },
        _ => stored,
    };

    /// <summary>
    /// Whole cents, exactly, for every value a release wrote: the checks always floored collateral
    /// values and ceilinged delivery costs before comparing, so the decimals were whole. A value
    /// with a fraction (no release wrote one) is taken toward less collateral, as the checks round:
    /// both figures floored.
    /// </summary>
    public static CheckInputs Inputs(CheckInputsV1 v1) => new(
        v1.AvailableShares,
        (long)decimal.Floor(v1.CollateralMonitorCents),
        (long)decimal.Floor(v1.CollateralDeltaCents),
        v1.SettlementBalanceCents,
        v1.NetDebitCapCents,
        v1.CollateralMonitorBypassed,
        v1.Rule);
}
