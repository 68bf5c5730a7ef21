using System.Text;
using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>The daily income file: a pure, deterministic function from entries to bytes, with a header, stock-loan income coded as such.</summary>
public sealed class IncomeReportTests
{
    private static IncomeWorld Scenario4()
    {
        var world = new IncomeWorld(Monday).With(L, B);
        world.Deposit(L, 1_000);
        world.Complete(Do("DO-1", L, B, 1_000));
        world.Complete(Do("DO-2", B, L, 400, "SLR"));
        Assert.Null(world.Announce(Dividend("Q4", 0.25m, Monday, Tuesday)));
        world.CloseDay();
        return world;
    }

    [Fact]
    public void The_file_of_the_day_lists_each_entry_posted_that_day_under_a_header()
    {
        var world = Scenario4();
        var bytes = IncomeReport.Write(P(B), Tuesday, IncomeReport.PostedOn(world.Memo(B).Journal, Tuesday));
        Assert.Equal(
            "participant,businessDate,kind,distributionId,distributionType,cusip,counterparty,shares,ratePerShare,amount,recordDate,payableDate,entryId,postingId\r\n" +
            "0002,2026-11-24,holder-of-record,Q4,cash-dividend,037833100,,600,0.250000,150.00,2026-11-23,2026-11-24,hor:037833100:Q4:0002,income:2026-11-24:0002:1\r\n" +
            "0002,2026-11-24,stock-loan-income,Q4,cash-dividend,037833100,0001,600,0.250000,-150.00,2026-11-23,2026-11-24,sli:037833100:Q4:0001:0002,income:2026-11-24:0002:1\r\n",
            Encoding.UTF8.GetString(bytes));
        Assert.NotEqual(0xEF, bytes[0]); // no byte order mark
    }

    [Fact]
    public void The_same_entries_in_any_order_give_the_same_bytes()
    {
        var world = Scenario4();
        var entries = IncomeReport.PostedOn(world.Memo(L).Journal, Tuesday);
        Assert.Equal(IncomeReport.Write(P(L), Tuesday, entries), IncomeReport.Write(P(L), Tuesday, entries.Reverse()));
    }

    [Fact]
    public void A_day_without_income_is_a_header_alone()
    {
        var world = Scenario4();
        Assert.Equal(string.Join(",", IncomeReport.Columns) + "\r\n", Encoding.UTF8.GetString(IncomeReport.Write(P(L), Monday, IncomeReport.PostedOn(world.Memo(L).Journal, Monday))));
    }

    [Fact]
    public void A_field_with_a_comma_or_a_quote_is_quoted()
    {
        var entry = new IncomeEntryData("sli:x", "stock-loan-income", X, "a,\"b\"", "interest", B, 1, 1m, 100, "2026-11-23", "2026-11-24");
        var text = Encoding.UTF8.GetString(IncomeReport.Write(P(L), Tuesday, [(entry, "p")]));
        Assert.Contains(",\"a,\"\"b\"\"\",interest,", text, StringComparison.Ordinal);
    }
}
