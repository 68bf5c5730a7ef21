using System.Collections.Concurrent;
using Akka.Actor;
using Ledger.Income;
using Ledger.Income.Events;
using Ledger.Journal;
using Ledger.Settlement;

namespace Ledger.Cluster.Income;

/// <summary>An income command's outcome as the host shows it: the refusal, or the view to answer with.</summary>
public sealed record IncomeResult<T>(T? Value, IncomeError? Error) where T : class
{
    public static IncomeResult<T> Ok(T value) => new(value, null);

    public static IncomeResult<T> Refused(IncomeError error) => new(null, error);
}

/// <summary>
/// The gateway the host calls for income tracking: it turns requests into the core's commands
/// (<see cref="IncomeRequests"/>), with the facts only the node has (the business day, the
/// calendar, the participant directory, settlement's merger facts), asks the entity, and reads
/// views from the entities' states or, for a past date, from their journals. It decides nothing
/// itself.
/// </summary>
public sealed class IncomeGateway
{
    private readonly IActorRef _income;
    private readonly ClusterLedger _ledger;
    private readonly JournalTable? _journal;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _askTimeout;

    public IncomeGateway(IActorRef income, ClusterLedger ledger, JournalTable? journal, TimeProvider clock, TimeSpan askTimeout, IncomeSettings settings)
    {
        _income = income;
        _ledger = ledger;
        _journal = journal;
        _clock = clock;
        _askTimeout = askTimeout;
        Settings = settings;
    }

    public IncomeSettings Settings { get; }

    private DateTimeOffset Now => _clock.GetUtcNow();

    // ------------------------------------------------------------------ asking entities

    internal async Task<IncomeError?> CommandAsync(IncomeAddress to, IncomeCommand command, CancellationToken ct)
    {
        var answer = await Ask(to, command, ct);
        return answer is IncomeAnswer a ? a.Rejection : throw new InvalidOperationException($"{to} answered {answer?.GetType().Name}");
    }

    /// <summary>Asks the entity at <paramref name="at"/> the query and expects the view it names.</summary>
    internal async Task<T> ReadAsync<T>(IncomeAddress at, IncomeQuery query, CancellationToken ct)
    {
        var answer = await Ask(at, query, ct);
        return answer is T view ? view : throw new InvalidOperationException($"{at} answered {query.GetType().Name} with {answer?.GetType().Name}");
    }

    private async Task<object?> Ask(IncomeAddress to, object message, CancellationToken ct)
    {
        var answer = await _income.Ask<object>(IncomeEnvelope.To(to, message), _askTimeout, ct);
        return answer switch
        {
            JournalDamaged damaged => throw new JournalDamagedException(damaged),
            Busy busy => throw new LedgerBusyException(busy.Reason),
            _ => answer,
        };
    }

    internal Task<T> MemoAsync<T>(ParticipantId participant, IncomeQuery query, CancellationToken ct) =>
        ReadAsync<T>(IncomeAddress.MemoAccount(participant), query, ct);

    internal Task<T> ScheduleAsync<T>(IncomeQuery query, CancellationToken ct) =>
        ReadAsync<T>(IncomeAddress.DistributionSchedule, query, ct);

    internal Task<T> HaltsAsync<T>(IncomeQuery query, CancellationToken ct) =>
        ReadAsync<T>(IncomeAddress.HaltRegister, query, ct);

    internal Task<T> RunAsync<T>(DateOnly postingDate, IncomeQuery query, CancellationToken ct) =>
        ReadAsync<T>(IncomeAddress.PayableDateRun(postingDate), query, ct);

    // ------------------------------------------------------------------ facts from settlement

    public Task<ReferenceSnapshot> ReferenceAsync(CancellationToken ct) => _ledger.ReferenceAsync(ct);

    private static BusinessDayStatus DayOf(ReferenceSnapshot reference) => new(reference.BusinessDate, reference.Closing);

    /// <summary>
    /// The participants income tracking knows: settlement's participants, with the standing their
    /// memo accounts record for <paramref name="asked"/> (every participant when null).
    /// </summary>
    internal async Task<ParticipantDirectory> DirectoryAsync(ReferenceSnapshot reference, IEnumerable<ParticipantId>? asked, CancellationToken ct)
    {
        var known = reference.Participants.Keys.ToList();
        var ask = asked is null ? known : asked.Where(reference.Participants.ContainsKey).Distinct().ToList();
        var standings = await Task.WhenAll(ask.Select(async p => (p, (await MemoAsync<StandingAnswer>(p, GetStanding.Instance, ct)).Standing)));
        var byId = standings.ToDictionary(s => s.p, s => s.Item2);
        return new ParticipantDirectory(known.ToDictionary(p => p, p => new ParticipantFacts(
            reference.Participants[p].CentralCounterparty, byId.GetValueOrDefault(p, ParticipantStanding.Active))));
    }

    public bool IsParticipant(ReferenceSnapshot reference, ParticipantId participant) => reference.Participants.ContainsKey(participant);

    // ------------------------------------------------------------------ the contract

    /// <summary><c>PUT /v1/securities/{cusip}/distributions/{id}</c>.</summary>
    public async Task<IncomeResult<DistributionView>> AnnounceAsync(string cusip, string id, DistributionRequest request, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var (command, error) = IncomeRequests.Distribution(cusip, id, request, DayOf(reference), reference.Calendar, Now);
        if (error is not null) return IncomeResult<DistributionView>.Refused(error);
        if (await CommandAsync(IncomeAddress.DistributionSchedule, command!, ct) is { } refused) return IncomeResult<DistributionView>.Refused(refused);
        var view = (await ScheduleAsync<DistributionFound>(new FindDistribution(command!.Cusip, command.DistributionId), ct)).View;
        return IncomeResult<DistributionView>.Ok(view!);
    }

    /// <summary><c>GET /v1/securities/{cusip}/distributions</c>.</summary>
    public async Task<IReadOnlyList<DistributionView>> DistributionsAsync(Cusip cusip, CancellationToken ct) =>
        (await ScheduleAsync<DistributionList>(new ListDistributions(cusip), ct)).Views;

    /// <summary><c>GET /v1/participants/{id}/stock-loans</c>, now or <c>?asOf=</c> a closed business date (replayed from the journal).</summary>
    public async Task<IncomeResult<MemoAccountView>> StockLoansAsync(ParticipantId participant, DateOnly? asOf, CancellationToken ct)
    {
        if (asOf is not { } date)
        {
            var reference = await ReferenceAsync(ct);
            return IncomeResult<MemoAccountView>.Ok(await MemoAsync<MemoAccountView>(participant, new GetMemoAccountView(reference.BusinessDate), ct));
        }
        var events = await MemoEventsAsync(participant, ct);
        var (view, error) = MemoAccountView.AsOf(participant, events, date, Settings);
        return error is not null ? IncomeResult<MemoAccountView>.Refused(error) : IncomeResult<MemoAccountView>.Ok(view!);
    }

    /// <summary>Every event of <paramref name="participant"/>'s memo account journal, in order.</summary>
    public async Task<IReadOnlyList<MemoAccountEvent>> MemoEventsAsync(ParticipantId participant, CancellationToken ct)
    {
        var table = _journal ?? throw new NotSupportedException("this node's store has no read journal");
        return await MemoEventsAsync(table, participant, ct);
    }

    /// <summary>Every event of <paramref name="participant"/>'s memo account journal in <paramref name="table"/> (a node's, or a store read offline by the CLI).</summary>
    public static async Task<IReadOnlyList<MemoAccountEvent>> MemoEventsAsync(JournalTable table, ParticipantId participant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        var events = new List<MemoAccountEvent>();
        await foreach (var stored in table.EventsAsync(IncomeManifests.PersistenceId(IncomeAddress.MemoAccount(participant)), long.MaxValue, ct))
        {
            if (stored.Event is MemoAccountEvent e) events.Add(e);
        }
        return events;
    }

    /// <summary><c>GET /v1/participants/{id}/income?payableDate=</c>.</summary>
    public async Task<IncomeView> IncomeAsync(ParticipantId participant, DateOnly payableDate, CancellationToken ct)
    {
        var view = await MemoAsync<IncomeView>(participant, new GetIncomeView(payableDate), ct);
        if (view.Entries.Count > 0 || _journal is null) return view;
        // Older than what the state keeps: from the journal.
        return IncomeView.FromEvents(participant, await MemoEventsAsync(participant, ct), payableDate);
    }

    /// <summary><c>POST /v1/participants/{id}/stock-loan-adjustments</c>.</summary>
    public async Task<IncomeResult<AdjustmentView>> EnterAdjustmentAsync(ParticipantId enteredBy, AdjustmentRequest request, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var asked = new List<ParticipantId> { enteredBy };
        if (request.Counterparty is { } c && ParticipantId.IsValid(c)) asked.Add(new ParticipantId(c));
        var directory = await DirectoryAsync(reference, asked, ct);
        var (command, error) = IncomeRequests.Adjustment(enteredBy, request, DayOf(reference), directory, reference.Calendar, Now);
        if (error is not null) return IncomeResult<AdjustmentView>.Refused(error);
        return await AdjustmentCommandAsync(command!.AdjustmentId, command, reference, ct);
    }

    /// <summary>A batch of adjustments entered by one participant (the initial load): each line's refusal or view, in order.</summary>
    public async Task<(IReadOnlyList<IncomeResult<AdjustmentView>> Lines, IncomeError? Error)> EnterAdjustmentsAsync(
        ParticipantId enteredBy, IReadOnlyList<AdjustmentRequest> requests, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var directory = await DirectoryAsync(reference, null, ct);
        var (lines, error) = IncomeRequests.AdjustmentBatch(enteredBy, requests, DayOf(reference), directory, reference.Calendar, Now);
        if (error is not null) return ([], error);
        var results = await Task.WhenAll(lines.Select(line => line.Command is { } command
            ? AdjustmentCommandAsync(command.AdjustmentId, command, reference, ct)
            : Task.FromResult(IncomeResult<AdjustmentView>.Refused(line.Error!))));
        return (results, null);
    }

    /// <summary><c>GET /v1/stock-loan-adjustments/{id}</c>: the adjustment and whether <paramref name="viewer"/> (null: staff) is party to it.</summary>
    public async Task<(AdjustmentView? View, bool Party)> AdjustmentAsync(string id, ParticipantId? viewer, DateOnly businessDate, CancellationToken ct)
    {
        var answer = await ReadAsync<AdjustmentAnswer>(IncomeAddress.Adjustment(id), new GetAdjustment(businessDate, viewer), ct);
        return (answer.View, answer.Party);
    }

    /// <summary><c>POST /v1/stock-loan-adjustments/{id}/affirm</c> by <paramref name="by"/>.</summary>
    public async Task<IncomeResult<AdjustmentView>> AffirmAsync(string id, ParticipantId by, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        return await AdjustmentCommandAsync(id, new AffirmAdjustment(id, by, reference.BusinessDate, Now), reference, ct);
    }

    /// <summary><c>POST /v1/stock-loan-adjustments/{id}/cancel</c> by <paramref name="by"/>.</summary>
    public async Task<IncomeResult<AdjustmentView>> CancelAsync(string id, ParticipantId by, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        return await AdjustmentCommandAsync(id, new CancelAdjustment(id, by, reference.BusinessDate, Now), reference, ct);
    }

    private async Task<IncomeResult<AdjustmentView>> AdjustmentCommandAsync(string id, AdjustmentCommand command, ReferenceSnapshot reference, CancellationToken ct)
    {
        if (await CommandAsync(IncomeAddress.Adjustment(id), command, ct) is { } refused) return IncomeResult<AdjustmentView>.Refused(refused);
        var (view, _) = await AdjustmentAsync(id, null, reference.BusinessDate, ct);
        return IncomeResult<AdjustmentView>.Ok(view!);
    }

    /// <summary><c>POST /v1/participants/{id}/income-halts</c>.</summary>
    public async Task<IncomeResult<HaltView>> FileHaltAsync(ParticipantId instructing, HaltRequest request, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var asked = new List<ParticipantId> { instructing };
        if (request.Counterparty is { } c && ParticipantId.IsValid(c)) asked.Add(new ParticipantId(c));
        var directory = await DirectoryAsync(reference, asked, ct);
        var (command, error) = IncomeRequests.Halt(instructing, request, DayOf(reference), directory, reference.Calendar, Now);
        if (error is not null) return IncomeResult<HaltView>.Refused(error);
        if (await CommandAsync(IncomeAddress.HaltRegister, command!, ct) is { } refused) return IncomeResult<HaltView>.Refused(refused);
        var view = (await HaltsAsync<HaltFound>(new FindHalt(command!.Instructing, command.Counterparty), ct)).View;
        return IncomeResult<HaltView>.Ok(view!);
    }

    /// <summary><c>GET /v1/participants/{id}/notifications</c>.</summary>
    public Task<NotificationsView> NotificationsAsync(ParticipantId participant, CancellationToken ct) =>
        MemoAsync<NotificationsView>(participant, GetNotifications.Instance, ct);

    /// <summary><c>POST /v1/participants/{from}/merge-into/{to}</c>: with settlement's facts (deliver orders in flight, balance).</summary>
    public async Task<IncomeResult<MemoAccountView>> MergeAsync(string from, string to, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        var asked = new[] { from, to }.Where(ParticipantId.IsValid).Select(p => new ParticipantId(p)).ToList();
        var directory = await DirectoryAsync(reference, asked, ct);
        var facts = new MergerFacts(0, Money.Zero);
        if (ParticipantId.IsValid(from) && reference.Participants.ContainsKey(new ParticipantId(from)))
        {
            var merging = new ParticipantId(from);
            var account = await _ledger.AccountAsync(merging, ct);
            facts = new MergerFacts(await _ledger.InFlightAsync(merging, ct), account is null ? Money.Zero : Money.FromDollars(account.SettlementBalance));
        }
        var (command, error) = IncomeRequests.Merge(from, to, facts, directory, reference.BusinessDate, Now);
        if (error is not null) return IncomeResult<MemoAccountView>.Refused(error);
        var participant = new ParticipantId(from);
        if (await CommandAsync(IncomeAddress.MemoAccount(participant), command!, ct) is { } refused) return IncomeResult<MemoAccountView>.Refused(refused);
        return IncomeResult<MemoAccountView>.Ok(await MemoAsync<MemoAccountView>(participant, new GetMemoAccountView(reference.BusinessDate), ct));
    }

    /// <summary><c>POST /v1/participants/{id}/retire</c>.</summary>
    public async Task<IncomeResult<MemoAccountView>> RetireAsync(ParticipantId participant, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        if (await CommandAsync(IncomeAddress.MemoAccount(participant), new Retire(reference.BusinessDate, Now), ct) is { } refused)
            return IncomeResult<MemoAccountView>.Refused(refused);
        return IncomeResult<MemoAccountView>.Ok(await MemoAsync<MemoAccountView>(participant, new GetMemoAccountView(reference.BusinessDate), ct));
    }

    /// <summary><c>POST /v1/participants/{id}/terminate</c>.</summary>
    public async Task<IncomeResult<MemoAccountView>> TerminateAsync(ParticipantId participant, CancellationToken ct)
    {
        var reference = await ReferenceAsync(ct);
        if (await CommandAsync(IncomeAddress.MemoAccount(participant), new Terminate(reference.BusinessDate, Now), ct) is { } refused)
            return IncomeResult<MemoAccountView>.Refused(refused);
        return IncomeResult<MemoAccountView>.Ok(await MemoAsync<MemoAccountView>(participant, new GetMemoAccountView(reference.BusinessDate), ct));
    }

    /// <summary>An income entry of <paramref name="participant"/> explained from its own memo journal (never a counterparty's figures).</summary>
    public async Task<(IncomeEntryExplanation? Explanation, IncomeError? Error)> ExplainAsync(ParticipantId participant, string entryId, CancellationToken ct) =>
        IncomeExplanations.Explain(participant, await MemoEventsAsync(participant, ct), entryId, Settings);

    /// <summary>The day's income file of <paramref name="participant"/> (CSV): the entries posted on <paramref name="businessDate"/>.</summary>
    public async Task<byte[]> ReportAsync(ParticipantId participant, DateOnly businessDate, CancellationToken ct) =>
        IncomeReport.Write(participant, businessDate, IncomeReport.PostedOn(await MemoEventsAsync(participant, ct), businessDate));
}
