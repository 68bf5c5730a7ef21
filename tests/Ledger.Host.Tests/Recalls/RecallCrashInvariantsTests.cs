using Ledger.Benchmarks.Crash;

namespace Ledger.Host.Tests.Recalls;

/// <summary>The crash harness's checks of the recall hub pass on sound mailboxes and fail on each way of breaking them.</summary>
public sealed class RecallCrashInvariantsTests
{
    private const string Message = "0002000000000001";
    private static readonly RecallAcknowledged Acknowledged = new("CR000001", "0001", "0002", Message);

    private static Dictionary<string, IReadOnlyList<RecallCrashEntry>> Mailboxes(
        IReadOnlyList<RecallCrashEntry>? lender = null, IReadOnlyList<RecallCrashEntry>? borrower = null) => new()
    {
        ["0001"] = lender ??
        [
            new("0001000000000001", "acknowledgement", null, false, Message),
            new("0001000000000002", "retrieval-receipt", null, false, Message),
        ],
        ["0002"] = borrower ?? [new(Message, "message", "0001", true, null)],
    };

    private static readonly Dictionary<string, string> Retrieved = new() { [Message] = "0002" };

    [Fact]
    public void Sound_mailboxes_pass_both_checks()
    {
        Assert.All(RecallInvariants.Check(Mailboxes(), [Acknowledged], Retrieved), c => Assert.True(c.Passed, c.ToString()));
    }

    [Fact]
    public void An_acknowledged_message_missing_or_twice_at_its_receiver_or_without_its_acknowledgement_fails()
    {
        Assert.False(RecallInvariants.AcknowledgedDeliveredOnce(Mailboxes(borrower: []), [Acknowledged]).Passed);
        Assert.False(RecallInvariants.AcknowledgedDeliveredOnce(Mailboxes(borrower: [new(Message, "message", "0001", true, null), new(Message, "message", "0001", true, null)]), [Acknowledged]).Passed);
        Assert.False(RecallInvariants.AcknowledgedDeliveredOnce(Mailboxes(lender: []), [Acknowledged]).Passed);
    }

    [Fact]
    public void A_retrieval_without_its_receipt_with_two_or_a_receipt_without_a_retrieval_fails()
    {
        Assert.False(RecallInvariants.OneReceiptPerRetrieval(Mailboxes(lender: []), Retrieved).Passed);
        Assert.False(RecallInvariants.OneReceiptPerRetrieval(Mailboxes(lender:
        [
            new("0001000000000002", "retrieval-receipt", null, false, Message),
            new("0001000000000003", "retrieval-receipt", null, false, Message),
        ]), Retrieved).Passed);
        Assert.False(RecallInvariants.OneReceiptPerRetrieval(Mailboxes(borrower: [new(Message, "message", "0001", false, null)]), new Dictionary<string, string>()).Passed);
        Assert.False(RecallInvariants.OneReceiptPerRetrieval(Mailboxes(borrower: [new(Message, "message", "0001", false, null)], lender: []), Retrieved).Passed);
    }
}
