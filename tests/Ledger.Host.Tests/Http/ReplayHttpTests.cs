using System.Text.Json;
using Ledger.Cluster;
using Ledger.Host.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Host.Tests;

/// <summary>
/// A short day through HTTP on a real node on SQLite with a fake clock, the live account answers
/// recorded after each step; then <c>?asOf=</c>, the journal endpoint and, after the node stopped,
/// <c>ledger replay --format json</c> must answer exactly what the live API answered then.
/// </summary>
[Collection("real-node")]
public sealed class ReplayHttpTests
{
    private const string Apple = "037833100";
    private const string Risk = "risk-demo";
    private const string Operator = "operator-demo";

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        private long _ticks = now.UtcTicks;

        public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _ticks, now.UtcTicks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }

    // Monday 2026-11-23, 09:00 in New York: well before the recycle cutoff.
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> LiveAccount(ApiHost api, string id) =>
        await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/{id}/account", Risk)).EnsureSuccessStatusCode().Content.ReadAsStringAsync();

    private static async Task<JsonElement> Eventually(ApiHost api, string path, Func<JsonElement, bool> done, string what)
    {
        JsonElement last = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var response = await api.SendAsync(HttpMethod.Get, path, "occ-demo");
            if (!response.IsSuccessStatusCode) continue;
            last = await response.Json();
            if (done(last)) return last;
        }
        throw new Xunit.Sdk.XunitException($"{what} did not happen within 20 s; last answer: {last}");
    }

    [Fact]
    public async Task As_of_the_journal_and_the_cli_replay_answer_what_the_live_api_answered_then()
    {
        using var folder = new TempFolder();
        var clock = new SettableClock(Start);
        var options = new LedgerNodeOptions { DataDir = folder.Path, Clock = clock, ResendInterval = TimeSpan.FromMilliseconds(200) };
        var moments = new List<(DateTimeOffset At, string Borrower)>();

        var started = await LedgerNodeStartup.StartAsync(options, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            await using var api = await ApiHost.StartAsync(started.Ledger);

            var t1 = Start.AddMinutes(1);
            clock.Set(t1);
            await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0001", Operator,
                """{"name":"Lender","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
            await (await api.SendAsync(HttpMethod.Put, "/v1/participants/0002", Operator,
                """{"name":"Borrower","netDebitCap":80000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}""")).AssertOk();
            await (await api.SendAsync(HttpMethod.Put, $"/v1/securities/{Apple}", Operator, """{"price":100,"haircut":0.1}""")).AssertOk();
            await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0001/deposits", Operator, $$"""{"cusip":"{{Apple}}","shares":1000}""")).AssertOk();
            moments.Add((t1, await LiveAccount(api, "0002")));

            var t2 = Start.AddMinutes(2);
            clock.Set(t2);
            await (await api.SendAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
                $$"""[{"id":"DO-3","deliverer":"0001","receiver":"0002","cusip":"{{Apple}}","shares":1000,"amount":100000,"reasonCode":"LOAN"}]""")).AssertOk();
            await Eventually(api, "/v1/deliver-orders/DO-3", v => v.GetProperty("status").GetString() == "pending", "DO-3 pending");
            moments.Add((t2, await LiveAccount(api, "0002")));

            var t3 = Start.AddMinutes(3);
            clock.Set(t3);
            await (await api.SendAsync(HttpMethod.Post, "/v1/participants/0002/settlement-progress-payments", Operator, """{"amount":30000}""")).AssertOk();
            await Eventually(api, "/v1/deliver-orders/DO-3", v => v.GetProperty("status").GetString() == "completed", "DO-3 completed");
            moments.Add((t3, await LiveAccount(api, "0002")));
            Assert.Contains("\"reason\":\"net-debit-cap\"", moments[1].Borrower, StringComparison.Ordinal);

            // (c) ?asOf= answers, byte for byte, what the live query answered at each moment; the participant itself may ask too.
            foreach (var (at, live) in moments)
            {
                var asOf = await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/account?asOf={Uri.EscapeDataString(Iso(at))}", Risk);
                Assert.Equal(live, await asOf.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
            }
            var own = await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/account?asOf={Uri.EscapeDataString(Iso(t2))}", "participant-0002");
            Assert.Equal(moments[1].Borrower, await own.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
            await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/account?asOf={Iso(t2)}", "participant-0001")).AssertProblem(403, "own-participant", "id");
            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account?asOf=yesterday", Risk)).AssertProblem(400, "time-format", "asOf");
            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/account?asOf=2026-11-23T14:02:00", Risk)).AssertProblem(400, "time-format", "asOf");
            await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/0077/account?asOf={Iso(t3)}", Risk)).AssertProblem(404, "participant-known", "id");
            await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/account?asOf={Iso(Start)}", Risk)).AssertProblem(404, "participant-known", "id");

            // (d) the journal: in order, manifests from the serializer's table, payloads as stored; risk only; bad times refused.
            var journal = await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/journal", Risk)).AssertOk();
            var entries = journal.EnumerateArray().ToList();
            var version = JsonDocument.Parse(moments[^1].Borrower).RootElement.GetProperty("version").GetInt64();
            Assert.Equal(version, entries.Count);
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(n => (long)n), entries.Select(e => e.GetProperty("sequenceNr").GetInt64()));
            Assert.Equal("account.participant-configured.v1", entries[0].GetProperty("manifest").GetString());
            Assert.Equal("Borrower", entries[0].GetProperty("event").GetProperty("name").GetString());
            Assert.Equal(8_000_000, entries[0].GetProperty("event").GetProperty("netDebitCapCents").GetInt64());
            var pended = entries.Single(e => e.GetProperty("manifest").GetString() == "account.receive-pended.v2");
            Assert.Equal("net-debit-cap", pended.GetProperty("event").GetProperty("reason").GetString());
            Assert.Equal(t2, pended.GetProperty("at").GetDateTimeOffset());
            Assert.Contains(entries, e => e.GetProperty("manifest").GetString() == "account.receive-completed.v2");
            var manifests = Ledger.Journal.LedgerSerializer.Manifests.Values.ToHashSet();
            Assert.All(entries, e => Assert.Contains(e.GetProperty("manifest").GetString()!, manifests));

            var span = await (await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/journal?from={Iso(t2)}&to={Iso(t2)}", Risk)).AssertOk();
            Assert.NotEmpty(span.EnumerateArray());
            Assert.All(span.EnumerateArray(), e => Assert.Equal(t2, e.GetProperty("at").GetDateTimeOffset()));

            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/journal", "participant-0002")).AssertProblem(403, "role");
            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/journal", Operator)).AssertProblem(403, "role");
            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/journal?from=soon", Risk)).AssertProblem(400, "time-format", "from");
            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0002/journal?to=2026-13-01T00:00:00Z", Risk)).AssertProblem(400, "time-format", "to");
            await (await api.SendAsync(HttpMethod.Get, "/v1/participants/0077/journal", Risk)).AssertProblem(404, "participant-known", "id");
        }
        finally
        {
            await started.Node.DisposeAsync();
        }

        // (e) after the node stopped, the CLI reads the folder and prints exactly the live JSON.
        foreach (var (args, expected) in new[]
        {
            (new[] { "replay", "--participant", "0002", "--data-dir", folder.Path, "--format", "json" }, moments[^1].Borrower),
            (new[] { "replay", "--participant", "0002", "--data-dir", folder.Path, "--format", "json", "--to", Iso(moments[1].At) }, moments[1].Borrower),
        })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var exit = await Cli.RunAsync(args, LedgerNodeStartup.StartAsync, output, error);
            Assert.True(exit == 0, $"exit {exit}: {error}");
            Assert.Equal(expected, output.ToString().TrimEnd('\r', '\n'));
        }
        var text = new StringWriter();
        Assert.Equal(0, await Cli.RunAsync(["replay", "--participant", "0002", "--data-dir", folder.Path, "--to", Iso(moments[1].At)], LedgerNodeStartup.StartAsync, text, new StringWriter()));
        Assert.Contains("DO-3", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("net-debit-cap", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, await Cli.RunAsync(["replay", "--participant", "0077", "--data-dir", folder.Path], LedgerNodeStartup.StartAsync, new StringWriter(), new StringWriter()));
    }
}
