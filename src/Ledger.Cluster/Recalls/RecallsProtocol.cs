using Akka.Cluster.Sharding;
using Ledger.Recalls;

namespace Ledger.Cluster;

/// <summary>
/// A message of the recall hub that may cross nodes: serialized by <see cref="RecallsProtocolSerializer"/>
/// (bound to this interface in hocon/contexts/recalls.conf), never by Akka's default JSON serializer.
/// </summary>
public interface IRecallsMessage;

/// <summary>A message for one subscriber's mailbox, routed by sharding on the participant.</summary>
public sealed record MailboxEnvelope(string Participant, object Message) : IRecallsMessage;

/// <summary>A message for the hub's registry (one entity for the whole hub).</summary>
public sealed record RegistryEnvelope(object Message) : IRecallsMessage;

/// <summary>Asks the registry for its state; answered with <see cref="RegistrySnapshot"/>.</summary>
public sealed record GetRegistry : IRecallsMessage
{
    public static readonly GetRegistry Instance = new();
}

/// <summary>The registry as of the moment it answered (only what is durable).</summary>
public sealed record RegistrySnapshot(RegistryState State) : IRecallsMessage;

/// <summary>What a registry command came to: the state it left, and the refusal if it was refused.</summary>
public sealed record RegistryOutcome(RegistryState State, HubError? Error) : IRecallsMessage;

/// <summary>A mailbox's entries after a control number; answered with <see cref="MailboxListing"/>.</summary>
public sealed record ListMailbox(string? After, int? Limit) : IRecallsMessage;

public sealed record MailboxListing(IReadOnlyList<MailboxEntryView>? Entries, HubError? Error) : IRecallsMessage;

/// <summary>The control numbers of the entries not yet retrieved; answered with <see cref="WaitingEntries"/>.</summary>
public sealed record GetWaiting : IRecallsMessage
{
    public static readonly GetWaiting Instance = new();
}

public sealed record WaitingEntries(IReadOnlyList<string> ControlNumbers) : IRecallsMessage;

/// <summary>An entry retrieved, in the form its subscriber gets it.</summary>
public sealed record Retrieved(RetrievalView View) : IRecallsMessage;

/// <summary>Asks the mailbox that allocated a control number what it knows of it; answered with <see cref="TraceAnswer"/>.</summary>
public sealed record LocateTrace(string ControlNumber) : IRecallsMessage;

/// <summary>
/// The owner mailbox's answer: the whole trace (<see cref="Trace"/>), or, for a message it holds,
/// whom to ask for the sender's side (<see cref="AskSender"/> and <see cref="SenderReference"/>)
/// with its own entry's times; all null when it has nothing under that number.
/// </summary>
public sealed record TraceAnswer(
    TraceView? Trace,
    string? AskSender,
    string? SenderReference,
    string? DeliveredControlNumber,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? RetrievedAt) : IRecallsMessage;

/// <summary>Asks a sender's mailbox for a message it sent; answered with <see cref="SentRecord"/>.</summary>
public sealed record GetSent(string SenderReference) : IRecallsMessage;

public sealed record SentRecord(SentMessage? Sent) : IRecallsMessage;

/// <summary>Routes the hub's envelopes to its entities; the shard count is fixed for the life of a cluster.</summary>
public sealed class RecallsMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public const int ShardCountDefault = 100;

    public override string EntityId(object message) => message switch
    {
        MailboxEnvelope e => e.Participant,
        RegistryEnvelope => "registry",
        _ => null!,
    };

    public override object EntityMessage(object message) => message switch
    {
        MailboxEnvelope e => e.Message,
        RegistryEnvelope e => e.Message,
        _ => message,
    };
}

/// <summary>Asks a receiver's mailbox under which control number it made available <paramref name="Sender"/>'s message <paramref name="SenderReference"/>; answered with <see cref="DeliveredAs"/>.</summary>
public sealed record FindDelivered(string Sender, string SenderReference) : IRecallsMessage;

/// <summary>The control number the message got in the receiver's mailbox; null when it has not been made available there.</summary>
public sealed record DeliveredAs(string? ControlNumber) : IRecallsMessage;
