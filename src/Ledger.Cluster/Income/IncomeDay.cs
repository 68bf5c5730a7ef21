using Ledger.Income;
using Ledger.Settlement;
using Microsoft.Extensions.Logging;

namespace Ledger.Cluster.Income;

/// <summary>
/// Income tracking's part of the close ("The day, as the adapters run it" in the core's README),
/// run by settlement's close after every account closed day D and before the reference data
/// opens N:
/// 1. wait until the income consumer has read every settlement event written so far (so every
///    completion of D reached its memo accounts);
/// 2. every memo account closes D with its positions in the CUSIPs whose record date closes, and
///    reports its record-date lines to the runs; wait until every report is acknowledged;
/// 3. every run whose posting date opens posts; wait until settlement applied every posting.
/// Each step is idempotent: a close interrupted by a crash runs it again with the same effect.
/// </summary>
public sealed class IncomeCloseStep : IBusinessDayCloseStep
{
    private readonly IncomeGateway _income;
    private readonly IncomeConsumer _consumer;
    private readonly ClusterLedger _ledger;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _timeout;
    private readonly ILogger _log;

    public IncomeCloseStep(IncomeGateway income, IncomeConsumer consumer, ClusterLedger ledger, TimeProvider clock, TimeSpan timeout, ILogger log)
    {
        _income = income;
        _consumer = consumer;
        _ledger = ledger;
        _clock = clock;
        _timeout = timeout;
        _log = log;
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    public async Task AfterAccountsClosedAsync(DateOnly closed, DateOnly next, ReferenceSnapshot reference, CancellationToken ct)
    {
        var participants = reference.Participants.Keys.OrderBy(p => p.Value, StringComparer.Ordinal).ToList();
        await _consumer.CaughtUpAsync(_timeout, ct);

        var recordDates = (await _income.ScheduleAsync<ScheduledDistributions>(new GetRecordDatesClosing(closed, next), ct)).Distributions;
        var cusips = recordDates.Select(d => d.Cusip).ToHashSet();
        await Task.WhenAll(participants.Select(async p =>
        {
            var positions = new Dictionary<Cusip, long>();
            if (cusips.Count > 0 && await _ledger.AccountAsync(p, ct) is { } account)
            {
                foreach (var position in account.Positions)
                {
                    var cusip = new Cusip(position.Cusip);
                    if (cusips.Contains(cusip) && position.Shares != 0) positions[cusip] = position.Shares;
                }
            }
            if (await _income.CommandAsync(IncomeAddress.MemoAccount(p), new CloseMemoDay(closed, next, recordDates, positions, Now), ct) is { } refused)
                _log.LogWarning("The memo account of {Participant} refused the close of {Date}: {Rule} ({Message})", p, closed, refused.Rule, refused.Message);
        }));
        await UntilAsync(async () => (await Task.WhenAll(participants.Select(p =>
            _income.MemoAsync<MemoOpenWork>(p, GetMemoOpenWork.Instance, ct)))).Sum(w => w.UnacknowledgedReports) == 0, "every record-date report acknowledged", ct);

        var postingDates = (await _income.ScheduleAsync<PostingDates>(new GetPostingDatesOpening(closed, next), ct)).Dates;
        if (postingDates.Count == 0) return;
        var halts = (await _income.HaltsAsync<HaltsInEffect>(new GetHaltsInEffect(next), ct)).Halts;
        var directory = await _income.DirectoryAsync(reference, null, ct);
        var terminated = directory.Terminated.ToList();
        foreach (var date in postingDates)
        {
            var distributions = (await _income.ScheduleAsync<ScheduledDistributions>(new GetDistributionsPostingOn(date), ct)).Distributions;
            if (await _income.CommandAsync(IncomeAddress.PayableDateRun(date), new PostPayableDate(date, next, distributions, halts, terminated, Now), ct) is { } refused)
                _log.LogWarning("The payable-date run of {Date} refused to post: {Rule} ({Message})", date, refused.Rule, refused.Message);
        }
        // Every posting of those runs recorded at its memo account and applied by settlement: then settlement opens N.
        await UntilAsync(async () =>
        {
            foreach (var date in postingDates)
            {
                if ((await _income.RunAsync<RunOpenWork>(date, new GetRunOpenWork(Now), ct)).UnansweredMessages > 0) return false;
            }
            var open = await Task.WhenAll(participants.Select(p => _income.MemoAsync<MemoOpenWork>(p, GetMemoOpenWork.Instance, ct)));
            return open.Sum(w => w.UnsettledPostings) == 0;
        }, "every income posting applied by settlement", ct);
    }

    private async Task UntilAsync(Func<Task<bool>> done, string what, CancellationToken ct)
    {
        var deadline = Now + _timeout;
        while (!await done())
        {
            if (Now >= deadline) throw new TimeoutException($"the close waited {_timeout.TotalSeconds:0} s for {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }
}
