using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>The result of the ATP checks on one side of a deliver order.</summary>
public readonly record struct CheckResult(PendReason? Failed, CheckInputs Inputs);

/// <summary>
/// The ATP checks, in order: position (deliverer), collateral (deliverer, then receiver), net debit
/// cap (receiver). The first that fails is the pend reason. Deliveries in flight hold their
/// shares and their cost to the collateral monitor, so headroom is never granted twice.
/// </summary>
public static class Checks
{
    public static CheckResult Deliverer(AccountState state, DeliverOrder order, SecurityTerms terms)
    {
        var available = state.AvailableShares(order.Cusip);
        var monitor = state.AvailableCollateralMonitorCents;
        // The delivered shares' value rounded up, not down: what the deliverer's positions lose is
        // floor(held) - floor(held - delivered), which can exceed floor(delivered) by a cent but
        // never ceiling(delivered). So the monitor after the delivery is never below zero.
        var delta = order.Amount.Cents - terms.CollateralValueRoundedUpCents(order.Shares);
        var bypass = state.CentralCounterparty;
        string rule;
        PendReason? failed = null;
        if (order.IsPaymentOrder)
        {
            // The payee of a payment order only gains money: no control can break. At a central
            // counterparty money paid in waits for its matching payment out (look-ahead), as a
            // delivery out of OCC waits for the shares coming in.
            (failed, rule) = bypass ? (PendReason.Position, PaymentOrders.AwaitsPairRule) : ((PendReason?)null, "passed");
        }
        else if (available < order.Shares)
        {
            failed = PendReason.Position;
            rule = "position";
        }
        else if (!bypass && monitor + delta < 0)
        {
            failed = PendReason.Collateral;
            rule = "collateral";
        }
        else
        {
            rule = "passed";
        }
        return new CheckResult(failed, new CheckInputs(available, Recorded(monitor), Recorded(delta), state.SettlementBalance.Cents, state.NetDebitCap.Cents, bypass, rule));
    }

    /// <summary>
    /// The receiver's checks: collateral, then net debit cap. A reclaim the rules let override them
    /// passes with the rule "reclaim-override" (its inputs are still recorded).
    /// </summary>
    public static CheckResult Receiver(AccountState state, DeliverOrder order, SecurityTerms terms)
    {
        var monitor = state.AvailableCollateralMonitorCents;
        var delta = terms.CollateralValueCents(order.Shares) - order.Amount.Cents;
        var bypass = state.CentralCounterparty;
        var balanceAfter = state.AvailableBalance - order.Amount;
        var netDebitAfter = balanceAfter.Cents < 0 ? -balanceAfter.Cents : 0;
        string rule;
        PendReason? failed = null;
        if (state.ReclaimRules.Overrides(order, state.CentralCounterparty))
        {
            rule = ReclaimOverrideRule;
        }
        else
        {
            (failed, rule) = ReceivingControls(state, monitor + delta, netDebitAfter, passed: "passed");
        }
        return new CheckResult(failed, new CheckInputs(state.AvailableShares(order.Cusip), Recorded(monitor), Recorded(delta), state.AvailableBalance.Cents, state.NetDebitCap.Cents, bypass, rule));
    }

    public const string ReclaimOverrideRule = "reclaim-override";

    /// <summary>
    /// A collateral figure as the journal records it: whole cents in a long. The checks compute
    /// exactly (decimal: a position's collateral value can pass the range of a long, SharesMax at
    /// PriceMax is 10^19 cents) and every figure is already whole (values floored, a delivery's cost
    /// ceilinged). A figure beyond ±9,223,372,036,854,775,807 cents (±$92 quadrillion) is recorded
    /// at that bound; the decision itself was taken on the exact value.
    /// </summary>
    public static long Recorded(decimal wholeCents) =>
        // Scale 0 is whole already (the usual case: every figure comes floored, ceilinged or from a long).
        wholeCents.Scale == 0 && wholeCents < long.MaxValue && wholeCents > long.MinValue ? (long)wholeCents
        : wholeCents >= long.MaxValue ? long.MaxValue
        : wholeCents <= long.MinValue ? long.MinValue
        : decimal.Truncate(wholeCents) == wholeCents ? (long)wholeCents
        : throw new InvariantViolation($"collateral figure {wholeCents} is not whole cents");

    /// <summary>
    /// Look-ahead at the middle account R of receive X (D -> R) and delivery Y (R -> T): X's shares
    /// with R's own must cover Y; R's collateral monitor and net debit cap must hold after both. At a
    /// central counterparty the pair must also match on shares and amount. The deliverer D's side
    /// was checked when D reserved X; T's side is T's own receive check of Y.
    /// </summary>
    public static CheckResult LookAhead(AccountState state, DeliverOrder receive, DeliverOrder delivery, SecurityTerms terms)
    {
        var available = state.AvailableShares(delivery.Cusip);
        var monitor = state.AvailableCollateralMonitorCents;
        // The delivered leg's value rounded up, as in Deliverer: the pair then never leaves the monitor below zero.
        var delta = terms.CollateralValueCents(receive.Shares) - receive.Amount.Cents
            + delivery.Amount.Cents - terms.CollateralValueRoundedUpCents(delivery.Shares);
        var bypass = state.CentralCounterparty;
        var balanceAfter = state.AvailableBalance - receive.Amount + delivery.Amount;
        var netDebitAfter = balanceAfter.Cents < 0 ? -balanceAfter.Cents : 0;
        string rule;
        PendReason? failed = null;
        if (receive.Cusip != delivery.Cusip || (state.CentralCounterparty && (receive.Shares != delivery.Shares || receive.Amount != delivery.Amount
                || LoanTermRules.MarginKey(receive) != LoanTermRules.MarginKey(delivery))))
        {
            failed = PendReason.Position;
            rule = "look-ahead-match";
        }
        else if (available + receive.Shares < delivery.Shares)
        {
            failed = PendReason.Position;
            rule = "position";
        }
        else
        {
            (failed, rule) = ReceivingControls(state, monitor + delta, netDebitAfter, passed: "look-ahead");
        }
        return new CheckResult(failed, new CheckInputs(available, Recorded(monitor), Recorded(delta), state.AvailableBalance.Cents, state.NetDebitCap.Cents, bypass, rule));
    }

    /// <summary>The controls of the receiving side, in order: collateral (bypassed at a central counterparty), then the net debit cap.</summary>
    private static (PendReason? Failed, string Rule) ReceivingControls(AccountState state, decimal monitorAfter, long netDebitAfter, string passed)
    {
        if (!state.CentralCounterparty && monitorAfter < 0) return (PendReason.Collateral, "collateral");
        if (netDebitAfter > state.NetDebitCap.Cents) return (PendReason.NetDebitCap, "net-debit-cap");
        return (null, passed);
    }
}
