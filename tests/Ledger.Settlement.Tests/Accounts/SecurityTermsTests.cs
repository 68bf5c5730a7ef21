using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>Collateral value is shares x price x (1 - haircut) at the current reference terms, rounded down to the cent.</summary>
public sealed class SecurityTermsTests
{
    [Fact]
    public void Receive_is_checked_at_the_current_price_even_if_the_receiver_held_none_when_it_changed()
    {
        // The request carries the terms of its reservation ($100); X falls to $50 before it reaches B,
        // who then held no X. At $50 B's CM would end at 50,000 + 45,000 - 100,000 = -$5,000.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Submit("DO-1", A, B, 1_000, 100_000m), "accepted");

        Ok(ledger.List(new Cusip(X), Usd(50), 0.10m, At(15)));
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "pending", "collateral");
        var inputs = Assert.Single(ledger.EventsOf<ReceivePended>(B)).Inputs;
        Assert.Equal(-5_500_000m, inputs.CollateralDeltaCents); // $45,000 - $100,000
    }

    [Fact]
    public void Resent_request_is_checked_at_the_current_price()
    {
        // The first request is lost; the resend still carries the $100 of the reservation.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        ledger.Submit("DO-1", A, B, 1_000, 100_000m);
        ledger.Drop(Assert.Single(ledger.Messages).Id);

        Ok(ledger.List(new Cusip(X), Usd(50), 0.10m, At(15)));
        ledger.Restart(P(A), At(16));
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "pending", "collateral");
    }

    [Fact]
    public void Price_change_revalues_positions_at_every_account_holding_the_security()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 1_000_000m, 1_000_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed");

        Ok(ledger.List(new Cusip(X), Usd(80), 0.25m, At(15)));

        Assert.Equal(1_000_000m - 100_000m + 60_000m, ledger.View(B).CollateralMonitor);
        foreach (var p in ledger.Participants.Where(p => ledger.StateOf(p).Position(new Cusip(X)) != 0))
        {
            Assert.Equal(ledger.Reference.Securities[new Cusip(X)], ledger.StateOf(p).TermsOf(new Cusip(X)));
        }
    }

    [Theory]
    [InlineData(1, 3, "0.5", 1)]          // 1.5 cents rounds down to 1
    [InlineData(3, 1, "0.333333", 2)]     // 2.000001 cents rounds down to 2
    [InlineData(1_000, 10_000, "0.1", 9_000_000)]
    [InlineData(10_000_000_000, 1_000_000_000, "0", 10_000_000_000_000_000_000.0)] // the largest DO at the largest price: beyond long, exact in decimal
    public void Collateral_value_rounds_down_to_the_cent(long shares, long priceCents, string haircut, double expectedCents)
    {
        var terms = new SecurityTerms(new Money(priceCents), Dollars(haircut), 1);
        Assert.Equal((decimal)expectedCents, terms.CollateralValueCents(shares));
    }
}

public sealed class RecordedCollateralFigureTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-3276563", -3276563L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("10000000000000000000", long.MaxValue)]   // SharesMax at PriceMax: beyond a long, recorded at the bound
    [InlineData("-10000000000000000000", long.MinValue)]
    public void A_whole_cent_figure_is_recorded_as_a_long_bounded_by_its_range(string cents, long recorded) =>
        Assert.Equal(recorded, Checks.Recorded(decimal.Parse(cents, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void A_fraction_of_a_cent_is_never_recorded() =>
        Assert.Throws<InvariantViolation>(() => Checks.Recorded(0.5m));
}
