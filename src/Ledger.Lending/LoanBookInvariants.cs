using Ledger.Lending.Events;

namespace Ledger.Lending;

/// <summary>
/// What must hold in every loan book after every command. A break is a bug, never a business
/// outcome: the check throws <see cref="InvariantViolation"/>, the entity crashes and recovers
/// from its journal. The decider checks what a command touched; tests check everything.
/// </summary>
public static class LoanBookInvariants
{
    public static void Check(LoanBookState state, IReadOnlyList<LoanBookEvent> events)
    {
        var loans = new HashSet<string>(StringComparer.Ordinal);
        var recalls = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e)
            {
                case LoanOpened x: loans.Add(x.LoanId); break;
                case ReturnApplied x:
                    foreach (var a in x.Loans) loans.Add(a.LoanId);
                    foreach (var r in x.Recalls) recalls.Add(r.ControlNumber);
                    break;
                case ReturnReversed x:
                    foreach (var a in x.Loans) loans.Add(a.LoanId);
                    foreach (var r in x.Recalls) recalls.Add(r.ControlNumber);
                    break;
                case LoanCancelled x:
                    loans.Add(x.LoanId);
                    foreach (var r in x.Recalls) recalls.Add(r.ControlNumber);
                    break;
                case RecallOpened x:
                    recalls.Add(x.ControlNumber);
                    foreach (var l in x.Loans) loans.Add(l.LoanId);
                    break;
                case RecallCancelled x: recalls.Add(x.ControlNumber); break;
            }
        }
        foreach (var id in loans) CheckLoan(state, state.Loans[id]);
        foreach (var control in recalls) CheckRecall(state, state.Recalls[control]);
    }

    public static void CheckAll(LoanBookState state)
    {
        foreach (var loan in state.LoansInOrder) CheckLoan(state, loan);
        foreach (var recall in state.RecallsInOrder) CheckRecall(state, recall);
    }

    private static void CheckLoan(LoanBookState state, Loan loan)
    {
        if (loan.OpenShares < 0 || loan.OpenShares > loan.Shares)
            throw new InvariantViolation($"loan {loan.Id} has {loan.OpenShares} open shares of {loan.Shares}");
        if ((loan.State == LoanState.Open) != (loan.OpenShares > 0))
            throw new InvariantViolation($"loan {loan.Id} is {loan.State} with {loan.OpenShares} open shares");
        var recalled = state.RecalledShares(loan.Id);
        if (recalled > loan.OpenShares)
            throw new InvariantViolation($"recalls ask for {recalled} shares of loan {loan.Id}, which has {loan.OpenShares} open");
    }

    private static void CheckRecall(LoanBookState state, Recall recall)
    {
        foreach (var l in recall.Loans)
        {
            if (l.Shares < 0) throw new InvariantViolation($"recall {recall.ControlNumber} asks for {l.Shares} shares of loan {l.LoanId}");
            if (l.Shares > 0 && state.Loans[l.LoanId].OpenShares < l.Shares)
                throw new InvariantViolation($"recall {recall.ControlNumber} asks for {l.Shares} shares of loan {l.LoanId}, which has {state.Loans[l.LoanId].OpenShares} open");
        }
        var open = recall.OpenShares;
        if (open > recall.Shares)
            throw new InvariantViolation($"recall {recall.ControlNumber} asks for {open} shares, more than the {recall.Shares} it opened for");
        if ((recall.State == RecallState.Open) != (open > 0))
            throw new InvariantViolation($"recall {recall.ControlNumber} is {recall.State} with {open} open shares");
    }
}
