using System.Text;

namespace Ledger.Income.Tests;

/// <summary>Everything observable of an entity's state as text: a live state and one replayed from its journal must print the same.</summary>
internal static class Dumps
{
    public static string Of(MemoAccountState s)
    {
        var b = new StringBuilder();
        b.AppendLine($"{s.Participant} {s.Standing} {s.Successor} {s.StandingSince} closed {s.LastClosedDate} open {s.BusinessDate} closes {s.Closes} v{s.Version} horizon {s.DedupHorizon} successor-has-lines {s.SuccessorHasLines}");
        foreach (var (k, l) in s.OrderedLines()) b.AppendLine($"line {k.Counterparty} {k.Cusip} {l.Shares} {l.ExceptionSince} {l.ExceptionCause}");
        foreach (var (id, a) in s.AppliedDeliverOrders.OrderBy(x => x.Key, StringComparer.Ordinal)) b.AppendLine($"do {id} {a}");
        foreach (var id in s.HeldReclaims.Keys.Order(StringComparer.Ordinal)) b.AppendLine($"held {id}");
        foreach (var id in s.AppliedAdjustments.Order(StringComparer.Ordinal)) b.AppendLine($"adjustment {id}");
        foreach (var p in s.Predecessors.Select(p => p.Value).Order(StringComparer.Ordinal)) b.AppendLine($"predecessor {p}");
        foreach (var (k, r) in s.OpenReports.OrderBy(x => x.Key)) b.AppendLine($"report {k} {r.Acknowledged} {r.Report.Lines.Count}");
        foreach (var (id, p) in s.Postings.OrderBy(x => x.Key, StringComparer.Ordinal)) b.AppendLine($"posting {id} {p.Settled} {p.RecordedAtClose} {p.Posting.Entries.Sum(e => e.AmountCents)}");
        foreach (var id in s.AwaitingAdjustments.Keys.Order(StringComparer.Ordinal)) b.AppendLine($"awaiting {id}");
        foreach (var (p, h) in s.HaltsAgainst.OrderBy(x => x.Key.Value, StringComparer.Ordinal)) b.AppendLine($"halt {p} {h.EffectiveDate}");
        foreach (var t in s.CounterpartyTerminations) b.AppendLine($"terminated {t.Terminated}");
        foreach (var (p, acked) in s.Notices.OrderBy(x => x.Key.Value, StringComparer.Ordinal)) b.AppendLine($"notice {p} {acked}");
        foreach (var id in s.Forwarding.Keys.Order(StringComparer.Ordinal)) b.AppendLine($"forwarding {id}");
        return b.ToString();
    }

    public static string Of(AdjustmentState s) =>
        $"{s.AdjustmentId} {s.Entered} {s.EnteredBy} {s.Counterparty} {s.Cusip} {s.Shares} {s.EnteredOn} {s.ExpiresOn} {s.Status} {s.ResolvedOn} {s.CancelledBy} v{s.Version} " +
        string.Join(",", new[] { s.EnteredBy, s.Counterparty }.SelectMany(p => Enum.GetValues<AdjustmentNotice>().Where(n => s.IsAcknowledged(p, n)).Select(n => $"{p}:{n}")));

    public static string Of(PayableDateRunState s) =>
        $"{s.PostingDate} v{s.Version} posted {s.Posted?.BusinessDate} reports {string.Join(",", s.Reports.Keys)} postings " +
        string.Join(",", s.Postings.Keys.Order(StringComparer.Ordinal).Select(id => $"{id}:{s.IsAcknowledged(id)}"));

    public static string Of(HaltRegisterState s) => $"v{s.Version} " + string.Join(",", s.Halts.Select(h => h.ToString()));
}
