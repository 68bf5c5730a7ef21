using System.Collections.Immutable;
using Ledger.Settlement.Events;

namespace Ledger.Settlement.Events
{
    public abstract record ReferenceEvent(DateTimeOffset At)
    {
        /// <summary>
        /// Tamper evidence, as on account events: the hex SHA-256 over the previous event's chain, this
        /// event's manifest and its stored bytes (with this field empty). Set by the reference actor as it
        /// persists; absent on events written before the reference journal was chained.
        /// </summary>
        public string? Chain { get; init; }
    }

    public sealed record ParticipantRegistered(
        string Participant,
        string Name,
        long NetDebitCapCents,
        long ParticipantsFundCents,
        bool MarketLoanProgram,
        bool CentralCounterparty,
        DateTimeOffset At) : ReferenceEvent(At);

    public sealed record SecurityListed(string Cusip, long PriceCents, decimal Haircut, long Version, DateTimeOffset At) : ReferenceEvent(At);

    public sealed record BusinessDayOpened(string BusinessDate, DateTimeOffset At) : ReferenceEvent(At);

    public sealed record RecycleCutoffStarted(string BusinessDate, DateTimeOffset At) : ReferenceEvent(At);

    public sealed record BusinessDayCloseStarted(string BusinessDate, string NextDate, DateTimeOffset At) : ReferenceEvent(At);

    /// <summary>No business day on <see cref="Date"/> (yyyy-MM-dd): a holiday named <see cref="Name"/> (a new name for a holiday already declared).</summary>
    public sealed record HolidayDeclared(string Date, string Name, DateTimeOffset At) : ReferenceEvent(At);

    /// <summary><see cref="Date"/> (yyyy-MM-dd) is a business day again.</summary>
    public sealed record HolidayRemoved(string Date, DateTimeOffset At) : ReferenceEvent(At);
}

namespace Ledger.Settlement
{
    /// <summary>Commands to the reference data.</summary>
    public abstract record ReferenceCommand(DateTimeOffset At);

    public sealed record RegisterParticipant(ParticipantRecord Participant, DateTimeOffset At) : ReferenceCommand(At);

    public sealed record ListSecurity(Cusip Cusip, Money Price, decimal Haircut, DateTimeOffset At) : ReferenceCommand(At);

    /// <summary>
    /// Opens a new ledger's first business day. <see cref="Holidays"/> are its calendar's holidays
    /// (the configured defaults), declared with it; a ledger already open ignores both.
    /// </summary>
    public sealed record OpenFirstBusinessDay(DateOnly BusinessDate, DateTimeOffset At, IReadOnlyList<Holiday>? Holidays = null) : ReferenceCommand(At);

    /// <summary>Declares (or renames) a holiday; see <see cref="HolidayRules"/> for which dates may change.</summary>
    public sealed record DeclareHoliday(Holiday Holiday, DateTimeOffset At) : ReferenceCommand(At);

    /// <summary>Makes a holiday a business day again; see <see cref="HolidayRules"/>.</summary>
    public sealed record RemoveHoliday(DateOnly Date, DateTimeOffset At) : ReferenceCommand(At);

    public sealed record StartRecycleCutoff(DateTimeOffset At) : ReferenceCommand(At);

    /// <summary>
    /// Starts closing the open business day; with <paramref name="BusinessDate"/>, only if that is
    /// the day open (a close sent again after that day closed must not start closing the next).
    /// </summary>
    public sealed record StartClose(DateTimeOffset At, DateOnly? BusinessDate = null) : ReferenceCommand(At);

    /// <summary>The next business date is open once every account has closed the previous one.</summary>
    public sealed record FinishClose(DateTimeOffset At) : ReferenceCommand(At);

    /// <summary>The participants, securities and business day: the master file of the ledger.</summary>
    public sealed partial class ReferenceState
    {
        public ReferenceSnapshot Snapshot { get; private set; } = ReferenceSnapshot.Empty(default);
        public bool Opened => Snapshot.BusinessDate != default;
        /// <summary>The date the close in progress will open; default when no close is in progress.</summary>
        public DateOnly ClosingTo { get; private set; }
        /// <summary>How many accounts the close in progress settles: the participants when it started.</summary>
        private int _closingAccounts;
        public long Version { get; private set; }

        public void Apply(ReferenceEvent @event)
        {
            Version++;
            var s = Snapshot;
            Snapshot = @event switch
            {
                ParticipantRegistered e => s with
                {
                    Participants = s.Participants.SetItem(new ParticipantId(e.Participant), new ParticipantRecord(
                        new ParticipantId(e.Participant), e.Name, new Money(e.NetDebitCapCents), new Money(e.ParticipantsFundCents),
                        e.MarketLoanProgram, e.CentralCounterparty)),
                },
                SecurityListed e => s with
                {
                    Securities = s.Securities.SetItem(new Cusip(e.Cusip), new SecurityTerms(new Money(e.PriceCents), e.Haircut, e.Version)),
                },
                BusinessDayOpened e => s with { BusinessDate = AccountState.ParseDate(e.BusinessDate), CutoffReached = false, Closing = false },
                RecycleCutoffStarted => s with { CutoffReached = true },
                BusinessDayCloseStarted => s with { Closing = true, CutoffReached = true },
                HolidayDeclared e => s with { Calendar = s.Calendar.With(new Holiday(AccountState.ParseDate(e.Date), e.Name)) },
                HolidayRemoved e => s with { Calendar = s.Calendar.Without(AccountState.ParseDate(e.Date)) },
                _ => throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}"),
            };
            if (@event is BusinessDayCloseStarted closing)
            {
                ClosingTo = AccountState.ParseDate(closing.NextDate);
                _closingAccounts = Snapshot.Participants.Count;
            }
            if (@event is BusinessDayOpened opened && ClosingTo != default)
            {
                // The day closing is the one before; the close is over once the next day opens.
                Snapshot = Snapshot with { LastClosed = new ClosedBusinessDay(s.BusinessDate, AccountState.ParseDate(opened.BusinessDate), _closingAccounts) };
            }
            if (@event is BusinessDayOpened) ClosingTo = default;
        }
    }

    public static class ReferenceDecider
    {
        /// <summary>Events for <paramref name="command"/>; empty when it changes nothing (set-ups are idempotent).</summary>
        public static IReadOnlyList<ReferenceEvent> Decide(ReferenceState state, ReferenceCommand command)
        {
            var s = state.Snapshot;
            switch (command)
            {
                case OpenFirstBusinessDay c:
                    if (state.Opened) return [];
                    // The default holidays first, so that the first day opens on a calendar that has them.
                    return [.. new BusinessCalendar(c.Holidays ?? []).Holidays.Select(h => new HolidayDeclared(AccountState.FormatDate(h.Date), h.Name, c.At)),
                        new BusinessDayOpened(AccountState.FormatDate(c.BusinessDate), c.At)];
                case DeclareHoliday c:
                    if (HolidayRules.CheckDeclare(s, c.Holiday) is not null) return [];
                    return s.Calendar.Holidays.Contains(c.Holiday) ? [] : [new HolidayDeclared(AccountState.FormatDate(c.Holiday.Date), c.Holiday.Name, c.At)];
                case RemoveHoliday c:
                    return HolidayRules.CheckRemove(s, c.Date) is not null ? [] : [new HolidayRemoved(AccountState.FormatDate(c.Date), c.At)];
                case RegisterParticipant c:
                    var p = c.Participant;
                    if (s.Participants.TryGetValue(p.Id, out var known) && known == p) return [];
                    return [new ParticipantRegistered(p.Id.Value, p.Name, p.NetDebitCap.Cents, p.ParticipantsFund.Cents, p.MarketLoanProgram, p.CentralCounterparty, c.At)];
                case ListSecurity c:
                    if (s.Securities.TryGetValue(c.Cusip, out var terms) && terms.Price == c.Price && terms.Haircut == c.Haircut) return [];
                    return [new SecurityListed(c.Cusip.Value, c.Price.Cents, c.Haircut, state.Version + 1, c.At)];
                case StartRecycleCutoff c:
                    return s.CutoffReached ? [] : [new RecycleCutoffStarted(AccountState.FormatDate(s.BusinessDate), c.At)];
                case StartClose c:
                    return s.Closing || (c.BusinessDate is { } named && named != s.BusinessDate) ? [] : [new BusinessDayCloseStarted(AccountState.FormatDate(s.BusinessDate), AccountState.FormatDate(s.Calendar.Next(s.BusinessDate)), c.At)];
                case FinishClose c:
                    return s.Closing ? [new BusinessDayOpened(AccountState.FormatDate(state.ClosingTo), c.At)] : [];
                default:
                    throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
            }
        }

        public static void Execute(ReferenceState state, ReferenceCommand command, List<ReferenceEvent> emitted)
        {
            foreach (var e in Decide(state, command))
            {
                state.Apply(e);
                emitted.Add(e);
            }
        }
    }
}
