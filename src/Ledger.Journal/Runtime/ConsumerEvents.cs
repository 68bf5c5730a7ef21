namespace Ledger.Journal;

/// <summary>
/// A consumer of published events stored how far it has read: every event tagged for it with a
/// journal ordering up to <see cref="Offset"/> was applied by its target and confirmed. Written to
/// the consumer's own journal (<see cref="Journals.ConsumerPrefix"/> + its name).
/// </summary>
/// <param name="Offset">The journal ordering of the last event the target confirmed.</param>
/// <param name="Events">Events confirmed since the offset stored before (for the log and the tests).</param>
/// <param name="At">Wall-clock time it was stored (UTC).</param>
public sealed record ConsumerOffsetStored(long Offset, int Events, DateTimeOffset At);
