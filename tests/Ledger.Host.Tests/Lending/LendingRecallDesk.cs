using System.Globalization;
using System.Text.Json;
using Ledger.Host.Tests.Income;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Income.IncomeDesk;

namespace Ledger.Host.Tests.Lending;

/// <summary>
/// What the recall tests do through the real host: subscribe firms to the recall hub, send MT 526
/// recalls and MT 592 cancels as the lender does (its own participant token), and read recalls and
/// exception records.
/// </summary>
public sealed class LendingRecallDesk(RealNode node)
{
    public IncomeDesk Desk { get; } = new(node);

    public RealNode Node => Desk.Node;

    public ApiHost Api => Desk.Api;

    /// <summary>A firm's BIC8: four letters from its number, US, 33 (<c>1701</c> is <c>BHABUS33</c>).</summary>
    public static string Bic8(string participant) => new string(participant.Select(c => (char)('A' + (c - '0'))).ToArray()) + "US33";

    public static string CusipOf(int n)
    {
        var first8 = "RCL" + n.ToString("D5", CultureInfo.InvariantCulture);
        return first8 + Cusip.CheckDigit(first8).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Sets up the firm in settlement and subscribes it to the hub under <see cref="Bic8"/>.</summary>
    public async Task Firm(string participant)
    {
        await Desk.Participant(participant);
        await (await Api.SendAsync(HttpMethod.Put, $"/v1/recall-hub/subscribers/{participant}", Operator, $$"""{"address":"{{Bic8(participant)}}XXX"}""")).AssertOk();
    }

    /// <summary>An MT 526 <c>RECALL/PART</c> from the lender's terminal to the borrower's: field 35B names the CUSIP (<c>/US/</c>), field 36 the shares.</summary>
    public static string Recall526(string reference, string lender, string borrower, string cusip, string shares, string? field30 = null) =>
        "{1:F01" + Bic8(lender) + "AXXX0000000001}{2:I526" + Bic8(borrower) + "XXXXN}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":23:RECALL/PART\r\n" +
        ":35B:/US/" + cusip + "\r\n" +
        "TEST SECURITY\r\n" +
        ":36:SHS" + shares + "\r\n" +
        (field30 is null ? "" : ":30:" + field30 + "\r\n") +
        "-}";

    /// <summary>An MT 592 cancelling the lender's MT 526 <paramref name="cancels"/> (its field 20).</summary>
    public static string Cancel592(string reference, string cancels, string lender, string borrower) =>
        "{1:F01" + Bic8(lender) + "AXXX0000000002}{2:I592" + Bic8(borrower) + "XXXXN}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":21:" + cancels + "\r\n" +
        ":11S:526\r\n" +
        "261201\r\n" +
        ":79:PLEASE CANCEL OUR RECALL NOTICE\r\n" +
        "-}";

    /// <summary>Sends a message as <paramref name="sender"/> and expects the hub to make it available: its control number.</summary>
    public async Task<string> Send(string sender, string message)
    {
        var answer = await (await Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", Token(sender), RecallMessages.Body(message))).AssertOk();
        Assert.Equal("available", answer.GetProperty("status").GetString());
        return answer.GetProperty("controlNumber").GetString()!;
    }

    public async Task<List<JsonElement>> Recalls(string participant, string? state = null, string? token = null) =>
        (await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/recalls" + (state is null ? "" : "?state=" + state), token ?? Token(participant))).AssertOk())
            .GetProperty("recalls").EnumerateArray().ToList();

    /// <summary>Waits until <paramref name="participant"/>'s recalls show <paramref name="controlNumber"/> satisfying <paramref name="done"/>.</summary>
    public async Task<JsonElement> RecallBecomes(string participant, string controlNumber, Func<JsonElement, bool> done, string what)
    {
        var list = await Node.EventuallyAsync($"/v1/participants/{participant}/recalls", Token(participant),
            v => v.GetProperty("recalls").EnumerateArray().Any(r => r.GetProperty("controlNumber").GetString() == controlNumber && done(r)), what);
        return list.GetProperty("recalls").EnumerateArray().Single(r => r.GetProperty("controlNumber").GetString() == controlNumber);
    }

    public async Task<List<JsonElement>> Exceptions(string participant, string? token = null) =>
        (await (await Api.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/loan-exceptions", token ?? Token(participant))).AssertOk())
            .GetProperty("exceptions").EnumerateArray().ToList();

    /// <summary>Waits until <paramref name="participant"/>'s exception records list <paramref name="id"/>.</summary>
    public async Task<JsonElement> ExceptionListed(string participant, string id)
    {
        var list = await Node.EventuallyAsync($"/v1/participants/{participant}/loan-exceptions", Token(participant),
            v => v.GetProperty("exceptions").EnumerateArray().Any(e => e.GetProperty("id").GetString() == id), $"exception {id} listed for {participant}");
        return list.GetProperty("exceptions").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
    }

    /// <summary>Opens a loan: an SL deliver order of <paramref name="shares"/> at $102 a share, completed, and listed for the lender.</summary>
    public async Task Loan(string id, string lender, string borrower, string cusip, long shares)
    {
        await Desk.Submit($$"""{"id":"{{id}}","deliverer":"{{lender}}","receiver":"{{borrower}}","cusip":"{{cusip}}","shares":{{shares}},"amount":{{shares * 102}},"reasonCode":"SL"}""");
        await Desk.Status(id, lender, "completed");
        await Node.EventuallyAsync($"/v1/loans/{id}", Token(lender), _ => true, $"loan {id} opened");
    }

    /// <summary>A return: an SLR deliver order, borrower to lender, completed.</summary>
    public async Task Return(string id, string borrower, string lender, string cusip, long shares, long amountDollars)
    {
        await Desk.Submit(Order(id, borrower, lender, cusip, shares, amountDollars.ToString(CultureInfo.InvariantCulture), "SLR"));
        await Desk.Status(id, borrower, "completed");
    }
}
