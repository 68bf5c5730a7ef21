using System.Text;
using Akka.Actor;
using Ledger.Journal;
using Ledger.Recalls;
using Ledger.Recalls.Events;

namespace Ledger.Cluster.Tests;

/// <summary>
/// The recall hub's protocol (<see cref="RecallsProtocolSerializer"/>) passes the checks every
/// context's does (<see cref="ProtocolContractTests{TProtocol}"/>: samples, manifests, golden payloads
/// in RecallsProtocolGolden/), and the registry travels whole.
/// </summary>
public sealed class RecallsProtocolSerializerTests : ProtocolContractTests<RecallsProtocolSerializerTests>, IProtocolUnderTest
{
    public static string Context => "recalls";

    public static string GoldenFolderName => "RecallsProtocolGolden";

    public static int SerializerId => RecallsProtocolSerializer.SerializerId;

    public static ProtocolManifests Protocol => RecallsProtocolSerializer.Protocol;

    public static byte[] ToUtf8Json(object message) => RecallsProtocolSerializer.ToUtf8Json(message);

    public static object FromUtf8Json(ReadOnlySpan<byte> utf8Json, string manifest) => RecallsProtocolSerializer.FromUtf8Json(utf8Json, manifest);

    private static readonly DateTimeOffset At = new(2026, 12, 1, 14, 30, 15, 123, TimeSpan.Zero);
    private static readonly ParticipantId Lender = new("0001");
    private static readonly ParticipantId Borrower = new("0002");
    private const string Text = "{1:F01LENDUS33AXXX0000000001}{2:I526BORRUS33XXXXN}{4:\r\n:20:RCL1\r\n-}";

    private static RegistryState Registry() => RegistryState.Replay(
    [
        new SubscriberSubscribed("0001", "Lender", "LENDUS33XXX", null, At),
        new SubscriberSubscribed("0002", "Borrower", "BORRUS33", "DEMOVEND", At),
        new VendorLettersFiled("DEMOVEND", "Demo Vendor", ["0002"], At),
        new EligibilityFileWritten("2026-12-02", "2026-12-01", "participant,name,address,vendor\r\n", At),
    ]);

    /// <summary>One sample of every type the serializer carries.</summary>
    public static IReadOnlyList<object> Samples() =>
    [
        new MailboxEnvelope("0002", new DeliverMessage(Lender, "RCL1", "526", Text, At, At)),
        new RegistryEnvelope(GetRegistry.Instance),
        new SendMessage(new TakenMessage(Lender, "RCL1", "526", null, new HubError(HubRule.ReceiverSubscribed, "message.block2", "no"), Text), At),
        new DeliverMessage(Lender, "RCL1", "526", Text, At, At),
        new ConfirmDelivery(Borrower, "RCL1", "0002000000000001", At, At),
        new RetrieveEntry("0002000000000001", At),
        new RecordRetrieval(Borrower, "RCL1", "0002000000000001", At, At, At),
        new ConfirmRetrievalReceipt("0002000000000001", "0001000000000002", At),
        new SendAnswer("RCL1", "0002000000000001", true, null),
        new MailboxRefusal(new HubError(HubRule.SenderReferenceReused, "message.block4.20", "reused")),
        new Retrieved(new RetrievalView("0002000000000001", "message", Text)),
        new ListMailbox("0002000000000001", 10),
        new MailboxListing([new MailboxEntryView("0002000000000001", "message", "526", "0001", At, false, null)], null),
        GetWaiting.Instance,
        new WaitingEntries(["0002000000000001"]),
        new LocateTrace("0002000000000001"),
        new TraceAnswer(new TraceView("0001000000000004", "0001", null, "526", "RCL3", [new TraceStep(At, "rejected", "receiver-subscribed")]), null, null, null, null, null),
        new GetSent("RCL1"),
        new FindDelivered("0001", "RCL1"),
        new DeliveredAs("0002000000000017"),
        new DeliveredAs(null),
        new SentRecord(new SentMessage("RCL1", "526", Borrower, Text, At, SentStatus.Available, "0002000000000001", MadeAvailableAt: At)),
        GetRegistry.Instance,
        new RegistrySnapshot(Registry()),
        new RegistryOutcome(Registry(), new HubError(HubRule.AddressUnique, "address", "taken")),
        new Subscribe("0001", "Lender", "LENDUS33XXX", null, At),
        new Unsubscribe("0001", At),
        new FileVendorLetters("DEMOVEND", "Demo Vendor", ["0002"], At),
        new WriteEligibilityFile(new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 2), At),
    ];

    public static IEnumerable<Type> TypesThatCrossNodes() =>
        typeof(IRecallsMessage).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsInterface && typeof(IRecallsMessage).IsAssignableFrom(t));

    [Fact]
    public void The_registry_travels_whole_and_screens_a_send_the_same_after_the_trip()
    {
        var registry = Registry();
        var read = (RegistrySnapshot)RecallsProtocolSerializer.FromUtf8Json(RecallsProtocolSerializer.ToUtf8Json(new RegistrySnapshot(registry)), RecallsProtocolSerializer.Manifests[typeof(RegistrySnapshot)]);

        Assert.Equal(registry.Subscribers.Values, read.State.Subscribers.Values);
        Assert.Equal(registry.EligibilityFiles, read.State.EligibilityFiles);
        Assert.True(read.State.VendorActsFor("DEMOVEND", Borrower));
        Assert.Equal(SendChecks.Screen(Text, new Caller.Participant(Lender), registry), SendChecks.Screen(Text, new Caller.Participant(Lender), read.State));
    }
}
