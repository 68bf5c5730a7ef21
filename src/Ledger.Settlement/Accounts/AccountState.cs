using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ledger.Settlement.Events;

namespace Ledger.Settlement;

/// <summary>Where a delivery stands at its deliverer.</summary>
public enum DeliveryStage
{
    /// <summary>Failed the deliverer's own checks; recycles at the deliverer.</summary>
    PendingAtDeliverer = 1,
    /// <summary>Reserved here and asked of the receiver; the receiver decides the rest.</summary>
    InFlight = 2,
    /// <summary>In flight, and the deliverer asked the receiver to cancel it.</summary>
    CancelRequested = 3,
    Completed = 4,
    Dropped = 5,
    Cancelled = 6,
}

/// <summary>Where a receive stands at its receiver.</summary>
public enum ReceiveStage
{
    Pending = 1,
    Completed = 2,
    Dropped = 3,
    Cancelled = 4,
    /// <summary>Pending on the net debit cap and paired by look-ahead with a delivery awaiting its receiver.</summary>
    LookAhead = 5,
}

/// <summary>
/// A delivery as its deliverer keeps it. An account keeps one for every deliver order of the
/// current and previous business day, so the fields are stored compactly (stages and reasons in a
/// byte, ids as their strings, the whole-cent collateral hold as a long): every collection traces
/// and copies these records, and their size is most of what a deliver order costs the heap.
/// </summary>
public sealed class Delivery
{
    private string? _linkedReceive;
    private long _reservedCollateralCents;
    private byte _stage;
    private byte _pendReason;
    private byte _completedBy;

    public required DeliverOrder Order { get; init; }
    public required SecurityTerms Terms { get; set; }
    public required DeliveryStage Stage { get => (DeliveryStage)_stage; set => _stage = Compact.Byte((int)value); }
    public PendReason? PendReason { get => Compact.Reason(_pendReason); set => _pendReason = Compact.Byte(value); }
    public CompletedBy? CompletedBy { get => Compact.By(_completedBy); set => _completedBy = Compact.Byte(value); }
    public bool PendedBefore { get; set; }
    /// <summary>What completing costs the deliverer's collateral monitor, when negative (0 otherwise); held while in flight. Whole cents: the check's delta as the journal records it.</summary>
    public decimal ReservedCollateralCents { get => _reservedCollateralCents; set => _reservedCollateralCents = Compact.WholeCents(value); }
    /// <summary>Shares of this account's own position held while in flight (fewer when a look-ahead receive brings them).</summary>
    public long ReservedShares { get; set; }
    /// <summary>Settlement balance a look-ahead pair will take, when negative (0 otherwise); held while in flight.</summary>
    public long ReservedBalanceCents { get; set; }
    /// <summary>The receive this delivery is paired with by look-ahead, if any.</summary>
    public DeliverOrderId? LinkedReceive { get => Compact.Id(_linkedReceive); set => _linkedReceive = Compact.Id(value); }
    public long Sequence { get; init; }
    public DateOnly BusinessDate { get; init; }
}

/// <summary>A receive as its receiver keeps it, stored compactly as <see cref="Delivery"/> is.</summary>
public sealed class Receive
{
    private string? _linkedDelivery;
    private string? _reclaimedBy;
    private byte _stage;
    private byte _pendReason;
    private byte _completedBy;

    /// <summary>Null only for a tombstone: a receive cancelled before its request arrived.</summary>
    public DeliverOrder? Order { get; init; }
    public SecurityTerms Terms { get; init; }
    public required ReceiveStage Stage { get => (ReceiveStage)_stage; set => _stage = Compact.Byte((int)value); }
    public PendReason? PendReason { get => Compact.Reason(_pendReason); set => _pendReason = Compact.Byte(value); }
    public CompletedBy? CompletedBy { get => Compact.By(_completedBy); set => _completedBy = Compact.Byte(value); }
    public long Sequence { get; init; }
    public DateOnly BusinessDate { get; init; }
    /// <summary>The delivery this receive is paired with by look-ahead, while paired.</summary>
    public DeliverOrderId? LinkedDelivery { get => Compact.Id(_linkedDelivery); set => _linkedDelivery = Compact.Id(value); }
    /// <summary>The reclaim delivering this receive back, while one stands.</summary>
    public DeliverOrderId? ReclaimedBy { get => Compact.Id(_reclaimedBy); set => _reclaimedBy = Compact.Id(value); }
}

/// <summary>The compact forms <see cref="Delivery"/> and <see cref="Receive"/> store their fields in; each converts back exactly.</summary>
internal static class Compact
{
    /// <summary>A stage, reason or way of completion (all numbered from 1); 0 stands for none.</summary>
    public static byte Byte(int value) =>
        value is > 0 and <= byte.MaxValue ? (byte)value : throw new InvariantViolation($"{value} is not a stage, reason or way of completion");

    public static byte Byte(PendReason? value) => value is { } v ? Byte((int)v) : (byte)0;

    public static byte Byte(CompletedBy? value) => value is { } v ? Byte((int)v) : (byte)0;

    public static PendReason? Reason(byte value) => value == 0 ? null : (PendReason)value;

    public static CompletedBy? By(byte value) => value == 0 ? null : (CompletedBy)value;

    public static string? Id(DeliverOrderId? id) =>
        id is not { } v ? null : v.Value ?? throw new InvariantViolation("a deliver order id without a value");

    public static DeliverOrderId? Id(string? value) => value is null ? null : new DeliverOrderId(value);

    public static long WholeCents(decimal cents) =>
        decimal.Truncate(cents) == cents && cents >= long.MinValue && cents <= long.MaxValue
            ? (long)cents
            : throw new InvariantViolation($"{cents} is not whole cents within a long");
}

/// <summary>What an account did under an idempotency id.</summary>
public enum IdempotentRequestKind
{
    Deposit = 1,
    SettlementProgressPayment = 2,
}

/// <summary>
/// A deposit or settlement progress payment that took effect under an idempotency id: what it was
/// (the payload a retry must match) and the business day it took effect on.
/// </summary>
public readonly record struct IdempotentRequest(IdempotentRequestKind Kind, string? Cusip, long Shares, long AmountCents, DateOnly BusinessDate)
{
    public static IdempotentRequest Deposit(Cusip cusip, long shares, DateOnly businessDate) =>
        new(IdempotentRequestKind.Deposit, cusip.Value, shares, 0, businessDate);

    public static IdempotentRequest Payment(Money amount, DateOnly businessDate) =>
        new(IdempotentRequestKind.SettlementProgressPayment, null, 0, amount.Cents, businessDate);

    /// <summary>The same request, whatever day each was made on.</summary>
    public bool SamePayload(IdempotentRequest other) =>
        Kind == other.Kind && Cusip == other.Cusip && Shares == other.Shares && AmountCents == other.AmountCents;

    public override string ToString() => Kind == IdempotentRequestKind.Deposit
        ? $"a deposit of {Explanation.Shares(Shares)} sh of {Cusip}"
        : $"a settlement progress payment of {Explanation.Usd(Money.ToDollars(AmountCents))}";
}

/// <summary>
/// One participant account: reference figures, settlement balance, positions, reservations and
/// the deliveries, receives and idempotency ids of the current and previous business day.
/// <para>
/// The state is mutable and owned by exactly one decider at a time (TigerBeetle's state machine
/// is the model): <see cref="Apply(AccountEvent)"/> is the only mutator, and it never validates and never
/// fails on a journal Ledger wrote. Replaying the same events always yields the same state.
/// </para>
/// </summary>
public sealed partial class AccountState
{
    private readonly Dictionary<Cusip, long> _positions = new();
    private readonly Dictionary<Cusip, long> _reservedShares = new();
    private readonly Dictionary<Cusip, SecurityTerms> _terms = new();
    private readonly Dictionary<Cusip, decimal> _collateralValueCents = new();
    private readonly Dictionary<DeliverOrderId, Delivery> _deliveries = new();
    private readonly Dictionary<DeliverOrderId, Receive> _receives = new();
    private readonly SortedSet<Delivery> _pendingDeliveries = new(RecycleOrder.Deliveries);
    private readonly SortedSet<Receive> _pendingReceives = new(RecycleOrder.Receives);
    private readonly HashSet<Receive> _pairedReceives = new();
    // The same pending items grouped by CUSIP: recycling and look-ahead look only where the shares are.
    private readonly Dictionary<Cusip, List<Delivery>> _pendingDeliveriesByCusip = new();
    private readonly Dictionary<Cusip, List<Receive>> _pendingReceivesByCusip = new();
    // The same pending items by the terms look-ahead pairs on (CUSIP, and at a central counterparty
    // shares and amount too), and the terms with items pending on both sides: the only places a
    // look-ahead pairing can be found, whatever else is pending.
    private readonly Dictionary<PairKey, List<Delivery>> _pendingDeliveriesByKey = new();
    private readonly Dictionary<PairKey, List<Receive>> _pendingReceivesByKey = new();
    private readonly HashSet<PairKey> _pairableKeys = new();
    // Deposits and payments made under an idempotency id, for as long as the deliveries and receives:
    // the current and the previous business day. Older ids are forgotten, which bounds the memory.
    private readonly Dictionary<IdempotencyId, IdempotentRequest> _idempotentRequests = new();
    private readonly HashSet<string> _incomePostings = new(StringComparer.Ordinal);
    private readonly Queue<string> _incomePostingOrder = new();
    private int _pendingReclaimReceives;
    // The terms an event last recorded here, with their record (see TermsData): not state, a reuse.
    private (SecurityTerms Terms, TermsData Data)? _lastTermsData;
    private int _inFlightDeliveries;

    public AccountState(ParticipantId participant, ReclaimRules? reclaimRules = null)
    {
        Participant = participant;
        ReclaimRules = reclaimRules ?? ReclaimRules.Default;
    }

    /// <summary>The reclaim settings this account decides by; configuration, not state (every decision records its outcome).</summary>
    public ReclaimRules ReclaimRules { get; }

    public ParticipantId Participant { get; }
    public bool IsConfigured { get; private set; }
    public string Name { get; private set; } = "";
    public Money NetDebitCap { get; private set; }
    public Money ParticipantsFund { get; private set; }
    public bool MarketLoanProgram { get; private set; }
    public bool CentralCounterparty { get; private set; }
    public DateOnly BusinessDate { get; private set; }
    public bool CutoffReached { get; private set; }
    public Money SettlementBalance { get; private set; }
    /// <summary>How many events this state has applied.</summary>
    public long Version { get; private set; }

    /// <summary>Sum of the (negative) collateral effects of deliveries in flight.</summary>
    public decimal ReservedCollateralCents { get; private set; }

    /// <summary>Sum of the (negative) settlement-balance effects of look-ahead pairs in flight.</summary>
    public long ReservedBalanceCents { get; private set; }

    /// <summary>The settlement balance less what look-ahead pairs in flight will take from it.</summary>
    public Money AvailableBalance => SettlementBalance + new Money(ReservedBalanceCents);

    /// <summary>Collateral value of all positions at the terms this account last heard of.</summary>
    public decimal PositionsCollateralValueCents { get; private set; }

    public Money NetDebit => SettlementBalance.Cents < 0 ? new Money(-SettlementBalance.Cents) : Money.Zero;

    /// <summary>participants fund + settlement balance + collateral value of positions.</summary>
    public decimal CollateralMonitorCents => ParticipantsFund.Cents + (decimal)SettlementBalance.Cents + PositionsCollateralValueCents;

    /// <summary>The collateral monitor less what deliveries in flight will take from it.</summary>
    public decimal AvailableCollateralMonitorCents => CollateralMonitorCents + ReservedCollateralCents;

    public int InFlightDeliveries => _inFlightDeliveries;

    public IReadOnlyDictionary<Cusip, long> Positions => _positions;
    public IReadOnlyDictionary<Cusip, long> ReservedShares => _reservedShares;
    public IReadOnlyDictionary<DeliverOrderId, Delivery> Deliveries => _deliveries;
    public IReadOnlyDictionary<DeliverOrderId, Receive> Receives => _receives;
    public IReadOnlyCollection<Delivery> PendingDeliveries => _pendingDeliveries;
    public IReadOnlyCollection<Receive> PendingReceives => _pendingReceives;
    /// <summary>Receives pending on the cap and paired by look-ahead, awaiting the partner's receiver.</summary>
    public IReadOnlyCollection<Receive> PairedReceives => _pairedReceives;

    /// <summary>The pending deliveries grouped by CUSIP (within a group in no set order).</summary>
    public IReadOnlyDictionary<Cusip, List<Delivery>> PendingDeliveriesByCusip => _pendingDeliveriesByCusip;

    /// <summary>The pending deliveries of <paramref name="cusip"/>, in no set order.</summary>
    public IReadOnlyList<Delivery> PendingDeliveriesOf(Cusip cusip) =>
        _pendingDeliveriesByCusip.TryGetValue(cusip, out var group) ? group : [];

    /// <summary>
    /// The pending receives that share look-ahead terms with a pending delivery (the same CUSIP, and
    /// at a central counterparty the same shares and amount), in no set order: every receive that
    /// look-ahead could pair now is among them.
    /// </summary>
    public IEnumerable<Receive> ReceivesWithPendingPartnerTerms()
    {
        foreach (var key in _pairableKeys)
        {
            foreach (var r in _pendingReceivesByKey[key]) yield return r;
        }
    }

    /// <summary>The pending receives in reverse recycle order (lazily: stop early to look at only the last few).</summary>
    public IEnumerable<Receive> PendingReceivesFromLast() => _pendingReceives.Reverse();

    /// <summary>Pending receives that are reclaims (a reclaim may override the cap, whatever its amount).</summary>
    public int PendingReclaimReceives => _pendingReclaimReceives;

    /// <summary>The pending receives of <paramref name="cusip"/>, in no set order.</summary>
    public IReadOnlyList<Receive> PendingReceivesOf(Cusip cusip) =>
        _pendingReceivesByCusip.TryGetValue(cusip, out var group) ? group : [];

    /// <summary>
    /// The deposit or payment this account made under <paramref name="id"/> on the current or the
    /// previous business day, or null: ids of older days are forgotten when a day closes.
    /// </summary>
    public IdempotentRequest? IdempotentRequestOf(IdempotencyId id) =>
        _idempotentRequests.TryGetValue(id, out var request) ? request : null;

    /// <summary>How many idempotency ids the account holds (those of the current and the previous business day).</summary>
    public int IdempotentRequestCount => _idempotentRequests.Count;

    public long Position(Cusip cusip) => _positions.GetValueOrDefault(cusip);

    public long AvailableShares(Cusip cusip) => Position(cusip) - _reservedShares.GetValueOrDefault(cusip);

    public SecurityTerms? TermsOf(Cusip cusip) => _terms.TryGetValue(cusip, out var t) ? t : null;

    /// <summary>The newer of the terms this account knows and <paramref name="offered"/>.</summary>
    public SecurityTerms NewestTerms(Cusip cusip, SecurityTerms offered) =>
        _terms.TryGetValue(cusip, out var known) && known.Version >= offered.Version ? known : offered;

    /// <summary>Whether income tracking's posting <paramref name="postingId"/> is applied here (the last <see cref="IncomePostingRules.RememberedMax"/>).</summary>
    public bool HasIncomePosting(string postingId) => _incomePostings.Contains(postingId);

    private void RememberIncomePosting(string postingId)
    {
        if (!_incomePostings.Add(postingId)) return;
        _incomePostingOrder.Enqueue(postingId);
        if (_incomePostingOrder.Count > IncomePostingRules.RememberedMax) _incomePostings.Remove(_incomePostingOrder.Dequeue());
    }

    public void Apply(AccountEvent @event) => Apply(@event, decidedOrder: null);

    /// <summary>
    /// Applies an event just decided here. <paramref name="decidedOrder"/>, when given, is the order
    /// the event records (DeliveryPended, DeliveryReserved, ReceivePended, ReceiveCompleted): the
    /// state keeps it rather than a copy read back from the event, which is the same value.
    /// </summary>
    internal void Apply(AccountEvent @event, DeliverOrder? decidedOrder)
    {
        Version++;
        switch (@event)
        {
            case ParticipantConfigured e:
                IsConfigured = true;
                Name = e.Name;
                NetDebitCap = new Money(e.NetDebitCapCents);
                ParticipantsFund = new Money(e.ParticipantsFundCents);
                MarketLoanProgram = e.MarketLoanProgram;
                if (CentralCounterparty != e.CentralCounterparty)
                {
                    CentralCounterparty = e.CentralCounterparty;
                    ReindexPendingByKey();
                }
                if (BusinessDate == default) BusinessDate = ParseDate(e.BusinessDate);
                break;
            case SecurityTermsApplied e:
                SetTerms(new Cusip(e.Cusip), ToTerms(e.Terms));
                break;
            case SharesDeposited e:
            {
                var cusip = new Cusip(e.Cusip);
                SetTerms(cusip, ToTerms(e.Terms));
                ChangePosition(cusip, e.Shares);
                if (e.Id is not null) _idempotentRequests[new IdempotencyId(e.Id)] = IdempotentRequest.Deposit(cusip, e.Shares, BusinessDate);
                break;
            }
            case SettlementProgressPaymentReceived e:
                SettlementBalance += new Money(e.AmountCents);
                if (e.Id is not null) _idempotentRequests[new IdempotencyId(e.Id)] = IdempotentRequest.Payment(new Money(e.AmountCents), BusinessDate);
                break;
            case DeliveryPended e:
            {
                var order = OrderOf(e.Order, decidedOrder);
                var delivery = new Delivery
                {
                    Order = order,
                    Terms = ToTerms(e.Terms),
                    Stage = DeliveryStage.PendingAtDeliverer,
                    PendReason = ParseReason(e.Reason),
                    PendedBefore = true,
                    Sequence = Version,
                    BusinessDate = BusinessDate,
                };
                _deliveries[order.Id] = delivery;
                AddPending(delivery);
                MarkReclaim(order, reclaimed: true);
                break;
            }
            case DeliveryReserved e:
            {
                var order = OrderOf(e.Order, decidedOrder);
                var terms = ToTerms(e.Terms);
                // One lookup finds the pended delivery, if any, and the place of the reserved one
                // (nothing else changes the deliveries until it is filled, two lines down).
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_deliveries, order.Id, out _);
                var pended = slot;
                if (pended is not null)
                {
                    RemovePending(pended);
                }
                var delivery = slot = new Delivery
                {
                    Order = order,
                    Terms = terms,
                    Stage = DeliveryStage.InFlight,
                    PendedBefore = e.PendedBefore,
                    ReservedCollateralCents = CentralCounterparty ? 0m : Math.Min(0m, (decimal)e.Inputs.CollateralDeltaCents),
                    ReservedShares = order.Shares,
                    Sequence = pended?.Sequence ?? Version,
                    BusinessDate = pended?.BusinessDate ?? BusinessDate,
                };
                Hold(delivery);
                MarkReclaim(order, reclaimed: true);
                break;
            }
            case LookAheadProposed e:
            {
                var receive = _receives[new DeliverOrderId(e.ReceiveId)];
                var delivery = _deliveries[new DeliverOrderId(e.DeliveryId)];
                RemovePending(receive);
                RemovePending(delivery);
                receive.Stage = ReceiveStage.LookAhead;
                receive.LinkedDelivery = delivery.Order.Id;
                _pairedReceives.Add(receive);
                delivery.Terms = ToTerms(e.Terms);
                delivery.Stage = DeliveryStage.InFlight;
                delivery.PendReason = null;
                delivery.PendedBefore = true;
                delivery.LinkedReceive = receive.Order!.Id;
                delivery.ReservedShares = Math.Max(0, delivery.Order.Shares - receive.Order.Shares);
                delivery.ReservedCollateralCents = CentralCounterparty ? 0m : Math.Min(0m, (decimal)e.Inputs.CollateralDeltaCents);
                delivery.ReservedBalanceCents = Math.Min(0, delivery.Order.Amount.Cents - receive.Order.Amount.Cents);
                Hold(delivery);
                break;
            }
            case LookAheadCompleted e:
            {
                var receive = _receives[new DeliverOrderId(e.ReceiveId)];
                var delivery = _deliveries[new DeliverOrderId(e.DeliveryId)];
                Release(delivery);
                _pairedReceives.Remove(receive);
                var cusip = delivery.Order.Cusip;
                SetTerms(cusip, NewestTerms(cusip, receive.Terms));
                ChangePosition(cusip, receive.Order!.Shares - delivery.Order.Shares);
                SettlementBalance = SettlementBalance - receive.Order.Amount + delivery.Order.Amount;
                receive.Stage = ReceiveStage.Completed;
                receive.CompletedBy = Ledger.Settlement.CompletedBy.LookAhead;
                receive.LinkedDelivery = null;
                delivery.Stage = DeliveryStage.Completed;
                delivery.CompletedBy = Ledger.Settlement.CompletedBy.LookAhead;
                break;
            }
            case DeliveryCancelRequested e:
                _deliveries[new DeliverOrderId(e.DeliverOrderId)].Stage = DeliveryStage.CancelRequested;
                break;
            case DeliveryCompleted e:
            {
                var delivery = _deliveries[new DeliverOrderId(e.DeliverOrderId)];
                Release(delivery);
                ChangePosition(delivery.Order.Cusip, -delivery.Order.Shares);
                SettlementBalance += delivery.Order.Amount;
                delivery.Stage = DeliveryStage.Completed;
                delivery.CompletedBy = ParseCompletedBy(e.CompletedBy);
                break;
            }
            case DeliveryDropped e:
                EndDelivery(new DeliverOrderId(e.DeliverOrderId), DeliveryStage.Dropped);
                break;
            case DeliveryCancelled e:
                EndDelivery(new DeliverOrderId(e.DeliverOrderId), DeliveryStage.Cancelled);
                break;
            case ReceivePended e:
            {
                var order = OrderOf(e.Order, decidedOrder);
                var receive = new Receive
                {
                    Order = order,
                    Terms = ToTerms(e.Terms),
                    Stage = ReceiveStage.Pending,
                    PendReason = ParseReason(e.Reason),
                    Sequence = Version,
                    BusinessDate = BusinessDate,
                };
                _receives[order.Id] = receive;
                AddPending(receive);
                break;
            }
            case ReceiveCompleted e:
            {
                var order = OrderOf(e.Order, decidedOrder);
                var terms = ToTerms(e.Terms);
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_receives, order.Id, out _);
                var pended = slot;
                if (pended is not null)
                {
                    RemovePending(pended);
                }
                slot = new Receive
                {
                    Order = order,
                    Terms = terms,
                    Stage = ReceiveStage.Completed,
                    CompletedBy = ParseCompletedBy(e.CompletedBy),
                    Sequence = pended?.Sequence ?? Version,
                    BusinessDate = pended?.BusinessDate ?? BusinessDate,
                };
                SetTerms(order.Cusip, NewestTerms(order.Cusip, terms));
                ChangePosition(order.Cusip, order.Shares);
                SettlementBalance -= order.Amount;
                break;
            }
            case ReceiveDropped e:
                EndReceive(new DeliverOrderId(e.DeliverOrderId), ReceiveStage.Dropped);
                break;
            case ReceiveCancelled e:
                EndReceive(new DeliverOrderId(e.DeliverOrderId), ReceiveStage.Cancelled);
                break;
            case RecycleCutoffReached:
                CutoffReached = true;
                break;
            case IncomePostingApplied e:
                SettlementBalance += new Money(e.AmountCents);
                RememberIncomePosting(e.PostingId);
                break;
            case BusinessDayClosed e:
                SettlementBalance = Money.Zero;
                CutoffReached = false;
                BusinessDate = ParseDate(e.NextDate);
                ForgetBefore(ParseDate(e.ClosedDate));
                break;
            default:
                throw new InvalidOperationException($"No evolve rule for {@event.GetType().Name}");
        }
    }

    private void EndDelivery(DeliverOrderId id, DeliveryStage stage)
    {
        var delivery = _deliveries[id];
        if (delivery.Stage == DeliveryStage.PendingAtDeliverer)
        {
            RemovePending(delivery);
        }
        else
        {
            Release(delivery);
        }
        if (delivery.LinkedReceive is { } linked && _receives.TryGetValue(linked, out var receive) && receive.Stage == ReceiveStage.LookAhead)
        {
            // The partner's receiver would not take it: the paired receive goes back to pending on the cap.
            _pairedReceives.Remove(receive);
            receive.Stage = ReceiveStage.Pending;
            receive.LinkedDelivery = null;
            AddPending(receive);
        }
        delivery.Stage = stage;
        MarkReclaim(delivery.Order, reclaimed: false);
    }

    private void AddPending(Delivery delivery)
    {
        if (!_pendingDeliveries.Add(delivery)) return;
        Group(_pendingDeliveriesByCusip, delivery.Order.Cusip).Add(delivery);
        var key = KeyOf(delivery.Order);
        Group(_pendingDeliveriesByKey, key).Add(delivery);
        if (_pendingReceivesByKey.ContainsKey(key)) _pairableKeys.Add(key);
    }

    private void RemovePending(Delivery delivery)
    {
        if (!_pendingDeliveries.Remove(delivery)) return;
        Ungroup(_pendingDeliveriesByCusip, delivery.Order.Cusip, delivery);
        var key = KeyOf(delivery.Order);
        if (Ungroup(_pendingDeliveriesByKey, key, delivery)) _pairableKeys.Remove(key);
    }

    private void AddPending(Receive receive)
    {
        if (!_pendingReceives.Add(receive)) return;
        Group(_pendingReceivesByCusip, receive.Order!.Cusip).Add(receive);
        var key = KeyOf(receive.Order);
        Group(_pendingReceivesByKey, key).Add(receive);
        if (_pendingDeliveriesByKey.ContainsKey(key)) _pairableKeys.Add(key);
        if (receive.Order.IsReclaim) _pendingReclaimReceives++;
    }

    private void RemovePending(Receive receive)
    {
        if (!_pendingReceives.Remove(receive)) return;
        Ungroup(_pendingReceivesByCusip, receive.Order!.Cusip, receive);
        var key = KeyOf(receive.Order);
        if (Ungroup(_pendingReceivesByKey, key, receive)) _pairableKeys.Remove(key);
        if (receive.Order.IsReclaim) _pendingReclaimReceives--;
    }

    /// <summary>
    /// The terms look-ahead pairs on here: at a central counterparty legs pair only on equal shares
    /// and amount, and a Market Loan's legs only on the same collateral margin (LoanTermRules).
    /// </summary>
    private PairKey KeyOf(DeliverOrder order) =>
        CentralCounterparty ? new PairKey(order.Cusip, order.Shares, order.Amount.Cents, LoanTermRules.MarginKey(order)) : new PairKey(order.Cusip, 0, 0, null);

    private void ReindexPendingByKey()
    {
        _pendingDeliveriesByKey.Clear();
        _pendingReceivesByKey.Clear();
        _pairableKeys.Clear();
        foreach (var d in _pendingDeliveries) Group(_pendingDeliveriesByKey, KeyOf(d.Order)).Add(d);
        foreach (var r in _pendingReceives) Group(_pendingReceivesByKey, KeyOf(r.Order!)).Add(r);
        foreach (var key in _pendingReceivesByKey.Keys)
        {
            if (_pendingDeliveriesByKey.ContainsKey(key)) _pairableKeys.Add(key);
        }
    }

    private readonly record struct PairKey(Cusip Cusip, long Shares, long AmountCents, string? Margin);

    private static List<T> Group<TKey, T>(Dictionary<TKey, List<T>> groups, TKey key)
        where TKey : notnull
    {
        if (!groups.TryGetValue(key, out var group)) groups[key] = group = new List<T>();
        return group;
    }

    /// <summary>Removes <paramref name="item"/> from its group; true when the group is now gone.</summary>
    private static bool Ungroup<TKey, T>(Dictionary<TKey, List<T>> groups, TKey key, T item)
        where TKey : notnull
        where T : class
    {
        var group = groups[key];
        group.Remove(item);
        if (group.Count > 0) return false;
        groups.Remove(key);
        return true;
    }

    private void Hold(Delivery delivery)
    {
        var cusip = delivery.Order.Cusip;
        if (delivery.ReservedShares > 0) _reservedShares[cusip] = _reservedShares.GetValueOrDefault(cusip) + delivery.ReservedShares;
        ReservedCollateralCents += delivery.ReservedCollateralCents;
        ReservedBalanceCents += delivery.ReservedBalanceCents;
        _inFlightDeliveries++;
    }

    /// <summary>A reclaim marks the receive it undoes while it stands, so that the receive is reclaimed once at most.</summary>
    private void MarkReclaim(DeliverOrder order, bool reclaimed)
    {
        if (order.ReclaimOf is { } original && _receives.TryGetValue(original, out var receive))
        {
            receive.ReclaimedBy = reclaimed ? order.Id : null;
        }
    }

    private void EndReceive(DeliverOrderId id, ReceiveStage stage)
    {
        if (_receives.TryGetValue(id, out var receive))
        {
            RemovePending(receive);
            receive.Stage = stage;
        }
        else
        {
            _receives[id] = new Receive { Stage = stage, Sequence = Version, BusinessDate = BusinessDate };
        }
    }

    private void Release(Delivery delivery)
    {
        var cusip = delivery.Order.Cusip;
        if (delivery.ReservedShares > 0)
        {
            var left = _reservedShares[cusip] - delivery.ReservedShares;
            if (left == 0) _reservedShares.Remove(cusip);
            else _reservedShares[cusip] = left;
        }
        ReservedCollateralCents -= delivery.ReservedCollateralCents;
        ReservedBalanceCents -= delivery.ReservedBalanceCents;
        _inFlightDeliveries--;
    }

    private void SetTerms(Cusip cusip, SecurityTerms terms)
    {
        var isKnown = _terms.TryGetValue(cusip, out var known);
        // The same terms again (the usual case: most completions carry the terms already held)
        // leave the collateral value as it is, which is already that of these terms.
        if (isKnown && (known.Version > terms.Version || Identical(known, terms))) return;
        _terms[cusip] = terms;
        RevalueCollateral(cusip);
    }

    /// <summary>
    /// The same terms to the last bit: equal decimals may differ in scale (0.1 and 0.10), and a
    /// journal writes the haircut with its scale, so terms of another scale are not reused.
    /// </summary>
    private static bool Identical(SecurityTerms a, SecurityTerms b) =>
        a.Version == b.Version && a.Price == b.Price && a.Haircut == b.Haircut
        && a.Haircut.Scale == b.Haircut.Scale && decimal.IsNegative(a.Haircut) == decimal.IsNegative(b.Haircut);

    private void ChangePosition(Cusip cusip, long shares)
    {
        // One lookup reads and writes the position (every deliver order moves two).
        ref var held = ref CollectionsMarshal.GetValueRefOrNullRef(_positions, cusip);
        long position;
        if (Unsafe.IsNullRef(ref held))
        {
            position = shares;
            if (position != 0) _positions.Add(cusip, position);
        }
        else
        {
            position = held + shares;
            if (position == 0) _positions.Remove(cusip);
            else held = position;
        }
        RevalueCollateral(cusip, position);
    }

    private void RevalueCollateral(Cusip cusip) => RevalueCollateral(cusip, _positions.GetValueOrDefault(cusip));

    /// <summary>Sets the collateral value of <paramref name="cusip"/> to that of <paramref name="position"/>, the position now held.</summary>
    private void RevalueCollateral(Cusip cusip, long position)
    {
        var now = position != 0 && _terms.TryGetValue(cusip, out var terms) ? terms.CollateralValueCents(position) : 0m;
        ref var value = ref CollectionsMarshal.GetValueRefOrNullRef(_collateralValueCents, cusip);
        var known = !Unsafe.IsNullRef(ref value);
        var old = known ? value : 0m;
        if (now == 0m)
        {
            if (known) _collateralValueCents.Remove(cusip);
        }
        else if (known)
        {
            value = now;
        }
        else
        {
            _collateralValueCents.Add(cusip, now);
        }
        PositionsCollateralValueCents += now - old;
    }

    /// <summary>Keeps the records of the business day just closed (late duplicates and retries still find them) and forgets older ones.</summary>
    private void ForgetBefore(DateOnly closedDate)
    {
        foreach (var (id, d) in _deliveries.Where(kv => kv.Value.BusinessDate < closedDate).ToList())
        {
            if (d.Stage is DeliveryStage.Completed or DeliveryStage.Dropped or DeliveryStage.Cancelled) _deliveries.Remove(id);
        }
        foreach (var (id, r) in _receives.Where(kv => kv.Value.BusinessDate < closedDate).ToList())
        {
            if (r.Stage != ReceiveStage.Pending) _receives.Remove(id);
        }
        foreach (var (id, _) in _idempotentRequests.Where(kv => kv.Value.BusinessDate < closedDate).ToList())
        {
            _idempotentRequests.Remove(id);
        }
    }

    /// <summary>The order <paramref name="data"/> records: <paramref name="decided"/> when the decider gave it (it must be that order), else read from the data.</summary>
    private static DeliverOrder OrderOf(DeliverOrderData data, DeliverOrder? decided)
    {
        if (decided is null) return ToOrder(data);
        if (!Records(data, decided)) throw new InvariantViolation($"the event records order {data.Id}, not the decided {decided.Id}");
        return decided;
    }

    /// <summary>Whether <paramref name="data"/> is <paramref name="order"/> as written into a journal (field by field, as <see cref="ToData(DeliverOrder)"/> writes it).</summary>
    private static bool Records(DeliverOrderData data, DeliverOrder order) =>
        data.Id == order.Id.Value && data.Deliverer == order.Deliverer.Value && data.Receiver == order.Receiver.Value
        && data.Cusip == order.Cusip.Value && data.Shares == order.Shares && data.AmountCents == order.Amount.Cents
        && data.ReasonCode == order.ReasonCode && data.ReclaimOf == order.ReclaimOf?.Value
        && data.RebateRate == order.RebateRate && data.CollateralMargin == order.CollateralMargin;

    internal static DeliverOrder ToOrder(DeliverOrderData d) => new(
        new DeliverOrderId(d.Id),
        new ParticipantId(d.Deliverer),
        new ParticipantId(d.Receiver),
        new Cusip(d.Cusip),
        d.Shares,
        new Money(d.AmountCents),
        d.ReasonCode,
        d.ReclaimOf is null ? null : new DeliverOrderId(d.ReclaimOf),
        d.RebateRate,
        d.CollateralMargin);

    internal static DeliverOrderData ToData(DeliverOrder o) => new(
        o.Id.Value, o.Deliverer.Value, o.Receiver.Value, o.Cusip.Value, o.Shares, o.Amount.Cents, o.ReasonCode, o.ReclaimOf?.Value,
        o.RebateRate, o.CollateralMargin);

    internal static SecurityTerms ToTerms(TermsData t) => new(new Money(t.PriceCents), t.Haircut, t.Version);

    internal static TermsData ToData(SecurityTerms t) => new(t.Price.Cents, t.Haircut, t.Version);

    /// <summary>
    /// <paramref name="terms"/> as an event records them. The last terms recorded are kept and
    /// given again while they do not change (an account records the same terms on most of its
    /// events; the record is immutable, so events may share it).
    /// </summary>
    internal TermsData TermsData(SecurityTerms terms)
    {
        if (_lastTermsData is not { } last || !Identical(last.Terms, terms)) _lastTermsData = last = (terms, ToData(terms));
        return last.Data;
    }

    public static PendReason ParseReason(string reason) => reason switch
    {
        "position" => PendReason.Position,
        "collateral" => PendReason.Collateral,
        "net-debit-cap" => PendReason.NetDebitCap,
        _ => throw new InvalidOperationException($"Unknown pend reason '{reason}' in journal"),
    };

    public static CompletedBy ParseCompletedBy(string by) => by switch
    {
        "direct" => Ledger.Settlement.CompletedBy.Direct,
        "recycle" => Ledger.Settlement.CompletedBy.Recycle,
        "look-ahead" => Ledger.Settlement.CompletedBy.LookAhead,
        "reclaim-override" => Ledger.Settlement.CompletedBy.ReclaimOverride,
        _ => throw new InvalidOperationException($"Unknown completion '{by}' in journal"),
    };

    public static DateOnly ParseDate(string date) => DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string FormatDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Recycle order [DTC]: valued before free; within each, largest first (valued by amount, free by
/// market value); then oldest first, so the order is total and replay-stable.
/// </summary>
internal static class RecycleOrder
{
    public static readonly IComparer<Delivery> Deliveries = Comparer<Delivery>.Create((a, b) =>
        Compare(a.Order, a.Terms, a.Sequence, b.Order, b.Terms, b.Sequence));

    public static readonly IComparer<Receive> Receives = Comparer<Receive>.Create((a, b) =>
        Compare(a.Order!, a.Terms, a.Sequence, b.Order!, b.Terms, b.Sequence));

    private static int Compare(DeliverOrder a, SecurityTerms ta, long sa, DeliverOrder b, SecurityTerms tb, long sb)
    {
        if (a.IsValued != b.IsValued) return a.IsValued ? -1 : 1;
        var byValue = a.IsValued
            ? b.Amount.Cents.CompareTo(a.Amount.Cents)
            : tb.MarketValueCents(b.Shares).CompareTo(ta.MarketValueCents(a.Shares));
        if (byValue != 0) return byValue;
        var bySequence = sa.CompareTo(sb);
        return bySequence != 0 ? bySequence : string.CompareOrdinal(a.Id.Value, b.Id.Value);
    }
}
