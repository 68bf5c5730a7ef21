using static Ledger.Recalls.Tests.Messages;

namespace Ledger.Recalls.Tests;

/// <summary>
/// The checks of section 3 in their order, each failing alone and together with a later one (the
/// first decides), and which failures are refused (nothing taken) and which rejected back.
/// </summary>
public sealed class SendCheckTests
{
    private static readonly Caller L = new Caller.Participant(new ParticipantId(Lender));
    private static readonly Caller B = new Caller.Participant(new ParticipantId(Borrower));

    private static RegistryState Registry() => World().Letters("V1", Borrower).Registry;

    public static TheoryData<string, string, string, string?> Refusals() => new()
    {
        // text, caller ("L", "B", "V1", "OP"), rule, field
        { "{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:23:RECALL/PART\r\n-}", "L", "message-format", "message.block4.20" },
        { Recall(reference: "ABCDEFGHIJKLMNOPQ"), "L", "message-format", "message.block4.20" },
        { Recall(reference: "/RCL1"), "L", "message-format", "message.block4.20" },
        { Recall(reference: "RCL//1"), "L", "message-format", "message.block4.20" },
        { Recall().Replace("{1:F01", "{1:A01", StringComparison.Ordinal), "L", "message-format", "message.block1" },
        { Recall().Replace("{2:I526BORRUS33XXXXN}", "{2:O5261200261201BORRUS33XXXX00000000002612011200N}", StringComparison.Ordinal), "L", "message-format", "message.block2" },
        { Recall().Replace("RECALL/PART", "RECALL/PARTÉ", StringComparison.Ordinal), "L", "swift-character-set", "message" },
        { Recall(from: "NOSBUS33AXXX"), "L", "sender-subscribed", "message.block1" },
        { Recall(from: "LENDUS33AXXY"), "L", "sender-subscribed", "message.block1" }, // another branch is another address
        { Recall(), "B", "own-participant", "message.block1" },
        { Recall(), "V1", "vendor-authorized", "message.block1" },
        { Recall(), "OP", "role", "message" },
        // A wrong type with a sender the caller may not send for: refused, naming the first failed check.
        { ReceiveFree(from: "NOSBUS33AXXX"), "L", "message-type", "message.block2" },
        { ReceiveFree(), "B", "message-type", "message.block2" },
        // A format error comes before everything, even with an unknown sender and receiver.
        { Recall(reference: "", from: "NOSBUS33AXXX", to: "NOSBUS33XXXX"), "L", "message-format", "message.block4.20" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_message_without_a_sender_the_caller_may_send_for_is_refused_and_nothing_is_taken(string text, string caller, string rule, string? field)
    {
        Caller who = caller switch { "L" => L, "B" => B, "V1" => new Caller.Vendor("V1"), _ => new Caller.Operator() };

        var screening = SendChecks.Screen(text, who, Registry());

        Assert.Null(screening.Taken);
        Assert.Equal((rule, field), (screening.Refusal!.RuleName, screening.Refusal.Field));
    }

    public static TheoryData<string, string?, string?> Rejects() => new()
    {
        // text, rule (null: available), receiver
        { Recall(), null, Borrower },
        { Recall(from: "LENDUS33ZXXX", to: "BORRUS33AXXX"), null, Borrower }, // terminal letters are ignored
        { Cancel("CNL1", "RCL1"), null, Borrower },
        { Confirmation("BRW1", "RCL1", from: "LENDUS33AXXX", to: "BORRUS33XXXX"), null, Borrower },
        { ReceiveFree(), "message-type", null },
        { ReceiveFree(to: "NOSBUS33XXXX"), "message-type", null }, // the type is checked before the receiver
        { Recall(to: "NOSBUS33XXXX"), "receiver-subscribed", null },
        { Recall(to: "BORRUS33XABC"), "receiver-subscribed", null }, // branch ABC is not BORRUS33XXX
        { Recall(to: "LENDUS33XXXX"), "receiver-not-sender", Lender },
    };

    [Theory]
    [MemberData(nameof(Rejects))]
    public void A_message_from_a_sender_the_caller_may_send_for_is_taken_and_either_routed_or_rejected_with_the_first_failed_check(string text, string? rule, string? receiver)
    {
        var screening = SendChecks.Screen(text, L, Registry());

        Assert.Null(screening.Refusal);
        var taken = screening.Taken!;
        Assert.Equal(new ParticipantId(Lender), taken.Sender);
        Assert.Equal(rule, taken.Reject?.RuleName);
        Assert.Equal(receiver, taken.Receiver?.Value);
        Assert.Equal(text, taken.Text);
    }

    [Fact]
    public void A_vendor_with_the_senders_letter_sends_for_it()
    {
        var screening = SendChecks.Screen(Confirmation("BRW1", "RCL1"), new Caller.Vendor("V1"), Registry());

        Assert.Equal((new ParticipantId(Borrower), new ParticipantId(Lender)), (screening.Taken!.Sender, screening.Taken.Receiver!.Value));
    }

    [Fact]
    public void A_bic8_subscriber_matches_a_terminal_with_branch_xxx_and_no_other_branch()
    {
        var registry = new HubWorld().Subscribe("0009", "ABCDUS33").Registry;

        Assert.Equal("0009", registry.FindByTerminal(LogicalTerminal.Parse("ABCDUS33AXXX"))!.Participant.Value);
        Assert.Equal("0009", registry.FindByTerminal(LogicalTerminal.Parse("ABCDUS33BXXX"))!.Participant.Value);
        Assert.Null(registry.FindByTerminal(LogicalTerminal.Parse("ABCDUS33A001")));
        Assert.Null(registry.FindByTerminal(LogicalTerminal.Parse("ABCDUS34AXXX")));
    }

    [Fact]
    public void A_refused_message_changes_no_mailbox()
    {
        var world = World();

        var outcome = world.Send(Borrower, Recall());

        Assert.Equal("own-participant", outcome.Refusal!.RuleName);
        Assert.Empty(world.Mailboxes);
    }
}
