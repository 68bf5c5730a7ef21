using System.Diagnostics;
using System.Text.Json;
using Ledger.Cluster;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Host.Tests;

/// <summary>
/// A journal damaged on disk, on a real SQLite file under the real node and host: an account event
/// edited (still valid JSON), an index event deleted, an event that is not JSON or names an unknown
/// manifest, a reference event edited. Each time the entity refuses to serve at once with a 503
/// `journal-intact` naming itself and the event, never with state its journal does not vouch for;
/// the rest of the ledger keeps serving; readiness and the metrics name it; `ledger verify` finds
/// the same event.
/// </summary>
[Collection("real-node")]
public sealed class JournalDamageTests
{
    private const string Apple = "037833100";
    private const string Operator = "operator-demo";
    private const string Occ = "occ-demo";

    /// <summary>The node's own ask timeout: a damaged entity must answer long before it.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    private static Task<RealNode> Start(string folder) =>
        RealNode.StartAsync(folder, o => o with { AskTimeout = AskTimeout, RecycleCutoffLocalTime = null });

    /// <summary>
    /// A small day: 0001 delivers DO-1 (1,000 sh, $100,000) to 0002, which completes; 0003 delivers
    /// DO-2 to 0002 in another index bucket, and DO-1's bucket gets a second event after DO-1's.
    /// </summary>
    private static async Task<(string Filler, string Other)> RunDay(string folder)
    {
        var bucket = IndexBuckets.Of(new DeliverOrderId("DO-1"));
        var filler = Enumerable.Range(1, 10_000).Select(n => $"DO-F{n}").First(id => IndexBuckets.Of(new DeliverOrderId(id)) == bucket);
        var other = Enumerable.Range(2, 10_000).Select(n => $"DO-{n}").First(id => IndexBuckets.Of(new DeliverOrderId(id)) != bucket);
        await using var node = await Start(folder);
        var api = node.Api;
        foreach (var id in new[] { "0001", "0002", "0003" })
        {
            await (await api.SendAsync(HttpMethod.Put, $"/v1/participants/{id}", Operator,
                """{"name":"Firm","netDebitCap":1000000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
        }
        await (await api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", Operator, """{"price":100,"haircut":0.1}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"cusip":"{{Apple}}","shares":1000}""")).AssertOk();
        await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0003/deposits", Operator, $$"""{"cusip":"{{Apple}}","shares":100}""")).AssertOk();
        await Submit(api, "DO-1", "0001", "0002", 1000, "100000");
        await node.EventuallyAsync("/v1/deliver-orders/DO-1", Occ, v => v.GetProperty("status").GetString() == "completed", "DO-1 completing");
        await Submit(api, filler, "0003", "0002", 10, "1000");
        await Submit(api, other, "0003", "0002", 10, "1000");
        await node.EventuallyAsync($"/v1/deliver-orders/{filler}", Occ, v => v.GetProperty("status").GetString() == "completed", $"{filler} completing");
        await node.EventuallyAsync($"/v1/deliver-orders/{other}", Occ, v => v.GetProperty("status").GetString() == "completed", $"{other} completing");
        // The deliverers' commits follow the receivers' completions.
        await node.EventuallyAsync("/v1/participants/0003/account", Operator, v => v.GetProperty("settlementBalance").GetDecimal() == 2_000m, "0003 credited");
        await node.EventuallyAsync("/v1/participants/0001/account", Operator, v => v.GetProperty("settlementBalance").GetDecimal() == 100_000m, "0001 credited");
        return (filler, other);
    }

    private static async Task<HttpResponseMessage> Submit(ApiHost api, string id, string deliverer, string receiver, long shares, string amount)
    {
        var response = await api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", Occ,
            $$"""[{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":{{shares}},"amount":{{amount}},"reasonCode":"LOAN"}]""");
        if (response.IsSuccessStatusCode)
        {
            var answer = (await response.Json()).EnumerateArray().Single();
            Assert.True(answer.GetProperty("accepted").GetBoolean(), answer.ToString());
        }
        return response;
    }

    private static SqliteConnection Open(string folder)
    {
        var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder));
        connection.Open();
        return connection;
    }

    private static long Scalar(string folder, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(folder);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(string folder, string sql, params (string Name, object Value)[] parameters)
    {
        using (var connection = Open(folder))
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        SqliteConnection.ClearAllPools();
    }

    private static long SequenceNrOf(string folder, string persistenceId, string manifest) =>
        Scalar(folder, "SELECT MIN(sequence_number) FROM journal WHERE persistence_id = $p AND manifest = $m", ("$p", persistenceId), ("$m", manifest));

    private static long Rows(string folder, string persistenceId) =>
        Scalar(folder, "SELECT COUNT(*) FROM journal WHERE persistence_id = $p", ("$p", persistenceId));

    /// <summary>Asks and asserts a prompt 503 journal-intact naming the entity, the event and the finding.</summary>
    private static async Task<JsonElement> AssertRefused(ApiHost api, HttpMethod method, string path, string token, string entity, long sequenceNr, string finding,
        string? json = null)
    {
        var clock = Stopwatch.StartNew();
        var response = await api.SendAsync(method, path, token, json);
        clock.Stop();
        var problem = await response.AssertProblem(503, "journal-intact");
        Assert.Equal(entity, problem.GetProperty("entity").GetString());
        Assert.Equal(sequenceNr, problem.GetProperty("sequenceNr").GetInt64());
        Assert.Equal(finding, problem.GetProperty("finding").GetString());
        Assert.Contains($"{entity} refuses to serve: event {sequenceNr} of its journal", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Answered by the entity, not by the ask timing out.
        Assert.True(clock.Elapsed < AskTimeout / 3, $"{method} {path} took {clock.Elapsed.TotalSeconds:0.0} s");
        return problem;
    }

    private static async Task<JsonElement> JournalsCheck(ApiHost api, string expectedStatus)
    {
        var ready = await (await api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        Assert.Equal(expectedStatus, ready.GetProperty("status").GetString());
        return ready.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "journals");
    }

    private static async Task<PrometheusText> Metrics(ApiHost api)
    {
        var response = await api.SendAsync(HttpMethod.Get, ApiOptions.MetricsPath, Operator);
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {(int)response.StatusCode}");
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    private static async Task<(int Exit, string Output)> Verify(string folder)
    {
        var output = new StringWriter();
        var exit = await VerifyCommand.RunAsync(new StoreSettings(StoreConfig.Sqlite, null, folder), null, output, new StringWriter(), CancellationToken.None);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task An_account_event_edited_on_disk_makes_that_account_refuse_to_serve_naming_the_event_while_the_others_serve()
    {
        using var folder = new TempFolder();
        await RunDay(folder.Path);
        var (exit, output) = await Verify(folder.Path);
        Assert.True(exit == VerifyCommand.ExitOk, output);

        // Raise the receive's amount by one cent: still valid JSON, and an account that would owe a cent more.
        var sequenceNr = SequenceNrOf(folder.Path, "account-0002", "account.receive-completed.v2");
        Execute(folder.Path, """
            UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"amountCents":10000000', '"amountCents":10000001') AS BLOB)
            WHERE persistence_id = 'account-0002' AND sequence_number = $seq
            """, ("$seq", sequenceNr));
        var rows = Rows(folder.Path, "account-0002");

        await using (var node = await Start(folder.Path))
        {
            var api = node.Api;
            await AssertRefused(api, HttpMethod.Get, "/v1/participants/0002/account", Operator, "account-0002", sequenceNr, "not-matching");
            await AssertRefused(api, HttpMethod.Get, "/v1/participants/0002/account", "participant-0002", "account-0002", sequenceNr, "not-matching");
            // ?asOf= replays through the same check: no state the journal does not vouch for there either.
            await AssertRefused(api, HttpMethod.Get, "/v1/participants/0002/account?asOf=2100-01-01T00:00:00Z", "risk-demo", "account-0002", sequenceNr, "not-matching");
            // A write to it changes nothing.
            await AssertRefused(api, HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, "account-0002", sequenceNr, "not-matching",
                """{"amount":5000}""");

            // The other accounts keep serving, to the cent.
            var lender = await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", Operator)).AssertOk();
            Assert.Equal(100_000m, lender.GetProperty("settlementBalance").GetDecimal());
            await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0003/settlement-progress-payments", Operator, """{"amount":5000}""")).AssertOk();

            var journals = await JournalsCheck(api, "degraded");
            Assert.False(journals.GetProperty("ok").GetBoolean());
            Assert.Contains($"account-0002 (event {sequenceNr}: not-matching)", journals.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var metrics = await Metrics(api);
            Assert.Equal(1, metrics.Value("ledger_journals_damaged", ("journal", "account")));
            Assert.Equal(0, metrics.Value("ledger_journals_damaged", ("journal", "deliver-order-index")));
        }
        Assert.Equal(rows, Rows(folder.Path, "account-0002"));

        (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.Contains($"FAIL account-0002: event {sequenceNr} (account.receive-completed.v2) does not match its hash chain", output, StringComparison.Ordinal);
        Assert.Contains("OK   account-0001", output, StringComparison.Ordinal);
        Assert.Contains("1 of ", output, StringComparison.Ordinal);

        // Risk staff's replay and what-if read through the same check; up to the event before, the replay still serves.
        var error = new StringWriter();
        exit = await ReplayCommand.RunAsync(new ReplayOptions { Participant = "0002", Json = true, DataDir = folder.Path }, new StringWriter(), error, CancellationToken.None);
        Assert.Equal(ReplayCommand.ExitStoreUnreadable, exit);
        Assert.Contains($"account-0002: event {sequenceNr} (account.receive-completed.v2) does not match its hash chain", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"--to-event {sequenceNr - 1}", error.ToString(), StringComparison.Ordinal);
        exit = await ReplayCommand.RunAsync(new ReplayOptions { Participant = "0002", Json = true, DataDir = folder.Path, Bound = ReplayBound.ToEvent(sequenceNr - 1) },
            new StringWriter(), new StringWriter(), CancellationToken.None);
        Assert.Equal(ReplayCommand.ExitOk, exit);
        error = new StringWriter();
        exit = await WhatIfCommand.RunAsync(new WhatIfOptions { Settings = ["netDebitCap[0002]=1000"], DataDir = folder.Path }, new StringWriter(), error, CancellationToken.None);
        Assert.Equal(WhatIfCommand.ExitStoreUnreadable, exit);
        Assert.Contains($"account-0002: event {sequenceNr} (account.receive-completed.v2) does not match its hash chain", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_index_event_deleted_makes_its_bucket_refuse_instead_of_calling_a_taken_id_free()
    {
        using var folder = new TempFolder();
        var (filler, other) = await RunDay(folder.Path);
        var bucket = "deliver-order-index-" + IndexBuckets.Of(new DeliverOrderId("DO-1"));
        Assert.Equal(2, Rows(folder.Path, bucket));
        Assert.Equal(1, Scalar(folder.Path, "SELECT COUNT(*) FROM journal WHERE persistence_id = $p AND sequence_number = 1 AND CAST(message AS TEXT) LIKE '%\"DO-1\"%'",
            ("$p", bucket)));
        Execute(folder.Path, "DELETE FROM journal WHERE persistence_id = $p AND sequence_number = 1", ("$p", bucket));
        var deliverer = Rows(folder.Path, "account-0001");

        await using (var node = await Start(folder.Path))
        {
            var api = node.Api;
            // Without the check: 404, though both accounts hold DO-1 as completed.
            await AssertRefused(api, HttpMethod.Get, "/v1/deliver-orders/DO-1", Occ, bucket, 1, "missing");
            await AssertRefused(api, HttpMethod.Get, $"/v1/deliver-orders/{filler}", "participant-0003", bucket, 1, "missing");
            // Without the check: the id is taken again with other terms and answered "completed".
            var resubmitted = await Submit(api, "DO-1", "0001", "0002", 999, "99900");
            var problem = await resubmitted.AssertProblem(503, "journal-intact");
            Assert.Equal(bucket, problem.GetProperty("entity").GetString());
            Assert.Equal("missing", problem.GetProperty("finding").GetString());

            var elsewhere = await (await api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{other}", Occ)).AssertOk();
            Assert.Equal("completed", elsewhere.GetProperty("status").GetString());

            var journals = await JournalsCheck(api, "degraded");
            Assert.Contains($"{bucket} (event 1: missing)", journals.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, (await Metrics(api)).Value("ledger_journals_damaged", ("journal", "deliver-order-index")));
        }
        Assert.Equal(1, Rows(folder.Path, bucket));
        Assert.Equal(deliverer, Rows(folder.Path, "account-0001"));

        var (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.Contains($"FAIL {bucket}: event 1 is missing: the journal starts at event 2", output, StringComparison.Ordinal);
        Assert.Contains("1 missing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_that_is_not_json_names_an_unknown_manifest_or_another_serializer_is_answered_at_once_not_after_the_ask_timeout()
    {
        using var folder = new TempFolder();
        var (_, other) = await RunDay(folder.Path);
        var broken = SequenceNrOf(folder.Path, "account-0001", "account.delivery-completed.v1");
        Execute(folder.Path, "UPDATE journal SET message = CAST('{\"deliverOrderId\":\"DO-1\",' AS BLOB) WHERE persistence_id = 'account-0001' AND sequence_number = $seq",
            ("$seq", broken));
        Execute(folder.Path, "UPDATE journal SET manifest = 'account.shares-lent.v1' WHERE persistence_id = 'account-0003' AND sequence_number = 2");
        var otherBucket = "deliver-order-index-" + IndexBuckets.Of(new DeliverOrderId(other));
        Execute(folder.Path, "UPDATE journal SET identifier = 9999 WHERE persistence_id = $p AND sequence_number = 1", ("$p", otherBucket));

        await using (var node = await Start(folder.Path))
        {
            var api = node.Api;
            await AssertRefused(api, HttpMethod.Get, "/v1/participants/0001/account", Operator, "account-0001", broken, "unreadable");
            await AssertRefused(api, HttpMethod.Get, "/v1/participants/0003/account", Operator, "account-0003", 2, "unreadable");
            await AssertRefused(api, HttpMethod.Get, $"/v1/deliver-orders/{other}", Occ, otherBucket, 1, "unreadable");
            var borrower = await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account", Operator)).AssertOk();
            Assert.Equal(-102_000m, borrower.GetProperty("settlementBalance").GetDecimal());

            var journals = await JournalsCheck(api, "degraded");
            var detail = journals.GetProperty("detail").GetString()!;
            Assert.Contains($"account-0001 (event {broken}: unreadable)", detail, StringComparison.Ordinal);
            Assert.Contains("account-0003 (event 2: unreadable)", detail, StringComparison.Ordinal);
            Assert.Equal(2, (await Metrics(api)).Value("ledger_journals_damaged", ("journal", "account")));
        }

        var (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.Contains($"FAIL account-0001: event {broken} (account.delivery-completed.v1) is unreadable", output, StringComparison.Ordinal);
        Assert.Contains("FAIL account-0003: event 2 (account.shares-lent.v1) is unreadable", output, StringComparison.Ordinal);
        Assert.Contains($"FAIL {otherBucket}: event 1 (index.deliver-order-registered.v1) is unreadable: it was written by serializer 9999", output, StringComparison.Ordinal);
        Assert.Contains("3 unreadable", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A deliver order pending at a receiver whose journal is then damaged waits, reserved at its
    /// deliverer, and completes once the journal is repaired: nothing is lost or settled twice.
    /// </summary>
    [Fact]
    public async Task A_deliver_order_waiting_on_a_damaged_account_stays_reserved_and_completes_once_its_journal_is_repaired()
    {
        using var folder = new TempFolder();
        await RunDay(folder.Path);
        await using (var node = await Start(folder.Path))
        {
            await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"cusip":"{{Apple}}","shares":10000}""")).AssertOk();
            await Submit(node.Api, "DO-P", "0001", "0002", 10_000, "1000000");
            await node.EventuallyAsync("/v1/deliver-orders/DO-P", Occ, v => v.GetProperty("status").GetString() == "pending", "DO-P pending at 0002");
        }

        byte[] original;
        using (var connection = Open(folder.Path))
        {
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT message FROM journal WHERE persistence_id = 'account-0002' AND sequence_number = 1";
            original = (byte[])read.ExecuteScalar()!;
        }
        Execute(folder.Path, """
            UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"name":"Firm"', '"name":"Firm Two"') AS BLOB)
            WHERE persistence_id = 'account-0002' AND sequence_number = 1
            """);

        await using (var node = await Start(folder.Path))
        {
            await AssertRefused(node.Api, HttpMethod.Get, "/v1/deliver-orders/DO-P", Occ, "account-0002", 1, "not-matching");
            await AssertRefused(node.Api, HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, "account-0002", 1, "not-matching",
                """{"amount":200000}""");
            var deliverer = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/participants/0001/account", Operator)).AssertOk();
            Assert.Equal(10_000, deliverer.GetProperty("positions").EnumerateArray().Single().GetProperty("reservedShares").GetInt64());
        }

        // The repair: the row as it was, verified before the node starts again.
        Execute(folder.Path, "UPDATE journal SET message = $m WHERE persistence_id = 'account-0002' AND sequence_number = 1", ("$m", original));
        var (exit, output) = await Verify(folder.Path);
        Assert.True(exit == VerifyCommand.ExitOk, output);

        await using (var node = await Start(folder.Path))
        {
            var journals = await JournalsCheck(node.Api, "ready");
            Assert.True(journals.GetProperty("ok").GetBoolean());
            await (await node.Api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, """{"amount":200000}""")).AssertOk();
            var done = await node.EventuallyAsync("/v1/deliver-orders/DO-P", Occ, v => v.GetProperty("status").GetString() == "completed", "DO-P completing");
            Assert.Equal("recycle", done.GetProperty("completedBy").GetString());
            await node.EventuallyAsync("/v1/participants/0001/account", Operator, v => v.GetProperty("settlementBalance").GetDecimal() == 1_100_000m,
                "0001 credited once for DO-1 and DO-P");
        }
    }

    [Fact]
    public async Task A_last_event_marked_deleted_is_missing_by_the_stores_highest_sequence_number()
    {
        using var folder = new TempFolder();
        await RunDay(folder.Path);
        var last = Scalar(folder.Path, "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = 'account-0003'");
        Execute(folder.Path, "UPDATE journal SET deleted = 1 WHERE persistence_id = 'account-0003' AND sequence_number = $seq", ("$seq", last));

        await using (var node = await Start(folder.Path))
        {
            await AssertRefused(node.Api, HttpMethod.Get, "/v1/participants/0003/account", Operator, "account-0003", last, "missing");
        }
        var (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.Contains($"FAIL account-0003: event {last} is missing: the journal's highest event is {last}, the last readable one {last - 1}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reference_event_edited_on_disk_stops_what_needs_the_reference_data_and_readiness_says_so()
    {
        using var folder = new TempFolder();
        await RunDay(folder.Path);
        // The cap of 0002 raised in the reference journal: a participant's limits are exactly what must not change by hand.
        var sequenceNr = Scalar(folder.Path,
            "SELECT MIN(sequence_number) FROM journal WHERE persistence_id = 'reference' AND CAST(message AS TEXT) LIKE '%\"participant\":\"0002\"%'");
        Execute(folder.Path, """
            UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"netDebitCapCents":100000000', '"netDebitCapCents":900000000') AS BLOB)
            WHERE persistence_id = 'reference' AND sequence_number = $seq
            """, ("$seq", sequenceNr));

        await using (var node = await Start(folder.Path))
        {
            var api = node.Api;
            await AssertRefused(api, HttpMethod.Post, "/v1/participants/0001/deposits", Operator, "reference", sequenceNr, "not-matching",
                $$"""{"cusip":"{{Apple}}","shares":5}""");
            var submitted = await Submit(api, "DO-9", "0001", "0002", 1, "100");
            Assert.Equal("reference", (await submitted.AssertProblem(503, "journal-intact")).GetProperty("entity").GetString());
            // Deliver orders' status does not need the reference data.
            var done = await (await api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DO-1", Occ)).AssertOk();
            Assert.Equal("completed", done.GetProperty("status").GetString());

            var problem = await (await api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertProblem(503, "journal-intact");
            var checks = problem.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
            Assert.False(checks["ledger"].GetProperty("ok").GetBoolean());
            Assert.Contains($"reference (event {sequenceNr}: not-matching)", checks["journals"].GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, (await Metrics(api)).Value("ledger_journals_damaged", ("journal", "reference")));
        }

        var (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.Contains($"FAIL reference: event {sequenceNr} (reference.participant-registered.v1) does not match its hash chain", output, StringComparison.Ordinal);
    }
}
