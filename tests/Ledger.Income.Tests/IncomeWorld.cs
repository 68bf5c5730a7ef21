using Ledger.Income.Events;
using static Ledger.Income.Tests.Fixtures;

namespace Ledger.Income.Tests;

/// <summary>One entity: its live state and its journal, from which it can be rebuilt (a restart).</summary>
internal sealed class Journaled<TState, TEvent> where TEvent : IncomeEvent
{
    private readonly Func<TState> _fresh;
    private readonly Action<TState, TEvent> _apply;

    public Journaled(Func<TState> fresh, Action<TState, TEvent> apply)
    {
        _fresh = fresh;
        _apply = apply;
        State = fresh();
    }

    public TState State { get; private set; }
    public List<TEvent> Journal { get; } = new();

    /// <summary>Throws the live state away and replays the journal, as an actor recovering after a crash.</summary>
    public void Restart()
    {
        State = _fresh();
        foreach (var e in Journal) _apply(State, e);
    }
}

/// <summary>
/// Every income entity in memory, the network between them, and stand-ins for what the adapters
/// do: settlement (positions, balances, postings applied once per id), the daily close and open.
/// With a seeded <see cref="Random"/> the network delivers in random order, duplicates and loses
/// messages; the adapters and entities send again until answered, as the cluster will.
/// </summary>
internal sealed class IncomeWorld
{
    private readonly Random? _chaos;
    private readonly List<IncomeMessage> _inFlight = new();
    private readonly List<SettlementIncomePosting> _toSettlement = new();
    private DateTimeOffset _clock;

    public IncomeWorld(DateOnly businessDate, IncomeSettings? settings = null, Random? chaos = null, BusinessCalendar? calendar = null)
    {
        BusinessDate = businessDate;
        Settings = settings ?? IncomeSettings.Default;
        Calendar = calendar ?? Fixtures.Calendar;
        _chaos = chaos;
        _clock = At(businessDate, 13);
        Halts = new(() => new HaltRegisterState(), (s, e) => s.Apply(e));
        Schedule = new(() => new DistributionScheduleState(), (s, e) => s.Apply(e));
    }

    public IncomeSettings Settings { get; }
    public BusinessCalendar Calendar { get; }
    public DateOnly BusinessDate { get; private set; }

    /// <summary>Business time, one second further at each step.</summary>
    public DateTimeOffset Now => _clock = _clock.AddSeconds(1);

    public HashSet<ParticipantId> Participants { get; } = new();
    public Dictionary<ParticipantId, Journaled<MemoAccountState, MemoAccountEvent>> Memos { get; } = new();
    public Dictionary<string, Journaled<AdjustmentState, AdjustmentEvent>> Adjustments { get; } = new(StringComparer.Ordinal);
    public Dictionary<DateOnly, Journaled<PayableDateRunState, PayableDateEvent>> Runs { get; } = new();
    public Journaled<HaltRegisterState, HaltRegisterEvent> Halts { get; }
    public Journaled<DistributionScheduleState, DistributionScheduleEvent> Schedule { get; }

    /// <summary>Settlement's side: positions for holder-of-record, balances, and the postings applied (once per id).</summary>
    public Dictionary<(ParticipantId, Cusip), long> Positions { get; } = new();
    public Dictionary<ParticipantId, long> BalancesCents { get; } = new();
    public Dictionary<string, SettlementIncomePosting> AppliedPostings { get; } = new(StringComparer.Ordinal);

    /// <summary>Rejections of commands that arrived by the network (a duplicate's answer is not one).</summary>
    public List<(IncomeAddress To, IncomeCommand Command, IncomeError Error)> NetworkRejections { get; } = new();

    public int Delivered { get; private set; }

    public IncomeWorld With(params string[] participants)
    {
        foreach (var p in participants) Participants.Add(P(p));
        return this;
    }

    public ParticipantDirectory Directory => new(Participants.ToDictionary(p => p, p => new ParticipantFacts(
        CentralCounterparty: p.Value == Occ,
        Standing: Memos.TryGetValue(p, out var m) ? m.State.Standing : ParticipantStanding.Active)));

    public Journaled<MemoAccountState, MemoAccountEvent> Memo(string participant) => Memo(P(participant));

    public Journaled<MemoAccountState, MemoAccountEvent> Memo(ParticipantId participant)
    {
        if (!Memos.TryGetValue(participant, out var memo))
            Memos[participant] = memo = new(() => new MemoAccountState(participant, Settings), (s, e) => s.Apply(e));
        return memo;
    }

    public Journaled<AdjustmentState, AdjustmentEvent> Adjustment(string id)
    {
        if (!Adjustments.TryGetValue(id, out var adjustment))
            Adjustments[id] = adjustment = new(() => new AdjustmentState(id), (s, e) => s.Apply(e));
        return adjustment;
    }

    public Journaled<PayableDateRunState, PayableDateEvent> Run(DateOnly postingDate)
    {
        if (!Runs.TryGetValue(postingDate, out var run))
            Runs[postingDate] = run = new(() => new PayableDateRunState(postingDate), (s, e) => s.Apply(e));
        return run;
    }

    /// <summary>Runs a command at its entity at once and records what it decided; returns the refusal, if any.</summary>
    public IncomeError? Handle(IncomeAddress to, IncomeCommand command)
    {
        switch (to.Kind)
        {
            case IncomeEntityKind.MemoAccount:
                var memo = Memo(to.Key);
                return Record(MemoAccountDecider.Decide(memo.State, (MemoAccountCommand)command), memo.Journal);
            case IncomeEntityKind.Adjustment:
                var adjustment = Adjustment(to.Key);
                return Record(AdjustmentDecider.Decide(adjustment.State, (AdjustmentCommand)command, Settings), adjustment.Journal);
            case IncomeEntityKind.HaltRegister:
                return Record(HaltRegisterDecider.Decide(Halts.State, (HaltRegisterCommand)command, Settings), Halts.Journal);
            case IncomeEntityKind.DistributionSchedule:
                return Record(DistributionScheduleDecider.Decide(Schedule.State, (DistributionScheduleCommand)command), Schedule.Journal);
            case IncomeEntityKind.PayableDateRun:
                var run = Run(IncomeDates.Parse(to.Key));
                return Record(PayableDateRunDecider.Decide(run.State, (PayableDateCommand)command), run.Journal);
            default:
                throw new ArgumentOutOfRangeException(nameof(to), to, null);
        }
    }

    private IncomeError? Record<TEvent>(Decision<TEvent> decision, List<TEvent> journal) where TEvent : IncomeEvent
    {
        journal.AddRange(decision.Events);
        _inFlight.AddRange(decision.Messages);
        _toSettlement.AddRange(decision.SettlementPostings);
        return decision.Rejection;
    }

    /// <summary>Sends a command by the network: it may come late, twice, or be lost and sent again.</summary>
    public void Post(IncomeAddress to, IncomeCommand command) => _inFlight.Add(new IncomeMessage(to, command));

    // ------------------------------------------------------------------ what the adapters do

    /// <summary>Settlement completed a deliver order: positions move, and each party's memo account hears of it.</summary>
    public void Complete(CompletedDeliverOrder order)
    {
        Move(order.Deliverer, order.Cusip, -order.Shares);
        Move(order.Receiver, order.Cusip, order.Shares);
        Post(IncomeAddress.MemoAccount(order.Deliverer), new ApplyCompletedDeliverOrder(order, Now));
        Post(IncomeAddress.MemoAccount(order.Receiver), new ApplyCompletedDeliverOrder(order, Now));
    }

    public void Deposit(string participant, long shares, string cusip = X) => Move(P(participant), Cu(cusip), shares);

    private void Move(ParticipantId participant, Cusip cusip, long shares) =>
        Positions[(participant, cusip)] = Positions.GetValueOrDefault((participant, cusip)) + shares;

    public IncomeError? Announce(Distribution x) => Handle(IncomeAddress.DistributionSchedule,
        new AnnounceDistribution(x.Cusip, x.Id, x.Type, x.RatePerShare, x.RecordDate, x.PayableDate, new BusinessDayStatus(BusinessDate), Calendar, Now));

    public IncomeError? EnterAdjustment(string id, string by, string counterparty, long shares, string cusip = X) =>
        Handle(IncomeAddress.Adjustment(id), new EnterAdjustment(id, P(by), P(counterparty), Cu(cusip), shares, new BusinessDayStatus(BusinessDate), Directory, Calendar, Now));

    public IncomeError? Affirm(string id, string by) => Handle(IncomeAddress.Adjustment(id), new AffirmAdjustment(id, P(by), BusinessDate, Now));

    public IncomeError? Cancel(string id, string by) => Handle(IncomeAddress.Adjustment(id), new CancelAdjustment(id, P(by), BusinessDate, Now));

    public IncomeError? FileHalt(string by, string against, DateOnly effective) =>
        Handle(IncomeAddress.HaltRegister, new FileHalt(P(by), P(against), effective, new BusinessDayStatus(BusinessDate), Directory, Calendar, Now));

    public IncomeError? Merge(string from, string to, int inFlight = 0, long balanceCents = 0) =>
        Handle(IncomeAddress.MemoAccount(P(from)), new MergeInto(P(to), new MergerFacts(inFlight, new Money(balanceCents)), Directory, BusinessDate, Now));

    public IncomeError? Retire(string participant) => Handle(IncomeAddress.MemoAccount(P(participant)), new Retire(BusinessDate, Now));

    public IncomeError? Terminate(string participant) => Handle(IncomeAddress.MemoAccount(P(participant)), new Terminate(BusinessDate, Now));

    /// <summary>
    /// The end of the business day and the open of the next, as the adapters will run them: every
    /// completion is in, each memo account closes the day (fixing record dates) and its reports
    /// reach the runs; then every run due posts at the open; settlement applies the postings.
    /// </summary>
    public void CloseDay()
    {
        Quiesce();
        var closed = BusinessDate;
        var next = Calendar.Next(closed);
        var recordDates = Schedule.State.WithRecordDateClosing(closed, next);
        var cusips = recordDates.Select(x => x.Cusip).ToHashSet();
        foreach (var participant in Participants.Union(Memos.Keys).OrderBy(p => p.Value, StringComparer.Ordinal).ToList())
        {
            var positions = Positions.Where(p => p.Key.Item1 == participant && cusips.Contains(p.Key.Item2)).ToDictionary(p => p.Key.Item2, p => p.Value);
            Post(IncomeAddress.MemoAccount(participant), new CloseMemoDay(closed, next, recordDates, positions, Now));
        }
        Quiesce();
        BusinessDate = next;
        foreach (var postingDate in Schedule.State.PostingDatesOpening(closed, next))
        {
            Post(IncomeAddress.PayableDateRun(postingDate), new PostPayableDate(postingDate, next, Schedule.State.PostingOn(postingDate),
                Halts.State.InEffectOn(next), Directory.Terminated.ToList(), Now));
        }
        Quiesce();
    }

    /// <summary>Delivers everything, sending again what was lost, until nothing is in flight and nothing is owed.</summary>
    public void Quiesce(int roundsMax = 1_000)
    {
        for (var round = 0; round < roundsMax; round++)
        {
            DeliverAll();
            if (!ResendOwed()) return;
        }
        throw new InvalidOperationException($"still not quiet after {roundsMax} rounds");
    }

    /// <summary>Puts every unacknowledged step back in flight, as resend timers do; false when nothing is owed.</summary>
    public bool ResendOwed()
    {
        var at = Now;
        var owed = new List<IncomeMessage>();
        var postings = new List<SettlementIncomePosting>();
        foreach (var memo in Memos.Values)
        {
            var (messages, toSettlement) = MemoAccountDecider.Unsettled(memo.State, at);
            owed.AddRange(messages);
            postings.AddRange(toSettlement);
        }
        foreach (var adjustment in Adjustments.Values) owed.AddRange(AdjustmentDecider.Unsettled(adjustment.State, at));
        foreach (var run in Runs.Values) owed.AddRange(PayableDateRunDecider.Unsettled(run.State, at));
        owed.AddRange(HaltRegisterDecider.Unsettled(Halts.State, at));
        _inFlight.AddRange(owed);
        _toSettlement.AddRange(postings);
        return owed.Count + postings.Count > 0;
    }

    public void DeliverAll()
    {
        var guard = 0;
        while (_inFlight.Count > 0 || _toSettlement.Count > 0)
        {
            if (++guard > 10_000_000) throw new InvalidOperationException("the network does not settle");
            if (_toSettlement.Count > 0 && (_inFlight.Count == 0 || _chaos?.Next(3) == 0))
            {
                var posting = Take(_toSettlement);
                if (posting is not null) ApplyToSettlement(posting);
                continue;
            }
            var message = Take(_inFlight);
            if (message is null) continue;
            Delivered++;
            var error = Handle(message.To, message.Command);
            if (error is not null) NetworkRejections.Add((message.To, message.Command, error));
            if (_chaos is { } chaos && chaos.Next(50) == 0) RestartOne(chaos);
        }
    }

    /// <summary>Takes the next item: in order, or (with chaos) any one, sometimes leaving a copy behind or losing it.</summary>
    private T? Take<T>(List<T> items) where T : class
    {
        var index = _chaos is null ? 0 : _chaos.Next(items.Count);
        var item = items[index];
        var duplicate = _chaos?.Next(10) == 0;
        if (!duplicate) items.RemoveAt(index);
        if (_chaos?.Next(12) == 0)
        {
            // Lost: whoever sent it sends it again when its resend timer fires (adapters: their own commands).
            if (!duplicate && item is IncomeMessage { Command: ApplyCompletedDeliverOrder or CloseMemoDay or PostPayableDate } adapterCommand) items.Add(item);
            return null;
        }
        return item;
    }

    private void ApplyToSettlement(SettlementIncomePosting posting)
    {
        if (AppliedPostings.TryAdd(posting.PostingId, posting))
            BalancesCents[posting.Participant] = BalancesCents.GetValueOrDefault(posting.Participant) + posting.Net.Cents;
        Post(IncomeAddress.MemoAccount(posting.Participant), new AcknowledgeSettlementPosting(posting.PostingId, Now));
    }

    private void RestartOne(Random chaos)
    {
        var choice = chaos.Next(4);
        if (choice == 0 && Memos.Count > 0) Memos.Values.ElementAt(chaos.Next(Memos.Count)).Restart();
        else if (choice == 1 && Runs.Count > 0) Runs.Values.ElementAt(chaos.Next(Runs.Count)).Restart();
        else if (choice == 2 && Adjustments.Count > 0) Adjustments.Values.ElementAt(chaos.Next(Adjustments.Count)).Restart();
        else Halts.Restart();
    }

    /// <summary>Every stock-loan income entry settlement applied, across participants.</summary>
    public IEnumerable<(ParticipantId Participant, IncomeEntryData Entry)> SettledEntries =>
        AppliedPostings.Values.SelectMany(p => p.Entries.Select(e => (p.Participant, e)));

    public long Line(string holder, string counterparty, string cusip = X) => Memo(holder).State.LineShares(P(counterparty), Cu(cusip));
}
