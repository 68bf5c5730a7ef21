using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Ledger.TestSupport;

/// <summary>PostgreSQL cannot be had on this machine (no server binaries, or the server would not start).</summary>
public sealed class PostgresUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A PostgreSQL server for tests. With <c>LEDGER_TEST_POSTGRES</c> set to a connection string
/// (a role allowed to CREATE DATABASE), that server is used. Otherwise a throwaway server is
/// started from the installed PostgreSQL binaries: initdb into a temporary folder (as the
/// <c>postgres</c> user when running as root, since initdb refuses root), listening on 127.0.0.1
/// on a free port, fsync on, stopped and deleted on dispose. <see cref="GetSharedAsync"/> starts
/// one lazily per test process and stops it when the process exits.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable naming an existing server to use instead of starting one.</summary>
    public const string ConnectionVariable = "LEDGER_TEST_POSTGRES";

    /// <summary>Optional: the folder of initdb/pg_ctl to use instead of searching /usr/lib/postgresql/*/bin and PATH.</summary>
    public const string BinDirVariable = "LEDGER_TEST_PG_BINDIR";

    private const string FolderPrefix = "ledger-pg-";
    private const string ServiceUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private const int StartAttemptsMax = 3;

    private static readonly Lazy<Task<PostgresServer>> Shared = new(CreateSharedAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly SemaphoreSlim _createDatabaseGate = new(1, 1);
    private readonly string? _binDir;
    private readonly string? _folder;
    private int _databaseCount;
    private int _disposed;

    private PostgresServer(string adminConnectionString, string? binDir, string? folder)
    {
        AdminConnectionString = adminConnectionString;
        Description = folder is null ? "external server" : $"throwaway server in {folder}";
        _binDir = binDir;
        _folder = folder;
    }

    /// <summary>A superuser connection string to the server's <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>True when the server came from <see cref="ConnectionVariable"/> (never stopped here).</summary>
    public bool IsExternal => _folder is null;

    /// <summary>Where the server is and what it is, for test output.</summary>
    public string Description { get; private set; }

    /// <summary>
    /// The server of this test process, started on first use (or the one named by
    /// <see cref="ConnectionVariable"/>). A failure is remembered: later callers get it at once.
    /// </summary>
    /// <exception cref="PostgresUnavailableException">No PostgreSQL can be had here.</exception>
    public static Task<PostgresServer> GetSharedAsync() => Shared.Value;

    /// <summary>The server named by <see cref="ConnectionVariable"/>, or a new throwaway one that the caller disposes.</summary>
    /// <exception cref="PostgresUnavailableException">No PostgreSQL can be had here.</exception>
    public static async Task<PostgresServer> StartOrConnectAsync(CancellationToken cancellationToken = default)
    {
        var external = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            // Asked for explicitly: if it does not answer, that is an error, not a reason to skip.
            var version = await QueryVersionAsync(external, cancellationToken).ConfigureAwait(false);
            return new PostgresServer(external, binDir: null, folder: null) { Description = $"{version} from {ConnectionVariable}" };
        }

        return await StartThrowawayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a new throwaway server from the installed binaries.</summary>
    /// <exception cref="PostgresUnavailableException">No server binaries, or the server would not start.</exception>
    public static async Task<PostgresServer> StartThrowawayAsync(CancellationToken cancellationToken = default)
    {
        var binDir = FindBinDir() ?? throw new PostgresUnavailableException(
            $"no PostgreSQL server binaries (initdb, pg_ctl) in {BinDirVariable}, /usr/lib/postgresql/*/bin or on PATH. " +
            $"Install them (apt-get install postgresql) or set {ConnectionVariable} to a connection string.");
        var runAsServiceUser = Environment.IsPrivilegedProcess;
        if (runAsServiceUser && !File.Exists(RunUser))
        {
            throw new PostgresUnavailableException($"running as root, but {RunUser} is missing: cannot run initdb as '{ServiceUser}'.");
        }

        await ReapAbandonedAsync(binDir, runAsServiceUser).ConfigureAwait(false);

        var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var dataDir = Path.Combine(folder, "data");
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var server = (PostgresServer?)null;
        try
        {
            var passwordFile = Path.Combine(folder, "pwfile");
            await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
            if (runAsServiceUser)
            {
                await RunAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", folder], asServiceUser: false, cancellationToken).ConfigureAwait(false);
            }

            await StartJanitorAsync(binDir, dataDir, folder, runAsServiceUser, cancellationToken).ConfigureAwait(false);

            await RunAsync(Path.Combine(binDir, "initdb"),
                ["-D", dataDir, "-U", "postgres", $"--pwfile={passwordFile}", "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
                runAsServiceUser, cancellationToken).ConfigureAwait(false);
            File.Delete(passwordFile);

            for (var attempt = 1; ; attempt++)
            {
                var port = FreeLoopbackPort();
                var start = await TryRunAsync(Path.Combine(binDir, "pg_ctl"),
                    ["start", "-D", dataDir, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
                     "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=on -c max_connections=200"],
                    runAsServiceUser, cancellationToken).ConfigureAwait(false);
                if (start.ExitCode == 0)
                {
                    var admin = new NpgsqlConnectionStringBuilder
                    {
                        Host = "127.0.0.1",
                        Port = port,
                        Username = "postgres",
                        Password = password,
                        Database = "postgres",
                        IncludeErrorDetail = true,
                    }.ConnectionString;
                    server = new PostgresServer(admin, binDir, folder);
                    var version = await WaitUntilReadyAsync(admin, cancellationToken).ConfigureAwait(false);
                    server.Description = $"{version} at 127.0.0.1:{port} in {folder}";
                    return server;
                }

                if (attempt >= StartAttemptsMax)
                {
                    throw new PostgresUnavailableException(
                        $"pg_ctl start failed {attempt} times (last exit code {start.ExitCode}): {start.Output}\n{Tail(Path.Combine(folder, "server.log"))}");
                }
            }
        }
        catch (Exception e)
        {
            if (server is not null) await server.DisposeAsync().ConfigureAwait(false);
            else TempDirectory.DeleteBestEffort(folder);
            if (e is PostgresUnavailableException or OperationCanceledException) throw;
            throw new PostgresUnavailableException($"could not start a throwaway PostgreSQL server from {binDir}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Creates a new, empty database and returns its connection string; each test class takes its
    /// own, so that journals never mix.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "ledger_test", CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var safePrefix = new string(prefix.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_').Take(30).ToArray());
        var name = $"{(safePrefix.Length == 0 ? "db" : safePrefix)}_{Interlocked.Increment(ref _databaseCount)}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

        // Concurrent CREATE DATABASE statements all copy template1; one at a time avoids
        // "source database is being accessed by other users".
        await _createDatabaseGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _createDatabaseGate.Release();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops a throwaway server and deletes its folder; leaves an external one alone.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _folder is null || _binDir is null) return;
        NpgsqlConnection.ClearAllPools();
        await StopAsync(_binDir, Path.Combine(_folder, "data"), Environment.IsPrivilegedProcess).ConfigureAwait(false);
        TempDirectory.DeleteBestEffort(_folder);
    }

    public override string ToString() => Description;

    // One server serves the whole test process and goes when the process does: the janitor
    // (see StartJanitorAsync) stops and deletes it. A ProcessExit handler is not enough: the test
    // runner kills its test host within a fraction of a second of the end of the run.
    private static Task<PostgresServer> CreateSharedAsync() => StartOrConnectAsync();

    /// <summary>
    /// Starts a detached shell that waits for this process to end (however it ends: normally,
    /// killed by the test runner, or crashed), then stops the server and deletes its folder.
    /// It is re-parented away from this process, so killing the test host's process tree does
    /// not take it along; it ends by itself once its work is done.
    /// </summary>
    private static async Task StartJanitorAsync(string binDir, string dataDir, string folder, bool asServiceUser, CancellationToken cancellationToken)
    {
        const string janitor = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1"; do sleep 1; done
            if [ -f "$3/postmaster.pid" ]; then
              if [ "$5" = 1 ]; then /usr/sbin/runuser -u postgres -- "$2" stop -D "$3" -m immediate -w -t 30
              else "$2" stop -D "$3" -m immediate -w -t 30; fi
            fi
            rm -rf -- "$4"
            """;
        var result = await TryRunAsync("/bin/sh",
            ["-c", "setsid /bin/sh -c \"$1\" ledger-pg-janitor \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" & exit 0", "sh", janitor,
             Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Path.Combine(binDir, "pg_ctl"), dataDir, folder, asServiceUser ? "1" : "0"],
            asServiceUser: false, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0) throw new InvalidOperationException($"could not start the clean-up process: {result.Output}");
    }

    // Immediate mode: the data is thrown away, so the shutdown checkpoint (seconds with fsync on)
    // would only delay the end of the test process, which the test runner does not wait long for.
    private static Task StopAsync(string binDir, string dataDir, bool asServiceUser) =>
        TryRunAsync(Path.Combine(binDir, "pg_ctl"), ["stop", "-D", dataDir, "-m", "immediate", "-w", "-t", "30"], asServiceUser, CancellationToken.None);

    /// <summary>
    /// Stops and deletes servers that an earlier test process started and could not stop (it
    /// crashed or was killed): folders named ledger-pg-PID-* whose PID is no longer running.
    /// </summary>
    private static async Task ReapAbandonedAsync(string binDir, bool asServiceUser)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var rest = Path.GetFileName(folder)[FolderPrefix.Length..];
            var dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var ownerPid)) continue;
            if (ownerPid == Environment.ProcessId || IsRunning(ownerPid)) continue;
            var dataDir = Path.Combine(folder, "data");
            if (File.Exists(Path.Combine(dataDir, "postmaster.pid")))
            {
                await StopAsync(binDir, dataDir, asServiceUser).ConfigureAwait(false);
            }

            TempDirectory.DeleteBestEffort(folder);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<string> WaitUntilReadyAsync(string connectionString, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        for (var delay = TimeSpan.FromMilliseconds(50); ; delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000)))
        {
            try
            {
                return await QueryVersionAsync(connectionString, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when ((e is NpgsqlException or TimeoutException) && deadline.Elapsed < ReadyTimeout)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> QueryVersionAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return $"PostgreSQL {version}";
    }

    private const string RunUser = "/usr/sbin/runuser";

    private static string? FindBinDir()
    {
        static bool HasServer(string dir) => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

        var forced = Environment.GetEnvironmentVariable(BinDirVariable);
        if (!string.IsNullOrWhiteSpace(forced)) return HasServer(forced) ? forced : null;

        // PostgreSQL 15 first: it is what the ledger targets (provider PostgreSQL.15).
        var candidates = new List<string> { "/usr/lib/postgresql/15/bin" };
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.EnumerateDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var major), Major: major))
                .Where(d => d.Ok && d.Major >= 15)
                .OrderByDescending(d => d.Major)
                .Select(d => Path.Combine(d.Dir, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(HasServer);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Tail(string file)
    {
        try
        {
            var lines = File.ReadAllLines(file);
            return string.Join('\n', lines.TakeLast(20));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
    }

    private readonly record struct RunResult(int ExitCode, string Output);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asServiceUser, CancellationToken cancellationToken)
    {
        var result = await TryRunAsync(file, arguments, asServiceUser, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {result.ExitCode}: {result.Output}");
        }
    }

    private static async Task<RunResult> TryRunAsync(string file, IReadOnlyList<string> arguments, bool asServiceUser, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            FileName = asServiceUser ? RunUser : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asServiceUser)
        {
            foreach (var a in (string[])["-u", ServiceUser, "--", file]) info.ArgumentList.Add(a);
        }

        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["LC_ALL"] = "C";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{Path.GetFileName(file)} did not finish within {CommandTimeout.TotalSeconds} s.");
        }

        var output = new StringBuilder().Append(await stdout.ConfigureAwait(false)).Append(await stderr.ConfigureAwait(false)).ToString().Trim();
        return new RunResult(process.ExitCode, output);
    }
}
