using System.Text.Json;
using CsCheck;
using Ledger.Lending.Events;
using static Ledger.Lending.Tests.Fixture;

namespace Ledger.Lending.Tests;

/// <summary>
/// Random days of one book (loans both ways in two CUSIPs, returns, reclaims, recalls, cancels,
/// marks settled or dropped in any order, inputs sent again, closes) with every invariant checked
/// after every step, and the rules checked on the journal: a mark computed once per loan
/// per business day and settled at most once, collateral held = opening + completed marks (less
/// what returns took back), a recall's open shares within its loans, replay equal to live state,
/// and report bytes equal on replay. CsCheck prints the seed of a failure.
/// </summary>
public sealed class LendingProperties
{
    private enum Kind { Open, Return, ReturnLate, ReclaimLoan, ReclaimReturn, Recall, Cancel, Settle, Resend, NextDay }

    private sealed record Step(Kind Kind, int A, int B, int C)
    {
        public override string ToString() => $"{Kind}({A},{B},{C})";
    }

    private static readonly Gen<Step[]> Workloads = Gen.Select(
        Gen.Frequency((8, Gen.Const(Kind.Open)), (5, Gen.Const(Kind.Return)), (1, Gen.Const(Kind.ReturnLate)), (1, Gen.Const(Kind.ReclaimLoan)),
            (1, Gen.Const(Kind.ReclaimReturn)), (4, Gen.Const(Kind.Recall)), (1, Gen.Const(Kind.Cancel)), (4, Gen.Const(Kind.Settle)),
            (4, Gen.Const(Kind.Resend)), (3, Gen.Const(Kind.NextDay))),
        Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999],
        (k, a, b, c) => new Step(k, a, b, c)).Array[1, 150];

    [Fact]
    public void Random_days_of_a_book_keep_every_rule_of_the_loan_lifecycle() =>
        Workloads.Sample(steps => { Run(steps); }, iter: 400, print: Print);

    /// <summary>The workloads reach every kind of event, so the rules above are not checked on empty journals.</summary>
    [Fact]
    public void The_random_days_reach_every_kind_of_loan_book_event()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Workloads.Sample(steps => { seen.UnionWith(Run(steps).Journal.Select(e => e.GetType().Name)); }, iter: 200, threads: 1, seed: "0N0XTpkp0Ow7", print: Print);
        string[] expected =
        [
            nameof(LoanOpened), nameof(ReturnApplied), nameof(ReturnReversed), nameof(LoanCancelled), nameof(MarkRequested), nameof(MarksComputed),
            nameof(MarkCompleted), nameof(MarkDropped), nameof(RebateAccrued), nameof(BookDayClosed), nameof(RecallOpened), nameof(RecallCancelled),
            nameof(DeliverOrderExcepted), nameof(RecallExcepted), nameof(RecallCancelExcepted),
        ];
        Assert.Empty(expected.Except(seen));
    }

    // Seeds that once failed, kept as plain tests. A seed names a workload of this generator: if
    // the generator changes, find the failure again and pin its new seed.

    /// <summary>A reclaimed return put shares back on a loan a reclaim had cancelled since (fixed: a cancelled loan stays cancelled).</summary>
    [Fact]
    public void Pinned_seed_return_reversed_onto_a_cancelled_loan() =>
        Workloads.Sample(steps => { Run(steps); }, seed: "47i8PQc_ZaT1", iter: 1, threads: 1, print: Print);

    private static string Print(Step[] steps) => string.Join(' ', steps.Select(s => s.ToString()));

    private static Fixture Run(Step[] steps)
    {
        var book = new Fixture();
        var date = D;
        var minute = 0;
        var sent = new List<LoanBookCommand>();
        var loanOrders = new List<RecordDeliverOrderCompleted>();
        var returnOrders = new List<RecordDeliverOrderCompleted>();
        var recalls = new List<string>();
        var reportsAtClose = new Dictionary<DateOnly, string>();
        var sequence = 0;
        Cusip CusipOf(int n) => n % 2 == 0 ? X : Y;
        (ParticipantId Lender, ParticipantId Borrower) Direction(int n) => n % 3 == 0 ? (B, L) : (L, B);
        DateTimeOffset Now() => At(date, 8).AddMinutes(minute++);

        LoanBookDecision Send(LoanBookCommand command)
        {
            sent.Add(command);
            return book.Run(command);
        }

        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case Kind.Open:
                    {
                        var (lender, borrower) = Direction(step.A);
                        var shares = 1 + step.B % 500;
                        var order = new RecordDeliverOrderCompleted(new CompletedDeliverOrder(new DeliverOrderId($"SL-{++sequence}"), lender, borrower, CusipOf(step.A),
                            shares, new Money(shares * (9_000 + step.C * 3)), "SL", date, Now(),
                            RebateRate: step.C % 4 == 0 ? null : (step.C - 500) / 10_000m, CollateralMargin: step.C % 3 == 0 ? 1.00m : null));
                        loanOrders.Add(order);
                        Send(order);
                        break;
                    }
                case Kind.Return:
                case Kind.ReturnLate:
                    {
                        var (lender, borrower) = Direction(step.A);
                        var shares = 1 + step.B % 600;
                        var at = step.Kind == Kind.ReturnLate ? Now().AddMinutes(-(1 + step.C % 90)) : Now();
                        var order = new RecordDeliverOrderCompleted(new CompletedDeliverOrder(new DeliverOrderId($"SLR-{++sequence}"), borrower, lender, CusipOf(step.A),
                            shares, new Money(shares * (9_000 + step.C * 3)), "SLR", date, at));
                        returnOrders.Add(order);
                        Send(order);
                        break;
                    }
                case Kind.ReclaimLoan when loanOrders.Count > 0:
                    Send(Reclaim($"RC-{++sequence}", loanOrders[step.A % loanOrders.Count]));
                    break;
                case Kind.ReclaimReturn when returnOrders.Count > 0:
                    Send(Reclaim($"RC-{++sequence}", returnOrders[step.A % returnOrders.Count]));
                    break;
                case Kind.Recall:
                    {
                        var (lender, borrower) = Direction(step.A);
                        var control = $"R-{++sequence}";
                        recalls.Add(control);
                        Send(new OpenRecall(new RecallNotice(control, lender, borrower, CusipOf(step.A), 1 + step.B % 700, date, Now(),
                            step.C % 5 == 0 ? date.AddDays(step.C % 9) : null)));
                        break;
                    }
                case Kind.Cancel when recalls.Count > 0:
                    {
                        var recall = recalls[step.A % recalls.Count];
                        var (lender, borrower) = book.State.Recalls.TryGetValue(recall, out var r) ? (r.Lender, r.Borrower) : (L, B);
                        Send(new CancelRecall(new RecallCancelNotice($"C-{++sequence}", recall, lender, borrower, date, Now())));
                        break;
                    }
                case Kind.Settle when book.State.MarksRequested.Count > 0:
                    {
                        var mark = book.State.MarksRequested.OrderBy(m => m.Id, StringComparer.Ordinal).ElementAt(step.A % book.State.MarksRequested.Count);
                        Send(new RecordPaymentOrderOutcome(new PaymentOrderOutcome(new DeliverOrderId(mark.Id), mark.Payer, mark.Payee,
                            step.B % 3 == 0 ? PaymentOrderStatus.Dropped : PaymentOrderStatus.Completed, date, Now())));
                        break;
                    }
                case Kind.Resend when sent.Count > 0:
                    {
                        var again = book.Run(sent[step.A % sent.Count]);
                        Assert.Empty(again.Events);
                        break;
                    }
                case Kind.NextDay:
                    {
                        // Settlement's close makes every payment order final before the next open.
                        foreach (var mark in book.State.MarksRequested.OrderBy(m => m.Id, StringComparer.Ordinal).ToList())
                        {
                            Send(new RecordPaymentOrderOutcome(new PaymentOrderOutcome(new DeliverOrderId(mark.Id), mark.Payer, mark.Payee,
                                (step.A + mark.Id.Length) % 4 == 0 ? PaymentOrderStatus.Dropped : PaymentOrderStatus.Completed, date, Now())));
                        }
                        Send(new AccrueRebates(date, At(date, 18)));
                        reportsAtClose[date] = Reports(book, date);
                        date = BusinessCalendar.Weekdays.Next(date);
                        minute = 0;
                        var prices = new Dictionary<Cusip, Money> { [X] = new Money(9_000 + step.B * 3), [Y] = new Money(9_000 + step.C * 3) };
                        var marks = Send(new ComputeMarks(date, BusinessCalendar.Weekdays.Previous(date), prices, At(date, 7)));
                        Assert.IsType<MarksDone>(marks.Reply);
                        break;
                    }
            }
            CheckJournal(book);
        }

        var replayed = LoanBookReplay.Replay(book.State.Book, book.Journal);
        Assert.Equal(Describe(book.State, date), Describe(replayed, date));
        foreach (var (closed, report) in reportsAtClose) Assert.Equal(report, Reports(book, closed));
        return book;
    }

    /// <summary>Both parties' reports of a date, CSV and JSON lines.</summary>
    private static string Reports(Fixture book, DateOnly date)
    {
        var journals = new[] { (book.State.Book, (IEnumerable<LoanBookEvent>)book.Journal.ToArray()) };
        return string.Concat(new[] { L, B }.Select(p => TenC1aReport.Build(p, date, journals, Rules, BusinessCalendar.Weekdays))
            .Select(r => r.ToCsv() + r.ToJsonLines()));
    }

    /// <summary>The rules, read off the journal rather than the state.</summary>
    private static void CheckJournal(Fixture book)
    {
        var requested = book.Journal.OfType<MarkRequested>().ToList();
        Assert.Equal(requested.Count, requested.Select(m => (m.LoanId, m.MarkDate)).Distinct().Count());
        var outcomes = book.Journal.Where(e => e is MarkCompleted or MarkDropped)
            .Select(e => e is MarkCompleted c ? c.MarkId : ((MarkDropped)e).MarkId).ToList();
        Assert.Equal(outcomes.Count, outcomes.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(book.Journal.OfType<MarksComputed>().Count(), book.Journal.OfType<MarksComputed>().Select(m => m.MarkDate).Distinct().Count());

        var completed = book.Journal.OfType<MarkCompleted>().Select(c => c.MarkId).ToHashSet(StringComparer.Ordinal);
        foreach (var loan in book.State.LoansInOrder)
        {
            var marks = requested.Where(m => m.LoanId == loan.Id && completed.Contains(m.MarkId)).Sum(m => m.MarkCents);
            var returned = book.Journal.OfType<ReturnApplied>().SelectMany(r => r.Loans).Where(a => a.LoanId == loan.Id).Sum(a => a.AmountCents)
                - book.Journal.OfType<ReturnReversed>().SelectMany(r => r.Loans).Where(a => a.LoanId == loan.Id).Sum(a => a.AmountCents)
                + book.Journal.OfType<LoanCancelled>().Where(c => c.LoanId == loan.Id).Sum(c => c.AmountCents);
            Assert.Equal(loan.OpeningAmount.Cents + marks - returned, loan.CollateralHeld.Cents);
            var shares = loan.Shares
                - book.Journal.OfType<ReturnApplied>().SelectMany(r => r.Loans).Where(a => a.LoanId == loan.Id).Sum(a => a.Shares)
                + book.Journal.OfType<ReturnReversed>().SelectMany(r => r.Loans).Where(a => a.LoanId == loan.Id).Sum(a => a.Shares)
                - book.Journal.OfType<LoanCancelled>().Where(c => c.LoanId == loan.Id).Sum(c => c.OpenShares);
            Assert.Equal(shares, loan.OpenShares);
        }
        foreach (var recall in book.State.RecallsInOrder)
        {
            Assert.InRange(recall.OpenShares, 0, recall.Shares);
            Assert.True(recall.OpenShares <= recall.Loans.Sum(l => book.State.Loans[l.LoanId].OpenShares));
        }
    }

    private static string Describe(LoanBookState state, DateOnly date) => JsonSerializer.Serialize(new
    {
        Loans = state.LoansInOrder.Select(l => LoanViews.One(state, l.Id, null)).ToList(),
        Recalls = state.RecallsInOrder.Select(r => RecallViews.View(r, null, date)).ToList(),
        Exceptions = ExceptionViews.For([state], null),
        MarkDays = state.MarkDays.Values.Select(m => JsonSerializer.Serialize(m)).ToList(),
        ClosedDays = state.ClosedDays.Values.Select(c => JsonSerializer.Serialize(c)).ToList(),
        Unsent = LoanBookDecider.Unsent(state, At(date, 12)).PaymentOrders.Select(p => p.Id.Value).ToList(),
        state.Version,
    });

    /// <summary>
    /// A Market Loan's two books given the same locked-in legs, returns, prices and outcomes mark
    /// every day for the same amount, the borrower's leg into OCC and OCC's leg out to the lender
    /// (or the reverse), so the legs can pair at OCC by look-ahead.
    /// </summary>
    [Fact]
    public void A_Market_Loans_two_books_always_mark_for_the_same_amount_through_OCC() =>
        Gen.Select(Gen.Int[1, 5_000].Array[1, 6], Gen.Int[5_000, 20_000].Array[1, 8], Gen.Int[0, 3].Array[8])
            .Sample((sizes, prices, outcomes) =>
            {
                var lenderSide = new Fixture(L, Occ);
                var borrowerSide = new Fixture(Occ, B);
                for (var i = 0; i < sizes.Length; i++)
                {
                    lenderSide.Run(Sl($"ML-{i}-L", L, Occ, sizes[i], sizes[i] * 102m, hour: 10, minute: i));
                    borrowerSide.Run(Sl($"ML-{i}-B", Occ, B, sizes[i], sizes[i] * 102m, hour: 10, minute: i));
                }
                var date = D;
                for (var day = 0; day < prices.Length; day++)
                {
                    if (day == 2)
                    {
                        lenderSide.Run(Slr($"MR-{day}-L", Occ, L, sizes[0] / 2 + 1, sizes[0], date: date, hour: 12));
                        borrowerSide.Run(Slr($"MR-{day}-B", B, Occ, sizes[0] / 2 + 1, sizes[0], date: date, hour: 12));
                    }
                    date = BusinessCalendar.Weekdays.Next(date);
                    var price = new Dictionary<Cusip, Money> { [X] = new Money(prices[day]) };
                    var toLender = lenderSide.Run(new ComputeMarks(date, BusinessCalendar.Weekdays.Previous(date), price, At(date, 7))).PaymentOrders;
                    var fromBorrower = borrowerSide.Run(new ComputeMarks(date, BusinessCalendar.Weekdays.Previous(date), price, At(date, 7))).PaymentOrders;
                    Assert.Equal(toLender.Count, fromBorrower.Count);
                    for (var i = 0; i < toLender.Count; i++)
                    {
                        Assert.Equal(toLender[i].Amount, fromBorrower[i].Amount);
                        Assert.Contains(Occ, new[] { toLender[i].Payer, toLender[i].Payee });
                        Assert.Equal(toLender[i].Payer == Occ, fromBorrower[i].Payee == Occ);
                        var status = outcomes[day] == 0 ? PaymentOrderStatus.Dropped : PaymentOrderStatus.Completed;
                        lenderSide.Run(Outcome(toLender[i], status));
                        borrowerSide.Run(Outcome(fromBorrower[i], status));
                    }
                }
            }, iter: 200);
}
