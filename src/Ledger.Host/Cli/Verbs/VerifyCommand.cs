using System.CommandLine;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Journal;

namespace Ledger.Host.Verbs;

/// <summary>
/// <c>ledger verify [--participant P]</c>: checks every journal the ledger writes (accounts,
/// deliver-order index buckets, the reference data), or one account's: consecutive events, each
/// readable and matching its hash chain. Names the first missing, unreadable or not matching event
/// of each journal, and exits 1 when any journal has one.
/// </summary>
public static class VerifyCommand
{
    public const int ExitOk = 0;
    public const int ExitChainBroken = 1;
    public const int ExitStoreUnreadable = 3;

    public static Command Build()
    {
        var participant = new Option<string?>("--participant") { Description = "Check one account only", HelpName = "P" };
        var storeOptions = new StoreOptions();
        var (dataDir, store, connection) = (storeOptions.DataDir, storeOptions.Store, storeOptions.Connection);
        var command = new Command("verify",
            "Check every journal the ledger writes (accounts, index buckets, reference data): name the first missing, unreadable or not matching event of each")
        {
            participant,
        };
        storeOptions.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetResult(participant)?.Tokens.FirstOrDefault()?.Value is { } value && !ParticipantId.IsValid(value))
                r.AddError($"--participant '{value}' is not a four-digit participant number");
        });
        command.SetAction((parse, ct) => RunAsync(
            new StoreSettings(parse.GetValue(store)!, parse.GetValue(connection), parse.GetValue(dataDir)!),
            parse.GetValue(participant) is { } p ? new ParticipantId(p) : null,
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(StoreSettings store, ParticipantId? participant, TextWriter output, TextWriter error, CancellationToken ct)
    {
        IReadOnlyList<JournalVerification> results;
        try
        {
            results = await JournalVerifier.VerifyAsync(JournalTable.Of(store), participant, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"ledger verify: the journal could not be read: {e.GetBaseException().Message}");
            return ExitStoreUnreadable;
        }
        var ledgers = results.Where(r => r.Checked).ToList();
        foreach (var r in ledgers)
        {
            await output.WriteLineAsync(r switch
            {
                { Finding: { } finding } => $"FAIL {r.PersistenceId}: {finding.Describe()}",
                { UnchainedEvents: 0 } => $"OK   {r.PersistenceId}: {Events(r.Events)}",
                _ when r.UnchainedEvents == r.Events => $"OK   {r.PersistenceId}: {Events(r.Events)}, unchained (written before this journal was chained)",
                _ => $"OK   {r.PersistenceId}: {Events(r.Events)}, the first {r.UnchainedEvents} unchained (written before this journal was chained)",
            });
        }
        var others = results.Count - ledgers.Count;
        if (others > 0)
        {
            // Akka's cluster sharding keeps which entities to restart in journals of its own, written by its own serializers.
            await output.WriteLineAsync($"not checked: {others} journal(s) the ledger does not write (Akka's cluster sharding bookkeeping)");
        }
        var failed = ledgers.Where(r => !r.Ok).ToList();
        var unchained = ledgers.Count(r => r.Ok && r.UnchainedEvents > 0);
        var kinds = $"{Count(ledgers, JournalKind.Account, "account")}, {Count(ledgers, JournalKind.DeliverOrderIndex, "index bucket")}, " +
            $"{Count(ledgers, JournalKind.Reference, "reference journal")}";
        await output.WriteLineAsync(failed.Count == 0
            ? $"{ledgers.Count} journals verified ({kinds}){(unchained > 0 ? $"; {unchained} begin with events written before they were chained" : "")}"
            : $"{failed.Count} of {ledgers.Count} journals fail verification ({string.Join(", ", failed.GroupBy(f => f.Finding!.Name).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"))})");
        return failed.Count == 0 ? ExitOk : ExitChainBroken;
    }

    private static string Events(long n) => n == 1 ? "1 event" : $"{n} events";

    private static string Count(List<JournalVerification> results, JournalKind kind, string noun)
    {
        var n = results.Count(r => r.Kind == kind);
        return n == 1 ? $"1 {noun}" : $"{n} {noun}s";
    }
}
