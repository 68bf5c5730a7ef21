using System.Globalization;
using System.Text.Json;
using Ledger.Host.Auth;
using Spectre.Console;
using static Ledger.Host.Verbs.Terminal;

namespace Ledger.Host.Verbs;

/// <summary>
/// The recall hub's part of the demo day, through the public API: the operator subscribes the
/// firms of a few of the day's settled loans (one borrower left out) and files DEMOVEND's letter for
/// one borrower; each lender sends an MT 526 recall of half its loan; one goes to the firm left out
/// and is rejected back; one is sent again (same control number) and once with other bytes
/// (refused); the borrowers retrieve their recalls (one through the vendor); then every lender's
/// acknowledgements, retrieval receipts and rejects by rule are printed.
/// </summary>
public sealed class DemoRecalls(LedgerClient client, IAnsiConsole console)
{
    /// <summary>Loans whose firms take part.</summary>
    public const int LoansUsed = 5;

    private const string Operator = TokenStore.DemoOperatorToken;

    /// <summary>A participant's demo address: its four digits as letters (0123 is ABCD), then US33.</summary>
    public static string AddressOf(string participant) => string.Concat(participant.Select(d => (char)('A' + (d - '0')))) + "US33";

    /// <summary>An MT 526 recall notice of <paramref name="shares"/> shares of <paramref name="cusip"/> under loan <paramref name="loanId"/>.</summary>
    public static string Recall(string reference, string lender, string borrower, string loanId, string cusip, long shares, string kind = "RECALL/PART") =>
        "{1:F01" + AddressOf(lender) + "AXXX0000000001}{2:I526" + AddressOf(borrower) + "XXXXN}{4:\r\n" +
        ":20:" + reference + "\r\n" +
        ":23:" + kind + "\r\n" +
        ":21:" + loanId[..Math.Min(16, loanId.Length)] + "\r\n" +
        ":35B:/US/" + cusip + "\r\n" +
        ":36:SHS" + shares.ToString(CultureInfo.InvariantCulture) + ",\r\n" +
        "-}";

    public async Task RunAsync(DemoPlan plan, IEnumerable<DemoOrder> orders, CancellationToken ct)
    {
        var settled = orders.Where(o => o.Leg == DemoLeg.BorrowerLeg && o.Latest?.Status == "completed").Select(o => o.Loan)
            .Where(l => l.Lender != l.Borrower).DistinctBy(l => l.Borrower).Take(LoansUsed).ToList();
        if (settled.Count < 2)
        {
            console.MarkupLine("Recall hub: too few settled loans today to send recalls for");
            return;
        }
        var leftOut = settled[^1].Borrower;
        var firms = settled.SelectMany(l => new[] { l.Lender, l.Borrower }).Distinct().Where(f => f != leftOut || settled.Any(l => l.Lender == f)).ToList();
        foreach (var firm in firms)
            Expect(await client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/recall-hub/subscribers/{firm}", Operator, new { address = AddressOf(firm), vendor = (string?)null }, true, ct), $"PUT /v1/recall-hub/subscribers/{firm}");
        var vendored = settled[0].Borrower;
        Expect(await client.SendAsync<JsonElement>(HttpMethod.Put, $"/v1/recall-hub/vendors/{TokenStore.DemoVendor}", Operator,
            new { name = "Demo Vendor", authorizedParticipants = new[] { vendored } }, true, ct), $"PUT /v1/recall-hub/vendors/{TokenStore.DemoVendor}");
        console.MarkupLine($"Recall hub: {N(firms.Count)} firms subscribed ({E(string.Join(", ", firms.Select(f => $"{f} {AddressOf(f)}")))}); " +
                           $"{E(TokenStore.DemoVendor)} holds {vendored}'s letter; {leftOut} is not subscribed");

        var lines = new List<(string Lender, string Line)>();
        var sent = new List<(DemoLoan Loan, string ControlNumber, string Status, string? Rule)>();
        foreach (var loan in settled)
        {
            var reference = $"{plan.Prefix}-R{loan.Number:D5}";
            var text = Recall(reference, loan.Lender, loan.Borrower, loan.LenderLeg.Id, loan.LenderLeg.Cusip, Math.Max(1, loan.LenderLeg.Shares / 2));
            var answer = await SendAsync(loan.Lender, text, ct);
            sent.Add((loan, answer.ControlNumber, answer.Status, answer.Rule));
            lines.Add((loan.Lender, $"MT 526 {reference} {loan.Lender} -> {loan.Borrower}: {answer.ControlNumber} {answer.Status}{(answer.Rule is null ? "" : $" ({answer.Rule})")}"));
        }
        // Sent again with the same bytes: the same control number, one copy. Under the same reference with other bytes: refused.
        var first = settled[0];
        var firstReference = $"{plan.Prefix}-R{first.Number:D5}";
        var again = await SendAsync(first.Lender, Recall(firstReference, first.Lender, first.Borrower, first.LenderLeg.Id, first.LenderLeg.Cusip, Math.Max(1, first.LenderLeg.Shares / 2)), ct);
        lines.Add((first.Lender, $"MT 526 {firstReference} sent again: {again.ControlNumber} {again.Status} (the same control number)"));
        var other = await client.SendAsync<JsonElement>(HttpMethod.Post, "/v1/recall-hub/messages", Token(first.Lender),
            new { message = Recall(firstReference, first.Lender, first.Borrower, first.LenderLeg.Id, first.LenderLeg.Cusip, first.LenderLeg.Shares, "RECALL/COMP") }, true, ct);
        lines.Add((first.Lender, $"MT 526 {firstReference} with other bytes: HTTP {other.Code} {other.Problem?.Rule}"));

        // The borrowers retrieve their recalls (the first through its vendor).
        foreach (var (loan, controlNumber, _, _) in sent.Where(s => s.Status == "available"))
        {
            var token = loan.Borrower == vendored ? TokenStore.DemoVendorToken : Token(loan.Borrower);
            Expect(await client.SendAsync<JsonElement>(HttpMethod.Post, $"/v1/recall-hub/mailbox/{loan.Borrower}/{controlNumber}/retrieve", token, null, true, ct),
                $"retrieve {controlNumber}");
        }
        foreach (var line in lines) console.MarkupLine("  " + E(line.Line));

        // What the lenders find in their mailboxes once every receipt is in.
        var lenders = settled.Select(l => l.Lender).Distinct().ToList();
        var expectedReceipts = sent.Count(s => s.Status == "available");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        Dictionary<string, int> kinds;
        while (true)
        {
            kinds = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var lender in lenders)
            {
                var mailbox = Expect(await client.SendAsync<JsonElement>(HttpMethod.Get, $"/v1/recall-hub/mailbox/{lender}?limit=1000", Token(lender), null, true, ct), $"GET /v1/recall-hub/mailbox/{lender}");
                foreach (var entry in mailbox.GetProperty("entries").EnumerateArray())
                {
                    var kind = entry.GetProperty("kind").GetString()!;
                    kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                }
            }
            if (kinds.GetValueOrDefault("retrieval-receipt") >= expectedReceipts || DateTime.UtcNow > deadline) break;
            await Task.Delay(200, ct);
        }
        var rejects = sent.Where(s => s.Status == "rejected").GroupBy(s => s.Rule).Select(g => $"{g.Count()} {g.Key}");
        console.MarkupLine($"Lenders' mailboxes: {N(kinds.GetValueOrDefault("acknowledgement"))} acknowledgements, {N(kinds.GetValueOrDefault("retrieval-receipt"))} retrieval receipts, " +
                           $"{N(kinds.GetValueOrDefault("reject"))} rejects ({E(string.Join(", ", rejects))})");
    }

    private static string Token(string participant) => TokenStore.DemoParticipantTokenPrefix + participant;

    private async Task<(string ControlNumber, string Status, string? Rule)> SendAsync(string lender, string text, CancellationToken ct)
    {
        var answer = Expect(await client.SendAsync<JsonElement>(HttpMethod.Post, "/v1/recall-hub/messages", Token(lender), new { message = text }, true, ct), "POST /v1/recall-hub/messages");
        var rule = answer.GetProperty("rule");
        return (answer.GetProperty("controlNumber").GetString()!, answer.GetProperty("status").GetString()!, rule.ValueKind == JsonValueKind.Null ? null : rule.GetString());
    }

    private static T Expect<T>(ApiResult<T> result, string what) =>
        result.Ok ? result.Value! : throw new DemoFailedException($"{what}: {result.Describe()}");
}
