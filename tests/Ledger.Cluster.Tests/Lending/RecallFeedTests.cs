using Ledger.Cluster.Lending;
using Ledger.Lending;
using Ledger.Recalls.Events;

namespace Ledger.Cluster.Tests;

/// <summary>
/// How lending reads the hub's published messages (<see cref="RecallFeed"/>): which messages are
/// recalls and cancels, and how fields that cannot be read reach the book as values its rules keep
/// as exception records rather than as nothing.
/// </summary>
public sealed class RecallFeedTests
{
    private static readonly DateOnly Day = new(2026, 12, 7);
    private static readonly DateTimeOffset At = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private static readonly ParticipantId Borrower = new("0002");

    private static MessageMadeAvailable Made(string type, string block4, string sender = "0001") =>
        new("0002000000000009", sender, "REF1", type,
            "{1:F01BORRUS33XXXX0000000000}{2:O" + type + "1200261207LENDUS33AXXX00000000012612071200N}{4:\r\n" + block4 + "-}", At, At);

    private static string Recall(string fields) => ":20:REF1\r\n:23:RECALL/PART\r\n" + fields;

    private static RecallNotice Notice(string block4) => Assert.IsType<RecallNotice>(RecallFeed.ToLending(Borrower, Made("526", block4), Day));

    [Fact]
    public void An_MT_526_recall_names_lender_borrower_control_number_cusip_shares_and_a_later_return_date()
    {
        var n = Notice(Recall(":35B:ISIN US0378331005\r\nAPPLE INC\r\n:36:SHS400,\r\n:30:261211\r\n"));
        Assert.Equal(("0002000000000009", "0001", "0002", "037833100", 400L, Day, At, (DateOnly?)new DateOnly(2026, 12, 11)),
            (n.ControlNumber, n.Lender.Value, n.Borrower.Value, n.Cusip.Value, n.Shares, n.BusinessDate, n.At, n.ReturnDate));
        Assert.Equal("594918104", Notice(Recall(":35B:/US/594918104\r\n:36:SHS25,00\r\n")).Cusip.Value);
        Assert.Equal(25L, Notice(Recall(":35B:/US/594918104\r\n:36:SHS25,00\r\n")).Shares);
        Assert.Equal(70L, Notice(Recall(":35B:/US/594918104\r\n:36B::QRCL//UNIT/70,\r\n")).Shares);
        // A date before the recall's own is the message's date, not a return date.
        Assert.Null(Notice(Recall(":35B:/US/594918104\r\n:36:SHS1,\r\n:30:261203\r\n")).ReturnDate);
    }

    [Fact]
    public void Fields_that_cannot_be_read_become_values_the_book_keeps_as_exceptions()
    {
        Assert.Equal(0L, Notice(Recall(":35B:/US/594918104\r\n:36:SHS10,5\r\n")).Shares);
        Assert.Equal(0L, Notice(Recall(":35B:/US/594918104\r\n")).Shares);
        Assert.Equal(0L, Notice(Recall(":35B:/US/594918104\r\n:36:SHSTEN,\r\n")).Shares);
        Assert.False(Cusip.IsValid(Notice(Recall(":35B:ISIN GB0002634946\r\n:36:SHS1,\r\n")).Cusip.Value));
        Assert.False(Cusip.IsValid(Notice(Recall(":36:SHS1,\r\n")).Cusip.Value));
        Assert.Equal(DateOnly.MinValue, Notice(Recall(":35B:/US/594918104\r\n:36:SHS1,\r\n:30:261399\r\n")).ReturnDate);
        Assert.True(Notice(Recall(":35B:/US/" + new string('9', 80) + "\r\n:36:SHS1,\r\n")).Cusip.Value.Length <= 35);
    }

    [Fact]
    public void An_MT_592_naming_an_MT_526_is_a_cancel_and_other_messages_are_not_lendings_business()
    {
        var cancel = Assert.IsType<RecallCancelRequest>(RecallFeed.ToLending(Borrower, Made("592", ":20:CNL1\r\n:21:REF0\r\n:11S:526\r\n261207\r\n"), Day));
        Assert.Equal(("0002000000000009", "REF0", "0001", "0002"), (cancel.ControlNumber, cancel.CancelsReference, cancel.Lender.Value, cancel.Borrower.Value));
        Assert.Equal("0001000000000003", cancel.Resolve("0001000000000003").RecallControlNumber);
        Assert.Equal("R_F_0", (cancel with { CancelsReference = "R?F 0" }).Resolve(null).RecallControlNumber);

        Assert.Null(RecallFeed.ToLending(Borrower, Made("592", ":20:CNL1\r\n:21:REF0\r\n:11S:516\r\n261207\r\n"), Day));
        Assert.Null(RecallFeed.ToLending(Borrower, Made("516", ":20:C1\r\n:21:REF0\r\n:23:RECALL\r\n"), Day));
        Assert.Null(RecallFeed.ToLending(Borrower, Made("526", ":20:REF1\r\n:23:RETURN/PART\r\n:35B:/US/594918104\r\n:36:SHS1,\r\n"), Day));
        Assert.Null(RecallFeed.ToLending(Borrower, Made("526", Recall(":36:SHS1,\r\n"), sender: "0002"), Day));
    }
}
