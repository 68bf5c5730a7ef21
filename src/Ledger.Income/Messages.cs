using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>The kinds of entity income tracking is made of; each is one sharded persistent actor with its own journal.</summary>
public enum IncomeEntityKind
{
    /// <summary>Key: the participant id. Persistence id proposed: <c>income-memo-{participant}</c>.</summary>
    MemoAccount = 1,
    /// <summary>Key: the adjustment id. <c>income-adjustment-{id}</c>.</summary>
    Adjustment = 2,
    /// <summary>Key: <see cref="IncomeAddress.SingletonKey"/>. <c>income-halts</c>.</summary>
    HaltRegister = 3,
    /// <summary>Key: <see cref="IncomeAddress.SingletonKey"/>. <c>income-distributions</c>.</summary>
    DistributionSchedule = 4,
    /// <summary>Key: the posting date, yyyy-MM-dd. <c>income-payable-date-{date}</c>.</summary>
    PayableDateRun = 5,
}

/// <summary>Which entity a message is for.</summary>
public sealed record IncomeAddress(IncomeEntityKind Kind, string Key)
{
    public const string SingletonKey = "ledger";

    public static IncomeAddress MemoAccount(ParticipantId participant) => new(IncomeEntityKind.MemoAccount, participant.Value);
    public static IncomeAddress Adjustment(string id) => new(IncomeEntityKind.Adjustment, id);
    public static IncomeAddress PayableDateRun(DateOnly postingDate) => new(IncomeEntityKind.PayableDateRun, IncomeDates.ToText(postingDate));
    public static readonly IncomeAddress HaltRegister = new(IncomeEntityKind.HaltRegister, SingletonKey);
    public static readonly IncomeAddress DistributionSchedule = new(IncomeEntityKind.DistributionSchedule, SingletonKey);

    public override string ToString() => $"{Kind}/{Key}";
}

/// <summary>Every command carries its business time; the events it causes are stamped with it.</summary>
public abstract record IncomeCommand(DateTimeOffset At);

/// <summary>A command for another income entity, to be sent once the events that justify it are persisted, and again until answered.</summary>
public sealed record IncomeMessage(IncomeAddress To, IncomeCommand Command);

/// <summary>
/// What income tracking asks of settlement: apply these income entries to
/// <see cref="Participant"/>'s settlement balance, once. Settlement keeps <see cref="PostingId"/>
/// and answers a resend without a second effect; the entries are its own (not subject to the
/// collateral monitor or the net debit cap) and count in the balance from then on. Each entry is
/// coded with its kind, distribution, counterparty, CUSIP, shares and rate, so the account's
/// activity shows it as stock-loan income or a holder-of-record credit.
/// </summary>
public sealed record SettlementIncomePosting(
    string PostingId,
    ParticipantId Participant,
    DateOnly BusinessDate,
    IReadOnlyList<IncomeEntryData> Entries)
{
    /// <summary>What the posting does to the settlement balance, in all.</summary>
    public Money Net => new(Entries.Sum(e => e.AmountCents));
}

/// <summary>
/// The result of a command: events to persist (already applied to the state), then messages to
/// other income entities and postings to settlement to let out; or a refusal that changed nothing.
/// </summary>
public sealed class Decision<TEvent> where TEvent : IncomeEvent
{
    public List<TEvent> Events { get; } = new();
    public List<IncomeMessage> Messages { get; } = new();
    public List<SettlementIncomePosting> SettlementPostings { get; } = new();
    public IncomeError? Rejection { get; private set; }

    public bool Rejected => Rejection is not null;

    internal Decision<TEvent> Reject(IncomeError error)
    {
        if (Events.Count > 0) throw new InvariantViolation("a refusal must change nothing, yet events were decided");
        Rejection = error;
        return this;
    }

    internal Decision<TEvent> Reject(IncomeRejection rejection, string field, string message) => Reject(new IncomeError(rejection, field, message));

    internal void Send(IncomeAddress to, IncomeCommand command) => Messages.Add(new IncomeMessage(to, command));
}
