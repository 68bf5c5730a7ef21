using Akka.Cluster.Sharding;
using Ledger.Income;

namespace Ledger.Cluster.Income;

/// <summary>
/// Everything of income tracking that crosses nodes besides the core's commands: envelopes,
/// answers, queries and their views. Bound to <see cref="IncomeProtocolSerializer"/> by this
/// marker (hocon/contexts/income.conf), so a new one can never fall back to a CLR type name.
/// </summary>
public interface IIncomeMessage
{
}

/// <summary>A message for one income entity; <paramref name="EntityId"/> is its persistence id (<see cref="IncomeManifests.PersistenceId"/>).</summary>
public sealed record IncomeEnvelope(string EntityId, object Message) : IIncomeMessage
{
    public static IncomeEnvelope To(IncomeAddress address, object message) => new(IncomeManifests.PersistenceId(address), message);
}

/// <summary>What an income entity answers a command with, once its events are persisted: the refusal, or null.</summary>
public sealed record IncomeAnswer(IncomeError? Rejection) : IIncomeMessage;

/// <summary>
/// A read of an income entity's state, decided in turn with its commands (so it never shows what a
/// write in flight has not made durable). Plain data, answered by the entity from its state with
/// the view the query names, so the entity may live on any node.
/// </summary>
public abstract record IncomeQuery : IIncomeMessage;

/// <summary>An entity was asked a query of another kind of entity: a bug of the asker.</summary>
public sealed record IncomeQueryNotAnswered(string EntityId, string Query) : IIncomeMessage;

// ---------------------------------------------------------------- memo account

/// <summary>Where the participant stands: answered with <see cref="StandingAnswer"/>.</summary>
public sealed record GetStanding : IncomeQuery
{
    public static readonly GetStanding Instance = new();
}

public sealed record StandingAnswer(ParticipantStanding Standing) : IIncomeMessage;

/// <summary>The memo account's view on <paramref name="BusinessDate"/>: answered with a <see cref="MemoAccountView"/>.</summary>
public sealed record GetMemoAccountView(DateOnly? BusinessDate) : IncomeQuery;

/// <summary>The income entries payable on <paramref name="PayableDate"/> the state keeps: answered with an <see cref="IncomeView"/>.</summary>
public sealed record GetIncomeView(DateOnly PayableDate) : IncomeQuery;

/// <summary>The participant's notifications: answered with a <see cref="NotificationsView"/>.</summary>
public sealed record GetNotifications : IncomeQuery
{
    public static readonly GetNotifications Instance = new();
}

/// <summary>What the close waits for at a memo account: answered with <see cref="MemoOpenWork"/>.</summary>
public sealed record GetMemoOpenWork : IncomeQuery
{
    public static readonly GetMemoOpenWork Instance = new();
}

/// <param name="UnacknowledgedReports">Record-date reports the payable-date runs have not acknowledged.</param>
/// <param name="UnsettledPostings">Income postings settlement has not applied.</param>
public sealed record MemoOpenWork(int UnacknowledgedReports, int UnsettledPostings) : IIncomeMessage;

// ---------------------------------------------------------------- adjustment

/// <summary>The adjustment on <paramref name="BusinessDate"/> and whether <paramref name="Viewer"/> (null: staff) is party to it.</summary>
public sealed record GetAdjustment(DateOnly BusinessDate, ParticipantId? Viewer) : IncomeQuery;

public sealed record AdjustmentAnswer(AdjustmentView? View, bool Party) : IIncomeMessage;

// ---------------------------------------------------------------- distribution schedule

/// <summary>One announced distribution: answered with <see cref="DistributionFound"/>.</summary>
public sealed record FindDistribution(Cusip Cusip, string DistributionId) : IncomeQuery;

public sealed record DistributionFound(DistributionView? View) : IIncomeMessage;

/// <summary>A security's distributions, by record date then id: answered with <see cref="DistributionList"/>.</summary>
public sealed record ListDistributions(Cusip Cusip) : IncomeQuery;

public sealed record DistributionList(IReadOnlyList<DistributionView> Views) : IIncomeMessage;

/// <summary>The distributions whose record date the close of <paramref name="ClosedDate"/> fixes: answered with <see cref="ScheduledDistributions"/>.</summary>
public sealed record GetRecordDatesClosing(DateOnly ClosedDate, DateOnly NextDate) : IncomeQuery;

/// <summary>The distributions posting on <paramref name="PostingDate"/>: answered with <see cref="ScheduledDistributions"/>.</summary>
public sealed record GetDistributionsPostingOn(DateOnly PostingDate) : IncomeQuery;

public sealed record ScheduledDistributions(IReadOnlyList<Distribution> Distributions) : IIncomeMessage;

/// <summary>The posting dates the open of <paramref name="OpeningDate"/> reaches: answered with <see cref="PostingDates"/>.</summary>
public sealed record GetPostingDatesOpening(DateOnly ClosedDate, DateOnly OpeningDate) : IncomeQuery;

public sealed record PostingDates(IReadOnlyList<DateOnly> Dates) : IIncomeMessage;

// ---------------------------------------------------------------- halt register

/// <summary>The halt <paramref name="Instructing"/> filed against <paramref name="Counterparty"/>: answered with <see cref="HaltFound"/>.</summary>
public sealed record FindHalt(ParticipantId Instructing, ParticipantId Counterparty) : IncomeQuery;

public sealed record HaltFound(HaltView? View) : IIncomeMessage;

/// <summary>The halts in effect on <paramref name="BusinessDate"/>: answered with <see cref="HaltsInEffect"/>.</summary>
public sealed record GetHaltsInEffect(DateOnly BusinessDate) : IncomeQuery;

public sealed record HaltsInEffect(IReadOnlyList<Halt> Halts) : IIncomeMessage;

// ---------------------------------------------------------------- payable-date run

/// <summary>How many messages of the run are not yet answered at <paramref name="At"/>: answered with <see cref="RunOpenWork"/>.</summary>
public sealed record GetRunOpenWork(DateTimeOffset At) : IncomeQuery;

public sealed record RunOpenWork(int UnansweredMessages) : IIncomeMessage;

/// <summary>Settlement answered an income posting sent to it (stays on the entity's node: piped to itself).</summary>
internal sealed record SettlementPostingAnswered(string PostingId, object Answer);

internal sealed record IncomeResendTick
{
    public static readonly IncomeResendTick Instance = new();
}

/// <summary>The income region's shards: by entity id (the persistence id).</summary>
public sealed class IncomeMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string EntityId(object message) => message is IncomeEnvelope e ? e.EntityId : null!;

    public override object EntityMessage(object message) => message is IncomeEnvelope e ? e.Message : message;
}
