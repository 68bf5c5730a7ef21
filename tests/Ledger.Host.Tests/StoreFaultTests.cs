using System.Diagnostics;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;
using Npgsql;

namespace Ledger.Host.Tests;

/// <summary>
/// Storage faults on real parts answer promptly and by name: a real <c>ledger serve</c> process
/// whose data folder is a small tmpfs filled to the last byte (a real full disk: SQLITE_FULL), and
/// one on a real PostgreSQL server made read-only and then stopped. Each fault answers 503 with its
/// rule within seconds, is logged once rather than per request, and ends when the store takes writes
/// again; a start against a stopped server fails in seconds with one line. The tmpfs needs root and
/// mount (skipped outside CI without them, failed under CI=true); about a minute in all.
/// </summary>
[Collection("real-node")]
public sealed class StoreFaultTests
{
    private static readonly TimeSpan StartMax = TimeSpan.FromSeconds(90);
    private const string Apple = "037833100";

    [SkippableFact]
    public async Task A_full_disk_answers_503_store_full_within_seconds_logged_once_and_the_node_takes_writes_again_once_space_is_freed()
    {
        using var work = new TempDirectory("ledger-full");
        var data = work.Combine("data");
        await using var tmpfs = await Tmpfs.MountAsync(data, sizeMb: 32);
        await using var node = ServeProcess.Start(work.Path, work.Combine("node.log"), "--data-dir", data);
        await node.WaitReadyAsync(StartMax);
        Assert.Equal(200, (await node.PutParticipantAsync("0001")).Status);
        Assert.Equal(200, (await node.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", ServeProcess.Operator, """{"price":100,"haircut":0.1}""")).Status);
        var acknowledgedShares = 0L;
        var deposit = () => node.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", ServeProcess.Operator, $$"""{"cusip":"{{Apple}}","shares":10}""");
        Assert.Equal(200, (await deposit()).Status);
        acknowledgedShares += 10;

        // Fill the file system to the last byte.
        var filler = Path.Combine(data, "filler");
        tmpfs.Fill(filler);

        // Writes fail on the disk now (the write-ahead log must grow): each answers at once, the first
        // ones at the latest when their own write fails, every later one before it reaches an account.
        var started = Stopwatch.StartNew();
        var answers = new List<ServeProcess.Answer>();
        while (started.Elapsed < TimeSpan.FromSeconds(30) && !answers.Any(a => a.Rule == "store-full"))
        {
            var a = await deposit();
            answers.Add(a);
            if (a.Status == 200) acknowledgedShares += 10;
        }
        Assert.True(answers.Any(a => a.Rule == "store-full"), "no store-full within 30 s: " + string.Join("\n", answers.TakeLast(5)));
        Assert.All(answers, a => Assert.True(a.Status == 200 || (a.Status == 503 && a.Rule == "store-full"), a.ToString()));
        Assert.All(answers, a => Assert.True(a.Took < TimeSpan.FromSeconds(10), a.ToString()));
        for (var i = 0; i < 30; i++)
        {
            var refused = await deposit();
            Assert.True(refused.Status == 503 && refused.Rule == "store-full", refused.ToString());
            Assert.True(refused.Took < TimeSpan.FromSeconds(2), refused.ToString());
            Assert.Contains("not taken", refused.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        var ready = await node.SendAsync(HttpMethod.Get, "/health/ready", null);
        Assert.True(ready.Status == 503 && ready.Rule == "store-full", ready.ToString());
        // Reads go on from the accounts' memory.
        Assert.Equal(200, (await node.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", ServeProcess.Operator)).Status);
        Assert.InRange(StoreGuardTests.Count(node.Log(), "Store fault store-full"), 1, 2);

        // Space freed: the probe's next write goes through, the fault ends, deposits are taken again.
        File.Delete(filler);
        await node.EventuallyAsync(() => node.SendAsync(HttpMethod.Get, "/health/ready", null), a => a.Status == 200, TimeSpan.FromSeconds(15), "ready again");
        var after = await node.EventuallyAsync(deposit, a => a.Status == 200, TimeSpan.FromSeconds(30), "a deposit taken again");
        acknowledgedShares += 10;
        Assert.Contains("Store fault store-full is over", node.Log(), StringComparison.Ordinal);
        var position = after.Json.GetProperty("positions").EnumerateArray().Single(p => p.GetProperty("cusip").GetString() == Apple).GetProperty("shares").GetInt64();
        // Every acknowledged deposit is there; a deposit in flight when the disk filled may have been taken too.
        Assert.True(position >= acknowledgedShares, $"position {position} < acknowledged {acknowledgedShares}");
    }

    [SkippableFact]
    public async Task A_read_only_and_then_stopped_postgresql_answers_503_by_rule_within_seconds_and_a_start_against_it_fails_in_seconds_with_one_line()
    {
        PostgresServer server;
        try
        {
            server = await PostgresServer.StartThrowawayAsync();
        }
        catch (PostgresUnavailableException e)
        {
            throw TestEnvironment.Unavailable("PostgreSQL", e.Message);
        }
        await using var _ = server;
        var connection = await server.CreateDatabaseAsync("ledger_faults");
        var database = new NpgsqlConnectionStringBuilder(connection).Database!;
        using var work = new TempDirectory("ledger-pg-faults");
        await using var node = ServeProcess.Start(work.Path, work.Combine("node.log"), "--store", "postgres", "--connection", connection);
        await node.WaitReadyAsync(StartMax);
        Assert.Equal(200, (await node.PutParticipantAsync("0001")).Status);

        // Read-only: new sessions of the database refuse writes; the node's pooled sessions are ended.
        await Admin(server, $"ALTER DATABASE \"{database}\" SET default_transaction_read_only = on");
        await Admin(server, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        await node.EventuallyAsync(() => node.PutParticipantAsync("0002"), a => a.Status == 503 && a.Rule == "store-read-only", TimeSpan.FromSeconds(30), "store-read-only");
        for (var i = 0; i < 10; i++)
        {
            var refused = await node.PutParticipantAsync("0002");
            Assert.True(refused.Status == 503 && refused.Rule == "store-read-only" && refused.Took < TimeSpan.FromSeconds(2), refused.ToString());
        }
        await Admin(server, $"ALTER DATABASE \"{database}\" RESET default_transaction_read_only");
        await Admin(server, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        await node.EventuallyAsync(() => node.PutParticipantAsync("0002"), a => a.Status == 200, TimeSpan.FromSeconds(30), "writes taken again");

        // Stopped: every write answers store-unreachable within seconds, and the log does not grow per request.
        var logBeforeStop = node.Log().Length;
        await server.DisposeAsync();
        var stopped = Stopwatch.StartNew();
        var first = await node.EventuallyAsync(() => node.PutParticipantAsync("0003"), a => a.Status == 503 && a.Rule == "store-unreachable",
            TimeSpan.FromSeconds(30), "store-unreachable");
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(20), $"the first store-unreachable came {stopped.Elapsed.TotalSeconds:0} s after the stop");
        var eventsBefore = Events(node.Log()).Count;
        for (var i = 0; i < 100; i++)
        {
            var refused = await node.PutParticipantAsync("0003");
            Assert.True(refused.Status == 503 && refused.Rule == "store-unreachable" && refused.Took < TimeSpan.FromSeconds(2), refused.ToString());
        }
        var ready = await node.SendAsync(HttpMethod.Get, "/health/ready", null);
        Assert.True(ready.Status == 503 && ready.Rule == "store-unreachable", ready.ToString());
        // One request-log event per request, and no more than a handful of others (the fault itself at most once per 10 s).
        var added = Events(node.Log()).Skip(eventsBefore).ToList();
        var others = added.Where(l => !l.Contains("RequestLoggingMiddleware", StringComparison.Ordinal)).ToList();
        Assert.True(added.Count <= 100 + 10, $"{added.Count} log events for 100 refused requests; besides the request log:\n{string.Join('\n', others.Take(40))}");
        Assert.InRange(StoreGuardTests.Count(node.Log()[logBeforeStop..], "Store fault store-unreachable:"), 1, 2);
        Assert.Equal(LedgerProcessExit.Sigkill, await node.Process.KillHard());

        // A node started against the stopped server gives up within seconds, naming it in one line.
        var start = await ServeProcess.RunToEndAsync(work.Path, TimeSpan.FromSeconds(60), "serve", "--store", "postgres", "--connection", connection,
            "--urls", $"http://127.0.0.1:{Ledger.Benchmarks.Crash.LedgerProcess.FreeLoopbackPort()}");
        var pg = new NpgsqlConnectionStringBuilder(connection);
        Assert.True(start.ExitCode == LedgerServer.ExitStartFailed, $"exit {start.ExitCode}:\n{start.Output}");
        Assert.Contains($"Not starting: PostgreSQL at {pg.Host}:{pg.Port}, database {database} cannot be reached", start.Output, StringComparison.Ordinal);
        Assert.True(start.Took < TimeSpan.FromSeconds(20), $"took {start.Took.TotalSeconds:0} s");
        Assert.DoesNotContain("   at ", start.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(pg.Password!, start.Output, StringComparison.Ordinal);
    }

    /// <summary>The log's events: each starts with its time (an exception's stack trace continues the event on further lines).</summary>
    private static List<string> Events(string log) =>
        log.Split('\n').Where(l => l.Length > 14 && l[0] == '[' && char.IsAsciiDigit(l[1]) && l[3] == ':').ToList();

    private static class LedgerProcessExit
    {
        public const int Sigkill = Ledger.Benchmarks.Crash.LedgerProcess.SigkillExitCode;
    }

    private static async Task Admin(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A tmpfs of a few megabytes mounted on a folder: a file system that really fills up.</summary>
    private sealed class Tmpfs : IAsyncDisposable
    {
        private readonly string _path;

        private Tmpfs(string path) => _path = path;

        public static async Task<Tmpfs> MountAsync(string path, int sizeMb)
        {
            Directory.CreateDirectory(path);
            if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
                throw TestEnvironment.Unavailable("a tmpfs mount", "mounting needs root on Linux");
            var (exit, output) = await Run("mount", "-t", "tmpfs", "-o", $"size={sizeMb}m", "tmpfs", path);
            if (exit != 0) throw TestEnvironment.Unavailable("a tmpfs mount", $"mount exited {exit}: {output}");
            return new Tmpfs(path);
        }

        /// <summary>Writes <paramref name="file"/> until the file system has no byte left.</summary>
        public void Fill(string file)
        {
            var block = new byte[64 * 1024];
            using var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
            try
            {
                for (var size = block.Length; ;)
                {
                    try
                    {
                        stream.Write(block, 0, size);
                    }
                    catch (IOException) when (size > 1)
                    {
                        size /= 2;
                    }
                }
            }
            catch (IOException)
            {
                // Not even one byte more.
            }
        }

        public async ValueTask DisposeAsync()
        {
            var (exit, output) = await Run("umount", "-l", _path);
            if (exit != 0) Console.Error.WriteLine($"umount {_path} exited {exit}: {output}");
        }

        private static async Task<(int, string)> Run(string file, params string[] arguments)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments) info.ArgumentList.Add(a);
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output.Trim());
        }
    }
}
