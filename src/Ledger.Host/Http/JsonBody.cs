using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Ledger.Host.Http;

/// <summary>
/// Reads a request body as JSON, strictly: a JSON content type, the route's size limit, well-formed
/// JSON. It answers problems itself, so a handler either gets a document or returns the problem.
/// </summary>
public static class JsonBody
{
    /// <summary>Nesting deeper than this is refused: no request of the API needs more than three levels.</summary>
    public const int DepthMax = 16;

    /// <param name="batchItemsMax">
    /// For a route that takes a batch: a top-level array with more items than this is refused
    /// (413 <c>batch-size-max</c>) from a count of its items, before a document of it is built.
    /// </param>
    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct, int? batchItemsMax = null)
    {
        if (!request.HasJsonContentType())
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "content-type", "body", "the body must be JSON, sent with Content-Type: application/json"));
        // RequestLimits has checked this already on the node; checked again here for any other host of the handlers.
        var bytesMax = RequestLimits.BodyBytesMax(request.HttpContext);
        if (request.ContentLength > bytesMax) return (null, TooLarge(bytesMax));

        // Kestrel enforces the same limit; this also covers bodies without a length and other servers.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = bytesMax;

        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 0);
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > bytesMax) return (null, TooLarge(bytesMax));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(bytesMax));
        }

        // The JSON reader checks UTF-8 only when a string is read, which would be a failure deep in a
        // handler: refuse a body that is not UTF-8 here, whole.
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            return (null, Problems.Of(StatusCodes.Status400BadRequest, "utf-8", "body", "the body must be UTF-8 text; it holds bytes that are not"));

        // A document costs memory per value: an array of millions of zeros must not be built to be refused.
        if (batchItemsMax is { } itemsMax && TopLevelArrayLength(bytes.Span) is { } items && items > itemsMax)
            return (null, Problems.Of(StatusCodes.Status413PayloadTooLarge, "batch-size-max", "body", $"the batch holds {items} items; at most {itemsMax}"));

        try
        {
            var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = DepthMax });
            return (document, null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return (null, Problems.Of(StatusCodes.Status400BadRequest, "json-syntax", "body", $"the body is not well-formed JSON{where}"));
        }
    }

    /// <summary>
    /// The items of a top-level JSON array, counted by the reader without building anything; null
    /// when the body is not an array or not well-formed (the parse that follows says which).
    /// </summary>
    internal static int? TopLevelArrayLength(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = DepthMax });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
            var items = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                items++;
                reader.Skip();
            }
            return items;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static IResult TooLarge(long bytesMax) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, "body-size-max", "body", $"the body must be at most {bytesMax} bytes here");
}

/// <summary>
/// The fields of one JSON object, read strictly: only the allowed names, each once, each of its
/// JSON type. Every fault is added to <see cref="Problems"/>; a missing or null field reads as null
/// so that the domain's entry rules say "required".
/// </summary>
public sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);
    private readonly string _prefix;
    private readonly int? _index;
    private readonly List<FieldProblem> _problems;

    private JsonFields(string prefix, int? index, List<FieldProblem> problems)
    {
        _prefix = prefix;
        _index = index;
        _problems = problems;
    }

    /// <param name="prefix">Put before every field name: "" for a body, "[3]." for the fourth item of a batch.</param>
    public static JsonFields Of(JsonElement element, IReadOnlyCollection<string> allowed, List<FieldProblem> problems, string prefix = "", int? index = null)
    {
        var fields = new JsonFields(prefix, index, problems);
        if (element.ValueKind != JsonValueKind.Object)
        {
            fields.Add(prefix.Length == 0 ? "body" : prefix.TrimEnd('.'), "json-type", $"must be a JSON object with the fields {string.Join(", ", allowed)}");
            return fields;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (!TryName(property, out var name))
            {
                fields.Add(prefix.Length == 0 ? "body" : prefix.TrimEnd('.'), "unicode", LoneSurrogate("a field name"));
                continue;
            }
            if (!allowed.Contains(name))
            {
                var shown = Shown(name);
                fields.Add(prefix + shown, "field-known", $"{shown} is not a field here; allowed: {string.Join(", ", allowed)}");
            }
            else if (!fields._values.TryAdd(name, property.Value))
                fields.Add(prefix + name, "field-unique", $"{name} appears more than once");
        }
        return fields;
    }

    /// <summary>
    /// An unknown field's name as answers show it: as sent when it is a plain name, otherwise as a
    /// JSON string (so that an empty name, control or direction characters show as escapes), and
    /// never longer than <see cref="ShownNameLengthMax"/>.
    /// </summary>
    public static string Shown(string name)
    {
        if (name.Length > ShownNameLengthMax) name = name[..ShownNameLengthMax] + "...";
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$' or '.')
            ? name
            : JsonSerializer.Serialize(name);
    }

    public const int ShownNameLengthMax = 64;

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name)
    {
        if (!Value(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.String)
        {
            WrongType(name, "a JSON string");
            return null;
        }
        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            // The JSON reader checks escapes such as \ud800 only when the string is read.
            Add(_prefix + name, "unicode", LoneSurrogate(name));
            return null;
        }
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    private static string LoneSurrogate(string what) =>
        $"{what} holds an escaped lone surrogate (such as \\ud800), which is not Unicode text";

    public bool? Boolean(string name)
    {
        if (!Value(name, out var v)) return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        WrongType(name, "true or false");
        return null;
    }

    /// <summary>A whole number. Beyond the range of long it reads as long.MaxValue or long.MinValue, which every limit refuses.</summary>
    public long? Integer(string name)
    {
        if (!Value(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number)
        {
            WrongType(name, "a JSON number (a whole number, not a string)");
            return null;
        }
        if (!Literal(name, v, out var literal)) return null;
        var reading = ExactNumber.Read(literal, out var value, out var negative);
        if (reading == NumberReading.TooPrecise || (reading == NumberReading.Exact && value != decimal.Truncate(value)))
        {
            Add(_prefix + name, "integer", $"{name} must be a whole number");
            return null;
        }
        if (reading == NumberReading.TooLarge || value > long.MaxValue || value < long.MinValue)
            return negative ? long.MinValue : long.MaxValue;
        return (long)value;
    }

    /// <summary>
    /// A number read exactly as decimal. Beyond decimal's range it reads as decimal.MaxValue or
    /// MinValue, which every limit refuses; one with more digits than decimal holds is refused here.
    /// </summary>
    public decimal? Decimal(string name)
    {
        if (!Value(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number)
        {
            WrongType(name, "a JSON number (not a string)");
            return null;
        }
        if (!Literal(name, v, out var literal)) return null;
        switch (ExactNumber.Read(literal, out var value, out var negative))
        {
            case NumberReading.Exact:
                return value;
            case NumberReading.TooLarge:
                return negative ? decimal.MinValue : decimal.MaxValue;
            default:
                Add(_prefix + name, "number-precision", $"{name} has more significant digits than Ledger reads exactly (28)");
                return null;
        }
    }

    /// <summary>
    /// A number's literal, measured in the body's own bytes before it is copied or read: one of
    /// millions of digits is refused here, costing no arithmetic.
    /// </summary>
    private bool Literal(string name, JsonElement number, out string literal)
    {
        var length = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(number).Length;
        if (length > ExactNumber.LiteralLengthMax)
        {
            Add(_prefix + name, "number-length-max", $"{name} is a number of {length} characters; at most {ExactNumber.LiteralLengthMax}");
            literal = "";
            return false;
        }
        literal = number.GetRawText();
        return true;
    }

    private bool Value(string name, out JsonElement value) =>
        _values.TryGetValue(name, out value) && value.ValueKind != JsonValueKind.Null;

    private void WrongType(string name, string expected) => Add(_prefix + name, "json-type", $"{name} must be {expected}");

    private void Add(string field, string rule, string message) => _problems.Add(new FieldProblem(field, rule, message, _index));
}
