using System.Text.Json;
using Ledger.Settlement;
using Ledger.Host.Verbs;

namespace Ledger.Host.Tests.Verbs;

/// <summary>The generated Market Loan day: reproducible, valid reference data, and loans that say what they are meant to show.</summary>
public sealed class DemoDataTests
{
    private static readonly DemoPlan Day = DemoData.Generate(seed: 7, loans: 2000, prefix: "D20260105");

    [Fact]
    public void The_same_seed_gives_the_same_day_and_another_seed_another()
    {
        var again = DemoData.Generate(7, 2000, "D20260105");
        var other = DemoData.Generate(8, 2000, "D20260105");

        Assert.Equal(JsonSerializer.Serialize(Day), JsonSerializer.Serialize(again));
        Assert.NotEqual(JsonSerializer.Serialize(Day), JsonSerializer.Serialize(other));
    }

    [Fact]
    public void Every_deposit_and_payment_carries_an_idempotency_id_of_its_own_run()
    {
        var ids = Day.Deposits.Select(d => d.Id).Concat(Day.Payments.Select(p => p.Id)).ToList();

        Assert.NotEmpty(Day.Payments);
        Assert.All(ids, id => Assert.True(IdempotencyId.IsValid(id) && id.StartsWith("D20260105-", StringComparison.Ordinal), id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(DemoData.Generate(7, 2000, "D20260105-2").Deposits, d => ids.Contains(d.Id));
    }

    [Fact]
    public void Reference_data_is_valid_occ_is_the_central_counterparty_and_members_are_in_the_market_loan_program()
    {
        Assert.Equal(("0900", true, 0m), (Day.Occ.Id, Day.Occ.CentralCounterparty, Day.Occ.NetDebitCap));
        Assert.Equal(40, Day.Participants.Count);
        Assert.All(Day.Participants, p =>
        {
            Assert.True(ParticipantId.IsValid(p.Id));
            Assert.False(p.CentralCounterparty);
            Assert.Equal(p.Role != DemoRole.NonMember, p.MarketLoanProgram);
            Assert.True(p.NetDebitCap > 0 && p.ParticipantsFund > 0, p.ToString());
        });
        Assert.Equal(Day.Participants.Count, Day.Participants.Select(p => p.Id).Distinct().Count());
        Assert.All(Day.Participants.Where(p => p.Role == DemoRole.Member), p => Assert.InRange(p.NetDebitCap, 5_000_000m, 5_000_000_000m));
        Assert.True(Day.Participants.Select(p => p.NetDebitCap).Distinct().Count() > 30, "caps are varied");

        Assert.InRange(Day.Securities.Count, 300, 400);
        Assert.Equal(Day.Securities.Count, Day.Securities.Select(s => s.Cusip).Distinct().Count());
        Assert.All(Day.Securities, s =>
        {
            Assert.True(Cusip.IsValid(s.Cusip), s.Cusip);
            Assert.InRange(s.Price, 5m, 500m);
            Assert.Equal(s.Price, decimal.Round(s.Price, 2));
            Assert.InRange(s.Haircut, 0m, 0.30m);
        });
    }

    [Fact]
    public void Each_loan_is_two_locked_in_legs_through_occ_with_the_same_terms_unless_mismatched_by_one_share_or_one_cent()
    {
        Assert.Equal(2000, Day.Loans.Count);
        foreach (var loan in Day.Loans)
        {
            var (l, b) = (loan.LenderLeg, loan.BorrowerLeg);
            Assert.Equal((DemoData.OccId, DemoData.OccId), (l.Receiver, b.Deliverer));
            Assert.NotEqual(l.Deliverer, b.Receiver);
            Assert.Equal(l.Cusip, b.Cusip);
            var apart = (Shares: Math.Abs(l.Shares - b.Shares), Amount: Math.Abs(l.Amount - b.Amount));
            Assert.Equal(loan.Kind == LoanKind.Mismatched ? 1 : 0, (apart.Shares == 1 ? 1 : 0) + (apart.Amount == 0.01m ? 1 : 0));
            Assert.True(apart.Shares <= 1 && apart.Amount <= 0.01m, loan.ToString());
            if (loan.Redelivery is { } r)
                Assert.Equal((DemoData.OccId, l.Deliverer, l.Cusip, l.Shares, l.Amount), (r.Deliverer, r.Receiver, r.Cusip, r.Shares, r.Amount));
        }
        foreach (var kind in Enum.GetValues<LoanKind>())
            Assert.Contains(Day.Loans, l => l.Kind == kind);
        Assert.Equal(Day.Loans.Count, Day.Loans.Select(l => (l.LenderLeg.Cusip, l.LenderLeg.Shares)).Distinct().Count());
    }

    [Fact]
    public void Lenders_hold_what_they_lend_except_the_short_ones_and_over_cap_borrowers_are_paid_enough()
    {
        var held = Day.Deposits.GroupBy(d => (d.Participant, d.Cusip)).ToDictionary(g => g.Key, g => g.Sum(d => d.Shares));
        foreach (var lending in Day.Loans.Where(l => l.Kind is not (LoanKind.NonMember or LoanKind.LenderShort))
                     .GroupBy(l => (l.Lender, l.LenderLeg.Cusip)))
            Assert.True(held.GetValueOrDefault(lending.Key) >= lending.Sum(l => l.LenderLeg.Shares), lending.Key.ToString());
        Assert.All(Day.Loans.Where(l => l.Kind == LoanKind.LenderShort), l => Assert.False(held.ContainsKey((l.Lender, l.LenderLeg.Cusip))));

        foreach (var borrower in Day.Participants.Where(p => p.Role == DemoRole.TightBorrower))
        {
            var borrowed = Day.Loans.Where(l => l.Borrower == borrower.Id).Sum(l => l.BorrowerLeg.Amount);
            Assert.True(borrowed > borrower.NetDebitCap, $"{borrower.Id} borrows over its cap");
            Assert.True(Day.Payments.Single(p => p.Participant == borrower.Id).Amount >= borrowed - borrower.NetDebitCap);
        }
    }

    [Fact]
    public void Legs_are_sent_each_once_sometimes_the_borrowers_first_and_sometimes_far_apart()
    {
        var order = Day.SubmissionOrder.Select((o, i) => (o.Id, i)).ToDictionary(x => x.Id, x => x.i);

        Assert.Equal(4000, order.Count);
        var gaps = Day.Loans.Select(l => order[l.LenderLeg.Id] - order[l.BorrowerLeg.Id]).ToList();
        Assert.InRange(gaps.Count(g => g > 0), 800, 1200);
        Assert.InRange(gaps.Count(g => Math.Abs(g) > DemoOptions.BatchSizeDefault), 150, 450);
    }

    [Fact]
    public void A_small_day_still_has_every_kind_of_loan()
    {
        var small = DemoData.Generate(7, 50, "D");

        Assert.Equal(50, small.Loans.Count);
        Assert.Equal(10, small.Participants.Count);
        foreach (var kind in Enum.GetValues<LoanKind>())
            Assert.Contains(small.Loans, l => l.Kind == kind);
    }
}
