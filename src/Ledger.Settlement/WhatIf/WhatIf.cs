// Only the parameters that need a word are documented on these records.
#pragma warning disable CS1573
using System.Globalization;
using Ledger.Settlement.Events;

namespace Ledger.Settlement;

// ---------------------------------------------------------------- the day's inputs

/// <summary>One input of a business day, replayed in time order by <see cref="WhatIf.Run"/>.</summary>
public abstract record WhatIfInput(DateTimeOffset At);

/// <summary>A participant registered (or its figures changed) during the day.</summary>
public sealed record WhatIfRegistration(ParticipantRecord Participant, DateTimeOffset At) : WhatIfInput(At);

/// <summary>A security listed (or its price or haircut changed) during the day.</summary>
public sealed record WhatIfListing(Cusip Cusip, Money Price, decimal Haircut, DateTimeOffset At) : WhatIfInput(At);

/// <summary>A deposit, with the idempotency id it was made under, if any.</summary>
public sealed record WhatIfDeposit(ParticipantId Participant, Cusip Cusip, long Shares, DateTimeOffset At, IdempotencyId? Id = null) : WhatIfInput(At);

/// <summary>A settlement progress payment, with the idempotency id it was made under, if any.</summary>
public sealed record WhatIfPayment(ParticipantId Participant, Money Amount, DateTimeOffset At, IdempotencyId? Id = null) : WhatIfInput(At);

/// <summary>A deliver order entered at its deliverer; a reclaim when <see cref="DeliverOrder.ReclaimOf"/> is set.</summary>
public sealed record WhatIfSubmission(DeliverOrder Order, DateTimeOffset At) : WhatIfInput(At);

public sealed record WhatIfCancel(DeliverOrderId DeliverOrderId, DateTimeOffset At) : WhatIfInput(At);

public sealed record WhatIfCutoff(DateTimeOffset At) : WhatIfInput(At);

public sealed record WhatIfClose(DateTimeOffset At) : WhatIfInput(At);

/// <summary>A holiday declared (or renamed) during the day.</summary>
public sealed record WhatIfHolidayDeclared(Holiday Holiday, DateTimeOffset At) : WhatIfInput(At);

/// <summary>A holiday removed during the day.</summary>
public sealed record WhatIfHolidayRemoved(DateOnly Date, DateTimeOffset At) : WhatIfInput(At);

/// <summary>A security's terms at the start of the day.</summary>
public sealed record WhatIfSecurity(Cusip Cusip, Money Price, decimal Haircut);

/// <summary>An account's position carried over into the day.</summary>
public sealed record WhatIfPosition(ParticipantId Participant, Cusip Cusip, long Shares);

/// <summary>How a deliver order ended.</summary>
/// <param name="Status">completed, dropped, cancelled, pending or accepted (the day not closed yet), rejected (refused at entry: only in a what-if).</param>
/// <param name="PendReason">Why it pended, if it ever did: the receiver's reason, else the deliverer's.</param>
public sealed record WhatIfEnd(string Status, string? PendReason, string? CompletedBy)
{
    public override string ToString()
    {
        var text = CompletedBy is null ? Status : $"{Status} by {CompletedBy}";
        return PendReason is null ? text : $"{text} (pended: {PendReason})";
    }
}

/// <summary>A deliver order of the day and how it ended.</summary>
public sealed record WhatIfOutcome(
    string DeliverOrderId,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    decimal Amount,
    string? ReclaimOf,
    WhatIfEnd End);

/// <summary>The highest net debit an account reached during the day, and its cap.</summary>
/// <param name="At">When it was first reached; null when the account never had a net debit.</param>
public sealed record NetDebitPeak(string Participant, decimal NetDebitCap, decimal Peak, DateTimeOffset? At);

/// <summary>
/// One business day reconstructed from the journals: the reference data and positions it started
/// from, its inputs in time order, and what actually came of them.
/// </summary>
/// <param name="Start">When the day opened; the set-up of the what-if ledger runs at this time.</param>
/// <param name="Holidays">The ledger's holidays as they stood when the day opened (its close opens the next business day after them).</param>
public sealed record WhatIfDay(
    DateOnly BusinessDate,
    DateTimeOffset Start,
    IReadOnlyList<ParticipantRecord> Participants,
    IReadOnlyList<WhatIfSecurity> Securities,
    IReadOnlyList<WhatIfPosition> Positions,
    IReadOnlyList<WhatIfInput> Inputs,
    IReadOnlyList<WhatIfOutcome> Actual,
    IReadOnlyList<NetDebitPeak> ActualPeaks,
    IReadOnlyList<Holiday>? Holidays = null);

// ---------------------------------------------------------------- the changes

/// <summary>One changed setting, as given: <c>netDebitCap[0005]=80000</c>.</summary>
public sealed record WhatIfSetting(string Text, string Name, string Key, decimal Value);

/// <summary>
/// The settings a what-if changes: net debit caps and participants funds (dollars) by
/// participant, haircuts (0..1) and prices (dollars) by CUSIP.
/// </summary>
public sealed record WhatIfSettings
{
    public const string NetDebitCap = "netDebitCap";
    public const string ParticipantsFund = "participantsFund";
    public const string Haircut = "haircut";
    public const string Price = "price";

    public static readonly WhatIfSettings None = new();

    public IReadOnlyDictionary<ParticipantId, Money> NetDebitCaps { get; init; } = new Dictionary<ParticipantId, Money>();
    public IReadOnlyDictionary<ParticipantId, Money> ParticipantsFunds { get; init; } = new Dictionary<ParticipantId, Money>();
    public IReadOnlyDictionary<Cusip, decimal> Haircuts { get; init; } = new Dictionary<Cusip, decimal>();
    public IReadOnlyDictionary<Cusip, Money> Prices { get; init; } = new Dictionary<Cusip, Money>();

    /// <summary>The reclaim rules the what-if decides by (the node's default unless changed).</summary>
    public ReclaimRules ReclaimRules { get; init; } = ReclaimRules.Default;

    /// <summary>The settings as given, in order, for the report.</summary>
    public IReadOnlyList<WhatIfSetting> Given { get; init; } = [];

    /// <summary>
    /// Parses <c>name[key]=value</c> assignments. The error names the setting it refuses.
    /// </summary>
    public static bool TryParse(IEnumerable<string> assignments, out WhatIfSettings settings, out string? error)
    {
        settings = None;
        error = null;
        var caps = new Dictionary<ParticipantId, Money>();
        var funds = new Dictionary<ParticipantId, Money>();
        var haircuts = new Dictionary<Cusip, decimal>();
        var prices = new Dictionary<Cusip, Money>();
        var given = new List<WhatIfSetting>();
        foreach (var raw in assignments)
        {
            var text = raw.Trim();
            var open = text.IndexOf('[', StringComparison.Ordinal);
            var close = text.IndexOf(']', StringComparison.Ordinal);
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (open <= 0 || close < open || equals != close + 1)
            {
                error = $"setting '{raw}' is not name[key]=value (netDebitCap[P]=DOLLARS, participantsFund[P]=DOLLARS, haircut[CUSIP]=RATE, price[CUSIP]=DOLLARS)";
                return false;
            }
            var name = text[..open];
            var key = text[(open + 1)..close].Trim();
            var valueText = text[(equals + 1)..].Trim();
            if (!decimal.TryParse(valueText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                error = $"setting '{raw}': '{valueText}' is not a number";
                return false;
            }
            switch (name)
            {
                case NetDebitCap or ParticipantsFund:
                {
                    if (!ParticipantId.IsValid(key))
                    {
                        error = $"setting '{raw}': '{key}' is not a four-digit participant number";
                        return false;
                    }
                    if (!Money.TryFromDollars(value, out var money) || money > Money.AmountMax)
                    {
                        error = $"setting '{raw}': {valueText} must be dollars with at most two decimals, at most {Money.AmountMax.Dollars}";
                        return false;
                    }
                    var target = name == NetDebitCap ? caps : funds;
                    if (!target.TryAdd(new ParticipantId(key), money))
                    {
                        error = $"setting '{raw}': {name}[{key}] is given twice";
                        return false;
                    }
                    break;
                }
                case Haircut:
                    if (!Cusip.IsValid(key))
                    {
                        error = $"setting '{raw}': '{key}' is not a CUSIP";
                        return false;
                    }
                    if (!SecurityTerms.IsValidHaircut(value))
                    {
                        error = $"setting '{raw}': a haircut is a rate from 0 to 1 with at most six decimals";
                        return false;
                    }
                    if (!haircuts.TryAdd(new Cusip(key), value))
                    {
                        error = $"setting '{raw}': {name}[{key}] is given twice";
                        return false;
                    }
                    break;
                case Price:
                {
                    if (!Cusip.IsValid(key))
                    {
                        error = $"setting '{raw}': '{key}' is not a CUSIP";
                        return false;
                    }
                    if (!Money.TryFromDollars(value, out var price) || price.Cents <= 0 || price > SecurityTerms.PriceMax)
                    {
                        error = $"setting '{raw}': a price is more than 0 and at most {SecurityTerms.PriceMax.Dollars} dollars, with at most two decimals";
                        return false;
                    }
                    if (!prices.TryAdd(new Cusip(key), price))
                    {
                        error = $"setting '{raw}': {name}[{key}] is given twice";
                        return false;
                    }
                    break;
                }
                default:
                    error = $"setting '{raw}': unknown setting '{name}' (netDebitCap, participantsFund, haircut, price)";
                    return false;
            }
            given.Add(new WhatIfSetting(text, name, key, value));
        }
        settings = new WhatIfSettings { NetDebitCaps = caps, ParticipantsFunds = funds, Haircuts = haircuts, Prices = prices, Given = given };
        return true;
    }

    internal ParticipantRecord Apply(ParticipantRecord p) => p with
    {
        NetDebitCap = NetDebitCaps.TryGetValue(p.Id, out var cap) ? cap : p.NetDebitCap,
        ParticipantsFund = ParticipantsFunds.TryGetValue(p.Id, out var fund) ? fund : p.ParticipantsFund,
    };

    internal Money PriceOf(Cusip cusip, Money price) => Prices.TryGetValue(cusip, out var p) ? p : price;

    internal decimal HaircutOf(Cusip cusip, decimal haircut) => Haircuts.TryGetValue(cusip, out var h) ? h : haircut;
}

// ---------------------------------------------------------------- the report

/// <summary>A deliver order that would have ended differently.</summary>
public sealed record WhatIfDifference(
    string DeliverOrderId,
    string Deliverer,
    string Receiver,
    string Cusip,
    long Shares,
    decimal Amount,
    WhatIfEnd Actual,
    WhatIfEnd WhatIf);

/// <summary>An account's peak net debit against its cap, as it was and as it would have been.</summary>
public sealed record WhatIfPeak(
    string Participant,
    decimal NetDebitCapBefore,
    decimal PeakBefore,
    DateTimeOffset? PeakBeforeAt,
    decimal NetDebitCapAfter,
    decimal PeakAfter,
    DateTimeOffset? PeakAfterAt);

/// <summary>An input the what-if ledger refused (a reclaim of a deliver order that no longer completed, say).</summary>
public sealed record WhatIfRefusal(DateTimeOffset At, string Input, string Reason);

/// <summary>What <see cref="WhatIf.Run"/> found.</summary>
/// <param name="Settings">The changed settings as given.</param>
/// <param name="DeliverOrders">How many deliver orders the day had.</param>
/// <param name="Outcomes">Every deliver order of the day as it would have ended.</param>
public sealed record WhatIfReport(
    string BusinessDate,
    IReadOnlyList<string> Settings,
    int Inputs,
    int DeliverOrders,
    IReadOnlyList<WhatIfDifference> Differences,
    IReadOnlyList<WhatIfPeak> Peaks,
    IReadOnlyList<WhatIfRefusal> Refusals,
    IReadOnlyList<WhatIfOutcome> Outcomes)
{
    public string ToText()
    {
        var lines = new List<string>
        {
            $"what-if for business day {BusinessDate}: {string.Join(", ", Settings)}",
            $"replayed {Inputs} inputs, {DeliverOrders} deliver orders",
        };
        if (Differences.Count == 0)
        {
            lines.Add("every deliver order would have ended as it did");
        }
        else
        {
            lines.Add($"{Differences.Count} deliver order(s) would have ended differently:");
            foreach (var d in Differences)
            {
                lines.Add($"  {d.DeliverOrderId}: {d.Deliverer} -> {d.Receiver}, {Explanation.Shares(d.Shares)} sh of {d.Cusip} against {Usd(d.Amount)}: "
                    + $"was {d.Actual}, would be {d.WhatIf}");
            }
        }
        lines.Add("peak net debit against the cap (before -> after):");
        foreach (var p in Peaks)
        {
            var over = p.PeakAfter > p.NetDebitCapAfter ? " (over the cap)" : "";
            lines.Add($"  {p.Participant}: {Usd(p.PeakBefore)} of {Usd(p.NetDebitCapBefore)} -> {Usd(p.PeakAfter)} of {Usd(p.NetDebitCapAfter)}{over}");
        }
        foreach (var r in Refusals) lines.Add($"refused in the what-if at {r.At:yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}: {r.Input}: {r.Reason}");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Usd(decimal dollars) => "$" + Explanation.Usd(dollars);
}

/// <summary>A business day that is not in the journal, or a setting that names nothing of it.</summary>
public sealed class WhatIfException(string message) : Exception(message);

// ---------------------------------------------------------------- reconstruction and replay

/// <summary>
/// "What if": re-runs one business day's inputs, in their original order, through the same domain
/// code in an isolated <see cref="InMemoryLedger"/> with changed settings, and compares how each
/// deliver order ended and each account's peak net debit with what the journals recorded.
/// Pure: journals in, report out; nothing is written anywhere.
/// </summary>
public static class WhatIf
{
    /// <summary>How many times a close is retried while deliveries are in flight (each round delivers every message).</summary>
    private const int CloseRoundsMax = 16;

    // Inputs at the same business time: reference changes first, then the accounts' inputs, then the cutoff, then the close.
    private const int RankReference = 0;
    private const int RankAccount = 1;
    private const int RankCutoff = 2;
    private const int RankClose = 3;

    /// <summary>
    /// The business day a what-if re-runs when none is named: the most recent day whose close began
    /// (the day risk staff look back on), or the open day when no day has closed yet; null when no
    /// day was ever opened.
    /// </summary>
    public static DateOnly? LastDay(IReadOnlyList<ReferenceEvent> reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        string? open = null, closed = null;
        foreach (var e in reference)
        {
            if (e is BusinessDayOpened o) open = o.BusinessDate;
            else if (e is BusinessDayCloseStarted && open is not null) closed = open;
        }
        return (closed ?? open) is { } date ? DateOnly.ParseExact(date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Reconstructs <paramref name="businessDate"/> from the journals alone: the reference journal
    /// (participants, securities, the day's opening, cutoff and close) and every account's journal
    /// in journal order. Reference data stands as it did when the day opened; changes during the
    /// day are inputs. Positions are those each account carried into the day (balances start at
    /// zero). Inputs at the same business time are ordered reference changes, account inputs (by
    /// participant, then journal order), cutoff, close.
    /// </summary>
    /// <exception cref="WhatIfException">The business day is not in the reference journal.</exception>
    public static WhatIfDay Reconstruct(DateOnly businessDate, IReadOnlyList<ReferenceEvent> reference,
        IReadOnlyDictionary<string, IReadOnlyList<AccountEvent>> accounts, ReclaimRules? reclaimRules = null)
    {
        var date = AccountState.FormatDate(businessDate);
        var inputs = new List<(WhatIfInput Input, int Rank, string Participant, long Sequence)>();

        // The reference journal: the state when the day opened, then the day's changes.
        var state = new ReferenceState();
        var opened = -1;
        for (var i = 0; i < reference.Count; i++)
        {
            var e = reference[i];
            if (opened < 0)
            {
                state.Apply(e);
                if (e is BusinessDayOpened o && o.BusinessDate == date) opened = i;
                continue;
            }
            if (e is BusinessDayOpened) break;
            switch (e)
            {
                case ParticipantRegistered p:
                    inputs.Add((new WhatIfRegistration(new ParticipantRecord(new ParticipantId(p.Participant), p.Name, new Money(p.NetDebitCapCents),
                        new Money(p.ParticipantsFundCents), p.MarketLoanProgram, p.CentralCounterparty), p.At), RankReference, "", i));
                    break;
                case SecurityListed s:
                    inputs.Add((new WhatIfListing(new Cusip(s.Cusip), new Money(s.PriceCents), s.Haircut, s.At), RankReference, "", i));
                    break;
                case RecycleCutoffStarted c:
                    inputs.Add((new WhatIfCutoff(c.At), RankCutoff, "", i));
                    break;
                case BusinessDayCloseStarted c:
                    inputs.Add((new WhatIfClose(c.At), RankClose, "", i));
                    break;
                case HolidayDeclared h:
                    inputs.Add((new WhatIfHolidayDeclared(new Holiday(AccountState.ParseDate(h.Date), h.Name), h.At), RankReference, "", i));
                    break;
                case HolidayRemoved h:
                    inputs.Add((new WhatIfHolidayRemoved(AccountState.ParseDate(h.Date), h.At), RankReference, "", i));
                    break;
            }
        }
        if (opened < 0)
        {
            var dates = reference.OfType<BusinessDayOpened>().Select(o => o.BusinessDate).ToList();
            throw new WhatIfException(dates.Count == 0
                ? $"business day {date} is not in the journal: no business day was ever opened"
                : $"business day {date} is not in the journal (it holds {dates[0]} to {dates[^1]})");
        }
        var start = reference[opened].At;
        var snapshot = state.Snapshot;

        // The accounts: what each carried into the day, the day's inputs, and what came of them.
        var positions = new List<WhatIfPosition>();
        var peaks = new List<NetDebitPeak>();
        var finals = new Dictionary<string, AccountState>(StringComparer.Ordinal);
        var dayEvents = new List<AccountEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var cancelRequested = new HashSet<string>(StringComparer.Ordinal);
        var cutoffAt = (DateTimeOffset?)null;
        var closeAt = (DateTimeOffset?)null;
        foreach (var (participant, journal) in accounts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var account = new AccountState(new ParticipantId(participant), reclaimRules);
            var carried = false;
            var inDay = false;
            long peak = 0;
            DateTimeOffset? peakAt = null;
            for (var i = 0; i < journal.Count; i++)
            {
                var e = journal[i];
                var eventDate = e is ParticipantConfigured c && !account.IsConfigured ? AccountState.ParseDate(c.BusinessDate) : account.BusinessDate;
                if (eventDate > businessDate) break;
                if (eventDate == businessDate && !carried)
                {
                    carried = true;
                    if (account.IsConfigured)
                    {
                        positions.AddRange(account.Positions.Where(p => p.Value != 0).OrderBy(p => p.Key.Value, StringComparer.Ordinal)
                            .Select(p => new WhatIfPosition(account.Participant, p.Key, p.Value)));
                    }
                }
                account.Apply(e);
                if (eventDate < businessDate) continue;
                inDay = true;
                dayEvents.Add(e);
                if (account.NetDebit.Cents > peak)
                {
                    peak = account.NetDebit.Cents;
                    peakAt = e.At;
                }
                var sequence = i + 1L;
                switch (e)
                {
                    case SharesDeposited d:
                        inputs.Add((new WhatIfDeposit(account.Participant, new Cusip(d.Cusip), d.Shares, d.At, IdOf(d.Id)), RankAccount, participant, sequence));
                        break;
                    case SettlementProgressPaymentReceived s:
                        inputs.Add((new WhatIfPayment(account.Participant, new Money(s.AmountCents), s.At, IdOf(s.Id)), RankAccount, participant, sequence));
                        break;
                    case DeliveryReserved r when r.Order.Deliverer == participant && seen.Add(r.Order.Id):
                        inputs.Add((new WhatIfSubmission(AccountState.ToOrder(r.Order), r.At), RankAccount, participant, sequence));
                        break;
                    case DeliveryPended p when p.Order.Deliverer == participant && seen.Add(p.Order.Id):
                        inputs.Add((new WhatIfSubmission(AccountState.ToOrder(p.Order), p.At), RankAccount, participant, sequence));
                        break;
                    case DeliveryCancelRequested r when cancelRequested.Add(r.DeliverOrderId):
                        inputs.Add((new WhatIfCancel(new DeliverOrderId(r.DeliverOrderId), r.At), RankAccount, participant, sequence));
                        break;
                    case DeliveryCancelled x when cancelRequested.Add(x.DeliverOrderId):
                        inputs.Add((new WhatIfCancel(new DeliverOrderId(x.DeliverOrderId), x.At), RankAccount, participant, sequence));
                        break;
                    case RecycleCutoffReached r when r.BusinessDate == date:
                        cutoffAt = cutoffAt is { } a && a <= r.At ? a : r.At;
                        break;
                    case BusinessDayClosed x when x.ClosedDate == date:
                        closeAt = closeAt is { } b && b <= x.At ? b : x.At;
                        break;
                }
            }
            if (!carried && account.IsConfigured && account.BusinessDate == businessDate)
            {
                // No event on the day yet: what it carried is where its journal ends.
                positions.AddRange(account.Positions.Where(p => p.Value != 0).OrderBy(p => p.Key.Value, StringComparer.Ordinal)
                    .Select(p => new WhatIfPosition(account.Participant, p.Key, p.Value)));
            }
            if (!inDay) continue;
            finals[participant] = account;
            peaks.Add(new NetDebitPeak(participant, account.NetDebitCap.Dollars, Money.ToDollars(peak), peakAt));
        }
        // A journal whose reference side lost the cutoff or close still has the accounts' own record of them.
        if (cutoffAt is { } cutoff && !inputs.Any(i => i.Input is WhatIfCutoff)) inputs.Add((new WhatIfCutoff(cutoff), RankCutoff, "", 0));
        if (closeAt is { } closing && !inputs.Any(i => i.Input is WhatIfClose)) inputs.Add((new WhatIfClose(closing), RankClose, "", 0));

        var ordered = inputs
            .OrderBy(i => i.Input.At).ThenBy(i => i.Rank).ThenBy(i => i.Participant, StringComparer.Ordinal).ThenBy(i => i.Sequence)
            .Select(i => i.Input).ToList();
        var reasons = PendReasons(dayEvents);
        var actual = ordered.OfType<WhatIfSubmission>().Select(s => s.Order).Select(o =>
        {
            var delivery = finals[o.Deliverer.Value].Deliveries[o.Id];
            var receive = finals.TryGetValue(o.Receiver.Value, out var r) ? r.Receives.GetValueOrDefault(o.Id) : null;
            return Outcome(o, DeliverOrderViews.Combine(delivery, receive), reasons);
        }).ToList();
        return new WhatIfDay(businessDate, start,
            snapshot.Participants.Values.OrderBy(p => p.Id.Value, StringComparer.Ordinal).ToList(),
            snapshot.Securities.OrderBy(s => s.Key.Value, StringComparer.Ordinal).Select(s => new WhatIfSecurity(s.Key, s.Value.Price, s.Value.Haircut)).ToList(),
            positions, ordered, actual, peaks, snapshot.Calendar.Holidays.ToList());
    }

    /// <summary>The settings that name a participant or security the day does not know, as messages naming them.</summary>
    public static IReadOnlyList<string> Check(WhatIfDay day, WhatIfSettings changes)
    {
        var participants = day.Participants.Select(p => p.Id).Concat(day.Inputs.OfType<WhatIfRegistration>().Select(r => r.Participant.Id)).ToHashSet();
        var securities = day.Securities.Select(s => s.Cusip).Concat(day.Inputs.OfType<WhatIfListing>().Select(l => l.Cusip)).ToHashSet();
        var errors = new List<string>();
        foreach (var s in changes.Given)
        {
            if (s.Name is WhatIfSettings.NetDebitCap or WhatIfSettings.ParticipantsFund && !participants.Contains(new ParticipantId(s.Key)))
                errors.Add($"setting '{s.Text}': participant {s.Key} has no account on {AccountState.FormatDate(day.BusinessDate)}");
            if (s.Name is WhatIfSettings.Haircut or WhatIfSettings.Price && !securities.Contains(new Cusip(s.Key)))
                errors.Add($"setting '{s.Text}': security {s.Key} is not listed on {AccountState.FormatDate(day.BusinessDate)}");
        }
        return errors;
    }

    /// <summary>
    /// Re-runs <paramref name="day"/> with <paramref name="changes"/> in a fresh in-memory ledger:
    /// set-up at the day's start (participants, securities, positions carried over), then each
    /// input in order, every message delivered after each, net debits recorded after every step.
    /// </summary>
    /// <exception cref="WhatIfException">A setting names a participant or security the day does not know.</exception>
    public static WhatIfReport Run(WhatIfDay day, WhatIfSettings changes)
    {
        ArgumentNullException.ThrowIfNull(day);
        ArgumentNullException.ThrowIfNull(changes);
        if (Check(day, changes) is { Count: > 0 } errors) throw new WhatIfException(string.Join("; ", errors));

        var ledger = new InMemoryLedger(day.BusinessDate, day.Start, changes.ReclaimRules, day.Holidays);
        var refusals = new List<WhatIfRefusal>();
        void Expect(InMemoryLedger.Outcome outcome, DateTimeOffset at, string input)
        {
            if (!outcome.Ok) refusals.Add(new WhatIfRefusal(at, input, outcome.Error?.Message ?? outcome.Message ?? outcome.Rejection?.ToString() ?? "refused"));
        }

        foreach (var p in day.Participants) Expect(ledger.Configure(changes.Apply(p), day.Start), day.Start, $"set-up of {p.Id}");
        foreach (var s in day.Securities)
            Expect(ledger.List(s.Cusip, changes.PriceOf(s.Cusip, s.Price), changes.HaircutOf(s.Cusip, s.Haircut), day.Start), day.Start, $"listing of {s.Cusip}");
        foreach (var p in day.Positions) Expect(ledger.Deposit(p.Participant, p.Cusip, p.Shares, day.Start), day.Start, $"position of {p.Participant} in {p.Cusip}");
        ledger.DeliverAll();

        var peaks = new Dictionary<string, (long Cents, DateTimeOffset? At)>(StringComparer.Ordinal);
        void Record(DateTimeOffset at)
        {
            foreach (var p in ledger.Participants)
            {
                var debit = ledger.StateOf(p).NetDebit.Cents;
                if (!peaks.TryGetValue(p.Value, out var known)) peaks[p.Value] = known = (0, null);
                if (debit > known.Cents) peaks[p.Value] = (debit, at);
            }
        }
        void Settle(DateTimeOffset at)
        {
            Record(at);
            var delivered = 0;
            while (ledger.DeliverNext())
            {
                if (++delivered >= InMemoryLedger.DeliveriesMax) throw new InvalidOperationException("the accounts talk forever");
                Record(at);
            }
        }
        Settle(day.Start);

        var submitted = new List<DeliverOrder>();
        foreach (var input in day.Inputs)
        {
            switch (input)
            {
                case WhatIfRegistration r:
                    Expect(ledger.Configure(changes.Apply(r.Participant), r.At), r.At, $"registration of {r.Participant.Id}");
                    break;
                case WhatIfListing l:
                    Expect(ledger.List(l.Cusip, changes.PriceOf(l.Cusip, l.Price), changes.HaircutOf(l.Cusip, l.Haircut), l.At), l.At, $"listing of {l.Cusip}");
                    break;
                case WhatIfDeposit d:
                    Expect(ledger.Deposit(d.Participant, d.Cusip, d.Shares, d.At, d.Id), d.At, $"deposit of {d.Shares} sh of {d.Cusip} to {d.Participant}");
                    break;
                case WhatIfPayment p:
                    Expect(ledger.Pay(p.Participant, p.Amount, p.At, p.Id), p.At, $"settlement progress payment of ${Explanation.Usd(p.Amount.Dollars)} by {p.Participant}");
                    break;
                case WhatIfSubmission s:
                {
                    submitted.Add(s.Order);
                    var o = s.Order;
                    var result = o.ReclaimOf is { } original
                        ? ledger.ReplayReclaim(o.Deliverer, o.Id, original, s.At)
                        : o.IsPaymentOrder
                            ? ledger.SubmitPaymentOrder(new PaymentOrderRequest(o.Id.Value, PaymentOrders.Payer(o).Value, PaymentOrders.Payee(o).Value,
                                o.Cusip.Value, o.Amount.Dollars, ledger.Reference.BusinessDate), s.At)
                            : ledger.Submit(new DeliverOrderRequest(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Dollars, o.ReasonCode,
                                o.RebateRate, o.CollateralMargin), s.At);
                    if (!result.Accepted) refusals.Add(new WhatIfRefusal(s.At, $"{(o.IsPaymentOrder ? "payment order" : "deliver order")} {o.Id}", result.Error?.Message ?? "refused"));
                    break;
                }
                case WhatIfCancel c:
                    ledger.Cancel(c.DeliverOrderId, c.At);
                    break;
                case WhatIfHolidayDeclared h:
                    Expect(ledger.Declare(h.Holiday, h.At), h.At, $"holiday {AccountState.FormatDate(h.Holiday.Date)}");
                    break;
                case WhatIfHolidayRemoved h:
                    Expect(ledger.Remove(h.Date, h.At), h.At, $"removal of holiday {AccountState.FormatDate(h.Date)}");
                    break;
                case WhatIfCutoff c:
                    Expect(ledger.Cutoff(c.At), c.At, "recycle cutoff");
                    break;
                case WhatIfClose c:
                {
                    var outcome = ledger.Close(c.At);
                    for (var round = 1; !outcome.Ok && outcome.Rejection == AccountRejection.DeliveriesInFlight && round < CloseRoundsMax; round++)
                    {
                        Settle(c.At);
                        outcome = ledger.Close(c.At);
                    }
                    Expect(outcome, c.At, "close");
                    break;
                }
            }
            Settle(input.At);
        }

        var reasons = PendReasons(ledger.Participants.SelectMany(ledger.Journal).ToList());
        var outcomes = submitted.Select(o => ledger.DeliverOrder(o.Id) is { } view
            ? Outcome(o, view, reasons)
            : new WhatIfOutcome(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Dollars, o.ReclaimOf?.Value,
                new WhatIfEnd(DeliverOrderStatus.Rejected.Name(), null, null))).ToList();
        var actual = day.Actual.ToDictionary(a => a.DeliverOrderId, StringComparer.Ordinal);
        var differences = outcomes
            .Where(o => !actual.TryGetValue(o.DeliverOrderId, out var a) || a.End != o.End)
            .Select(o => new WhatIfDifference(o.DeliverOrderId, o.Deliverer, o.Receiver, o.Cusip, o.Shares, o.Amount,
                actual.TryGetValue(o.DeliverOrderId, out var a) ? a.End : new WhatIfEnd("unknown", null, null), o.End))
            .ToList();

        var before = day.ActualPeaks.ToDictionary(p => p.Participant, StringComparer.Ordinal);
        var comparison = before.Keys.Union(peaks.Keys).OrderBy(p => p, StringComparer.Ordinal).Select(p =>
        {
            var b = before.GetValueOrDefault(p);
            var after = peaks.GetValueOrDefault(p);
            var cap = ledger.Account(new ParticipantId(p))?.NetDebitCap ?? 0m;
            return new WhatIfPeak(p, b?.NetDebitCap ?? 0m, b?.Peak ?? 0m, b?.At, cap, Money.ToDollars(after.Cents), after.At);
        }).ToList();

        return new WhatIfReport(AccountState.FormatDate(day.BusinessDate), changes.Given.Select(g => g.Text).ToList(), day.Inputs.Count,
            submitted.Count, differences, comparison, refusals, outcomes);
    }

    private static IdempotencyId? IdOf(string? id) => id is null ? null : new IdempotencyId(id);

    /// <summary>Why each deliver order pended, if it did: the receiver's reason wins over the deliverer's (it comes later).</summary>
    private static Dictionary<string, string> PendReasons(IEnumerable<AccountEvent> events)
    {
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = events as IReadOnlyList<AccountEvent> ?? events.ToList();
        foreach (var e in list.OfType<DeliveryPended>()) reasons[e.Order.Id] = e.Reason;
        foreach (var e in list.OfType<ReceivePended>()) reasons[e.Order.Id] = e.Reason;
        return reasons;
    }

    private static WhatIfOutcome Outcome(DeliverOrder o, DeliverOrderView view, Dictionary<string, string> reasons) =>
        new(o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Dollars, o.ReclaimOf?.Value,
            new WhatIfEnd(view.Status, view.PendingReason ?? reasons.GetValueOrDefault(o.Id.Value), view.CompletedBy));
}
