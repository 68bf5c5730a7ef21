using Xunit;

namespace Ledger.TestSupport;

/// <summary>
/// What a test may do when something it needs cannot be had: under <c>CI=true</c> it fails, so that
/// CI never goes green without having run it; elsewhere it is skipped, saying why. Tests that can
/// skip must be <c>[SkippableFact]</c>/<c>[SkippableTheory]</c> (Xunit.SkippableFact); under a plain
/// <c>[Fact]</c> the skip shows as a failure, never as a pass.
/// </summary>
public static class TestEnvironment
{
    /// <summary>True when the <c>CI</c> environment variable is <c>true</c> or <c>1</c>.</summary>
    public static bool IsCi
    {
        get
        {
            var ci = Environment.GetEnvironmentVariable("CI");
            return string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase) || ci == "1";
        }
    }

    /// <summary>Fails (under CI) or skips (elsewhere) the running test because <paramref name="what"/> is missing.</summary>
    public static Exception Unavailable(string what, string reason)
    {
        var message = $"{what} is not available: {reason}";
        if (IsCi)
        {
            return new InvalidOperationException($"{message} (CI=true: a missing dependency fails the test instead of skipping it).");
        }

        Skip.If(true, message);
        return new InvalidOperationException(message); // not reached: Skip.If throws
    }
}
