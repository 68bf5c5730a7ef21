using Akka.Actor;
using Akka.Event;
using Ledger.Income;
using Ledger.Income.Events;
using Ledger.Settlement;
using Ledger.Settlement.Events;

namespace Ledger.Cluster.Income;

/// <summary>
/// One income entity on the runtime's <see cref="GroupCommitEntity{TEvent}"/>: the core's decider
/// decides, the events are persisted as one write, and only then do the messages to other income
/// entities, the postings to settlement and the answer leave. Whatever the core's
/// <c>Unsettled</c> lists is sent again after recovery and on the <see cref="ResendSchedule{TKey}"/>
/// (every receiver answers a duplicate without a second effect).
/// </summary>
public abstract class IncomeEntity<TEvent> : GroupCommitEntity<IncomeEvent>, IWithTimers where TEvent : IncomeEvent
{
    private readonly ResendSchedule<string> _resends = new();

    protected IncomeEntity(string persistenceId, IncomeEntityServices services)
        : base(persistenceId)
    {
        Services = services;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected IncomeEntityServices Services { get; }

    /// <summary>The view <paramref name="query"/> names, read from the state; null when it is no query for this kind of entity.</summary>
    protected abstract object? Answer(IncomeQuery query);

    protected abstract void Apply(TEvent e);

    /// <summary>The core's decision on <paramref name="command"/>; null when the command is not for this kind of entity.</summary>
    protected abstract Decision<TEvent>? DecideCommand(IncomeCommand command);

    protected abstract (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(DateTimeOffset at);

    // Steps from other income entities and settlement's answers are never refused busy: refusing one would lose it.
    protected override bool Bounded(object message) => false;

    protected override void Evolve(IncomeEvent e, long sequenceNr) => Apply((TEvent)e);

    protected override void Recovered()
    {
        Timers.StartPeriodicTimer("resend", IncomeResendTick.Instance, Services.ResendInterval);
        Resend(all: true);
    }

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<IncomeEvent> events)
    {
        switch (message)
        {
            case IncomeCommand command:
                {
                    var decision = DecideCommand(command);
                    if (decision is null)
                    {
                        Log.Warning("{0} ignored a {1}: not a command for it", PersistenceId, command.GetType().Name);
                        return GroupCommitEffect.None;
                    }
                    events.AddRange(decision.Events);
                    if (decision.Rejection is { } refused && sender.IsNobody())
                        Log.Warning("{0} refused a {1} from another income entity: {2} ({3})", PersistenceId, command.GetType().Name, refused.Rule, refused.Message);
                    var messages = decision.Messages.ToList();
                    var postings = decision.SettlementPostings.ToList();
                    return new GroupCommitEffect(new IncomeAnswer(decision.Rejection),
                        messages.Count + postings.Count == 0 ? null : () => Send(messages, postings));
                }
            case IncomeQuery query:
                if (Answer(query) is { } view) return new GroupCommitEffect(view);
                Log.Warning("{0} was asked a {1}: not a query for it", PersistenceId, query.GetType().Name);
                return new GroupCommitEffect(new IncomeQueryNotAnswered(PersistenceId, query.GetType().Name));
            case SettlementPostingAnswered answered:
                if (answered.Answer is Acknowledged)
                {
                    var decision = DecideCommand(new AcknowledgeSettlementPosting(answered.PostingId, Services.Now));
                    if (decision is not null) events.AddRange(decision.Events);
                }
                else
                {
                    Log.Warning("{0}: settlement answered posting {1} with {2}; it is sent again", PersistenceId, answered.PostingId, answered.Answer);
                }
                return GroupCommitEffect.None;
            case IncomeResendTick:
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

    private void Resend(bool all)
    {
        var (messages, postings) = Unsettled(Services.Now);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var due = new List<IncomeMessage>();
        foreach (var m in messages)
        {
            var key = KeyOf(m);
            keys.Add(key);
            if (all || _resends.Due(key, receiverSaidPending: false)) due.Add(m);
        }
        var duePostings = new List<SettlementIncomePosting>();
        foreach (var p in postings)
        {
            var key = "settlement|" + p.PostingId;
            keys.Add(key);
            if (all || _resends.Due(key, receiverSaidPending: false)) duePostings.Add(p);
        }
        _resends.KeepOnly(keys);
        Send(due, duePostings);
    }

    private void Send(IReadOnlyList<IncomeMessage> messages, IReadOnlyList<SettlementIncomePosting> postings)
    {
        foreach (var m in messages)
        {
            _resends.Sent(KeyOf(m));
            // Told with this entity as the sender: the receiver's answer (an IncomeAnswer) comes back and is ignored.
            Services.Income.Tell(IncomeEnvelope.To(m.To, m.Command), ActorRefs.NoSender);
        }
        foreach (var p in postings)
        {
            _resends.Sent("settlement|" + p.PostingId);
            var command = new ApplyIncomePosting(p.PostingId, p.Entries.Select(ToPosted).ToList(), Services.Now);
            var postingId = p.PostingId;
            Services.Accounts.Ask<object>(new AccountEnvelope(p.Participant.Value, command), Services.AskTimeout)
                .PipeTo(Self, success: answer => new SettlementPostingAnswered(postingId, answer),
                    failure: e => new SettlementPostingAnswered(postingId, e.GetType().Name));
        }
    }

    private static IncomeEntryPosted ToPosted(IncomeEntryData e) =>
        new(e.EntryId, e.Kind, e.Cusip, e.DistributionId, e.Counterparty, e.Shares, e.RatePerShare, e.AmountCents, e.PayableDate);

    /// <summary>What identifies a message across resends: its address and its terms without its time.</summary>
    private static string KeyOf(IncomeMessage m) => m.To + "|" + (m.Command with { At = default });
}

/// <summary>What every income entity gets from the node.</summary>
public sealed record IncomeEntityServices(IActorRef Income, IActorRef Accounts, TimeProvider Clock, TimeSpan ResendInterval, TimeSpan AskTimeout, IncomeSettings Settings)
{
    public DateTimeOffset Now => Clock.GetUtcNow();
}
