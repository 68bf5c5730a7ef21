using Ledger.Cluster;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// The options a node in a container cluster starts with: where remoting binds, the name it
/// advertises, its seed nodes, and the LEDGER_* environment variables a container sets instead of
/// arguments. Each reaches <see cref="LedgerNodeOptions"/> as given, and a bad value is refused,
/// naming the option and the rule, before anything starts.
/// </summary>
public sealed class ClusterOptionsTests : IDisposable
{
    // serve needs tokens to get as far as starting the node; a cluster node listens beyond loopback, so a file.
    private readonly TempFolder _folder = new();
    private readonly string _tokensFile;

    public ClusterOptionsTests()
    {
        _tokensFile = Path.Combine(_folder.Path, "tokens.json");
        File.WriteAllText(_tokensFile, """[{"token":"cluster-options-operator-token","role":"operator"}]""");
    }

    public void Dispose() => _folder.Dispose();

    private const string Seeds =
        "akka.tcp://ledger@ledger-0.ledger-headless.ledger.svc.cluster.local:4053,akka.tcp://ledger@ledger-1.ledger-headless.ledger.svc.cluster.local:4053";

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static StartLedger Refusing(List<LedgerNodeOptions> seen) => (options, _, _) =>
    {
        seen.Add(options);
        throw new InvalidOperationException("not in this test");
    };

    /// <summary>Runs the command line; a serve without --tokens gets the tokens file of the test.</summary>
    private async Task<(int Exit, List<LedgerNodeOptions> Started, string Error)> RunAsync(string[] args, Func<string, string?>? environment = null)
    {
        if (args is ["serve", ..] && !args.Contains("--tokens")) args = [.. args, "--tokens", _tokensFile];
        var started = new List<LedgerNodeOptions>();
        var error = new StringWriter();
        var exit = await Cli.RunAsync(args, Refusing(started), new StringWriter(), error, environment ?? NoEnvironment);
        return (exit, started, error.ToString());
    }

    [Fact]
    public async Task Serve_binds_remoting_where_told_and_advertises_the_public_hostname()
    {
        var (exit, started, _) = await RunAsync(
            ["serve", "--hostname", "0.0.0.0", "--public-hostname", "ledger-1.ledger-headless.ledger.svc.cluster.local", "--port", "4053", "--seed-nodes", Seeds]);

        Assert.Equal(LedgerServer.ExitStartFailed, exit);
        var options = Assert.Single(started);
        Assert.Equal("0.0.0.0", options.Hostname);
        Assert.Equal("ledger-1.ledger-headless.ledger.svc.cluster.local", options.PublicHostname);
        Assert.Equal(4053, options.Port);
        Assert.Equal(Seeds.Split(','), options.SeedNodes);
    }

    [Fact]
    public async Task Without_them_serve_binds_and_advertises_loopback()
    {
        var (_, started, _) = await RunAsync(["serve"]);

        var options = Assert.Single(started);
        Assert.Equal("127.0.0.1", options.Hostname);
        Assert.Null(options.PublicHostname);
        Assert.Equal("127.0.0.1", LedgerNode.AdvertisedHostname(options));
    }

    [Fact]
    public async Task The_demo_starts_its_node_with_the_same_cluster_options()
    {
        var (_, started, _) = await RunAsync(["demo", "--no-serve", "--hostname", "127.0.0.1", "--public-hostname", "ledger-demo", "--port", "4060"]);

        var options = Assert.Single(started);
        Assert.Equal("127.0.0.1", options.Hostname);
        Assert.Equal("ledger-demo", options.PublicHostname);
        Assert.Equal(4060, options.Port);
    }

    [Fact]
    public async Task Every_node_option_can_come_from_its_LEDGER_variable()
    {
        var environment = new Dictionary<string, string>
        {
            ["LEDGER_URLS"] = "http://127.0.0.1:18080",
            ["LEDGER_DATA_DIR"] = "/data",
            ["LEDGER_STORE"] = "sqlserver",
            ["LEDGER_CONNECTION"] = "Server=sqlserver,1433;Database=ledger;User Id=ledger;Password=p;TrustServerCertificate=True",
            ["LEDGER_HOSTNAME"] = "0.0.0.0",
            ["LEDGER_PUBLIC_HOSTNAME"] = "ledger-2",
            ["LEDGER_PORT"] = "4053",
            ["LEDGER_SEED_NODES"] = "akka.tcp://ledger@ledger-1:4053,akka.tcp://ledger@ledger-2:4053",
            ["LEDGER_LOG_FORMAT"] = "json",
        };

        var (_, started, _) = await RunAsync(["serve"], environment.GetValueOrDefault);

        var options = Assert.Single(started);
        Assert.Equal("/data", options.DataDir);
        Assert.Equal("sqlserver", options.Store);
        Assert.Equal(environment["LEDGER_CONNECTION"], options.Connection);
        Assert.Equal("0.0.0.0", options.Hostname);
        Assert.Equal("ledger-2", options.PublicHostname);
        Assert.Equal(4053, options.Port);
        Assert.Equal(["akka.tcp://ledger@ledger-1:4053", "akka.tcp://ledger@ledger-2:4053"], options.SeedNodes);
    }

    [Fact]
    public void The_variables_reach_the_parser_as_the_options_themselves_with_urls_tokens_and_log_format()
    {
        var environment = new Dictionary<string, string>
        {
            ["LEDGER_URLS"] = "http://0.0.0.0:8080",
            ["LEDGER_TOKENS"] = "/run/secrets/ledger-tokens.json",
            ["LEDGER_LOG_FORMAT"] = "json",
        };

        var args = EnvironmentArguments.Apply(Cli.Build(Refusing([])), ["serve", "--port", "1"], environment.GetValueOrDefault, out var used);

        Assert.Equal(["serve", "--urls", "http://0.0.0.0:8080", "--tokens", "/run/secrets/ledger-tokens.json", "--log-format", "json", "--port", "1"], args);
        Assert.Equal(["LEDGER_URLS", "LEDGER_TOKENS", "LEDGER_LOG_FORMAT"], used);
    }

    [Theory]
    [InlineData("--port", "4054")]
    [InlineData("--port=4054")]
    [InlineData("--port:4054")]
    public async Task The_command_line_wins_over_the_environment(params string[] portArgs)
    {
        var environment = new Dictionary<string, string> { ["LEDGER_PORT"] = "4053", ["LEDGER_PUBLIC_HOSTNAME"] = "ledger-0" };

        var (_, started, _) = await RunAsync(["serve", .. portArgs], environment.GetValueOrDefault);

        var options = Assert.Single(started);
        Assert.Equal(4054, options.Port);
        Assert.Equal("ledger-0", options.PublicHostname);
    }

    [Fact]
    public async Task Empty_variables_are_ignored()
    {
        var environment = new Dictionary<string, string> { ["LEDGER_PORT"] = "", ["LEDGER_STORE"] = "  " };

        var (_, started, _) = await RunAsync(["serve"], environment.GetValueOrDefault);

        var options = Assert.Single(started);
        Assert.Equal(0, options.Port);
        Assert.Equal("sqlite", options.Store);
    }

    [Fact]
    public void The_store_verbs_read_the_store_variables_too_and_other_verbs_none()
    {
        var environment = new Dictionary<string, string>
        {
            ["LEDGER_STORE"] = "postgres",
            ["LEDGER_CONNECTION"] = "Host=db;Database=ledger",
            ["LEDGER_PORT"] = "4053",
        };
        var root = Cli.Build(Refusing([]));

        Assert.Equal(["verify", "--store", "postgres", "--connection", "Host=db;Database=ledger"], EnvironmentArguments.Apply(root, ["verify"], environment.GetValueOrDefault));
        Assert.Equal(["submit", "--file", "x.csv"], EnvironmentArguments.Apply(root, ["submit", "--file", "x.csv"], environment.GetValueOrDefault));
        Assert.Equal(["--help"], EnvironmentArguments.Apply(root, ["--help"], environment.GetValueOrDefault));
    }

    [Fact]
    public async Task A_bad_variable_is_refused_and_named()
    {
        var (exit, started, error) = await RunAsync(["serve"], v => v == "LEDGER_PORT" ? "not-a-port" : null);

        Assert.NotEqual(0, exit);
        Assert.Empty(started);
        Assert.Contains("--port", error, StringComparison.Ordinal);
        Assert.Contains("Options taken from the environment: LEDGER_PORT", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--public-hostname", "0.0.0.0", "--public-hostname '0.0.0.0' must be an address or DNS name other nodes can dial")]
    [InlineData("--public-hostname", "::", "--public-hostname '::' must be an address or DNS name other nodes can dial")]
    [InlineData("--public-hostname", "ledger 1", "--public-hostname 'ledger 1' must be an address or DNS name")]
    [InlineData("--hostname", "", "--hostname '' must be an IP address or a DNS name")]
    [InlineData("--hostname", "no\"quote", "--hostname 'no\"quote' must be an IP address or a DNS name")]
    [InlineData("--seed-nodes", "akka.tcp://other@ledger-0:4053", "--seed-nodes 'akka.tcp://other@ledger-0:4053' must be akka.tcp://ledger@HOST:PORT")]
    [InlineData("--seed-nodes", "akka://ledger@ledger-0:4053", "--seed-nodes 'akka://ledger@ledger-0:4053' must be akka.tcp://ledger@HOST:PORT")]
    [InlineData("--seed-nodes", "akka.tcp://ledger@ledger-0", "--seed-nodes 'akka.tcp://ledger@ledger-0' must be akka.tcp://ledger@HOST:PORT")]
    [InlineData("--seed-nodes", "akka.tcp://ledger@ledger-0:4053,ledger-1:4053", "--seed-nodes 'ledger-1:4053' must be akka.tcp://ledger@HOST:PORT")]
    public async Task Bad_cluster_options_are_refused_naming_the_option_and_the_rule(string option, string value, string message)
    {
        var (exit, started, error) = await RunAsync(["serve", option, value]);

        Assert.NotEqual(0, exit);
        Assert.Empty(started);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_help_lists_the_cluster_options_and_their_variables()
    {
        var output = new StringWriter();

        await Cli.RunAsync(["serve", "--help"], Refusing([]), output, new StringWriter(), NoEnvironment);

        var help = output.ToString();
        foreach (var option in EnvironmentArguments.Names)
        {
            Assert.Contains(option, help, StringComparison.Ordinal);
            Assert.Contains($"[env: {EnvironmentArguments.VariableOf(option)}]", help, StringComparison.Ordinal);
        }
    }
}
