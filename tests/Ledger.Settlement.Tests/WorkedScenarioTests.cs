using static Ledger.Settlement.Tests.World;

namespace Ledger.Settlement.Tests;

/// <summary>
/// atp-rules.md section 9, scenarios 1 to 4 and 10, to the cent. Price $100, haircut 10%: 1,000
/// shares have collateral value $90,000. A holds the shares with no participants fund.
/// </summary>
public sealed class WorkedScenarioTests
{
    public sealed record Row(
        string Scenario,
        decimal ReceiverFund,
        decimal ReceiverCap,
        string Status,
        string? Reason,
        decimal ReceiverCollateralMonitor,
        decimal ReceiverBalance,
        long ReceiverPosition,
        decimal DelivererBalance,
        long DelivererReserved);

    public static readonly TheoryData<Row> Scenarios1To3 = new()
    {
        // given B's CM and NDC; when A -> B 1,000 sh for $100,000; then:
        new Row("1: completes, B's CM $40,000", 50_000m, 1_000_000m, "completed", null, 40_000.00m, -100_000.00m, 1_000, 100_000.00m, 0),
        new Row("2: B's CM $5,000 pends collateral", 5_000m, 1_000_000m, "pending", "collateral", 5_000.00m, 0m, 0, 0m, 1_000),
        new Row("3: B's NDC $80,000 pends net-debit-cap", 50_000m, 80_000m, "pending", "net-debit-cap", 50_000.00m, 0m, 0, 0m, 1_000),
    };

    [Theory]
    [MemberData(nameof(Scenarios1To3))]
    public void Scenarios_1_to_3_receive_of_1000_shares_for_100000_dollars(Row row)
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, row.ReceiverFund, row.ReceiverCap).Holds(A, 1_000);

        var order = ledger.Settle("DO-1", A, B, 1_000, 100_000m);

        Expect(order, row.Status, row.Reason);
        var b = ledger.View(B);
        Assert.Equal(row.ReceiverCollateralMonitor, b.CollateralMonitor);
        Assert.Equal(row.ReceiverBalance, b.SettlementBalance);
        Assert.Equal(row.ReceiverPosition, ledger.Position(B));
        Assert.Equal(row.DelivererBalance, ledger.View(A).SettlementBalance);
        Assert.Equal(row.DelivererReserved, ledger.Reserved(A));
        Assert.Equal(row.Status == "completed" ? 0 : 1_000, ledger.Position(A));
    }

    [Fact]
    public void Scenario_1_deliverer_is_credited_and_its_collateral_monitor_holds_the_cash()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Holds(A, 1_000);
        Assert.Equal(90_000.00m, ledger.View(A).CollateralMonitor);

        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "completed", completedBy: "direct");

        Assert.Equal(100_000.00m, ledger.View(A).CollateralMonitor);
        Assert.Equal(100_000.00m, ledger.View(B).NetDebit);
    }

    [Fact]
    public void Scenario_3_settlement_progress_payment_of_30000_completes_the_pending_receive_by_recycle()
    {
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(B, 50_000m, 80_000m).Holds(A, 1_000);
        Expect(ledger.Settle("DO-1", A, B, 1_000, 100_000m), "pending", "net-debit-cap");

        ledger.Wires(B, 30_000m);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "completed", completedBy: "recycle");
        var b = ledger.View(B);
        Assert.Equal(-70_000.00m, b.SettlementBalance);
        Assert.Equal(70_000.00m, b.NetDebit);
        Assert.Equal(70_000.00m, b.CollateralMonitor); // 50,000 fund - 70,000 balance + 90,000 collateral value
        Assert.Empty(b.Pending);
        Assert.Equal(100_000.00m, ledger.View(A).SettlementBalance);
    }

    [Fact]
    public void Scenario_4_delivery_short_of_shares_pends_position_and_drops_at_cutoff()
    {
        var ledger = NewLedger().Participant(L, 0m, 0m).Participant(B, 50_000m, 1_000_000m).Holds(L, 500);

        Expect(ledger.Settle("DO-1", L, B, 1_000, 100_000m), "pending", "position");
        Assert.Equal("deliver", Assert.Single(ledger.View(L).Pending).Side);
        Assert.Empty(ledger.View(B).Pending); // the receiver is not asked until the deliverer holds the shares

        Ok(ledger.Cutoff(At(20, 10)));
        ledger.DeliverAll();

        Expect(ledger.Order("DO-1"), "dropped");
        Assert.Empty(ledger.View(L).Pending);
        Assert.Equal(500, ledger.Position(L));
        Assert.Equal(0, ledger.Reserved(L));
        Assert.Equal(0m, ledger.View(B).SettlementBalance);
    }

    [Fact]
    public void Scenario_10_headroom_of_400000_completes_the_300000_receive_and_a_500000_credit_the_600000_one()
    {
        // Given: B at its $400,000 cap after an earlier receive, and receives of $600,000 and $300,000 pending on it.
        var ledger = NewLedger().Participant(A, 0m, 0m).Participant(C, 0m, 0m).Participant(B, 1_000_000m, 400_000m)
            .Holds(C, 4_000).Holds(A, 6_000, Y).Holds(C, 3_000, Y);
        Expect(ledger.Settle("DO-0", C, B, 4_000, 400_000m), "completed");
        Expect(ledger.Settle("DO-600", A, B, 6_000, 600_000m, Y), "pending", "net-debit-cap");
        Expect(ledger.Settle("DO-300", C, B, 3_000, 300_000m, Y), "pending", "net-debit-cap");

        // When B gains $400,000 of headroom: the larger is tried first, fails, and blocks nobody.
        ledger.Wires(B, 400_000m);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-600"), "pending", "net-debit-cap");
        Expect(ledger.Order("DO-300"), "completed", completedBy: "recycle");
        Assert.Equal(-300_000.00m, ledger.View(B).SettlementBalance);

        // When a $500,000 credit arrives: $600,000 of headroom, exactly enough.
        ledger.Wires(B, 500_000m);
        ledger.DeliverAll();

        Expect(ledger.Order("DO-600"), "completed", completedBy: "recycle");
        var b = ledger.View(B);
        Assert.Equal(-400_000.00m, b.SettlementBalance);
        Assert.Equal(b.NetDebitCap, b.NetDebit);
        // 1,000,000 fund - 400,000 balance + (4,000 X + 9,000 Y) x $90 collateral value
        Assert.Equal(1_770_000.00m, b.CollateralMonitor);
        Assert.Equal(600_000.00m, ledger.View(A).SettlementBalance);
        Assert.Equal(700_000.00m, ledger.View(C).SettlementBalance);
    }
}
