using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;
using Npgsql;

namespace Ledger.Host.Tests;

/// <summary>
/// Readiness follows the journal: a node on PostgreSQL reached through a relay that the test can
/// shut is ready, answers 503 naming the store fault (store-unreachable) while the store is unreachable, and is ready
/// again once it is back. Uses the test process's PostgreSQL server (skipped outside CI when none
/// can be had, failed under CI=true); about 10 s.
/// </summary>
[Collection("real-node")]
public sealed class JournalReadinessTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [SkippableFact]
    public async Task Ready_answers_503_naming_the_journal_while_the_store_is_unreachable_and_200_once_it_is_back()
    {
        var connection = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync("ledger_ready"));
        await using var gate = TcpGate.Start(connection.Port);
        connection.Host = "127.0.0.1";
        connection.Port = gate.Port;
        // A refused connection fails at once; a slow one is cut by the check's own timeout.
        connection.Timeout = 5;
        using var folder = new TempFolder();
        await using var node = await RealNode.StartAsync(new LedgerNodeOptions
        {
            Store = "postgres",
            Connection = connection.ConnectionString,
            DataDir = folder.Path,
            ResendInterval = TimeSpan.FromMilliseconds(200),
        });

        var ready = await (await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
        Assert.True(Check(ready, "journal").GetProperty("ok").GetBoolean());

        gate.Shut();
        var problem = await OperabilityTests.EventuallyNotReadyAsync(node.Api);
        // The journal's failed read is a store fault the node names (store-unreachable) once it is
        // reported; until then the failed journal check alone answers journal-reachable.
        Assert.Contains(problem.GetProperty("rule").GetString(), new[] { "store-unreachable", "journal-reachable" });
        Assert.False(Check(problem, "journal").GetProperty("ok").GetBoolean());
        for (var deadline = DateTime.UtcNow.AddSeconds(20); problem.GetProperty("rule").GetString() != "store-unreachable"; await Task.Delay(250))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the store fault was not named within 20 s: {problem}");
            var again = await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null);
            problem = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        Assert.False(Check(problem, "store").GetProperty("ok").GetBoolean());
        // Only the journal is gone: the member is still Up and the ledger still answers from memory.
        Assert.True(Check(problem, "cluster").GetProperty("ok").GetBoolean());
        Assert.True(Check(problem, "ledger").GetProperty("ok").GetBoolean());

        gate.Open();
        var last = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(250))
        {
            var response = await node.Api.SendAsync(HttpMethod.Get, "/health/ready", null);
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode) break;
            // Pooled connections the gate reset fail once each before new ones are opened.
            Assert.True(DateTime.UtcNow < deadline, $"not ready again within 60 s of the store coming back; last answer: {last}");
        }
        Assert.True(Check(JsonDocument.Parse(last).RootElement, "journal").GetProperty("ok").GetBoolean());
    }

    private static JsonElement Check(JsonElement answer, string name) =>
        answer.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
