using System.Globalization;

namespace Ledger.Host.Http;

/// <summary>Times at the edges (query strings, command lines): ISO-8601 with an explicit UTC designator or offset.</summary>
public static class UtcTime
{
    /// <summary>
    /// Parses <paramref name="text"/> ("2026-03-02T14:30:00Z", "2026-03-02T09:30:00-05:00"); a
    /// time without a designator is refused, because it would be read in the machine's own zone.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var kind) || kind.Kind == DateTimeKind.Unspecified)
            return false;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed)) return false;
        time = parsed.ToUniversalTime();
        return true;
    }

    public const string Rule = "an ISO-8601 time with Z or an offset, such as 2026-03-02T14:30:00Z";
}
