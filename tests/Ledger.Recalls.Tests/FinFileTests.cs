using Ledger.Recalls.Fin;

namespace Ledger.Recalls.Tests;

/// <summary>Files of many messages for file transfer: split into messages whatever separates them, and written back.</summary>
public sealed class FinFileTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\r\n")]
    [InlineData("$")]
    [InlineData("\r\n$\r\n")]
    public void Messages_separated_by_nothing_line_ends_or_rje_dollars_split_into_the_same_messages(string separator)
    {
        string[] messages = [Messages.Recall(), Messages.Cancel("CNL1", "RCL1"), Messages.Confirmation("BRW1", "RCL1")];

        var pieces = FinFile.Split(string.Join(separator, messages) + separator);

        Assert.Equal(messages, pieces);
        Assert.Equal(messages, FinFile.Split(FinFile.Write(messages)));
    }

    [Fact]
    public void Text_that_is_no_message_is_answered_as_a_piece_of_its_own_or_with_the_message_it_follows()
    {
        var pieces = FinFile.Split("garbage\r\n" + Messages.Recall() + "$not a message{2:I526}");

        Assert.Equal(["garbage", Messages.Recall() + "$not a message{2:I526}"], pieces);
        Assert.Equal("message-format", FinReader.Read(pieces[0]).Error!.RuleName);
        Assert.Equal(("message-format", "message"), (FinReader.Read(pieces[1]).Error!.RuleName, FinReader.Read(pieces[1]).Error!.Field));
    }

    [Fact]
    public void An_empty_file_has_no_messages() => Assert.Empty(FinFile.Split("\r\n$ "));
}
