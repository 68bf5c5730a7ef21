using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>A command to the halt register (one entity for the ledger: halt letters are few).</summary>
public abstract record HaltRegisterCommand(DateTimeOffset At) : IncomeCommand(At);

/// <summary>
/// <paramref name="Instructing"/>, from whom distributions are due, halts all future stock-loan
/// income transfers to <paramref name="Counterparty"/> from <paramref name="EffectiveDate"/> on, by a
/// letter given on <paramref name="Day"/>'s business date.
/// </summary>
public sealed record FileHalt(
    ParticipantId Instructing,
    ParticipantId Counterparty,
    DateOnly EffectiveDate,
    BusinessDayStatus Day,
    ParticipantDirectory Directory,
    BusinessCalendar Calendar,
    DateTimeOffset At) : HaltRegisterCommand(At);

/// <summary>The counterparty's memo account recorded the notification.</summary>
public sealed record AcknowledgeHaltNotice(ParticipantId Instructing, ParticipantId Counterparty, DateTimeOffset At) : HaltRegisterCommand(At);

/// <summary>A halt letter on file.</summary>
public sealed record Halt(ParticipantId Instructing, ParticipantId Counterparty, DateOnly EffectiveDate, DateOnly FiledOn, bool NoticeAcknowledged)
{
    public HaltData ToData() => new(Instructing.Value, Counterparty.Value, IncomeDates.ToText(EffectiveDate));
}

/// <summary>
/// The halt letters on file (income-tracking.md section 5): at most one per instructing party and
/// counterparty. The ledger implements a letter without deciding the parties' obligations; a
/// letter is never withdrawn here (the page provides no way to).
/// </summary>
public sealed class HaltRegisterState
{
    private readonly SortedDictionary<(string Instructing, string Counterparty), Halt> _halts = new(Comparer<(string Instructing, string Counterparty)>.Create((a, b) =>
    {
        var byInstructing = string.CompareOrdinal(a.Instructing, b.Instructing);
        return byInstructing != 0 ? byInstructing : string.CompareOrdinal(a.Counterparty, b.Counterparty);
    }));

    public IReadOnlyCollection<Halt> Halts => _halts.Values;
    public long Version { get; private set; }

    public Halt? Find(ParticipantId instructing, ParticipantId counterparty) =>
        _halts.TryGetValue((instructing.Value, counterparty.Value), out var halt) ? halt : null;

    /// <summary>The halts in effect on <paramref name="businessDate"/>: what a payable-date run posting then must respect.</summary>
    public IReadOnlyList<Halt> InEffectOn(DateOnly businessDate) => _halts.Values.Where(h => h.EffectiveDate <= businessDate).ToList();

    public IReadOnlyList<Halt> FiledBy(ParticipantId participant) => _halts.Values.Where(h => h.Instructing == participant).ToList();

    public IReadOnlyList<Halt> FiledAgainst(ParticipantId participant) => _halts.Values.Where(h => h.Counterparty == participant).ToList();

    public void Apply(HaltRegisterEvent @event)
    {
        Version++;
        switch (@event)
        {
            case HaltFiled e:
                _halts[(e.Instructing, e.Counterparty)] = new Halt(new ParticipantId(e.Instructing), new ParticipantId(e.Counterparty),
                    IncomeDates.Parse(e.EffectiveDate), IncomeDates.Parse(e.FiledOn), NoticeAcknowledged: false);
                break;
            case HaltNoticeAcknowledged e:
                if (_halts.TryGetValue((e.Instructing, e.Counterparty), out var halt)) _halts[(e.Instructing, e.Counterparty)] = halt with { NoticeAcknowledged = true };
                break;
            default:
                throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}");
        }
    }
}

public static class HaltRegisterDecider
{
    public static Decision<HaltRegisterEvent> Decide(HaltRegisterState state, HaltRegisterCommand command, IncomeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        var d = new Decision<HaltRegisterEvent>();
        switch (command)
        {
            case FileHalt c: File(state, c, (settings ?? IncomeSettings.Default).Validated(), d); break;
            case AcknowledgeHaltNotice c:
                if (state.Find(c.Instructing, c.Counterparty) is { NoticeAcknowledged: false })
                    Emit(state, d, new HaltNoticeAcknowledged(c.Instructing.Value, c.Counterparty.Value, c.At));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return d;
    }

    /// <summary>Notifications to send again until the counterparty's memo account acknowledges.</summary>
    public static IReadOnlyList<IncomeMessage> Unsettled(HaltRegisterState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Halts.Where(h => !h.NoticeAcknowledged).Select(h => Notice(h, at)).ToList();
    }

    private static void Emit(HaltRegisterState state, Decision<HaltRegisterEvent> d, HaltRegisterEvent e)
    {
        state.Apply(e);
        d.Events.Add(e);
    }

    private static void File(HaltRegisterState state, FileHalt c, IncomeSettings settings, Decision<HaltRegisterEvent> d)
    {
        var instructing = c.Directory.Find(c.Instructing);
        if (instructing is null)
        {
            d.Reject(IncomeRejection.UnknownParticipant, "participant", $"{c.Instructing} is not a known participant");
            return;
        }
        if (instructing.Standing != ParticipantStanding.Active)
        {
            d.Reject(IncomeRejection.ParticipantNotActive, "participant", $"{c.Instructing} is {instructing.Standing.Name()}");
            return;
        }
        if (c.Counterparty == c.Instructing)
        {
            d.Reject(IncomeRejection.CounterpartyIsSelf, "counterparty", "a halt names another participant");
            return;
        }
        var counterparty = c.Directory.Find(c.Counterparty);
        if (counterparty is null)
        {
            d.Reject(IncomeRejection.UnknownParticipant, "counterparty", $"{c.Counterparty} is not a known participant");
            return;
        }
        if (counterparty.Standing != ParticipantStanding.Active)
        {
            d.Reject(IncomeRejection.ParticipantNotActive, "counterparty", $"{c.Counterparty} is {counterparty.Standing.Name()}");
            return;
        }
        if (counterparty.CentralCounterparty || instructing.CentralCounterparty)
        {
            // Every Market Loan runs lender -> OCC -> borrower: OCC pays each lender what it
            // receives from each borrower. A halt by or against OCC would leave it paying what it
            // does not receive, or keeping what it should pass on.
            d.Reject(IncomeRejection.HaltNamesCentralCounterparty, instructing.CentralCounterparty ? "participant" : "counterparty",
                "a halt may not be filed by or against a central counterparty");
            return;
        }
        if (state.Find(c.Instructing, c.Counterparty) is { } filed)
        {
            if (filed.EffectiveDate == c.EffectiveDate) return; // the same letter again, on any later day
            d.Reject(IncomeRejection.HaltAlreadyFiled, "counterparty",
                $"{c.Instructing} filed a halt against {c.Counterparty} effective {filed.EffectiveDate:yyyy-MM-dd} on {filed.FiledOn:yyyy-MM-dd}");
            return;
        }
        var notice = c.Calendar.BusinessDaysBetween(c.Day.BusinessDate, c.EffectiveDate);
        if (notice < settings.HaltNoticeBusinessDays)
        {
            d.Reject(IncomeRejection.HaltNoticeTooShort, "effectiveDate",
                $"a halt takes effect {settings.HaltNoticeBusinessDays} or more business days after the letter: filed on {c.Day.BusinessDate:yyyy-MM-dd}, the earliest effective date is {c.Calendar.AddBusinessDays(c.Day.BusinessDate, settings.HaltNoticeBusinessDays):yyyy-MM-dd}");
            return;
        }
        if (c.EffectiveDate.DayNumber - c.Day.BusinessDate.DayNumber > IncomeLimits.HaltEffectiveAheadDaysMax)
        {
            d.Reject(IncomeRejection.HaltTooFarAhead, "effectiveDate", $"a halt takes effect at most {IncomeLimits.HaltEffectiveAheadDaysMax} days ahead");
            return;
        }
        if (state.Halts.Count >= IncomeLimits.HaltsMax)
        {
            d.Reject(IncomeRejection.HaltsFull, "counterparty", $"the register holds at most {IncomeLimits.HaltsMax} halts");
            return;
        }
        Emit(state, d, new HaltFiled(c.Instructing.Value, c.Counterparty.Value, IncomeDates.ToText(c.EffectiveDate), IncomeDates.ToText(c.Day.BusinessDate), c.At));
        d.Messages.Add(Notice(state.Find(c.Instructing, c.Counterparty)!, c.At));
    }

    private static IncomeMessage Notice(Halt h, DateTimeOffset at) =>
        new(IncomeAddress.MemoAccount(h.Counterparty), new NoteHaltFiled(h.Instructing, h.EffectiveDate, h.FiledOn, at));
}
