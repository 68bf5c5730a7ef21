using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>
/// The whole ledger in one process and one thread, over the same domain code the cluster runs:
/// the reference data (<see cref="ReferenceState"/>), one <see cref="AccountState"/> and journal
/// per participant, the deliver-order index, and the network between accounts as an explicit
/// queue of <see cref="Outbound"/> messages.
/// <para>
/// It is pure and deterministic: no clock (every method takes its business time), no randomness
/// (the caller picks which message to deliver, duplicate or drop), no IO. The same calls give the
/// same journals, which makes it fit for scenario tests, simulation and "what-if" replays.
/// </para>
/// <para>
/// Commands from outside (set-up, deposits, payments, deliver orders, cancels, cutoff, close) run
/// at once; what one account tells another waits in <see cref="Messages"/> until the caller
/// delivers it with <see cref="DeliverNext"/>, <see cref="Deliver"/> or <see cref="DeliverAll"/>.
/// <see cref="Duplicate"/> and <see cref="Drop"/> play an unreliable network, and
/// <see cref="Restart"/> a crash: the account's state is rebuilt from its journal and it resends
/// what <see cref="AccountDecider.Unsettled"/> says is unanswered.
/// </para>
/// <para>
/// When a decider throws (a broken invariant, an overflowing sum) nothing of that command is
/// kept: its events are not journaled, its messages not queued, and the account's state is
/// rebuilt from its journal, as an actor that crashes before persisting would be. The exception
/// then reaches the caller.
/// </para>
/// </summary>
public sealed class InMemoryLedger
{
    /// <summary>How many messages <see cref="DeliverAll"/> delivers before it decides the accounts talk forever.</summary>
    public const int DeliveriesMax = 1_000_000;

    private readonly ReferenceState _reference = new();
    private readonly List<ReferenceEvent> _referenceJournal = new();
    private readonly DeliverOrderIndexState _index = new();
    private readonly List<DeliverOrderRegistered> _indexJournal = new();
    private readonly SortedDictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<ParticipantId, List<AccountEvent>> _journals = new();
    private readonly List<Envelope> _messages = new();
    private long _lastMessageId;

    /// <summary>
    /// A ledger whose first business day is <paramref name="firstBusinessDate"/>. Every account
    /// decides reclaims by <paramref name="reclaimRules"/> (default: the 2009 rules, $15,000,000):
    /// configuration, not state, so a "what-if" may replay the same events under other rules.
    /// <paramref name="holidays"/> are the ledger's holidays from the start (none: every weekday is a business day).
    /// </summary>
    public InMemoryLedger(DateOnly firstBusinessDate, DateTimeOffset at, ReclaimRules? reclaimRules = null, IReadOnlyList<Holiday>? holidays = null)
    {
        ReclaimRules = reclaimRules ?? ReclaimRules.Default;
        ReferenceDecider.Execute(_reference, new OpenFirstBusinessDay(firstBusinessDate, at, holidays), _referenceJournal);
    }

    public ReclaimRules ReclaimRules { get; }

    /// <summary>A message between two accounts, waiting in the network. <see cref="Id"/> grows with every message queued.</summary>
    public sealed record Envelope(long Id, ParticipantId From, ParticipantId To, AccountCommand Command);

    /// <summary>What a set-up, deposit, payment, cutoff or close came to.</summary>
    public sealed record Outcome(bool Ok, EntryError? Error = null, AccountRejection? Rejection = null, string? Message = null)
    {
        public static readonly Outcome Success = new(true);
    }

    /// <summary>
    /// The answer to one deliver order: accepted (new, or <see cref="Resubmitted"/> with the same
    /// payload, which has no second effect) with its view, or refused at entry.
    /// </summary>
    public sealed record Submission(string? Id, bool Accepted, bool Resubmitted, DeliverOrderView? DeliverOrder, EntryError? Error)
    {
        /// <summary>The status the answer gives, as the cluster's gateway answers it: the deliverer's (or the records') word at the moment of entry.</summary>
        public string Status { get; init; } = DeliverOrderStatus.Rejected.Name();
    }

    public ReferenceSnapshot Reference => _reference.Snapshot;

    public IReadOnlyList<ReferenceEvent> ReferenceJournal => _referenceJournal;

    public IReadOnlyList<DeliverOrderRegistered> IndexJournal => _indexJournal;

    public DeliverOrderIndexState Index => _index;

    /// <summary>Every participant with an account, in participant-number order.</summary>
    public IEnumerable<ParticipantId> Participants => _accounts.Values.Select(a => a.Participant);

    /// <summary>Messages in the network, oldest first.</summary>
    public IReadOnlyList<Envelope> Messages => _messages;

    public bool IsQuiet => _messages.Count == 0;

    // ---------------------------------------------------------------- reference data and the day

    /// <summary>
    /// Runs a reference-data command and what it means for the accounts: a registration sets up the
    /// participant's account, a listing gives every account the new terms, a cutoff or close runs
    /// the business day (see <see cref="Cutoff"/> and <see cref="Close"/>).
    /// </summary>
    public Outcome Execute(ReferenceCommand command) => command switch
    {
        OpenFirstBusinessDay c => OpenFirstBusinessDay(c),
        RegisterParticipant c => Configure(c.Participant, c.At),
        ListSecurity c => List(c.Cusip, c.Price, c.Haircut, c.At),
        StartRecycleCutoff c => Cutoff(c.At),
        StartClose c => ToOutcome(CloseDay(c.BusinessDate, c.At)),
        DeclareHoliday c => Declare(c.Holiday, c.At),
        RemoveHoliday c => Remove(c.Date, c.At),
        // Finishing a close is the last step of Close; alone it only finishes one already started.
        FinishClose c => _reference.Snapshot.Closing ? ToOutcome(CloseDay(null, c.At)) : Outcome.Success,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no rule"),
    };

    private Outcome OpenFirstBusinessDay(OpenFirstBusinessDay c)
    {
        ReferenceDecider.Execute(_reference, c, _referenceJournal);
        return Outcome.Success;
    }

    /// <summary>Declares (or renames) a holiday, by <see cref="HolidayRules.CheckDeclare"/>.</summary>
    public Outcome Declare(Holiday holiday, DateTimeOffset at)
    {
        if (HolidayRules.CheckDeclare(_reference.Snapshot, holiday) is { } error) return new Outcome(false, error);
        ReferenceDecider.Execute(_reference, new DeclareHoliday(holiday, at), _referenceJournal);
        return Outcome.Success;
    }

    /// <summary>Makes a holiday a business day again, by <see cref="HolidayRules.CheckRemove"/>.</summary>
    public Outcome Remove(DateOnly holiday, DateTimeOffset at)
    {
        if (HolidayRules.CheckRemove(_reference.Snapshot, holiday) is { } error) return new Outcome(false, error);
        ReferenceDecider.Execute(_reference, new RemoveHoliday(holiday, at), _referenceJournal);
        return Outcome.Success;
    }

    /// <summary>Registers a participant (or changes its figures) and sets up its account on the current business date.</summary>
    public Outcome Configure(ParticipantRecord participant, DateTimeOffset at)
    {
        if (!ParticipantId.IsValid(participant.Id.Value))
            return Refused(new EntryError(EntryRejection.InvalidParticipantId, "participant", "participant must be a four-digit participant number"));
        if (EntryRules.NameField(participant.Name, "name") is { } e1) return Refused(e1);
        if (EntryRules.AmountField(participant.NetDebitCap.Dollars, "netDebitCap", allowZero: true, out _) is { } e2) return Refused(e2);
        if (EntryRules.AmountField(participant.ParticipantsFund.Dollars, "participantsFund", allowZero: true, out _) is { } e3) return Refused(e3);

        // The account first, as the cluster does: entry checks know a participant only once its account is set up.
        if (!_accounts.ContainsKey(participant.Id.Value))
        {
            _accounts[participant.Id.Value] = new AccountState(participant.Id, ReclaimRules);
            _journals[participant.Id] = new List<AccountEvent>();
        }
        var reply = Run(participant.Id, new ConfigureParticipant(participant.Name, participant.NetDebitCap, participant.ParticipantsFund,
            participant.MarketLoanProgram, participant.CentralCounterparty, _reference.Snapshot.BusinessDate, at)).Reply;
        if (reply is Rejected r) return new Outcome(false, Rejection: r.Rejection, Message: r.Message);
        ReferenceDecider.Execute(_reference, new RegisterParticipant(participant, at), _referenceJournal);
        return Outcome.Success;
    }

    /// <summary>Lists a security (or changes its price or haircut); every account hears of the new terms and recycles.</summary>
    public Outcome List(Cusip cusip, Money price, decimal haircut, DateTimeOffset at)
    {
        if (EntryRules.CusipFormat(cusip.Value, "cusip") is { } e1) return Refused(e1);
        if (EntryRules.PriceField(price.Dollars, "price", out _) is { } e2) return Refused(e2);
        if (EntryRules.HaircutField(haircut, "haircut") is { } e3) return Refused(e3);
        ReferenceDecider.Execute(_reference, new ListSecurity(cusip, price, haircut, at), _referenceJournal);
        var terms = _reference.Snapshot.Securities[cusip];
        foreach (var p in Participants.ToList()) Run(p, new ApplySecurityTerms(cusip, terms, at));
        return Outcome.Success;
    }

    /// <summary>
    /// Shares deposited into an account at the reference terms of the security. With an
    /// <paramref name="id"/>, a retry of the same deposit changes nothing (the account decides, see
    /// <see cref="AccountState.IdempotentRequestOf"/>).
    /// </summary>
    public Outcome Deposit(ParticipantId participant, Cusip cusip, long shares, DateTimeOffset at, IdempotencyId? id = null)
    {
        var (command, error) = SettlementGateway.Deposit(_reference.Snapshot, participant, cusip, shares, id, at);
        return error is not null ? Refused(error) : ToOutcome(Run(participant, command!).Reply);
    }

    /// <summary>
    /// A settlement progress payment: money the participant wires in, credited to its settlement
    /// balance. With an <paramref name="id"/>, a retry of the same payment changes nothing.
    /// </summary>
    public Outcome Pay(ParticipantId participant, Money amount, DateTimeOffset at, IdempotencyId? id = null)
    {
        var (command, error) = SettlementGateway.Payment(_reference.Snapshot, participant, amount, id, at);
        return error is not null ? Refused(error) : ToOutcome(Run(participant, command!).Reply);
    }

    /// <summary>
    /// The recycle cutoff: every account drops what is pending. A receiver tells each deliverer by
    /// message; the deliverer releases the shares it reserved when that message is delivered.
    /// </summary>
    public Outcome Cutoff(DateTimeOffset at) => ToOutcome(CutoffDay(at));

    /// <summary>The recycle cutoff, answered as the cluster's gateway answers it.</summary>
    public BusinessDayResult CutoffDay(DateTimeOffset at)
    {
        ReferenceDecider.Execute(_reference, new StartRecycleCutoff(at), _referenceJournal);
        var date = _reference.Snapshot.BusinessDate;
        return SettlementGateway.Cutoff(date, Participants.ToList().Select(p => Run(p, new ReachRecycleCutoff(date, at)).Reply).ToList());
    }

    /// <summary>
    /// End of day, as the cluster runs it (see <see cref="CloseDay"/>); the outcome says what the
    /// close came to, a refusal included (the next business day is the ledger calendar's, holidays skipped): while deliveries are in flight it refuses with
    /// <see cref="AccountRejection.DeliveriesInFlight"/>.
    /// </summary>
    public Outcome Close(DateTimeOffset at) => ToOutcome(CloseDay(null, at));

    /// <summary>
    /// End of day by <see cref="SettlementGateway"/>'s steps, the cluster's: a close naming
    /// <paramref name="businessDate"/> other than the open day is answered at once (the day closed
    /// last: as its close answered; any other: refused). Otherwise stop taking deliver orders, drop
    /// everything pending (free deliver orders too, which may still pend after the cutoff), and,
    /// once no delivery is in flight anywhere, settle every balance to zero and open the next
    /// weekday. While deliveries are in flight it refuses, having stopped entry and dropped what
    /// was pending but settled nothing: deliver the messages (the receivers' answers) and close
    /// again (where the cluster's gateway waits for them). A look-ahead pair that comes apart in
    /// the drop puts its receive back to pending, so a close may take one more round. An account
    /// that refuses to settle makes a refused close, a result as in the cluster.
    /// </summary>
    public BusinessDayResult CloseDay(DateOnly? businessDate, DateTimeOffset at)
    {
        if (SettlementGateway.CloseAnswered(_reference.Snapshot, businessDate) is { } answered) return answered;
        ReferenceDecider.Execute(_reference, new StartClose(at, businessDate), _referenceJournal);
        var closing = _reference.Snapshot.BusinessDate;
        var accounts = _reference.Snapshot.Participants.Count;
        foreach (var p in Participants.ToList()) Run(p, new DropAllPending(closing, at));
        if (SettlementGateway.InFlight(closing, accounts, _accounts.Values.Select(a => (a.Participant, a.InFlightDeliveries)).ToList()) is { } inFlight)
            return inFlight;
        var next = _reference.Snapshot.Calendar.Next(closing);
        var replies = Participants.ToList().Select(p => Run(p, new CloseBusinessDay(closing, next, at)).Reply).ToList();
        if (SettlementGateway.AccountsRefused(closing, replies) is { } refused) return refused;
        ReferenceDecider.Execute(_reference, new FinishClose(at), _referenceJournal);
        return SettlementGateway.Closed(_reference.Snapshot.LastClosed!);
    }

    // ---------------------------------------------------------------- deliver orders

    /// <summary>
    /// Enters a deliver order: the entry rules, then the index (a known id with the same payload is
    /// answered from the records and has no second effect; with another payload it is refused),
    /// then the deliverer, which checks it and asks the receiver (a message in <see cref="Messages"/>).
    /// </summary>
    public Submission Submit(DeliverOrderRequest request, DateTimeOffset at)
    {
        var (order, error) = EntryRules.Validate(request, _reference.Snapshot);
        if (error is not null) return new Submission(request.Id, false, false, null, error);
        return Enter(order!, at);
    }

    /// <summary>
    /// Enters a payment order (<see cref="PaymentOrders"/>): its entry checks, then, for the open
    /// business day, the same path as a deliver order (the index deduplicates on its id, the payee's
    /// account decides, the payer is asked as a receiver). For a closed day it is never entered: a
    /// known id is answered from the records, an unknown one is refused and reported dropped.
    /// </summary>
    public Submission SubmitPaymentOrder(PaymentOrderRequest request, DateTimeOffset at)
    {
        var (order, route, error) = PaymentOrders.Validate(request, _reference.Snapshot);
        if (error is not null) return new Submission(request.Id, false, false, null, error);
        if (route == PaymentOrderRoute.ClosedDay)
        {
            if (_index.Find(order!.Id) is { } known)
            {
                var view = DeliverOrder(order.Id);
                if (known.Fingerprint != order.Fingerprint) return new Submission(order.Id.Value, false, false, null, SettlementGateway.OtherPayload(order.Id));
                return SettlementGateway.FromRecords(order.Id, known.BusinessDate, view) is { } forgotten
                    ? new Submission(order.Id.Value, false, true, null, forgotten)
                    : new Submission(order.Id.Value, true, true, view, null) { Status = view!.Status };
            }
            return new Submission(order.Id.Value, false, false, null, PaymentOrders.ClosedDay(request, _reference.Snapshot)) { Status = PaymentOrders.DroppedStatus };
        }
        return Enter(order!, at);
    }

    private Submission Enter(DeliverOrder order, DateTimeOffset at)
    {
        var registration = _index.Register([order], _reference.Snapshot.BusinessDate, at);
        _indexJournal.AddRange(registration.Registered);
        var resubmitted = registration.Outcomes[0] == RegistrationOutcome.SameAsBefore;
        switch (SettlementGateway.Route(registration.Outcomes[0], registration.RegisteredOn[0], _reference.Snapshot.BusinessDate))
        {
            case SubmitRoute.OtherPayload:
                return new Submission(order!.Id.Value, false, false, null, SettlementGateway.OtherPayload(order.Id));
            case SubmitRoute.FromRecords:
                var view = DeliverOrder(order!.Id);
                return SettlementGateway.FromRecords(order.Id, registration.RegisteredOn[0], view) is { } forgotten
                    ? new Submission(order.Id.Value, false, true, null, forgotten)
                    : new Submission(order.Id.Value, true, true, view, null) { Status = view!.Status };
        }
        // A resubmission on its day goes to the deliverer again, which answers from its records.
        var reply = Run(order!.Deliverer, new SubmitDelivery(order, _reference.Snapshot.Securities[order.Cusip], at)).Reply;
        if (reply is not DeliveryStatusReply status)
        {
            throw new InvariantViolation($"deliverer {order.Deliverer} refused {order.Id} after entry: {(reply as Rejected)?.Message}");
        }
        return new Submission(order.Id.Value, true, resubmitted, DeliverOrder(order.Id), null) { Status = SettlementGateway.StatusOf(status) };
    }

    /// <summary>
    /// The original receiver <see cref="ReclaimId.Reclaimer"/> reclaims completed deliver order
    /// <paramref name="original"/>: a new deliver order filed as <see cref="ReclaimId.DeliverOrderId"/>
    /// (in the reclaimer's own namespace, so it can never take an id OCC will submit) back to the
    /// original deliverer, same security, shares and amount (atp-rules.md section 6). The same entry
    /// checks as the cluster's; the reclaimer's account decides whether the original may still be
    /// reclaimed (completed today, not reclaimed yet). An id is registered only once accepted.
    /// </summary>
    public Submission Reclaim(ReclaimId id, DeliverOrderId original, DateTimeOffset at)
    {
        if (!ReclaimId.IsValidReference(id.Reference) || !ParticipantId.IsValid(id.Reclaimer.Value))
            return new Submission(id.DeliverOrderId.Value, false, false, null, EntryRules.ReclaimReferenceField(id.Reference, "id")
                ?? new EntryError(EntryRejection.InvalidParticipantId, "id", "the reclaimer must be a four-digit participant number"));
        return ReclaimAs(id.Reclaimer, id.DeliverOrderId, original, at);
    }

    /// <summary>
    /// A reclaim as a journal recorded it, under the deliver-order id it was filed as: for replays of
    /// recorded days ("what-if"), where a reclaim made before reclaim ids had a namespace of their own
    /// keeps the plain id it was given then. New reclaims go through <see cref="Reclaim"/>.
    /// </summary>
    public Submission ReplayReclaim(ParticipantId reclaimer, DeliverOrderId recordedId, DeliverOrderId original, DateTimeOffset at)
    {
        if (!DeliverOrderId.IsValid(recordedId.Value) || (ReclaimId.TryParse(recordedId.Value, out var filed) && filed.Reclaimer != reclaimer))
            return new Submission(recordedId.Value, false, false, null,
                new EntryError(EntryRejection.InvalidReclaimId, "id", $"{recordedId} is not an id {reclaimer} could have filed a reclaim under"));
        return ReclaimAs(reclaimer, recordedId, original, at);
    }

    private Submission ReclaimAs(ParticipantId reclaimer, DeliverOrderId reclaimId, DeliverOrderId original, DateTimeOffset at)
    {
        Submission Refused(EntryError error) => new(reclaimId.Value, false, false, null, error);

        var entry = _index.Find(original);
        var originalView = DeliverOrder(original);
        if (SettlementGateway.ReclaimEntry(reclaimer, original, entry, originalView, _reference.Snapshot) is { } refused) return Refused(refused);
        var reclaim = Reclaims.Of(reclaimId, StateOf(entry!.Value.Deliverer).Deliveries[original].Order);
        var known = SettlementGateway.ReclaimIdOutcome(_index.Find(reclaimId), reclaim);
        if (known == RegistrationOutcome.ConflictingPayload) return Refused(SettlementGateway.ReclaimOtherPayload(reclaimId));

        var reply = Run(reclaimer, new SubmitDelivery(reclaim, _reference.Snapshot.Securities[reclaim.Cusip], at)).Reply;
        if (reply is Rejected r) return Refused(SettlementGateway.ReclaimRefusedByAccount(r));
        // Taken once the reclaimer holds it: a refused reclaim leaves its id free.
        var registration = _index.Register([reclaim], _reference.Snapshot.BusinessDate, at);
        _indexJournal.AddRange(registration.Registered);
        return new Submission(reclaimId.Value, true, known == RegistrationOutcome.SameAsBefore, DeliverOrder(reclaimId), null)
        {
            Status = SettlementGateway.StatusOf((DeliveryStatusReply)reply!),
        };
    }

    /// <summary>The deliverer cancels a deliver order that is still pending; one the receiver holds is asked of it by message.</summary>
    public CancelResult Cancel(DeliverOrderId id, DateTimeOffset at)
    {
        if (_index.Find(id) is not { } entry) return SettlementGateway.CancelOutcomeOf(null);
        if (Run(entry.Deliverer, new CancelDelivery(id, at)).Reply is not DeliveryStatusReply) return SettlementGateway.CancelOutcomeOf(null);
        return SettlementGateway.CancelOutcomeOf(DeliverOrder(id));
    }

    // ---------------------------------------------------------------- the network

    /// <summary>Delivers the oldest message. False when there is none.</summary>
    public bool DeliverNext()
    {
        if (_messages.Count == 0) return false;
        DeliverAt(0);
        return true;
    }

    /// <summary>Delivers the message with this id, whatever its place in the queue.</summary>
    public void Deliver(long messageId) => DeliverAt(IndexOf(messageId));

    /// <summary>Delivers oldest first until no message is left; returns how many were delivered.</summary>
    public int DeliverAll(int messagesMax = DeliveriesMax)
    {
        var delivered = 0;
        while (DeliverNext())
        {
            if (++delivered >= messagesMax)
            {
                throw new InvalidOperationException($"still not quiet after {messagesMax} messages: the accounts talk forever");
            }
        }
        return delivered;
    }

    /// <summary>The network delivers this message twice: a copy joins the back of the queue.</summary>
    public Envelope Duplicate(long messageId)
    {
        var original = _messages[IndexOf(messageId)];
        var copy = original with { Id = ++_lastMessageId };
        _messages.Add(copy);
        return copy;
    }

    /// <summary>The network loses this message.</summary>
    public void Drop(long messageId) => _messages.RemoveAt(IndexOf(messageId));

    /// <summary>
    /// A crash and recovery of one account: its state is rebuilt from its journal alone, then it
    /// sends again every request still unanswered (<see cref="AccountDecider.Unsettled"/>).
    /// Messages already in the network stay there.
    /// </summary>
    public void Restart(ParticipantId participant, DateTimeOffset at)
    {
        _accounts[participant.Value] = Replay(participant, JournalOf(participant), ReclaimRules);
        Resend(participant, at);
    }

    /// <summary>The resend timer of one account fires: every unanswered request goes out again.</summary>
    public void Resend(ParticipantId participant, DateTimeOffset at)
    {
        foreach (var m in AccountDecider.Unsettled(StateOf(participant), at).ToList()) Enqueue(participant, m);
    }

    /// <summary>Every account resends its unanswered requests, in participant-number order.</summary>
    public void ResendAll(DateTimeOffset at)
    {
        foreach (var p in Participants.ToList()) Resend(p, at);
    }

    // ---------------------------------------------------------------- reading

    /// <summary>An account as the public contract shows it; null for a participant never set up.</summary>
    public AccountView? Account(ParticipantId participant) =>
        _accounts.TryGetValue(participant.Value, out var s) ? AccountView.Of(s) : null;

    /// <summary>
    /// A deliver order as both parties see it; null when the id was never accepted or its
    /// deliverer has forgotten it (records older than the last closed business day).
    /// </summary>
    public DeliverOrderView? DeliverOrder(DeliverOrderId id)
    {
        if (_index.Find(id) is not { } entry) return null;
        if (!StateOf(entry.Deliverer).Deliveries.TryGetValue(id, out var delivery)) return null;
        var receive = _accounts.TryGetValue(entry.Receiver.Value, out var receiver) ? receiver.Receives.GetValueOrDefault(id) : null;
        return DeliverOrderViews.Combine(delivery, receive);
    }

    /// <summary>The events this account wrote, in order: all that a restart or a replay starts from.</summary>
    public IReadOnlyList<AccountEvent> Journal(ParticipantId participant) => JournalOf(participant);

    /// <summary>
    /// The live state of an account, for inspection. Read it only: changing it outside this ledger
    /// would make it differ from its journal.
    /// </summary>
    public AccountState StateOf(ParticipantId participant) =>
        _accounts.TryGetValue(participant.Value, out var s) ? s : throw new KeyNotFoundException($"participant {participant} has no account");

    /// <summary>An account state rebuilt from events alone, as recovery and "what-if" replays do.</summary>
    public static AccountState Replay(ParticipantId participant, IEnumerable<AccountEvent> journal, ReclaimRules? reclaimRules = null)
    {
        var state = new AccountState(participant, reclaimRules);
        foreach (var e in journal) state.Apply(e);
        return state;
    }

    // ---------------------------------------------------------------- plumbing

    private Decision Run(ParticipantId participant, AccountCommand command)
    {
        var state = StateOf(participant);
        Decision decision;
        try
        {
            decision = AccountDecider.Decide(state, command);
        }
        catch
        {
            // Decide applied some events before it threw; like a crashed actor, start again from the journal.
            _accounts[participant.Value] = Replay(participant, JournalOf(participant), ReclaimRules);
            throw;
        }
        JournalOf(participant).AddRange(decision.Events);
        foreach (var m in decision.Messages) Enqueue(participant, m);
        return decision;
    }

    private void DeliverAt(int index)
    {
        var envelope = _messages[index];
        _messages.RemoveAt(index);
        if (!_accounts.ContainsKey(envelope.To.Value))
        {
            throw new InvariantViolation($"message {envelope.Id} from {envelope.From} to {envelope.To}, which has no account");
        }
        Run(envelope.To, envelope.Command);
    }

    private void Enqueue(ParticipantId from, Outbound message) =>
        _messages.Add(new Envelope(++_lastMessageId, from, message.To, message.Command));

    private int IndexOf(long messageId)
    {
        var index = _messages.FindIndex(m => m.Id == messageId);
        return index >= 0 ? index : throw new KeyNotFoundException($"no message {messageId} in the network");
    }

    private List<AccountEvent> JournalOf(ParticipantId participant) =>
        _journals.TryGetValue(participant, out var j) ? j : throw new KeyNotFoundException($"participant {participant} has no account");

    private static Outcome Refused(EntryError error) => new(false, error);

    private static Outcome ToOutcome(BusinessDayResult result) => result.Ok
        ? Outcome.Success
        : new Outcome(false, Rejection: result.Refusal == BusinessDayRefusal.DeliveriesInFlight ? AccountRejection.DeliveriesInFlight : null, Message: result.Message);

    private static Outcome ToOutcome(AccountReply? reply) =>
        reply is Rejected r ? new Outcome(false, Rejection: r.Rejection, Message: r.Message) : Outcome.Success;
}
