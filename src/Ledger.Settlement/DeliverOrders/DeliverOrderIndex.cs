using Ledger.Settlement.Events;

namespace Ledger.Settlement.Events
{
    /// <summary>An id taken, with the business date it was taken on (absent in journals written before it was recorded).</summary>
    public sealed record DeliverOrderRegistered(string DeliverOrderId, string Deliverer, string Receiver, string Fingerprint, DateTimeOffset At, string? BusinessDate = null)
    {
        /// <summary>
        /// Tamper evidence when this is a journal row of its own (see <see cref="AccountEvent.Chain"/>); set by
        /// the index bucket as it persists, absent inside <see cref="DeliverOrdersRegistered"/> and on events
        /// written before index buckets were chained.
        /// </summary>
        public string? Chain { get; init; }
    }

    /// <summary>
    /// Ids taken together in one write of an index bucket: one journal row for all of them (a bucket
    /// takes the registrations that arrive while its previous write is in flight as one batch).
    /// </summary>
    public sealed record DeliverOrdersRegistered(IReadOnlyList<DeliverOrderRegistered> Orders, DateTimeOffset At)
    {
        /// <summary>Tamper evidence (see <see cref="AccountEvent.Chain"/>); set by the index bucket as it persists, absent on events written before index buckets were chained.</summary>
        public string? Chain { get; init; }

        public bool Equals(DeliverOrdersRegistered? other) =>
            other is not null && At == other.At && Chain == other.Chain && Orders.SequenceEqual(other.Orders);

        public override int GetHashCode() => Orders.Count == 0 ? 0 : HashCode.Combine(Orders.Count, Orders[0]);
    }
}

namespace Ledger.Settlement
{
    /// <summary>Where an id is registered: its deliverer and receiver, the payload it was taken with, the business date and the time it was taken (absent from nodes older than that field).</summary>
    public readonly record struct IndexEntry(ParticipantId Deliverer, ParticipantId Receiver, string Fingerprint, DateOnly? BusinessDate = null,
        DateTimeOffset? RegisteredAt = null);

    /// <summary>What <see cref="DeliverOrderIndexState.Register"/> decided: per order, its outcome and the date its id was taken on; and the ids newly taken.</summary>
    public sealed record Registrations(IReadOnlyList<RegistrationOutcome> Outcomes, IReadOnlyList<DateOnly?> RegisteredOn,
        IReadOnlyList<DeliverOrderRegistered> Registered);

    public enum RegistrationOutcome
    {
        /// <summary>A new id: registered now.</summary>
        Registered = 1,
        /// <summary>The id was registered before with the same payload: a harmless resubmission.</summary>
        SameAsBefore = 2,
        /// <summary>The id was registered before with another payload: refused.</summary>
        ConflictingPayload = 3,
    }

    /// <summary>
    /// One bucket of the deliver-order index: which deliverer holds each id, and the payload it was
    /// first submitted with, so that ids are unique across the ledger.
    /// </summary>
    public sealed partial class DeliverOrderIndexState
    {
        private readonly Dictionary<DeliverOrderId, IndexEntry> _entries = new();

        public int Count => _entries.Count;

        public IndexEntry? Find(DeliverOrderId id) => _entries.TryGetValue(id, out var e) ? e : null;

        public IEnumerable<KeyValuePair<DeliverOrderId, IndexEntry>> Entries => _entries;

        /// <summary>The registration event <paramref name="entry"/> was made from; null without its time.</summary>
        public static DeliverOrderRegistered? RegistrationOf(DeliverOrderId id, IndexEntry entry) =>
            entry.RegisteredAt is { } at
                ? new DeliverOrderRegistered(id.Value, entry.Deliverer.Value, entry.Receiver.Value, entry.Fingerprint, at,
                    entry.BusinessDate is { } date ? AccountState.FormatDate(date) : null)
                : null;

        public void Apply(DeliverOrderRegistered e) =>
            _entries[new DeliverOrderId(e.DeliverOrderId)] = new IndexEntry(new ParticipantId(e.Deliverer), new ParticipantId(e.Receiver), e.Fingerprint,
                e.BusinessDate is null ? null : AccountState.ParseDate(e.BusinessDate), e.At);

        public void Apply(DeliverOrdersRegistered e)
        {
            foreach (var order in e.Orders) Apply(order);
        }

        /// <summary>
        /// The index's decider: registers each new id of <paramref name="orders"/> on
        /// <paramref name="businessDate"/> (applied at once, so that a later order of the same batch
        /// sees it) and says for each what it was and the date its id was taken on. The caller
        /// journals <see cref="Registrations.Registered"/> before anyone hears an answer.
        /// </summary>
        public Registrations Register(IReadOnlyList<DeliverOrder> orders, DateOnly businessDate, DateTimeOffset at)
        {
            var outcomes = new List<RegistrationOutcome>(orders.Count);
            var registeredOn = new List<DateOnly?>(orders.Count);
            var registered = new List<DeliverOrderRegistered>();
            foreach (var order in orders)
            {
                var outcome = Check(order);
                if (outcome == RegistrationOutcome.Registered)
                {
                    var e = new DeliverOrderRegistered(order.Id.Value, order.Deliverer.Value, order.Receiver.Value, order.Fingerprint, at,
                        AccountState.FormatDate(businessDate));
                    Apply(e);
                    registered.Add(e);
                }
                outcomes.Add(outcome);
                registeredOn.Add(Find(order.Id)?.BusinessDate);
            }
            return new Registrations(outcomes, registeredOn, registered);
        }

        public RegistrationOutcome Check(DeliverOrder order) =>
            _entries.TryGetValue(order.Id, out var known)
                ? known.Fingerprint == order.Fingerprint ? RegistrationOutcome.SameAsBefore : RegistrationOutcome.ConflictingPayload
                : RegistrationOutcome.Registered;
    }
}
