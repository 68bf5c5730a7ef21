using System.CommandLine;
using Ledger.Cluster.Lending;
using Ledger.Journal;
using Ledger.Lending;

namespace Ledger.Host.Verbs;

/// <summary>
/// <c>ledger report 10c-1a --date D [--participant P] [--format csv|jsonl] [--out F]</c>: the
/// Rule 10c-1a report of a closed business date, read straight from the store like
/// <c>ledger replay</c> (no node needed; a running node is not disturbed). It calls the very code
/// the node's <c>GET /v1/participants/{id}/reports/10c-1a/{date}</c> calls on the same journal
/// rows (<see cref="LendingReports.TenC1aAsync(JournalTable, ParticipantId, DateOnly, LendingRules, CancellationToken)"/>),
/// so the file holds the API's bytes.
/// </summary>
public static class ReportCommand
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;

    /// <summary>The date's close is not recorded yet (rule report-date-closed): there is no report to write.</summary>
    public const int ExitNotClosed = 2;

    public const int ExitUnreachable = 3;

    public static Command Build()
    {
        var report = new Command("report", "Write a regulatory report from the journal");
        report.Subcommands.Add(TenC1a());
        return report;
    }

    private static Command TenC1a()
    {
        var date = new Option<string>("--date") { Description = "The closed business date to report (YYYY-MM-DD)", HelpName = "DATE", Required = true };
        var participant = new Option<string?>("--participant")
        {
            Description = "The reporting party (default: every participant party to a loan, one file each)", HelpName = "ID",
        };
        var format = new Option<string>("--format") { Description = "csv or jsonl (JSON lines)", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var outPath = new Option<string?>("--out")
        {
            Description = "The file to write with --participant (default: 10c-1a-ID-DATE.csv or .jsonl); without it, the folder for the files (default: .)",
            HelpName = "PATH",
        };
        var storeOptions = new StoreOptions();
        var command = new Command("10c-1a", "Write the Rule 10c-1a report of loans effected or modified on a closed business date (lending.md section 5)") { date, participant, format, outPath };
        storeOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            if (!LendingDates.TryParse(parse.GetValue(date), out var day))
            {
                await error.WriteLineAsync("ledger report 10c-1a: --date must be YYYY-MM-DD (rule date-format)");
                return ExitBadInput;
            }
            var asked = parse.GetValue(participant);
            if (asked is not null && !ParticipantId.IsValid(asked))
            {
                await error.WriteLineAsync("ledger report 10c-1a: --participant must be four digits (rule participant-id-format)");
                return ExitBadInput;
            }
            var (reportFormat, _) = LendingRequests.Format(parse.GetValue(format));
            var extension = reportFormat == ReportFormat.JsonLines ? "jsonl" : "csv";
            var settings = new StoreSettings(parse.GetValue(storeOptions.Store)!, parse.GetValue(storeOptions.Connection), parse.GetValue(storeOptions.DataDir)!);
            var rules = LendingRules.Default(LedgerSettings.Default.TimeZone);
            try
            {
                var table = JournalTable.Of(settings);
                var parties = asked is not null ? [new ParticipantId(asked)] : await LendingReports.PartiesAsync(table, ct);
                var written = 0;
                foreach (var party in parties)
                {
                    var outcome = await LendingReports.TenC1aAsync(table, party, day, rules, ct);
                    if (outcome.Error is { } notClosed)
                    {
                        await error.WriteLineAsync($"ledger report 10c-1a: {notClosed.Message} (rule {notClosed.RuleName})");
                        return ExitNotClosed;
                    }
                    var name = $"10c-1a-{party.Value}-{LendingDates.Format(day)}.{extension}";
                    var path = asked is not null ? parse.GetValue(outPath) ?? name : Path.Combine(parse.GetValue(outPath) ?? ".", name);
                    var bytes = reportFormat == ReportFormat.JsonLines ? outcome.File!.ToJsonLinesBytes() : outcome.File!.ToCsvBytes();
                    await File.WriteAllBytesAsync(path, bytes, ct);
                    await output.WriteLineAsync($"wrote {path}: {outcome.File.Lines.Count} loan events reported by {party.Value} for {LendingDates.Format(day)}");
                    written++;
                }
                if (written == 0) await output.WriteLineAsync($"no participant is party to a loan: no report of {LendingDates.Format(day)} to write");
                return ExitOk;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await error.WriteLineAsync($"ledger report 10c-1a: the journal could not be read: {e.GetBaseException().Message}");
                return ExitUnreachable;
            }
        });
        return command;
    }
}
