using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;

namespace Ledger.Journal;

/// <summary>One journal row as the SQL journal plugin writes it (its <c>default</c> table mapping), before it goes to the store.</summary>
internal readonly record struct JournalRowData(string PersistenceId, long SequenceNr, byte[] Message, string Manifest, int Identifier, string Tags);

/// <summary>Serializes writes into journal rows exactly as the plugin does, for the ledger's own writers (SQLite, PostgreSQL).</summary>
internal static class JournalRows
{
    /// <summary>
    /// The rows of <paramref name="writes"/>, in order. A write whose event cannot be serialized is
    /// rejected (its entry in <paramref name="rejections"/>) and contributes no row, as the plugin
    /// does: the others are still written.
    /// </summary>
    public static List<JournalRowData> Serialize(ExtendedActorSystem system, IReadOnlyList<AtomicWrite> writes, string tagSeparator, out Exception?[] rejections)
    {
        var serialization = system.Serialization;
        rejections = new Exception?[writes.Count];
        var rows = new List<JournalRowData>();
        for (var i = 0; i < writes.Count; i++)
        {
            var start = rows.Count;
            try
            {
                foreach (var r in (IImmutableList<IPersistentRepresentation>)writes[i].Payload)
                {
                    var payload = r.Payload;
                    var tags = string.Empty;
                    if (payload is Akka.Persistence.Journal.Tagged tagged)
                    {
                        payload = tagged.Payload;
                        tags = SqliteJournalWriter.TagsColumn(tagged.Tags, tagSeparator);
                    }
                    var serializer = serialization.FindSerializerFor(payload);
                    var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload);
                    var message = Akka.Serialization.Serialization.WithTransport(system, () => serializer.ToBinary(payload));
                    rows.Add(new JournalRowData(r.PersistenceId, r.SequenceNr, message, manifest, serializer.Identifier, tags));
                }
            }
            catch (Exception e)
            {
                rows.RemoveRange(start, rows.Count - start);
                rejections[i] = e;
            }
        }
        return rows;
    }
}
