using Ledger.Recalls.Events;

namespace Ledger.Recalls;

/// <summary>
/// What the hub publishes to other contexts: every message made available in a receiver's mailbox
/// (<see cref="MessageMadeAvailable"/>), tagged <see cref="Tag"/> in the journal as it is written.
/// The lending context reads the tag to open and cancel recalls on loans; the event is the hub's
/// own record, so a reader sees exactly what the receiver was given, once per control number.
/// </summary>
public static class RecallPublication
{
    /// <summary>The journal tag of a message made available.</summary>
    public const string Tag = "recalls-available";

    public static bool IsPublished(MailboxEvent e) => e is MessageMadeAvailable;
}
