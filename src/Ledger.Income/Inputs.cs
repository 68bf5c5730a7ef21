namespace Ledger.Income;

// What income tracking learns from other contexts arrives as these records; an adapter fills
// them from settlement's published events and reference data. Income tracking never reads
// another context's state.

/// <summary>
/// Settlement completed a deliver order (direct, recycle, look-ahead or reclaim override). The
/// adapter sends it to the memo account of each party, from that party's own settlement journal,
/// in that journal's order, and again until the memo account answers (it answers a duplicate
/// the same way and changes nothing). Only completions are sent: a pended, dropped, cancelled or
/// rejected deliver order changes no memo line. Deliver orders whose reason code is neither a
/// loan nor a return code need not be sent, reclaims always (their own code is <c>RECLAIM</c>).
/// </summary>
/// <param name="BusinessDate">The settlement business date it completed on.</param>
/// <param name="CompletedBy">direct, recycle, look-ahead or reclaim-override: kept for explanations.</param>
public sealed record CompletedDeliverOrder(
    DeliverOrderId Id,
    ParticipantId Deliverer,
    ParticipantId Receiver,
    Cusip Cusip,
    long Shares,
    Money Amount,
    string ReasonCode,
    DeliverOrderId? ReclaimOf,
    string CompletedBy,
    DateOnly BusinessDate)
{
    /// <summary>The fields that make two deliveries of the same id the same deliver order.</summary>
    public string Fingerprint => $"{Deliverer}|{Receiver}|{Cusip}|{Shares}|{Amount.Cents}|{ReasonCode}|{ReclaimOf?.Value}";
}

/// <summary>What income tracking needs to know of a participant from the reference data and its own memo accounts.</summary>
/// <param name="CentralCounterparty">OCC: the counterparty of both sides of every Market Loan.</param>
public sealed record ParticipantFacts(bool CentralCounterparty, ParticipantStanding Standing = ParticipantStanding.Active);

/// <summary>
/// The participants the ledger knows, as the adapter last heard: settlement's participant master
/// file plus the standing each memo account reports (merged, retired, terminated).
/// </summary>
public sealed class ParticipantDirectory
{
    private readonly IReadOnlyDictionary<ParticipantId, ParticipantFacts> _participants;

    public ParticipantDirectory(IReadOnlyDictionary<ParticipantId, ParticipantFacts> participants)
    {
        ArgumentNullException.ThrowIfNull(participants);
        _participants = participants;
    }

    public static ParticipantDirectory Empty { get; } = new(new Dictionary<ParticipantId, ParticipantFacts>());

    public ParticipantFacts? Find(ParticipantId id) => _participants.TryGetValue(id, out var facts) ? facts : null;

    /// <summary>Every participant and its facts (what an adapter sends with a command to another node).</summary>
    public IReadOnlyDictionary<ParticipantId, ParticipantFacts> Participants => _participants;

    public IEnumerable<ParticipantId> Terminated =>
        _participants.Where(p => p.Value.Standing == ParticipantStanding.Terminated).Select(p => p.Key);
}

/// <summary>The facts settlement holds that a merger depends on (income-tracking.md section 6).</summary>
/// <param name="DeliverOrdersInFlight">Deliver orders of the transferring participant not yet final.</param>
/// <param name="SettlementBalance">Its settlement balance; zero after a close.</param>
public sealed record MergerFacts(int DeliverOrdersInFlight, Money SettlementBalance);

/// <summary>Where the ledger's business day stands when a request arrives.</summary>
/// <param name="Closing">The close of <paramref name="BusinessDate"/> has begun: its record-date entitlements are being fixed.</param>
public sealed record BusinessDayStatus(DateOnly BusinessDate, bool Closing = false);
