namespace Ledger.Settlement;

/// <summary>
/// Everything an <see cref="AccountState"/> holds after <see cref="Version"/> events, as plain
/// values (nothing shared with the live state, which goes on changing): what the account recovers
/// from instead of replaying its whole journal. The indexes of pending items (by CUSIP, by
/// look-ahead terms) are not in it: they are rebuilt from the pending sets.
/// <para>
/// <b>Adding state to an account</b>: a field of <see cref="AccountState"/> that is not an index
/// rebuilt from others gets a property here, is copied in <see cref="AccountState.ToSnapshot"/>
/// and back in <see cref="AccountState.FromSnapshot"/>, written and read by
/// Ledger.Journal's <c>SnapshotSerializer</c>, whose account manifest then takes the next version
/// (a snapshot of the older version is ignored and the account replays its whole journal once).
/// <c>AccountSnapshotProperties</c> (Ledger.Settlement.Tests) compares every field of a state
/// recovered from a snapshot with one replayed from the whole journal, and fails until that is done.
/// </para>
/// </summary>
public sealed record AccountSnapshot
{
    public required ParticipantId Participant { get; init; }
    public required long Version { get; init; }
    public required bool IsConfigured { get; init; }
    public required string Name { get; init; }
    public required Money NetDebitCap { get; init; }
    public required Money ParticipantsFund { get; init; }
    public required bool MarketLoanProgram { get; init; }
    public required bool CentralCounterparty { get; init; }
    public required DateOnly BusinessDate { get; init; }
    public required bool CutoffReached { get; init; }
    public required Money SettlementBalance { get; init; }
    public required decimal ReservedCollateralCents { get; init; }
    public required long ReservedBalanceCents { get; init; }
    public required decimal PositionsCollateralValueCents { get; init; }
    public required int InFlightDeliveries { get; init; }
    public required IReadOnlyList<KeyValuePair<Cusip, long>> Positions { get; init; }
    public required IReadOnlyList<KeyValuePair<Cusip, long>> ReservedShares { get; init; }
    public required IReadOnlyList<KeyValuePair<Cusip, SecurityTerms>> Terms { get; init; }
    public required IReadOnlyList<KeyValuePair<Cusip, decimal>> CollateralValueCents { get; init; }
    public required IReadOnlyList<DeliveryRecord> Deliveries { get; init; }
    public required IReadOnlyList<ReceiveRecord> Receives { get; init; }
    public required IReadOnlyList<KeyValuePair<IdempotencyId, IdempotentRequest>> IdempotentRequests { get; init; }
    /// <summary>The deliveries pending at this account (the recycle queue), by id.</summary>
    public required IReadOnlyList<DeliverOrderId> PendingDeliveries { get; init; }
    /// <summary>The receives pending at this account (the recycle queue), by id.</summary>
    public required IReadOnlyList<DeliverOrderId> PendingReceives { get; init; }
    /// <summary>The receives paired by look-ahead, by id.</summary>
    public required IReadOnlyList<DeliverOrderId> PairedReceives { get; init; }
    /// <summary>Income tracking's postings applied here, oldest first (the last <see cref="IncomePostingRules.RememberedMax"/>).</summary>
    public required IReadOnlyList<string> IncomePostings { get; init; }

    /// <summary>One <see cref="Delivery"/>, as values.</summary>
    public sealed record DeliveryRecord(
        DeliverOrder Order,
        SecurityTerms Terms,
        DeliveryStage Stage,
        PendReason? PendReason,
        CompletedBy? CompletedBy,
        bool PendedBefore,
        decimal ReservedCollateralCents,
        long ReservedShares,
        long ReservedBalanceCents,
        DeliverOrderId? LinkedReceive,
        long Sequence,
        DateOnly BusinessDate);

    /// <summary>One <see cref="Receive"/> under its id (a tombstone has no order), as values.</summary>
    public sealed record ReceiveRecord(
        DeliverOrderId Id,
        DeliverOrder? Order,
        SecurityTerms Terms,
        ReceiveStage Stage,
        PendReason? PendReason,
        CompletedBy? CompletedBy,
        long Sequence,
        DateOnly BusinessDate,
        DeliverOrderId? LinkedDelivery,
        DeliverOrderId? ReclaimedBy);
}

public sealed partial class AccountState
{
    /// <summary>The state as values, to recover from later (see <see cref="AccountSnapshot"/> for adding state).</summary>
    public AccountSnapshot ToSnapshot() => new()
    {
        Participant = Participant,
        Version = Version,
        IsConfigured = IsConfigured,
        Name = Name,
        NetDebitCap = NetDebitCap,
        ParticipantsFund = ParticipantsFund,
        MarketLoanProgram = MarketLoanProgram,
        CentralCounterparty = CentralCounterparty,
        BusinessDate = BusinessDate,
        CutoffReached = CutoffReached,
        SettlementBalance = SettlementBalance,
        ReservedCollateralCents = ReservedCollateralCents,
        ReservedBalanceCents = ReservedBalanceCents,
        PositionsCollateralValueCents = PositionsCollateralValueCents,
        InFlightDeliveries = _inFlightDeliveries,
        Positions = _positions.ToList(),
        ReservedShares = _reservedShares.ToList(),
        Terms = _terms.ToList(),
        CollateralValueCents = _collateralValueCents.ToList(),
        Deliveries = _deliveries.Values.Select(d => new AccountSnapshot.DeliveryRecord(d.Order, d.Terms, d.Stage, d.PendReason, d.CompletedBy,
            d.PendedBefore, d.ReservedCollateralCents, d.ReservedShares, d.ReservedBalanceCents, d.LinkedReceive, d.Sequence, d.BusinessDate)).ToList(),
        Receives = _receives.Select(kv => new AccountSnapshot.ReceiveRecord(kv.Key, kv.Value.Order, kv.Value.Terms, kv.Value.Stage, kv.Value.PendReason,
            kv.Value.CompletedBy, kv.Value.Sequence, kv.Value.BusinessDate, kv.Value.LinkedDelivery, kv.Value.ReclaimedBy)).ToList(),
        IdempotentRequests = _idempotentRequests.ToList(),
        PendingDeliveries = _pendingDeliveries.Select(d => d.Order.Id).ToList(),
        PendingReceives = _pendingReceives.Select(r => r.Order!.Id).ToList(),
        PairedReceives = _pairedReceives.Select(r => r.Order!.Id).ToList(),
        IncomePostings = _incomePostingOrder.ToList(),
    };

    /// <summary>
    /// The state <paramref name="snapshot"/> was taken of: applying the events after it gives what
    /// replaying the whole journal gives. <paramref name="reclaimRules"/> is configuration, not state.
    /// </summary>
    public static AccountState FromSnapshot(AccountSnapshot snapshot, ReclaimRules? reclaimRules = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var s = new AccountState(snapshot.Participant, reclaimRules)
        {
            Version = snapshot.Version,
            IsConfigured = snapshot.IsConfigured,
            Name = snapshot.Name,
            NetDebitCap = snapshot.NetDebitCap,
            ParticipantsFund = snapshot.ParticipantsFund,
            MarketLoanProgram = snapshot.MarketLoanProgram,
            CentralCounterparty = snapshot.CentralCounterparty,
            BusinessDate = snapshot.BusinessDate,
            CutoffReached = snapshot.CutoffReached,
            SettlementBalance = snapshot.SettlementBalance,
            ReservedCollateralCents = snapshot.ReservedCollateralCents,
            ReservedBalanceCents = snapshot.ReservedBalanceCents,
            PositionsCollateralValueCents = snapshot.PositionsCollateralValueCents,
        };
        s._inFlightDeliveries = snapshot.InFlightDeliveries;
        foreach (var (k, v) in snapshot.Positions) s._positions.Add(k, v);
        foreach (var (k, v) in snapshot.ReservedShares) s._reservedShares.Add(k, v);
        foreach (var (k, v) in snapshot.Terms) s._terms.Add(k, v);
        foreach (var (k, v) in snapshot.CollateralValueCents) s._collateralValueCents.Add(k, v);
        foreach (var (k, v) in snapshot.IdempotentRequests) s._idempotentRequests.Add(k, v);
        // Sized once: OCC's account after a full day holds 700,000 of each, and growing a dictionary
        // that far rehashes it about twenty times.
        s._deliveries.EnsureCapacity(snapshot.Deliveries.Count);
        s._receives.EnsureCapacity(snapshot.Receives.Count);
        foreach (var d in snapshot.Deliveries)
        {
            s._deliveries.Add(d.Order.Id, new Delivery
            {
                Order = d.Order,
                Terms = d.Terms,
                Stage = d.Stage,
                PendReason = d.PendReason,
                CompletedBy = d.CompletedBy,
                PendedBefore = d.PendedBefore,
                ReservedCollateralCents = d.ReservedCollateralCents,
                ReservedShares = d.ReservedShares,
                ReservedBalanceCents = d.ReservedBalanceCents,
                LinkedReceive = d.LinkedReceive,
                Sequence = d.Sequence,
                BusinessDate = d.BusinessDate,
            });
        }
        foreach (var r in snapshot.Receives)
        {
            s._receives.Add(r.Id, new Receive
            {
                Order = r.Order,
                Terms = r.Terms,
                Stage = r.Stage,
                PendReason = r.PendReason,
                CompletedBy = r.CompletedBy,
                Sequence = r.Sequence,
                BusinessDate = r.BusinessDate,
                LinkedDelivery = r.LinkedDelivery,
                ReclaimedBy = r.ReclaimedBy,
            });
        }
        // The pending sets and their indexes, through the same path events take.
        foreach (var id in snapshot.PendingDeliveries) s.AddPending(s._deliveries[id]);
        foreach (var id in snapshot.PendingReceives) s.AddPending(s._receives[id]);
        foreach (var id in snapshot.PairedReceives) s._pairedReceives.Add(s._receives[id]);
        foreach (var id in snapshot.IncomePostings) s.RememberIncomePosting(id);
        return s;
    }
}
