using System.Text;

namespace Ledger.Recalls;

/// <summary>
/// The eligibility file: every subscriber, one line each, in participant order, under the header
/// <c>participant,name,address,vendor</c>. CSV as RFC 4180 writes it (CR LF line ends, a field in
/// double quotes when it holds a comma, a quote or a line end, quotes doubled), so the same
/// subscribers always give the same bytes.
/// </summary>
public static class EligibilityFile
{
    public const string Header = "participant,name,address,vendor";

    /// <summary>The business date a close's file is for: the first business day after the closed date.</summary>
    public static DateOnly DateAfterClose(BusinessCalendar calendar, DateOnly closedDate)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return calendar.Next(closedDate);
    }

    /// <summary>The file written for <paramref name="date"/> (<c>yyyy-MM-dd</c>), exactly as stored, or why there is none.</summary>
    public static (string? Csv, HubError? Error) Find(RegistryState registry, string? date)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (!Dates.TryParse(date, out var businessDate))
            return (null, new HubError(HubRule.DateFormat, "date", "date must be yyyy-MM-dd"));
        return registry.EligibilityFiles.TryGetValue(businessDate, out var csv)
            ? (csv, null)
            : (null, new HubError(HubRule.EligibilityFileKnown, "date", $"no eligibility file was written for {date}"));
    }

    public static string Write(IEnumerable<Subscriber> subscribers)
    {
        var text = new StringBuilder();
        text.Append(Header).Append("\r\n");
        foreach (var s in subscribers.OrderBy(s => s.Participant.Value, StringComparer.Ordinal))
        {
            text.Append(Field(s.Participant.Value)).Append(',')
                .Append(Field(s.Name)).Append(',')
                .Append(Field(s.Address)).Append(',')
                .Append(Field(s.Vendor ?? "")).Append("\r\n");
        }
        return text.ToString();
    }

    private static string Field(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
