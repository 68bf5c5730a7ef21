using System.Text.Json;
using Ledger.Host.Tests.Support;
using static Ledger.Host.Tests.Support.RecallMessages;

namespace Ledger.Host.Tests.Recalls;

/// <summary>
/// The worked scenarios and rules of recall-hub.md through the public API on a real node (SQLite
/// in a temporary folder): routing, acknowledgements, retrieval receipts, rejects by rule,
/// idempotent resends, vendors, traces and the eligibility file, and the issue's bad inputs, each
/// answered clearly and changing nothing else.
/// </summary>
[Collection("real-node")]
public sealed class RecallHubHttpTests(RecallHubWorld world) : IClassFixture<RecallHubWorld>
{
    private const string L = "participant-0001";
    private const string B = "participant-0002";
    private const string N = "participant-0003";
    private const string Vendor = "vendor-demo";

    private static string Kind(JsonElement e) => e.GetProperty("kind").GetString()!;

    private static string? Str(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    [Fact]
    public async Task Scenario_1_and_2_a_recall_is_made_available_acknowledged_retrieved_once_with_one_receipt_and_block_4_unchanged()
    {
        var reference = FreshReference("S1-");
        var (controlNumber, status, rule) = await world.TakenAsync(L, Recall(reference));

        Assert.Equal(("available", (string?)null), (status, rule));
        Assert.Matches("^0002[0-9]{12}$", controlNumber); // allocated by the receiver's mailbox
        var lender = await world.EventuallyAsync(Lender, m => m.Any(e => Kind(e) == "acknowledgement" && Str(e, "relatesTo") == controlNumber), "the acknowledgement");
        var acknowledgement = lender.Single(e => Kind(e) == "acknowledgement" && Str(e, "relatesTo") == controlNumber);
        Assert.Equal("548", Str(acknowledgement, "messageType"));
        Assert.Null(Str(acknowledgement, "sender"));

        var borrower = await world.MailboxAsync(Borrower);
        var entry = borrower.Single(e => Str(e, "controlNumber") == controlNumber);
        Assert.Equal(("message", "526", "0001", false), (Kind(entry), Str(entry, "messageType"), Str(entry, "sender"), entry.GetProperty("retrieved").GetBoolean()));

        var first = await world.RetrieveAsync(Borrower, controlNumber);
        var text = first.GetProperty("message").GetString()!;
        Assert.StartsWith("{1:F01BORRUS33XXXX", text, StringComparison.Ordinal); // delivered to the receiver's terminal
        Assert.Contains("{2:O526", text, StringComparison.Ordinal);
        Assert.Contains("LENDUS33AXXX", text, StringComparison.Ordinal); // the output header names the sender
        Assert.EndsWith(RecallBlock4(reference), text, StringComparison.Ordinal);
        await world.EventuallyAsync(Lender, m => m.Count(e => Kind(e) == "retrieval-receipt" && Str(e, "relatesTo") == controlNumber) == 1, "the retrieval receipt");

        var again = await world.RetrieveAsync(Borrower, controlNumber);
        Assert.Equal(text, again.GetProperty("message").GetString());
        var trace = await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{controlNumber}/trace", L)).AssertOk();
        Assert.Equal(["received", "made-available", "acknowledgement", "retrieved", "retrieval-receipt"],
            trace.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("what").GetString()));
        Assert.Equal(1, (await world.MailboxAsync(Lender)).Count(e => Kind(e) == "retrieval-receipt" && Str(e, "relatesTo") == controlNumber));
        Assert.True((await world.MailboxAsync(Borrower)).Single(e => Str(e, "controlNumber") == controlNumber).GetProperty("retrieved").GetBoolean());
    }

    [Fact]
    public async Task Scenario_3_a_message_to_an_unsubscribed_address_is_rejected_back_with_receiver_subscribed_and_reaches_nobody()
    {
        var before = await world.MailboxAsync(NotSubscribed);
        var (controlNumber, status, rule) = await world.TakenAsync(L, Recall(FreshReference("S3-"), to: "NOSBUS33XXXX"));

        Assert.Equal(("rejected", "receiver-subscribed"), (status, rule));
        Assert.Matches("^0001[0-9]{12}$", controlNumber); // numbered by the sender's mailbox, where the reject lands
        var reject = (await world.MailboxAsync(Lender)).Single(e => Kind(e) == "reject" && Str(e, "relatesTo") == controlNumber);
        var advice = await world.RetrieveAsync(Lender, Str(reject, "controlNumber")!);
        Assert.Contains(":70D::REAS//receiver-subscribed", advice.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.Count, (await world.MailboxAsync(NotSubscribed)).Count);
        var trace = await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{controlNumber}/trace", "operator-demo")).AssertOk();
        var rejected = trace.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("what").GetString() == "rejected");
        Assert.Equal("receiver-subscribed", rejected.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Scenario_4_the_same_reference_and_bytes_get_the_same_control_number_once_and_other_bytes_are_refused()
    {
        var reference = FreshReference("S4-");
        var first = await world.TakenAsync(L, Recall(reference));
        var copies = (await world.MailboxAsync(Borrower)).Count;

        var second = await world.TakenAsync(L, Recall(reference));

        Assert.Equal(first, second);
        Assert.Equal(copies, (await world.MailboxAsync(Borrower)).Count);
        Assert.Single(await world.MailboxAsync(Borrower), e => Str(e, "controlNumber") == first.ControlNumber);
        var lender = (await world.MailboxAsync(Lender)).Count;
        await (await world.SendAsync(L, Recall(reference, shares: "600,"))).AssertProblem(409, "sender-reference-reused", "message.block4.20");
        Assert.Equal(lender, (await world.MailboxAsync(Lender)).Count);
        Assert.Equal(copies, (await world.MailboxAsync(Borrower)).Count);
    }

    [Fact]
    public async Task Scenario_5_a_vendor_retrieves_for_the_firm_that_authorized_it_and_may_not_send_for_one_that_did_not()
    {
        var (controlNumber, _, _) = await world.TakenAsync(L, Recall(FreshReference("S5-")));

        var seen = await world.MailboxAsync(Borrower, Vendor);
        Assert.Contains(seen, e => Str(e, "controlNumber") == controlNumber);
        var retrieved = await world.RetrieveAsync(Borrower, controlNumber, Vendor);
        Assert.Equal("message", Kind(retrieved));
        await world.EventuallyAsync(Lender, m => m.Any(e => Kind(e) == "retrieval-receipt" && Str(e, "relatesTo") == controlNumber), "the receipt of a vendor's retrieval");

        var lender = (await world.MailboxAsync(Lender)).Count;
        await (await world.SendAsync(Vendor, Recall(FreshReference("S5V-")))).AssertProblem(403, "vendor-authorized", "message.block1");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/mailbox/0001", Vendor)).AssertProblem(403, "vendor-authorized");
        Assert.Equal(lender, (await world.MailboxAsync(Lender)).Count);
        // For the firm that authorized it, the vendor sends: B's answer to L.
        var answer = await world.TakenAsync(Vendor, Confirmation(FreshReference("S5C-"), "RCL1"));
        Assert.Equal("available", answer.Status);
    }

    [Fact]
    public async Task Scenario_6_the_close_writes_the_eligibility_file_of_the_next_date_listing_subscribers_only()
    {
        var close = await (await world.Api.SendAsync(HttpMethod.Post, "/v1/business-day/close", "operator-demo")).AssertOk();
        var next = close.GetProperty("nextBusinessDate").GetString()!;

        string csv = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var response = await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/eligibility/{next}", "participant-0001");
            if ((int)response.StatusCode == 404) continue;
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            csv = await response.Content.ReadAsStringAsync();
            break;
        }
        Assert.Equal("participant,name,address,vendor\r\n0001,Firm 0001,LENDUS33XXX,\r\n0002,Firm 0002,BORRUS33XXX,DEMOVEND\r\n0004,Firm 0004,THRDUS33,\r\n", csv);
        Assert.Equal(csv, await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/eligibility/{next}", Vendor)).Content.ReadAsStringAsync());
        Assert.Equal(csv, await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/eligibility/{next}", "operator-demo")).Content.ReadAsStringAsync());
        await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/eligibility/{next}", N)).AssertProblem(403, "caller-subscribed");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/eligibility/2001-01-02", "operator-demo")).AssertProblem(404, "eligibility-file-known", "date");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/eligibility/20010102", "operator-demo")).AssertProblem(400, "date-format", "date");
    }

    [Fact]
    public async Task MT_516_and_MT_592_are_carried_and_the_answer_of_a_borrower_reaches_the_lender()
    {
        var confirmation = await world.TakenAsync(B, Confirmation(FreshReference("C-"), "RCL2612010001"));
        var cancel = await world.TakenAsync(L, Cancel(FreshReference("X-"), "RCL2612010001"));

        Assert.Equal("available", confirmation.Status);
        Assert.Equal("available", cancel.Status);
        Assert.Equal("516", Str((await world.MailboxAsync(Lender)).Single(e => Str(e, "controlNumber") == confirmation.ControlNumber), "messageType"));
        var delivered = await world.RetrieveAsync(Borrower, cancel.ControlNumber);
        // Block 3 travels as sent; block 5 (a trailer of one transmission) does not.
        Assert.Contains("{3:{108:CNLREF1}}", delivered.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("{5:", delivered.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_type_the_hub_does_not_carry_is_taken_and_rejected_back_with_message_type()
    {
        var (controlNumber, status, rule) = await world.TakenAsync(L, ReceiveFree(FreshReference("T-")));

        Assert.Equal(("rejected", "message-type"), (status, rule));
        Assert.Single(await world.MailboxAsync(Lender), e => Kind(e) == "reject" && Str(e, "relatesTo") == controlNumber);
    }

    [Fact]
    public async Task A_message_to_the_sender_itself_is_rejected_back_with_receiver_not_sender()
    {
        var (_, status, rule) = await world.TakenAsync(L, Recall(FreshReference("SELF-"), to: "LENDUS33BXXX"));

        Assert.Equal(("rejected", "receiver-not-sender"), (status, rule));
    }

    public static TheoryData<string, string, string, int, string, string?> BadInputs() => new()
    {
        // name, token, message, status, rule, field
        { "malformed blocks", L, "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:REF\r\n", 400, "message-format", null },
        { "missing field 20", L, "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:23:RECALL/PART\r\n-}", 400, "message-format", "message.block4.20" },
        { "a sender address that is not the caller's", B, Recall("BAD-SENDER"), 403, "own-participant", "message.block1" },
        { "a sender that is not subscribed", N, Recall("BAD-NOSUB", from: "NOSBUS33AXXX"), 403, "sender-subscribed", "message.block1" },
        { "a vendor without a letter", Vendor, Recall("BAD-VENDOR"), 403, "vendor-authorized", "message.block1" },
        { "non-ASCII bytes", L, Recall("BAD-ASCII").Replace("APPLE INC", "APPLÉ INC", StringComparison.Ordinal), 400, "swift-character-set", null },
        { "a message over the size limit", L, Recall("BAD-SIZE").Replace("APPLE INC COMMON STOCK", new string('A', 10_600), StringComparison.Ordinal), 413, "message-size-max", null },
        { "an unknown message type from a sender the caller may not act for", B, ReceiveFree("BAD-TYPE"), 400, "message-type", "message.block2" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_refused_with_its_rule_and_changes_no_mailbox(string name, string token, string message, int status, string rule, string? field)
    {
        var before = await MailboxesAsync();

        var response = await world.SendAsync(token, message);

        var problem = await response.AssertProblem(status, rule, field);
        Assert.False(string.IsNullOrEmpty(name));
        Assert.False(problem.TryGetProperty("controlNumber", out _));
        Assert.Equal(before, await MailboxesAsync());
    }

    [Fact]
    public async Task A_body_over_its_named_limit_is_refused_unread_and_changes_nothing()
    {
        var before = await MailboxesAsync();
        var body = RecallMessages.Body(new string('A', (int)Ledger.Host.Http.RecallsEndpoints.MessageBody.BytesMax));

        var response = await world.Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", L, body);

        await response.AssertProblem(413, "body-size-max");
        Assert.Equal(before, await MailboxesAsync());
    }

    [Fact]
    public async Task Only_the_receiver_or_its_vendor_lists_and_retrieves_a_mailbox_and_nobody_sees_another_firms()
    {
        var (controlNumber, _, _) = await world.TakenAsync(L, Recall(FreshReference("R-")));
        var before = await MailboxesAsync();

        await (await world.Api.SendAsync(HttpMethod.Post, $"/v1/recall-hub/mailbox/0002/{controlNumber}/retrieve", L)).AssertProblem(403, "own-participant");
        await (await world.Api.SendAsync(HttpMethod.Post, $"/v1/recall-hub/mailbox/0002/{controlNumber}/retrieve", N)).AssertProblem(403, "own-participant");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/mailbox/0002", L)).AssertProblem(403, "own-participant");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/mailbox/0002", "operator-demo")).AssertProblem(403, "role");
        await (await world.Api.SendAsync(HttpMethod.Post, $"/v1/recall-hub/mailbox/0001/{controlNumber}/retrieve", L)).AssertProblem(404, "control-number-known", "controlNumber");
        await (await world.Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/mailbox/0002/12345/retrieve", B)).AssertProblem(400, "control-number-format", "controlNumber");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/mailbox/0002?limit=0", B)).AssertProblem(400, "limit-range", "limit");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/mailbox/0002?after=x", B)).AssertProblem(400, "control-number-format", "after");
        Assert.Equal(before, await MailboxesAsync());

        // Paging: after the first entry, the rest in control-number order.
        var all = await world.MailboxAsync(Borrower);
        var page = (await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/mailbox/0002?after={Str(all[0], "controlNumber")}&limit=2", B)).AssertOk()).GetProperty("entries");
        Assert.Equal(all.Skip(1).Take(2).Select(e => e.ToString()), page.EnumerateArray().Select(e => e.ToString()));
    }

    [Fact]
    public async Task A_trace_is_for_the_sender_risk_and_the_operator_and_an_unknown_number_answers_a_firm_like_another_firms()
    {
        var (controlNumber, _, _) = await world.TakenAsync(L, Recall(FreshReference("TR-")));
        const string unknown = "0002999999999999";

        var trace = await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{controlNumber}/trace", "risk-demo")).AssertOk();
        Assert.Equal(("0001", "0002", "526"), (Str(trace, "sender"), Str(trace, "receiver"), Str(trace, "messageType")));
        foreach (var step in trace.GetProperty("events").EnumerateArray()) Assert.True(step.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
        var foreign = await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{controlNumber}/trace", B)).AssertProblem(403, "own-participant", "controlNumber");
        var missing = await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{unknown}/trace", B)).AssertProblem(403, "own-participant", "controlNumber");
        Assert.Equal(foreign.GetProperty("detail").GetString()!.Replace(controlNumber, "N", StringComparison.Ordinal),
            missing.GetProperty("detail").GetString()!.Replace(unknown, "N", StringComparison.Ordinal));
        await (await world.Api.SendAsync(HttpMethod.Get, $"/v1/recall-hub/messages/{unknown}/trace", "operator-demo")).AssertProblem(404, "control-number-known");
        await (await world.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/messages/abc/trace", "operator-demo")).AssertProblem(400, "control-number-format");
    }

    [Fact]
    public async Task Subscriptions_and_letters_are_checked_and_a_participant_unknown_to_settlement_cannot_subscribe()
    {
        await (await world.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0050", "operator-demo", """{"address":"NEWWUS33"}""")).AssertProblem(404, "participant-known", "participant");
        await (await world.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0003", "operator-demo", """{"address":"lendus33"}""")).AssertProblem(400, "address-format", "address");
        await (await world.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/0003", "operator-demo", """{"address":"LENDUS33XXX"}""")).AssertProblem(409, "address-unique", "address");
        await (await world.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/subscribers/12", "operator-demo", """{"address":"NEWWUS33"}""")).AssertProblem(400, "participant-id-format", "participant");
        await (await world.Api.SendAsync(HttpMethod.Delete, "/v1/recall-hub/subscribers/0003", "operator-demo")).AssertProblem(404, "subscriber-known", "participant");
        await (await world.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/vendors/DEMOVEND", "operator-demo", """{"name":"Demo Vendor","authorizedParticipants":["2"]}""")).AssertProblem(400, "participant-id-format", "authorizedParticipants[0]");
        await (await world.Api.SendAsync(HttpMethod.Put, "/v1/recall-hub/vendors/a%20b", "operator-demo", """{"name":"X","authorizedParticipants":[]}""")).AssertProblem(400, "vendor-id-format", "vendor");
        // DEMOVEND still holds 0002's letter.
        Assert.NotEmpty(await world.MailboxAsync(Borrower, Vendor));
    }

    [Fact]
    public async Task Mailboxes_survive_a_restart_of_the_node_with_every_entry_and_the_same_bytes()
    {
        using var folder = new TempFolder();
        string controlNumber, text;
        List<string> lender;
        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            await RecallHubWorld.SetUpAsync(node.Api);
            var sent = await (await node.Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", L, RecallMessages.Body(Recall("RESTART-1")))).AssertOk();
            controlNumber = sent.GetProperty("controlNumber").GetString()!;
            text = (await (await node.Api.SendAsync(HttpMethod.Post, $"/v1/recall-hub/mailbox/0002/{controlNumber}/retrieve", B)).AssertOk()).GetProperty("message").GetString()!;
            var receipted = await node.EventuallyAsync("/v1/recall-hub/mailbox/0001", L,
                m => m.GetProperty("entries").EnumerateArray().Any(e => Kind(e) == "retrieval-receipt"), "the receipt");
            lender = receipted.GetProperty("entries").EnumerateArray().Select(e => e.ToString()).ToList();
        }

        await using var again = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null });
        var after = (await (await again.Api.SendAsync(HttpMethod.Get, "/v1/recall-hub/mailbox/0001", L)).AssertOk()).GetProperty("entries").EnumerateArray().Select(e => e.ToString()).ToList();
        Assert.Equal(lender, after);
        var retrieved = await (await again.Api.SendAsync(HttpMethod.Post, $"/v1/recall-hub/mailbox/0002/{controlNumber}/retrieve", B)).AssertOk();
        Assert.Equal(text, retrieved.GetProperty("message").GetString());
        var resent = await (await again.Api.SendAsync(HttpMethod.Post, "/v1/recall-hub/messages", L, RecallMessages.Body(Recall("RESTART-1")))).AssertOk();
        Assert.Equal(controlNumber, resent.GetProperty("controlNumber").GetString());
    }

    private async Task<string> MailboxesAsync()
    {
        var parts = new List<string>();
        foreach (var p in new[] { Lender, Borrower, NotSubscribed, Third }) parts.Add(string.Join("\n", (await world.MailboxAsync(p)).Select(e => e.ToString())));
        return string.Join("\n--\n", parts);
    }
}
