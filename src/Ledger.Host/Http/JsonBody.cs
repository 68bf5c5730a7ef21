using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Ledger.Host.Http;

/// <summary>
/// Reads a request body as JSON, strictly: a JSON content type, a size limit, well-formed JSON. It
/// answers problems itself, so a handler either gets a document or returns the problem.
/// </summary>
public static class JsonBody
{
    /// <summary>Nesting deeper than this is refused: no request of the API needs more than three levels.</summary>
    public const int DepthMax = 16;

    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadAsync(HttpRequest request, long bytesMax, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "content-type", "body", "the body must be JSON, sent with Content-Type: application/json"));
        if (request.ContentLength > bytesMax) return (null, TooLarge(bytesMax));

        // Kestrel enforces the same limit; this also covers bodies without a length and other servers.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = bytesMax;

        using var buffer = new MemoryStream();
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

    private static IResult TooLarge(long bytesMax) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, "body-size-max", "body", $"the body must be at most {bytesMax} bytes");
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
        var reading = ExactNumber.Read(v.GetRawText(), out var value, out var negative);
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
        switch (ExactNumber.Read(v.GetRawText(), out var value, out var negative))
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

    private bool Value(string name, out JsonElement value) =>
        _values.TryGetValue(name, out value) && value.ValueKind != JsonValueKind.Null;

    private void WrongType(string name, string expected) => Add(_prefix + name, "json-type", $"{name} must be {expected}");

    private void Add(string field, string rule, string message) => _problems.Add(new FieldProblem(field, rule, message, _index));
}
