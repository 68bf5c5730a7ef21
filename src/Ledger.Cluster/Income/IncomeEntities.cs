using Akka.Actor;
using Ledger.Income;
using Ledger.Income.Events;

namespace Ledger.Cluster.Income;

// The five income entities (src/Ledger.Income/README.md, "Entities"): each a thin shell around
// its state and decider. Persistence ids are the core's (IncomeManifests.PersistenceId).

/// <summary>One participant's memo account: <c>income-memo-{participant}</c>.</summary>
public sealed class MemoAccountEntity(ParticipantId participant, IncomeEntityServices services)
    : IncomeEntity<MemoAccountEvent>(IncomeManifests.PersistenceId(IncomeAddress.MemoAccount(participant)), services)
{
    private readonly MemoAccountState _state = new(participant, services.Settings);

    protected override object? Answer(IncomeQuery query) => query switch
    {
        GetStanding => new StandingAnswer(_state.Standing),
        GetMemoAccountView q => MemoAccountView.Of(_state, q.BusinessDate),
        GetIncomeView q => IncomeView.Of(_state, q.PayableDate),
        GetNotifications => NotificationsView.Of(_state),
        GetMemoOpenWork => new MemoOpenWork(_state.OpenReports.Values.Count(r => !r.Acknowledged), _state.Postings.Values.Count(p => !p.Settled)),
        _ => null,
    };

    protected override void Apply(MemoAccountEvent e) => _state.Apply(e);

    protected override Decision<MemoAccountEvent>? DecideCommand(IncomeCommand command) =>
        command is MemoAccountCommand c ? MemoAccountDecider.Decide(_state, c) : null;

    protected override (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(DateTimeOffset at) =>
        MemoAccountDecider.Unsettled(_state, at);
}

/// <summary>One adjustment: <c>income-adjustment-{id}</c>.</summary>
public sealed class AdjustmentEntity(string adjustmentId, IncomeEntityServices services)
    : IncomeEntity<AdjustmentEvent>(IncomeManifests.PersistenceId(IncomeAddress.Adjustment(adjustmentId)), services)
{
    private readonly AdjustmentState _state = new(adjustmentId);

    protected override object? Answer(IncomeQuery query) => query is GetAdjustment q
        ? new AdjustmentAnswer(AdjustmentView.Of(_state, q.BusinessDate), q.Viewer is not { } viewer || _state.IsParty(viewer))
        : null;

    protected override void Apply(AdjustmentEvent e) => _state.Apply(e);

    protected override Decision<AdjustmentEvent>? DecideCommand(IncomeCommand command) =>
        command is AdjustmentCommand c ? AdjustmentDecider.Decide(_state, c, Services.Settings) : null;

    protected override (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(DateTimeOffset at) =>
        (AdjustmentDecider.Unsettled(_state, at), []);
}

/// <summary>The ledger's halt register: <c>income-halts</c>.</summary>
public sealed class HaltRegisterEntity(IncomeEntityServices services)
    : IncomeEntity<HaltRegisterEvent>(IncomeManifests.PersistenceId(IncomeAddress.HaltRegister), services)
{
    private readonly HaltRegisterState _state = new();

    protected override object? Answer(IncomeQuery query) => query switch
    {
        FindHalt q => new HaltFound(_state.Find(q.Instructing, q.Counterparty) is { } h ? HaltView.Of(h) : null),
        GetHaltsInEffect q => new HaltsInEffect(_state.InEffectOn(q.BusinessDate)),
        _ => null,
    };

    protected override void Apply(HaltRegisterEvent e) => _state.Apply(e);

    protected override Decision<HaltRegisterEvent>? DecideCommand(IncomeCommand command) =>
        command is HaltRegisterCommand c ? HaltRegisterDecider.Decide(_state, c, Services.Settings) : null;

    protected override (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(DateTimeOffset at) =>
        (HaltRegisterDecider.Unsettled(_state, at), []);
}

/// <summary>The ledger's distribution schedule: <c>income-distributions</c>.</summary>
public sealed class DistributionScheduleEntity(IncomeEntityServices services)
    : IncomeEntity<DistributionScheduleEvent>(IncomeManifests.PersistenceId(IncomeAddress.DistributionSchedule), services)
{
    private readonly DistributionScheduleState _state = new();

    protected override object? Answer(IncomeQuery query) => query switch
    {
        FindDistribution q => new DistributionFound(_state.Find(q.Cusip, q.DistributionId) is { } d ? DistributionView.Of(d, _state.AnnouncedOn(d.Cusip, d.Id)) : null),
        ListDistributions q => new DistributionList(DistributionView.ForSecurity(_state, q.Cusip)),
        GetRecordDatesClosing q => new ScheduledDistributions(_state.WithRecordDateClosing(q.ClosedDate, q.NextDate)),
        GetDistributionsPostingOn q => new ScheduledDistributions(_state.PostingOn(q.PostingDate)),
        GetPostingDatesOpening q => new PostingDates(_state.PostingDatesOpening(q.ClosedDate, q.OpeningDate)),
        _ => null,
    };

    protected override void Apply(DistributionScheduleEvent e) => _state.Apply(e);

    protected override Decision<DistributionScheduleEvent>? DecideCommand(IncomeCommand command) =>
        command is DistributionScheduleCommand c ? DistributionScheduleDecider.Decide(_state, c) : null;

    protected override (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(DateTimeOffset at) => ([], []);
}

/// <summary>The payable-date run of one posting date: <c>income-payable-date-{date}</c>.</summary>
public sealed class PayableDateRunEntity(DateOnly postingDate, IncomeEntityServices services)
    : IncomeEntity<PayableDateEvent>(IncomeManifests.PersistenceId(IncomeAddress.PayableDateRun(postingDate)), services)
{
    private readonly PayableDateRunState _state = new(postingDate);

    protected override object? Answer(IncomeQuery query) => query is GetRunOpenWork q
        ? new RunOpenWork(PayableDateRunDecider.Unsettled(_state, q.At).Count)
        : null;

    protected override void Apply(PayableDateEvent e) => _state.Apply(e);

    protected override Decision<PayableDateEvent>? DecideCommand(IncomeCommand command) =>
        command is PayableDateCommand c ? PayableDateRunDecider.Decide(_state, c) : null;

    protected override (IReadOnlyList<IncomeMessage> Messages, IReadOnlyList<SettlementIncomePosting> Postings) Unsettled(DateTimeOffset at) =>
        (PayableDateRunDecider.Unsettled(_state, at), []);
}

/// <summary>Which entity an income entity id (its persistence id) is, and its props.</summary>
public static class IncomeEntities
{
    public static Props PropsOf(string entityId, IncomeEntityServices services)
    {
        const string memo = "income-memo-", adjustment = "income-adjustment-", run = "income-payable-date-";
        if (entityId.StartsWith(memo, StringComparison.Ordinal))
        {
            var participant = new ParticipantId(entityId.Substring(memo.Length));
            return Props.Create(() => new MemoAccountEntity(participant, services));
        }
        if (entityId.StartsWith(adjustment, StringComparison.Ordinal))
        {
            var id = entityId.Substring(adjustment.Length);
            return Props.Create(() => new AdjustmentEntity(id, services));
        }
        if (entityId.StartsWith(run, StringComparison.Ordinal))
        {
            var postingDate = IncomeDates.Parse(entityId.Substring(run.Length));
            return Props.Create(() => new PayableDateRunEntity(postingDate, services));
        }
        return entityId switch
        {
            "income-halts" => Props.Create(() => new HaltRegisterEntity(services)),
            "income-distributions" => Props.Create(() => new DistributionScheduleEntity(services)),
            _ => throw new ArgumentException($"'{entityId}' is no income entity", nameof(entityId)),
        };
    }
}
