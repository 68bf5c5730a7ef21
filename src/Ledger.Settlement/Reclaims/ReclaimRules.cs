namespace Ledger.Settlement;

/// <summary>Which reclaim rules apply [choice, atp-rules.md section 6].</summary>
public enum ReclaimRegime
{
    /// <summary>DTC's 2009 rules: a reclaim under the threshold overrides the receiving party's controls, except into a central counterparty.</summary>
    Rules2009 = 2009,
    /// <summary>DTC's later Settlement Matching rules: every reclaim is a new deliver order subject to all controls.</summary>
    Rules2015 = 2015,
}

/// <summary>The settings an account decides reclaims by.</summary>
public sealed record ReclaimRules(Money Threshold, ReclaimRegime Regime)
{
    /// <summary>$15,000,000 under the 2009 rules.</summary>
    public static readonly ReclaimRules Default = new(new Money(1_500_000_000), ReclaimRegime.Rules2009);

    /// <summary>
    /// Whether the party receiving a reclaim back skips its collateral and net debit cap checks:
    /// only under the 2009 rules, only under the threshold, and never into a central counterparty
    /// (whose zero cap then holds the reclaim until its redelivery pairs with it by look-ahead).
    /// </summary>
    public bool Overrides(DeliverOrder order, bool receiverIsCentralCounterparty) =>
        Regime == ReclaimRegime.Rules2009 && order.IsReclaim && order.Amount < Threshold && !receiverIsCentralCounterparty;
}
