using System.Text.Json;
using Ledger.Cluster.Replay;
using Ledger.Settlement;
using Ledger.Host.Tests.Support;
using Ledger.Host.Verbs;
using Ledger.Journal;

namespace Ledger.Host.Tests;

/// <summary>
/// The data folder release 7f8c477 wrote (tests/golden-data/release-7f8c477, never edited; a copy is
/// opened) under this build: its reclaims keep the plain ids they were filed under then, every deliver
/// order answers as that release answered, its explanations are read by key from accounts that rebuilt
/// their event index on recovery and tell what `ledger explain` tells, a party sees its own account's
/// steps only, and the what-if of its day still reproduces the day.
/// </summary>
[Collection("real-node")]
public sealed class ReleaseFolderExplainTests
{
    private static readonly string Golden = Path.Combine(RepositoryRoot(), "tests", "golden-data", "release-7f8c477");

    [Fact]
    public async Task The_release_folders_plain_reclaim_ids_answer_as_then_and_its_explanations_read_by_key_tell_what_ledger_explain_tells()
    {
        using var folder = new TempFolder();
        File.Copy(Path.Combine(Golden, StoreConfig.SqliteFileName), Path.Combine(folder.Path, StoreConfig.SqliteFileName));
        var answers = JsonDocument.Parse(File.ReadAllText(Path.Combine(Golden, "answers.json"))).RootElement;

        await using (var node = await RealNode.StartAsync(folder.Path, o => o with { RecycleCutoffLocalTime = null }))
        {
            var orders = answers.EnumerateObject().Where(a => a.Name.StartsWith("deliver-order/", StringComparison.Ordinal)).ToList();
            Assert.Contains(orders, a => a.Name == "deliver-order/DEMO-00004-R");
            foreach (var answer in orders)
            {
                var id = answer.Name["deliver-order/".Length..];
                var now = await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}", "occ-demo")).AssertOk();
                SameJson(answer.Value, now, id);
            }

            foreach (var id in new[] { "DEMO-00004-L", "DEMO-00004-B", "DEMO-00004-R", "DEMO-00004-RD", "DEMO-00013-R" })
            {
                var byKey = await (await node.Api.SendAsync(HttpMethod.Get, $"/v1/deliver-orders/{id}/explanation", "risk-demo")).AssertOk();
                var whole = new StringWriter();
                Assert.Equal(ExplainCommand.ExitOk, await ExplainCommand.RunAsync(new ExplainOptions { DeliverOrderId = id, DataDir = folder.Path, Json = true },
                    whole, new StringWriter(), CancellationToken.None));
                Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(whole.ToString()).RootElement), JsonSerializer.Serialize(byKey));
            }

            // The borrower (0010) of loan 4 sees its own leg and its own reclaim of it; nothing of the lender (0006) or of OCC's pairing.
            var borrowers = await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DEMO-00004-B/explanation", "participant-0010")).AssertOk();
            Assert.Equal(["0010", "index"], borrowers.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("participant").GetString()).Distinct().Order(StringComparer.Ordinal));
            Assert.DoesNotContain("0006", borrowers.ToString());
            Assert.DoesNotContain("DEMO-00004-L", borrowers.ToString());
            Assert.Equal("DEMO-00004-R", borrowers.GetProperty("reclaimedBy").GetString());
            await (await node.Api.SendAsync(HttpMethod.Get, "/v1/deliver-orders/DEMO-00004-B/explanation", "participant-0006")).AssertProblem(403, "deliver-order-party", "id");
        }

        // The day's what-if, reclaims under their plain ids included, reproduces it.
        var day = await WhatIfReader.ReadStoreDayAsync(new StoreSettings(StoreConfig.Sqlite, null, folder.Path), new DateOnly(2026, 12, 7), null, CancellationToken.None);
        var report = WhatIf.Run(day, WhatIfSettings.None);
        Assert.Contains(report.Outcomes, o => o.DeliverOrderId == "DEMO-00004-R");
        Assert.Empty(report.Differences);
        Assert.Empty(report.Refusals);
    }

    /// <summary>The same JSON, numbers compared as the decimals they are (the answers file writes 100643.4 for 100643.40).</summary>
    private static void SameJson(JsonElement expected, JsonElement actual, string where)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{where}: {expected.ValueKind} vs {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal), actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
                foreach (var p in expected.EnumerateObject()) SameJson(p.Value, actual.GetProperty(p.Name), $"{where}.{p.Name}");
                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                for (var i = 0; i < expected.GetArrayLength(); i++) SameJson(expected[i], actual[i], $"{where}[{i}]");
                break;
            case JsonValueKind.Number:
                Assert.True(expected.GetDecimal() == actual.GetDecimal(), $"{where}: {expected} vs {actual}");
                break;
            default:
                Assert.True(expected.ToString() == actual.ToString(), $"{where}: {expected} vs {actual}");
                break;
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (Ledger.sln) above " + AppContext.BaseDirectory);
    }
}
