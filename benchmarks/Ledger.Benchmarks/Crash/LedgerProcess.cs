using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ledger.Host.Verbs;

namespace Ledger.Benchmarks.Crash;

/// <summary>
/// One <c>ledger serve</c> as a separate operating-system process on a SQLite data folder, its
/// output appended to a log file. <see cref="KillHard"/> ends it with SIGKILL: no shutdown hook,
/// no flush, no leaving the cluster.
/// </summary>
public sealed class LedgerProcess : IAsyncDisposable
{
    /// <summary>The exit code .NET reports for a process ended by SIGKILL (128 + 9).</summary>
    public const int SigkillExitCode = 137;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Stopwatch _since = Stopwatch.StartNew();

    private LedgerProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
        Pid = process.Id;
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Time since the process was started.</summary>
    public TimeSpan Age => _since.Elapsed;

    /// <summary>Starts <c>dotnet LEDGER.DLL ARGS</c>, its standard output and error appended to <paramref name="logFile"/>.</summary>
    public static LedgerProcess Start(string ledgerDll, IReadOnlyList<string> arguments, string logFile)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(logFile)!,
        };
        info.ArgumentList.Add(ledgerDll);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        var log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        log.WriteLine($"==== {DateTime.UtcNow:O} dotnet {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void Write(string? line)
        {
            if (line is null) return;
            lock (log) log.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        if (!process.Start())
        {
            log.Dispose();
            throw new InvalidOperationException($"could not start {info.FileName} {ledgerDll}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new LedgerProcess(process, log);
    }

    /// <summary>
    /// Asks <c>/health/ready</c> until it answers 200. Returns false when the process ended first or
    /// <paramref name="max"/> passed.
    /// </summary>
    public async Task<bool> WaitReadyAsync(LedgerClient client, TimeSpan max, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < max)
        {
            if (_process.HasExited) return false;
            try
            {
                var ready = await client.SendAsync<System.Text.Json.JsonElement>(HttpMethod.Get, "/health/ready", null, null, idempotent: false, ct);
                if (ready.Ok) return true;
            }
            catch (LedgerUnreachableException)
            {
                // Not listening yet.
            }
            await Task.Delay(100, ct);
        }
        return false;
    }

    /// <summary>Sends SIGKILL (what <see cref="Process.Kill()"/> does on Linux) and waits for the process to end; returns its exit code.</summary>
    public async Task<int> KillHard()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // It ended on its own between the check and the kill; its exit code says how.
            }
        }
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>The exit code of a process that has ended.</summary>
    public int ExitCode => _process.ExitCode;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillHard();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    /// <summary>Runs <c>dotnet LEDGER.DLL ARGS</c> to the end (a CLI verb) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(string ledgerDll, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan max)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(ledgerDll);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(max);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, $"did not finish within {max.TotalSeconds:0} s\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// The <c>ledger.dll</c> to run: the given path, else <c>LEDGER_DLL</c>, else the copy beside
    /// this assembly (a project that references Ledger.Host gets ledger.dll with its runtimeconfig
    /// and deps files in its own output), else src/Ledger.Host's Release output.
    /// </summary>
    public static string FindLedgerDll(string? given = null)
    {
        // A path asked for by name is that path or nothing: never silently another build.
        var named = !string.IsNullOrWhiteSpace(given) ? given : Environment.GetEnvironmentVariable("LEDGER_DLL");
        if (!string.IsNullOrWhiteSpace(named))
        {
            var full = Path.GetFullPath(named);
            return File.Exists(full) && File.Exists(Path.ChangeExtension(full, ".runtimeconfig.json"))
                ? full
                : throw new FileNotFoundException($"{full} (with its runtimeconfig beside it) not found");
        }
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "ledger.dll") };
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Ledger.sln")))
            {
                candidates.Add(Path.Combine(d.FullName, "src", "Ledger.Host", "bin", "Release", "net10.0", "ledger.dll"));
                break;
            }
        }
        foreach (var c in candidates)
        {
            var full = Path.GetFullPath(c);
            if (File.Exists(full) && File.Exists(Path.ChangeExtension(full, ".runtimeconfig.json"))) return full;
        }
        throw new FileNotFoundException($"ledger.dll (with its runtimeconfig) not found; looked at: {string.Join(", ", candidates)}. " +
                                        "Build src/Ledger.Host (dotnet build -c Release) or pass its path.");
    }

    /// <summary>The dotnet host: the one running the build or test (DOTNET_HOST_PATH), this process if it is dotnet, else dotnet on the PATH.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
