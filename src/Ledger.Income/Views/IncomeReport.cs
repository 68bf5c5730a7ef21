using System.Globalization;
using System.Text;
using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>
/// The daily income file (<c>ledger income-report --participant P --date D</c>): every income entry
/// posted to the participant at the open of business date D, one a line, coded by kind so that
/// stock-loan income stands apart from other income. CSV (RFC 4180: CRLF, quotes where needed),
/// UTF-8 without a byte order mark, a header line, amounts in dollars with two decimals, rates with
/// six; the same entries always give the same bytes.
/// </summary>
public static class IncomeReport
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "participant", "businessDate", "kind", "distributionId", "distributionType", "cusip", "counterparty",
        "shares", "ratePerShare", "amount", "recordDate", "payableDate", "entryId", "postingId",
    ];

    /// <summary>The entries posted to the participant on <paramref name="businessDate"/>, from its memo journal.</summary>
    public static IReadOnlyList<(IncomeEntryData Entry, string PostingId)> PostedOn(IEnumerable<MemoAccountEvent> events, DateOnly businessDate)
    {
        ArgumentNullException.ThrowIfNull(events);
        var date = IncomeDates.ToText(businessDate);
        return events.OfType<IncomePostingRecorded>().Where(p => p.BusinessDate == date)
            .SelectMany(p => p.Entries.Select(e => (e, p.PostingId))).ToList();
    }

    /// <summary>The file's bytes. Lines sort by kind (holder-of-record first), CUSIP, distribution, counterparty and entry id.</summary>
    public static byte[] Write(ParticipantId participant, DateOnly businessDate, IEnumerable<(IncomeEntryData Entry, string PostingId)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        Line(text, Columns);
        var date = IncomeDates.ToText(businessDate);
        foreach (var (e, postingId) in entries
            .OrderBy(x => x.Entry.Kind == IncomeKind.HolderOfRecord.Name() ? 0 : 1)
            .ThenBy(x => x.Entry.Cusip, StringComparer.Ordinal)
            .ThenBy(x => x.Entry.DistributionId, StringComparer.Ordinal)
            .ThenBy(x => x.Entry.Counterparty ?? "", StringComparer.Ordinal)
            .ThenBy(x => x.Entry.EntryId, StringComparer.Ordinal)
            .ThenBy(x => x.PostingId, StringComparer.Ordinal))
        {
            Line(text,
            [
                participant.Value, date, e.Kind, e.DistributionId, e.DistributionType, e.Cusip, e.Counterparty ?? "",
                e.Shares.ToString(CultureInfo.InvariantCulture),
                e.RatePerShare.ToString("0.000000", CultureInfo.InvariantCulture),
                new Money(e.AmountCents).ToString(),
                e.RecordDate, e.PayableDate, e.EntryId, postingId,
            ]);
        }
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }

    private static void Line(StringBuilder text, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) text.Append(',');
            var field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0) text.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else text.Append(field);
        }
        text.Append("\r\n");
    }
}
