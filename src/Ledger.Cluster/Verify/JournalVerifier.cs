using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Ledger.Domain;
using Ledger.Domain.Events;
using Ledger.Journal;

namespace Ledger.Cluster.Verify;

/// <summary>One account's journal checked: how many events, and the first that breaks the chain (or could not be read).</summary>
public sealed record AccountVerification(string PersistenceId, long Events, ChainBreak? Break, string? Unreadable)
{
    public bool Ok => Break is null && Unreadable is null;
}

/// <summary>
/// Checks the hash chain of account journals straight from the store (Persistence Query): every
/// account, or one. Nothing is written.
/// </summary>
public static class JournalVerifier
{
    private const string AccountPrefix = "account-";

    public static async Task<IReadOnlyList<AccountVerification>> VerifyAsync(ActorSystem system, ParticipantId? participant, CancellationToken ct)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(StoreConfig.ReadJournalPluginId);
        var materializer = system.Materializer();
        IReadOnlyList<string> ids = participant is { } p
            ? [AccountPrefix + p.Value]
            : (await journal.CurrentPersistenceIds().RunAggregate(new List<string>(), (list, id) => { list.Add(id); return list; }, materializer))
                .Where(id => id.StartsWith(AccountPrefix, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList();
        var results = new List<AccountVerification>(ids.Count);
        foreach (var id in ids)
        {
            ct.ThrowIfCancellationRequested();
            var events = new List<(long, AccountEvent)>();
            string? unreadable = null;
            try
            {
                await foreach (var envelope in journal.CurrentEventsByPersistenceId(id, 0, long.MaxValue).RunAsAsyncEnumerable(materializer).WithCancellation(ct))
                {
                    if (envelope.Event is AccountEvent e) events.Add((envelope.SequenceNr, e));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A row edited into something the serializer cannot read is tampering too.
                unreadable = $"event {events.Count + 1} could not be read: {e.GetBaseException().Message}";
            }
            results.Add(new AccountVerification(id, events.Count, EventChain.Verify(events), unreadable));
        }
        return results;
    }
}
