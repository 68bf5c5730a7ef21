using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Ledger.Cluster.Income;
using Ledger.Income;
using Ledger.Journal;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>
/// Income tracking's verbs: <c>ledger stock-loans load</c> (the initial load of loans outstanding,
/// as adjustments, through the HTTP API, resumably), <c>ledger income-report</c> (the day's income
/// file, CSV, from the journal) and <c>ledger explain --income</c> (an income entry explained from
/// the participant's own memo journal).
/// </summary>
public static class IncomeCommands
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;
    public const int ExitUnreachable = 3;
    public const int ExitUnknown = 4;

    /// <summary>Adjustments in flight at once during a load.</summary>
    public const int LoadParallelism = 8;

    private static readonly JsonSerializerOptions Json = new(LedgerApi.Json) { WriteIndented = true };

    // ------------------------------------------------------------------ ledger stock-loans load

    public static Command StockLoans()
    {
        var file = new Option<string>("--file") { Description = "Loans outstanding, one per line: JSON lines {id, counterparty, cusip, shares} or CSV with that header", HelpName = "FILE", Required = true };
        var participant = new Option<string>("--participant") { Description = "The participant entering them (each is affirmed by its counterparty like any adjustment)", HelpName = "ID", Required = true };
        var url = new Option<string>("--url") { Description = "The node's HTTP API", HelpName = "URL", DefaultValueFactory = _ => ApiOptions.UrlsDefault };
        var token = new Option<string?>("--token") { Description = "Bearer token of the participant (default: its demo token)" };
        var restart = new Option<bool>("--restart") { Description = "Ignore FILE.progress and send the file from its first line (an adjustment sent again with the same terms changes nothing)" };
        var load = new Command("load", "Enter the loans outstanding before the service started, as adjustments, resumably")
        {
            file, participant, url, token, restart,
        };
        load.SetAction((parse, ct) => LoadAsync(parse.GetValue(file)!, parse.GetValue(participant)!, parse.GetValue(url)!, parse.GetValue(token),
            parse.GetValue(restart), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return new Command("stock-loans", "Stock-loan income tracking: memo lines") { load };
    }

    /// <summary>One line of a load file, read: the request, or why the line is bad.</summary>
    public sealed record LoadLine(long Number, AdjustmentRequest? Request, string? Fault);

    /// <summary>Reads a load file's lines: JSON objects, or CSV whose first line names the columns id, counterparty, cusip, shares.</summary>
    public static IEnumerable<LoadLine> ReadLoadFile(IEnumerable<string> lines)
    {
        string[]? columns = null;
        long number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('{'))
            {
                AdjustmentRequest? request = null;
                string? fault = null;
                try
                {
                    request = JsonSerializer.Deserialize<AdjustmentRequest>(line, LedgerApi.Json);
                }
                catch (JsonException e)
                {
                    fault = $"not a JSON object of id, counterparty, cusip, shares: {e.Message}";
                }
                yield return new LoadLine(number, request, request is null ? fault ?? "empty" : null);
                continue;
            }
            var cells = line.Split(',').Select(c => c.Trim()).ToArray();
            if (columns is null)
            {
                columns = cells.Select(c => c.ToLowerInvariant()).ToArray();
                if (!new[] { "id", "counterparty", "cusip", "shares" }.All(columns.Contains))
                {
                    yield return new LoadLine(number, null, "the CSV header must name id, counterparty, cusip and shares");
                    columns = null;
                }
                continue;
            }
            if (cells.Length != columns.Length)
            {
                yield return new LoadLine(number, null, $"{cells.Length} cells, the header names {columns.Length}");
                continue;
            }
            string Cell(string name) => cells[Array.IndexOf(columns, name)];
            if (!long.TryParse(Cell("shares"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var shares))
            {
                yield return new LoadLine(number, null, $"shares '{Cell("shares")}' is not a whole number");
                continue;
            }
            yield return new LoadLine(number, new AdjustmentRequest(Cell("id"), Cell("counterparty"), Cell("cusip"), shares), null);
        }
    }

    private sealed record LoadProgress(int Version, string File, long LastLineDone, long Entered, long Refused, long BadLines);

    /// <param name="http">The client to send with (tests pass their server's); null: one for <paramref name="url"/>.</param>
    public static async Task<int> LoadAsync(string path, string participant, string url, string? token, bool restart, TextWriter output, TextWriter error, CancellationToken ct,
        HttpClient? http = null)
    {
        var console = For(output);
        if (!File.Exists(path))
        {
            await error.WriteLineAsync($"ledger stock-loans load: {path} does not exist");
            return ExitBadInput;
        }
        if (!ParticipantId.IsValid(participant))
        {
            await error.WriteLineAsync($"ledger stock-loans load: --participant '{participant}' is not a four-digit participant number");
            return ExitBadInput;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"ledger stock-loans load: --url {url} is not an http(s) URL");
            return ExitBadInput;
        }
        token ??= Ledger.Host.Auth.TokenStore.DemoParticipantTokenPrefix + participant;
        var progressPath = path + ".progress";
        var resumeAfter = 0L;
        LoadProgress? before = null;
        if (!restart && File.Exists(progressPath))
        {
            try
            {
                before = JsonSerializer.Deserialize<LoadProgress>(await File.ReadAllTextAsync(progressPath, ct), LedgerApi.Json);
            }
            catch (JsonException)
            {
                await error.WriteLineAsync($"ledger stock-loans load: {progressPath} cannot be read; remove it or pass --restart");
                return ExitBadInput;
            }
            resumeAfter = before?.LastLineDone ?? 0;
        }
        var lines = ReadLoadFile(await File.ReadAllLinesAsync(path, ct)).ToList();
        var totalLines = File.ReadLines(path).LongCount();
        long entered = 0, refused = 0, bad = 0, done = resumeAfter;
        var refusedByRule = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var badLines = new List<LoadLine>();
        using var client = http is null ? new LedgerClient(baseUri) : new LedgerClient(http);
        try
        {
            var ready = await client.ReadyAsync(ct);
            if (!ready.Ok)
            {
                await error.WriteLineAsync($"ledger stock-loans load: the node at {url} is not ready: {ready.Describe()}");
                return ExitUnreachable;
            }
            await WithProgressAsync(console, async bars =>
            {
                var bar = bars($"loans of {Path.GetFileName(path)}", totalLines);
                bar.Increment(resumeAfter);
                foreach (var chunk in lines.Where(l => l.Number > resumeAfter).Chunk(LoadParallelism * 4))
                {
                    await Parallel.ForEachAsync(chunk, new ParallelOptions { MaxDegreeOfParallelism = LoadParallelism, CancellationToken = ct }, async (line, token2) =>
                    {
                        if (line.Request is not { } request)
                        {
                            lock (badLines)
                            {
                                bad++;
                                if (badLines.Count < 20) badLines.Add(line);
                            }
                            return;
                        }
                        // Safe to repeat: the same id with the same terms changes nothing.
                        var answer = await client.SendAsync<JsonElement>(HttpMethod.Post, $"/v1/participants/{participant}/stock-loan-adjustments", token, request, idempotent: true, token2);
                        lock (refusedByRule)
                        {
                            if (answer.Ok)
                            {
                                entered++;
                                return;
                            }
                            refused++;
                            var rule = answer.Problem?.Rule ?? $"http {answer.Code}";
                            if (!refusedByRule.TryGetValue(rule, out var ids)) refusedByRule[rule] = ids = new List<string>();
                            if (ids.Count < 5) ids.Add($"line {line.Number}: {request.Id}");
                        }
                        if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                            throw new LedgerUnreachableException($"the node refused the token: {answer.Describe()}");
                    });
                    done = chunk[^1].Number;
                    bar.Increment(chunk.Length);
                    bar.Note = $"{N(entered)} entered, {N(refused)} refused, {N(bad)} bad lines";
                    new LoadProgress(1, Path.GetFileName(path), done, (before?.Entered ?? 0) + entered, (before?.Refused ?? 0) + refused, (before?.BadLines ?? 0) + bad)
                        .Save(progressPath);
                }
                bar.Complete();
            });
        }
        catch (LedgerUnreachableException e)
        {
            await error.WriteLineAsync($"ledger stock-loans load: {e.Message}; lines up to {N(done)} are done (in {progressPath}): run the same command again to go on");
            return ExitUnreachable;
        }
        console.MarkupLine($"ledger stock-loans load {E(path)} as {E(participant)} -> {E(url)}");
        if (resumeAfter > 0) console.MarkupLine($"[grey]resumed after line {N(resumeAfter)} ({E(progressPath)})[/]");
        var table = new Table().Border(TableBorder.Simple).AddColumn("").AddColumn(new TableColumn("this run").RightAligned());
        table.AddRow("adjustments entered (pending the counterparty's affirmation)", N(entered));
        table.AddRow("refused", N(refused));
        table.AddRow("bad lines (not sent)", N(bad));
        console.Write(table);
        foreach (var (rule, ids) in refusedByRule.OrderBy(r => r.Key, StringComparer.Ordinal)) console.MarkupLine($"  refused {E(rule)}: {E(string.Join(", ", ids))}");
        foreach (var line in badLines) console.MarkupLine($"  line {N(line.Number)}: {E(line.Fault)}");
        return ExitOk;
    }

    private static void Save(this LoadProgress progress, string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(progress, LedgerApi.Json));
        File.Move(temporary, path, overwrite: true);
    }

    // ------------------------------------------------------------------ ledger income-report

    public static Command IncomeReport()
    {
        var participant = new Option<string>("--participant") { Description = "Whose income file", HelpName = "ID", Required = true };
        var date = new Option<string>("--date") { Description = "The business date the entries posted on (YYYY-MM-DD)", HelpName = "DATE", Required = true };
        var outFile = new Option<string?>("--out") { Description = "The CSV file to write (default: income-PARTICIPANT-DATE.csv)", HelpName = "FILE" };
        var storeOptions = new StoreOptions();
        var command = new Command("income-report", "Write a participant's income file of a business date (CSV), from the journal") { participant, date, outFile };
        storeOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var p = parse.GetValue(participant)!;
            if (IncomeRequests.ParticipantField(p, "participant", out var id) is { } badId || IncomeRequests.DateField(parse.GetValue(date), "date", out var day) is { } badDate)
            {
                await error.WriteLineAsync($"ledger income-report: --participant must be four digits and --date YYYY-MM-DD");
                return ExitBadInput;
            }
            var settings = new StoreSettings(parse.GetValue(storeOptions.Store)!, parse.GetValue(storeOptions.Connection), parse.GetValue(storeOptions.DataDir)!);
            try
            {
                var events = await IncomeGateway.MemoEventsAsync(JournalTable.Of(settings), id, ct);
                var csv = Ledger.Income.IncomeReport.Write(id, day, Ledger.Income.IncomeReport.PostedOn(events, day));
                var path = parse.GetValue(outFile) ?? $"income-{p}-{IncomeDates.ToText(day)}.csv";
                await File.WriteAllBytesAsync(path, csv, ct);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"wrote {path}: {Ledger.Income.IncomeReport.PostedOn(events, day).Count} income entries of {p} posted on {IncomeDates.ToText(day)}");
                return ExitOk;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await error.WriteLineAsync($"ledger income-report: the journal could not be read: {e.GetBaseException().Message}");
                return ExitUnreachable;
            }
        });
        return command;
    }

    // ------------------------------------------------------------------ ledger explain --income

    /// <summary><c>ledger explain --income ENTRY --participant P</c>: from P's own memo journal only.</summary>
    public static async Task<int> ExplainAsync(StoreSettings settings, string participant, string entryId, bool json, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!ParticipantId.IsValid(participant))
        {
            await error.WriteLineAsync("ledger explain: --income needs --participant, four digits: the entry is explained from that participant's own journal");
            return ExitBadInput;
        }
        IReadOnlyList<Ledger.Income.Events.MemoAccountEvent> events;
        try
        {
            events = await IncomeGateway.MemoEventsAsync(JournalTable.Of(settings), new ParticipantId(participant), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"ledger explain: the journal could not be read: {e.GetBaseException().Message}");
            return ExitUnreachable;
        }
        var (explanation, refused) = IncomeExplanations.Explain(new ParticipantId(participant), events, entryId);
        if (refused is not null)
        {
            await error.WriteLineAsync($"ledger explain: {refused.Message}");
            return ExitUnknown;
        }
        await output.WriteLineAsync(json ? JsonSerializer.Serialize(explanation, Json) : string.Join(Environment.NewLine, explanation!.Lines));
        return ExitOk;
    }
}
