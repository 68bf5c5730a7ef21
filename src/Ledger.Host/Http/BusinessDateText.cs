using System.Globalization;

namespace Ledger.Host.Http;

/// <summary>A business date as the API writes it: <c>YYYY-MM-DD</c>, exactly (no time, no zone, no other layout).</summary>
internal static class BusinessDateText
{
    public const string Format = "yyyy-MM-dd";

    public static bool TryParse(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static string Of(DateOnly date) => date.ToString(Format, CultureInfo.InvariantCulture);
}
