using System.CommandLine;
using System.Text.Json;
using Ledger.Cluster.Explain;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;

namespace Ledger.Host.Verbs;

/// <summary>What <c>ledger explain</c> was asked to do.</summary>
public sealed record ExplainOptions
{
    public required string DeliverOrderId { get; init; }
    public bool Json { get; init; }
    public string DataDir { get; init; } = "./data";
    public string Store { get; init; } = StoreConfig.Sqlite;
    public string? Connection { get; init; }
}

/// <summary>
/// <c>ledger explain --deliver-order ID</c>: tells a deliver order's life from the journals alone
/// (no node needed, nothing written): each check with the numbers it was decided on, each pend,
/// recycle, look-ahead, reclaim, and the final state. Text for people, or JSON.
/// </summary>
public static class ExplainCommand
{
    public const int ExitOk = 0;
    public const int ExitBadInput = 1;
    public const int ExitStoreUnreadable = 3;
    public const int ExitUnknownDeliverOrder = 4;

    private static readonly JsonSerializerOptions Json = new(LedgerApi.Json) { WriteIndented = true };

    public static Command Build()
    {
        var id = new Option<string>("--deliver-order") { Description = "The deliver order to explain", HelpName = "ID" };
        var income = new Option<string?>("--income") { Description = "An income entry to explain instead (with --participant): the record-date line, what made it, the arithmetic", HelpName = "ENTRY" };
        var participant = new Option<string?>("--participant") { Description = "Whose income entry (--income): explained from that participant's own memo journal", HelpName = "ID" };
        var format = new Option<string>("--format") { Description = "Sentences for people (text) or the JSON of GET /v1/deliver-orders/{id}/explanation (json)", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var storeOptions = new StoreOptions();
        var (dataDir, store, connection) = (storeOptions.DataDir, storeOptions.Store, storeOptions.Connection);

        var command = new Command("explain", "Tell a deliver order's life from the journal: each check with its numbers, pends, recycles, look-ahead, reclaim, final state")
        {
            id, format, income, participant,
        };
        storeOptions.AddTo(command);
        command.Validators.Add(r =>
        {
            if ((r.GetResult(id)?.Tokens.Count > 0) == (r.GetResult(income)?.Tokens.Count > 0)) r.AddError("give --deliver-order ID or --income ENTRY --participant ID");
            if (r.GetResult(id)?.Tokens.FirstOrDefault()?.Value is { } value && !DeliverOrderId.IsValid(value))
                r.AddError($"--deliver-order '{value}' is not a deliver order id (1 to {DeliverOrderId.LengthMax} letters, digits, '-', '_', '.' or ':')");
        });
        command.SetAction((parse, ct) => parse.GetValue(income) is { } entry
            ? IncomeCommands.ExplainAsync(new StoreSettings(parse.GetValue(store)!, parse.GetValue(connection), parse.GetValue(dataDir)!), parse.GetValue(participant) ?? "",
                entry, parse.GetValue(format) == "json", parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct)
            : RunAsync(new ExplainOptions
        {
            DeliverOrderId = parse.GetValue(id)!,
            Json = parse.GetValue(format) == "json",
            DataDir = parse.GetValue(dataDir)!,
            Store = parse.GetValue(store)!,
            Connection = parse.GetValue(connection),
        }, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(ExplainOptions options, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!DeliverOrderId.IsValid(options.DeliverOrderId))
        {
            await error.WriteLineAsync($"ledger explain: --deliver-order '{options.DeliverOrderId}' is not a deliver order id");
            return ExitBadInput;
        }
        DeliverOrderExplanation? explanation;
        try
        {
            explanation = await ExplainReader.ExplainStoreAsync(new StoreSettings(options.Store, options.Connection, options.DataDir),
                new DeliverOrderId(options.DeliverOrderId), ct);
        }
        catch (Exception e) when (e is ReplayStoreException or ArgumentException)
        {
            await error.WriteLineAsync($"ledger explain: {e.Message}");
            return ExitStoreUnreadable;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"ledger explain: the journal could not be read: {e.GetBaseException().Message}");
            return ExitStoreUnreadable;
        }
        if (explanation is null)
        {
            await error.WriteLineAsync($"ledger explain: there is no deliver order {options.DeliverOrderId} in this journal");
            return ExitUnknownDeliverOrder;
        }
        await output.WriteLineAsync(options.Json ? JsonSerializer.Serialize(explanation, Json) : explanation.ToText());
        return ExitOk;
    }
}
