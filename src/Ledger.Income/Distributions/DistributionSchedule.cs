using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>A command to the distribution schedule (one entity for the ledger: distributions are announced by the operator, a few a day).</summary>
public abstract record DistributionScheduleCommand(DateTimeOffset At) : IncomeCommand(At);

/// <summary>
/// The operator announces a distribution (<c>PUT /v1/securities/{cusip}/distributions/{id}</c>).
/// The same id with the same terms again changes nothing; with other terms it is refused.
/// </summary>
public sealed record AnnounceDistribution(
    Cusip Cusip,
    string DistributionId,
    DistributionType Type,
    decimal RatePerShare,
    DateOnly RecordDate,
    DateOnly PayableDate,
    BusinessDayStatus Day,
    BusinessCalendar Calendar,
    DateTimeOffset At) : DistributionScheduleCommand(At);

/// <summary>Every distribution announced, by CUSIP and id, with the dates the daily close and open ask about.</summary>
public sealed class DistributionScheduleState
{
    private readonly Dictionary<(Cusip Cusip, string Id), Distribution> _distributions = new();
    private readonly Dictionary<(Cusip Cusip, string Id), DateOnly> _announcedOn = new();

    public IReadOnlyCollection<Distribution> All => _distributions.Values;
    public long Version { get; private set; }

    public Distribution? Find(Cusip cusip, string id) => _distributions.TryGetValue((cusip, id), out var d) ? d : null;

    public DateOnly? AnnouncedOn(Cusip cusip, string id) => _announcedOn.TryGetValue((cusip, id), out var on) ? on : null;

    /// <summary>The distributions of a security, by record date then id (the contract's list).</summary>
    public IReadOnlyList<Distribution> ForSecurity(Cusip cusip) => Ordered(_distributions.Values.Where(d => d.Cusip == cusip));

    /// <summary>The distributions whose record date the close of <paramref name="closedDate"/> fixes: from it up to the day before <paramref name="nextDate"/> (a record date on a holiday takes the close before it).</summary>
    public IReadOnlyList<Distribution> WithRecordDateClosing(DateOnly closedDate, DateOnly nextDate) =>
        Ordered(_distributions.Values.Where(d => d.RecordDate >= closedDate && d.RecordDate < nextDate));

    /// <summary>The posting dates whose runs post at the open of <paramref name="openingDate"/>: after <paramref name="closedDate"/>, up to and including the opening date.</summary>
    public IReadOnlyList<DateOnly> PostingDatesOpening(DateOnly closedDate, DateOnly openingDate) =>
        _distributions.Values.Select(d => d.PostingDate).Where(p => p > closedDate && p <= openingDate).Distinct().Order().ToList();

    /// <summary>The distributions a payable-date run posts.</summary>
    public IReadOnlyList<Distribution> PostingOn(DateOnly postingDate) => Ordered(_distributions.Values.Where(d => d.PostingDate == postingDate));

    public void Apply(DistributionScheduleEvent @event)
    {
        Version++;
        switch (@event)
        {
            case DistributionAnnounced e:
                var distribution = new Distribution(new Cusip(e.Cusip), e.DistributionId, IncomeNames.ParseDistributionType(e.Type), e.RatePerShare,
                    IncomeDates.Parse(e.RecordDate), IncomeDates.Parse(e.PayableDate), IncomeDates.Parse(e.PostingDate));
                _distributions[(distribution.Cusip, distribution.Id)] = distribution;
                _announcedOn[(distribution.Cusip, distribution.Id)] = IncomeDates.Parse(e.AnnouncedOn);
                break;
            default:
                throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}");
        }
    }

    private static List<Distribution> Ordered(IEnumerable<Distribution> distributions) => distributions
        .OrderBy(d => d.RecordDate).ThenBy(d => d.Cusip.Value, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
}

public static class DistributionScheduleDecider
{
    public static Decision<DistributionScheduleEvent> Decide(DistributionScheduleState state, DistributionScheduleCommand command)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        var d = new Decision<DistributionScheduleEvent>();
        switch (command)
        {
            case AnnounceDistribution c: Announce(state, c, d); break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return d;
    }

    /// <summary>The checks of a distribution's terms against the business day (income-tracking.md section 9); null when they hold.</summary>
    public static IncomeError? CheckTerms(Cusip cusip, string id, decimal ratePerShare, DateOnly recordDate, DateOnly payableDate, BusinessDayStatus day)
    {
        ArgumentNullException.ThrowIfNull(day);
        if (!Cusip.IsValid(cusip.Value)) return new(IncomeRejection.InvalidCusip, "cusip", "cusip must be 9 characters with a valid check digit");
        if (!IncomeIds.IsValid(id)) return new(IncomeRejection.InvalidDistributionId, "id", $"id must be 1 to {IncomeLimits.IdLengthMax} letters, digits, '-', '_', '.' or ':'");
        if (ratePerShare <= 0) return new(IncomeRejection.RateNotPositive, "ratePerShare", "ratePerShare must be more than zero");
        if (!IncomeArithmetic.HasAtMostDecimals(ratePerShare, IncomeLimits.RateDecimalsMax))
            return new(IncomeRejection.RateMoreThanSixDecimals, "ratePerShare", $"ratePerShare has at most {IncomeLimits.RateDecimalsMax} decimals");
        if (ratePerShare > IncomeLimits.RatePerShareMax)
            return new(IncomeRejection.RateAboveMaximum, "ratePerShare", $"ratePerShare is at most {IncomeLimits.RatePerShareMax:0} dollars");
        if (recordDate < day.BusinessDate)
            return new(IncomeRejection.RecordDateInPast, "recordDate", $"the record date may not be before the current business date, {day.BusinessDate:yyyy-MM-dd}");
        if (recordDate == day.BusinessDate && day.Closing)
            return new(IncomeRejection.BusinessDayClosing, "recordDate", $"the close of {day.BusinessDate:yyyy-MM-dd} has begun and is fixing its entitlements; announce a record date from the next business date on");
        if (recordDate.DayNumber - day.BusinessDate.DayNumber > IncomeLimits.RecordDateAheadDaysMax)
            return new(IncomeRejection.RecordDateTooFarAhead, "recordDate", $"the record date is at most {IncomeLimits.RecordDateAheadDaysMax} days ahead");
        if (payableDate < recordDate)
            return new(IncomeRejection.PayableDateBeforeRecordDate, "payableDate", "the payable date may not be before the record date");
        if (payableDate.DayNumber - recordDate.DayNumber > IncomeLimits.PayableAfterRecordDaysMax)
            return new(IncomeRejection.PayableDateTooFarAhead, "payableDate", $"the payable date is at most {IncomeLimits.PayableAfterRecordDaysMax} days after the record date");
        return null;
    }

    private static void Announce(DistributionScheduleState state, AnnounceDistribution c, Decision<DistributionScheduleEvent> d)
    {
        if (CheckTerms(c.Cusip, c.DistributionId, c.RatePerShare, c.RecordDate, c.PayableDate, c.Day) is { } error)
        {
            d.Reject(error);
            return;
        }
        if (state.Find(c.Cusip, c.DistributionId) is { } known)
        {
            if (known.Type == c.Type && known.RatePerShare == c.RatePerShare && known.RecordDate == c.RecordDate && known.PayableDate == c.PayableDate) return;
            d.Reject(IncomeRejection.DistributionIdTaken, "id",
                $"distribution {c.DistributionId} on {c.Cusip} was announced with other terms ({known.Type.Name()}, {known.RatePerShare} a share, record {known.RecordDate:yyyy-MM-dd}, payable {known.PayableDate:yyyy-MM-dd})");
            return;
        }
        if (state.All.Count >= IncomeLimits.DistributionsMax)
        {
            d.Reject(IncomeRejection.DistributionsFull, "id", $"the schedule holds at most {IncomeLimits.DistributionsMax} distributions");
            return;
        }
        var posting = Distribution.PostingDateOf(c.RecordDate, c.PayableDate, c.Calendar);
        var e = new DistributionAnnounced(c.Cusip.Value, c.DistributionId, c.Type.Name(), c.RatePerShare,
            IncomeDates.ToText(c.RecordDate), IncomeDates.ToText(c.PayableDate), IncomeDates.ToText(posting), IncomeDates.ToText(c.Day.BusinessDate), c.At);
        state.Apply(e);
        d.Events.Add(e);
    }
}
