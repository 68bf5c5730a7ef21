using System.Text.Json;
using Ledger.Host.Auth;
using Ledger.Host.Verbs;
using Ledger.Host.Tests.Support;
using Ledger.Recalls.Fin;
using static Ledger.Host.Tests.Support.RecallMessages;

namespace Ledger.Host.Tests.Verbs;

/// <summary>
/// <c>ledger recalls send</c> and <c>ledger recalls fetch</c> end to end: the real <c>ledger</c>
/// program as a separate process, a file of FIN messages, a real node on Kestrel with the recall
/// hub's cast (0001 lender, 0002 borrower subscribed; 0003 not).
/// </summary>
[Collection("real-node")]
public sealed class RecallsCommandTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private KestrelNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await KestrelNode.StartAsync(_folder.Path);
        var ct = CancellationToken.None;
        const string op = TokenStore.DemoOperatorToken;
        foreach (var id in new[] { "0001", "0002", "0003" })
            Assert.True((await _node.Client.PutParticipantAsync(op, id, new ParticipantBody($"Firm {id}", 1_000_000m, 0m, true, false), ct)).Ok);
        Assert.True((await _node.Client.SendAsync<JsonElement>(HttpMethod.Put, "/v1/recall-hub/subscribers/0001", op, new { address = LenderAddress }, true, ct)).Ok);
        Assert.True((await _node.Client.SendAsync<JsonElement>(HttpMethod.Put, "/v1/recall-hub/subscribers/0002", op, new { address = BorrowerAddress }, true, ct)).Ok);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<List<JsonElement>> MailboxAsync(string participant)
    {
        var answer = await _node.Client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/recall-hub/mailbox/{participant}", $"participant-{participant}", null, true, CancellationToken.None);
        Assert.True(answer.Ok, answer.Describe());
        return answer.Value.GetProperty("entries").EnumerateArray().ToList();
    }

    [Fact]
    public async Task Send_answers_each_message_of_a_file_in_a_line_and_a_rerun_sends_nothing_twice_then_fetch_retrieves_the_mailbox()
    {
        var file = Path.Combine(_folder.Path, "recalls.fin");
        await File.WriteAllTextAsync(file, string.Join("\r\n$\r\n",
            Recall("CLI-1"),
            Recall("CLI-2", kind: "RECALL/COMP"),
            Recall("CLI-3", to: "NOSBUS33XXXX"),
            "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:23:RECALL/PART\r\n-}"));

        var (exit, output, error) = await LedgerCommand.RunAsync(_folder.Path, ["recalls", "send", "--file", file, "--url", _node.Url, "--token", "participant-0001"]);

        Assert.True(exit == 0, string.Join("\n", error));
        Assert.Equal(4, output.Count);
        Assert.Matches("^0002[0-9]{12},available,$", output[0]);
        Assert.Matches("^0002[0-9]{12},available,$", output[1]);
        Assert.Matches("^0001[0-9]{12},rejected,receiver-subscribed$", output[2]);
        Assert.Equal(",refused,message-format", output[3]);
        Assert.Equal(2, (await MailboxAsync(Borrower)).Count);

        // Run again: every answer from the progress file, nothing sent. Without it: sent again, answered the same, delivered once.
        var rerun = await LedgerCommand.RunAsync(_folder.Path, ["recalls", "send", "--file", file, "--url", _node.Url, "--token", "participant-0001"]);
        Assert.Equal(0, rerun.ExitCode);
        Assert.Equal(output, rerun.Output);
        Assert.Contains(rerun.Error, l => l.Contains("Resuming after message 4 of 4", StringComparison.Ordinal));
        File.Delete(file + ".progress");
        var fresh = await LedgerCommand.RunAsync(_folder.Path, ["recalls", "send", "--file", file, "--url", _node.Url, "--token", "participant-0001"]);
        Assert.Equal(output, fresh.Output);
        Assert.Equal(2, (await MailboxAsync(Borrower)).Count);

        var fetched = Path.Combine(_folder.Path, "mailbox-0002.fin");
        var fetch = await LedgerCommand.RunAsync(_folder.Path, ["recalls", "fetch", "--participant", "0002", "--out", fetched, "--url", _node.Url]);
        Assert.True(fetch.ExitCode == 0, string.Join("\n", fetch.Error));
        var messages = FinFile.Split(await File.ReadAllTextAsync(fetched));
        Assert.Equal(2, messages.Count);
        Assert.EndsWith(RecallBlock4("CLI-1"), messages[0], StringComparison.Ordinal);
        Assert.EndsWith(RecallBlock4("CLI-2", kind: "RECALL/COMP"), messages[1], StringComparison.Ordinal);
        Assert.All(await MailboxAsync(Borrower), e => Assert.True(e.GetProperty("retrieved").GetBoolean()));
        // Nothing waits any more: a second fetch writes an empty file.
        var again = await LedgerCommand.RunAsync(_folder.Path, ["recalls", "fetch", "--participant", "0002", "--out", fetched, "--url", _node.Url]);
        Assert.Equal(0, again.ExitCode);
        Assert.Empty(FinFile.Split(await File.ReadAllTextAsync(fetched)));
        // One retrieval receipt per message retrieved, in the lender's mailbox.
        for (var deadline = DateTime.UtcNow.AddSeconds(20); (await MailboxAsync(Lender)).Count(e => e.GetProperty("kind").GetString() == "retrieval-receipt") < 2; await Task.Delay(100))
            Assert.True(DateTime.UtcNow < deadline, "the retrieval receipts did not come within 20 s");
        Assert.Equal(2, (await MailboxAsync(Lender)).Count(e => e.GetProperty("kind").GetString() == "retrieval-receipt"));
    }

    [Fact]
    public async Task A_fetch_by_another_firm_is_refused_and_retrieves_nothing()
    {
        var sent = await _node.Client.SendAsync<JsonElement>(HttpMethod.Post, "/v1/recall-hub/messages", "participant-0001", new { message = Recall("CLI-F1") }, true, CancellationToken.None);
        Assert.True(sent.Ok, sent.Describe());

        var fetch = await LedgerCommand.RunAsync(_folder.Path, ["recalls", "fetch", "--participant", "0002", "--out", Path.Combine(_folder.Path, "x.fin"), "--url", _node.Url, "--token", "participant-0003"]);

        Assert.Equal(1, fetch.ExitCode);
        Assert.Contains(fetch.Error, l => l.Contains("own-participant", StringComparison.Ordinal));
        Assert.All(await MailboxAsync(Borrower), e => Assert.False(e.GetProperty("retrieved").GetBoolean()));
    }
}
