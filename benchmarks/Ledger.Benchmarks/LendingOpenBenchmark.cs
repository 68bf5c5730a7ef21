using System.Diagnostics;
using System.Globalization;
using Ledger.Cluster;
using Ledger.Cluster.Lending;
using Ledger.Journal;
using Ledger.Lending;
using Ledger.Lending.Events;
using Ledger.Settlement;
using Microsoft.Data.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// The open of a business day with many open loans, durable on SQLite, through the real node:
/// every participant lends to the next <c>borrowersEach</c> participants <c>loansEach</c> loans
/// each, so 1,000 participants x 5 borrowers x 20 loans are 100,000 open loans in 5,000 loan books.
/// <list type="number">
/// <item>Set-up, through the node: the participants (caps and funds large enough that no mark
/// pends), the securities at $50.00.</item>
/// <item>The loans, through the core rather than through deliver orders: with the node stopped,
/// each loan book's journal gets a <c>loan-opened</c> event per loan (as the book writes it for a
/// completed <c>SL</c> deliver order: the same event, serializer and manifest), priced at the
/// opening (shares x $50.00 x 1.02), and its confirmed registration; the directory's journal gets
/// each book. Through settlement, 100,000 deliver orders would take minutes of set-up and time
/// nothing the open does.</item>
/// <item>The node starts again; every book is read once, so its recovery is outside what is
/// timed (reported apart). The operator moves the price of each security to $52.00.</item>
/// <item>Timed: the day's close as <c>POST /v1/business-day/close</c> runs it (settlement closes
/// every account, lending accrues rebates, the next day opens and lending's open step has every
/// book compute its marks, 100,000 of them, which leave as payment orders), then until every mark's
/// payment order has completed in settlement and its completion has reached its book (counted in
/// the journal). The phases are read from the events' times in the journal afterwards.</item>
/// <item>Checked: every loan got one mark of shares x $2.00 x 1.02, every mark completed once, each
/// loan holds its opening amount plus its mark, and every settlement balance is its marks received
/// less its marks paid (summing to zero).</item>
/// </list>
/// </summary>
public static class LendingOpenBenchmark
{
    public sealed record Options(int Participants = 1_000, int BorrowersEach = 5, int LoansEach = 20, int Cusips = 2);

    private const decimal Margin = 1.02m;
    private static readonly Money OpeningPrice = Money.FromDollars(50m);
    private static readonly Money ClosePrice = Money.FromDollars(52m);

    private sealed record BenchLoan(string Id, string Lender, string Borrower, Cusip Cusip, long Shares, long AmountCents);

    public static async Task<int> RunAsync(Options o)
    {
        Check(o.Participants is >= 2 and <= 10_000, "--participants is 2 to 10,000 (four-digit participant numbers)");
        Check(o.BorrowersEach >= 1 && 2 * o.BorrowersEach < o.Participants, "--borrowers-each is 1 to less than half the participants (each pair one book)");
        Check(o.LoansEach >= 1, "--loans-each is at least 1");
        var loansCount = (long)o.Participants * o.BorrowersEach * o.LoansEach;
        Console.WriteLine($"lending-open benchmark: {o.Participants:N0} participants, {o.BorrowersEach} borrowers each, {o.LoansEach} loans per pair = {loansCount:N0} open loans " +
            $"in {o.Participants * o.BorrowersEach:N0} loan books; {Machine.CpuModel()}, {Environment.ProcessorCount} cores, {Machine.Describe().Dotnet}; load average {Machine.LoadAverage()}");
        var folder = Directory.CreateTempSubdirectory("ledger-lending-open-bench-").FullName;
        try
        {
            var options = new LedgerNodeOptions { DataDir = folder, RecycleCutoffLocalTime = null, AskTimeout = TimeSpan.FromMinutes(10) };
            var ids = Enumerable.Range(0, o.Participants).Select(i => i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
            var cusips = Enumerable.Range(0, o.Cusips).Select(k =>
            {
                var first8 = "LND" + k.ToString("D5", CultureInfo.InvariantCulture);
                return new Cusip(first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture));
            }).ToArray();
            DateOnly openedOn;
            var setup = Stopwatch.StartNew();
            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var ledger = node.Ledger;
                foreach (var cusip in cusips) Check((await ledger.PutSecurityAsync(cusip, OpeningPrice, 0.1m, default)).Ok, "listing");
                await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (id, ct) =>
                    await SetupSteps.Until(() => ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(id), "Participant " + id,
                        Money.FromDollars(100_000_000m), Money.FromDollars(100_000_000m), MarketLoanProgram: false, CentralCounterparty: false), ct), "participant " + id));
                openedOn = (await ledger.ReferenceAsync(default)).BusinessDate;
            }
            Console.WriteLine($"set-up through the node (participants, securities): {setup.Elapsed.TotalSeconds:0.0} s");

            var fill = Stopwatch.StartNew();
            var loans = FillLoanBooks(folder, ids, cusips, o.BorrowersEach, o.LoansEach, openedOn);
            Console.WriteLine($"loans written to the loan books' journals: {loans.Count:N0} loans in {o.Participants * o.BorrowersEach:N0} books in {fill.Elapsed.TotalSeconds:0.0} s");

            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var ledger = node.Ledger;
                var lending = node.Contexts.OfType<LendingContext>().Single().Gateway!;
                var recovery = Stopwatch.StartNew();
                var books = await lending.BooksAsync(null, default);
                var held = new long[books.Count];
                // Every loan of a book is its first party's: the loans of one party are the book's.
                await Parallel.ForEachAsync(Enumerable.Range(0, books.Count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
                    held[i] = (await lending.BookQueryAsync<LoanList>(books[i], new GetLoansOf(books[i].First, LoanStateFilter.Open), ct)).Loans.Count);
                Check(held.Sum() == loans.Count, $"the books hold {held.Sum():N0} open loans, not {loans.Count:N0}");
                await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (id, ct) => await ledger.AccountAsync(new ParticipantId(id), ct));
                Console.WriteLine($"node started, {books.Count:N0} loan books ({held.Sum():N0} open loans) and {ids.Length:N0} accounts recovered in {recovery.Elapsed.TotalSeconds:0.0} s");
                foreach (var cusip in cusips) Check((await ledger.PutSecurityAsync(cusip, ClosePrice, 0.1m, default)).Ok, "the price move");

                var loadBefore = Machine.LoadAverage();
                var sent = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                var closed = await ledger.CloseAsync(default);
                var closeAnswered = clock.Elapsed;
                Check(closed.Ok, closed.Message ?? "the close failed");
                var markDate = (await ledger.ReferenceAsync(default)).BusinessDate;
                var completed = 0L;
                var wait = Stopwatch.StartNew();
                while ((completed = CountEvents(folder, LendingManifests.ByType[typeof(MarkCompleted)])) < loans.Count)
                {
                    Check(wait.Elapsed < TimeSpan.FromMinutes(20), $"only {completed:N0} of {loans.Count:N0} marks completed in 20 minutes");
                    // Each count scans the journal (no index on the manifest): counted once a second, and the
                    // completion time is read from the events' own times afterwards, not from this loop.
                    await Task.Delay(1_000);
                }
                var allCompleted = clock.Elapsed;
                var lastCompleted = LastAt(folder, LendingManifests.ByType[typeof(MarkCompleted)]);
                Console.WriteLine($"close of {LendingDates.Format(openedOn)} and open of {LendingDates.Format(markDate)}: the close answered (marks computed and submitted) after {closeAnswered.TotalSeconds:0.00} s; " +
                    $"the last of {completed:N0} marks completed and recorded on its loan {(lastCompleted - sent).TotalSeconds:0.00} s after the close was sent (by the events' times; seen by the polling loop after {allCompleted.TotalSeconds:0.00} s) " +
                    $"(load average before {loadBefore}, after {Machine.LoadAverage()})");

                await Verify(ledger, lending, books, loans, ids, markDate);
            }
            Phases(folder);
            return 0;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Participant i lends to i + 1 + j (j below <paramref name="borrowersEach"/>) <paramref name="loansEach"/> loans of <c>100 + (i + j + k) % 901</c> shares, priced at the opening.</summary>
    private static List<BenchLoan> FillLoanBooks(string folder, string[] ids, Cusip[] cusips, int borrowersEach, int loansEach, DateOnly openedOn)
    {
        var at = DateTimeOffset.UtcNow;
        var journals = new Dictionary<string, List<object>>(StringComparer.Ordinal);
        var loans = new List<BenchLoan>();
        var directory = new List<object>();
        for (var i = 0; i < ids.Length; i++)
        {
            for (var j = 0; j < borrowersEach; j++)
            {
                var lender = ids[i];
                var borrower = ids[(i + 1 + j) % ids.Length];
                var book = LoanBookId.Of(new ParticipantId(lender), new ParticipantId(borrower));
                var events = new List<object>();
                for (var k = 0; k < loansEach; k++)
                {
                    var shares = 100L + (i + j + k) % 901;
                    var cusip = cusips[k % cusips.Length];
                    var amount = (long)Marks.RequiredCents(shares, OpeningPrice, Margin);
                    var loan = new BenchLoan($"BL-{lender}-{borrower}-{k:D4}", lender, borrower, cusip, shares, amount);
                    loans.Add(loan);
                    events.Add(new LoanOpened(loan.Id, lender, borrower, cusip.Value, shares, amount, Margin, 0.01m, LendingDates.Format(openedOn), at));
                }
                events.Add(new BookRegistrationConfirmed(at));
                journals.Add(book.PersistenceId, events);
                directory.Add(new LoanBookRegistered(book.Value, at));
            }
        }
        journals.Add(LoanBookDirectoryState.PersistenceId, directory);

        JournalSeed.Append(folder, "lending-open-benchmark", LendingSerializer.SerializerId, journals, LendingSerializer.ToUtf8Json, LendingSerializer.ManifestFor, at);
        return loans;
    }

    private static DateTimeOffset LastAt(string folder, string manifest)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT message FROM journal WHERE manifest = $m";
        read.Parameters.AddWithValue("$m", manifest);
        using var reader = read.ExecuteReader();
        var last = DateTimeOffset.MinValue;
        while (reader.Read())
        {
            var at = ((LoanBookEvent)LendingSerializer.FromUtf8Json((byte[])reader[0], manifest)).At;
            if (at > last) last = at;
        }
        return last;
    }

    private static long CountEvents(string folder, string manifest)
    {
        using var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal WHERE manifest = $m";
        count.Parameters.AddWithValue("$m", manifest);
        return (long)count.ExecuteScalar()!;
    }

    private static async Task Verify(ILedger ledger, LendingGateway lending, IReadOnlyList<LoanBookId> books, List<BenchLoan> loans, string[] ids, DateOnly markDate)
    {
        var byId = loans.ToDictionary(l => l.Id, StringComparer.Ordinal);
        var seen = 0L;
        var wrong = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await Parallel.ForEachAsync(books, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (book, ct) =>
        {
            // The benchmark runs one open, so a loan's marks of the mark date are all its marks.
            var views = (await lending.BookQueryAsync<LoanList>(book, new GetLoansOf(book.First, null), ct)).Loans;
            var marksOf = (await lending.BookQueryAsync<MarkList>(book, new GetMarksOf(book.First, markDate), ct)).Marks
                .Select(m => m.Mark).ToLookup(m => m.LoanId, StringComparer.Ordinal);
            foreach (var view in views)
            {
                Interlocked.Increment(ref seen);
                var (id, heldCents, marks) = (view.Id, view.Collateral.Cents, marksOf[view.Id].ToList());
                var loan = byId[id];
                var mark = (long)Marks.RequiredCents(loan.Shares, ClosePrice, Margin) - loan.AmountCents;
                if (marks.Count != 1 || marks[0].MarkDate != markDate || marks[0].Status != MarkViews.Name(MarkStatus.Completed) || marks[0].Amount.Cents != mark || marks[0].Payer.Value != loan.Borrower)
                    wrong.Enqueue($"loan {id}: marks {string.Join(", ", marks)}, expected one completed of {mark} cents paid by {loan.Borrower}");
                if (heldCents != loan.AmountCents + mark) wrong.Enqueue($"loan {id} holds {heldCents} cents, not {loan.AmountCents} + {mark}");
            }
        });
        Check(wrong.IsEmpty, string.Join("; ", wrong.Take(5)));
        Check(seen == loans.Count, $"{seen:N0} loans read back, not {loans.Count:N0}");
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var l in loans)
        {
            var mark = (long)Marks.RequiredCents(l.Shares, ClosePrice, Margin) - l.AmountCents;
            expected[l.Lender] = expected.GetValueOrDefault(l.Lender) + mark;
            expected[l.Borrower] = expected.GetValueOrDefault(l.Borrower) - mark;
        }
        var balances = new long[ids.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            balances[i] = (await ledger.AccountAsync(new ParticipantId(ids[i]), ct))!.SettlementBalance * 100m is var c ? (long)c : 0);
        for (var i = 0; i < ids.Length; i++)
            Check(balances[i] == expected.GetValueOrDefault(ids[i]), $"{ids[i]}'s balance is {balances[i]} cents, its marks net {expected.GetValueOrDefault(ids[i])}");
        Check(balances.Sum() == 0, "the balances do not sum to zero");
        Console.WriteLine($"checked: {loans.Count:N0} loans each with one completed mark of shares x $2.00 x 1.02 paid by its borrower " +
            $"({loans.Sum(l => (long)Marks.RequiredCents(l.Shares, ClosePrice, Margin) - l.AmountCents) / 100m:N2} in all), each holding its opening amount plus its mark; " +
            $"{ids.Length:N0} settlement balances each its marks received less paid, summing to zero");
    }

    /// <summary>When each step of the open happened, from the events' own times in the journal.</summary>
    private static void Phases(string folder) =>
        JournalPhases.Print(folder, "identifier = $lending OR manifest = $closed",
            new Dictionary<string, object>
            {
                ["$lending"] = LendingSerializer.SerializerId,
                ["$closed"] = LedgerSerializer.ManifestFor(typeof(Ledger.Settlement.Events.BusinessDayClosed)),
            },
            (bytes, manifest, serializerId) =>
                manifest.Contains("loan-opened", StringComparison.Ordinal) || manifest.Contains("registration", StringComparison.Ordinal) || manifest.Contains("book-registered", StringComparison.Ordinal)
                    ? null
                    : serializerId == LendingSerializer.SerializerId
                        ? LendingSerializer.FromUtf8Json(bytes, manifest) switch
                        {
                            LoanBookEvent b => b.At,
                            LendingDayEvent d => d.At,
                            LoanBookDirectoryEvent r => r.At,
                            var other => throw new InvalidOperationException($"{other.GetType().Name} has no time"),
                        }
                        : ((Ledger.Settlement.Events.AccountEvent)LedgerSerializer.FromUtf8Json(bytes, manifest)).At);

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }
}
