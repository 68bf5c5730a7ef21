using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;

namespace Ledger.Host.Verbs;

/// <summary>What <c>ledger what-if</c> was asked to do.</summary>
public sealed record WhatIfOptions
{
    /// <summary>The business date to re-run; null: the last day the journal closed.</summary>
    public string? Day { get; init; }
    public IReadOnlyList<string> Settings { get; init; } = [];
    public bool Json { get; init; }
    public string DataDir { get; init; } = "./data";
    public string Store { get; init; } = StoreConfig.Sqlite;
    public string? Connection { get; init; }
}

/// <summary>
/// <c>ledger what-if --day DATE --set netDebitCap[P]=AMOUNT --set haircut[CUSIP]=RATE ...</c>:
/// reconstructs the business day from the journals (no node needed, nothing written), re-runs its
/// deliver orders in their original order through the same domain code in an isolated in-memory
/// ledger with the changed settings, and reports the deliver orders that would have ended
/// differently and each account's peak net debit against its cap, before and after.
/// </summary>
public static class WhatIfCommand
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;
    public const int ExitStoreUnreadable = 3;
    public const int ExitUnknownDay = 4;

    private static readonly JsonSerializerOptions Json = new(LedgerApi.Json) { WriteIndented = true };

    public static Command Build()
    {
        var day = new Option<string>("--day") { Description = "The business date to re-run (yyyy-MM-dd, New York); default: the last day the journal closed", HelpName = "DATE" };
        var set = new Option<string[]>("--set")
        {
            Description = "A changed setting: netDebitCap[P]=DOLLARS, participantsFund[P]=DOLLARS, haircut[CUSIP]=RATE (0..1), price[CUSIP]=DOLLARS; repeatable",
            HelpName = "NAME[KEY]=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        var format = new Option<string>("--format") { Description = "Lines for people (text) or JSON (json)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var storeOptions = new StoreOptions();
        var (dataDir, store, connection) = (storeOptions.DataDir, storeOptions.Store, storeOptions.Connection);

        var command = new Command("what-if", "Re-run a business day from the journal with changed caps, funds, haircuts or prices; report what would have ended differently")
        {
            day, set, format,
        };
        storeOptions.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(new WhatIfOptions
        {
            Day = parse.GetValue(day),
            Settings = parse.GetValue(set) ?? [],
            Json = parse.GetValue(format) == "json",
            DataDir = parse.GetValue(dataDir)!,
            Store = parse.GetValue(store)!,
            Connection = parse.GetValue(connection),
        }, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(WhatIfOptions options, TextWriter output, TextWriter error, CancellationToken ct)
    {
        DateOnly? date = null;
        if (options.Day is not null)
        {
            if (DateOnly.TryParseExact(options.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) date = day;
            else
            {
                await error.WriteLineAsync($"ledger what-if: --day '{options.Day}' is not a date (yyyy-MM-dd)");
                return ExitBadInput;
            }
        }
        if (options.Settings.Count == 0)
        {
            await error.WriteLineAsync("ledger what-if: give at least one --set (netDebitCap[P]=DOLLARS, participantsFund[P]=DOLLARS, haircut[CUSIP]=RATE, price[CUSIP]=DOLLARS)");
            return ExitBadInput;
        }
        if (!WhatIfSettings.TryParse(options.Settings, out var changes, out var bad))
        {
            await error.WriteLineAsync($"ledger what-if: {bad}");
            return ExitBadInput;
        }
        WhatIfDay whatIfDay;
        try
        {
            whatIfDay = await WhatIfReader.ReadStoreDayAsync(new StoreSettings(options.Store, options.Connection, options.DataDir), date, changes.ReclaimRules, ct);
        }
        catch (WhatIfException e)
        {
            await error.WriteLineAsync($"ledger what-if: {e.Message}");
            return ExitUnknownDay;
        }
        catch (Exception e) when (e is ReplayStoreException or ArgumentException)
        {
            await error.WriteLineAsync($"ledger what-if: {e.Message}");
            return ExitStoreUnreadable;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"ledger what-if: the journal could not be read: {e.GetBaseException().Message}");
            return ExitStoreUnreadable;
        }
        if (WhatIf.Check(whatIfDay, changes) is { Count: > 0 } unknown)
        {
            foreach (var message in unknown) await error.WriteLineAsync($"ledger what-if: {message}");
            return ExitBadInput;
        }
        var report = WhatIf.Run(whatIfDay, changes);
        await output.WriteLineAsync(options.Json ? JsonSerializer.Serialize(report, Json) : report.ToText());
        return ExitOk;
    }
}
