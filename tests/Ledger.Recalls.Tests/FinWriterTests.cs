using CsCheck;
using Ledger.Recalls.Fin;

namespace Ledger.Recalls.Tests;

/// <summary>The hub's own messages, byte for byte as recall-hub.md section 3 lays them out, and the output form of a delivered message.</summary>
public sealed class FinWriterTests
{
    private static readonly LogicalTerminal Lender = LogicalTerminal.Parse("LENDUS33AXXX");
    private static readonly DateTimeOffset Issued = new(2026, 12, 1, 14, 30, 59, TimeSpan.Zero);

    private const string Head =
        "{1:F01LENDUS33AXXX0000000000}{2:O5481430261201LDGRUS33XXXX00000000002612011430N}{4:\r\n" +
        ":16R:GENL\r\n" +
        ":20C::SEME//0001000000000002\r\n" +
        ":23G:INST\r\n" +
        ":16R:LINK\r\n" +
        ":13A::LINK//526\r\n" +
        ":20C::RELA//RCL2612010001\r\n" +
        ":16S:LINK\r\n" +
        ":16S:GENL\r\n" +
        ":16R:STAT\r\n";

    [Fact]
    public void An_acknowledgement_is_an_mt_548_with_status_pack()
    {
        var text = FinWriter.StatusMessage(new StatusAdvice(StatusKind.Acknowledgement, "0001000000000002", "526", "RCL2612010001", null, Lender, Issued), FinWriter.DefaultHubTerminal);

        Assert.Equal(Head + ":25D::IPRC//PACK\r\n:16S:STAT\r\n-}", text);
    }

    [Fact]
    public void A_retrieval_receipt_is_an_mt_548_with_the_hubs_status_retr()
    {
        var text = FinWriter.StatusMessage(new StatusAdvice(StatusKind.RetrievalReceipt, "0001000000000002", "526", "RCL2612010001", null, Lender, Issued), FinWriter.DefaultHubTerminal);

        Assert.Equal(Head + ":25D::IPRC/LDGR/RETR\r\n:16S:STAT\r\n-}", text);
    }

    [Fact]
    public void A_reject_is_an_mt_548_with_status_rejt_and_the_rule_in_its_reason_sequence()
    {
        var text = FinWriter.StatusMessage(new StatusAdvice(StatusKind.Reject, "0001000000000002", "526", "RCL2612010001", "receiver-subscribed", Lender, Issued), FinWriter.DefaultHubTerminal);

        Assert.Equal(Head + ":25D::IPRC//REJT\r\n:16R:REAS\r\n:24B::REJT//NARR\r\n:70D::REAS//receiver-subscribed\r\n:16S:REAS\r\n:16S:STAT\r\n-}", text);
    }

    [Fact]
    public void A_reject_without_a_rule_is_a_bug_not_a_message()
    {
        Assert.Throws<ArgumentException>(() =>
            FinWriter.StatusMessage(new StatusAdvice(StatusKind.Reject, "0001000000000002", "526", "R", null, Lender, Issued), FinWriter.DefaultHubTerminal));
    }

    [Fact]
    public void Times_are_written_in_utc()
    {
        var newYork = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.FromHours(-5));

        var text = FinWriter.StatusMessage(new StatusAdvice(StatusKind.Acknowledgement, "0001000000000002", "526", "R", null, Lender, newYork), FinWriter.DefaultHubTerminal);

        Assert.Contains("{2:O5481430261201LDGRUS33XXXX00000000002612011430N}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_output_form_puts_the_receiver_in_block_1_names_the_sender_in_block_2_and_keeps_blocks_3_and_4()
    {
        var input = FinReader.Read(Messages.Cancel("CNL0001", "RCL2612010001")).Message!;

        var output = FinWriter.OutputForm(input, new DateTimeOffset(2026, 12, 1, 14, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 2, 0, 5, 0, TimeSpan.Zero));

        Assert.Equal(
            "{1:F01BORRUS33XXXX0000000000}{2:O5921430261201LENDUS33AXXX00000000022612020005N}{3:{108:CNLREF1}}{4:\r\n" +
            ":20:CNL0001\r\n:21:RCL2612010001\r\n:11S:526\r\n261201\r\n:79:PLEASE CANCEL OUR RECALL NOTICE\r\n-}",
            output);
        var reread = FinReader.Read(output).Message!;
        Assert.Equal(input.TextBlock, reread.TextBlock);
        Assert.Equal(input.Basic.Terminal, reread.Application.Terminal);
        Assert.Equal(input.Application.Terminal, reread.Basic.Terminal);
    }

    [Fact]
    public void Every_status_advice_reads_back_with_the_fields_it_was_written_with()
    {
        var reference = Gen.Char["ABCXYZ0189-?:().,'+"].Array[1, 16].Select(cs => new string(cs)).Where(r => !r.Contains("//", StringComparison.Ordinal) && !r.StartsWith('/') && !r.EndsWith('/'));
        var advice = Gen.Select(
            Gen.Enum<StatusKind>(),
            Gen.Long[1, ControlNumber.SequenceMax],
            Gen.OneOf("526", "516", "592", "540"),
            reference,
            Gen.Enum<HubRule>(),
            Gen.Long[0, 52_000_000].Select(minutes => new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes)));
        advice.Sample((kind, sequence, type, senderReference, rule, at) =>
        {
            var written = new StatusAdvice(kind, ControlNumber.Of(new ParticipantId("0042"), sequence), type, senderReference,
                kind == StatusKind.Reject ? HubError.NameOf(rule) : null, Lender, at);
            var m = FinReader.Read(FinWriter.StatusMessage(written, FinWriter.DefaultHubTerminal)).Message!;
            Assert.Equal(written, StatusAdviceReader.Read(m, at));
        });
    }
}

/// <summary>Reads a status advice back from its FIN text: what a participant's system would do with it.</summary>
public static class StatusAdviceReader
{
    public static StatusAdvice Read(FinMessage m, DateTimeOffset issuedAt)
    {
        var status = m.Field("25D", "IPRC")!;
        var kind = (status.Issuer, status.Value) switch
        {
            ("", "PACK") => StatusKind.Acknowledgement,
            ("LDGR", "RETR") => StatusKind.RetrievalReceipt,
            ("", "REJT") => StatusKind.Reject,
            _ => throw new InvalidOperationException($"unknown status {status.Content}"),
        };
        return new StatusAdvice(kind, m.Field("20C", "SEME")!.Value, m.Field("13A", "LINK")!.Value, m.Field("20C", "RELA")!.Value,
            m.Field("70D", "REAS")?.Value, m.Basic.Terminal, issuedAt);
    }
}
