using System.Text.Json.Nodes;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;

namespace Ledger.Host.Tests;

/// <summary>
/// The embedded store's data folder as a careless operator meets it, each case on a real
/// <c>ledger serve</c> process on a real SQLite folder: two nodes on one folder, the store file
/// renamed away, replaced or deleted under a running node, a folder holding an orphaned write-ahead
/// log, a marker without its database or another ledger's database, a folder of the previous
/// release, a data folder that is a file and a port in use. A few seconds per node start.
/// </summary>
[Collection("real-node")]
public sealed class StoreGuardTests
{
    private static readonly TimeSpan StartMax = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RefusalMax = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_second_node_on_the_same_data_folder_exits_at_once_naming_the_holder_and_a_sigkilled_holder_leaves_no_stale_lock()
    {
        using var work = new TempDirectory("ledger-guard");
        var data = work.Combine("data");
        await using (var first = ServeProcess.Start(work.Path, work.Combine("first.log"), "--data-dir", data))
        {
            await first.WaitReadyAsync(StartMax);
            Assert.Equal(200, (await first.PutParticipantAsync("0001")).Status);

            var second = await ServeProcess.RunToEndAsync(work.Path, RefusalMax, "serve", "--data-dir", data, "--urls", $"http://127.0.0.1:{Ledger.Benchmarks.Crash.LedgerProcess.FreeLoopbackPort()}");
            Assert.True(second.ExitCode == LedgerServer.ExitDataFolderInUse, $"exit {second.ExitCode}:\n{second.Output}");
            Assert.Contains($"the data folder {data} is in use by another ledger node (held by pid {first.Process.Pid} on host {Environment.MachineName} since ", second.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", second.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Starting remoting", second.Output, StringComparison.Ordinal);

            // The first node goes on serving, and the risk-staff verbs still read its store beside it.
            Assert.Equal(200, (await first.SendAsync(HttpMethod.Get, "/health/ready", null)).Status);
            var verify = await ServeProcess.RunToEndAsync(work.Path, RefusalMax, "verify", "--data-dir", data);
            Assert.True(verify.ExitCode == 0, $"verify beside a running node exited {verify.ExitCode}:\n{verify.Output}");
            var replay = await ServeProcess.RunToEndAsync(work.Path, RefusalMax, "replay", "--participant", "0001", "--data-dir", data);
            Assert.True(replay.ExitCode == 0, $"replay beside a running node exited {replay.ExitCode}:\n{replay.Output}");

            Assert.Equal(Ledger.Benchmarks.Crash.LedgerProcess.SigkillExitCode, await first.Process.KillHard());
        }

        // SIGKILL released the lock with the process: a node starts on the folder at once, with what was acknowledged.
        await using var again = ServeProcess.Start(work.Path, work.Combine("again.log"), "--data-dir", data);
        await again.WaitReadyAsync(StartMax);
        var account = await again.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", ServeProcess.Operator);
        Assert.True(account.Status == 200, account.ToString());
    }

    public static TheoryData<string> StoreFileChanges => ["renamed-away", "deleted", "replaced"];

    [Theory]
    [MemberData(nameof(StoreFileChanges))]
    public async Task A_store_file_renamed_away_deleted_or_replaced_under_a_running_node_stops_it_acknowledging(string change)
    {
        using var work = new TempDirectory("ledger-guard");
        var data = work.Combine("data");
        var db = Path.Combine(data, "ledger.db");
        await using var node = ServeProcess.Start(work.Path, work.Combine("node.log"), "--data-dir", data);
        await node.WaitReadyAsync(StartMax);
        Assert.Equal(200, (await node.PutParticipantAsync("0001")).Status);

        switch (change)
        {
            case "renamed-away":
                File.Move(db, work.Combine("ledger.db.moved"));
                break;
            case "deleted":
                File.Delete(db);
                break;
            default:
                // Another file moved in over it (here a copy of it: same bytes, another file).
                File.Copy(db, work.Combine("ledger.db.copy"));
                File.Move(work.Combine("ledger.db.copy"), db, overwrite: true);
                break;
        }
        var rule = change == "replaced" ? "store-replaced" : "store-missing";

        // Noticed on the watch's next tick (every second): not ready, naming the rule.
        var ready = await node.EventuallyAsync(() => node.SendAsync(HttpMethod.Get, "/health/ready", null), a => a.Status == 503 && a.Rule == rule,
            TimeSpan.FromSeconds(10), $"/health/ready naming {rule}");
        Assert.Contains("\"name\":\"store\",\"ok\":false", ready.Body, StringComparison.Ordinal);

        // Nothing more is acknowledged, and no request waits for it: writes and reads alike answer the rule at once.
        for (var i = 0; i < 20; i++)
        {
            var write = await node.PutParticipantAsync($"00{10 + i}");
            Assert.True(write.Status == 503 && write.Rule == rule, write.ToString());
            Assert.True(write.Took < TimeSpan.FromSeconds(2), write.ToString());
        }
        var read = await node.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", ServeProcess.Operator);
        Assert.True(read.Status == 503 && read.Rule == rule, read.ToString());
        // A caller without a token is still told 401 first.
        Assert.Equal(401, (await node.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", null)).Status);
        // Logged once, not once per request.
        Assert.Equal(1, Count(node.Log(), $"Store fault {rule}:"));
        Assert.False(File.Exists(db) && change != "replaced", "the node recreated a store file removed under it");
    }

    [Fact]
    public async Task A_folder_with_an_orphaned_write_ahead_log_a_marker_without_its_database_or_another_ledgers_database_is_never_started_as_a_new_ledger()
    {
        using var work = new TempDirectory("ledger-guard");
        var data = work.Combine("data");
        var db = Path.Combine(data, "ledger.db");
        var aside = work.Combine("ledger.db.aside");
        string ledgerId;
        await using (var node = ServeProcess.Start(work.Path, work.Combine("node.log"), "--data-dir", data))
        {
            await node.WaitReadyAsync(StartMax);
            Assert.Equal(200, (await node.PutParticipantAsync("0001")).Status);
            ledgerId = MarkerId(data);
            Assert.Equal(ledgerId, StoredId(db));
            await node.Process.KillHard();
        }

        // The database moved away after a crash: its write-ahead log is left behind.
        File.Move(db, aside);
        Assert.True(File.Exists(db + "-wal"), "the crash left no write-ahead log");
        var orphan = await Serve(work, data);
        Assert.True(orphan.ExitCode == LedgerServer.ExitDataFolderRefused, $"exit {orphan.ExitCode}:\n{orphan.Output}");
        Assert.Contains($"{db}-wal (", orphan.Output, StringComparison.Ordinal);
        Assert.Contains("is there but ledger.db is not", orphan.Output, StringComparison.Ordinal);
        Assert.Contains($"mv {data} {data}.old", orphan.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(db), "a refused start created a database");

        // The log gone too: the marker still says a ledger lived here.
        File.Move(db + "-wal", work.Combine("ledger.db-wal.aside"));
        File.Delete(db + "-shm");
        var markerOnly = await Serve(work, data);
        Assert.True(markerOnly.ExitCode == LedgerServer.ExitDataFolderRefused, $"exit {markerOnly.ExitCode}:\n{markerOnly.Output}");
        Assert.Contains($"names ledger {ledgerId}", markerOnly.Output, StringComparison.Ordinal);
        Assert.Contains("but ledger.db is not there", markerOnly.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(db), "a refused start created a database");

        // Another ledger's database moved in: its id is not the marker's.
        File.Copy(aside, db);
        File.Copy(work.Combine("ledger.db-wal.aside"), db + "-wal");
        SetStoredId(db, "0123456789abcdef0123456789abcdef");
        var other = await Serve(work, data);
        Assert.True(other.ExitCode == LedgerServer.ExitDataFolderRefused, $"exit {other.ExitCode}:\n{other.Output}");
        Assert.Contains($"ledger.db is ledger 0123456789abcdef0123456789abcdef", other.Output, StringComparison.Ordinal);
        Assert.Contains($"names ledger {ledgerId}", other.Output, StringComparison.Ordinal);

        // A database with no ledger id where the marker names one: not this folder's database either.
        DropStoredId(db);
        var noId = await Serve(work, data);
        Assert.True(noId.ExitCode == LedgerServer.ExitDataFolderRefused, $"exit {noId.ExitCode}:\n{noId.Output}");
        Assert.Contains("holds no ledger id", noId.Output, StringComparison.Ordinal);
        foreach (var run in new[] { orphan, markerOnly, other, noId }) Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);

        // Put back as the message says, the ledger starts with what it acknowledged.
        File.Delete(db);
        File.Delete(db + "-wal");
        File.Move(aside, db);
        File.Move(work.Combine("ledger.db-wal.aside"), db + "-wal");
        await using var restored = ServeProcess.Start(work.Path, work.Combine("restored.log"), "--data-dir", data);
        await restored.WaitReadyAsync(StartMax);
        var account = await restored.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", ServeProcess.Operator);
        Assert.True(account.Status == 200, account.ToString());
        Assert.Equal(ledgerId, MarkerId(data));
    }

    [Fact]
    public async Task A_data_folder_of_the_previous_release_starts_answers_as_it_did_and_gets_its_marker()
    {
        using var work = new TempDirectory("ledger-guard");
        var data = work.Combine("data");
        Directory.CreateDirectory(data);
        var golden = Path.Combine(RepositoryRoot(), "tests", "golden-data", "release-7f8c477");
        File.Copy(Path.Combine(golden, "ledger.db"), Path.Combine(data, "ledger.db"));
        Assert.Null(StoredId(Path.Combine(data, "ledger.db")));

        await using var node = ServeProcess.Start(work.Path, work.Combine("node.log"), "--data-dir", data);
        await node.WaitReadyAsync(StartMax);
        var ledgerId = MarkerId(data);
        Assert.Equal(ledgerId, StoredId(Path.Combine(data, "ledger.db")));
        Assert.Contains("was written by an earlier release", node.Log(), StringComparison.Ordinal);

        var answers = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(golden, "answers.json")))!.AsObject();
        foreach (var participant in new[] { "0005", "0900" })
        {
            var expected = answers[$"account/{participant}"]!.AsObject();
            var answer = await node.SendAsync(HttpMethod.Get, $"/v1/participants/{participant}/account", ServeProcess.Operator);
            Assert.True(answer.Status == 200, answer.ToString());
            var actual = JsonNode.Parse(answer.Body)!.AsObject();
            foreach (var (name, value) in expected)
            {
                Assert.True(JsonNode.DeepEquals(value, actual[name]), $"account {participant}: {name} was {value?.ToJsonString()}, is {actual[name]?.ToJsonString()}");
            }
        }
    }

    [Fact]
    public async Task A_data_folder_that_is_a_file_and_a_port_in_use_end_with_one_line_and_a_nonzero_exit()
    {
        using var work = new TempDirectory("ledger-guard");
        var file = work.Combine("not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        var asFile = await Serve(work, file);
        Assert.True(asFile.ExitCode == LedgerServer.ExitStartFailed, $"exit {asFile.ExitCode}:\n{asFile.Output}");
        Assert.Contains($"Not starting: the data folder {file} is a file, not a folder", asFile.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", asFile.Output, StringComparison.Ordinal);

        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var busy = await ServeProcess.RunToEndAsync(work.Path, StartMax, "serve", "--data-dir", work.Combine("data"), "--urls", $"http://127.0.0.1:{port}");
        Assert.True(busy.ExitCode == LedgerServer.ExitStartFailed, $"exit {busy.ExitCode}:\n{busy.Output}");
        Assert.Contains($"Not starting: cannot listen on http://127.0.0.1:{port}: the address is already in use", busy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Starting remoting", busy.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", busy.Output, StringComparison.Ordinal);
        // The node it had started let go of its folder: another starts there.
        await using var node = ServeProcess.Start(work.Path, work.Combine("node.log"), "--data-dir", work.Combine("data"));
        await node.WaitReadyAsync(StartMax);
    }

    private static Task<(int ExitCode, string Output, TimeSpan Took)> Serve(TempDirectory work, string data) =>
        ServeProcess.RunToEndAsync(work.Path, RefusalMax, "serve", "--data-dir", data, "--urls", $"http://127.0.0.1:{Ledger.Benchmarks.Crash.LedgerProcess.FreeLoopbackPort()}");

    internal static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string MarkerId(string data) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(data, "ledger.id")))!["ledgerId"]!.GetValue<string>();

    private static SqliteConnection Open(string db)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static string? StoredId(string db)
    {
        using var connection = Open(db);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'ledger_identity'";
        if ((long)command.ExecuteScalar()! == 0) return null;
        command.CommandText = "SELECT ledger_id FROM ledger_identity";
        return command.ExecuteScalar() as string;
    }

    private static void SetStoredId(string db, string id)
    {
        using var connection = Open(db);
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE ledger_identity SET ledger_id = @id";
        command.Parameters.AddWithValue("@id", id);
        command.ExecuteNonQuery();
    }

    private static void DropStoredId(string db)
    {
        using var connection = Open(db);
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE ledger_identity";
        command.ExecuteNonQuery();
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Ledger.sln"))) return d.FullName;
        }
        throw new InvalidOperationException("Ledger.sln not found above " + AppContext.BaseDirectory);
    }
}
