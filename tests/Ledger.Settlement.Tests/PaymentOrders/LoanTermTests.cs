using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// A stock loan's terms at deliver-order entry (lending.md section 1): <c>rebateRate</c> and
/// <c>collateralMargin</c> on reason code <c>SL</c>, checked, kept on the journaled order and on its
/// published completion, and agreed on by a Market Loan's two legs at OCC.
/// </summary>
public sealed class LoanTermTests
{
    private static DeliverOrderRequest Loan(string id, string from, string to, decimal? rate, decimal? margin, string reasonCode = "SL", decimal amount = 102_000m) =>
        new(id, from, to, X, 1_000, amount, reasonCode, rate, margin);

    public static TheoryData<string, decimal?, decimal?, string?, string?> Terms => new()
    {
        // reason code, rate, margin: the field and rule refused, or nulls when taken
        { "SL", null, null, null, null },
        { "SL", 0.045m, 1.02m, null, null },
        { "SL", -1m, 1.00m, null, null },
        { "SL", 1m, 1.10m, null, null },
        { "SL", -0.000001m, 1.000001m, null, null },
        { "SL", 0.0450000m, 1.0200m, null, null }, // trailing zeros are not decimals
        { "SL", -1.000001m, null, "rebateRate", "rebate-rate-range" },
        { "SL", 1.000001m, null, "rebateRate", "rebate-rate-range" },
        { "SL", 0.0000001m, null, "rebateRate", "rebate-rate-decimals" },
        { "SL", null, 0.99m, "collateralMargin", "collateral-margin-range" },
        { "SL", null, 1.100001m, "collateralMargin", "collateral-margin-range" },
        { "SL", null, 1.0200001m, "collateralMargin", "collateral-margin-decimals" },
        { "SL", 2m, 0.5m, "rebateRate", "rebate-rate-range" }, // the rate is checked first
        { "LOAN", 0.01m, null, "rebateRate", "loan-terms-on-loan-only" },
        { "SLR", null, 1.02m, "collateralMargin", "loan-terms-on-loan-only" },
        { "LOAN", null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Terms))]
    public void Loan_terms_are_checked_at_entry_and_a_refusal_names_field_and_rule(string reasonCode, decimal? rate, decimal? margin, string? field, string? rule)
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        var events = ledger.EventCount();

        var result = ledger.Submit(Loan("DO-1", A, B, rate, margin, reasonCode), Morning);

        Assert.Equal(field, result.Error?.Field);
        Assert.Equal(rule, result.Error?.RuleName);
        if (rule is not null) Assert.Equal(events, ledger.EventCount());
        else Assert.Equal((rate, margin), (result.DeliverOrder!.RebateRate, result.DeliverOrder.CollateralMargin));
    }

    [Theory]
    [MemberData(nameof(Terms))]
    public void Settlement_checks_the_terms_as_the_lending_context_does(string reasonCode, decimal? rate, decimal? margin, string? field, string? rule)
    {
        var ours = LoanTermRules.Check(reasonCode, rate, margin);
        var lending = Ledger.Lending.LoanTerms.Validate(reasonCode, rate, margin);

        Assert.Equal((field, rule), (ours?.Field, ours?.RuleName));
        Assert.Equal((lending?.Field, lending?.RuleName), (ours?.Field, ours?.RuleName));
        Assert.Equal((Ledger.Lending.LoanTerms.CollateralMarginMin, Ledger.Lending.LoanTerms.CollateralMarginMax, Ledger.Lending.LoanTerms.RebateRateMin,
            Ledger.Lending.LoanTerms.RebateRateMax, Ledger.Lending.LoanTerms.DecimalsMax, Ledger.Lending.LoanTerms.LoanReasonCode),
            (LoanTermRules.CollateralMarginMin, LoanTermRules.CollateralMarginMax, LoanTermRules.RebateRateMin, LoanTermRules.RebateRateMax,
            LoanTermRules.DecimalsMax, LoanTermRules.LoanReasonCode));
        Assert.Equal(Ledger.Lending.LoanTerms.MarkReasonCode, Ledger.Settlement.PaymentOrders.ReasonCode);
    }

    [Fact]
    public void The_terms_are_kept_on_the_journaled_order_and_published_with_its_completion_at_both_parties()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 150_000m, 1_000_000m).Holds(A, 1_000);
        Assert.True(ledger.Submit(Loan("DO-1", A, B, 0.045m, 1.02m), Morning).Accepted);
        ledger.DeliverAll();

        var received = Assert.Single(ledger.EventsOf<ReceiveCompleted>(B));
        Assert.Equal((0.045m, 1.02m), (received.Order.RebateRate, received.Order.CollateralMargin));
        var reserved = Assert.Single(ledger.EventsOf<DeliveryReserved>(A));
        Assert.Equal((0.045m, 1.02m), (reserved.Order.RebateRate, reserved.Order.CollateralMargin));
        var state = new AccountState(P(A));
        foreach (var e in ledger.Journal(P(A))) state.Apply(e);
        var completion = SettlementPublication.Complete(state, ledger.EventsOf<DeliveryCompleted>(A).Single());
        var fact = Assert.IsType<DeliverOrderSettled>(Assert.Single(SettlementPublication.Read(A, completion)));
        Assert.Equal((0.045m, 1.02m, "SL"), (fact.Order.RebateRate, fact.Order.CollateralMargin, fact.Order.ReasonCode));
    }

    [Fact]
    public void The_same_id_with_other_terms_is_another_payload_and_the_same_terms_in_another_scale_are_not()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 150_000m, 1_000_000m).Holds(A, 1_000);
        Assert.True(ledger.Submit(Loan("DO-1", A, B, 0.045m, 1.02m), Morning).Accepted);

        var sameInOtherScale = ledger.Submit(Loan("DO-1", A, B, 0.04500m, 1.020m), Morning);
        var otherMargin = ledger.Submit(Loan("DO-1", A, B, 0.045m, 1.00m), Morning);
        var noTerms = ledger.Submit(Loan("DO-1", A, B, null, null), Morning);

        Assert.True(sameInOtherScale.Accepted && sameInOtherScale.Resubmitted);
        Assert.Equal("deliver-order-id-unique", otherMargin.Error?.RuleName);
        Assert.Equal("deliver-order-id-unique", noTerms.Error?.RuleName);
    }

    [Theory]
    [InlineData("1.02", "1.02", "completed")]
    [InlineData("1.02", "1.020", "completed")]
    [InlineData("1.00", "1.02", "dropped")]
    public void A_market_loans_two_legs_pair_at_occ_only_with_the_same_margin_and_otherwise_drop_at_the_cutoff(string lenderMargin, string borrowerMargin, string final)
    {
        var ledger = NewLedger()
            .Participant(L, 10_000m, 1_000_000m, marketLoanProgram: true)
            .Participant(B, 50_000m, 1_000_000m, marketLoanProgram: true)
            .Participant(Occ, 0m, 0m, centralCounterparty: true)
            .Holds(L, 1_000);
        Assert.True(ledger.Submit(Loan("DO1", L, Occ, 0.045m, Dollars(lenderMargin), amount: 100_000m), Morning).Accepted);
        Assert.True(ledger.Submit(Loan("DO2", Occ, B, 0.045m, Dollars(borrowerMargin), amount: 100_000m), Morning).Accepted);
        ledger.DeliverAll();
        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        Expect(ledger.Order("DO1"), final);
        Expect(ledger.Order("DO2"), final);
        Assert.Equal(0m, ledger.View(Occ).SettlementBalance);
        Assert.Equal(0, ledger.Position(Occ));
    }
}
