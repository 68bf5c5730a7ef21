using Ledger.Journal;
using System.Runtime.Serialization;
using System.Text;
using System.Text.RegularExpressions;
using Akka.Actor;
using Ledger.Settlement;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The messages nodes exchange go through <see cref="ProtocolSerializer"/> under stable manifests:
/// every command, reply and protocol record is bound to it in the node's configuration, round-trips,
/// carries no CLR type name, and still reads its committed golden payload.
/// </summary>
public sealed partial class ProtocolSerializerTests : IClassFixture<ProtocolSerializerTests.NodeConfigSystem>
{
    private readonly ActorSystem _system;

    public ProtocolSerializerTests(NodeConfigSystem fixture)
    {
        _system = fixture.System;
    }

    /// <summary>An actor system on the node's own configuration (local provider: only serialization is exercised).</summary>
    public sealed class NodeConfigSystem : IDisposable
    {
        public ActorSystem System { get; } = ActorSystem.Create("protocol", LedgerNode.BuildConfig(new LedgerNodeOptions
        {
            Store = "memory",
            ExtraConfig = "akka.actor.provider = local",
        }));

        public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Every type that may cross nodes, found by reflection so that a new one without a manifest fails here.</summary>
    private static readonly Type[] CrossingTypes = typeof(AccountCommand).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && (t.IsSubclassOf(typeof(AccountCommand)) || t.IsSubclassOf(typeof(AccountReply)) || t.IsSubclassOf(typeof(ReferenceCommand))))
        .Concat(typeof(IProtocolMessage).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsInterface && typeof(IProtocolMessage).IsAssignableFrom(t)))
        .Append(typeof(AccountView))
        .Append(typeof(ReferenceSnapshot))
        .Append(typeof(JournalDamaged)) // a journal type, bound to the protocol serializer by name
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    public static TheoryData<string> AllManifests()
    {
        var data = new TheoryData<string>();
        foreach (var manifest in ProtocolSerializer.Manifests.Values.Order(StringComparer.Ordinal)) data.Add(manifest);
        return data;
    }

    [GeneratedRegex(@"^protocol\.[a-z]+(-[a-z]+)*\.v[1-9][0-9]*$")]
    private static partial Regex ManifestShape();

    [Fact]
    public void Every_type_that_crosses_nodes_has_a_manifest_a_sample_and_nothing_else_has_one()
    {
        Assert.True(CrossingTypes.Length >= 40, $"only {CrossingTypes.Length} protocol types found: the reflection filter is wrong");
        Assert.Equal(CrossingTypes.Select(t => t.FullName), ProtocolSerializer.Manifests.Keys.Select(t => t.FullName).Order(StringComparer.Ordinal));
        Assert.Equal(CrossingTypes.Select(t => t.FullName), ProtocolSamples.ByType.Keys.Select(t => t.FullName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Manifests_are_unique_shaped_protocol_dot_kebab_name_dot_version_and_follow_the_type_names()
    {
        var manifests = ProtocolSerializer.Manifests.Values.ToArray();
        Assert.Equal(manifests.Length, manifests.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ProtocolSerializer.Manifests, pair =>
        {
            Assert.Matches(ManifestShape(), pair.Value);
            var kebab = Regex.Replace(pair.Key.Name, "(?<!^)([A-Z])", "-$1").ToLowerInvariant();
            Assert.Equal($"protocol.{kebab}.v1", pair.Value);
        });
    }

    [Fact]
    public void The_node_configuration_binds_every_crossing_type_to_the_protocol_serializer()
    {
        Assert.All(CrossingTypes, type =>
        {
            var serializer = _system.Serialization.FindSerializerForType(type);
            Assert.True(serializer is ProtocolSerializer, $"{type.Name} is bound to {serializer.GetType().Name}");
            Assert.Equal(ProtocolSerializer.SerializerId, serializer.Identifier);
        });
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Each_message_round_trips_through_the_actor_system_serialization(string manifest)
    {
        var sample = Sample(manifest);
        var serializer = _system.Serialization.FindSerializerFor(sample);
        var bytes = serializer.ToBinary(sample);
        Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, sample));

        var back = _system.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(sample.GetType(), back);
        Assert.Equivalent(sample, back, strict: true);
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(back)));
    }

    /// <summary>
    /// The fields a close that names its date added, optional so that the golden payloads (written
    /// without them) still read: the date a close is started for, and the day closed last.
    /// </summary>
    [Fact]
    public void A_named_close_and_the_day_closed_last_cross_nodes_and_read_back()
    {
        object[] samples =
        [
            new StartClose(new DateTimeOffset(2026, 3, 2, 21, 0, 0, TimeSpan.Zero), new DateOnly(2026, 3, 2)),
            ((ReferenceSnapshot)Sample("protocol.reference-snapshot.v1")) with { LastClosed = new ClosedBusinessDay(new DateOnly(2026, 2, 27), new DateOnly(2026, 3, 2), 17) },
        ];
        foreach (var sample in samples)
        {
            var serializer = _system.Serialization.FindSerializerFor(sample);
            var back = _system.Serialization.Deserialize(serializer.ToBinary(sample), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, sample));
            Assert.Equivalent(sample, back, strict: true);
        }
        Assert.Null(((StartClose)ProtocolSerializer.FromUtf8Json("""{"at":"2026-03-02T14:30:36.123+00:00"}"""u8, "protocol.start-close.v1")).BusinessDate);
    }

    [Theory]
    [MemberData(nameof(AllManifests))]
    public void Payloads_carry_no_clr_type_names_and_no_computed_properties(string manifest)
    {
        var json = Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(Sample(manifest), _system.Serialization));
        Assert.DoesNotContain("Ledger.", json, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"$type\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"isReclaim\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"dollars\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"isValued\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_names_each_command_and_reply_by_its_manifest()
    {
        var commands = Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(ProtocolSamples.ByType[typeof(AccountCommands)]));
        Assert.Contains("\"$manifest\":\"protocol.submit-delivery.v1\"", commands, StringComparison.Ordinal);
        Assert.Contains("\"$manifest\":\"protocol.request-receive.v1\"", commands, StringComparison.Ordinal);
        var replies = Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(ProtocolSamples.ByType[typeof(AccountReplies)]));
        Assert.Contains("\"$manifest\":\"protocol.acknowledged.v1\"", replies, StringComparison.Ordinal);
        Assert.Contains("null", replies, StringComparison.Ordinal);
    }

    [Fact]
    public void An_envelope_carries_a_protocol_message_inline_and_anything_else_through_its_own_akka_serializer()
    {
        var inline = Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(new AccountEnvelope("0005", GetAccountView.Instance)));
        Assert.Equal("""{"participantId":"0005","manifest":"protocol.get-account-view.v1","message":{}}""", inline);

        // The simulation kills account actors through the region; Kill has Akka's own serializer.
        var serializer = _system.Serialization.FindSerializerFor(new AccountEnvelope("0005", Kill.Instance));
        var bytes = serializer.ToBinary(new AccountEnvelope("0005", Kill.Instance));
        Assert.Contains("\"serializerId\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        var back = Assert.IsType<AccountEnvelope>(_system.Serialization.Deserialize(bytes, serializer.Identifier, "protocol.account-envelope.v1"));
        Assert.Equal("0005", back.ParticipantId);
        Assert.IsType<Kill>(back.Message);
    }

    [Fact]
    public void Unknown_types_and_manifests_are_refused_never_sent_under_a_clr_name()
    {
        Assert.Throws<SerializationException>(() => ProtocolSerializer.ToUtf8Json(new Outbound(new ParticipantId("0001"), new DropAllPending(default, DateTimeOffset.UnixEpoch))));
        Assert.Throws<SerializationException>(() => ProtocolSerializer.ToUtf8Json(new AccountEnvelope("0001", new Outbound(new ParticipantId("0001"), new DropAllPending(default, DateTimeOffset.UnixEpoch)))));
        Assert.Throws<SerializationException>(() => ProtocolSerializer.FromUtf8Json("{}"u8, "protocol.no-such-message.v1"));
        Assert.Throws<SerializationException>(() => ProtocolSerializer.FromUtf8Json("""{"id":12}"""u8, "protocol.get-delivery.v1"));
        Assert.Throws<SerializationException>(() => ProtocolSerializer.FromUtf8Json("""{"participantId":"0001"}"""u8, "protocol.account-envelope.v1"));
    }

    [Fact]
    public void A_reader_ignores_fields_it_does_not_know_so_a_newer_sender_can_add_one()
    {
        var back = ProtocolSerializer.FromUtf8Json("""{"reason":"busy","addedLater":{"x":1}}"""u8, "protocol.busy.v1");
        Assert.Equal(new Busy("busy"), back);
    }

    /// <summary>
    /// An index entry carries the time its id was registered (an explanation's first step), a field
    /// added after deliver-order-location.v1's golden payload: a newer node's answer reads back whole,
    /// and the golden one still reads, without it.
    /// </summary>
    [Fact]
    public void An_index_entry_carries_its_registration_time_and_an_older_entry_reads_without_it()
    {
        var at = new DateTimeOffset(2026, 3, 2, 14, 0, 0, 123, TimeSpan.Zero);
        var location = new DeliverOrderLocation(new IndexEntry(new ParticipantId("0101"), new ParticipantId("0981"), "fp", new DateOnly(2026, 3, 2), at));

        var back = (DeliverOrderLocation)ProtocolSerializer.FromUtf8Json(ProtocolSerializer.ToUtf8Json(location), "protocol.deliver-order-location.v1");

        Assert.Equal(at, back.Entry!.Value.RegisteredAt);
        Assert.Equal(location, back);
        var older = (DeliverOrderLocation)ProtocolSerializer.FromUtf8Json(
            """{"entry":{"deliverer":"0101","receiver":"0981","fingerprint":"fp","businessDate":"2026-03-02"}}"""u8, "protocol.deliver-order-location.v1");
        Assert.Null(older.Entry!.Value.RegisteredAt);
    }

    [Fact]
    public void A_deposit_and_a_payment_carry_their_idempotency_id_as_a_string_and_one_sent_without_reads_as_none()
    {
        var at = new DateTimeOffset(2026, 3, 2, 14, 30, 18, TimeSpan.Zero);
        var deposit = new DepositShares(new Cusip("037833100"), 40_000, new SecurityTerms(new Money(174_75), 0.15m, 44), at, new IdempotencyId("DEP-1"));
        var payment = new ReceiveSettlementProgressPayment(new Money(2_500_000_00), at, new IdempotencyId("SPP-1"));

        var depositJson = Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(deposit));
        var paymentJson = Encoding.UTF8.GetString(ProtocolSerializer.ToUtf8Json(payment));

        Assert.Contains("\"id\":\"DEP-1\"", depositJson, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"SPP-1\"", paymentJson, StringComparison.Ordinal);
        Assert.Equal(deposit, ProtocolSerializer.FromUtf8Json(Encoding.UTF8.GetBytes(depositJson), "protocol.deposit-shares.v1"));
        Assert.Equal(payment, ProtocolSerializer.FromUtf8Json(Encoding.UTF8.GetBytes(paymentJson), "protocol.receive-settlement-progress-payment.v1"));
        var fromOlderNode = ProtocolSerializer.FromUtf8Json("""{"amount":{"cents":100},"at":"2026-03-02T14:30:18+00:00"}"""u8, "protocol.receive-settlement-progress-payment.v1");
        Assert.Null(Assert.IsType<ReceiveSettlementProgressPayment>(fromOlderNode).Id);
    }

    [Fact]
    public void The_largest_message_a_submission_sends_fits_well_within_one_remoting_frame()
    {
        var frameBytes = LedgerNode.BuildConfig(new LedgerNodeOptions { Store = "memory" }).GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")
            ?? throw new InvalidOperationException("no maximum-frame-size");
        var longId = new string('X', DeliverOrderId.LengthMax);
        var orders = Enumerable.Range(0, ClusterLedger.OrdersPerMessageMax)
            .Select(i => new DeliverOrder(new DeliverOrderId(longId[..^6] + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)),
                new ParticipantId("0001"), new ParticipantId("0002"), new Cusip("037833100"), DeliverOrder.SharesMax, Money.AmountMax,
                new string('R', DeliverOrder.ReasonCodeLengthMax), new DeliverOrderId(longId)))
            .ToList();
        var terms = new SecurityTerms(SecurityTerms.PriceMax, 0.123456m, long.MaxValue);
        var at = new DateTimeOffset(2026, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(-5));
        var largest = new object[]
        {
            new AccountEnvelope("0001", new AccountCommands(orders.Select(o => (AccountCommand)new SubmitDelivery(o, terms, at)).ToList())),
            new IndexEnvelope(IndexBuckets.Count - 1, new RegisterDeliverOrders(orders, DateOnly.MaxValue)),
        };

        Assert.All(largest, message =>
        {
            var bytes = ProtocolSerializer.ToUtf8Json(message).Length;
            Assert.True(bytes * 4 < frameBytes, $"{message.GetType().Name} of {ClusterLedger.OrdersPerMessageMax} orders takes {bytes} bytes; the frame is {frameBytes}");
        });
    }

    internal static object Sample(string manifest) =>
        ProtocolSamples.ByType[ProtocolSerializer.Manifests.Single(p => p.Value == manifest).Key];
}
