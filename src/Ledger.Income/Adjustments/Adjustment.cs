using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>The notices an adjustment sends to memo accounts, each acknowledged once applied.</summary>
public enum AdjustmentNotice
{
    /// <summary>To the counterparty: it awaits your affirmation.</summary>
    Awaiting = 1,
    /// <summary>To both parties, once affirmed: change your line.</summary>
    Applied = 2,
    /// <summary>To the counterparty, once cancelled or expired: it no longer awaits you.</summary>
    Cleared = 3,
}

/// <summary>A command to one adjustment (the entity is keyed by the adjustment id).</summary>
public abstract record AdjustmentCommand(string AdjustmentId, DateTimeOffset At) : IncomeCommand(At);

/// <summary>
/// <paramref name="EnteredBy"/> proposes to change its own line with <paramref name="Counterparty"/>
/// in <paramref name="Cusip"/> by <paramref name="Shares"/> (the counterparty's by the opposite).
/// The same id with the same terms again changes nothing; with other terms it is refused.
/// </summary>
public sealed record EnterAdjustment(
    string AdjustmentId,
    ParticipantId EnteredBy,
    ParticipantId Counterparty,
    Cusip Cusip,
    long Shares,
    BusinessDayStatus Day,
    ParticipantDirectory Directory,
    BusinessCalendar Calendar,
    DateTimeOffset At) : AdjustmentCommand(AdjustmentId, At);

/// <summary>The counterparty affirms: both lines change.</summary>
public sealed record AffirmAdjustment(string AdjustmentId, ParticipantId By, DateOnly BusinessDate, DateTimeOffset At) : AdjustmentCommand(AdjustmentId, At);

/// <summary>Either party cancels while it is pending.</summary>
public sealed record CancelAdjustment(string AdjustmentId, ParticipantId By, DateOnly BusinessDate, DateTimeOffset At) : AdjustmentCommand(AdjustmentId, At);

/// <summary>Expire it if it went unanswered through its last day (a memo account's close reminds it; any timer may).</summary>
public sealed record ExpireAdjustment(string AdjustmentId, DateOnly BusinessDate, DateTimeOffset At) : AdjustmentCommand(AdjustmentId, At);

/// <summary><paramref name="Participant"/>'s memo account applied a notice of this adjustment.</summary>
public sealed record AcknowledgeAdjustmentNotice(string AdjustmentId, ParticipantId Participant, AdjustmentNotice Notice, DateTimeOffset At) : AdjustmentCommand(AdjustmentId, At);

/// <summary>One adjustment of a memo line (income-tracking.md section 4) and the notices it still owes.</summary>
public sealed class AdjustmentState
{
    private readonly HashSet<(ParticipantId, AdjustmentNotice)> _acknowledged = new();

    public AdjustmentState(string adjustmentId) => AdjustmentId = adjustmentId;

    public string AdjustmentId { get; }
    public bool Entered { get; private set; }
    public ParticipantId EnteredBy { get; private set; }
    public ParticipantId Counterparty { get; private set; }
    public Cusip Cusip { get; private set; }
    /// <summary>The change to the entering party's line; the counterparty's changes by the opposite.</summary>
    public long Shares { get; private set; }
    public DateOnly EnteredOn { get; private set; }
    /// <summary>The last business day it may be affirmed; it expires at that day's close.</summary>
    public DateOnly ExpiresOn { get; private set; }
    public AdjustmentStatus Status { get; private set; }
    /// <summary>When it was affirmed, cancelled or expired.</summary>
    public DateOnly? ResolvedOn { get; private set; }
    public ParticipantId? CancelledBy { get; private set; }
    public long Version { get; private set; }

    public bool IsParty(ParticipantId participant) => Entered && (participant == EnteredBy || participant == Counterparty);

    public bool IsAcknowledged(ParticipantId participant, AdjustmentNotice notice) => _acknowledged.Contains((participant, notice));

    /// <summary>Its status on <paramref name="businessDate"/>: a pending one past its last day reads as expired before the expiry is recorded.</summary>
    public AdjustmentStatus StatusOn(DateOnly businessDate) =>
        Status == AdjustmentStatus.Pending && businessDate > ExpiresOn ? AdjustmentStatus.Expired : Status;

    public void Apply(AdjustmentEvent @event)
    {
        Version++;
        switch (@event)
        {
            case AdjustmentEntered e:
                Entered = true;
                EnteredBy = new ParticipantId(e.EnteredBy);
                Counterparty = new ParticipantId(e.Counterparty);
                Cusip = new Cusip(e.Cusip);
                Shares = e.Shares;
                EnteredOn = IncomeDates.Parse(e.EnteredOn);
                ExpiresOn = IncomeDates.Parse(e.ExpiresOn);
                Status = AdjustmentStatus.Pending;
                break;
            case AdjustmentAffirmed e:
                Status = AdjustmentStatus.Affirmed;
                ResolvedOn = IncomeDates.Parse(e.AffirmedOn);
                break;
            case AdjustmentCancelled e:
                Status = AdjustmentStatus.Cancelled;
                ResolvedOn = IncomeDates.Parse(e.CancelledOn);
                CancelledBy = new ParticipantId(e.CancelledBy);
                break;
            case AdjustmentExpired e:
                Status = AdjustmentStatus.Expired;
                ResolvedOn = IncomeDates.Parse(e.ExpiredOn);
                break;
            case AdjustmentNoticeAcknowledged e:
                _acknowledged.Add((new ParticipantId(e.Participant), ParseNotice(e.Notice)));
                break;
            default:
                throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}");
        }
    }

    internal static string NoticeName(AdjustmentNotice notice) => notice switch
    {
        AdjustmentNotice.Awaiting => "awaiting",
        AdjustmentNotice.Applied => "applied",
        AdjustmentNotice.Cleared => "cleared",
        _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, null),
    };

    private static AdjustmentNotice ParseNotice(string notice) => notice switch
    {
        "awaiting" => AdjustmentNotice.Awaiting,
        "applied" => AdjustmentNotice.Applied,
        "cleared" => AdjustmentNotice.Cleared,
        _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, null),
    };
}

/// <summary>The rules of an adjustment: entered by either party, affirmed by the counterparty only, cancelled by either while pending, expired when unanswered.</summary>
public static class AdjustmentDecider
{
    public static Decision<AdjustmentEvent> Decide(AdjustmentState state, AdjustmentCommand command, IncomeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        var d = new Decision<AdjustmentEvent>();
        if (command.AdjustmentId != state.AdjustmentId) throw new ArgumentException($"command for adjustment {command.AdjustmentId} sent to {state.AdjustmentId}", nameof(command));
        switch (command)
        {
            case EnterAdjustment c: Enter(state, c, (settings ?? IncomeSettings.Default).Validated(), d); break;
            case AffirmAdjustment c: Affirm(state, c, d); break;
            case CancelAdjustment c: Cancel(state, c, d); break;
            case ExpireAdjustment c:
                if (state.Entered && state.Status == AdjustmentStatus.Pending && c.BusinessDate > state.ExpiresOn)
                {
                    Emit(state, d, new AdjustmentExpired(IncomeDates.ToText(c.BusinessDate), c.At));
                    d.Send(IncomeAddress.MemoAccount(state.Counterparty), new ClearAdjustmentAwaiting(state.AdjustmentId, AdjustmentStatus.Expired, c.At));
                }
                break;
            case AcknowledgeAdjustmentNotice c:
                if (state.Entered && !state.IsAcknowledged(c.Participant, c.Notice))
                    Emit(state, d, new AdjustmentNoticeAcknowledged(c.Participant.Value, AdjustmentState.NoticeName(c.Notice), c.At));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return d;
    }

    /// <summary>The notices to send again after recovery or on a timer, until each memo account acknowledges.</summary>
    public static IReadOnlyList<IncomeMessage> Unsettled(AdjustmentState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        var messages = new List<IncomeMessage>();
        if (!state.Entered) return messages;
        switch (state.Status)
        {
            case AdjustmentStatus.Pending:
                if (!state.IsAcknowledged(state.Counterparty, AdjustmentNotice.Awaiting)) messages.Add(AwaitingNotice(state, at));
                break;
            case AdjustmentStatus.Affirmed:
                foreach (var message in ApplyNotices(state, at))
                {
                    var apply = (ApplyAdjustment)message.Command;
                    if (!state.IsAcknowledged(apply.Participant, AdjustmentNotice.Applied)) messages.Add(message);
                }
                break;
            default:
                if (!state.IsAcknowledged(state.Counterparty, AdjustmentNotice.Cleared))
                    messages.Add(new IncomeMessage(IncomeAddress.MemoAccount(state.Counterparty), new ClearAdjustmentAwaiting(state.AdjustmentId, state.Status, at)));
                break;
        }
        return messages;
    }

    /// <summary>The checks of an adjustment's terms that need no state, shared with the initial load's batch check.</summary>
    public static IncomeError? CheckTerms(ParticipantId enteredBy, ParticipantId counterparty, long shares, ParticipantDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (counterparty == enteredBy)
            return new IncomeError(IncomeRejection.CounterpartyIsSelf, "counterparty", "an adjustment is of a line with another participant");
        var facts = directory.Find(counterparty);
        if (facts is null)
            return new IncomeError(IncomeRejection.UnknownParticipant, "counterparty", $"{counterparty} is not a known participant");
        if (facts.Standing != ParticipantStanding.Active)
            return new IncomeError(IncomeRejection.ParticipantNotActive, "counterparty", $"{counterparty} is {facts.Standing.Name()}");
        if (directory.Find(enteredBy) is { } self && self.Standing != ParticipantStanding.Active)
            return new IncomeError(IncomeRejection.ParticipantNotActive, "participant", $"{enteredBy} is {self.Standing.Name()}");
        if (shares == 0)
            return new IncomeError(IncomeRejection.SharesZero, "shares", "an adjustment changes a line by a number of shares other than zero");
        if (shares is > IncomeLimits.AdjustmentSharesMax or < -IncomeLimits.AdjustmentSharesMax)
            return new IncomeError(IncomeRejection.SharesAboveMaximum, "shares", $"an adjustment moves at most {IncomeLimits.AdjustmentSharesMax} shares either way");
        return null;
    }

    private static void Emit(AdjustmentState state, Decision<AdjustmentEvent> d, AdjustmentEvent e)
    {
        state.Apply(e);
        d.Events.Add(e);
    }

    private static void Enter(AdjustmentState state, EnterAdjustment c, IncomeSettings settings, Decision<AdjustmentEvent> d)
    {
        if (!IncomeIds.IsValid(c.AdjustmentId))
        {
            d.Reject(IncomeRejection.InvalidAdjustmentId, "id", $"id must be 1 to {IncomeLimits.IdLengthMax} letters, digits, '-', '_', '.' or ':'");
            return;
        }
        if (state.Entered)
        {
            if (state.EnteredBy == c.EnteredBy && state.Counterparty == c.Counterparty && state.Cusip == c.Cusip && state.Shares == c.Shares) return;
            d.Reject(IncomeRejection.AdjustmentIdTaken, "id",
                $"adjustment {c.AdjustmentId} was entered by {state.EnteredBy} with other terms ({state.Counterparty}, {state.Cusip}, {state.Shares} shares)");
            return;
        }
        if (!Cusip.IsValid(c.Cusip.Value))
        {
            d.Reject(IncomeRejection.InvalidCusip, "cusip", "cusip must be 9 characters with a valid check digit");
            return;
        }
        if (CheckTerms(c.EnteredBy, c.Counterparty, c.Shares, c.Directory) is { } error)
        {
            d.Reject(error);
            return;
        }
        var enteredOn = c.Day.BusinessDate;
        var expiresOn = c.Calendar.AddBusinessDays(enteredOn, settings.AdjustmentExpiryBusinessDays);
        Emit(state, d, new AdjustmentEntered(c.AdjustmentId, c.EnteredBy.Value, c.Counterparty.Value, c.Cusip.Value, c.Shares,
            IncomeDates.ToText(enteredOn), IncomeDates.ToText(expiresOn), c.At));
        d.Messages.Add(AwaitingNotice(state, c.At));
    }

    private static void Affirm(AdjustmentState state, AffirmAdjustment c, Decision<AdjustmentEvent> d)
    {
        if (PartyRefusal(state, c.By, d)) return;
        if (c.By == state.EnteredBy)
        {
            d.Reject(IncomeRejection.AffirmByEnteringParty, "participant", $"adjustment {state.AdjustmentId} was entered by {c.By}; only {state.Counterparty} may affirm it");
            return;
        }
        if (state.Status == AdjustmentStatus.Affirmed) return; // affirmed already: a resend
        if (NotPending(state, c.BusinessDate, d)) return;
        Emit(state, d, new AdjustmentAffirmed(IncomeDates.ToText(c.BusinessDate), c.At));
        d.Messages.AddRange(ApplyNotices(state, c.At));
    }

    private static void Cancel(AdjustmentState state, CancelAdjustment c, Decision<AdjustmentEvent> d)
    {
        if (PartyRefusal(state, c.By, d)) return;
        if (state.Status == AdjustmentStatus.Cancelled) return; // cancelled already: a resend
        if (NotPending(state, c.BusinessDate, d)) return;
        Emit(state, d, new AdjustmentCancelled(c.By.Value, IncomeDates.ToText(c.BusinessDate), c.At));
        d.Send(IncomeAddress.MemoAccount(state.Counterparty), new ClearAdjustmentAwaiting(state.AdjustmentId, AdjustmentStatus.Cancelled, c.At));
    }

    private static bool PartyRefusal(AdjustmentState state, ParticipantId by, Decision<AdjustmentEvent> d)
    {
        if (!state.Entered)
        {
            d.Reject(IncomeRejection.UnknownAdjustment, "id", $"no adjustment {state.AdjustmentId}");
            return true;
        }
        if (!state.IsParty(by))
        {
            d.Reject(IncomeRejection.NotPartyToAdjustment, "participant", $"{by} is not a party to adjustment {state.AdjustmentId}");
            return true;
        }
        return false;
    }

    private static bool NotPending(AdjustmentState state, DateOnly businessDate, Decision<AdjustmentEvent> d)
    {
        var status = state.StatusOn(businessDate);
        if (status == AdjustmentStatus.Pending) return false;
        var when = status == AdjustmentStatus.Expired && state.Status == AdjustmentStatus.Pending
            ? $"expired at the close of {state.ExpiresOn:yyyy-MM-dd}"
            : $"{status.Name()} on {state.ResolvedOn:yyyy-MM-dd}";
        d.Reject(IncomeRejection.AdjustmentNotPending, "id", $"adjustment {state.AdjustmentId} is no longer pending: {when}");
        return true;
    }

    private static IncomeMessage AwaitingNotice(AdjustmentState state, DateTimeOffset at) =>
        new(IncomeAddress.MemoAccount(state.Counterparty),
            new NoteAdjustmentAwaiting(state.AdjustmentId, state.EnteredBy, state.Cusip, -state.Shares, state.EnteredOn, state.ExpiresOn, at));

    private static IEnumerable<IncomeMessage> ApplyNotices(AdjustmentState state, DateTimeOffset at)
    {
        var on = state.ResolvedOn ?? throw new InvariantViolation($"adjustment {state.AdjustmentId} applies only once affirmed");
        yield return new IncomeMessage(IncomeAddress.MemoAccount(state.EnteredBy),
            new ApplyAdjustment(state.AdjustmentId, state.EnteredBy, state.EnteredBy, state.Counterparty, state.Cusip, state.Shares, on, at));
        yield return new IncomeMessage(IncomeAddress.MemoAccount(state.Counterparty),
            new ApplyAdjustment(state.AdjustmentId, state.EnteredBy, state.Counterparty, state.EnteredBy, state.Cusip, -state.Shares, on, at));
    }
}
