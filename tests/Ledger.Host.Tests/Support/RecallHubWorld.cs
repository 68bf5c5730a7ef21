using System.Collections.Concurrent;
using System.Text.Json;

namespace Ledger.Host.Tests.Support;

/// <summary>FIN messages as lenders and borrowers write them (recall-hub.md section 7's cast).</summary>
public static class RecallMessages
{
    public const string Lender = "0001";
    public const string Borrower = "0002";
    public const string NotSubscribed = "0003";
    public const string Third = "0004";
    public const string LenderAddress = "LENDUS33XXX";
    public const string BorrowerAddress = "BORRUS33XXX";
    public const string NotSubscribedAddress = "NOSBUS33XXX";
    public const string ThirdAddress = "THRDUS33";

    /// <summary>Block 4 of <see cref="Recall"/>, exactly: the hub must carry it byte for byte.</summary>
    public static string RecallBlock4(string reference, string kind = "RECALL/PART", string shares = "500,") =>
        "{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":23:" + kind + "\r\n" +
        ":21:LOAN778812\r\n" +
        ":35B:ISIN US0378331005\r\n" +
        "APPLE INC COMMON STOCK\r\n" +
        ":36:SHS" + shares + "\r\n" +
        ":30:261203\r\n" +
        ":72:/RECALL/PARTIAL RECALL OF LOAN\r\n" +
        "//LOAN 778812 OPENED 2026-11-02\r\n" +
        "-}";

    /// <summary>An MT 526 recall notice, lender to borrower (the plain layout of block 4).</summary>
    public static string Recall(string reference, string from = "LENDUS33AXXX", string to = "BORRUS33XXXX", string kind = "RECALL/PART", string shares = "500,") =>
        "{1:F01" + from + "0000000001}{2:I526" + to + "N}" + RecallBlock4(reference, kind, shares);

    /// <summary>An MT 516 loan confirmation answering a recall, borrower to lender.</summary>
    public static string Confirmation(string reference, string related, string from = "BORRUS33AXXX", string to = "LENDUS33XXXX") =>
        "{1:F01" + from + "0000000003}{2:I516" + to + "N}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":21:" + related + "\r\n" +
        ":23:RECALL\r\n" +
        ":35B:ISIN US0378331005\r\n" +
        ":36:SHS500,\r\n" +
        "-}";

    /// <summary>An MT 592 cancellation of an earlier message (field 21 names its field 20).</summary>
    public static string Cancel(string reference, string cancels, string from = "LENDUS33AXXX", string to = "BORRUS33XXXX") =>
        "{1:F01" + from + "0000000002}{2:I592" + to + "N}{3:{108:CNLREF1}}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":21:" + cancels + "\r\n" +
        ":11S:526\r\n" +
        "261201\r\n" +
        ":79:PLEASE CANCEL OUR RECALL NOTICE\r\n" +
        "-}{5:{CHK:0123456789AB}}";

    /// <summary>An MT 540 (receive free) in the qualifier layout: a type the hub does not carry.</summary>
    public static string ReceiveFree(string reference, string from = "LENDUS33AXXX", string to = "BORRUS33XXXX") =>
        "{1:F01" + from + "0000000004}{2:I540" + to + "N}{4:\r\n" +
        ":16R:GENL\r\n" +
        ":20C::SEME//" + reference + "\r\n" +
        ":23G:NEWM\r\n" +
        ":16S:GENL\r\n" +
        "-}";

    public static string Body(string message) => JsonSerializer.Serialize(new { message });

    /// <summary>A sender reference no other test uses: 16 characters at most.</summary>
    public static string FreshReference(string prefix) => prefix + Guid.NewGuid().ToString("N")[..(16 - prefix.Length)].ToUpperInvariant();
}

/// <summary>
/// A real node with the recall hub's cast: participants 0001 to 0004 set up in settlement; lender
/// 0001 (LENDUS33XXX), borrower 0002 (BORRUS33XXX, vendor DEMOVEND) and 0004 (THRDUS33) subscribed;
/// 0003 set up but not subscribed; vendor DEMOVEND holding 0002's letter. Every status message any
/// test retrieves is kept for the independent parser check.
/// </summary>
public sealed class RecallHubWorld : IAsyncLifetime
{
    private readonly TempFolder _folder = new();

    /// <summary>Every status message (MT 548) retrieved through HTTP in this test run, with what the hub meant by it.</summary>
    public static readonly ConcurrentDictionary<string, StatusMeant> StatusMessages = new(StringComparer.Ordinal);

    public RealNode Node { get; private set; } = null!;

    public ApiHost Api => Node.Api;

    public async Task InitializeAsync()
    {
        Node = await RealNode.StartAsync(_folder.Path, o => o with { RecycleCutoffLocalTime = null });
        await SetUpAsync(Api);
    }

    public static async Task SetUpAsync(ApiHost api)
    {
        foreach (var id in new[] { "0001", "0002", "0003", "0004" })
        {
            await (await api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", "operator-demo",
                $$"""{"name":"Firm {{id}}","netDebitCap":1000000,"participantsFund":100000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        }
        await (await api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0001", "operator-demo", """{"address":"LENDUS33XXX","vendor":null}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0002", "operator-demo", """{"address":"BORRUS33XXX","vendor":"DEMOVEND"}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0004", "operator-demo", """{"address":"THRDUS33"}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Put, "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":["0002"]}""")).AssertOk();
    }

    public Task<HttpResponseMessage> SendAsync(string token, string message) =>
        Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", token, RecallMessages.Body(message));

    /// <summary>Sends and expects the hub to take it: 200 with a control number.</summary>
    public async Task<(string ControlNumber, string Status, string? Rule)> TakenAsync(string token, string message)
    {
        var answer = await (await SendAsync(token, message)).AssertOk();
        var rule = answer.GetProperty("rule");
        return (answer.GetProperty("controlNumber").GetString()!, answer.GetProperty("status").GetString()!,
            rule.ValueKind == JsonValueKind.Null ? null : rule.GetString());
    }

    public async Task<List<JsonElement>> MailboxAsync(string participant, string? token = null)
    {
        var entries = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var path = $"/v1/recall-hub/mailbox/{participant}?limit=1000" + (after is null ? "" : $"&after={after}");
            var page = (await (await Api.SendAsync(HttpMethod.Get, path, token ?? $"participant-{participant}")).AssertOk()).GetProperty("entries").EnumerateArray().ToList();
            entries.AddRange(page);
            if (page.Count < 1000) return entries;
            after = page[^1].GetProperty("controlNumber").GetString();
        }
    }

    /// <summary>Retrieves an entry; a status message is kept for the parser check, with what it must say.</summary>
    public async Task<JsonElement> RetrieveAsync(string participant, string controlNumber, string? token = null)
    {
        var answer = await (await Api.SendAsync(HttpMethod.Post, $"/v1/recall-hub/mailbox/{participant}/{controlNumber}/retrieve", token ?? $"participant-{participant}")).AssertOk();
        if (answer.GetProperty("kind").GetString() != "message")
        {
            var entry = (await MailboxAsync(participant, token)).Single(e => e.GetProperty("controlNumber").GetString() == controlNumber);
            StatusMessages[answer.GetProperty("message").GetString()!] =
                new StatusMeant(participant, token ?? $"participant-{participant}", controlNumber, answer.GetProperty("kind").GetString()!, entry.GetProperty("relatesTo").GetString()!);
        }
        return answer;
    }

    /// <summary>Waits (at most 20 s) until <paramref name="participant"/>'s mailbox satisfies <paramref name="done"/>.</summary>
    public async Task<List<JsonElement>> EventuallyAsync(string participant, Func<List<JsonElement>, bool> done, string what)
    {
        List<JsonElement> last = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            last = await MailboxAsync(participant);
            if (done(last)) return last;
        }
        throw new Xunit.Sdk.XunitException($"{what} did not happen within 20 s; mailbox {participant}: {string.Join("\n", last)}");
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>What a status message retrieved from <see cref="Participant"/>'s mailbox must say.</summary>
public sealed record StatusMeant(string Participant, string Token, string ControlNumber, string Kind, string RelatesTo);
