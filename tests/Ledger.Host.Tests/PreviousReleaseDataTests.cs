using System.Text.Json;
using Ledger.Cluster;
using Ledger.Settlement;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;
using Ledger.Journal;
using Microsoft.Data.Sqlite;

namespace Ledger.Host.Tests;

/// <summary>
/// The data folder release 7f8c477 wrote (tests/golden-data/release-7f8c477, never edited; the test
/// works on a copy): its account journals are chained, its index buckets and reference journal are
/// not. It must verify, recover into exactly the answers that release gave, and take new events
/// chained on from its unchained ones, so that from then on an edit to an old event shows.
/// </summary>
[Collection("real-node")]
public sealed class PreviousReleaseDataTests
{
    private const string Release = "release-7f8c477";

    private static string GoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "tests", "golden-data", Release);
            if (File.Exists(Path.Combine(folder, StoreConfig.SqliteFileName))) return folder;
        }
        throw new InvalidOperationException($"tests/golden-data/{Release} is not above {AppContext.BaseDirectory}");
    }

    private static async Task<(int Exit, string Output)> Verify(string folder)
    {
        var output = new StringWriter();
        var exit = await VerifyCommand.RunAsync(new StoreSettings(StoreConfig.Sqlite, null, folder), null, output, new StringWriter(), CancellationToken.None);
        return (exit, output.ToString());
    }

    private static string[] Lines(string output, string prefix) =>
        output.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToArray();

    /// <summary>Every member the earlier release answered is answered the same now (members added since are not compared).</summary>
    private static void AssertSameAnswer(string what, JsonElement expected, JsonElement actual)
    {
        foreach (var member in expected.EnumerateObject())
        {
            Assert.True(actual.TryGetProperty(member.Name, out var now), $"{what}: {member.Name} is no longer answered");
            Assert.True(JsonElement.DeepEquals(member.Value, now), $"{what}: {member.Name} was {member.Value}, is now {now}");
        }
    }

    [Fact]
    public async Task The_previous_releases_data_folder_verifies_recovers_to_its_answers_and_chains_on_from_its_unchained_journals()
    {
        using var folder = new TempFolder();
        var golden = GoldenFolder();
        File.Copy(Path.Combine(golden, StoreConfig.SqliteFileName), Path.Combine(folder.Path, StoreConfig.SqliteFileName));
        using var answers = JsonDocument.Parse(File.ReadAllText(Path.Combine(golden, "answers.json")));

        var (exit, output) = await Verify(folder.Path);
        Assert.True(exit == VerifyCommand.ExitOk, output);
        var accounts = Lines(output, "OK   account-");
        Assert.Equal(11, accounts.Length);
        Assert.All(accounts, l => Assert.DoesNotContain("unchained", l, StringComparison.Ordinal));
        var buckets = Lines(output, "OK   deliver-order-index-");
        Assert.NotEmpty(buckets);
        Assert.All(buckets, l => Assert.EndsWith("unchained (written before this journal was chained)", l, StringComparison.Ordinal));
        Assert.Equal("OK   reference: 35 events, unchained (written before this journal was chained)", Assert.Single(Lines(output, "OK   reference")));
        Assert.Empty(Lines(output, "FAIL"));

        // A bucket of the old release that a new deliver order will write to.
        var oldBuckets = buckets.Select(l => l[5..l.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        var newId = Enumerable.Range(1, 10_000).Select(n => $"AFTER-{n}").First(id => oldBuckets.Contains("deliver-order-index-" + IndexBuckets.Of(new DeliverOrderId(id))));
        var bucket = "deliver-order-index-" + IndexBuckets.Of(new DeliverOrderId(newId));
        long oldBucketEvents;
        using (var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder.Path)))
        {
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id = $p";
            count.Parameters.AddWithValue("$p", bucket);
            oldBucketEvents = (long)count.ExecuteScalar()!;
            // Its check inputs are ".v1" decimals: recovering them below goes through the upcast to whole cents.
            using var legacy = connection.CreateCommand();
            legacy.CommandText = "SELECT COUNT(*) FROM journal WHERE manifest IN ('account.delivery-reserved.v1', 'account.receive-completed.v1', 'account.receive-pended.v1', 'account.look-ahead-proposed.v1')";
            Assert.True((long)legacy.ExecuteScalar()! > 0, "the release's folder holds no .v1 check inputs");
        }

        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            var api = node.Api;
            foreach (var answer in answers.RootElement.EnumerateObject())
            {
                var (path, token) = answer.Name.StartsWith("account/", StringComparison.Ordinal)
                    ? ($"/v1/participants/{answer.Name["account/".Length..]}/account", "operator-demo")
                    : ($"/v1/deliver-orders/{answer.Name["deliver-order/".Length..]}", "occ-demo");
                AssertSameAnswer(answer.Name, answer.Value, await (await api.SendAsync(HttpMethod.Get, path, token)).AssertOk());
            }
            var ready = await (await api.SendAsync(HttpMethod.Get, "/health/ready", null)).AssertOk();
            Assert.Equal("ready", ready.GetProperty("status").GetString());

            // New events on top: a participant (the reference journal) and a deliver order (an old bucket).
            await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0015", "operator-demo",
                """{"name":"After Capital","netDebitCap":1000000,"participantsFund":100000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
            await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0015/deposits", "operator-demo", """{"cusip":"11JMVZ305","shares":10}""")).AssertOk();
            var submitted = await (await api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
                $$"""[{"id":"{{newId}}","deliverer":"0015","receiver":"0005","cusip":"11JMVZ305","shares":10,"amount":160.80,"reasonCode":"SL"}]""")).AssertOk();
            Assert.True(submitted[0].GetProperty("accepted").GetBoolean(), submitted.ToString());
        }

        (exit, output) = await Verify(folder.Path);
        Assert.True(exit == VerifyCommand.ExitOk, output);
        Assert.Equal("OK   reference: 36 events, the first 35 unchained (written before this journal was chained)", Assert.Single(Lines(output, "OK   reference")));
        Assert.Equal($"OK   {bucket}: {oldBucketEvents + 1} events, the first {oldBucketEvents} unchained (written before this journal was chained)",
            Assert.Single(Lines(output, $"OK   {bucket}:")));
        Assert.StartsWith("OK   account-0015: ", Assert.Single(Lines(output, "OK   account-0015")), StringComparison.Ordinal);
        using (var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder.Path)))
        {
            connection.Open();
            using var written = connection.CreateCommand();
            written.CommandText = "SELECT manifest FROM journal WHERE persistence_id = 'account-0015' AND manifest LIKE 'account.delivery-reserved.%'";
            Assert.Equal("account.delivery-reserved.v2", (string)written.ExecuteScalar()!); // new events: whole cents, the new manifest
        }

        // The first chained event vouches for the unchained ones before it: an edit to one now shows there.
        using (var connection = new SqliteConnection(StoreConfig.SqliteConnectionString(folder.Path)))
        {
            connection.Open();
            using var edit = connection.CreateCommand();
            edit.CommandText = """
                UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"receiver":"0', '"receiver":"1') AS BLOB)
                WHERE persistence_id = $p AND sequence_number = 1
                """;
            edit.Parameters.AddWithValue("$p", bucket);
            Assert.Equal(1, edit.ExecuteNonQuery());
        }
        SqliteConnection.ClearAllPools();
        (exit, output) = await Verify(folder.Path);
        Assert.Equal(VerifyCommand.ExitChainBroken, exit);
        Assert.StartsWith($"FAIL {bucket}: event {oldBucketEvents + 1} (index.deliver-order", Assert.Single(Lines(output, "FAIL")), StringComparison.Ordinal);
    }
}
