using Akka.Event;
using Ledger.Cluster.Telemetry;
using Ledger.Journal;

namespace Ledger.Cluster;

/// <summary>What an entity does when its recovery finds its journal damaged: says so once, loudly, and is counted.</summary>
internal static class JournalDamage
{
    /// <summary>Logs and records the finding; returns the answer the entity gives every request from now on.</summary>
    public static JournalDamaged Refuse(JournalFinding finding, ILoggingAdapter log, LedgerTelemetry telemetry)
    {
        log.Error("{0} refuses to serve: {1}. Nothing is applied from that event on; `ledger verify` lists every damaged journal",
            finding.PersistenceId, finding.Describe());
        telemetry.JournalDamaged(finding);
        return JournalDamaged.Of(finding);
    }
}
