using System.Collections.Immutable;
using Ledger.Recalls.Events;

namespace Ledger.Recalls.Events
{
    // Stored events of the registry: records of primitives, extend-only. Manifests in README.md.

    /// <summary>Base of the registry's events; every event carries its business time.</summary>
    public abstract record RegistryEvent(DateTimeOffset At);

    /// <summary>A participant subscribed, or changed its subscription (address, name, vendor).</summary>
    public sealed record SubscriberSubscribed(string Participant, string Name, string Address, string? Vendor, DateTimeOffset At) : RegistryEvent(At);

    public sealed record SubscriberUnsubscribed(string Participant, DateTimeOffset At) : RegistryEvent(At);

    /// <summary>The authorization letters on file for a vendor: the whole list, replacing the one before.</summary>
    public sealed record VendorLettersFiled(string Vendor, string Name, IReadOnlyList<string> AuthorizedParticipants, DateTimeOffset At) : RegistryEvent(At)
    {
        public bool Equals(VendorLettersFiled? other) =>
            other is not null && Vendor == other.Vendor && Name == other.Name && At == other.At &&
            AuthorizedParticipants.SequenceEqual(other.AuthorizedParticipants);

        public override int GetHashCode() => HashCode.Combine(Vendor, Name, AuthorizedParticipants.Count, At);
    }

    /// <summary>The eligibility file for <see cref="BusinessDate"/>, written at the close of <see cref="ClosedDate"/>: its exact bytes.</summary>
    public sealed record EligibilityFileWritten(string BusinessDate, string ClosedDate, string Csv, DateTimeOffset At) : RegistryEvent(At);
}

namespace Ledger.Recalls
{
    /// <summary>A subscriber: the address as registered (8 or 11 characters) and its 11-character form for routing.</summary>
    public sealed record Subscriber(ParticipantId Participant, string Name, string Address, Bic Bic, string? Vendor);

    /// <summary>A vendor and the participants whose authorization letters for it are on file.</summary>
    public sealed record Vendor(string Id, string Name, ImmutableSortedSet<string> AuthorizedParticipants)
    {
        public bool Authorized(ParticipantId participant) => AuthorizedParticipants.Contains(participant.Value);
    }

    /// <summary>Commands to the registry. Strings are as the caller sent them; the decider checks them.</summary>
    public abstract record RegistryCommand(DateTimeOffset At);

    /// <summary>Subscribe a participant or change its subscription; <see cref="Name"/> is the participant's name from the settlement master file.</summary>
    public sealed record Subscribe(string? Participant, string? Name, string? Address, string? Vendor, DateTimeOffset At) : RegistryCommand(At);

    public sealed record Unsubscribe(string? Participant, DateTimeOffset At) : RegistryCommand(At);

    /// <summary>The letters on file for a vendor: the whole list (an empty list withdraws them all).</summary>
    public sealed record FileVendorLetters(string? Vendor, string? Name, IReadOnlyList<string?>? AuthorizedParticipants, DateTimeOffset At) : RegistryCommand(At);

    /// <summary>The business-day close of <see cref="ClosedDate"/>: write the eligibility file for <see cref="NextBusinessDate"/>.</summary>
    public sealed record WriteEligibilityFile(DateOnly ClosedDate, DateOnly NextBusinessDate, DateTimeOffset At) : RegistryCommand(At);

    /// <summary>Events to persist (none when the command changes nothing), or the refusal.</summary>
    public sealed record RegistryDecision(IReadOnlyList<RegistryEvent> Events, HubError? Error)
    {
        public static readonly RegistryDecision Unchanged = new([], null);
    }

    /// <summary>
    /// The hub's registry, one entity for the whole hub: subscribers and their addresses, vendors and
    /// their letters, and the eligibility files of every date. Immutable, so that the snapshot a
    /// send was checked against can be handed to many requests at once. Routing reads it; it never
    /// reads a mailbox.
    /// </summary>
    public sealed record RegistryState(
        ImmutableSortedDictionary<string, Subscriber> Subscribers,
        ImmutableDictionary<Bic, ParticipantId> ByAddress,
        ImmutableSortedDictionary<string, Vendor> Vendors,
        ImmutableSortedDictionary<DateOnly, string> EligibilityFiles)
    {
        /// <summary>Subscribers at most.</summary>
        public const int SubscribersMax = 10_000;

        /// <summary>Participants on one vendor's letters at most.</summary>
        public const int AuthorizedParticipantsMax = 10_000;

        /// <summary>Characters of a vendor id at most.</summary>
        public const int VendorIdLengthMax = 32;

        /// <summary>Characters of a participant's or vendor's name at most.</summary>
        public const int NameLengthMax = 100;

        public static readonly RegistryState Empty = new(
            ImmutableSortedDictionary.Create<string, Subscriber>(StringComparer.Ordinal),
            ImmutableDictionary<Bic, ParticipantId>.Empty,
            ImmutableSortedDictionary.Create<string, Vendor>(StringComparer.Ordinal),
            ImmutableSortedDictionary<DateOnly, string>.Empty);

        public Subscriber? Find(ParticipantId participant) => Subscribers.GetValueOrDefault(participant.Value);

        /// <summary>The subscriber a logical-terminal address names: same first 8 characters and branch, any terminal letter.</summary>
        public Subscriber? FindByTerminal(LogicalTerminal terminal) =>
            ByAddress.TryGetValue(terminal.Bic, out var participant) ? Subscribers[participant.Value] : null;

        /// <summary>True when <paramref name="vendor"/> holds <paramref name="participant"/>'s authorization letter.</summary>
        public bool VendorActsFor(string vendor, ParticipantId participant) =>
            Vendors.TryGetValue(vendor, out var v) && v.Authorized(participant);

        public RegistryState Apply(RegistryEvent @event) => @event switch
        {
            SubscriberSubscribed e => WithSubscriber(new Subscriber(new ParticipantId(e.Participant), e.Name, e.Address, Bic.Parse(e.Address), e.Vendor)),
            SubscriberUnsubscribed e => Subscribers.TryGetValue(e.Participant, out var gone)
                ? this with { Subscribers = Subscribers.Remove(e.Participant), ByAddress = ByAddress.Remove(gone.Bic) }
                : this,
            VendorLettersFiled e => this with
            {
                Vendors = Vendors.SetItem(e.Vendor, new Vendor(e.Vendor, e.Name, e.AuthorizedParticipants.ToImmutableSortedSet(StringComparer.Ordinal))),
            },
            EligibilityFileWritten e => this with { EligibilityFiles = EligibilityFiles.SetItem(DateOnly.ParseExact(e.BusinessDate, "yyyy-MM-dd"), e.Csv) },
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "no evolve rule"),
        };

        private RegistryState WithSubscriber(Subscriber s)
        {
            var byAddress = ByAddress;
            if (Subscribers.TryGetValue(s.Participant.Value, out var before)) byAddress = byAddress.Remove(before.Bic);
            return this with { Subscribers = Subscribers.SetItem(s.Participant.Value, s), ByAddress = byAddress.SetItem(s.Bic, s.Participant) };
        }

        public static RegistryState Replay(IEnumerable<RegistryEvent> events) => events.Aggregate(Empty, (s, e) => s.Apply(e));
    }

    /// <summary>Decides the registry's commands. Set-ups are idempotent: the same subscription again writes nothing.</summary>
    public static class RegistryDecider
    {
        public static RegistryDecision Decide(RegistryState state, RegistryCommand command)
        {
            ArgumentNullException.ThrowIfNull(state);
            return command switch
            {
                Subscribe c => OnSubscribe(state, c),
                Unsubscribe c => OnUnsubscribe(state, c),
                FileVendorLetters c => OnLetters(state, c),
                WriteEligibilityFile c => OnClose(state, c),
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "no decide rule"),
            };
        }

        private static RegistryDecision OnSubscribe(RegistryState state, Subscribe c)
        {
            if (ParticipantField(c.Participant, "participant") is { } e1) return Refuse(e1);
            var participant = new ParticipantId(c.Participant!);
            if (NameField(c.Name, "name") is { } e2) return Refuse(e2);
            if (!Bic.TryParse(c.Address, out var bic))
                return Refuse(HubRule.AddressFormat, "address", "address must be an 8- or 11-character BIC in upper case (LENDUS33 or LENDUS33XXX)");
            if (c.Vendor is not null && VendorField(c.Vendor, "vendor") is { } e3) return Refuse(e3);
            if (state.ByAddress.TryGetValue(bic, out var holder) && holder != participant)
                return Refuse(HubRule.AddressUnique, "address", $"address {c.Address} is already participant {holder}'s");
            var known = state.Find(participant);
            if (known is null && state.Subscribers.Count >= RegistryState.SubscribersMax)
                return Refuse(HubRule.SubscribersMax, "participant", $"the hub takes at most {RegistryState.SubscribersMax} subscribers");
            if (known is not null && known.Name == c.Name && known.Address == c.Address && known.Vendor == c.Vendor) return RegistryDecision.Unchanged;
            return new RegistryDecision([new SubscriberSubscribed(participant.Value, c.Name!, c.Address!, c.Vendor, c.At)], null);
        }

        private static RegistryDecision OnUnsubscribe(RegistryState state, Unsubscribe c)
        {
            if (ParticipantField(c.Participant, "participant") is { } e) return Refuse(e);
            if (state.Find(new ParticipantId(c.Participant!)) is null)
                return Refuse(HubRule.SubscriberKnown, "participant", $"participant {c.Participant} is not subscribed");
            return new RegistryDecision([new SubscriberUnsubscribed(c.Participant!, c.At)], null);
        }

        private static RegistryDecision OnLetters(RegistryState state, FileVendorLetters c)
        {
            if (VendorField(c.Vendor, "vendor") is { } e1) return Refuse(e1);
            if (NameField(c.Name, "name") is { } e2) return Refuse(e2);
            if (c.AuthorizedParticipants is null) return Refuse(HubRule.ParticipantIdFormat, "authorizedParticipants", "authorizedParticipants is required (an empty list withdraws every letter)");
            if (c.AuthorizedParticipants.Count > RegistryState.AuthorizedParticipantsMax)
                return Refuse(HubRule.AuthorizedParticipantsMax, "authorizedParticipants", $"at most {RegistryState.AuthorizedParticipantsMax} participants on one vendor's letters");
            for (var i = 0; i < c.AuthorizedParticipants.Count; i++)
            {
                if (ParticipantField(c.AuthorizedParticipants[i], $"authorizedParticipants[{i}]") is { } e3) return Refuse(e3);
            }
            var letters = c.AuthorizedParticipants.Select(p => p!).Distinct().Order(StringComparer.Ordinal).ToList();
            if (state.Vendors.TryGetValue(c.Vendor!, out var known) && known.Name == c.Name && known.AuthorizedParticipants.SequenceEqual(letters))
                return RegistryDecision.Unchanged;
            return new RegistryDecision([new VendorLettersFiled(c.Vendor!, c.Name!, letters, c.At)], null);
        }

        private static RegistryDecision OnClose(RegistryState state, WriteEligibilityFile c)
        {
            if (c.NextBusinessDate <= c.ClosedDate)
                throw new ArgumentException($"the next business date {c.NextBusinessDate:yyyy-MM-dd} must follow the closed date {c.ClosedDate:yyyy-MM-dd}", nameof(c));
            // A file, once written, is what subscribers fetched for that date: a second close of the same day writes nothing.
            if (state.EligibilityFiles.ContainsKey(c.NextBusinessDate)) return RegistryDecision.Unchanged;
            return new RegistryDecision(
                [new EligibilityFileWritten(Dates.Format(c.NextBusinessDate), Dates.Format(c.ClosedDate), EligibilityFile.Write(state.Subscribers.Values), c.At)], null);
        }

        public static HubError? ParticipantField(string? value, string field) =>
            ParticipantId.IsValid(value) ? null : new HubError(HubRule.ParticipantIdFormat, field, $"{field} must be a four-digit participant number");

        public static HubError? VendorField(string? value, string field) =>
            value is { Length: > 0 and <= RegistryState.VendorIdLengthMax } && value.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')
                ? null
                : new HubError(HubRule.VendorIdFormat, field, $"{field} must be 1 to {RegistryState.VendorIdLengthMax} letters, digits, '-' or '_'");

        public static HubError? NameField(string? value, string field) =>
            value is { Length: > 0 and <= RegistryState.NameLengthMax } && value.All(ch => ch >= ' ' && ch != (char)127 && !char.IsControl(ch) && char.GetUnicodeCategory(ch) != System.Globalization.UnicodeCategory.Format)
                ? null
                : new HubError(HubRule.NameFormat, field, $"{field} must be 1 to {RegistryState.NameLengthMax} printable characters");

        private static RegistryDecision Refuse(HubError error) => new([], error);

        private static RegistryDecision Refuse(HubRule rule, string field, string message) => new([], new HubError(rule, field, message));
    }

    /// <summary>Dates as events and files write them.</summary>
    public static class Dates
    {
        public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        public static bool TryParse(string? text, out DateOnly date) =>
            DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out date);
    }
}
