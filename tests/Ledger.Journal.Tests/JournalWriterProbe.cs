using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Persistence;

namespace Ledger.Journal.Tests;

/// <summary>
/// What the store writers' tests (PostgreSQL COPY, SQL Server bulk copy) drive the journal with: a
/// persistent actor that writes what it is sent in one write, one that replays a journal, and a
/// listener counting the rows a given writer of <see cref="GroupCommitJournal"/> wrote.
/// </summary>
internal static class JournalWriterProbe
{
    /// <summary>Counts into <paramref name="rows"/> the rows the writer tagged <paramref name="writerTag"/> wrote in actor system <paramref name="systemName"/>.</summary>
    public static MeterListener Listen(string systemName, string writerTag, ConcurrentBag<long> rows)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GroupCommitJournal.MeterName && instrument.Name == GroupCommitJournal.RowsWrittenName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? system = null, writer = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "actor_system") system = (string?)tag.Value;
                if (tag.Key == "writer") writer = (string?)tag.Value;
            }
            if (system == systemName && writer == writerTag) rows.Add(value);
        });
        listener.Start();
        return listener;
    }

    /// <summary>Writes one event at a time until a write is counted in <paramref name="rows"/> (the writer opens once the plugin has made its table).</summary>
    public static async Task WarmUpAsync(ActorSystem system, ConcurrentBag<long> rows, TimeSpan timeout)
    {
        var warmUp = system.ActorOf(Props.Create(() => new Writer("warm-up")));
        for (var i = 0; rows.IsEmpty; i++)
        {
            Assert.True(i < 200, "no write went through the store's own writer");
            Assert.Equal("written", await warmUp.Ask<string>(new List<object> { SampleEvents.Stream(1)[0] }, timeout));
        }
    }

    /// <summary>Persists the events it is sent, one write of them all; answers "written", or "failed" when the journal fails the write.</summary>
    public sealed class Writer : ReceivePersistentActor
    {
        private IActorRef? _replyTo;

        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<object>(_ => { });
            Command<string>(_ => Sender.Tell("ready"));
            Command<List<object>>(events =>
            {
                _replyTo = Sender;
                var remaining = events.Count;
                PersistAll(events, _ =>
                {
                    if (--remaining == 0) _replyTo.Tell("written");
                });
            });
        }

        public override string PersistenceId { get; }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _replyTo?.Tell("failed");
            base.OnPersistFailure(cause, @event, sequenceNr);
        }
    }

    /// <summary>Replays a journal and completes <c>done</c> with its events.</summary>
    public sealed class Reader : ReceivePersistentActor
    {
        public Reader(string persistenceId, TaskCompletionSource<List<object>> done)
        {
            PersistenceId = persistenceId;
            var replayed = new List<object>();
            Recover<RecoveryCompleted>(_ => done.TrySetResult(replayed));
            Recover<object>(replayed.Add);
            CommandAny(_ => { });
        }

        public override string PersistenceId { get; }
    }
}
