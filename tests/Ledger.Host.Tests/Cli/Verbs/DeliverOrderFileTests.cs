using Ledger.Host.Verbs;

namespace Ledger.Host.Tests.Verbs;

/// <summary>OCC's daily file as <c>ledger submit</c> reads it: only the form is checked; the ledger judges the content.</summary>
public sealed class DeliverOrderFileTests
{
    private static List<ParsedLine> Read(string text, DeliverOrderFileFormat format) =>
        DeliverOrderFile.ReadAll(new StringReader(text), format).ToList();

    [Fact]
    public void Json_lines_are_read_exactly_with_optional_reason_code_blank_lines_and_comments_skipped()
    {
        var lines = Read("""
            {"id":"DO-1","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1000,"amount":100000.07,"reasonCode":"LOAN"}

            # a comment
              {"amount":0.1,"shares":1,"cusip":"X","receiver":"0006","deliverer":"0900","id":"DO-2"}
            {"id":"DO-3","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":10000000000,"amount":92233720368547758.07,"reasonCode":null}
            """, DeliverOrderFileFormat.JsonLines);

        Assert.Equal(5, lines.Count);
        Assert.Equal(new DeliverOrderLine("DO-1", "0005", "0900", "037833100", 1000, 100_000.07m, "LOAN"), lines[0].Order);
        Assert.False(lines[1].IsOrder || lines[1].IsBad);
        Assert.False(lines[2].IsOrder || lines[2].IsBad);
        // Field order does not matter, and the CUSIP is the ledger's to judge, not the file reader's.
        Assert.Equal(new DeliverOrderLine("DO-2", "0900", "0006", "X", 1, 0.1m, null), lines[3].Order);
        Assert.Equal(4, lines[3].LineNumber);
        Assert.Equal(92_233_720_368_547_758.07m, lines[4].Order!.Amount);
        Assert.Null(lines[4].Order!.ReasonCode);
    }

    [Theory]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1000,"amount":1""", "not valid JSON")]
    [InlineData("""["id","A"]""", "not a JSON object")]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":"1000","amount":1}""", "shares must be a whole number")]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":10.5,"amount":1}""", "shares must be a whole number")]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":99999999999999999999,"amount":1}""", "shares must be a whole number")]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1,"amount":"1.00"}""", "amount must be a number")]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1}""", "amount is missing")]
    [InlineData("""{"deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1,"amount":1}""", "id is missing")]
    [InlineData("""{"id":7,"deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1,"amount":1}""", "id must be a JSON string")]
    [InlineData("""{"id":"A","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1,"amount":1,"price":3}""", "unknown field \"price\"")]
    [InlineData("""{"id":"A","id":"B","deliverer":"0005","receiver":"0900","cusip":"037833100","shares":1,"amount":1}""", "field \"id\" appears twice")]
    public void A_json_line_that_cannot_be_read_is_bad_and_says_why(string line, string fault)
    {
        var parsed = Read("# header comment\n" + line, DeliverOrderFileFormat.JsonLines)[1];

        Assert.True(parsed.IsBad);
        Assert.Null(parsed.Order);
        Assert.Equal(2, parsed.LineNumber);
        Assert.Contains(fault, parsed.Fault);
    }

    [Fact]
    public void Csv_without_a_header_is_positional_with_an_optional_reason_code()
    {
        var lines = Read("""
            DO-1,0005,0900,037833100,1000,100000.07,LOAN
            DO-2, 0900 ,0006,037833100,1000,100000
            "DO-3","0005","0900","037833100","500","-1.5",""
            """, DeliverOrderFileFormat.Csv);

        Assert.Equal(new DeliverOrderLine("DO-1", "0005", "0900", "037833100", 1000, 100_000.07m, "LOAN"), lines[0].Order);
        Assert.Equal(new DeliverOrderLine("DO-2", "0900", "0006", "037833100", 1000, 100_000m, null), lines[1].Order);
        // A negative amount is well formed: refusing it is the ledger's rule (amount-not-negative).
        Assert.Equal(new DeliverOrderLine("DO-3", "0005", "0900", "037833100", 500, -1.5m, null), lines[2].Order);
    }

    [Fact]
    public void Csv_with_a_header_takes_its_columns_in_any_order_and_quoted_cells_keep_commas_and_quotes()
    {
        var lines = Read(
            "# OCC Market Loan file\n" +
            "Amount,Shares,Cusip,Receiver,Deliverer,ID,ReasonCode\n" +
            "100000.07,1000,037833100,0900,0005,DO-1,\"LOAN\"\n" +
            "5,1,037833100,0006,0900,\"DO,\"\"2\"\"\",\n",
            DeliverOrderFileFormat.Csv);

        Assert.False(lines[1].IsOrder || lines[1].IsBad);
        Assert.Equal(new DeliverOrderLine("DO-1", "0005", "0900", "037833100", 1000, 100_000.07m, "LOAN"), lines[2].Order);
        Assert.Equal("DO,\"2\"", lines[3].Order!.Id);
        Assert.Null(lines[3].Order!.ReasonCode);
    }

    [Theory]
    [InlineData("DO-1,0005,0900,037833100,1000", "5 columns, expected 6 or 7")]
    [InlineData("DO-1,0005,0900,037833100,1000,1,LOAN,extra", "8 columns, expected 6 or 7")]
    [InlineData("DO-1,0005,0900,037833100,lots,1,LOAN", "shares \"lots\" is not a whole number")]
    [InlineData("DO-1,0005,0900,037833100,1.5,1,LOAN", "shares \"1.5\" is not a whole number")]
    [InlineData("DO-1,0005,0900,037833100,10,$1.00,LOAN", "amount \"$1.00\" is not a number")]
    [InlineData("DO-1,0005,0900,037833100,10,1e3,LOAN", "amount \"1e3\" is not a number")]
    [InlineData("DO-1,,0900,037833100,10,1,LOAN", "deliverer is missing")]
    [InlineData("\"DO-1,0005,0900,037833100,10,1,LOAN", "a quoted cell is not closed")]
    [InlineData("\"DO-1\"x,0005,0900,037833100,10,1,LOAN", "after a quoted cell")]
    [InlineData("DO\"1,0005,0900,037833100,10,1,LOAN", "a quote inside an unquoted cell")]
    public void A_csv_line_that_cannot_be_read_is_bad_and_says_why(string line, string fault)
    {
        var lines = Read("DO-0,0005,0900,037833100,1,1,LOAN\n" + line + "\nDO-9,0005,0900,037833100,1,1,LOAN", DeliverOrderFileFormat.Csv);

        Assert.True(lines[0].IsOrder);
        Assert.True(lines[1].IsBad);
        Assert.Equal(2, lines[1].LineNumber);
        Assert.Contains(fault, lines[1].Fault);
        Assert.True(lines[2].IsOrder);
    }

    [Fact]
    public void A_headed_csv_line_must_have_as_many_cells_as_the_header()
    {
        var lines = Read("id,deliverer,receiver,cusip,shares,amount\nDO-1,0005,0900,037833100,1,1,LOAN", DeliverOrderFileFormat.Csv);

        Assert.True(lines[1].IsBad);
        Assert.Contains("7 columns, expected 6 as in the header", lines[1].Fault);
    }

    [Theory]
    [InlineData("id,deliverer,receiver,cusip,shares,amount,price", "unknown column \"price\"")]
    [InlineData("id,deliverer,receiver,cusip,shares,shares,amount", "appears twice")]
    [InlineData("id,deliverer,receiver,cusip,shares", "lacks amount")]
    public void A_csv_header_with_unknown_duplicated_or_missing_columns_stops_the_file(string header, string fault)
    {
        var e = Assert.Throws<DeliverOrderFileException>(() => Read(header + "\nDO-1,0005,0900,037833100,1,1", DeliverOrderFileFormat.Csv));

        Assert.Contains("line 1", e.Message);
        Assert.Contains(fault, e.Message);
    }

    [Theory]
    [InlineData("orders.jsonl", "DO-1,0005,0900,037833100,1,1", DeliverOrderFileFormat.JsonLines)]
    [InlineData("orders.csv", "{\"id\":\"DO-1\"}", DeliverOrderFileFormat.Csv)]
    [InlineData("orders.txt", "\n# comment\n  {\"id\":\"DO-1\"}", DeliverOrderFileFormat.JsonLines)]
    [InlineData("orders.txt", "id,deliverer,receiver,cusip,shares,amount", DeliverOrderFileFormat.Csv)]
    public void The_format_comes_from_the_extension_or_else_from_the_first_line(string name, string text, DeliverOrderFileFormat format)
    {
        using var files = new TestFiles();

        Assert.Equal(format, DeliverOrderFile.Detect(files.Write(name, text)));
    }
}
