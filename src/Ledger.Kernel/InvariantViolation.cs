namespace Ledger.Kernel;

/// <summary>A broken invariant: a bug, never a business outcome. The entity that meets it crashes and recovers from its journal.</summary>
public sealed class InvariantViolation(string message) : Exception(message);
