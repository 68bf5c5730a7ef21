using System.CommandLine;
using System.Text.Json;
using Ledger.Cluster;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Host.Http;
using Ledger.Journal;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>What <c>ledger replay</c> was asked to do.</summary>
public sealed record ReplayOptions
{
    public required string Participant { get; init; }
    public ReplayBound Bound { get; init; } = ReplayBound.Latest;
    public bool Json { get; init; }
    public string DataDir { get; init; } = "./data";
    public string Store { get; init; } = StoreConfig.Sqlite;
    public string? Connection { get; init; }
}

/// <summary>
/// <c>ledger replay --participant P [--to TIME | --to-event N]</c>: reads the account's journal
/// straight from the store (no node needed, a running one undisturbed; nothing is written) and
/// prints the account as it stood then: text for people, or the JSON of the HTTP account query.
/// </summary>
public static class ReplayCommand
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;
    public const int ExitStoreUnreadable = 3;
    public const int ExitNoAccount = 4;

    /// <summary>Journals at least this long get a progress bar on a terminal.</summary>
    public const long ProgressFromEvents = 10_000;

    public static Command Build()
    {
        var participant = new Option<string>("--participant") { Description = "The participant whose account to replay (four digits)", HelpName = "P", Required = true };
        var to = new Option<string?>("--to") { Description = "Replay the events whose business time is at or before TIME (ISO-8601 UTC, e.g. 2026-03-02T14:30:00Z)", HelpName = "TIME" };
        var toEvent = new Option<long?>("--to-event") { Description = "Replay up to sequence number N, inclusive", HelpName = "N" };
        var format = new Option<string>("--format") { Description = "A table for people (text) or the JSON of GET /v1/participants/{id}/account (json)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var storeOptions = new StoreOptions();
        var (dataDir, store, connection) = (storeOptions.DataDir, storeOptions.Store, storeOptions.Connection);

        var command = new Command("replay", "Replay an account's journal from the store to a moment or an event, and print the account then")
        {
            participant, to, toEvent, format,
        };
        storeOptions.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetResult(to) is { Tokens.Count: > 0 } && r.GetResult(toEvent) is { Tokens.Count: > 0 })
                r.AddError("give --to or --to-event, not both");
            if (r.GetResult(to)?.Tokens.FirstOrDefault()?.Value is { } time && !UtcTime.TryParse(time, out _))
                r.AddError($"--to '{time}' is not {UtcTime.Rule}");
            if (r.GetResult(toEvent)?.Tokens.FirstOrDefault()?.Value is { } n && long.TryParse(n, out var seq) && seq < 1)
                r.AddError("--to-event must be 1 or more");
            if (r.GetResult(participant)?.Tokens.FirstOrDefault()?.Value is { } p && !ParticipantId.IsValid(p))
                r.AddError($"--participant '{p}' is not a four-digit participant number");
        });
        command.SetAction((parse, ct) =>
        {
            var bound = ReplayBound.Latest;
            if (parse.GetValue(to) is { } time && UtcTime.TryParse(time, out var at)) bound = ReplayBound.ToTime(at);
            else if (parse.GetValue(toEvent) is { } n) bound = ReplayBound.ToEvent(n);
            return RunAsync(new ReplayOptions
            {
                Participant = parse.GetValue(participant)!,
                Bound = bound,
                Json = parse.GetValue(format) == "json",
                DataDir = parse.GetValue(dataDir)!,
                Store = parse.GetValue(store)!,
                Connection = parse.GetValue(connection),
            }, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    public static async Task<int> RunAsync(ReplayOptions options, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!ParticipantId.IsValid(options.Participant))
        {
            await error.WriteLineAsync($"ledger replay: --participant '{options.Participant}' is not a four-digit participant number");
            return ExitBadInput;
        }
        var participant = new ParticipantId(options.Participant);
        JournalTable journal;
        try
        {
            journal = JournalTable.Of(new StoreSettings(options.Store, options.Connection, options.DataDir));
        }
        catch (Exception e) when (e is ReplayStoreException or ArgumentException)
        {
            await error.WriteLineAsync($"ledger replay: {e.Message}");
            return ExitStoreUnreadable;
        }

        var console = For(output);
        AccountView? view;
        try
        {
            view = options.Json
                ? await AccountReplay.ReplayAsync(journal, participant, options.Bound, null, ct)
                : await ReplayWithProgressAsync(journal, participant, options.Bound, console, ct);
        }
        catch (JournalDamagedException e)
        {
            var damage = e.Damage;
            await error.WriteLineAsync($"ledger replay: {damage.PersistenceId}: {damage.Detail}" +
                (damage.SequenceNr > 1 ? $"; --to-event {damage.SequenceNr - 1} replays the account up to the event before it" : ""));
            return ExitStoreUnreadable;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"ledger replay: the journal could not be read: {e.GetBaseException().Message}");
            return ExitStoreUnreadable;
        }
        if (view is null)
        {
            await error.WriteLineAsync($"ledger replay: participant {participant.Value} had no account {Describe(options.Bound)}");
            return ExitNoAccount;
        }
        if (options.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(view, LedgerApi.Json));
        }
        else
        {
            Print(console, view, options.Bound);
        }
        return ExitOk;
    }

    private static async Task<AccountView?> ReplayWithProgressAsync(JournalTable journal, ParticipantId participant, ReplayBound bound, IAnsiConsole console,
        CancellationToken ct)
    {
        if (!console.Profile.Capabilities.Interactive) return await AccountReplay.ReplayAsync(journal, participant, bound, null, ct);
        var highest = await AccountReplay.HighestSequenceNrAsync(journal, participant, ct);
        var total = bound is ReplayBound.EventBound e ? Math.Min(e.SequenceNr, highest) : highest;
        if (total < ProgressFromEvents) return await AccountReplay.ReplayAsync(journal, participant, bound, null, ct);
        AccountView? view = null;
        await console.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"replaying account {participant.Value}"), maxValue: total);
                view = await AccountReplay.ReplayAsync(journal, participant, bound, new Progress<long>(n => task.Value = n), ct);
                task.Value = total;
            });
        return view;
    }

    private static string Describe(ReplayBound bound) => bound switch
    {
        ReplayBound.TimeBound t => $"at {t.Time:yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}",
        ReplayBound.EventBound e => $"by event {N(e.SequenceNr)}",
        _ => "in the journal",
    };

    private static void Print(IAnsiConsole console, AccountView v, ReplayBound bound)
    {
        console.MarkupLine($"[bold]Account {E(v.Participant)}[/] {E(v.Name)}, business date {E(v.BusinessDate)}{(v.CutoffReached ? " (recycle cutoff reached)" : "")}");
        console.MarkupLine($"[grey]replayed {E(Describe(bound))}: {N(v.Version)} events applied[/]");

        var money = new Table().Border(TableBorder.Rounded).AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        money.AddRow("settlement balance", Dollars(v.SettlementBalance));
        money.AddRow("net debit", Dollars(v.NetDebit));
        money.AddRow("net debit cap", Dollars(v.NetDebitCap));
        money.AddRow("headroom under the cap", Dollars(v.NetDebitCap - v.NetDebit));
        money.AddRow("participants fund", Dollars(v.ParticipantsFund));
        money.AddRow("collateral monitor", Dollars(v.CollateralMonitor));
        money.AddRow("market loan program", v.MarketLoanProgram ? "yes" : "no");
        money.AddRow("central counterparty", v.CentralCounterparty ? "yes" : "no");
        console.Write(money);

        if (v.Positions.Count == 0)
        {
            console.MarkupLine("No positions.");
        }
        else
        {
            var positions = new Table().Border(TableBorder.Rounded).Title("positions")
                .AddColumn("cusip").AddColumn(new TableColumn("shares").RightAligned()).AddColumn(new TableColumn("reserved").RightAligned());
            foreach (var p in v.Positions) positions.AddRow(E(p.Cusip), N(p.Shares), N(p.ReservedShares));
            console.Write(positions);
        }

        if (v.Pending.Count == 0)
        {
            console.MarkupLine("No pending deliver orders.");
        }
        else
        {
            var pending = new Table().Border(TableBorder.Rounded).Title("pending deliver orders")
                .AddColumn("deliver order").AddColumn("side").AddColumn("reason").AddColumn("counterparty").AddColumn("cusip")
                .AddColumn(new TableColumn("shares").RightAligned()).AddColumn(new TableColumn("amount").RightAligned());
            foreach (var p in v.Pending) pending.AddRow(E(p.DeliverOrderId), E(p.Side), E(p.Reason), E(p.Counterparty), E(p.Cusip), N(p.Shares), Dollars(p.Amount));
            console.Write(pending);
        }
    }
}
