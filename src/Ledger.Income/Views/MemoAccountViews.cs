using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>One memo line as the contract shows it: shares the participant has lent to the counterparty (negative: borrowed).</summary>
public sealed record MemoLineView(string Counterparty, string Cusip, long Shares);

/// <summary>A memo line that crossed zero: since when, and what made it.</summary>
public sealed record MemoExceptionView(string Counterparty, string Cusip, long Shares, string Since, string Cause);

/// <summary>
/// <c>GET /v1/participants/{id}/stock-loans</c>: the participant's own memo lines (zero lines left
/// out) and its exceptions, now or as at the close of a past business date. Never a
/// counterparty's view: every figure is the participant's own line.
/// </summary>
public sealed record MemoAccountView(
    string Participant,
    string? BusinessDate,
    string Standing,
    IReadOnlyList<MemoLineView> Lines,
    IReadOnlyList<MemoExceptionView> Exceptions)
{
    /// <param name="businessDate">The ledger's current business date; the account's own open memo day when null.</param>
    public static MemoAccountView Of(MemoAccountState state, DateOnly? businessDate = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var lines = state.OrderedLines().ToList();
        var date = businessDate ?? state.BusinessDate;
        return new MemoAccountView(
            state.Participant.Value,
            date is { } d ? IncomeDates.ToText(d) : null,
            state.Standing.Name(),
            lines.Select(l => new MemoLineView(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares)).ToList(),
            lines.Where(l => l.Value.ExceptionSince is not null)
                .Select(l => new MemoExceptionView(l.Key.Counterparty.Value, l.Key.Cusip.Value, l.Value.Shares, IncomeDates.ToText(l.Value.ExceptionSince!.Value), l.Value.ExceptionCause ?? ""))
                .ToList());
    }

    /// <summary>
    /// The memo account as at the close of <paramref name="date"/> (<c>?asOf=DATE</c>), replayed from
    /// its journal: the state right after the last close on or before that date (a weekend or
    /// holiday shows the close before it). Refused (<c>as-of-closed-date</c>) for a date whose close
    /// has not happened yet.
    /// </summary>
    public static (MemoAccountView? View, IncomeError? Error) AsOf(ParticipantId participant, IReadOnlyList<MemoAccountEvent> events, DateOnly date, IncomeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var last = -1;
        DateOnly? nextAfterLast = null;
        var anyClose = false;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not MemoDayClosed closed) continue;
            anyClose = true;
            if (IncomeDates.Parse(closed.ClosedDate) > date) break;
            last = i;
            nextAfterLast = IncomeDates.Parse(closed.NextDate);
        }
        if (!anyClose || (nextAfterLast is { } next && next <= date))
            return (null, new IncomeError(IncomeRejection.AsOfNotClosed, "asOf", $"{date:yyyy-MM-dd} has not closed yet for {participant}; ask for a closed business date, or without asOf for the lines now"));
        var state = new MemoAccountState(participant, settings);
        for (var i = 0; i <= last; i++) state.Apply(events[i]);
        return (Of(state, date), null);
    }

    /// <summary>The memo account as it stood at <paramref name="at"/>: every event up to that business time (risk staff's replay).</summary>
    public static MemoAccountState ReplayTo(ParticipantId participant, IEnumerable<MemoAccountEvent> events, DateTimeOffset at, IncomeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new MemoAccountState(participant, settings);
        foreach (var e in events)
        {
            if (e.At > at) break;
            state.Apply(e);
        }
        return state;
    }
}

/// <summary>One entry of <c>GET /v1/participants/{id}/income</c>: amount signed, in dollars (+ credit, - debit); counterparty null for holder-of-record.</summary>
public sealed record IncomeEntryView(
    string Kind,
    string DistributionId,
    string Cusip,
    string? Counterparty,
    long Shares,
    decimal RatePerShare,
    decimal Amount,
    string EntryId,
    string DistributionType,
    string RecordDate,
    string PayableDate,
    string PostedOn);

/// <summary><c>GET /v1/participants/{id}/income?payableDate=DATE</c>: the participant's own income entries of a payable date.</summary>
public sealed record IncomeView(string Participant, string PayableDate, IReadOnlyList<IncomeEntryView> Entries, decimal Total)
{
    /// <summary>From the postings the memo account keeps (<see cref="IncomeSettings.IncomeRetentionCloses"/> closes).</summary>
    public static IncomeView Of(MemoAccountState state, DateOnly payableDate)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Build(state.Participant, payableDate, state.Postings.Values.Select(p => p.Posting));
    }

    /// <summary>From the memo account's journal: for payable dates older than what the state keeps.</summary>
    public static IncomeView FromEvents(ParticipantId participant, IEnumerable<MemoAccountEvent> events, DateOnly payableDate) =>
        Build(participant, payableDate, events.OfType<IncomePostingRecorded>());

    private static IncomeView Build(ParticipantId participant, DateOnly payableDate, IEnumerable<IncomePostingRecorded> postings)
    {
        var date = IncomeDates.ToText(payableDate);
        var selected = postings
            .SelectMany(p => p.Entries.Where(e => e.PayableDate == date).Select(e => (Entry: e, PostedOn: p.BusinessDate)))
            .OrderBy(x => x.Entry.Kind == IncomeKind.HolderOfRecord.Name() ? 0 : 1)
            .ThenBy(x => x.Entry.Cusip, StringComparer.Ordinal)
            .ThenBy(x => x.Entry.DistributionId, StringComparer.Ordinal)
            .ThenBy(x => x.Entry.Counterparty, StringComparer.Ordinal)
            .ThenBy(x => x.Entry.EntryId, StringComparer.Ordinal)
            .ToList();
        var entries = selected
            .Select(x => new IncomeEntryView(x.Entry.Kind, x.Entry.DistributionId, x.Entry.Cusip, x.Entry.Counterparty, x.Entry.Shares,
                x.Entry.RatePerShare, Money.ToDollars(x.Entry.AmountCents), x.Entry.EntryId, x.Entry.DistributionType, x.Entry.RecordDate,
                x.Entry.PayableDate, x.PostedOn))
            .ToList();
        var totalCents = selected.Sum(x => x.Entry.AmountCents);
        return new IncomeView(participant.Value, date, entries, Money.ToDollars(totalCents));
    }
}

/// <summary>One notification: a halt filed against the participant, a counterparty's termination, an adjustment awaiting its affirmation.</summary>
public sealed record NotificationView(
    string Kind,
    string Counterparty,
    string Date,
    string? AdjustmentId,
    string? Cusip,
    long? Shares,
    DateTimeOffset At);

/// <summary><c>GET /v1/participants/{id}/notifications</c>, newest first, at most <see cref="IncomeLimits.NotificationsListedMax"/>.</summary>
public sealed record NotificationsView(string Participant, IReadOnlyList<NotificationView> Notifications, int NotListed)
{
    /// <summary>
    /// Kinds: <c>halt-filed</c> (Counterparty filed it, Date its effective date),
    /// <c>counterparty-terminated</c> (Date the termination; Shares the lines zeroed, in all),
    /// <c>adjustment-awaiting</c> (Counterparty entered it, Date its last day, Shares the change to this participant's line).
    /// </summary>
    public static NotificationsView Of(MemoAccountState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var all = state.HaltsAgainst.Values.Select(h => new NotificationView("halt-filed", h.Instructing, h.EffectiveDate, null, null, null, h.At))
            .Concat(state.CounterpartyTerminations.Select(t => new NotificationView("counterparty-terminated", t.Terminated, t.TerminatedOn, null, null,
                t.LinesClosed.Sum(l => l.Shares), t.At)))
            .Concat(state.AwaitingAdjustments.Values.Select(a => new NotificationView("adjustment-awaiting", a.EnteredBy, a.ExpiresOn, a.AdjustmentId, a.Cusip, a.SharesChange, a.At)))
            .OrderByDescending(n => n.At).ThenBy(n => n.Kind, StringComparer.Ordinal).ThenBy(n => n.Counterparty, StringComparer.Ordinal)
            .ThenBy(n => n.AdjustmentId, StringComparer.Ordinal)
            .ToList();
        return new NotificationsView(state.Participant.Value, all.Take(IncomeLimits.NotificationsListedMax).ToList(), Math.Max(0, all.Count - IncomeLimits.NotificationsListedMax));
    }
}
