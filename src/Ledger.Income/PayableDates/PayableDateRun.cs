using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>A command to the payable-date run of one posting date (the entity is keyed by that date).</summary>
public abstract record PayableDateCommand(DateOnly PostingDate, DateTimeOffset At) : IncomeCommand(At);

/// <summary>A memo account's lines and positions at the close of <paramref name="RecordDate"/>, for this run's distributions.</summary>
public sealed record ReportRecordDate(
    DateOnly PostingDate,
    ParticipantId Participant,
    DateOnly RecordDate,
    IReadOnlyList<MemoLineData> Lines,
    IReadOnlyList<PositionData> Positions,
    DateTimeOffset At) : PayableDateCommand(PostingDate, At);

/// <summary>
/// Post the run at the open of <paramref name="BusinessDate"/> (its posting date, or the first open
/// after it): <paramref name="Distributions"/> are the schedule's distributions posting on this
/// date, <paramref name="Halts"/> those in effect on BusinessDate, <paramref name="Terminated"/> the
/// participants the ledger no longer acts for. Sent once every memo account has closed every record
/// date of these distributions and its reports are acknowledged; again, it changes nothing.
/// </summary>
public sealed record PostPayableDate(
    DateOnly PostingDate,
    DateOnly BusinessDate,
    IReadOnlyList<Distribution> Distributions,
    IReadOnlyList<Halt> Halts,
    IReadOnlyCollection<ParticipantId> Terminated,
    DateTimeOffset At) : PayableDateCommand(PostingDate, At);

/// <summary>The participant's memo account recorded the posting <paramref name="PostingId"/>.</summary>
public sealed record AcknowledgeIncomePosting(DateOnly PostingDate, string PostingId, DateTimeOffset At) : PayableDateCommand(PostingDate, At);

/// <summary>
/// The payable-date run of one posting date: collects every memo account's record-date report,
/// then at the open computes every holder-of-record credit and every borrower-to-lender transfer
/// in one place (so the transfers sum to zero by construction), and posts each participant's
/// share to its memo account under an id it dedups on.
/// </summary>
public sealed class PayableDateRunState
{
    private readonly SortedDictionary<(string Participant, DateOnly RecordDate), RecordDateReported> _reports = new(Comparer<(string Participant, DateOnly RecordDate)>.Create((a, b) =>
    {
        var byParticipant = string.CompareOrdinal(a.Participant, b.Participant);
        return byParticipant != 0 ? byParticipant : a.RecordDate.CompareTo(b.RecordDate);
    }));
    private readonly Dictionary<string, IncomePostingDecided> _postings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _acknowledged = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sequences = new(StringComparer.Ordinal);

    public PayableDateRunState(DateOnly postingDate) => PostingDate = postingDate;

    public DateOnly PostingDate { get; }
    public long Version { get; private set; }

    /// <summary>Set once posted: what it posted with (a late report is posted with the same).</summary>
    public PayableDatePosted? Posted { get; private set; }

    public IReadOnlyDictionary<(string Participant, DateOnly RecordDate), RecordDateReported> Reports => _reports;
    public IReadOnlyDictionary<string, IncomePostingDecided> Postings => _postings;
    public bool IsAcknowledged(string postingId) => _acknowledged.Contains(postingId);

    /// <summary>The sequence number the next posting to <paramref name="participant"/> takes.</summary>
    public int NextSequence(string participant) => _sequences.GetValueOrDefault(participant) + 1;

    public void Apply(PayableDateEvent @event)
    {
        Version++;
        switch (@event)
        {
            case RecordDateReported e:
                _reports[(e.Participant, IncomeDates.Parse(e.RecordDate))] = e;
                break;
            case PayableDatePosted e:
                Posted = e;
                break;
            case IncomePostingDecided e:
                _postings[e.PostingId] = e;
                _sequences[e.Participant] = NextSequence(e.Participant);
                break;
            case IncomePostingAcknowledged e:
                _acknowledged.Add(e.PostingId);
                break;
            default:
                throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}");
        }
    }
}

public static class PayableDateRunDecider
{
    public static Decision<PayableDateEvent> Decide(PayableDateRunState state, PayableDateCommand command)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(command);
        if (command.PostingDate != state.PostingDate)
            throw new ArgumentException($"command for the run of {command.PostingDate:yyyy-MM-dd} sent to {state.PostingDate:yyyy-MM-dd}", nameof(command));
        var d = new Decision<PayableDateEvent>();
        switch (command)
        {
            case ReportRecordDate c: Report(state, c, d); break;
            case PostPayableDate c: Post(state, c, d); break;
            case AcknowledgeIncomePosting c:
                if (state.Postings.ContainsKey(c.PostingId) && !state.IsAcknowledged(c.PostingId))
                    Emit(state, d, new IncomePostingAcknowledged(c.PostingId, c.At));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule");
        }
        return d;
    }

    /// <summary>Postings to send again until each memo account acknowledges.</summary>
    public static IReadOnlyList<IncomeMessage> Unsettled(PayableDateRunState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Postings.Values.Where(p => !state.IsAcknowledged(p.PostingId)).OrderBy(p => p.PostingId, StringComparer.Ordinal)
            .Select(p => Message(state.PostingDate, p, at)).ToList();
    }

    private static void Emit(PayableDateRunState state, Decision<PayableDateEvent> d, PayableDateEvent e)
    {
        state.Apply(e);
        d.Events.Add(e);
    }

    private static void Report(PayableDateRunState state, ReportRecordDate c, Decision<PayableDateEvent> d)
    {
        var key = (c.Participant.Value, c.RecordDate);
        if (state.Reports.TryGetValue(key, out var known))
        {
            if (!known.Lines.SequenceEqual(c.Lines) || !known.Positions.SequenceEqual(c.Positions))
            {
                d.Reject(IncomeRejection.ReportConflict, "recordDate", $"{c.Participant} reported the close of {c.RecordDate:yyyy-MM-dd} already, with other lines");
                return;
            }
            d.Send(IncomeAddress.MemoAccount(c.Participant), new AcknowledgeRecordDateReport(c.RecordDate, c.PostingDate, c.At));
            return;
        }
        var report = new RecordDateReported(c.Participant.Value, IncomeDates.ToText(c.RecordDate), c.Lines, c.Positions, c.At);
        Emit(state, d, report);
        d.Send(IncomeAddress.MemoAccount(c.Participant), new AcknowledgeRecordDateReport(c.RecordDate, c.PostingDate, c.At));
        if (state.Posted is { } posted)
        {
            // Late: its money is posted at once, with what the run posted with, in postings of its own.
            var computation = PayableDateComputation.Compute([report], posted.Distributions.Select(Distribution.FromData).ToList(),
                posted.Halts, posted.TerminatedParticipants, IncomeDates.Parse(posted.BusinessDate));
            Decide(state, computation, IncomeDates.Parse(posted.BusinessDate), d, c.At);
        }
    }

    private static void Post(PayableDateRunState state, PostPayableDate c, Decision<PayableDateEvent> d)
    {
        if (state.Posted is not null) return;
        if (c.BusinessDate < state.PostingDate)
            throw new ArgumentException($"the run of {state.PostingDate:yyyy-MM-dd} posts at the open of that date or later, not {c.BusinessDate:yyyy-MM-dd}", nameof(c));
        var distributions = c.Distributions.Where(x => x.PostingDate == state.PostingDate)
            .OrderBy(x => x.Cusip.Value, StringComparer.Ordinal).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
        var halts = c.Halts.Where(h => h.EffectiveDate <= c.BusinessDate).Select(h => h.ToData())
            .OrderBy(h => h.Instructing, StringComparer.Ordinal).ThenBy(h => h.Counterparty, StringComparer.Ordinal).ToList();
        var terminated = c.Terminated.Select(p => p.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Emit(state, d, new PayableDatePosted(IncomeDates.ToText(state.PostingDate), IncomeDates.ToText(c.BusinessDate),
            distributions.Select(x => x.ToData()).ToList(), halts, terminated, c.At));
        var computation = PayableDateComputation.Compute(state.Reports.Values, distributions, halts, terminated, c.BusinessDate);
        Decide(state, computation, c.BusinessDate, d, c.At);
    }

    private static void Decide(PayableDateRunState state, PayableDateComputation computation, DateOnly businessDate, Decision<PayableDateEvent> d, DateTimeOffset at)
    {
        foreach (var (participant, share) in computation.Participants)
        {
            var posting = new IncomePostingDecided(
                IncomeIds.Posting(state.PostingDate, participant, state.NextSequence(participant)),
                participant, IncomeDates.ToText(businessDate), share.Entries, share.Skipped,
                share.ResolvedRecordDates.Select(IncomeDates.ToText).ToList(), at);
            Emit(state, d, posting);
            d.Messages.Add(Message(state.PostingDate, posting, at));
        }
    }

    private static IncomeMessage Message(DateOnly postingDate, IncomePostingDecided p, DateTimeOffset at) =>
        new(IncomeAddress.MemoAccount(new ParticipantId(p.Participant)),
            new RecordIncomePosting(p.PostingId, postingDate, IncomeDates.Parse(p.BusinessDate), p.Entries, p.Skipped,
                p.ResolvedRecordDates.Select(IncomeDates.Parse).ToList(), at));
}
