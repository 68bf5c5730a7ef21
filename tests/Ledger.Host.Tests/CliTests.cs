using System.Net;
using System.Net.Sockets;
using Ledger.Cluster;
using Ledger.Host.Tests.Support;
using Serilog;

namespace Ledger.Host.Tests;

public sealed class CliTests
{
    private static StartLedger Refusing(List<LedgerNodeOptions> seen) => (options, _, _) =>
    {
        seen.Add(options);
        throw new InvalidOperationException("not in this test");
    };

    [Fact]
    public async Task Without_a_verb_ledger_prints_help()
    {
        var output = new StringWriter();
        var started = new List<LedgerNodeOptions>();

        var exit = await Cli.RunAsync([], Refusing(started), output);

        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output.ToString());
        Assert.Contains("serve", output.ToString());
        Assert.Empty(started);
    }

    [Fact]
    public async Task Serve_help_lists_every_option_with_its_default()
    {
        var output = new StringWriter();

        var exit = await Cli.RunAsync(["serve", "--help"], Refusing([]), output);

        var help = output.ToString();
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--urls", "--data-dir", "--store", "--connection", "--tokens", "--port", "--seed-nodes", "--log-format" })
            Assert.Contains(option, help);
        Assert.Contains("http://127.0.0.1:5080", help);
        Assert.Contains("./data", help);
    }

    [Fact]
    public async Task Serve_passes_its_options_to_the_node()
    {
        var started = new List<LedgerNodeOptions>();

        var exit = await Cli.RunAsync(
            ["serve", "--demo-tokens", "--data-dir", "/tmp/ledger-x", "--port", "4053", "--seed-nodes", "akka.tcp://ledger@127.0.0.1:4053, akka.tcp://ledger@127.0.0.1:4054", "--log-format", "json"],
            Refusing(started), new StringWriter(), new StringWriter());

        Assert.Equal(LedgerServer.ExitStartFailed, exit);
        var options = Assert.Single(started);
        Assert.Equal("/tmp/ledger-x", options.DataDir);
        Assert.Equal("sqlite", options.Store);
        Assert.Null(options.Connection);
        Assert.Equal(4053, options.Port);
        Assert.Equal(["akka.tcp://ledger@127.0.0.1:4053", "akka.tcp://ledger@127.0.0.1:4054"], options.SeedNodes);
    }

    [Fact]
    public async Task Serve_defaults_are_the_embedded_single_node()
    {
        var started = new List<LedgerNodeOptions>();

        await Cli.RunAsync(["serve", "--demo-tokens"], Refusing(started), new StringWriter(), new StringWriter());

        var options = Assert.Single(started);
        Assert.Equal("./data", options.DataDir);
        Assert.Equal("sqlite", options.Store);
        Assert.Equal(0, options.Port);
        Assert.Empty(options.SeedNodes);
    }

    [Theory]
    [InlineData("serve", "--store", "oracle")]
    [InlineData("serve", "--store", "postgres")]
    [InlineData("serve", "--log-format", "xml")]
    [InlineData("serve", "--port", "70000")]
    [InlineData("serve", "--port", "x")]
    [InlineData("serve", "--snapshot-every-events", "-1")]
    [InlineData("serve", "--snapshot-every-events", "many")]
    [InlineData("serve", "--deliver-orders-in-flight-max", "1")]
    [InlineData("serve", "--deliver-orders-in-flight-max", "0")]
    [InlineData("serve", "--deliver-orders-in-flight-max", "many")]
    [InlineData("serve", "--unknown")]
    [InlineData("replay")]
    public async Task Bad_arguments_are_refused_before_anything_starts(params string[] args)
    {
        var started = new List<LedgerNodeOptions>();
        var error = new StringWriter();

        var exit = await Cli.RunAsync(args, Refusing(started), new StringWriter(), error);

        Assert.NotEqual(0, exit);
        Assert.NotEmpty(error.ToString());
        Assert.Empty(started);
    }

    [Fact]
    public async Task The_snapshot_limit_reaches_the_node_as_its_configuration()
    {
        var started = new List<LedgerNodeOptions>();

        await Cli.RunAsync(["serve", "--demo-tokens", "--snapshot-every-events", "25"], Refusing(started), new StringWriter(), new StringWriter());
        await Cli.RunAsync(["serve", "--demo-tokens"], Refusing(started), new StringWriter(), new StringWriter());

        Assert.Equal(25, Ledger.Journal.Snapshots.EveryEvents(Akka.Configuration.ConfigurationFactory.ParseString(started[0].ExtraConfig!)));
        Assert.Null(started[1].ExtraConfig);
    }

    [Fact]
    public async Task The_in_flight_limit_reaches_the_node_and_defaults_when_not_given()
    {
        var started = new List<LedgerNodeOptions>();

        await Cli.RunAsync(["serve", "--demo-tokens", "--deliver-orders-in-flight-max", "2"], Refusing(started), new StringWriter(), new StringWriter());
        await Cli.RunAsync(["serve", "--demo-tokens"], Refusing(started), new StringWriter(), new StringWriter());

        Assert.Equal(2, started[0].DeliverOrdersInFlightMax);
        Assert.Equal(LedgerNodeOptions.DeliverOrdersInFlightMaxDefault, started[1].DeliverOrdersInFlightMax);
    }

    [Fact]
    public async Task Postgres_with_a_connection_string_reaches_the_node()
    {
        var started = new List<LedgerNodeOptions>();

        await Cli.RunAsync(["serve", "--demo-tokens", "--store", "postgres", "--connection", "Host=127.0.0.1;Database=ledger"], Refusing(started), new StringWriter(), new StringWriter());

        var options = Assert.Single(started);
        Assert.Equal("postgres", options.Store);
        Assert.Equal("Host=127.0.0.1;Database=ledger", options.Connection);
    }

    [Fact]
    public async Task A_bad_tokens_file_stops_serve_before_the_node_starts()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """[{"token":"t","role":"admin"}]""");
            var started = new List<LedgerNodeOptions>();

            var exit = await Cli.RunAsync(["serve", "--tokens", file], Refusing(started), new StringWriter(), new StringWriter());

            Assert.Equal(LedgerServer.ExitBadTokens, exit);
            Assert.Empty(started);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Serving_the_demo_tokens_logs_a_warning_and_a_tokens_file_does_not()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """[{"token":"a-long-operator-token","role":"operator"}]""");
            var demoLog = new LogCapture();
            var fileLog = new LogCapture();

            await LedgerServer.RunAsync(new ServeOptions { DemoTokens = true }, Refusing([]), CancellationToken.None, c => c.WriteTo.Sink(demoLog));
            await LedgerServer.RunAsync(new ServeOptions { TokensFile = file }, Refusing([]), CancellationToken.None, c => c.WriteTo.Sink(fileLog));

            var warning = Assert.Single(demoLog.Events, e => e.Level == Serilog.Events.LogEventLevel.Warning);
            Assert.Contains("DEMO tokens", warning.RenderMessage());
            Assert.DoesNotContain(fileLog.Events, e => e.RenderMessage().Contains("DEMO"));
            Assert.DoesNotContain("a-long-operator-token", fileLog.Everything());
            Assert.DoesNotContain("operator-demo", demoLog.Everything());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The whole program path: parse, start a (fake) node, serve HTTP on Kestrel, stop, dispose the node.</summary>
    [Fact]
    public async Task Serve_listens_on_its_urls_and_disposes_the_node_when_stopped()
    {
        var port = FreePort();
        var node = new DisposeProbe();
        var ledger = FakeLedger.Seeded();
        using var stop = new CancellationTokenSource();
        StartLedger start = (_, _, _) => Task.FromResult(new StartedLedger(ledger, node));

        var run = Cli.Build(start).Parse(["serve", "--demo-tokens", "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync(new() { ProcessTerminationTimeout = null }, stop.Token);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        HttpResponseMessage? live = null;
        for (var i = 0; i < 100 && live is null; i++)
        {
            try
            {
                live = await client.GetAsync("/health/live");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(live);
        await live.AssertOk();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/participants/0001/account");
        request.Headers.Authorization = new("Bearer", "participant-0001");
        var account = await (await client.SendAsync(request)).AssertOk();
        Assert.Equal("0001", account.GetProperty("participant").GetString());
        Assert.False(node.Disposed);

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(node.Disposed);
    }

    /// <summary>A node downed by the split-brain resolver terminates its actor system: serve stops and exits 3 for its supervisor to restart it.</summary>
    [Fact]
    public async Task Serve_exits_with_code_3_when_its_node_stops_by_itself()
    {
        var port = FreePort();
        var node = new DisposeProbe();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StartLedger start = (_, _, _) => Task.FromResult(new StartedLedger(FakeLedger.Seeded(), node) { Stopped = stopped.Task });

        var run = Cli.Build(start).Parse(["serve", "--demo-tokens", "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync(new() { ProcessTerminationTimeout = null }, CancellationToken.None);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        HttpResponseMessage? live = null;
        for (var i = 0; i < 100 && live is null; i++)
        {
            try
            {
                live = await client.GetAsync("/health/live");
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        Assert.NotNull(live);
        Assert.False(run.IsCompleted);

        stopped.SetResult();

        Assert.Equal(LedgerServer.ExitNodeStopped, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(node.Disposed);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class DisposeProbe : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
