using CsCheck;

namespace Ledger.Settlement.Tests;

/// <summary>
/// Random workloads on the in-memory ledger (deposits, payments, some under idempotency ids, valued and free deliver orders,
/// resubmissions, cancels, price changes, cutoffs and closes) over a network that delivers in
/// random order, duplicates and loses messages, with accounts restarted from their journals at
/// random points. <see cref="Simulation"/> checks the invariants; CsCheck prints the seed of a
/// failure, and every seed that ever failed is pinned below as a plain test.
/// </summary>
public sealed class LedgerProperties
{
    private static Gen<StepKind> GenKind(bool marketMoves, bool loans, bool reclaims, bool marks = false) => Gen.Frequency(
        (marks ? 8 : 0, StepKind.Mark),
        (reclaims ? 4 : 0, StepKind.Reclaim),
        (loans ? 6 : 0, StepKind.Loan),
        (10, StepKind.Deposit),
        (3, StepKind.Pay),
        (14, StepKind.Submit),
        (2, StepKind.Resubmit),
        (1, StepKind.ResubmitOtherPayload),
        (2, StepKind.Cancel),
        (1, StepKind.Cutoff),
        (1, StepKind.Close),
        (14, StepKind.Deliver),
        (3, StepKind.DeliverAll),
        (3, StepKind.Duplicate),
        (3, StepKind.Drop),
        (2, StepKind.Restart),
        (1, StepKind.Resend),
        (marketMoves ? 2 : 0, StepKind.Reprice),
        (marketMoves ? 2 : 0, StepKind.Reconfigure));

    private static Gen<Workload> Workloads(bool marketMoves, bool loans = false, bool reclaims = false, bool marks = false) => Gen.Select(
        Gen.Int[0, 20].Array[4], Gen.Int[0, 400].Array[4],
        Gen.Select(GenKind(marketMoves, loans, reclaims, marks), Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999],
            (kind, a, b, c, d, e) => new Step(kind, a, b, c, d, e)).Array[1, 200],
        (funds, caps, steps) => new Workload(funds, caps, steps));

    /// <summary>Every kind of step, prices and limits changing too.</summary>
    public static readonly Gen<Workload> GenWorkload = Workloads(marketMoves: true);

    /// <summary>No price, haircut, fund or cap ever changes: only the ledger's decisions move the figures.</summary>
    public static readonly Gen<Workload> GenWorkloadWithoutMarketMoves = Workloads(marketMoves: false);

    [Fact]
    public void Random_workloads_over_an_unreliable_network_keep_every_invariant() =>
        GenWorkload.Sample(Simulation.Run, iter: 2_000, print: w => w.ToString());

    /// <summary>
    /// With nothing but the ledger's own decisions moving the figures, no account is ever, after
    /// any step, below a collateral monitor of zero (counting what its deliveries in flight will
    /// take) or over its net debit cap.
    /// </summary>
    [Fact]
    public void Without_market_moves_no_account_is_ever_below_its_controls() =>
        GenWorkloadWithoutMarketMoves.Sample(Simulation.Run, iter: 1_000, print: w => w.ToString());

    /// <summary>Market loans from OCC (locked-in pairs through its account, zero cap) among everything else.</summary>
    public static readonly Gen<Workload> GenWorkloadWithLoans = Workloads(marketMoves: true, loans: true);

    [Fact]
    public void Market_loans_through_the_central_counterparty_keep_every_invariant() =>
        GenWorkloadWithLoans.Sample(Simulation.Run, iter: 1_000, print: w => w.ToString());

    /// <summary>Market loans and reclaims of completed deliver orders, into OCC and between participants.</summary>
    public static readonly Gen<Workload> GenWorkloadWithReclaims = Workloads(marketMoves: true, loans: true, reclaims: true);

    [Fact]
    public void Reclaims_override_only_as_documented_and_keep_every_other_invariant() =>
        GenWorkloadWithReclaims.Sample(Simulation.Run, iter: 1_000, print: w => w.ToString());

    /// <summary>
    /// Payment orders (marks) between participants and as a Market Loan's two legs through OCC, with
    /// market loans, reclaims and market moves: money conserved, no control broken but by the
    /// documented reclaim override, every payment order final or pending with a reason at quiescence,
    /// its two parties agreeing, replay reproducing every decision.
    /// </summary>
    public static readonly Gen<Workload> GenWorkloadWithPaymentOrders = Workloads(marketMoves: true, loans: true, reclaims: true, marks: true);

    [Fact]
    public void Payment_orders_keep_every_invariant() =>
        GenWorkloadWithPaymentOrders.Sample(Simulation.Run, iter: 1_000, print: w => w.ToString());

    /// <summary>Payment orders with nothing but the ledger's decisions moving the figures: no payer ever below its controls.</summary>
    public static readonly Gen<Workload> GenWorkloadWithPaymentOrdersWithoutMarketMoves = Workloads(marketMoves: false, loans: true, marks: true);

    [Fact]
    public void Payment_orders_without_market_moves_never_take_a_payer_below_its_controls() =>
        GenWorkloadWithPaymentOrdersWithoutMarketMoves.Sample(Simulation.Run, iter: 1_000, print: w => w.ToString());

    /// <summary>Deposits and payments under idempotency ids among everything else: sent again, with another payload, across closes and restarts.</summary>
    public static readonly Gen<Workload> GenWorkloadWithIdempotencyIds =
        Workloads(marketMoves: true, loans: true).Select(w => w with { IdempotencyIds = true });

    /// <summary>
    /// A deposit or payment sent again under its id takes effect once (the simulation's share and
    /// money counts hold), wherever restarts, closes and lost messages fall; another payload under
    /// the id is refused and changes no journal.
    /// </summary>
    [Fact]
    public void Deposits_and_payments_under_ids_take_effect_once_and_keep_every_invariant() =>
        GenWorkloadWithIdempotencyIds.Sample(Simulation.Run, iter: 1_000, print: w => w.ToString());

    // Seeds that once failed, kept as plain tests. A seed names a workload of this generator: if
    // the generator changes, find the failure again and pin its new seed.

    /// <summary>Committing a delivery cost the deliverer a cent more than its check counted on (fixed in Checks.Deliverer by rounding the delivered value up).</summary>
    [Fact]
    public void Pinned_seed_deliverer_rounding_cent() => Replay(GenWorkload, "fK3ZWEnyMt52");

    /// <summary>A free receive pending after the cutoff kept its delivery in flight, so the close never succeeded (fixed by dropping everything pending at close).</summary>
    [Fact]
    public void Pinned_seed_close_after_cutoff_with_free_receive_pending() => Replay(GenWorkload, "8wbeabblUBI1");

    /// <summary>Found a look-ahead pair still waiting at quiescence, which the check then took for a lost answer (the check was too strict).</summary>
    [Fact]
    public void Pinned_seed_look_ahead_pair_waiting_at_quiescence() => Replay(GenWorkload, "55pNR4jUfSf1");

    /// <summary>A receive pended on the cap at an account with a look-ahead pair in flight; its recorded balance did not explain it (fixed: inputs record the available balance).</summary>
    [Theory]
    [InlineData("4HzcUHQzF6C2", "all")]
    [InlineData("b7AbnIblbTN2", "without-market-moves")]
    [InlineData("1BK4yDfaYnq3", "loans")]
    public void Pinned_seed_cap_decision_explained_by_its_inputs(string seed, string workloads) => Replay(Workloads(workloads), seed);

    /// <summary>Committing a look-ahead pair cost the middle account a cent more than its check counted on (fixed in Checks.LookAhead).</summary>
    [Theory]
    [InlineData("1kQBJ07ikFS2", "all")]
    [InlineData("8Rg40WBoyD72", "loans")]
    public void Pinned_seed_look_ahead_rounding_cent(string seed, string workloads) => Replay(Workloads(workloads), seed);

    /// <summary>A look-ahead pair came apart (its delivery cancelled) and the receive paired again; the check took that for a double pairing (the check was too strict).</summary>
    [Fact]
    public void Pinned_seed_receive_paired_again_after_its_pair_came_apart() => Replay(GenWorkloadWithReclaims, "cPDVdR4B5w82");

    private static Gen<Workload> Workloads(string name) => name switch
    {
        "all" => GenWorkload,
        "without-market-moves" => GenWorkloadWithoutMarketMoves,
        "loans" => GenWorkloadWithLoans,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static void Replay(Gen<Workload> workloads, string seed) =>
        workloads.Sample(Simulation.Run, seed: seed, iter: 1, threads: 1, print: w => w.ToString());
}
