using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using Ledger.Settlement;

namespace Ledger.Journal;

/// <summary>
/// A snapshot of one of the ledger's entities: its state after the journal event
/// <c>SequenceNr</c> (the snapshot store's metadata), and the hash chain of that event, which the
/// events after it chain from (recovery checks them from there on).
/// </summary>
public sealed record EntitySnapshot(string Chain, object State);

/// <summary>What an account's snapshot holds: its state and the index of its deliver orders' journal rows.</summary>
public sealed record AccountSnapshotState(AccountSnapshot Account, DeliverOrderEventIndexSnapshot Events)
{
    /// <summary>Index entries above which the index is rebuilt on another thread while the state is.</summary>
    public const int ParallelRestoreEntriesMin = 50_000;

    /// <summary>
    /// The account's state and its index of journal rows, built from this snapshot. A large index
    /// is built on another thread meanwhile (the two share nothing but immutable values), so OCC's
    /// restore after a full day takes the longer of the two, not their sum.
    /// </summary>
    public (AccountState State, DeliverOrderEventIndex Events) Restore(ReclaimRules? reclaimRules)
    {
        if (Events.Entries.Count < ParallelRestoreEntriesMin)
        {
            return (AccountState.FromSnapshot(Account, reclaimRules), DeliverOrderEventIndex.FromSnapshot(Events));
        }
        var events = Task.Run(() => DeliverOrderEventIndex.FromSnapshot(Events));
        var state = AccountState.FromSnapshot(Account, reclaimRules);
        return (state, events.GetAwaiter().GetResult());
    }
}

/// <summary>
/// The serializer of the ledger's snapshots (Akka.Persistence.Sql's snapshot store, same database
/// as the journal). Compact binary, not JSON: OCC's account after a full day holds about 1.4
/// million deliveries and receives, and the point of a snapshot is to be read back within a
/// second. Repeated values (participant ids, CUSIPs, security terms, reason codes) are written once
/// in a table and referred to by number; integers are variable-length.
/// <para>
/// Layout: the manifest names the format (<see cref="AccountManifest"/>); the payload is the body
/// followed by the SHA-256 of the body. A payload that does not match its hash, cannot be read, or
/// comes under a manifest this release does not read (an older format) fails to deserialize: the
/// snapshot store is configured <c>snapshot-is-optional = true</c>, so the entity then replays its
/// whole journal instead (never a failed start), and this serializer logs a warning saying why.
/// </para>
/// <para>
/// Changing what a snapshot holds (see <see cref="AccountSnapshot"/>): write the new field in
/// <see cref="WriteAccount"/> and read it in <see cref="ReadAccount"/>, and move the manifest to
/// the next version. Snapshots are never upcast: an older one is simply ignored once.
/// </para>
/// </summary>
public sealed class SnapshotSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: stored rows name it.</summary>
    public const int SerializerId = 4183;

    /// <summary>
    /// An account's snapshot, format 2: format 1's values, with the account's section and the index
    /// of its deliver orders' journal rows separable, so that the two are decoded at once.
    /// </summary>
    public const string AccountManifest = "snapshot.account.v2";

    /// <summary>An account's snapshot, format 1 (one section); still read.</summary>
    public const string AccountManifestV1 = "snapshot.account.v1";

    /// <summary>A deliver-order index bucket's snapshot, format 1.</summary>
    public const string IndexManifest = "snapshot.deliver-order-index.v1";

    /// <summary>The reference data's snapshot, format 1.</summary>
    public const string ReferenceManifest = "snapshot.reference.v1";

    /// <summary>Every manifest this release reads.</summary>
    public static readonly IReadOnlyList<string> Manifests = [AccountManifest, AccountManifestV1, IndexManifest, ReferenceManifest];

    private const int HashBytes = 32;

    private readonly ExtendedActorSystem? _system;

    public SnapshotSerializer(ExtendedActorSystem system)
        : base(system)
    {
        _system = system;
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        EntitySnapshot { State: AccountSnapshotState } => AccountManifest,
        EntitySnapshot { State: DeliverOrderIndexSnapshot } => IndexManifest,
        EntitySnapshot { State: ReferenceStateSnapshot } => ReferenceManifest,
        _ => throw new SerializationException($"{o?.GetType().FullName} is not a ledger snapshot: it has no manifest in SnapshotSerializer."),
    };

    public override byte[] ToBinary(object obj) => ToBytes((EntitySnapshot)obj);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            return FromBytes(bytes, manifest);
        }
        catch (SerializationException e)
        {
            _system?.Log.Warning("A snapshot was ignored and its entity replays its whole journal instead: {0}", e.Message);
            throw;
        }
    }

    /// <summary>The stored payload of <paramref name="snapshot"/>, without an actor system.</summary>
    public static byte[] ToBytes(EntitySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var stream = new MemoryStream(CapacityFor(snapshot.State));
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(snapshot.Chain);
            switch (snapshot.State)
            {
                case AccountSnapshotState account:
                    WriteAccountSections(w, account);
                    break;
                case DeliverOrderIndexSnapshot index:
                    new Writer(w).WriteIndex(index);
                    break;
                case ReferenceStateSnapshot reference:
                    new Writer(w).WriteReference(reference);
                    break;
                default:
                    throw new SerializationException($"{snapshot.State.GetType().FullName} is not a ledger snapshot state.");
            }
        }
        var body = stream.GetBuffer().AsSpan(0, (int)stream.Length);
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(body, hash);
        stream.Write(hash);
        return stream.ToArray();
    }

    /// <summary>The snapshot stored as <paramref name="bytes"/> under <paramref name="manifest"/>; <see cref="SerializationException"/> when it cannot be read.</summary>
    public static EntitySnapshot FromBytes(byte[] bytes, string manifest)
    {
        if (!Manifests.Contains(manifest))
        {
            throw new SerializationException($"snapshot manifest '{manifest}' is not one this release reads ({string.Join(", ", Manifests)})");
        }
        if (bytes.Length < HashBytes)
        {
            throw new SerializationException($"snapshot {manifest} is {bytes.Length} bytes, shorter than its hash");
        }
        var body = bytes.AsSpan(0, bytes.Length - HashBytes);
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(body, hash);
        if (!hash.SequenceEqual(bytes.AsSpan(bytes.Length - HashBytes)))
        {
            throw new SerializationException($"snapshot {manifest} does not match its SHA-256 (damaged)");
        }
        try
        {
            using var stream = new MemoryStream(bytes, 0, bytes.Length - HashBytes, writable: false);
            using var r = new BinaryReader(stream, Encoding.UTF8);
            var chain = r.ReadString();
            var reader = new Reader(r);
            object state = manifest switch
            {
                AccountManifest => ReadAccountSections(bytes, stream, r, manifest),
                AccountManifestV1 => new AccountSnapshotState(reader.ReadAccount(), reader.ReadEvents()),
                IndexManifest => reader.ReadIndex(),
                _ => reader.ReadReference(),
            };
            if (stream.Position != stream.Length) throw new SerializationException($"snapshot {manifest} has {stream.Length - stream.Position} bytes after its end");
            return new EntitySnapshot(chain, state);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or ArgumentException or KeyNotFoundException
                                      or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            throw new SerializationException($"snapshot {manifest} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Format 2 of an account: the account's section (its own table of repeated values) with its
    /// length in bytes before it (4 bytes, little-endian), then the index of its deliver orders' journal rows, so that a
    /// reader can decode the two at once, on two threads.
    /// </summary>
    private static void WriteAccountSections(BinaryWriter w, AccountSnapshotState state)
    {
        // The length (4 bytes) is filled in once the section is written: no second buffer.
        var stream = w.BaseStream;
        var lengthAt = stream.Position;
        w.Write(0);
        new Writer(w).WriteAccount(state.Account);
        var end = stream.Position;
        stream.Position = lengthAt;
        w.Write(checked((int)(end - lengthAt - sizeof(int))));
        stream.Position = end;
        new Writer(w).WriteEvents(state.Events);
    }

    /// <summary>
    /// Bytes to reserve for <paramref name="state"/>'s payload: about what a deliver order's records
    /// take, so that OCC's snapshot late in a day (tens of MB) is written into one buffer instead of
    /// a chain of doubling ones (each a large-object allocation the GC has to reclaim).
    /// </summary>
    private static int CapacityFor(object state) => state switch
    {
        AccountSnapshotState a => (int)Math.Min(int.MaxValue / 2, 4096L + 64L * (a.Account.Deliveries.Count + a.Account.Receives.Count) + 24L * a.Events.Entries.Count),
        _ => 4096,
    };

    /// <summary>Bytes of format 2's index section above which it is decoded on another thread while the account's section is.</summary>
    private const int ParallelReadBytesMin = 1 << 18;

    /// <summary>Reads format 2 (see <see cref="WriteAccountSections"/>); leaves <paramref name="stream"/> at the end of the index section.</summary>
    private static AccountSnapshotState ReadAccountSections(byte[] bytes, MemoryStream stream, BinaryReader r, string manifest)
    {
        var accountLength = r.ReadInt32();
        var accountStart = stream.Position;
        if (accountLength < 0 || accountLength > stream.Length - accountStart)
        {
            throw new SerializationException($"snapshot {manifest}: its account section of {accountLength} bytes does not fit in the {stream.Length - accountStart} left");
        }
        var eventsStart = accountStart + accountLength;
        Func<DeliverOrderEventIndexSnapshot> readEvents = () =>
        {
            using var eventsStream = new MemoryStream(bytes, (int)eventsStart, (int)(stream.Length - eventsStart), writable: false);
            using var er = new BinaryReader(eventsStream, Encoding.UTF8);
            var events = new Reader(er).ReadEvents();
            if (eventsStream.Position != eventsStream.Length)
                throw new SerializationException($"snapshot {manifest} has {eventsStream.Length - eventsStream.Position} bytes after its end");
            return events;
        };
        var eventsTask = stream.Length - eventsStart >= ParallelReadBytesMin ? Task.Run(readEvents) : null;
        var account = new Reader(r).ReadAccount();
        if (stream.Position != eventsStart)
        {
            throw new SerializationException($"snapshot {manifest}: its account section ends at byte {stream.Position}, not at {eventsStart} as its length says");
        }
        var readIndex = eventsTask is null ? readEvents() : eventsTask.GetAwaiter().GetResult();
        stream.Position = stream.Length;
        return new AccountSnapshotState(account, readIndex);
    }

    /// <summary>Writes values, each repeated string and terms once (a table entry) and then by number.</summary>
    private sealed class Writer(BinaryWriter w)
    {
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<SecurityTerms, int> _terms = new();

        public void WriteAccount(AccountSnapshot a)
        {
            Text(a.Participant.Value);
            Long(a.Version);
            w.Write(a.IsConfigured);
            w.Write(a.Name);
            Long(a.NetDebitCap.Cents);
            Long(a.ParticipantsFund.Cents);
            w.Write(a.MarketLoanProgram);
            w.Write(a.CentralCounterparty);
            Date(a.BusinessDate);
            w.Write(a.CutoffReached);
            Long(a.SettlementBalance.Cents);
            w.Write(a.ReservedCollateralCents);
            Long(a.ReservedBalanceCents);
            w.Write(a.PositionsCollateralValueCents);
            Long(a.InFlightDeliveries);
            CusipLongs(a.Positions);
            CusipLongs(a.ReservedShares);
            Count(a.Terms.Count);
            foreach (var (cusip, terms) in a.Terms)
            {
                Text(cusip.Value);
                Terms(terms);
            }
            Count(a.CollateralValueCents.Count);
            foreach (var (cusip, cents) in a.CollateralValueCents)
            {
                Text(cusip.Value);
                w.Write(cents);
            }
            Count(a.Deliveries.Count);
            foreach (var d in a.Deliveries)
            {
                Order(d.Order);
                Terms(d.Terms);
                w.Write((byte)d.Stage);
                w.Write((byte)(d.PendReason ?? 0));
                w.Write((byte)(d.CompletedBy ?? 0));
                w.Write(d.PendedBefore);
                w.Write(d.ReservedCollateralCents);
                Long(d.ReservedShares);
                Long(d.ReservedBalanceCents);
                OptionalId(d.LinkedReceive);
                Long(d.Sequence);
                Date(d.BusinessDate);
            }
            Count(a.Receives.Count);
            foreach (var r in a.Receives)
            {
                w.Write(r.Id.Value);
                w.Write(r.Order is not null);
                if (r.Order is not null) Order(r.Order);
                Terms(r.Terms);
                w.Write((byte)r.Stage);
                w.Write((byte)(r.PendReason ?? 0));
                w.Write((byte)(r.CompletedBy ?? 0));
                Long(r.Sequence);
                Date(r.BusinessDate);
                OptionalId(r.LinkedDelivery);
                OptionalId(r.ReclaimedBy);
            }
            Count(a.IdempotentRequests.Count);
            foreach (var (id, request) in a.IdempotentRequests)
            {
                w.Write(id.Value);
                w.Write((byte)request.Kind);
                w.Write(request.Cusip is not null);
                if (request.Cusip is not null) Text(request.Cusip);
                Long(request.Shares);
                Long(request.AmountCents);
                Date(request.BusinessDate);
            }
            Ids(a.PendingDeliveries);
            Ids(a.PendingReceives);
            Ids(a.PairedReceives);
            Count(a.IncomePostings.Count);
            foreach (var posting in a.IncomePostings) w.Write(posting);

        }

        /// <summary>The index of the account's deliver orders' journal rows (uses no table: readable on its own).</summary>
        public void WriteEvents(DeliverOrderEventIndexSnapshot e)
        {
            Count(e.Entries.Count);
            foreach (var entry in e.Entries)
            {
                w.Write(entry.DeliverOrderId);
                Date(entry.Day);
                Count(entry.Packed.Count);
                foreach (var p in entry.Packed) Long(p);
            }
            Count(e.DayMarks.Count);
            foreach (var m in e.DayMarks) Long(m);
            Long(e.LastCloseSequenceNr);
            Date(e.BusinessDate);
            w.Write(e.RetainedSince is not null);
            if (e.RetainedSince is { } since) Date(since);
        }

        public void WriteIndex(DeliverOrderIndexSnapshot index)
        {
            Count(index.Entries.Count);
            foreach (var (id, e) in index.Entries)
            {
                w.Write(id.Value);
                Text(e.Deliverer.Value);
                Text(e.Receiver.Value);
                w.Write(e.Fingerprint);
                w.Write(e.BusinessDate is not null);
                if (e.BusinessDate is { } date) Date(date);
                w.Write(e.RegisteredAt is not null);
                if (e.RegisteredAt is { } at) Time(at);
            }
        }

        public void WriteReference(ReferenceStateSnapshot state)
        {
            var s = state.Reference;
            Count(s.Participants.Count);
            foreach (var p in s.Participants.Values.OrderBy(p => p.Id.Value, StringComparer.Ordinal))
            {
                w.Write(p.Id.Value);
                w.Write(p.Name);
                Long(p.NetDebitCap.Cents);
                Long(p.ParticipantsFund.Cents);
                w.Write(p.MarketLoanProgram);
                w.Write(p.CentralCounterparty);
            }
            Count(s.Securities.Count);
            foreach (var (cusip, terms) in s.Securities.OrderBy(kv => kv.Key.Value, StringComparer.Ordinal))
            {
                w.Write(cusip.Value);
                Terms(terms);
            }
            Date(s.BusinessDate);
            w.Write(s.CutoffReached);
            w.Write(s.Closing);
            Count(s.Calendar.Holidays.Count);
            foreach (var h in s.Calendar.Holidays)
            {
                Date(h.Date);
                w.Write(h.Name);
            }
            w.Write(s.LastClosed is not null);
            if (s.LastClosed is { } closed)
            {
                Date(closed.BusinessDate);
                Date(closed.NextBusinessDate);
                Count(closed.Accounts);
            }
            Date(state.ClosingTo);
            Count(state.ClosingAccounts);
            Long(state.Version);
        }

        private void Time(DateTimeOffset at)
        {
            Long(at.UtcTicks);
            Long(at.Offset.Ticks);
        }

        private void Order(DeliverOrder o)
        {
            w.Write(o.Id.Value);
            Text(o.Deliverer.Value);
            Text(o.Receiver.Value);
            Text(o.Cusip.Value);
            Long(o.Shares);
            Long(o.Amount.Cents);
            Text(o.ReasonCode);
            OptionalId(o.ReclaimOf);
            OptionalDecimal(o.RebateRate);
            OptionalDecimal(o.CollateralMargin);
        }

        private void OptionalDecimal(decimal? value)
        {
            w.Write(value.HasValue);
            if (value is { } v) w.Write(v);
        }

        private void Terms(SecurityTerms t)
        {
            if (_terms.TryGetValue(t, out var n))
            {
                Count(n + 1);
                return;
            }
            _terms.Add(t, _terms.Count);
            Count(0);
            Long(t.Price.Cents);
            w.Write(t.Haircut);
            Long(t.Version);
        }

        /// <summary>A string from the table: its number + 1, or 0 and the string the first time.</summary>
        private void Text(string s)
        {
            if (_strings.TryGetValue(s, out var n))
            {
                Count(n + 1);
                return;
            }
            _strings.Add(s, _strings.Count);
            Count(0);
            w.Write(s);
        }

        private void CusipLongs(IReadOnlyList<KeyValuePair<Cusip, long>> values)
        {
            Count(values.Count);
            foreach (var (cusip, n) in values)
            {
                Text(cusip.Value);
                Long(n);
            }
        }

        private void Ids(IReadOnlyList<DeliverOrderId> ids)
        {
            Count(ids.Count);
            foreach (var id in ids) w.Write(id.Value);
        }

        private void OptionalId(DeliverOrderId? id)
        {
            w.Write(id is not null);
            if (id is { } some) w.Write(some.Value);
        }

        private void Date(DateOnly d) => Count(d.DayNumber);

        private void Count(int n) => w.Write7BitEncodedInt(n);

        // Zigzag, so that small negative figures stay short.
        private void Long(long n) => w.Write7BitEncodedInt64((n << 1) ^ (n >> 63));
    }

    /// <summary>Each defined value of <typeparamref name="T"/> (an int enum) under its number, 0-255.</summary>
    private static class EnumTable<T>
        where T : struct, Enum
    {
        public static readonly T?[] ByValue = Build();

        private static T?[] Build()
        {
            var table = new T?[256];
            foreach (var value in System.Enum.GetValues<T>())
            {
                var n = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                if (n is >= 0 and < 256) table[n] = value;
            }
            return table;
        }
    }

    private sealed class Reader(BinaryReader r)
    {
        private readonly List<string> _strings = new();
        private readonly List<SecurityTerms> _terms = new();

        public AccountSnapshot ReadAccount()
        {
            return new AccountSnapshot
            {
                Participant = new ParticipantId(Text()),
                Version = Long(),
                IsConfigured = r.ReadBoolean(),
                Name = r.ReadString(),
                NetDebitCap = new Money(Long()),
                ParticipantsFund = new Money(Long()),
                MarketLoanProgram = r.ReadBoolean(),
                CentralCounterparty = r.ReadBoolean(),
                BusinessDate = Date(),
                CutoffReached = r.ReadBoolean(),
                SettlementBalance = new Money(Long()),
                ReservedCollateralCents = r.ReadDecimal(),
                ReservedBalanceCents = Long(),
                PositionsCollateralValueCents = r.ReadDecimal(),
                InFlightDeliveries = checked((int)Long()),
                Positions = CusipLongs(),
                ReservedShares = CusipLongs(),
                Terms = List(() => KeyValuePair.Create(new Cusip(Text()), Terms())),
                CollateralValueCents = List(() => KeyValuePair.Create(new Cusip(Text()), r.ReadDecimal())),
                Deliveries = List(() => new AccountSnapshot.DeliveryRecord(
                    Order(), Terms(), Enum<DeliveryStage>(r.ReadByte()), OptionalEnum<PendReason>(r.ReadByte()), OptionalEnum<CompletedBy>(r.ReadByte()),
                    r.ReadBoolean(), r.ReadDecimal(), Long(), Long(), OptionalId(), Long(), Date())),
                Receives = List(() =>
                {
                    var id = new DeliverOrderId(r.ReadString());
                    return new AccountSnapshot.ReceiveRecord(
                        id, r.ReadBoolean() ? Order(id) : null, Terms(), Enum<ReceiveStage>(r.ReadByte()),
                        OptionalEnum<PendReason>(r.ReadByte()), OptionalEnum<CompletedBy>(r.ReadByte()), Long(), Date(), OptionalId(), OptionalId());
                }),
                IdempotentRequests = List(() => KeyValuePair.Create(new IdempotencyId(r.ReadString()), new IdempotentRequest(
                    Enum<IdempotentRequestKind>(r.ReadByte()), r.ReadBoolean() ? Text() : null, Long(), Long(), Date()))),
                PendingDeliveries = List(() => new DeliverOrderId(r.ReadString())),
                PendingReceives = List(() => new DeliverOrderId(r.ReadString())),
                PairedReceives = List(() => new DeliverOrderId(r.ReadString())),
                IncomePostings = List(r.ReadString),
            };
        }

        public DeliverOrderEventIndexSnapshot ReadEvents() => new(
            List(() => new DeliverOrderEventIndexSnapshot.Entry(r.ReadString(), Date(), Longs())),
            List(Long),
            Long(),
            Date(),
            r.ReadBoolean() ? Date() : null);

        public DeliverOrderIndexSnapshot ReadIndex() => new(List(() => KeyValuePair.Create(
            new DeliverOrderId(r.ReadString()),
            new IndexEntry(new ParticipantId(Text()), new ParticipantId(Text()), r.ReadString(), r.ReadBoolean() ? Date() : null, r.ReadBoolean() ? Time() : null))));

        public ReferenceStateSnapshot ReadReference()
        {
            var participants = List(() => new ParticipantRecord(new ParticipantId(r.ReadString()), r.ReadString(), new Money(Long()), new Money(Long()),
                r.ReadBoolean(), r.ReadBoolean()));
            var securities = List(() => KeyValuePair.Create(new Cusip(r.ReadString()), Terms()));
            var businessDate = Date();
            var cutoffReached = r.ReadBoolean();
            var closing = r.ReadBoolean();
            var holidays = List(() => new Holiday(Date(), r.ReadString()));
            var lastClosed = r.ReadBoolean() ? new ClosedBusinessDay(Date(), Date(), Count()) : null;
            var reference = new ReferenceSnapshot(
                participants.ToImmutableDictionary(p => p.Id),
                securities.ToImmutableDictionary(),
                businessDate,
                cutoffReached,
                closing,
                new BusinessCalendar(holidays),
                lastClosed);
            return new ReferenceStateSnapshot(reference, Date(), Count(), Long());
        }

        private DateTimeOffset Time()
        {
            var utcTicks = Long();
            var offset = new TimeSpan(Long());
            return new DateTimeOffset(utcTicks + offset.Ticks, offset);
        }

        /// <summary>
        /// A deliver order; under a receive, whose id is written twice, <paramref name="known"/> is
        /// that id, and an equal id read here is the same string (one copy in memory, not two).
        /// </summary>
        private DeliverOrder Order(DeliverOrderId? known = null) => new(
            Id(known),
            new ParticipantId(Text()),
            new ParticipantId(Text()),
            new Cusip(Text()),
            Long(),
            new Money(Long()),
            Text(),
            OptionalId(),
            OptionalDecimal(),
            OptionalDecimal());

        private DeliverOrderId Id(DeliverOrderId? known)
        {
            var id = new DeliverOrderId(r.ReadString());
            return known is { } k && k == id ? k : id;
        }

        private decimal? OptionalDecimal() => r.ReadBoolean() ? r.ReadDecimal() : null;

        private SecurityTerms Terms()
        {
            var n = Count();
            if (n > 0) return _terms[n - 1];
            var terms = new SecurityTerms(new Money(Long()), r.ReadDecimal(), Long());
            _terms.Add(terms);
            return terms;
        }

        private string Text()
        {
            var n = Count();
            if (n > 0) return _strings[n - 1];
            var s = r.ReadString();
            _strings.Add(s);
            return s;
        }

        private List<KeyValuePair<Cusip, long>> CusipLongs() => List(() => KeyValuePair.Create(new Cusip(Text()), Long()));

        private List<T> List<T>(Func<T> read)
        {
            var n = Count();
            var list = new List<T>(Math.Min(n, 1 << 20));
            for (var i = 0; i < n; i++) list.Add(read());
            return list;
        }

        private DeliverOrderId? OptionalId() => r.ReadBoolean() ? new DeliverOrderId(r.ReadString()) : null;

        private long[] Longs()
        {
            var n = Count();
            if (n > BytesLeft()) throw new FormatException($"{n} numbers cannot follow in the {BytesLeft()} bytes left");
            var values = new long[n];
            for (var i = 0; i < n; i++) values[i] = Long();
            return values;
        }

        private long BytesLeft() => r.BaseStream.Length - r.BaseStream.Position;

        // A byte to its enum value through a table built once (Enum.IsDefined boxes and reflects:
        // a full day's snapshot reads about four million of them).
        private static T Enum<T>(byte value)
            where T : struct, Enum =>
            EnumTable<T>.ByValue[value] ?? throw new FormatException($"{value} is not a {typeof(T).Name}");

        private static T? OptionalEnum<T>(byte value)
            where T : struct, Enum => value == 0 ? null : Enum<T>(value);

        private DateOnly Date() => DateOnly.FromDayNumber(Count());

        private int Count()
        {
            var n = r.Read7BitEncodedInt();
            return n >= 0 ? n : throw new FormatException($"negative count {n}");
        }

        private long Long()
        {
            var z = r.Read7BitEncodedInt64();
            return unchecked((long)((ulong)z >> 1) ^ -(z & 1));
        }
    }
}
