using Ledger.Cluster;
using Ledger.Settlement;
using Ledger.Host.Verbs;
using Ledger.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Host.Tests.Verbs;

/// <summary>Every account event is chained to the one before it; `ledger verify` catches a journal row edited by hand.</summary>
[Collection("real-node")]
public sealed class VerifyCommandTests
{
    private static readonly Cusip Apple = new("037833100");

    private static async Task RunDay(string folder)
    {
        await using var node = await LedgerNode.StartAsync(new LedgerNodeOptions { DataDir = folder, ResendInterval = TimeSpan.FromMilliseconds(200) },
            NullLoggerFactory.Instance, CancellationToken.None);
        var ledger = node.Ledger;
        foreach (var (id, cap, fund) in new[] { ("0001", 1_000_000m, 0m), ("0002", 1_000_000m, 50_000m) })
        {
            Assert.True((await ledger.PutParticipantAsync(new ParticipantRecord(new ParticipantId(id), "P" + id, Money.FromDollars(cap), Money.FromDollars(fund), false, false), default)).Ok);
        }
        await ledger.PutSecurityAsync(Apple, Money.FromDollars(100m), 0.10m, default);
        await ledger.DepositAsync(new ParticipantId("0001"), Apple, 1_000, default);
        var results = await ledger.SubmitAsync([new DeliverOrderRequest("DO-1", "0001", "0002", Apple.Value, 1_000, 100_000m, "SL")], default);
        Assert.True(results[0].Accepted);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await ledger.DeliverOrderAsync(new DeliverOrderId("DO-1"), default))?.Status != "completed")
        {
            Assert.True(DateTime.UtcNow < deadline, "DO-1 did not complete");
            await Task.Delay(50);
        }
        await Task.Delay(300); // the deliverer's commit follows the receiver's completion
    }

    private static async Task<(int Exit, string Output)> Verify(string folder, string? participant = null)
    {
        var output = new StringWriter();
        var exit = await VerifyCommand.RunAsync(new StoreSettings(StoreConfig.Sqlite, null, folder), participant is null ? null : new ParticipantId(participant),
            output, new StringWriter(), CancellationToken.None);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task An_untouched_journal_verifies_and_a_row_edited_by_hand_is_named()
    {
        using var folder = new Ledger.Host.Tests.Support.TempFolder();
        await RunDay(folder.Path);

        var (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitOk, exit);
        Assert.Contains("OK   account-0002", output, StringComparison.Ordinal);

        // Raise the receive's amount by one cent in the stored row, as a hand edit would.
        long sequenceNr;
        using (var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder.Path)))
        {
            connection.Open();
            using var find = connection.CreateCommand();
            find.CommandText = "SELECT sequence_number FROM journal WHERE persistence_id = 'account-0002' AND manifest = 'account.receive-completed.v2'";
            sequenceNr = (long)find.ExecuteScalar()!;
            using var edit = connection.CreateCommand();
            edit.CommandText = """
                UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"amountCents":10000000', '"amountCents":10000001') AS BLOB)
                WHERE persistence_id = 'account-0002' AND sequence_number = $seq
                """;
            edit.Parameters.AddWithValue("$seq", sequenceNr);
            Assert.Equal(1, edit.ExecuteNonQuery());
        }
        SqliteConnection.ClearAllPools();

        (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.Contains($"FAIL account-0002: event {sequenceNr} (account.receive-completed.v2)", output, StringComparison.Ordinal);
        Assert.Contains("OK   account-0001", output, StringComparison.Ordinal);

        (exit, _) = await Verify(folder.Path, "0001");
        Assert.Equal(VerifyCommand.ExitOk, exit);
    }
}
