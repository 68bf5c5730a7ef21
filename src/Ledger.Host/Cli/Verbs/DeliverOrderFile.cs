using System.Globalization;
using System.Text.Json;

namespace Ledger.Host.Verbs;

public enum DeliverOrderFileFormat
{
    JsonLines = 1,
    Csv = 2,
}

/// <summary>
/// One line of a deliver order file: a deliver order to send, a fault that keeps the line from
/// being sent, or neither (a blank line, a <c>#</c> comment, the CSV header).
/// </summary>
public sealed record ParsedLine(long LineNumber, DeliverOrderLine? Order, string? Fault)
{
    public bool IsOrder => Order is not null;

    public bool IsBad => Fault is not null;
}

/// <summary>The file cannot be read as deliver orders at all (for instance an unknown CSV column).</summary>
public sealed class DeliverOrderFileException(string message) : Exception(message);

/// <summary>
/// Reads OCC's daily file: one deliver order per line, as JSON lines or CSV, with the fields of
/// <c>POST /v1/deliver-orders</c> (id, deliverer, receiver, cusip, shares, amount, reasonCode).
/// Only the form is checked here (JSON or CSV syntax, types, required fields): whether a deliver
/// order is acceptable is the ledger's business, and it says so per order.
/// </summary>
public sealed class DeliverOrderFile
{
    public static readonly string[] Fields = ["id", "deliverer", "receiver", "cusip", "shares", "amount", "reasonCode"];

    /// <summary>The longest line read; a longer one is a bad line (and is not held in memory whole twice).</summary>
    public const int LineLengthMax = 64 * 1024;

    private int[]? _csvColumns;
    private int _headerCount;
    private bool _headerSeen;

    public DeliverOrderFile(DeliverOrderFileFormat format) => Format = format;

    public DeliverOrderFileFormat Format { get; }

    /// <summary>By extension (.jsonl, .ndjson, .json; .csv), otherwise by the first line that is not blank or a comment.</summary>
    public static DeliverOrderFileFormat Detect(string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".jsonl" or ".ndjson" or ".json") return DeliverOrderFileFormat.JsonLines;
        if (extension is ".csv") return DeliverOrderFileFormat.Csv;
        using var reader = new StreamReader(path);
        while (reader.ReadLine() is { } line)
        {
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            return trimmed.StartsWith('{') ? DeliverOrderFileFormat.JsonLines : DeliverOrderFileFormat.Csv;
        }
        return DeliverOrderFileFormat.Csv;
    }

    /// <summary>Every line of <paramref name="reader"/>, numbered from 1.</summary>
    public static IEnumerable<ParsedLine> ReadAll(TextReader reader, DeliverOrderFileFormat format)
    {
        var file = new DeliverOrderFile(format);
        long number = 0;
        while (reader.ReadLine() is { } line) yield return file.Parse(++number, line);
    }

    /// <summary>Parses one line; lines must be given in order (the CSV header comes first).</summary>
    /// <exception cref="DeliverOrderFileException">A CSV header that names unknown or duplicated columns, or lacks a required one.</exception>
    public ParsedLine Parse(long lineNumber, string line)
    {
        var trimmed = line.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith('#')) return new ParsedLine(lineNumber, null, null);
        if (line.Length > LineLengthMax) return Bad(lineNumber, $"the line is longer than {LineLengthMax} characters");
        return Format == DeliverOrderFileFormat.JsonLines ? ParseJson(lineNumber, trimmed) : ParseCsv(lineNumber, line);
    }

    private static ParsedLine Bad(long lineNumber, string fault) => new(lineNumber, null, fault);

    private static ParsedLine ParseJson(long lineNumber, string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException e)
        {
            return Bad(lineNumber, $"not valid JSON ({FirstSentence(e.Message)})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Bad(lineNumber, "not a JSON object");
            var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (Array.IndexOf(Fields, property.Name) < 0)
                    return Bad(lineNumber, $"unknown field \"{property.Name}\" (fields: {string.Join(", ", Fields)})");
                if (!values.TryAdd(property.Name, property.Value.Clone()))
                    return Bad(lineNumber, $"field \"{property.Name}\" appears twice");
            }

            string? fault = null;
            string? Text(string name, bool required)
            {
                if (fault is not null) return null;
                if (!values.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null)
                {
                    if (required) fault = $"{name} is missing";
                    return null;
                }
                if (v.ValueKind != JsonValueKind.String)
                {
                    fault = $"{name} must be a JSON string";
                    return null;
                }
                return v.GetString();
            }

            var id = Text("id", true);
            var deliverer = Text("deliverer", true);
            var receiver = Text("receiver", true);
            var cusip = Text("cusip", true);
            var reasonCode = Text("reasonCode", false);
            if (fault is not null) return Bad(lineNumber, fault);

            if (!values.TryGetValue("shares", out var sharesValue) || sharesValue.ValueKind == JsonValueKind.Null)
                return Bad(lineNumber, "shares is missing");
            if (sharesValue.ValueKind != JsonValueKind.Number || !sharesValue.TryGetInt64(out var shares))
                return Bad(lineNumber, $"shares must be a whole number, not {sharesValue.GetRawText()}");
            if (!values.TryGetValue("amount", out var amountValue) || amountValue.ValueKind == JsonValueKind.Null)
                return Bad(lineNumber, "amount is missing");
            if (amountValue.ValueKind != JsonValueKind.Number || !amountValue.TryGetDecimal(out var amount))
                return Bad(lineNumber, $"amount must be a number of dollars, not {amountValue.GetRawText()}");
            return new ParsedLine(lineNumber, new DeliverOrderLine(id!, deliverer!, receiver!, cusip!, shares, amount, reasonCode), null);
        }
    }

    private ParsedLine ParseCsv(long lineNumber, string line)
    {
        if (!SplitCsv(line, out var cells, out var splitFault)) return Bad(lineNumber, splitFault!);

        if (!_headerSeen)
        {
            _headerSeen = true;
            // A header names at least the id and the shares columns; no deliver order reads like that.
            if (cells.Any(c => string.Equals(c, "id", StringComparison.OrdinalIgnoreCase)) && cells.Any(c => string.Equals(c, "shares", StringComparison.OrdinalIgnoreCase)))
            {
                _csvColumns = Header(lineNumber, cells);
                _headerCount = cells.Count;
                return new ParsedLine(lineNumber, null, null);
            }
        }

        string? Cell(int field)
        {
            if (_csvColumns is { } columns)
            {
                var at = columns[field];
                return at < 0 ? null : cells[at];
            }
            return field < cells.Count ? cells[field] : null;
        }

        if (_csvColumns is null && cells.Count is not (6 or 7))
            return Bad(lineNumber, $"{cells.Count} columns, expected 6 or 7 ({string.Join(",", Fields)})");
        if (_csvColumns is not null && cells.Count != _headerCount)
            return Bad(lineNumber, $"{cells.Count} columns, expected {_headerCount} as in the header");

        for (var f = 0; f < 6; f++)
        {
            if (string.IsNullOrEmpty(Cell(f))) return Bad(lineNumber, $"{Fields[f]} is missing");
        }
        var sharesText = Cell(4)!;
        if (!long.TryParse(sharesText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var shares))
            return Bad(lineNumber, $"shares \"{sharesText}\" is not a whole number");
        var amountText = Cell(5)!;
        if (!decimal.TryParse(amountText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            return Bad(lineNumber, $"amount \"{amountText}\" is not a number of dollars");
        var reasonCode = Cell(6);
        return new ParsedLine(lineNumber, new DeliverOrderLine(Cell(0)!, Cell(1)!, Cell(2)!, Cell(3)!, shares, amount,
            string.IsNullOrEmpty(reasonCode) ? null : reasonCode), null);
    }

    /// <summary>Where each field sits in a headed CSV file; -1 for an absent optional one.</summary>
    private static int[] Header(long lineNumber, List<string> cells)
    {
        var columns = Enumerable.Repeat(-1, Fields.Length).ToArray();
        for (var i = 0; i < cells.Count; i++)
        {
            var f = Array.FindIndex(Fields, name => string.Equals(name, cells[i], StringComparison.OrdinalIgnoreCase));
            if (f < 0)
                throw new DeliverOrderFileException($"line {lineNumber}: unknown column \"{cells[i]}\" in the header (columns: {string.Join(",", Fields)})");
            if (columns[f] >= 0) throw new DeliverOrderFileException($"line {lineNumber}: column \"{cells[i]}\" appears twice in the header");
            columns[f] = i;
        }
        var missing = Fields.Take(6).Where((_, f) => columns[f] < 0).ToList();
        if (missing.Count > 0)
            throw new DeliverOrderFileException($"line {lineNumber}: the header lacks {string.Join(", ", missing)}");
        return columns;
    }

    /// <summary>Splits one CSV line (RFC 4180 quoting within the line); cells are trimmed unless quoted.</summary>
    public static bool SplitCsv(string line, out List<string> cells, out string? fault)
    {
        cells = new List<string>();
        fault = null;
        var i = 0;
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t') i++;
            if (i < line.Length && line[i] == '"')
            {
                var cell = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        fault = "a quoted cell is not closed";
                        return false;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            cell.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    cell.Append(line[i++]);
                }
                while (i < line.Length && line[i] is ' ' or '\t') i++;
                if (i < line.Length && line[i] != ',')
                {
                    fault = $"unexpected \"{line[i]}\" after a quoted cell";
                    return false;
                }
                cells.Add(cell.ToString());
            }
            else
            {
                var end = line.IndexOf(',', i);
                var raw = end < 0 ? line[i..] : line[i..end];
                if (raw.Contains('"'))
                {
                    fault = "a quote inside an unquoted cell";
                    return false;
                }
                cells.Add(raw.Trim());
                i = end < 0 ? line.Length : end;
            }
            if (i >= line.Length) return true;
            i++; // the comma
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message.TrimEnd('.') : message[..cut];
    }
}
