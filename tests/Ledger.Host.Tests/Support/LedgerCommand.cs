using System.Collections.Concurrent;
using System.Diagnostics;
using Ledger.Benchmarks.Crash;

namespace Ledger.Host.Tests.Support;

/// <summary>
/// The real <c>ledger</c> program (the ledger.dll built beside the tests) as a separate process,
/// its standard output and standard error kept apart, line by line, as an operator's terminal or a
/// container's log would get them. No LEDGER_* variable of the test's own environment reaches it.
/// </summary>
public sealed class LedgerCommand : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _error = new();

    private LedgerCommand(Process process) => _process = process;

    public IReadOnlyList<string> Output => _output.ToList();

    public IReadOnlyList<string> Error => _error.ToList();

    public bool HasExited => _process.HasExited;

    /// <param name="environment">Variables to set for the process (null removes one).</param>
    public static LedgerCommand Start(string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(LedgerProcess.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(LedgerProcess.FindLedgerDll());
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("LEDGER_", StringComparison.Ordinal)).ToList()) info.Environment.Remove(name);
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        var process = new Process { StartInfo = info };
        var command = new LedgerCommand(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) command._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) command._error.Enqueue(e.Data); };
        if (!process.Start()) throw new InvalidOperationException($"could not start {info.FileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return command;
    }

    /// <summary>Runs the program to its end; returns its exit code.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Error)> RunAsync(
        string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? max = null)
    {
        await using var command = Start(workingDirectory, arguments, environment);
        var exit = await command.WaitForExitAsync(max ?? TimeSpan.FromMinutes(2));
        return (exit, command.Output, command.Error);
    }

    /// <summary>Waits for the process to end by itself; returns its exit code. Fails the test after <paramref name="max"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan max)
    {
        using var timeout = new CancellationTokenSource(max);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"ledger did not end within {max.TotalSeconds:0} s; output:\n{string.Join('\n', Output)}\n{string.Join('\n', Error)}");
        }
        // The exit is seen before the last lines are read: WaitForExit() without a timeout waits for the end of both streams.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until a line of standard output satisfies <paramref name="done"/>; fails the test after <paramref name="max"/> or when the process ends first.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> done, TimeSpan max, string what)
    {
        for (var deadline = DateTime.UtcNow + max; DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            if (_output.FirstOrDefault(done) is { } line) return line;
            if (_process.HasExited) break;
        }
        throw new Xunit.Sdk.XunitException($"{what}: not seen in ledger's output{(_process.HasExited ? $" (it exited {_process.ExitCode})" : "")}:\n{string.Join('\n', Output)}\n{string.Join('\n', Error)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the check and the kill.
            }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
