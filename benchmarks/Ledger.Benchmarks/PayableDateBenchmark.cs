using System.Diagnostics;
using System.Globalization;
using Ledger.Cluster;
using Ledger.Cluster.Income;
using Ledger.Income;
using Ledger.Income.Events;
using Ledger.Journal;
using Ledger.Settlement;
using Ledger.Settlement.Events;
using Microsoft.Data.Sqlite;

namespace Ledger.Benchmarks;

/// <summary>
/// A payable date over many memo lines, durable on SQLite, through the real node: every participant
/// lends to the next <c>borrowersEach</c> participants in each of the CUSIPs, so 10,000 participants
/// x 5 borrowers x 2 CUSIPs are 100,000 lender lines (and their 100,000 mirrors at the borrowers).
/// Each participant also holds a position in each CUSIP (a holder-of-record credit each).
/// <list type="number">
/// <item>Set-up, through the node: the participants, the securities, the deposits, and a dividend
/// in each CUSIP with its record date today and its payable date the next business day.</item>
/// <item>The memo lines, through the core rather than through deliver orders: with the node
/// stopped, each memo account's journal gets one <c>stock-loan-deliver-order-applied</c> event per
/// line, as the memo account writes it for a completed <c>SL</c> deliver order (the same event,
/// serializer and manifest; income journals are not hash-chained). Through settlement, 100,000
/// deliver orders would take minutes of set-up and time nothing the payable date does.</item>
/// <item>The node starts again, and every memo account is read once, so its recovery is outside
/// what is timed (it is reported apart).</item>
/// <item>Timed: the day's close, as <c>POST /v1/business-day/close</c> runs it: settlement closes
/// every account, every memo account closes the day and reports its record-date lines to the
/// run, the run posts every participant's income to its memo account, each memo account records
/// it and sends it to settlement, and settlement applies it; the close returns once every posting
/// is applied. The phases are read from the events' times in the journal afterwards.</item>
/// <item>Checked: the stock-loan income sums to zero, each lender line got round(n x rate), every
/// posting was applied once by settlement.</item>
/// </list>
/// </summary>
public static class PayableDateBenchmark
{
    public sealed record Options(int Participants = 10_000, int BorrowersEach = 5, int Cusips = 2, bool Holders = true);

    private static readonly decimal[] Rates = [0.25m, 0.123457m, 1m, 0.5m];

    public static async Task<int> RunAsync(Options o)
    {
        var lines = (long)o.Participants * o.BorrowersEach * o.Cusips;
        Console.WriteLine($"payable-date benchmark: {o.Participants:N0} participants, {o.BorrowersEach} borrowers each, {o.Cusips} CUSIPs = {lines:N0} lender lines (and {lines:N0} mirrors); " +
            $"{Machine.CpuModel()}, {Environment.ProcessorCount} cores, {Machine.Describe().Dotnet}; load average {Machine.LoadAverage()}");
        var folder = Directory.CreateTempSubdirectory("ledger-payable-date-bench-").FullName;
        try
        {
            var options = new LedgerNodeOptions { DataDir = folder, RecycleCutoffLocalTime = null, AskTimeout = TimeSpan.FromMinutes(10) };
            // Participant numbers are four digits: 0000 to 9999, so at most 10,000 participants.
            Check(o.Participants is >= 2 and <= 10_000, "--participants is 2 to 10,000 (four-digit participant numbers)");
            var ids = Enumerable.Range(0, o.Participants).Select(i => i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
            var cusips = Enumerable.Range(0, o.Cusips).Select(k =>
            {
                var first8 = "PAY" + k.ToString("D5", CultureInfo.InvariantCulture);
                return new Cusip(first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture));
            }).ToArray();
            DateOnly recordDate, payableDate;
            var setup = Stopwatch.StartNew();
            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var ledger = node.Ledger;
                foreach (var cusip in cusips) Check((await ledger.PutSecurityAsync(cusip, Money.FromDollars(50m), 0.1m, default)).Ok, "listing");
                await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (id, ct) =>
                {
                    await SetupSteps.Until(() => ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(id), "Participant " + id,
                        Money.FromDollars(1_000_000m), Money.FromDollars(1_000_000m), MarketLoanProgram: false, CentralCounterparty: false), ct), "participant " + id);
                    if (!o.Holders) return;
                    foreach (var cusip in cusips)
                        await SetupSteps.Until(() => ledger.DepositAsync(new ParticipantId(id), cusip, 1_000 + int.Parse(id, CultureInfo.InvariantCulture), ct), "deposit at " + id);
                });
                var reference = await ledger.ReferenceAsync(default);
                recordDate = reference.BusinessDate;
                payableDate = reference.Calendar.Next(recordDate);
                var income = node.Contexts.OfType<IncomeContext>().Single().Gateway!;
                for (var k = 0; k < cusips.Length; k++)
                {
                    var announced = await income.AnnounceAsync(cusips[k].Value, "DIV-" + k, new DistributionRequest("cash-dividend", Rates[k % Rates.Length],
                        IncomeDates.ToText(recordDate), IncomeDates.ToText(payableDate)), default);
                    Check(announced.Error is null, announced.Error?.Message ?? "");
                }
            }
            Console.WriteLine($"set-up through the node (participants, deposits, dividends): {setup.Elapsed.TotalSeconds:0.0} s");

            var fill = Stopwatch.StartNew();
            var model = FillMemoLines(folder, ids, cusips, o.BorrowersEach, recordDate);
            Console.WriteLine($"memo lines written to the memo journals: {model.Count * 2:N0} events in {fill.Elapsed.TotalSeconds:0.0} s");

            await using (var node = await LedgerNode.StartAsync(options, null, default))
            {
                var ledger = node.Ledger;
                var income = node.Contexts.OfType<IncomeContext>().Single().Gateway!;
                var recovery = Stopwatch.StartNew();
                var lineCounts = new long[ids.Length];
                await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
                {
                    lineCounts[i] = (await income.StockLoansAsync(new ParticipantId(ids[i]), null, ct)).Value!.Lines.Count;
                    await ledger.AccountAsync(new ParticipantId(ids[i]), ct);
                });
                Check(lineCounts.Sum() == 2 * lines, $"the memo accounts hold {lineCounts.Sum():N0} lines, not {2 * lines:N0}");
                Console.WriteLine($"node started, {ids.Length:N0} memo accounts and settlement accounts recovered in {recovery.Elapsed.TotalSeconds:0.0} s ({lineCounts.Sum():N0} memo lines)");

                var loadBefore = Machine.LoadAverage();
                var close = Stopwatch.StartNew();
                var closed = await ledger.CloseAsync(default);
                var elapsed = close.Elapsed;
                Check(closed.Ok, closed.Message ?? "the close failed");
                Check((await ledger.ReferenceAsync(default)).BusinessDate == payableDate, "the close did not open the payable date");
                Console.WriteLine($"close of {IncomeDates.ToText(recordDate)} with the payable date {IncomeDates.ToText(payableDate)} posted: {elapsed.TotalSeconds:0.00} s (load average before {loadBefore}, after {Machine.LoadAverage()})");

                await Verify(income, ids, cusips, model, payableDate, o.Holders);
            }
            Phases(folder);
            return 0;
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Participant i lends <c>1 + (i + j) % 997</c> shares to participant i + 1 + j (j below <paramref name="borrowersEach"/>) in every CUSIP.</summary>
    private static Dictionary<(string Lender, string Borrower, string Cusip), long> FillMemoLines(string folder, string[] ids, Cusip[] cusips, int borrowersEach, DateOnly completedOn)
    {
        var model = new Dictionary<(string, string, string), long>();
        var byParticipant = ids.ToDictionary(id => id, _ => new List<MemoAccountEvent>());
        var at = DateTimeOffset.UtcNow;
        var settings = IncomeSettings.Default;
        var completed = IncomeDates.ToText(completedOn);
        var type = settings.TransactionTypeOf("SL")!.Value.Name();
        for (var i = 0; i < ids.Length; i++)
        {
            for (var j = 0; j < borrowersEach; j++)
            {
                var lender = ids[i];
                var borrower = ids[(i + 1 + j) % ids.Length];
                foreach (var cusip in cusips)
                {
                    var shares = 1 + (i + j) % 997;
                    var id = $"SL-{lender}-{borrower}-{cusip.Value}";
                    model[(lender, borrower, cusip.Value)] = shares;
                    byParticipant[lender].Add(new StockLoanDeliverOrderApplied(id, lender, borrower, cusip.Value, shares, 0, "SL", type, null, "direct", completed, borrower, shares, at));
                    byParticipant[borrower].Add(new StockLoanDeliverOrderApplied(id, lender, borrower, cusip.Value, shares, 0, "SL", type, null, "direct", completed, lender, -shares, at));
                }
            }
        }

        var journals = byParticipant.Select(p => KeyValuePair.Create(
            IncomeManifests.PersistenceId(IncomeAddress.MemoAccount(new ParticipantId(p.Key))), p.Value.Cast<object>().ToList()));
        JournalSeed.Append(folder, "payable-date-benchmark", IncomeSerializer.SerializerId, journals, IncomeSerializer.ToUtf8Json, IncomeSerializer.ManifestFor, at);
        return model;
    }

    private static async Task Verify(IncomeGateway income, string[] ids, Cusip[] cusips, Dictionary<(string Lender, string Borrower, string Cusip), long> model,
        DateOnly payableDate, bool holders)
    {
        var rates = Enumerable.Range(0, cusips.Length).ToDictionary(k => cusips[k].Value, k => Rates[k % Rates.Length]);
        var views = new IncomeView[ids.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
            views[i] = await income.IncomeAsync(new ParticipantId(ids[i]), payableDate, ct));
        var loanEntries = views.SelectMany(v => v.Entries.Where(e => e.Kind == "stock-loan-income").Select(e => (v.Participant, e))).ToList();
        Check(loanEntries.Sum(x => x.e.Amount) == 0m, "the stock-loan income does not sum to zero");
        Check(loanEntries.Count == 2 * model.Count, $"{loanEntries.Count:N0} stock-loan income entries, not {2 * model.Count:N0}");
        var lenderEntries = loanEntries.Where(x => x.e.Amount > 0 || model.ContainsKey((x.Participant, x.e.Counterparty!, x.e.Cusip)))
            .ToDictionary(x => (x.Participant, x.e.Counterparty!, x.e.Cusip), x => x.e.Amount);
        foreach (var ((lender, borrower, cusip), shares) in model)
        {
            var expected = decimal.Round(shares * rates[cusip], 2, MidpointRounding.AwayFromZero);
            Check(lenderEntries.TryGetValue((lender, borrower, cusip), out var paid) && paid == expected, $"{lender} was paid {paid} for {shares} {cusip} lent to {borrower}, not {expected}");
        }
        var entryIds = views.SelectMany(v => v.Entries.Select(e => (v.Participant, e.EntryId))).ToList();
        Check(entryIds.Count == entryIds.Distinct().Count(), "an entry is posted twice");
        var horCredits = views.Sum(v => v.Entries.Count(e => e.Kind == "holder-of-record"));
        Check(!holders || horCredits == ids.Length * cusips.Length, $"{horCredits:N0} holder-of-record credits, not {ids.Length * cusips.Length:N0}");
        Console.WriteLine($"checked: {loanEntries.Count:N0} stock-loan income entries summing to 0 ({loanEntries.Where(x => x.e.Amount > 0).Sum(x => x.e.Amount):N2} to lenders, each round(n x rate)), " +
            $"{horCredits:N0} holder-of-record credits, no entry twice");
    }

    /// <summary>When each step of the close happened, from the events' own times in the journal.</summary>
    private static void Phases(string folder)
    {
        var applied = LedgerSerializer.ManifestFor(typeof(IncomePostingApplied));
        var firstLast = JournalPhases.Print(folder, "manifest IN ($a, $c) OR persistence_id LIKE 'income-%'",
            new Dictionary<string, object> { ["$a"] = applied, ["$c"] = LedgerSerializer.ManifestFor(typeof(BusinessDayClosed)) },
            (bytes, manifest, serializerId) => serializerId != IncomeSerializer.SerializerId
                ? ((AccountEvent)LedgerSerializer.FromUtf8Json(bytes, manifest)).At
                : manifest.Contains("stock-loan-deliver-order-applied", StringComparison.Ordinal) || manifest.Contains("distribution-announced", StringComparison.Ordinal)
                    ? null
                    : ((IncomeEvent)IncomeSerializer.FromUtf8Json(bytes, manifest)).At);
        if (firstLast.TryGetValue(IncomeManifests.ByType[typeof(PayableDatePosted)], out var posted) && firstLast.TryGetValue(applied, out var settled))
            Console.WriteLine($"the payable date posted: from the run's payable-date-posted to the last posting applied by settlement {(settled.Last - posted.First).TotalSeconds:0.00} s");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException(what);
    }
}
