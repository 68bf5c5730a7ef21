using System.Globalization;

namespace Ledger.Benchmarks.Crash;

/// <summary><c>crash [--seed N] [--cycles N] [--clients N] ...</c>: runs <see cref="CrashTest"/> and prints its progress and verdicts.</summary>
public static class CrashCommand
{
    public const int ExitPass = 0;
    public const int ExitFail = 1;
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new CrashOptions { Log = Console.Out };
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Count(string name, int min)
                {
                    var text = Value();
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
                        throw new ArgumentException($"{name} must be a whole number of at least {min}, not '{text}'");
                    return n;
                }
                switch (args[i])
                {
                    case "--seed": options = options with { Seed = Count("--seed", 0) }; break;
                    case "--cycles": options = options with { Cycles = Count("--cycles", 1) }; break;
                    case "--clients": options = options with { Clients = Count("--clients", 1) }; break;
                    case "--pause-ms": options = options with { PauseMs = Count("--pause-ms", 0) }; break;
                    case "--abandon-rate":
                        {
                            var text = Value();
                            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate is < 0 or > 1)
                                throw new ArgumentException($"--abandon-rate must be between 0 and 1, not '{text}'");
                            options = options with { AbandonRate = rate };
                            break;
                        }
                    case "--ledger": options = options with { LedgerDll = Value() }; break;
                    case "--work-dir": options = options with { WorkDir = Value() }; break;
                    case "--keep": options = options with { Keep = true }; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'");
                }
            }
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"crash: {e.Message}");
            return ExitUsage;
        }

        try
        {
            var report = await CrashTest.RunAsync(options, CancellationToken.None);
            return report.Passed ? ExitPass : ExitFail;
        }
        catch (FileNotFoundException e)
        {
            await Console.Error.WriteLineAsync($"crash: FAIL: {e.Message}");
            return ExitFail;
        }
    }
}
