using System.CommandLine;
using Ledger.Host.Auth;
using Ledger.Journal;
using Serilog.Core;
using Serilog.Events;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>
/// <c>ledger demo</c>: starts the embedded node exactly as <c>ledger serve</c> does, drives a
/// generated Market Loan day through its HTTP API, prints what the ledger did, then goes on
/// serving (unless <c>--no-serve</c>).
/// </summary>
public static class DemoCommand
{
    public const int ExitOk = 0;
    /// <summary>The day could not be driven to its end (an unexpected answer, or no answer).</summary>
    public const int ExitDayFailed = 3;
    /// <summary>The day ran, but a check failed: OCC not flat, a mismatched leg completed, or a loan settled one leg only.</summary>
    public const int ExitCheckFailed = 5;

    public static Command Build(StartLedger startLedger, Func<ParseResult, ServeOptions> readServeOptions, params Option[] nodeOptions)
    {
        var seed = new Option<int?>("--seed") { Description = "Makes the day reproducible; without it a seed is drawn and printed" };
        var loans = new Option<int>("--loans") { Description = "Loans in the day (two deliver orders each)", DefaultValueFactory = _ => DemoOptions.LoansDefault };
        loans.Validators.Add(r =>
        {
            if (r.Tokens is [{ } t] && int.TryParse(t.Value, out var v) && v is < 1 or > 100_000) r.AddError("--loans must be between 1 and 100000");
        });
        var days = new Option<int>("--days") { Description = "Business days to run: 1 (the Market Loan day), or 2 or 3 with the lending days (loans, marks, recalls, a dividend, the 10c-1a report)", DefaultValueFactory = _ => DemoOptions.DaysDefault };
        days.Validators.Add(r =>
        {
            if (r.Tokens is [{ } t] && int.TryParse(t.Value, out var v) && v is < 1 or > DemoOptions.DaysMax) r.AddError($"--days must be between 1 and {DemoOptions.DaysMax}");
        });
        var noServe = new Option<bool>("--no-serve") { Description = "Stop the node after the day instead of serving on (for tests and scripts)" };
        var batchSize = new Option<int>("--batch-size") { Description = "Deliver orders per request", DefaultValueFactory = _ => DemoOptions.BatchSizeDefault };
        batchSize.Validators.Add(r =>
        {
            if (r.Tokens is [{ } t] && int.TryParse(t.Value, out var v) && v is < 1 or > SubmitOptions.BatchSizeMax)
                r.AddError($"--batch-size must be between 1 and {SubmitOptions.BatchSizeMax}");
        });

        var command = new Command("demo", "Start a node as serve does (demo tokens), run a generated Market Loan day through its HTTP API, print what happened, and serve on");
        foreach (var option in nodeOptions) command.Options.Add(option);
        command.Options.Add(seed);
        command.Options.Add(loans);
        command.Options.Add(days);
        command.Options.Add(noServe);
        command.Options.Add(batchSize);
        command.Validators.Add(r =>
        {
            var store = r.Children.OfType<System.CommandLine.Parsing.OptionResult>().FirstOrDefault(o => o.Option.Name == "--store")?.Tokens.FirstOrDefault()?.Value ?? "sqlite";
            var connection = r.Children.OfType<System.CommandLine.Parsing.OptionResult>().FirstOrDefault(o => o.Option.Name == "--connection")?.Tokens.FirstOrDefault()?.Value;
            if (store is "postgres" or "sqlserver" && string.IsNullOrWhiteSpace(connection))
                r.AddError("--connection is required with --store postgres or sqlserver");
        });
        command.SetAction((parse, ct) => RunAsync(
            readServeOptions(parse) with { TokensFile = null, DemoTokens = true },
            new DemoOptions
            {
                Seed = parse.GetValue(seed),
                Loans = parse.GetValue(loans),
                Days = parse.GetValue(days),
                NoServe = parse.GetValue(noServe),
                BatchSize = parse.GetValue(batchSize),
            },
            startLedger, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(ServeOptions serve, DemoOptions demo, StartLedger startLedger, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var console = For(output);
        var seed = demo.Seed ?? Random.Shared.Next(1, 1_000_000);
        var hadLedger = serve.Store == StoreConfig.Sqlite && File.Exists(Path.Combine(serve.DataDir, StoreConfig.SqliteFileName));
        // The node's own log would drown the day's output: warnings only while the day runs, everything after.
        var levels = new LoggingLevelSwitch(LogEventLevel.Warning);
        return await LedgerServer.RunAsync(serve with { TokensFile = null, DemoTokens = true }, startLedger, ct, c => c.MinimumLevel.ControlledBy(levels), async (urls, token) =>
        {
            var url = LocalUrl(urls);
            using var client = new LedgerClient(url);
            DemoReport? report = null;
            try
            {
                report = await new DemoDay(client, console, demo).RunAsync(seed, hadLedger, token);
                Print(console, report);
            }
            catch (Exception e) when (e is DemoFailedException or LedgerUnreachableException)
            {
                await error.WriteLineAsync($"ledger demo: the day stopped: {e.Message}");
                if (demo.NoServe) return ExitDayFailed;
            }
            if (demo.NoServe) return report!.Checks().All(c => c.Ok) ? ExitOk : ExitCheckFailed;
            PrintServing(console, url, report);
            levels.MinimumLevel = LogEventLevel.Information;
            return null;
        }, error);
    }

    /// <summary>The node's own address for a client on this machine: a wildcard host becomes 127.0.0.1.</summary>
    public static Uri LocalUrl(IReadOnlyList<string> urls)
    {
        var url = urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? urls[0];
        foreach (var wildcard in new[] { "//[::]:", "//0.0.0.0:", "//+:", "//*:" })
            url = url.Replace(wildcard, "//127.0.0.1:", StringComparison.Ordinal);
        return new Uri(url);
    }

    /// <summary>One line of the verdict: what must hold, and whether it did.</summary>
    public sealed record Check(string What, bool Ok, string Detail);

    public static IReadOnlyList<Check> Checks(this DemoReport report)
    {
        var mismatched = report.Orders.Count(o => o.Loan.Kind == LoanKind.Mismatched && o.Leg is DemoLeg.LenderLeg or DemoLeg.BorrowerLeg);
        return
        [
            new Check($"OCC {DemoData.OccId}'s settlement balance and positions are zero after the cutoff", DemoReport.IsZero(report.OccAfterCutoff), Occ(report.OccAfterCutoff)),
            new Check($"OCC {DemoData.OccId}'s settlement balance and positions are zero after the close", DemoReport.IsZero(report.OccAfterClose), Occ(report.OccAfterClose)),
            new Check("no mismatched leg completed", report.MismatchedCompleted == 0, $"{N(report.MismatchedCompleted)} of {N(mismatched)} completed"),
            new Check("no loan completed one leg without the other", report.SplitLoans == 0, $"{N(report.SplitLoans)} loans split"),
            .. report.IncomeChecks,
            .. report.LendingChecks,
        ];
    }

    private static string Occ(AccountAnswer occ) =>
        $"balance {Dollars(occ.SettlementBalance)}, {N(occ.Positions.Count(p => p.Shares != 0))} non-zero positions, {N(occ.Positions.Sum(p => p.ReservedShares))} shares reserved";

    private static readonly (string Key, string Header)[] Outcomes =
    [
        ("completed:direct", "direct"),
        ("completed:recycle", "recycle"),
        ("completed:look-ahead", "look-ahead"),
        ("completed:reclaim-override", "reclaim-override"),
    ];

    private static string Row(DemoOrder o) => o.Leg switch
    {
        DemoLeg.Reclaim => o.Loan.Kind == LoanKind.ReclaimRedelivered ? "reclaims B -> OCC, OCC redelivers" : "reclaims B -> OCC, no redelivery",
        DemoLeg.Redelivery => "redeliveries OCC -> L",
        _ => o.Loan.Kind switch
        {
            LoanKind.LookAhead => "loan legs: shares and room",
            LoanKind.NetDebitCap => "loan legs: over borrower's cap, SPP",
            LoanKind.Mismatched => "loan legs: 1 share or 1 cent apart",
            LoanKind.LenderShort => "loan legs: lender short",
            LoanKind.NonMember => "loan legs: outside Market Loan",
            _ => "loan legs: later reclaimed",
        },
    };

    public static void Print(IAnsiConsole console, DemoReport report)
    {
        console.WriteLine();
        console.MarkupLine($"Deliver orders of {E(report.BusinessDate)} by purpose, and what the ledger did with them");
        var table = new Table().Border(TableBorder.Simple)
            .AddColumn(new TableColumn("purpose").NoWrap()).AddColumn(new TableColumn("DOs").RightAligned());
        foreach (var (_, header) in Outcomes) table.AddColumn(new TableColumn(header).RightAligned());
        foreach (var header in new[] { "pending", "dropped", "cancelled", "rejected", "refused" })
            table.AddColumn(new TableColumn(header).RightAligned());

        string[] Cells(string name, IReadOnlyCollection<DemoOrder> orders)
        {
            var final = orders.Select(DemoDay.Describe).ToList();
            var cells = new List<string> { E(name), N(orders.Count) };
            cells.AddRange(Outcomes.Select(o => Count(final.Count(f => f == o.Key))));
            cells.Add(Count(orders.Count(o => o.BeforeCutoff?.StartsWith("pending", StringComparison.Ordinal) == true)));
            cells.Add(Count(final.Count(f => f == "dropped")));
            cells.Add(Count(final.Count(f => f == "cancelled")));
            cells.Add(Count(final.Count(f => f == "rejected")));
            cells.Add(Count(final.Count(f => f == "refused")));
            return cells.ToArray();
        }

        foreach (var group in report.Orders.GroupBy(Row).OrderBy(g => g.Min(o => (int)o.Leg * 10 + (int)o.Loan.Kind)))
            table.AddRow(Cells(group.Key, group.ToList()));
        table.AddEmptyRow();
        table.AddRow(Cells("all", report.Orders));
        console.Write(table);
        console.MarkupLine("[grey](direct .. reclaim-override: completed, and how; pending: as the cutoff came; rejected: at entry; refused: the HTTP request was)[/]");

        var overCap = report.Orders.Where(o => o.Loan.Kind == LoanKind.NetDebitCap && o.Leg is DemoLeg.LenderLeg or DemoLeg.BorrowerLeg).ToList();
        if (overCap.Count > 0)
        {
            console.MarkupLine($"Loans of borrowers over their caps ({N(overCap.Count)} legs): before the settlement progress payments " +
                               $"{E(Tally(overCap.Select(o => o.BeforePayments)))}; at the end {E(Tally(overCap.Select(DemoDay.Describe)))}");
        }
        var stillPending = report.Orders.Count(o => o.Latest?.Status is "pending" or "accepted");
        if (stillPending > 0) console.MarkupLine($"[yellow]{N(stillPending)} deliver orders were still pending or in flight after the cutoff[/]");
        var pendReasons = report.Orders.Where(o => o.BeforeCutoff?.StartsWith("pending:", StringComparison.Ordinal) == true)
            .GroupBy(o => o.BeforeCutoff!["pending:".Length..]).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {N(g.Count())}").ToList();
        if (pendReasons.Count > 0) console.MarkupLine($"Pending at the cutoff, by reason: {E(string.Join(", ", pendReasons))}");
        foreach (var rule in report.Orders.Where(o => o.Answer is { Accepted: false } && o.Refusal is null)
                     .GroupBy(o => o.Answer!.Error?.Rule ?? "?").OrderByDescending(g => g.Count()))
            console.MarkupLine($"Rejected at entry ({E(rule.Key)}): {N(rule.Count())}, e.g. {E(string.Join(", ", rule.Take(3).Select(o => o.Id)))}");
        foreach (var refusal in report.Orders.Where(o => o.Refusal is not null).GroupBy(o => o.Refusal!))
        {
            var hint = refusal.Key.StartsWith("HTTP 404 route-known", StringComparison.Ordinal) ? " (this node has no POST /v1/reclaims yet)" : "";
            console.MarkupLine($"Reclaims refused with {E(refusal.Key)}{E(hint)}: {N(refusal.Count())}, e.g. {E(string.Join(", ", refusal.Take(3).Select(o => o.Id)))}");
        }

        console.MarkupLine("Largest net debits against caps (after the cutoff, before the close)");
        var debits = new Table().Border(TableBorder.Simple)
            .AddColumn("participant").AddColumn("name").AddColumn(new TableColumn("net debit").RightAligned())
            .AddColumn(new TableColumn("net debit cap").RightAligned()).AddColumn(new TableColumn("used").RightAligned())
            .AddColumn(new TableColumn("collateral monitor").RightAligned());
        foreach (var a in report.AccountsAfterCutoff.Where(a => a.NetDebit > 0).OrderByDescending(a => a.NetDebit).Take(8))
        {
            var used = a.NetDebitCap > 0 ? $"{a.NetDebit / a.NetDebitCap:P1}" : "-";
            debits.AddRow(a.Participant, E(a.Name), Dollars(a.NetDebit), Dollars(a.NetDebitCap), used, Dollars(a.CollateralMonitor));
        }
        if (debits.Rows.Count > 0) console.Write(debits);
        else console.MarkupLine("No participant ended the day in net debit.");

        foreach (var note in report.Notes) console.MarkupLine($"[grey]{E(note)}[/]");
        foreach (var check in report.Checks())
            console.MarkupLine($"{(check.Ok ? "[green]OK  [/]" : "[red]FAIL[/]")} {E(check.What)}: {E(check.Detail)}");
    }

    private static string Count(int n) => n == 0 ? "." : N(n);

    private static string Tally(IEnumerable<string?> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o ?? "?").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {N(g.Count())}"));

    private static void PrintServing(IAnsiConsole console, Uri url, DemoReport? report)
    {
        var root = url.ToString().TrimEnd('/');
        var participant = report?.AccountsAfterCutoff.OrderByDescending(a => a.NetDebit).FirstOrDefault()?.Participant ?? "0005";
        var order = report?.Orders.FirstOrDefault(o => o.Latest?.Status == "completed")?.Id
                    ?? report?.Orders.FirstOrDefault(o => o.Accepted)?.Id ?? "D-00001-L";
        console.WriteLine();
        console.MarkupLine($"The node keeps serving at [bold]{E(root)}[/] with the demo tokens; Ctrl+C stops it. Try:");
        foreach (var line in new[]
                 {
                     $"curl -s {root}/health/ready",
                     $"curl -s -H 'Authorization: Bearer {TokenStore.DemoOperatorToken}' {root}/v1/participants/{DemoData.OccId}/account",
                     $"curl -s -H 'Authorization: Bearer {TokenStore.DemoParticipantTokenPrefix}{participant}' {root}/v1/participants/{participant}/account",
                     $"curl -s -H 'Authorization: Bearer {TokenStore.DemoOccToken}' {root}/v1/deliver-orders/{order}",
                     $"curl -s -X POST -H 'Authorization: Bearer {TokenStore.DemoOperatorToken}' {root}/v1/business-day/cutoff",
                 })
            console.WriteLine("  " + line);
        if (report is { LendingChecks.Count: > 0 })
        {
            // The lending days' firms: the lender's loans and recalls, one loan with its marks.
            var lender = TokenStore.DemoParticipantTokenPrefix + DemoLending.Lender;
            console.WriteLine($"  curl -s -H 'Authorization: Bearer {lender}' {root}/v1/participants/{DemoLending.Lender}/loans");
            console.WriteLine($"  curl -s -H 'Authorization: Bearer {lender}' {root}/v1/participants/{DemoLending.Lender}/recalls");
            console.WriteLine($"  curl -s -H 'Authorization: Bearer {TokenStore.DemoRiskToken}' {root}/v1/loans/{report.Plan.Prefix}-LN-1");
        }
    }
}
