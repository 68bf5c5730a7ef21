using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Ledger.Host.Tests;

/// <summary>Text from outside reaches a log line only with its control, format and direction characters shown as escapes.</summary>
public sealed class LogTextTests
{
    [Theory]
    [InlineData("/v1/participants/0001/account", "/v1/participants/0001/account")]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("a\tb", @"a\tb")]
    [InlineData("\u001b[31mred", @"\u001B[31mred")]
    [InlineData("\u0000\u0007\u007f\u0085", @"\u0000\u0007\u007F\u0085")]
    [InlineData("evil\u202Etxt.exe", @"evil\u202Etxt.exe")]
    [InlineData("zero\u200Bwidth\uFEFF", @"zero\u200Bwidth\uFEFF")]
    [InlineData("line\u2028paragraph\u2029", @"line\u2028paragraph\u2029")]
    [InlineData("é ü 日本 😀", "é ü 日本 😀")]
    public void Escape_shows_unsafe_characters_as_escapes_and_leaves_the_rest(string text, string expected)
    {
        Assert.Equal(expected, LogText.Escape(text));
        Assert.Equal(text != expected, LogText.NeedsEscape(text));
    }

    /// <summary>Not as theory data: the test runner's serialization replaces a lone surrogate before the test sees it.</summary>
    [Fact]
    public void Escape_shows_lone_surrogates_as_escapes()
    {
        Assert.Equal(@"lone\uD800surrogate\uDC00", LogText.Escape("lone\ud800surrogate\udc00"));
        Assert.Equal(@"low\uDC00high\uD800", LogText.Escape("low\udc00high\ud800"));
    }

    /// <summary>The node's logger escapes every string property, however it is nested, whichever line logs it.</summary>
    [Fact]
    public void The_node_logger_escapes_every_string_property_nested_ones_included()
    {
        var lines = new List<string>();
        var formatter = new MessageTemplateTextFormatter("{Message:lj} {Properties:j}");
        using (var logger = HostLogging.Create(LogFormat.Json, c => c.WriteTo.Sink(new Lines(formatter, lines))))
        {
            logger.Information("refused {DeliverOrderId} seeds {Seeds} by {@Caller}", "DO\n1\u001b[2J", new[] { "a\rb", "ok" }, new { Name = "x\u202Ey" });
        }

        var line = Assert.Single(lines);
        Assert.DoesNotContain(line, c => char.IsControl(c) || c == '\u202E');
        Assert.Contains(@"DO\n1\u001B[2J", line, StringComparison.Ordinal);
        // Nested values are rendered as JSON, which doubles the escape's backslash.
        Assert.Contains(@"\rb", line, StringComparison.Ordinal);
        Assert.Contains(@"\u202Ey", line, StringComparison.Ordinal);
    }

    private sealed class Lines(MessageTemplateTextFormatter formatter, List<string> lines) : Serilog.Core.ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            using var text = new StringWriter();
            formatter.Format(logEvent, text);
            lines.Add(text.ToString());
        }
    }
}
