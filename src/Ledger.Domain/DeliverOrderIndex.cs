using Ledger.Domain.Events;

namespace Ledger.Domain.Events
{
    /// <summary>An id taken, with the business date it was taken on (absent in journals written before it was recorded).</summary>
    public sealed record DeliverOrderRegistered(string DeliverOrderId, string Deliverer, string Receiver, string Fingerprint, DateTimeOffset At, string? BusinessDate = null);
}

namespace Ledger.Domain
{
    public readonly record struct IndexEntry(ParticipantId Deliverer, ParticipantId Receiver, string Fingerprint, DateOnly? BusinessDate = null);

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
    public sealed class DeliverOrderIndexState
    {
        private readonly Dictionary<DeliverOrderId, IndexEntry> _entries = new();

        public int Count => _entries.Count;

        public IndexEntry? Find(DeliverOrderId id) => _entries.TryGetValue(id, out var e) ? e : null;

        public IEnumerable<KeyValuePair<DeliverOrderId, IndexEntry>> Entries => _entries;

        public void Apply(DeliverOrderRegistered e) =>
            _entries[new DeliverOrderId(e.DeliverOrderId)] = new IndexEntry(new ParticipantId(e.Deliverer), new ParticipantId(e.Receiver), e.Fingerprint,
                e.BusinessDate is null ? null : AccountState.ParseDate(e.BusinessDate));

        public RegistrationOutcome Check(DeliverOrder order) =>
            _entries.TryGetValue(order.Id, out var known)
                ? known.Fingerprint == order.Fingerprint ? RegistrationOutcome.SameAsBefore : RegistrationOutcome.ConflictingPayload
                : RegistrationOutcome.Registered;
    }
}
