using Akka.Actor;
using Ledger.Recalls;
using Ledger.Recalls.Events;
using Ledger.Recalls.Fin;

namespace Ledger.Cluster;

/// <summary>
/// One subscriber's mailbox: a thin shell around <see cref="MailboxDecider"/> on the runtime's
/// <see cref="GroupCommitEntity{TEvent}"/>. Replies, answers to held senders and steps to other
/// mailboxes leave only once the events that justify them are persisted. A send still on its way
/// to its receiver holds its caller until the receiver's confirmation is journaled here (several
/// callers may wait on one reference; one that gave up is told into the void, harmlessly). After
/// recovery and on the resend timer, on <see cref="ResendSchedule{TKey}"/>'s backed-off schedule,
/// it sends again whatever is unsettled (<see cref="MailboxDecider.Unsettled"/>): receivers answer
/// repeats from their records, so nothing is delivered or receipted twice.
/// </summary>
public sealed class MailboxActor : GroupCommitEntity<MailboxEvent>, IWithTimers
{
    public const string PersistenceIdPrefix = "recall-mailbox-";

    private readonly MailboxState _state;
    private readonly IActorRef _mailboxes;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _resendInterval;
    private readonly LogicalTerminal _hub;
    private readonly Dictionary<string, List<IActorRef>> _waiting = new(StringComparer.Ordinal);
    private readonly ResendSchedule<string> _resends = new();

    public MailboxActor(string participant, IActorRef mailboxes, TimeProvider clock, TimeSpan resendInterval, LogicalTerminal hub)
        : base(PersistenceIdPrefix + participant)
    {
        _state = new MailboxState(new ParticipantId(participant));
        _mailboxes = mailboxes;
        _clock = clock;
        _resendInterval = resendInterval;
        _hub = hub;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string participant, IActorRef mailboxes, TimeProvider clock, TimeSpan resendInterval, LogicalTerminal hub) =>
        Akka.Actor.Props.Create(() => new MailboxActor(participant, mailboxes, clock, resendInterval, hub));

    internal sealed record ResendTick
    {
        public static readonly ResendTick Instance = new();
    }

    // A step from another mailbox is never refused busy: refusing it would lose it until the next resend.
    protected override bool Bounded(object message) => message is not (DeliverMessage or ConfirmDelivery or RecordRetrieval or ConfirmRetrievalReceipt);

    protected override void Evolve(MailboxEvent e, long sequenceNr) => _state.Apply(e);

    protected override void Recovered()
    {
        Timers.StartPeriodicTimer("resend", ResendTick.Instance, _resendInterval);
        SendAll(MailboxDecider.Unsettled(_state, _clock.GetUtcNow()).ToList());
    }

    protected override GroupCommitEffect Decide(object message, IActorRef sender, List<MailboxEvent> events)
    {
        switch (message)
        {
            case MailboxCommand command:
                {
                    // The business time of a step is when this mailbox decides it.
                    var decision = MailboxDecider.Decide(_state, command with { At = _clock.GetUtcNow() });
                    events.AddRange(decision.Events);
                    object? reply = decision.Reply;
                    switch (decision.Reply)
                    {
                        case SendPending pending:
                            // Answered once the receiver's confirmation is journaled here (an Answers entry of a later write).
                            if (!_waiting.TryGetValue(pending.SenderReference, out var callers)) _waiting[pending.SenderReference] = callers = [];
                            if (!sender.IsNobody()) callers.Add(sender);
                            reply = null;
                            break;
                        case RetrievalAnswer retrieval:
                            reply = new Retrieved(MailboxViews.Retrieval(retrieval.Entry, _hub));
                            break;
                    }
                    var messages = decision.Messages;
                    var answers = decision.Answers;
                    return new GroupCommitEffect(reply, messages.Count == 0 && answers.Count == 0 ? null : () =>
                    {
                        SendAll(messages);
                        foreach (var answer in answers)
                        {
                            if (!_waiting.Remove(answer.SenderReference, out var held)) continue;
                            foreach (var caller in held) caller.Tell(answer);
                        }
                    });
                }
            case ListMailbox q:
                {
                    var (entries, error) = MailboxViews.List(_state, q.After, q.Limit);
                    return new GroupCommitEffect(new MailboxListing(entries, error));
                }
            case GetWaiting:
                return new GroupCommitEffect(new WaitingEntries(MailboxViews.Waiting(_state).Select(e => e.ControlNumber).ToList()));
            case LocateTrace q:
                return new GroupCommitEffect(Locate(q.ControlNumber));
            case GetSent q:
                return new GroupCommitEffect(new SentRecord(_state.FindSent(q.SenderReference)));
            case FindDelivered q:
                return new GroupCommitEffect(new DeliveredAs(ParticipantId.IsValid(q.Sender) ? _state.DeliveredAs(new ParticipantId(q.Sender), q.SenderReference) : null));
            case ResendTick:
                {
                    // Decided in turn like any command: a resend never announces a step not yet durable.
                    var due = Resend();
                    return due.Count == 0 ? GroupCommitEffect.None : new GroupCommitEffect(null, () => SendAll(due));
                }
            default:
                Unhandled(message);
                return GroupCommitEffect.None;
        }
    }

    private TraceAnswer Locate(string controlNumber) => Traces.Locate(_state, controlNumber) switch
    {
        TraceLocation.Found found => new TraceAnswer(found.Trace, null, null, null, null, null),
        TraceLocation.AskSender ask => new TraceAnswer(null, ask.Sender.Value, ask.SenderReference, ask.Delivered.ControlNumber, ask.Delivered.EnteredAt, ask.Delivered.RetrievedAt),
        _ => new TraceAnswer(null, null, null, null, null, null),
    };

    private static string KeyOf(MailboxCommand command) => command switch
    {
        DeliverMessage d => "deliver:" + d.SenderReference,
        RecordRetrieval r => "retrieval:" + r.ControlNumber,
        _ => "other:" + command.GetType().Name,
    };

    private void SendAll(IReadOnlyList<MailboxOutbound> messages)
    {
        foreach (var m in messages)
        {
            if (m.Command is DeliverMessage or RecordRetrieval) _resends.Sent(KeyOf(m.Command));
            _mailboxes.Tell(new MailboxEnvelope(m.To.Value, m.Command), Self);
        }
    }

    /// <summary>What is still unsettled and due again: backing off while unanswered (2, 4, 8, then every 12 ticks).</summary>
    private List<MailboxOutbound> Resend()
    {
        _resends.Tick();
        var due = new List<MailboxOutbound>();
        var unsettled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in MailboxDecider.Unsettled(_state, _clock.GetUtcNow()))
        {
            var key = KeyOf(m.Command);
            unsettled.Add(key);
            if (_resends.Due(key, receiverSaidPending: false)) due.Add(m);
        }
        _resends.KeepOnly(unsettled);
        return due;
    }
}
