using Ledger.Settlement.Events;
using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// What-if: a business day is reconstructed from the journals of an <see cref="InMemoryLedger"/>
/// alone and re-run with changed settings (atp-rules.md section 9 scenarios as the days).
/// </summary>
public sealed class WhatIfTests
{
    private static DateTimeOffset T(int hour, int minute = 0) => At(hour, minute);

    /// <summary>Set-up of a day as a node does it: participants, X at $100 with a 10% haircut, deposits.</summary>
    private static InMemoryLedger Day(decimal bFund, decimal bCap, long aHolds = 1_000)
    {
        var ledger = new InMemoryLedger(Thursday, T(13));
        Ok(ledger.Configure(new ParticipantRecord(P(A), "A", Usd(0), Usd(0), false, false), T(13, 1)));
        Ok(ledger.Configure(new ParticipantRecord(P(B), "B", Usd(bCap), Usd(bFund), false, false), T(13, 1)));
        Ok(ledger.Configure(new ParticipantRecord(P(C), "C", Usd(1_000_000), Usd(50_000), false, false), T(13, 1)));
        Ok(ledger.List(new Cusip(X), Usd(100), 0.10m, T(13, 2)));
        Ok(ledger.Deposit(P(A), new Cusip(X), aHolds, T(13, 3)));
        return ledger;
    }

    private static void Submit(InMemoryLedger ledger, string id, string from, string to, long shares, decimal amount, DateTimeOffset at)
    {
        Assert.True(ledger.Submit(Request(id, from, to, shares, amount), at).Accepted);
        ledger.DeliverAll();
    }

    private static void EndOfDay(InMemoryLedger ledger)
    {
        Ok(ledger.Cutoff(T(20, 10)));
        ledger.DeliverAll();
        var close = ledger.Close(T(21));
        if (!close.Ok)
        {
            ledger.DeliverAll();
            Ok(ledger.Close(T(21)));
        }
    }

    private static WhatIfDay Reconstruct(InMemoryLedger ledger, DateOnly? date = null) =>
        WhatIf.Reconstruct(date ?? Thursday, ledger.ReferenceJournal,
            ledger.Participants.ToDictionary(p => p.Value, p => ledger.Journal(p), StringComparer.Ordinal));

    private static WhatIfSettings Settings(params string[] assignments)
    {
        Assert.True(WhatIfSettings.TryParse(assignments, out var settings, out var error), error);
        return settings;
    }

    private static void Ok(InMemoryLedger.Outcome outcome) => Assert.True(outcome.Ok, outcome.Message ?? outcome.Error?.Message);

    /// <summary>Scenario 3 with a bystander: DO-1 pends on B's cap and completes by recycle after a $30,000 SPP; DO-2 to C completes at once.</summary>
    private static InMemoryLedger Scenario3()
    {
        var ledger = Day(bFund: 50_000m, bCap: 80_000m, aHolds: 2_000);
        Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
        Submit(ledger, "DO-2", A, C, 500, 50_000m, T(14, 5));
        Ok(ledger.Pay(P(B), Usd(30_000), T(14, 10)));
        ledger.DeliverAll();
        EndOfDay(ledger);
        return ledger;
    }

    [Fact]
    public void Reconstruction_finds_the_days_inputs_and_actual_outcomes()
    {
        var day = Reconstruct(Scenario3());

        Assert.Equal(Thursday, day.BusinessDate);
        Assert.Equal(
            ["WhatIfRegistration", "WhatIfRegistration", "WhatIfRegistration", "WhatIfListing", "WhatIfDeposit",
             "WhatIfSubmission", "WhatIfSubmission", "WhatIfPayment", "WhatIfCutoff", "WhatIfClose"],
            day.Inputs.Select(i => i.GetType().Name).ToList());
        Assert.Equal(new WhatIfEnd("completed", "net-debit-cap", "recycle"), day.Actual.Single(a => a.DeliverOrderId == "DO-1").End);
        Assert.Equal(new WhatIfEnd("completed", null, "direct"), day.Actual.Single(a => a.DeliverOrderId == "DO-2").End);
        var b = day.ActualPeaks.Single(p => p.Participant == B);
        Assert.Equal(70_000.00m, b.Peak);
        Assert.Equal(80_000.00m, b.NetDebitCap);
    }

    [Fact]
    public void Scenario_3_with_a_lower_cap_names_exactly_the_deliver_order_that_would_have_stayed_pending()
    {
        var report = WhatIf.Run(Reconstruct(Scenario3()), Settings("netDebitCap[0002]=60000"));

        var d = Assert.Single(report.Differences);
        Assert.Equal("DO-1", d.DeliverOrderId);
        Assert.Equal(new WhatIfEnd("completed", "net-debit-cap", "recycle"), d.Actual);
        Assert.Equal(new WhatIfEnd("dropped", "net-debit-cap", null), d.WhatIf);
        var b = report.Peaks.Single(p => p.Participant == B);
        Assert.Equal((80_000.00m, 70_000.00m, 60_000.00m, 0.00m), (b.NetDebitCapBefore, b.PeakBefore, b.NetDebitCapAfter, b.PeakAfter));
        var c = report.Peaks.Single(p => p.Participant == C);
        Assert.Equal((50_000.00m, 50_000.00m), (c.PeakBefore, c.PeakAfter));
        Assert.Empty(report.Refusals);
        Assert.Contains("DO-1", report.ToText());
    }

    [Fact]
    public void Scenario_1_with_a_cap_below_the_amount_pends_on_the_cap_and_drops()
    {
        var ledger = Day(bFund: 50_000m, bCap: 1_000_000m);
        Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
        EndOfDay(ledger);

        var report = WhatIf.Run(Reconstruct(ledger), Settings("netDebitCap[0002]=99999.99"));

        var d = Assert.Single(report.Differences);
        Assert.Equal(("DO-1", new WhatIfEnd("completed", null, "direct"), new WhatIfEnd("dropped", "net-debit-cap", null)), (d.DeliverOrderId, d.Actual, d.WhatIf));
        var b = report.Peaks.Single(p => p.Participant == B);
        Assert.Equal((100_000.00m, 0.00m), (b.PeakBefore, b.PeakAfter));

        // A cap of exactly the amount still lets it through.
        Assert.Empty(WhatIf.Run(Reconstruct(ledger), Settings("netDebitCap[0002]=100000")).Differences);
    }

    [Fact]
    public void A_raised_haircut_turns_a_completion_into_a_collateral_pend()
    {
        var ledger = Day(bFund: 50_000m, bCap: 1_000_000m);
        Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
        EndOfDay(ledger);

        // Haircut 60%: B's CM after = 50,000 - 100,000 + 40,000 = -10,000.
        var report = WhatIf.Run(Reconstruct(ledger), Settings("haircut[037833100]=0.6"));

        var d = Assert.Single(report.Differences);
        Assert.Equal(new WhatIfEnd("dropped", "collateral", null), d.WhatIf);
        // 50%: CM after exactly 0, still completes.
        Assert.Empty(WhatIf.Run(Reconstruct(ledger), Settings("haircut[037833100]=0.5")).Differences);
    }

    public static TheoryData<string> Days => new() { "scenario-1", "scenario-3", "market-loan", "reclaim", "cancel", "position" };

    private static InMemoryLedger DayNamed(string name)
    {
        switch (name)
        {
            case "scenario-1":
            {
                var ledger = Day(50_000m, 1_000_000m);
                Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
                EndOfDay(ledger);
                return ledger;
            }
            case "scenario-3":
                return Scenario3();
            case "market-loan":
            {
                // Scenario 5 and 8: L -> OCC and OCC -> B complete by look-ahead; B reclaims DO2, OCC redelivers to L.
                var ledger = new InMemoryLedger(Thursday, T(13));
                Ok(ledger.Configure(new ParticipantRecord(P(L), "L", Usd(1_000_000), Usd(10_000), true, false), T(13, 1)));
                Ok(ledger.Configure(new ParticipantRecord(P(B), "B", Usd(1_000_000), Usd(50_000), true, false), T(13, 1)));
                Ok(ledger.Configure(new ParticipantRecord(P(Occ), "OCC", Usd(0), Usd(0), true, true), T(13, 1)));
                Ok(ledger.List(new Cusip(X), Usd(100), 0.10m, T(13, 2)));
                Ok(ledger.Deposit(P(L), new Cusip(X), 1_000, T(13, 3)));
                Submit(ledger, "DO1", L, Occ, 1_000, 100_000m, T(14));
                Submit(ledger, "DO2", Occ, B, 1_000, 100_000m, T(14, 1));
                Assert.True(ledger.Reclaim(Rc(B, "RC1"), Id("DO2"), T(15)).Accepted);
                ledger.DeliverAll();
                Submit(ledger, "RD1", Occ, L, 1_000, 100_000m, T(15, 5));
                EndOfDay(ledger);
                return ledger;
            }
            case "reclaim":
            {
                // Scenario 9: the reclaim between two participants completes by override.
                var ledger = Day(50_000m, 1_000_000m);
                Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
                Assert.True(ledger.Reclaim(Rc(B, "RC-1"), Id("DO-1"), T(14, 30)).Accepted);
                ledger.DeliverAll();
                EndOfDay(ledger);
                return ledger;
            }
            case "cancel":
            {
                var ledger = Day(50_000m, 80_000m);
                Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
                ledger.Cancel(Id("DO-1"), T(14, 20));
                ledger.DeliverAll();
                EndOfDay(ledger);
                return ledger;
            }
            case "position":
            {
                // Scenario 4: short of shares, dropped at the cutoff.
                var ledger = Day(50_000m, 1_000_000m, aHolds: 500);
                Submit(ledger, "DO-1", A, B, 1_000, 100_000m, T(14));
                EndOfDay(ledger);
                return ledger;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(name));
        }
    }

    [Theory]
    [MemberData(nameof(Days))]
    public void Unchanged_settings_reproduce_the_actual_outcomes_and_peaks_exactly(string name)
    {
        var ledger = DayNamed(name);
        var day = Reconstruct(ledger);

        var report = WhatIf.Run(day, WhatIfSettings.None);

        Assert.NotEmpty(day.Actual);
        Assert.Empty(report.Differences);
        Assert.Empty(report.Refusals);
        Assert.Equal(day.Actual, report.Outcomes);
        Assert.All(report.Peaks, p => Assert.Equal((p.NetDebitCapBefore, p.PeakBefore), (p.NetDebitCapAfter, p.PeakAfter)));
        // The outcomes are the ledger's own views.
        foreach (var a in day.Actual)
        {
            var view = ledger.DeliverOrder(Id(a.DeliverOrderId))!;
            Assert.Equal((view.Status, view.CompletedBy), (a.End.Status, a.End.CompletedBy));
        }
    }

    [Fact]
    public void Market_loan_day_with_a_lower_cap_for_the_borrower_drops_the_pair_and_refuses_the_reclaim()
    {
        var day = Reconstruct(DayNamed("market-loan"));

        var report = WhatIf.Run(day, Settings("netDebitCap[0002]=60000"));

        Assert.Equal(["DO1", "DO2", "0002~RC1", "RD1"], report.Differences.Select(d => d.DeliverOrderId).ToList());
        Assert.Equal(new WhatIfEnd("dropped", "net-debit-cap", null), report.Differences[0].WhatIf);
        // OCC's delivery to B pended on position, then on B's cap when OCC paired it by look-ahead.
        Assert.Equal(new WhatIfEnd("dropped", "net-debit-cap", null), report.Differences[1].WhatIf);
        Assert.Equal("rejected", report.Differences[2].WhatIf.Status);
        Assert.Contains(report.Refusals, r => r.Input == "deliver order 0002~RC1");
    }

    [Fact]
    public void Positions_carry_over_into_the_next_day_and_balances_start_at_zero()
    {
        var ledger = Scenario3();
        // Friday: B now holds 1,000 X and delivers 400 of them to C for $40,000; C pays nothing more.
        var friday = new DateTimeOffset(2025, 1, 3, 14, 0, 0, TimeSpan.Zero);
        Assert.True(ledger.Submit(Request("F-1", B, C, 400, 40_000m), friday).Accepted);
        ledger.DeliverAll();

        var day = Reconstruct(ledger, Friday);

        Assert.Contains(new WhatIfPosition(P(B), new Cusip(X), 1_000), day.Positions);
        Assert.Contains(new WhatIfPosition(P(A), new Cusip(X), 500), day.Positions);
        Assert.Equal(new WhatIfEnd("completed", null, "direct"), Assert.Single(day.Actual).End);
        Assert.Equal(40_000.00m, day.ActualPeaks.Single(p => p.Participant == C).Peak);
        Assert.Empty(WhatIf.Run(day, WhatIfSettings.None).Differences);
        var report = WhatIf.Run(day, Settings("netDebitCap[0003]=39999"));
        Assert.Equal(new WhatIfEnd("pending", "net-debit-cap", null), Assert.Single(report.Differences).WhatIf);
    }

    [Theory]
    [InlineData("netDebitCap[0002]", "netDebitCap[0002]")]
    [InlineData("netDebitCap[02]=5", "'02' is not a four-digit participant number")]
    [InlineData("netDebitCap[0002]=-5", "is not a number")]
    [InlineData("netDebitCap[0002]=1.005", "at most two decimals")]
    [InlineData("haircut[037833100]=1.5", "haircut[037833100]=1.5': a haircut is a rate from 0 to 1")]
    [InlineData("haircut[037833101]=0.5", "'037833101' is not a CUSIP")]
    [InlineData("price[037833100]=0", "a price is more than 0")]
    [InlineData("margin[0002]=5", "unknown setting 'margin'")]
    public void Bad_settings_are_refused_with_a_message_naming_the_setting(string assignment, string message)
    {
        Assert.False(WhatIfSettings.TryParse([assignment], out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_setting_for_a_participant_or_security_the_day_does_not_know_is_refused()
    {
        var day = Reconstruct(Scenario3());

        var e = Assert.Throws<WhatIfException>(() => WhatIf.Run(day, Settings("netDebitCap[0009]=5", "price[594918104]=10")));

        Assert.Contains("netDebitCap[0009]=5", e.Message);
        Assert.Contains("price[594918104]=10", e.Message);
    }

    [Fact]
    public void A_day_not_in_the_journal_is_named()
    {
        var e = Assert.Throws<WhatIfException>(() => Reconstruct(Scenario3(), new DateOnly(2024, 12, 31)));
        Assert.Contains("2024-12-31", e.Message);
    }

    [Fact]
    public void Without_a_day_what_if_takes_the_last_day_whose_close_began_or_else_the_open_day()
    {
        var t = T(9);
        Assert.Null(WhatIf.LastDay([]));
        Assert.Equal(new DateOnly(2026, 11, 19), WhatIf.LastDay([new BusinessDayOpened("2026-11-19", t)]));
        Assert.Equal(new DateOnly(2026, 11, 19), WhatIf.LastDay([
            new BusinessDayOpened("2026-11-19", t), new BusinessDayCloseStarted("2026-11-19", "2026-11-20", t), new BusinessDayOpened("2026-11-20", t)]));
        Assert.Equal(new DateOnly(2026, 11, 20), WhatIf.LastDay([
            new BusinessDayOpened("2026-11-19", t), new BusinessDayCloseStarted("2026-11-19", "2026-11-20", t), new BusinessDayOpened("2026-11-20", t),
            new BusinessDayCloseStarted("2026-11-20", "2026-11-23", t), new BusinessDayOpened("2026-11-23", t)]));
    }
}
