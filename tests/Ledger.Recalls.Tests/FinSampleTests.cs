using Ledger.Recalls.Fin;

namespace Ledger.Recalls.Tests;

/// <summary>
/// The reader against messages from public parsers' test suites (Samples/README.md names each
/// source and licence): those that keep to the standard are read whole, the others are refused by
/// the rule they break.
/// </summary>
public sealed class FinSampleTests
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    [Fact]
    public void The_swift_parser_readme_mt564_is_read_with_its_header_blocks_sequences_and_multi_line_fields()
    {
        var text = Sample("swift-parser-readme-mt564.fin");

        var m = FinReader.Read(text).Message!;

        Assert.Equal("564", m.MessageType);
        Assert.Equal(FinDirection.Output, m.Application.Direction);
        Assert.Equal(("TESTBIC34XXX", "2626", "493828", "1757"), (m.Application.Terminal.Value, m.Application.SessionNumber, m.Application.SequenceNumber, m.Application.OutputTime));
        Assert.Equal("TESTBIC12XXX", m.Basic.Terminal.Value);
        Assert.Equal([new HeaderTag("108", "2RDRQDHM3WO")], m.UserHeader);
        Assert.Equal([new HeaderTag("CHK", "C77F8E009597")], m.Trailer);
        Assert.Equal(54 - 3, m.Fields.Count); // 54 lines in block 4, three of them continuation lines
        Assert.Equal("9876543210987654", m.SenderReference);
        Assert.Equal("1234567890123456", m.Field("20C", "CORP")!.Value);
        Assert.Equal("ISIN CH0101010101\r\n/XS/232323232\r\nFINANCIAL INSTRUMENT XYZPQR", m.Field("35B")!.Content);
        var eligible = m.Field("93B", "ELIG")!;
        Assert.Equal(("FAMT/500000,", "USECU/ACCTINFO"), (eligible.Value, eligible.SequencePath));
        Assert.Equal("CAOPTN/CASHMOVE", m.Field("19B", "ENTL")!.SequencePath);
        Assert.Equal("PAYMENT UPON RECEIPT OF FUNDS - \r\nTIMELY PAYMENT EXPECTED", m.Field("70E", "ADTX")!.Value);
        Assert.Equal(text.IndexOf("{4:", StringComparison.Ordinal) + m.TextBlock.Length + m.TrailerBlock!.Length, text.Length);
    }

    [Fact]
    public void Prowides_mt540_in_input_form_is_read_and_the_hub_rejects_it_back_as_a_type_it_does_not_carry()
    {
        var text = Sample("prowide-mt540-input.fin");
        var m = FinReader.Read(text).Message!;

        Assert.Equal(new ApplicationHeader(FinDirection.Input, "540", LogicalTerminal.Parse("FOOXUS3NXXXX"), 'N'), m.Application);
        Assert.Equal("GC899999", m.SenderReference);
        var safe = m.Field("97B", "SAFE")!;
        Assert.Equal(("SA22", "AS11/123456"), (safe.Issuer, safe.Value));
        Assert.Equal("Foo name and address in a large lin\r\ne of text", m.Field("95Q", "PSET")!.Value);

        var world = new HubWorld().Subscribe("0010", "TESTUS20").Subscribe("0011", "FOOXUS3N");
        var outcome = world.Send("0010", text);
        Assert.Equal(("rejected", "message-type"), (outcome.Answer!.Status, outcome.Answer.Rule));
        Assert.Empty(world.List("0011"));
    }

    [Theory]
    [InlineData("prowide-mt101.fin", "swift-character-set", "message.block4", "'_'")]
    [InlineData("prowide-mt540-cancel.fin", "message-format", "message.block2", "session number")]
    [InlineData("prowide-mt305-extra-brace.fin", "message-format", "message", "'}'")]
    public void Samples_that_break_the_standard_are_refused_by_the_rule_they_break(string name, string rule, string field, string detail)
    {
        var reading = FinReader.Read(Sample(name));

        Assert.Equal((rule, field), (reading.Error!.RuleName, reading.Error.Field));
        Assert.Contains(detail, reading.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_sample_keeps_its_cr_lf_line_ends()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Samples"), "*.fin"))
        {
            var text = File.ReadAllText(file);
            Assert.Contains("\r\n", text, StringComparison.Ordinal);
            Assert.Equal(text.Split("\r\n").Length, text.Split('\n').Length);
        }
    }
}
