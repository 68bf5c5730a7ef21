using System.CommandLine;
using Ledger.Host.Auth;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>What <c>ledger submit</c> was asked to do.</summary>
public sealed record SubmitOptions
{
    public const int BatchSizeDefault = 1000;
    public const int BatchSizeMax = 10_000;
    public const int PollMaxDefault = 10_000;

    public required string File { get; init; }
    public string Url { get; init; } = ApiOptions.UrlsDefault;
    public string Token { get; init; } = TokenStore.DemoOccToken;
    public int BatchSize { get; init; } = BatchSizeDefault;
    public bool Restart { get; init; }

    /// <summary>Accepted deliver orders whose status is asked afterwards at most; above it a random sample. 0: none.</summary>
    public int PollMax { get; init; } = PollMaxDefault;

    /// <summary>How long to wait for deliver orders still in flight (status accepted) before counting.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The first pause between attempts when the node does not answer (tests make it short).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>
/// <c>ledger submit --file FILE</c>: sends OCC's file of deliver orders to a running node in
/// batches, resumably (FILE.progress), and sums up what the node answered.
/// </summary>
public static class SubmitCommand
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;
    public const int ExitUnreachable = 3;
    public const int ExitRefused = 4;

    /// <summary>Ids listed for each rejection rule in the summary.</summary>
    public const int IdsListedPerRule = 5;

    /// <summary>Bad lines listed one by one in the summary; the rest are counted.</summary>
    public const int BadLinesListedMax = 20;

    /// <summary>Status requests in flight at once while counting outcomes.</summary>
    public const int PollParallelism = 8;

    public static Command Build()
    {
        var file = new Option<string>("--file") { Description = "Deliver orders, one per line: JSON lines or CSV (id,deliverer,receiver,cusip,shares,amount,reasonCode)", HelpName = "FILE", Required = true };
        var url = new Option<string>("--url") { Description = "The node's HTTP API", HelpName = "URL", DefaultValueFactory = _ => ApiOptions.UrlsDefault };
        var token = new Option<string>("--token") { Description = "Bearer token of role occ", DefaultValueFactory = _ => TokenStore.DemoOccToken };
        var batchSize = new Option<int>("--batch-size") { Description = "Deliver orders per request", DefaultValueFactory = _ => SubmitOptions.BatchSizeDefault };
        batchSize.Validators.Add(r =>
        {
            if (r.Tokens is [{ } t] && int.TryParse(t.Value, out var v) && v is < 1 or > SubmitOptions.BatchSizeMax)
                r.AddError($"--batch-size must be between 1 and {SubmitOptions.BatchSizeMax}");
        });
        var restart = new Option<bool>("--restart") { Description = "Ignore FILE.progress and send the file from its first line (the ledger answers ids it has with the same result)" };
        var pollMax = new Option<int>("--poll-max") { Description = "Accepted deliver orders whose status is asked afterwards; above it a random sample of this many; 0 skips", DefaultValueFactory = _ => SubmitOptions.PollMaxDefault };
        pollMax.Validators.Add(r =>
        {
            if (r.Tokens is [{ } t] && int.TryParse(t.Value, out var v) && v < 0) r.AddError("--poll-max must not be negative");
        });

        var command = new Command("submit", "Send a file of deliver orders to a running node, in batches, resumably")
        {
            file, url, token, batchSize, restart, pollMax,
        };
        command.SetAction((parse, ct) => RunAsync(new SubmitOptions
        {
            File = parse.GetValue(file)!,
            Url = parse.GetValue(url)!,
            Token = parse.GetValue(token)!,
            BatchSize = parse.GetValue(batchSize),
            Restart = parse.GetValue(restart),
            PollMax = parse.GetValue(pollMax),
        }, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(SubmitOptions options, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var console = For(output);
        if (!System.IO.File.Exists(options.File))
        {
            await error.WriteLineAsync($"ledger submit: {options.File} does not exist");
            return ExitBadInput;
        }
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"ledger submit: --url {options.Url} is not an http(s) URL");
            return ExitBadInput;
        }

        var run = new SubmitRun(options, console);
        try
        {
            using var client = new LedgerClient(baseUri) { RetryDelay = options.RetryDelay };
            var ready = await client.ReadyAsync(ct);
            if (!ready.Ok)
            {
                await error.WriteLineAsync($"ledger submit: the node at {options.Url} is not ready: {ready.Describe()}");
                return ExitUnreachable;
            }
            await run.SendAsync(client, ct);
            await run.PollAsync(client, ct);
            run.PrintSummary();
            return ExitOk;
        }
        catch (LedgerUnreachableException e)
        {
            run.PrintSummary();
            await error.WriteLineAsync($"ledger submit: cannot reach the node at {options.Url}: {e.Message}");
            if (run.AcknowledgedLine > 0)
                await error.WriteLineAsync($"ledger submit: lines up to {N(run.AcknowledgedLine)} are acknowledged (in {SubmitProgress.PathFor(options.File)}); run the same command again to go on from there");
            return ExitUnreachable;
        }
        catch (SubmitRefusedException e)
        {
            run.PrintSummary();
            await error.WriteLineAsync($"ledger submit: {e.Message}");
            return ExitRefused;
        }
        catch (DeliverOrderFileException e)
        {
            await error.WriteLineAsync($"ledger submit: {options.File}: {e.Message}");
            return ExitBadInput;
        }
    }

    /// <summary>The node refused a whole request in a way that sending on cannot fix (wrong token, batch too large, ...).</summary>
    private sealed class SubmitRefusedException(string message) : Exception(message);

    private sealed record RejectedOrders(long Count, List<string> FirstIds);

    /// <summary>One run of <c>ledger submit</c>: the counts of this run and of the file so far.</summary>
    private sealed class SubmitRun(SubmitOptions options, IAnsiConsole console)
    {
        private readonly string _progressPath = SubmitProgress.PathFor(options.File);
        private readonly Dictionary<string, RejectedOrders> _rejectedByRule = new(StringComparer.Ordinal);
        private readonly List<ParsedLine> _badLines = new();
        private readonly List<string> _sample = new();
        private readonly Random _sampling = new(20090126);
        private readonly Dictionary<string, long> _statuses = new(StringComparer.Ordinal);
        private readonly List<string> _notes = new();
        private long _badLineCount;
        private long _sent;
        private long _sentAgain;

        /// <summary>The node's refusal of an item it had no room for: nothing was taken, so the item is sent again.</summary>
        private const string InFlightMaxRule = "deliver-orders-in-flight-max";
        private long _accepted;
        private long _rejected;
        private long _acceptedBefore;
        private long _rejectedBefore;
        private long _badBefore;
        private long _resumeAfter;
        private long _totalLines;
        private bool _polled;
        private int _polledCount;
        private int _stillInFlight;

        public long AcknowledgedLine { get; private set; }

        public async Task SendAsync(LedgerClient client, CancellationToken ct)
        {
            var format = DeliverOrderFile.Detect(options.File);
            _totalLines = CountLines(options.File);
            var progress = options.Restart ? null : SubmitProgress.Load(_progressPath);
            if (options.Restart && System.IO.File.Exists(_progressPath))
                _notes.Add($"--restart: ignored {_progressPath} and sent the file from line 1");
            if (progress is not null) Resume(progress);

            await WithProgressAsync(console, async bars =>
                {
                    var task = bars($"lines of {Path.GetFileName(options.File)}", _totalLines);
                    using var reader = new StreamReader(options.File);
                    using var hash = new LinesHash();
                    var file = new DeliverOrderFile(format);
                    var batch = new List<ParsedLine>(options.BatchSize);
                    long number = 0;
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        number++;
                        hash.Add(line);
                        if (number <= _resumeAfter)
                        {
                            // A CSV header before the resume point still names the columns.
                            if (format == DeliverOrderFileFormat.Csv) file.Parse(number, line);
                            task.Increment(1);
                            continue;
                        }
                        var parsed = file.Parse(number, line);
                        if (parsed.IsBad)
                        {
                            _badLineCount++;
                            if (_badLines.Count < BadLinesListedMax) _badLines.Add(parsed);
                        }
                        else if (parsed.IsOrder)
                        {
                            batch.Add(parsed);
                        }
                        if (batch.Count >= options.BatchSize)
                        {
                            await SendBatchAsync(client, batch, number, hash.Current, ct);
                            batch.Clear();
                            task.Note = $"{N(_accepted)} accepted, {N(_rejected)} rejected, {N(_badLineCount)} bad lines";
                        }
                        task.Increment(1);
                    }
                    if (number > AcknowledgedLine) await SendBatchAsync(client, batch, number, hash.Current, ct);
                    task.Note = $"{N(_accepted)} accepted, {N(_rejected)} rejected, {N(_badLineCount)} bad lines";
                    task.Complete();
                });
        }

        private void Resume(SubmitProgress progress)
        {
            using var reader = new StreamReader(options.File);
            using var hash = new LinesHash();
            long number = 0;
            while (number < progress.LastLineAcknowledged && reader.ReadLine() is { } line)
            {
                number++;
                hash.Add(line);
            }
            if (number == progress.LastLineAcknowledged && hash.Current == progress.LinesSha256)
            {
                _resumeAfter = progress.LastLineAcknowledged;
                AcknowledgedLine = _resumeAfter;
                _acceptedBefore = progress.Accepted;
                _rejectedBefore = progress.Rejected;
                _badBefore = progress.BadLines;
                _notes.Add(_resumeAfter >= _totalLines
                    ? $"{_progressPath}: all {N(_resumeAfter)} lines were acknowledged by an earlier run; nothing new to send (--restart sends the file again)"
                    : $"resumed after line {N(_resumeAfter)}, the last line acknowledged by an earlier run ({_progressPath})");
            }
            else
            {
                _notes.Add($"{options.File} changed since {_progressPath} was written: sent it from line 1 again (the ledger answers ids it already has with the same result)");
            }
        }

        /// <summary>
        /// Sends one batch and records the answers. A batch the node refuses whole as malformed names
        /// the items at fault: those count as rejected and the rest is sent again.
        /// </summary>
        private async Task SendBatchAsync(LedgerClient client, List<ParsedLine> batch, long lastLine, string linesSha256, CancellationToken ct)
        {
            var items = batch.ToList();
            while (items.Count > 0)
            {
                var answer = await client.SubmitAsync(options.Token, items.Select(i => i.Order!).ToList(), ct);
                if (answer.Ok)
                {
                    var answers = answer.Value ?? throw new SubmitRefusedException($"the node answered a batch with {answer.Problem}");
                    if (answers.Count != items.Count)
                        throw new SubmitRefusedException($"the node answered {answers.Count} of {items.Count} deliver orders of the batch ending at line {N(lastLine)}");
                    // Items the node had no room for took no effect: they go again, in their order, once it has.
                    var again = new List<ParsedLine>();
                    for (var k = 0; k < items.Count; k++)
                    {
                        if (answers[k] is { Accepted: false, Error.Rule: InFlightMaxRule }) again.Add(items[k]);
                        else
                        {
                            _sent++;
                            Record(items[k], answers[k]);
                        }
                    }
                    if (again.Count == 0) break;
                    _sentAgain += again.Count;
                    items = again;
                    await Task.Delay(options.RetryDelay, ct);
                    continue;
                }
                var atFault = answer.Problem?.Errors?.Where(e => e.Index is >= 0 && e.Index < items.Count).Select(e => e.Index!.Value).Distinct().ToList() ?? [];
                if (answer.Code != 400 || atFault.Count == 0)
                {
                    throw new SubmitRefusedException(answer.Code switch
                    {
                        401 => $"the node at {options.Url} does not know the token given with --token ({answer.Problem?.Detail})",
                        403 => $"the token given with --token may not submit deliver orders: it needs role occ ({answer.Problem?.Detail})",
                        413 => $"the node refused a batch of {items.Count} as too large ({answer.Problem?.Detail}); pass a smaller --batch-size",
                        _ => $"the node refused the batch of lines up to {N(lastLine)}: {answer.Describe()}",
                    });
                }
                foreach (var index in atFault.OrderByDescending(i => i))
                {
                    var fault = answer.Problem!.Errors!.First(e => e.Index == index);
                    _sent++;
                    Reject(items[index], fault.Rule ?? "malformed", fault.Message);
                    items.RemoveAt(index);
                }
            }
            AcknowledgedLine = lastLine;
            new SubmitProgress(SubmitProgress.VersionCurrent, Path.GetFileName(options.File), lastLine, linesSha256,
                _acceptedBefore + _accepted, _rejectedBefore + _rejected, _badBefore + _badLineCount, DateTimeOffset.UtcNow).Save(_progressPath);
        }

        private void Record(ParsedLine line, SubmitAnswer answer)
        {
            if (!answer.Accepted)
            {
                Reject(line, answer.Error?.Rule ?? "rejected", answer.Error?.Message);
                return;
            }
            _accepted++;
            if (options.PollMax <= 0) return;
            // Reservoir sampling: every accepted id has the same chance to be among those asked about.
            if (_sample.Count < options.PollMax) _sample.Add(line.Order!.Id);
            else if (_sampling.NextInt64(_accepted) is var slot && slot < options.PollMax) _sample[(int)slot] = line.Order!.Id;
        }

        private void Reject(ParsedLine line, string rule, string? message)
        {
            _rejected++;
            if (!_rejectedByRule.TryGetValue(rule, out var group)) _rejectedByRule[rule] = group = new RejectedOrders(0, new List<string>());
            if (group.FirstIds.Count < IdsListedPerRule) group.FirstIds.Add($"{line.Order!.Id} (line {N(line.LineNumber)}{(group.FirstIds.Count == 0 && message is not null ? $": {message}" : "")})");
            _rejectedByRule[rule] = group with { Count = group.Count + 1 };
        }

        /// <summary>Asks the node for the status of the accepted deliver orders (or a sample), waiting a little for those still in flight.</summary>
        public async Task PollAsync(LedgerClient client, CancellationToken ct)
        {
            if (_sample.Count == 0) return;
            _polled = true;
            _polledCount = _sample.Count;
            var latest = new Dictionary<string, DeliverOrderAnswer?>(StringComparer.Ordinal);
            var ask = _sample.ToList();
            var deadline = DateTime.UtcNow + options.Wait;
            await StatusAsync(console, $"Asking the node for the status of {N(ask.Count)} deliver orders", async () =>
            {
                while (true)
                {
                    await Parallel.ForEachAsync(ask, new ParallelOptions { MaxDegreeOfParallelism = PollParallelism, CancellationToken = ct }, async (id, token) =>
                    {
                        var answer = await client.DeliverOrderAsync(options.Token, id, token);
                        lock (latest) latest[id] = answer.Ok ? answer.Value : null;
                    });
                    ask = latest.Where(kv => kv.Value?.Status == "accepted").Select(kv => kv.Key).ToList();
                    if (ask.Count == 0 || DateTime.UtcNow >= deadline) break;
                    await Task.Delay(200, ct);
                }
            });
            _stillInFlight = ask.Count;
            foreach (var view in latest.Values)
            {
                var key = view is null ? "unknown to the node"
                    : view.Status == "completed" ? $"completed ({view.CompletedBy ?? "?"})"
                    : view.Status == "pending" ? $"pending ({view.PendingReason ?? "?"})"
                    : view.Status == "accepted" ? "accepted (still in flight)"
                    : view.Status;
                _statuses[key] = _statuses.GetValueOrDefault(key) + 1;
            }
        }

        public void PrintSummary()
        {
            console.WriteLine();
            foreach (var note in _notes) console.MarkupLine($"[grey]{E(note)}[/]");
            console.MarkupLine($"ledger submit {E(options.File)} -> {E(options.Url)}");
            var table = new Table().Border(TableBorder.Simple)
                .AddColumn("").AddColumn(new TableColumn("this run").RightAligned()).AddColumn(new TableColumn("file so far").RightAligned());
            table.AddRow("lines acknowledged", $"{N(AcknowledgedLine - _resumeAfter)}", $"{N(AcknowledgedLine)} of {N(_totalLines)}");
            table.AddRow("deliver orders sent", N(_sent), "");
            if (_sentAgain > 0) table.AddRow("sent again (node at its in-flight limit)", N(_sentAgain), "");
            table.AddRow("accepted", N(_accepted), N(_acceptedBefore + _accepted));
            table.AddRow("rejected", N(_rejected), N(_rejectedBefore + _rejected));
            table.AddRow("bad lines (not sent)", N(_badLineCount), N(_badBefore + _badLineCount));
            console.Write(table);

            if (_rejectedByRule.Count > 0)
            {
                console.MarkupLine("rejected, by rule (first ids)");
                var rejected = new Table().Border(TableBorder.Simple)
                    .AddColumn("rule").AddColumn(new TableColumn("count").RightAligned()).AddColumn("deliver orders");
                foreach (var (rule, group) in _rejectedByRule.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal))
                    rejected.AddRow(E(rule), N(group.Count), E(string.Join(", ", group.FirstIds) + (group.Count > group.FirstIds.Count ? ", ..." : "")));
                console.Write(rejected);
            }
            if (_badLineCount > 0)
            {
                console.MarkupLine($"[yellow]{N(_badLineCount)} bad lines, not sent:[/]");
                foreach (var bad in _badLines) console.MarkupLine($"  line {N(bad.LineNumber)}: {E(bad.Fault)}");
                if (_badLineCount > _badLines.Count) console.MarkupLine($"  ... and {N(_badLineCount - _badLines.Count)} more");
            }
            if (_polled)
            {
                var which = _polledCount < _accepted
                    ? $"a random sample of {N(_polledCount)} of the {N(_accepted)} deliver orders accepted in this run"
                    : $"all {N(_polledCount)} deliver orders accepted in this run";
                console.MarkupLine($"status now (GET /v1/deliver-orders/{{id}}) of {which}");
                var statuses = new Table().Border(TableBorder.Simple)
                    .AddColumn("status").AddColumn(new TableColumn("count").RightAligned());
                foreach (var (status, count) in _statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal)) statuses.AddRow(E(status), N(count));
                console.Write(statuses);
                if (_stillInFlight > 0)
                    console.MarkupLine($"[grey]{N(_stillInFlight)} were still in flight after {options.Wait.TotalSeconds:0} s[/]");
            }
        }

        private static long CountLines(string path)
        {
            using var reader = new StreamReader(path);
            long count = 0;
            while (reader.ReadLine() is not null) count++;
            return count;
        }
    }
}
