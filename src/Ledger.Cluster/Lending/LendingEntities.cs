using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Ledger.Lending;
using Ledger.Lending.Events;
using Ledger.Settlement;

namespace Ledger.Cluster.Lending;

/// <summary>A message for one lending entity; <paramref name="EntityId"/> is its persistence id (<c>loan-book-0001-0002</c>, <c>loan-book-directory</c>, <c>lending-day-2026-12-08</c>).</summary>
public sealed record LendingEnvelope(string EntityId, object Message) : ILendingMessage;

/// <summary>A command for a loan book or a lending day, with the calendar of the moment (the node's reference data holds it; the core takes it as an argument).</summary>
public sealed record LendingStep(object Command, BusinessCalendar Calendar) : ILendingMessage;

internal sealed record LendingResendTick
{
    public static readonly LendingResendTick Instance = new();
}

/// <summary>Settlement answered a mark's payment order.</summary>
internal sealed record PaymentOrderAnswered(Ledger.Lending.PaymentOrderRequest Request, SubmitResult? Answer, string? Failure);

/// <summary>The directory answered the book's registration.</summary>
internal sealed record RegistrationAnswered(object Answer);

/// <summary>The lending region's shards: by entity id (the persistence id).</summary>
public sealed class LendingMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string EntityId(object message) => message is LendingEnvelope e ? e.EntityId : null!;

    public override object EntityMessage(object message) => message is LendingEnvelope e ? e.Message : message;
}

/// <summary>What every lending entity gets from the node.</summary>
public sealed record LendingEntityServices(IActorRef Lending, IPaymentOrderGateway Payments, LendingRules Rules, TimeProvider Clock, TimeSpan ResendInterval, TimeSpan AskTimeout)
{
    public DateTimeOffset Now => Clock.GetUtcNow();
}

/// <summary>
/// One counterparty pair's loan book on the runtime's <see cref="GroupCommitEntity{TEvent}"/>: the
/// core's decider decides, the events are persisted as one write, and only then do the mark's
/// payment orders go to settlement and the registration to the directory. What the core's
/// <c>Unsent</c> lists (every mark without an outcome, an unconfirmed registration) is sent again
/// after recovery and on the resend schedule: settlement deduplicates a payment order on its id,
/// the directory a registration on the book id.
/// </summary>
public sealed class LoanBookEntity : GroupCommitEntity<LoanBookEvent>, IWithTimers
{
    private readonly LoanBookState _state;
    private readonly LendingEntityServices _services;
    private readonly ResendSchedule<string> _resends = new();
    private BusinessCalendar _calendar = BusinessCalendar.Weekdays;

    public LoanBookEntity(LoanBookId book, LendingEntityServices services)
        : base(book.PersistenceId)
    {
        _state = new LoanBookState(book);
        _services = services;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    // Notices from settlement and the day's steps are never refused busy: refusing one would lose it.
    protected override bool Bounded(object message) => false;

    protected override void Evolve(LoanBookEvent e, long sequenceNr) => _state.Apply(e);

    protected override void Recovered()
    {
        Timers.StartPeriodicTimer("resend", LendingResendTick.Instance, _services.ResendInterval);
        Resend(all: true);
    }

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<LoanBookEvent> events)
    {
        switch (message)
        {
            case LendingStep { Command: LoanBookCommand command } step:
                _calendar = step.Calendar;
                return Run(command, events);
            case LendingTypedQuery typed:
                return new GroupCommitEffect(typed.Answer(_state));
            case PaymentOrderAnswered answered:
                if (answered.Answer is { } answer && SettlementFeed.OutcomeOfAnswer(answered.Request, answer, _services.Now) is { } outcome)
                    return Run(new RecordPaymentOrderOutcome(outcome), events);
                if (answered.Answer is not { Accepted: true })
                    Log.Warning("{0}: settlement did not take mark {1} ({2}); it is sent again", PersistenceId, answered.Request.Id, answered.Failure ?? answered.Answer?.Error?.Rule.ToString());
                return GroupCommitEffect.None;
            case RegistrationAnswered { Answer: Recorded }:
                return Run(new ConfirmRegistration(_services.Now), events);
            case RegistrationAnswered other:
                Log.Warning("{0}: the directory answered the registration with {1}; it is sent again", PersistenceId, other.Answer);
                return GroupCommitEffect.None;
            case LendingResendTick:
                _resends.Tick();
                // Decided in turn: a resend never announces what a write in flight has not made durable.
                return new GroupCommitEffect(null, () => Resend(all: false));
            case Status.Failure:
                return GroupCommitEffect.None;
            default:
                Log.Warning("{0} ignored an unknown message {1}", PersistenceId, message.GetType().Name);
                return GroupCommitEffect.None;
        }
    }

    private GroupCommitEffect Run(LoanBookCommand command, List<LoanBookEvent> events)
    {
        var decision = LoanBookDecider.Decide(_state, command, _services.Rules, _calendar);
        events.AddRange(decision.Events);
        var orders = decision.PaymentOrders.ToList();
        var registration = decision.Registration;
        return new GroupCommitEffect(decision.Reply,
            orders.Count == 0 && registration is null ? null : () => Send(orders, registration));
    }

    private void Resend(bool all)
    {
        var (orders, registration) = LoanBookDecider.Unsent(_state, _services.Now);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var due = new List<Ledger.Lending.PaymentOrderRequest>();
        foreach (var o in orders)
        {
            keys.Add(o.Id.Value);
            if (all || _resends.Due(o.Id.Value, receiverSaidPending: false)) due.Add(o);
        }
        RegisterLoanBook? register = null;
        if (registration is not null)
        {
            keys.Add("directory");
            if (all || _resends.Due("directory", receiverSaidPending: false)) register = registration;
        }
        _resends.KeepOnly(keys);
        Send(due, register);
    }

    private void Send(IReadOnlyList<Ledger.Lending.PaymentOrderRequest> orders, RegisterLoanBook? registration)
    {
        foreach (var order in orders)
        {
            _resends.Sent(order.Id.Value);
            var request = order;
            _services.Payments.SubmitPaymentOrderAsync(SettlementFeed.ToSettlement(request), CancellationToken.None)
                .PipeTo(Self, success: answer => new PaymentOrderAnswered(request, answer, null),
                    failure: e => new PaymentOrderAnswered(request, null, e.GetType().Name));
        }
        if (registration is not null)
        {
            _resends.Sent("directory");
            _services.Lending.Ask<object>(new LendingEnvelope(LoanBookDirectoryState.PersistenceId, registration), _services.AskTimeout)
                .PipeTo(Self, success: answer => new RegistrationAnswered(answer), failure: e => new RegistrationAnswered(e.GetType().Name));
        }
    }
}

/// <summary>The ledger's directory of loan books, <c>loan-book-directory</c>: written only when a pair opens its first loan.</summary>
public sealed class LoanBookDirectoryEntity : GroupCommitEntity<LoanBookDirectoryEvent>
{
    private readonly LoanBookDirectoryState _state = new();

    public LoanBookDirectoryEntity()
        : base(LoanBookDirectoryState.PersistenceId)
    {
    }

    protected override bool Bounded(object message) => false;

    protected override void Evolve(LoanBookDirectoryEvent e, long sequenceNr) => _state.Apply(e);

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<LoanBookDirectoryEvent> events)
    {
        switch (message)
        {
            case RegisterLoanBook register:
                var (written, reply) = LoanBookDirectoryDecider.Decide(_state, register);
                events.AddRange(written);
                return new GroupCommitEffect(reply);
            case LendingTypedQuery typed:
                return new GroupCommitEffect(typed.Answer(_state));
            default:
                return GroupCommitEffect.None;
        }
    }
}

/// <summary>
/// One business date of the lending context, <c>lending-day-yyyy-MM-dd</c>: the close prices frozen
/// for its marks and which books marked and closed. The node's open and close steps
/// (<see cref="LendingGateway"/>) drive it and ask its <c>Unsent</c> requests again until every book answered.
/// </summary>
public sealed class LendingDayEntity : GroupCommitEntity<LendingDayEvent>
{
    private readonly LendingDayState _state = new();

    public LendingDayEntity(DateOnly date)
        : base(LendingDayState.PersistenceId(date))
    {
    }

    protected override bool Bounded(object message) => false;

    protected override void Evolve(LendingDayEvent e, long sequenceNr) => _state.Apply(e);

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<LendingDayEvent> events)
    {
        switch (message)
        {
            case LendingStep { Command: LendingDayCommand command } step:
                var decision = LendingDayDecider.Decide(_state, command, step.Calendar);
                events.AddRange(decision.Events);
                return new GroupCommitEffect(decision.Reply);
            case LendingTypedQuery typed:
                return new GroupCommitEffect(typed.Answer(_state));
            default:
                return GroupCommitEffect.None;
        }
    }
}

/// <summary>Which lending entity an entity id (its persistence id) is, and its props.</summary>
public static class LendingEntities
{
    public const string BookPrefix = "loan-book-";
    public const string DayPrefix = "lending-day-";

    public static string BookEntityId(LoanBookId book) => book.PersistenceId;

    public static string DayEntityId(DateOnly date) => LendingDayState.PersistenceId(date);

    public static Props PropsOf(string entityId, LendingEntityServices services)
    {
        if (entityId == LoanBookDirectoryState.PersistenceId) return Props.Create(() => new LoanBookDirectoryEntity());
        if (entityId.StartsWith(DayPrefix, StringComparison.Ordinal))
        {
            var date = LendingDates.Parse(entityId.Substring(DayPrefix.Length));
            return Props.Create(() => new LendingDayEntity(date));
        }
        if (entityId.StartsWith(BookPrefix, StringComparison.Ordinal) && LoanBookId.TryParse(entityId.Substring(BookPrefix.Length), out var book))
            return Props.Create(() => new LoanBookEntity(book, services));
        throw new ArgumentException($"'{entityId}' is no lending entity", nameof(entityId));
    }
}
