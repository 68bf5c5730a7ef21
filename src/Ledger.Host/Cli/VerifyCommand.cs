using System.CommandLine;
using Ledger.Cluster.Replay;
using Ledger.Cluster.Verify;
using Ledger.Domain;
using Ledger.Journal;

namespace Ledger.Host.Verbs;

/// <summary>
/// <c>ledger verify [--participant P]</c>: checks the hash chain of every account journal in the
/// store (or one), names the first event that does not match, and exits 1 when any chain fails.
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
        var command = new Command("verify", "Check the hash chain of every account journal; name the first event that does not match")
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
        IReadOnlyList<AccountVerification> results;
        try
        {
            results = await JournalVerifier.VerifyAsync(JournalTable.Of(store), participant, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync($"ledger verify: the journal could not be read: {e.GetBaseException().Message}");
            return ExitStoreUnreadable;
        }
        foreach (var r in results)
        {
            var line = r switch
            {
                { Unreadable: { } why } => $"FAIL {r.PersistenceId}: {why}",
                { Break: { Stored: null } b } => $"FAIL {r.PersistenceId}: event {b.SequenceNr} ({b.Manifest}) carries no chain (stripped, or written before Ledger chained its events)",
                { Break: { } b } => $"FAIL {r.PersistenceId}: event {b.SequenceNr} ({b.Manifest}) does not match its chain: stored {b.Stored}, its bytes give {b.Computed}",
                _ => $"OK   {r.PersistenceId}: {r.Events} events",
            };
            await output.WriteLineAsync(line);
        }
        var failed = results.Count(r => !r.Ok);
        await output.WriteLineAsync(failed == 0
            ? $"{results.Count} account journals verified"
            : $"{failed} of {results.Count} account journals fail verification");
        return failed == 0 ? ExitOk : ExitChainBroken;
    }
}
