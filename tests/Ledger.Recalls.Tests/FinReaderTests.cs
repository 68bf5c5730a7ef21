using CsCheck;
using Ledger.Recalls.Fin;

namespace Ledger.Recalls.Tests;

/// <summary>The FIN reader on messages written by hand from the standard, and on every way the issue lists to get one wrong.</summary>
public sealed class FinReaderTests
{
    [Fact]
    public void A_recall_in_the_plain_layout_splits_into_its_blocks_and_fields()
    {
        var text = Messages.Recall();

        var m = FinReader.Read(text).Message!;

        Assert.Equal(new BasicHeader('F', "01", LogicalTerminal.Parse("LENDUS33AXXX"), "0000", "000001"), m.Basic);
        Assert.Equal(new ApplicationHeader(FinDirection.Input, "526", LogicalTerminal.Parse("BORRUS33XXXX"), 'N'), m.Application);
        Assert.Null(m.UserBlock);
        Assert.Null(m.TrailerBlock);
        Assert.Equal(["20", "23", "21", "35B", "36", "30", "72"], m.Fields.Select(f => f.Tag));
        Assert.Equal("RCL2612010001", m.SenderReference);
        Assert.Equal("RECALL/PART", m.Field("23")!.Content);
        Assert.Equal("ISIN US0378331005\r\nAPPLE INC COMMON STOCK", m.Field("35B")!.Content);
        Assert.Equal(4, m.Field("35B")!.Line);
        Assert.Equal("/RECALL/PARTIAL RECALL OF LOAN\r\n//LOAN 778812 OPENED 2026-11-02", m.Field("72")!.Content);
        Assert.Null(m.Field("72")!.Qualifier); // a plain field starting with '/' is not the qualifier layout
        Assert.Equal(text[text.IndexOf("{4:", StringComparison.Ordinal)..], m.TextBlock);
    }

    [Fact]
    public void Blocks_3_and_5_with_nested_braces_are_read_tag_by_tag_and_kept_as_written()
    {
        var text = Messages.Cancel("CNL0001", "RCL2612010001");

        var m = FinReader.Read(text).Message!;

        Assert.Equal("592", m.MessageType);
        Assert.Equal("{3:{108:CNLREF1}}", m.UserBlock);
        Assert.Equal([new HeaderTag("108", "CNLREF1")], m.UserHeader);
        Assert.Equal("{5:{CHK:0123456789AB}}", m.TrailerBlock);
        Assert.Equal([new HeaderTag("CHK", "0123456789AB")], m.Trailer);
        Assert.Equal("RCL2612010001", m.Field("21")!.Content);
        Assert.Equal("526\r\n261201", m.Field("11S")!.Content);
    }

    [Fact]
    public void The_qualifier_layout_gives_qualifier_data_source_scheme_value_and_the_sequences_each_field_sits_in()
    {
        var advice = new StatusAdvice(StatusKind.RetrievalReceipt, "0001000000000003", "526", "RCL1", null, LogicalTerminal.Parse("LENDUS33AXXX"), HubWorld.Start);
        var m = FinReader.Read(FinWriter.StatusMessage(advice, FinWriter.DefaultHubTerminal)).Message!;

        var rela = m.Field("20C", "RELA")!;
        Assert.Equal(("RELA", "", "RCL1", "GENL/LINK"), (rela.Qualifier, rela.Issuer, rela.Value, rela.SequencePath));
        var status = m.Field("25D")!;
        Assert.Equal(("IPRC", "LDGR", "RETR", "STAT"), (status.Qualifier, status.Issuer, status.Value, status.SequencePath));
        Assert.Equal("", m.Field("16R")!.SequencePath);
        Assert.Equal("0001000000000003", m.SenderReference); // SEME stands in for field 20 in the qualifier layout
        Assert.Equal(FinDirection.Output, m.Application.Direction);
        Assert.Equal("LDGRUS33XXXX", m.Application.Terminal.Value);
        Assert.Equal(("1430", "261201", "0000", "000000", "261201", "1430"),
            (m.Application.InputTime, m.Application.InputDate, m.Application.SessionNumber, m.Application.SequenceNumber, m.Application.OutputDate, m.Application.OutputTime));
    }

    [Theory]
    [InlineData("I526BORRUS33XXXX", null, null, null)]
    [InlineData("I526BORRUS33XXXXU", 'U', null, null)]
    [InlineData("I526BORRUS33XXXXN3003", 'N', '3', "003")]
    public void Input_block_2_takes_priority_delivery_monitoring_and_obsolescence_as_optional_trailing_parts(string block2, char? priority, char? monitoring, string? obsolescence)
    {
        var m = FinReader.Read("{1:F01LENDUS33AXXX0000000000}{2:" + block2 + "}{4:\r\n:20:A\r\n-}").Message!;

        Assert.Equal((priority, monitoring, obsolescence), (m.Application.Priority, m.Application.DeliveryMonitoring, m.Application.ObsolescencePeriod));
    }

    /// <summary>Each row breaks one thing; the reader names the rule and the block.</summary>
    [Theory]
    [InlineData("", "message-format", "message.block1")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}", "message-format", "message.block2")]
    [InlineData("{1:F01LENDUS33AXXX000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}", "message-format", "message.block1")]
    [InlineData("{1:F01LENDUS33AXXX0000000000{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}", "message-format", "message.block1")]
    [InlineData("{1:F01lendus33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}", "message-format", "message.block1")]
    [InlineData("{1:F01LEND1S33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}", "message-format", "message.block1")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I52BORRUS33XXXXN}{4:\r\n:20:A\r\n-}", "message-format", "message.block2")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXX}{4:\r\n:20:A\r\n-}", "message-format", "message.block2")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I564N}{4:\r\n:20:A\r\n-}", "message-format", "message.block2")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:X526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}", "message-format", "message.block2")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4::20:A\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}x", "message-format", "message")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-}{5:{CHK:1}", "message-format", "message.block5")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{3:{108:A{}}{4:\r\n:20:A\r\n-}", "message-format", "message.block3")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{3:108:A}{4:\r\n:20:A\r\n-}", "message-format", "message.block3")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\nA\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:2:A\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n:X\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n-B\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\nB\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\rB\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:16R:GENL\r\n:20:A\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:16R:GENL\r\n:16R:LINK\r\n:16S:GENL\r\n:16S:LINK\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:16S:GENL\r\n-}", "message-format", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A_B\r\n-}", "swift-character-set", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\tB\r\n-}", "swift-character-set", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A@B\r\n-}", "swift-character-set", "message.block4")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:CAFÉ\r\n-}", "swift-character-set", "message")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\u202EB\r\n-}", "swift-character-set", "message")]
    [InlineData("{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{3:{108:A#B}}{4:\r\n:20:A\r\n-}", "swift-character-set", "message.block3")]
    public void A_malformed_message_is_refused_naming_the_rule_and_the_block(string text, string rule, string field)
    {
        var reading = FinReader.Read(text);

        Assert.Null(reading.Message);
        Assert.Equal((rule, field), (reading.Error!.RuleName, reading.Error.Field));
        Assert.False(string.IsNullOrWhiteSpace(reading.Error.Message));
    }

    [Fact]
    public void Block_4_of_exactly_the_maximum_length_is_read_and_one_character_more_is_refused_by_size()
    {
        static string WithText(int length)
        {
            // ":79:" + narrative lines of 60 characters joined by CR LF, cut to the length wanted.
            var body = ":79:" + string.Join("\r\n", Enumerable.Repeat(new string('A', 60), 200));
            body = body[..length];
            if (body.EndsWith('\r')) body = body[..^1] + "A";
            return "{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n:20:A\r\n" + body + "\r\n-}";
        }

        // block 4's content is everything between "{4:" and "}": CR LF, ":20:A" CR LF, the body, CR LF, "-"
        var overhead = 2 + 7 + 2 + 1;
        var atMax = FinReader.Read(WithText(FinReader.TextLengthMax - overhead));
        var overMax = FinReader.Read(WithText(FinReader.TextLengthMax - overhead + 1));

        Assert.Null(atMax.Error);
        Assert.Equal(FinReader.TextLengthMax, atMax.Message!.TextBlock.Length - 4);
        Assert.Equal(("message-size-max", "message.block4"), (overMax.Error!.RuleName, overMax.Error.Field));
    }

    [Fact]
    public void A_message_longer_than_the_maximum_is_refused_before_it_is_read()
    {
        var huge = "{1:" + new string('{', FinReader.MessageLengthMax);

        var reading = FinReader.Read(huge);

        Assert.Equal(("message-size-max", "message"), (reading.Error!.RuleName, reading.Error.Field));
    }

    [Fact]
    public void Block_4_is_kept_byte_for_byte_for_any_text_in_the_x_character_set()
    {
        var line = Gen.Char[SwiftCharacters.XPunctuation + "abcxyzABCXYZ0189"].Array[1, 40]
            .Select(cs => new string(cs))
            .Where(s => !s.StartsWith(':') && !s.StartsWith('-'));
        var field = Gen.Select(Gen.OneOf("20", "21", "23", "72", "35B", "70E"), line.Array[1, 4]);
        field.Array[1, 12].Sample(fields =>
        {
            var body = string.Join("\r\n", fields.Select(f => ":" + f.Item1 + ":" + string.Join("\r\n", f.Item2)));
            var text = "{1:F01LENDUS33AXXX0000000000}{2:I526BORRUS33XXXXN}{4:\r\n" + body + "\r\n-}";
            var m = FinReader.Read(text).Message!;
            Assert.Equal(text[text.IndexOf("{4:", StringComparison.Ordinal)..], m.TextBlock);
            Assert.Equal(fields.Select(f => f.Item1), m.Fields.Select(x => x.Tag));
            Assert.Equal(fields.Select(f => string.Join("\r\n", f.Item2)), m.Fields.Select(x => x.Content));
        });
    }

    [Fact]
    public void The_x_character_set_is_exactly_letters_digits_the_eleven_punctuation_marks_and_cr_lf()
    {
        var allowed = Enumerable.Range(0, 256).Select(i => (char)i).Where(SwiftCharacters.IsX).ToArray();

        Assert.Equal(26 + 26 + 10 + 11, allowed.Length);
        Assert.True(SwiftCharacters.IsXText("AB/-?:().,'+ z\r\n9"));
        Assert.False(SwiftCharacters.IsXText("A\nB"));
        Assert.False(SwiftCharacters.IsXText("A{B"));
    }
}
