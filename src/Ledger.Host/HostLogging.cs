using System.Globalization;
using System.Text;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Ledger.Host;

public enum LogFormat
{
    Console = 1,
    Json = 2,
}

/// <summary>
/// All of a node's logging goes through Serilog: its own, ASP.NET Core's and the ledger node's
/// (Akka's own lines and the settlement lines of <c>Ledger.Settlement</c>, whose structured
/// properties, DeliverOrderId and Participant among them, appear as JSON fields with <c>--log-format json</c>).
/// </summary>
public static class HostLogging
{
    /// <summary>The names <c>--log-level</c> takes.</summary>
    public static readonly string[] Levels = ["debug", "information", "warning", "error"];

    public static LogEventLevel ParseLevel(string name) => name switch
    {
        "debug" => LogEventLevel.Debug,
        "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        _ => LogEventLevel.Information,
    };

    /// <param name="level">The least level written; Debug adds the ledger's per-deliver-order completion lines.</param>
    public static Serilog.Core.Logger Create(LogFormat format, Action<LoggerConfiguration>? configure = null, LogEventLevel level = LogEventLevel.Information)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            // ASP.NET Core's own request lines would repeat the request log; its warnings still show.
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // Last of the enrichers, so that it sees every property: text that came from a request
            // cannot break a line or reach the terminal as a control sequence, whichever line logs it.
            .Enrich.With<EscapedText>();
        config = format == LogFormat.Json
            ? config.WriteTo.Console(new CompactJsonFormatter())
            : config.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        configure?.Invoke(config);
        return config.CreateLogger();
    }
}

/// <summary>
/// Text from outside (a request path, an id that failed its format) made safe for a log line:
/// control characters (CR, LF, ESC, ...), format and direction characters (U+202E, zero-width
/// ones), line and paragraph separators, unassigned code points and lone surrogates become visible
/// escapes (<c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\u001B</c>). Other text comes back as it is.
/// </summary>
public static class LogText
{
    public static string Escape(string text)
    {
        if (!NeedsEscape(text)) return text;
        var escaped = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                escaped.Append(c).Append(text[++i]);
                continue;
            }
            if (!IsUnsafe(c))
            {
                escaped.Append(c);
                continue;
            }
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => $"\\u{(int)c:X4}",
            });
        }
        return escaped.ToString();
    }

    public static bool NeedsEscape(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (IsUnsafe(c)) return true;
        }
        return false;
    }

    // A surrogate reaching here is a lone one: a pair was stepped over.
    private static bool IsUnsafe(char c) =>
        char.IsSurrogate(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned;
}

/// <summary>Escapes every string property of a log event with <see cref="LogText.Escape"/>, nested ones included.</summary>
internal sealed class EscapedText : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? changed = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (Escaped(value) is { } escaped) (changed ??= []).Add(new LogEventProperty(name, escaped));
        }
        if (changed is null) return;
        foreach (var property in changed) logEvent.AddOrUpdateProperty(property);
    }

    /// <summary>The value with its text escaped, or null when nothing in it needs escaping.</summary>
    private static LogEventPropertyValue? Escaped(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string text }:
                return LogText.NeedsEscape(text) ? new ScalarValue(LogText.Escape(text)) : null;
            case SequenceValue sequence:
            {
                var elements = sequence.Elements.Select(e => Escaped(e)).ToList();
                return elements.Any(e => e is not null)
                    ? new SequenceValue(elements.Select((e, i) => e ?? sequence.Elements[i]))
                    : null;
            }
            case StructureValue structure:
            {
                var properties = structure.Properties.Select(p => Escaped(p.Value)).ToList();
                return properties.Any(p => p is not null)
                    ? new StructureValue(structure.Properties.Select((p, i) => new LogEventProperty(p.Name, properties[i] ?? p.Value)), structure.TypeTag)
                    : null;
            }
            case DictionaryValue dictionary:
            {
                var changed = false;
                var entries = new List<KeyValuePair<ScalarValue, LogEventPropertyValue>>();
                foreach (var (key, element) in dictionary.Elements)
                {
                    var escapedKey = Escaped(key) as ScalarValue;
                    var escapedValue = Escaped(element);
                    changed |= escapedKey is not null || escapedValue is not null;
                    entries.Add(new(escapedKey ?? key, escapedValue ?? element));
                }
                return changed ? new DictionaryValue(entries) : null;
            }
            default:
                return null;
        }
    }
}
