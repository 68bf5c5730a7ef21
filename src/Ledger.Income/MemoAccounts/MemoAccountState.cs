using Ledger.Income.Events;

namespace Ledger.Income;

/// <summary>A memo line's key: the counterparty and the CUSIP (the holder is the memo account's participant).</summary>
public readonly record struct LineKey(ParticipantId Counterparty, Cusip Cusip);

/// <summary>One open memo line. Zero lines are not kept.</summary>
public sealed class MemoLine
{
    public long Shares { get; internal set; }

    /// <summary>
    /// Set when a change made the line cross zero (a return larger than the open loan, say): the
    /// business date it happened and what did it. Cleared when the line comes back to zero or
    /// crosses back.
    /// </summary>
    public DateOnly? ExceptionSince { get; internal set; }

    public string? ExceptionCause { get; internal set; }
}

/// <summary>A stock-loan deliver order this account applied, remembered to answer resends and to reverse it on a reclaim.</summary>
public sealed record AppliedDeliverOrder(string Fingerprint, ParticipantId Counterparty, Cusip Cusip, long SharesChange, DateOnly CompletedOn);

/// <summary>A record-date report sent to a payable-date run: open until a posting of that run resolves it.</summary>
public sealed record OpenReport(RecordDateFixed Report, bool Acknowledged);

/// <summary>A posting this account recorded; kept for <see cref="IncomeSettings.IncomeRetentionCloses"/> closes.</summary>
public sealed record RecordedPosting(IncomePostingRecorded Posting, bool Settled, long RecordedAtClose);

/// <summary>
/// One participant's memo account: its memo lines per counterparty and CUSIP, the stock-loan
/// deliver orders and adjustments that made them, its record-date reports and income postings,
/// its notifications, and where the participant stands (active, merged, retired, terminated).
/// <para>
/// Mutable and owned by one decider at a time, as settlement's account state: <see cref="Apply"/>
/// is the only mutator, never validates and never throws on a journal the ledger wrote, and
/// replaying the same events gives the same state.
/// </para>
/// </summary>
public sealed class MemoAccountState
{
    private readonly Dictionary<LineKey, MemoLine> _lines = new();
    private readonly Dictionary<string, AppliedDeliverOrder> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StockLoanDeliverOrderNoted> _heldReclaims = new(StringComparer.Ordinal);
    private readonly SortedDictionary<DateOnly, List<string>> _deliverOrdersByDate = new();
    private readonly HashSet<string> _appliedAdjustments = new(StringComparer.Ordinal);
    private readonly Dictionary<ParticipantId, (ParticipantStanding Standing, ParticipantId? Successor)> _closedCounterparties = new();
    private readonly HashSet<ParticipantId> _predecessors = new();
    private readonly Dictionary<(DateOnly RecordDate, DateOnly PostingDate), OpenReport> _openReports = new();
    private readonly Dictionary<string, RecordedPosting> _postings = new(StringComparer.Ordinal);
    private readonly HashSet<string> _postingIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AdjustmentAwaitingNoted> _awaiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _clearedAdjustments = new(StringComparer.Ordinal);
    private readonly Dictionary<ParticipantId, HaltNoted> _haltsAgainst = new();
    private readonly List<CounterpartyTerminationApplied> _terminations = new();
    private readonly Dictionary<ParticipantId, bool> _notices = new();
    private readonly Dictionary<string, MemoChangeForwarded> _forwarding = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forwarded = new(StringComparer.Ordinal);
    private readonly Queue<DateOnly> _recentCloses = new();

    public MemoAccountState(ParticipantId participant, IncomeSettings? settings = null)
    {
        Participant = participant;
        Settings = (settings ?? IncomeSettings.Default).Validated();
    }

    public ParticipantId Participant { get; }

    /// <summary>The settings this account decides by; configuration, not state.</summary>
    public IncomeSettings Settings { get; }

    public ParticipantStanding Standing { get; private set; } = ParticipantStanding.Active;

    /// <summary>Where this participant merged into, once merged.</summary>
    public ParticipantId? Successor { get; private set; }

    /// <summary>The date standing changed (merged, retired, terminated).</summary>
    public DateOnly? StandingSince { get; private set; }

    /// <summary>The last memo day closed; null before the first close.</summary>
    public DateOnly? LastClosedDate { get; private set; }

    /// <summary>The memo day open now: the date after the last close; null before the first close.</summary>
    public DateOnly? BusinessDate { get; private set; }

    /// <summary>How many memo days this account has closed.</summary>
    public long Closes { get; private set; }

    /// <summary>How many events this state has applied.</summary>
    public long Version { get; private set; }

    /// <summary>Deliver orders completed on or before this date may have been forgotten: a resend of one is refused, not counted again.</summary>
    public DateOnly? DedupHorizon { get; private set; }

    /// <summary>Whether the successor has the lines this account merged into it.</summary>
    public bool SuccessorHasLines { get; private set; }

    /// <summary>The lines this account merged into its successor.</summary>
    public IReadOnlyList<MemoLineData> LinesMergedOut { get; private set; } = [];

    public IReadOnlyDictionary<LineKey, MemoLine> Lines => _lines;
    public IReadOnlyDictionary<string, AppliedDeliverOrder> AppliedDeliverOrders => _applied;
    public IReadOnlyDictionary<string, StockLoanDeliverOrderNoted> HeldReclaims => _heldReclaims;
    public IReadOnlySet<string> AppliedAdjustments => _appliedAdjustments;
    public IReadOnlySet<ParticipantId> Predecessors => _predecessors;
    public IReadOnlyDictionary<(DateOnly RecordDate, DateOnly PostingDate), OpenReport> OpenReports => _openReports;
    public IReadOnlyDictionary<string, RecordedPosting> Postings => _postings;
    public IReadOnlyDictionary<string, AdjustmentAwaitingNoted> AwaitingAdjustments => _awaiting;
    public IReadOnlyDictionary<ParticipantId, HaltNoted> HaltsAgainst => _haltsAgainst;
    public IReadOnlyList<CounterpartyTerminationApplied> CounterpartyTerminations => _terminations;
    /// <summary>After this participant's termination or merger: the counterparties to tell, and whether each acknowledged.</summary>
    public IReadOnlyDictionary<ParticipantId, bool> Notices => _notices;
    public IReadOnlyDictionary<string, MemoChangeForwarded> Forwarding => _forwarding;

    public long LineShares(ParticipantId counterparty, Cusip cusip) =>
        _lines.TryGetValue(new LineKey(counterparty, cusip), out var line) ? line.Shares : 0;

    public bool HasPosting(string postingId) => _postingIds.Contains(postingId);
    public bool HasForwarded(string changeId) => _forwarded.Contains(changeId) || _forwarding.ContainsKey(changeId);
    public bool IsAdjustmentCleared(string adjustmentId) => _clearedAdjustments.ContainsKey(adjustmentId);

    /// <summary>Whether <paramref name="id"/> names this participant, or one that merged into it.</summary>
    public bool IsSelf(ParticipantId id) => id == Participant || _predecessors.Contains(id);

    /// <summary>What this account knows happened to <paramref name="counterparty"/>: null while it is active as far as this account knows.</summary>
    public (ParticipantStanding Standing, ParticipantId? Successor)? ClosedCounterparty(ParticipantId counterparty) =>
        _closedCounterparties.TryGetValue(counterparty, out var closed) ? closed : null;

    /// <summary>
    /// The counterparty a change with <paramref name="counterparty"/> goes on now: itself, or its
    /// successor after a merger (through chains); null when the change is void here (the
    /// counterparty is this participant itself, or the ledger no longer acts for it).
    /// </summary>
    public ParticipantId? Resolve(ParticipantId counterparty)
    {
        for (var hops = 0; hops <= _closedCounterparties.Count; hops++)
        {
            if (IsSelf(counterparty)) return null;
            if (!_closedCounterparties.TryGetValue(counterparty, out var closed)) return counterparty;
            if (closed.Standing != ParticipantStanding.Merged || closed.Successor is not { } successor) return null;
            counterparty = successor;
        }
        throw new InvariantViolation($"{Participant}: the merger chain of {counterparty} loops");
    }

    /// <summary>Record-date reports and income postings still open: what keeps a retirement or a merger from going ahead.</summary>
    public IReadOnlyList<OpenItem> OpenEntitlements()
    {
        var open = new List<OpenItem>();
        foreach (var report in _openReports.Values.OrderBy(r => r.Report.RecordDate, StringComparer.Ordinal).ThenBy(r => r.Report.PostingDate, StringComparer.Ordinal))
        {
            foreach (var line in report.Report.Lines)
                open.Add(new OpenItem(line.Counterparty, line.Cusip, line.Shares, report.Report.RecordDate, report.Report.PostingDate));
            foreach (var position in report.Report.Positions)
                open.Add(new OpenItem("", position.Cusip, position.Shares, report.Report.RecordDate, report.Report.PostingDate));
        }
        foreach (var posting in _postings.Values.Where(p => !p.Settled).OrderBy(p => p.Posting.PostingId, StringComparer.Ordinal))
        {
            foreach (var entry in posting.Posting.Entries)
                open.Add(new OpenItem(entry.Counterparty ?? "", entry.Cusip, entry.Shares, entry.RecordDate, posting.Posting.BusinessDate));
        }
        return open;
    }

    /// <summary>The open memo lines, in counterparty and CUSIP order.</summary>
    public IEnumerable<KeyValuePair<LineKey, MemoLine>> OrderedLines() =>
        _lines.OrderBy(l => l.Key.Counterparty.Value, StringComparer.Ordinal).ThenBy(l => l.Key.Cusip.Value, StringComparer.Ordinal);

    public void Apply(MemoAccountEvent @event)
    {
        Version++;
        switch (@event)
        {
            case StockLoanDeliverOrderApplied e:
                ChangeLine(new ParticipantId(e.Counterparty), new Cusip(e.Cusip), e.SharesChange, IncomeDates.Parse(e.CompletedOn), $"deliver order {e.DeliverOrderId} ({e.TransactionType})");
                var completedOn = IncomeDates.Parse(e.CompletedOn);
                _applied[e.DeliverOrderId] = new AppliedDeliverOrder(
                    Fingerprint(e.Deliverer, e.Receiver, e.Cusip, e.Shares, e.AmountCents, e.ReasonCode, e.ReclaimOf),
                    new ParticipantId(e.Counterparty), new Cusip(e.Cusip), e.SharesChange, completedOn);
                _heldReclaims.Remove(e.DeliverOrderId);
                IndexByDate(completedOn, e.DeliverOrderId);
                break;
            case StockLoanDeliverOrderNoted e:
                _heldReclaims[e.DeliverOrderId] = e;
                IndexByDate(IncomeDates.Parse(e.CompletedOn), e.DeliverOrderId);
                break;
            case MemoAdjustmentApplied e:
                ChangeLine(new ParticipantId(e.Counterparty), new Cusip(e.Cusip), e.SharesChange, IncomeDates.Parse(e.AffirmedOn), $"adjustment {e.AdjustmentId}");
                _appliedAdjustments.Add(e.AdjustmentId);
                break;
            case MemoDayClosed e:
                Close(IncomeDates.Parse(e.ClosedDate), IncomeDates.Parse(e.NextDate));
                break;
            case RecordDateFixed e:
                _openReports[(IncomeDates.Parse(e.RecordDate), IncomeDates.Parse(e.PostingDate))] = new OpenReport(e, Acknowledged: false);
                break;
            case RecordDateReportAcknowledged e:
                var reportKey = (IncomeDates.Parse(e.RecordDate), IncomeDates.Parse(e.PostingDate));
                if (_openReports.TryGetValue(reportKey, out var report)) _openReports[reportKey] = report with { Acknowledged = true };
                break;
            case IncomePostingRecorded e:
                _postingIds.Add(e.PostingId);
                _postings[e.PostingId] = new RecordedPosting(e, Settled: e.Entries.Count == 0, Closes);
                var postingDate = IncomeDates.Parse(e.PostingDate);
                foreach (var resolved in e.ResolvedRecordDates) _openReports.Remove((IncomeDates.Parse(resolved), postingDate));
                break;
            case IncomePostingSettled e:
                if (_postings.TryGetValue(e.PostingId, out var posting)) _postings[e.PostingId] = posting with { Settled = true };
                break;
            case AdjustmentAwaitingNoted e:
                _awaiting[e.AdjustmentId] = e;
                break;
            case AdjustmentAwaitingCleared e:
                _awaiting.Remove(e.AdjustmentId);
                _clearedAdjustments[e.AdjustmentId] = Closes;
                break;
            case HaltNoted e:
                _haltsAgainst[new ParticipantId(e.Instructing)] = e;
                break;
            case CounterpartyTerminationApplied e:
                var terminated = new ParticipantId(e.Terminated);
                foreach (var line in e.LinesClosed) _lines.Remove(new LineKey(terminated, new Cusip(line.Cusip)));
                _closedCounterparties[terminated] = (ParticipantStanding.Terminated, null);
                _terminations.Add(e);
                break;
            case CounterpartyMergeApplied e:
                var from = new ParticipantId(e.From);
                var to = new ParticipantId(e.To);
                _closedCounterparties[from] = (ParticipantStanding.Merged, to);
                foreach (var line in e.LinesMoved)
                {
                    _lines.Remove(new LineKey(from, new Cusip(line.Cusip)));
                    if (Resolve(to) is { } target) ChangeLine(target, new Cusip(line.Cusip), line.Shares, BusinessDate, $"merger of {e.From} into {e.To}");
                }
                break;
            case MemoAccountMerged e:
                Standing = ParticipantStanding.Merged;
                Successor = new ParticipantId(e.To);
                StandingSince = IncomeDates.Parse(e.MergedOn);
                LinesMergedOut = e.LinesMoved;
                _lines.Clear();
                foreach (var c in e.Counterparties) _notices[new ParticipantId(c)] = false;
                break;
            case MergedLinesReceived e:
                var mergedFrom = new ParticipantId(e.From);
                var cancelled = new HashSet<ParticipantId>(e.Predecessors.Select(p => new ParticipantId(p))) { mergedFrom };
                foreach (var line in e.LinesCancelled) _lines.Remove(new LineKey(new ParticipantId(line.Counterparty), new Cusip(line.Cusip)));
                _predecessors.UnionWith(cancelled);
                foreach (var p in cancelled) _closedCounterparties.Remove(p);
                foreach (var line in e.Lines)
                {
                    if (Resolve(new ParticipantId(line.Counterparty)) is { } counterparty)
                        ChangeLine(counterparty, new Cusip(line.Cusip), line.Shares, BusinessDate, $"merger of {e.From} into {Participant}");
                }
                break;
            case MergedLinesAcknowledged:
                SuccessorHasLines = true;
                break;
            case MemoChangeForwarded e:
                _forwarding[e.ChangeId] = e;
                break;
            case MemoChangeForwardAcknowledged e:
                if (_forwarding.Remove(e.ChangeId)) _forwarded.Add(e.ChangeId);
                break;
            case CounterpartyNoticeQueued e:
                _notices.TryAdd(new ParticipantId(e.Counterparty), false);
                break;
            case CounterpartyNoticeAcknowledged e:
                _notices[new ParticipantId(e.Counterparty)] = true;
                break;
            case MemoAccountRetired e:
                Standing = ParticipantStanding.Retired;
                StandingSince = IncomeDates.Parse(e.RetiredOn);
                break;
            case MemoAccountTerminated e:
                Standing = ParticipantStanding.Terminated;
                StandingSince = IncomeDates.Parse(e.TerminatedOn);
                _lines.Clear();
                foreach (var c in e.Counterparties) _notices[new ParticipantId(c)] = false;
                break;
            default:
                throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}");
        }
    }

    internal static string Fingerprint(string deliverer, string receiver, string cusip, long shares, long amountCents, string reasonCode, string? reclaimOf) =>
        $"{deliverer}|{receiver}|{cusip}|{shares}|{amountCents}|{reasonCode}|{reclaimOf}";

    private void ChangeLine(ParticipantId counterparty, Cusip cusip, long change, DateOnly? on, string cause)
    {
        var key = new LineKey(counterparty, cusip);
        if (!_lines.TryGetValue(key, out var line))
        {
            line = new MemoLine();
            _lines[key] = line;
        }
        var before = line.Shares;
        var after = before + change;
        line.Shares = after;
        if (after == 0)
        {
            _lines.Remove(key);
            return;
        }
        if (before != 0 && Math.Sign(before) != Math.Sign(after))
        {
            // Crossing zero means the records disagree (a return larger than the loan, a wrong
            // reason code): listed until the line is set right. Crossing back sets it right too.
            if (line.ExceptionSince is null)
            {
                line.ExceptionSince = on ?? BusinessDate ?? default;
                line.ExceptionCause = cause;
            }
            else
            {
                line.ExceptionSince = null;
                line.ExceptionCause = null;
            }
        }
    }

    private void IndexByDate(DateOnly date, string deliverOrderId)
    {
        if (!_deliverOrdersByDate.TryGetValue(date, out var ids))
        {
            ids = new List<string>();
            _deliverOrdersByDate[date] = ids;
        }
        ids.Add(deliverOrderId);
    }

    private void Close(DateOnly closed, DateOnly next)
    {
        Closes++;
        LastClosedDate = closed;
        BusinessDate = next;
        _recentCloses.Enqueue(closed);
        if (_recentCloses.Count > Settings.DeliverOrderDedupCloses)
        {
            // Forget the deliver orders of the oldest day in the window: their resends, and their
            // reclaims, can no longer arrive in order (settlement keeps a deliver order two days).
            var horizon = _recentCloses.Dequeue();
            DedupHorizon = horizon;
            while (_deliverOrdersByDate.Count > 0)
            {
                var first = _deliverOrdersByDate.First();
                if (first.Key > horizon) break;
                foreach (var id in first.Value)
                {
                    _applied.Remove(id);
                    _heldReclaims.Remove(id);
                }
                _deliverOrdersByDate.Remove(first.Key);
            }
        }
        foreach (var cleared in _clearedAdjustments.Where(c => c.Value <= Closes - Settings.AdjustmentTombstoneCloses).Select(c => c.Key).ToList())
            _clearedAdjustments.Remove(cleared);
        foreach (var old in _postings.Where(p => p.Value.Settled && p.Value.RecordedAtClose <= Closes - Settings.IncomeRetentionCloses).Select(p => p.Key).ToList())
            _postings.Remove(old);
    }
}
