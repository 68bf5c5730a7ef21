using System.Net;
using System.Net.Sockets;
using Ledger.Cluster;
using Ledger.Host.Auth;
using Ledger.Host.Tests.Support;

namespace Ledger.Host.Tests;

/// <summary>
/// <c>ledger serve</c> fails closed: without a tokens file it does not start, and the public demo
/// tokens are served only when asked for by name and only where every address the node listens on
/// is loopback. Each refusal is exit code 2 and one line on standard error naming the rule, before
/// the node starts. The command line runs in process here (its node start is a probe that records
/// whether it was reached); the last tests run the real program.
/// </summary>
public sealed class ServeTokensTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static StartLedger Probe(List<LedgerNodeOptions> started) => (options, _, _) =>
    {
        started.Add(options);
        throw new InvalidOperationException("the node start is only recorded in this test");
    };

    private static async Task<(int Exit, bool Started, string Error)> Run(string[] args, Dictionary<string, string>? environment = null)
    {
        var started = new List<LedgerNodeOptions>();
        var error = new StringWriter();
        var exit = await Cli.RunAsync(args, Probe(started), new StringWriter(), error, v => environment?.GetValueOrDefault(v));
        return (exit, started.Count > 0, error.ToString());
    }

    /// <summary>Exit 2, the node never started, and exactly one line on standard error naming the rule.</summary>
    private static string AssertRefused((int Exit, bool Started, string Error) run, string rule)
    {
        Assert.True(run.Exit == LedgerServer.ExitBadTokens, $"exit {run.Exit}: {run.Error}");
        Assert.False(run.Started, "the node started");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("ledger: not starting: ", line, StringComparison.Ordinal);
        Assert.EndsWith($"(rule {rule})", line.TrimEnd('\r'), StringComparison.Ordinal);
        return line;
    }

    [Fact]
    public async Task Serve_without_tokens_refuses_to_start()
    {
        var line = AssertRefused(await Run(["serve"]), "tokens-required");

        Assert.Contains("--tokens", line, StringComparison.Ordinal);
        Assert.Contains("--demo-tokens", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Serve_with_a_blank_LEDGER_TOKENS_refuses_to_start(string blank)
    {
        AssertRefused(await Run(["serve"], new() { ["LEDGER_TOKENS"] = blank }), "tokens-required");
    }

    [Fact]
    public async Task Serve_with_an_empty_tokens_option_refuses_to_start_by_rule()
    {
        AssertRefused(await Run(["serve", "--tokens", ""]), "tokens-file");
    }

    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://[::]:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://ledger.example.com:5080")]
    [InlineData("http://10.1.2.3:5080")]
    [InlineData("https://192.168.0.10:8443")]
    [InlineData("http://127.0.0.1:5080;http://0.0.0.0:5081")]
    [InlineData("http://unix:/tmp/ledger.sock")]
    public async Task Demo_tokens_on_an_address_that_is_not_loopback_refuse_to_start(string urls)
    {
        var serve = AssertRefused(await Run(["serve", "--demo-tokens", "--urls", urls]), "demo-tokens-loopback");
        var demo = AssertRefused(await Run(["demo", "--no-serve", "--urls", urls]), "demo-tokens-loopback");

        var offending = urls.Split(';')[^1];
        Assert.Contains(offending, serve, StringComparison.Ordinal);
        Assert.Contains(offending, demo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_tokens_with_remoting_bound_beyond_loopback_refuse_to_start()
    {
        var line = AssertRefused(await Run(["serve", "--demo-tokens", "--hostname", "0.0.0.0"]), "demo-tokens-loopback");

        Assert.Contains("--hostname", line, StringComparison.Ordinal);
        AssertRefused(await Run(["demo", "--no-serve", "--hostname", "192.168.0.10"]), "demo-tokens-loopback");
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080")]
    [InlineData("http://LOCALHOST:5080")]
    [InlineData("http://[::1]:5080")]
    [InlineData("http://127.0.0.1:5080;http://[::1]:5081")]
    [InlineData("https://127.0.0.1:8443")]
    public async Task Demo_tokens_on_loopback_addresses_get_as_far_as_starting_the_node(string urls)
    {
        var (exit, started, error) = await Run(["serve", "--demo-tokens", "--urls", urls]);

        Assert.True(started, error);
        Assert.Equal(LedgerServer.ExitStartFailed, exit);
    }

    [Fact]
    public async Task Demo_tokens_and_a_tokens_file_exclude_each_other()
    {
        var file = TokensFile("""[{"token":"an-operator-token-0123","role":"operator"}]""");

        AssertRefused(await Run(["serve", "--demo-tokens", "--tokens", file]), "tokens-one-source");
    }

    /// <summary>A container's LEDGER_TOKENS does not count when the command line asks for the demo tokens: the file named is not even read.</summary>
    [Fact]
    public async Task Demo_tokens_on_the_command_line_win_over_LEDGER_TOKENS()
    {
        var (exit, started, error) = await Run(["serve", "--demo-tokens"], new() { ["LEDGER_TOKENS"] = Path.Combine(_folder.Path, "no-such-tokens.json") });

        Assert.True(started, error);
        Assert.Equal(LedgerServer.ExitStartFailed, exit);
    }

    /// <summary>The tokens file's faults through serve itself: exit 2 and one line naming the file, the entry and the rule.</summary>
    [Theory]
    [InlineData("""[{"token":"an-operator-token-0123","role":"operator","token":"another-token-01234567"}]""", "[0]", "field-unique")]
    [InlineData("""[{"token":"an-operator-token-0123 ","role":"operator"}]""", "[0]", "token-padded")]
    [InlineData("""[{"token":"an-operator-token-0123","role":"operator"},{"token":"short","role":"occ"}]""", "[1]", "token-length-min")]
    [InlineData("""[{"token":"an-operator-token-0123","role":"operator"},{"token":"an-operator-token-0123","role":"occ"}]""", "[1]", "token-unique")]
    [InlineData("""[{"token":"an-operator-token-0123","role":"admin"}]""", "[0]", "role")]
    public async Task A_bad_tokens_file_stops_serve_with_one_line_naming_the_entry_and_the_rule(string json, string entry, string rule)
    {
        var file = TokensFile(json);

        var line = AssertRefused(await Run(["serve", "--tokens", file]), rule);

        Assert.Contains($"{file}{entry}: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tokens_file_over_the_size_limit_stops_serve()
    {
        var file = TokensFile("""[{"token":"an-operator-token-0123","role":"operator"}""" + new string(' ', TokenStore.FileBytesMax) + "]");

        var line = AssertRefused(await Run(["serve", "--tokens", file]), "tokens-file-size-max");

        Assert.Contains(file, line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The real program, as an operator starts it: each way of giving no tokens ends with exit code
    /// 2 and one line on standard error, no stack trace, nothing on standard output, and no data
    /// folder created.
    /// </summary>
    [Fact]
    public async Task The_real_serve_without_tokens_exits_2_with_one_line_and_no_stack_trace()
    {
        (string[] Args, Dictionary<string, string?>? Environment, string Rule)[] cases =
        [
            (["serve"], null, "tokens-required"),
            (["serve"], new() { ["LEDGER_TOKENS"] = "" }, "tokens-required"),
            (["serve", "--tokens", ""], null, "tokens-file"),
            (["serve", "--demo-tokens", "--urls", "http://0.0.0.0:5080"], null, "demo-tokens-loopback"),
        ];
        foreach (var (args, environment, rule) in cases)
        {
            var (exit, output, error) = await LedgerCommand.RunAsync(_folder.Path, args, environment);

            var what = $"ledger {string.Join(' ', args)}: exit {exit}\nstdout:\n{string.Join('\n', output)}\nstderr:\n{string.Join('\n', error)}";
            Assert.True(exit == LedgerServer.ExitBadTokens, what);
            var line = Assert.Single(error);
            Assert.StartsWith("ledger: not starting: ", line, StringComparison.Ordinal);
            Assert.EndsWith($"(rule {rule})", line, StringComparison.Ordinal);
            Assert.Empty(output);
            Assert.False(Directory.Exists(Path.Combine(_folder.Path, "data")), what);
        }
    }

    /// <summary>Kestrel's endpoints in configuration replace --urls; the demo tokens must not reach a wildcard listener that way.</summary>
    [Fact]
    public async Task The_real_serve_refuses_demo_tokens_on_a_Kestrel_endpoint_from_configuration_that_is_not_loopback()
    {
        var port = FreePort();
        var (exit, output, error) = await LedgerCommand.RunAsync(_folder.Path,
            ["serve", "--demo-tokens", "--data-dir", Path.Combine(_folder.Path, "data")],
            new Dictionary<string, string?> { ["Kestrel__Endpoints__Web__Url"] = $"http://0.0.0.0:{port}" });

        var what = $"exit {exit}\nstdout:\n{string.Join('\n', output)}\nstderr:\n{string.Join('\n', error)}";
        Assert.True(exit == LedgerServer.ExitBadTokens, what);
        var line = Assert.Single(error);
        Assert.Contains($"Kestrel:Endpoints has http://0.0.0.0:{port}", line, StringComparison.Ordinal);
        Assert.EndsWith("(rule demo-tokens-loopback)", line, StringComparison.Ordinal);
        Assert.DoesNotContain(output, l => l.Contains("Listening on", StringComparison.Ordinal));
    }

    /// <summary>
    /// deploy/make-tokens.sh, as the deploy README runs it, makes a file every rule of the tokens file
    /// takes, and each token it hands out authenticates as its role (and participant).
    /// </summary>
    [SkippableFact]
    public async Task Make_tokens_makes_a_file_serve_takes_whose_tokens_authenticate()
    {
        var script = Path.Combine(RepositoryRoot(), "deploy", "make-tokens.sh");
        if (!File.Exists("/bin/bash")) throw Ledger.TestSupport.TestEnvironment.Unavailable("bash", "deploy/make-tokens.sh is a bash script");
        var info = new System.Diagnostics.ProcessStartInfo("/bin/bash", [script, Path.Combine(_folder.Path, "secrets"), "0001", "0002"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = System.Diagnostics.Process.Start(info)!)
        {
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"make-tokens.sh exited {process.ExitCode}: {await error}");
        }

        var store = TokenStore.Load(Path.Combine(_folder.Path, "secrets", "tokens.json"));
        var handedOut = File.ReadAllLines(Path.Combine(_folder.Path, "secrets", "tokens.txt"));

        Assert.Equal(5, store.Count);
        Assert.Equal(5, handedOut.Length);
        foreach (var line in handedOut)
        {
            var parts = line.Split(' ');
            var token = parts[^1];
            Assert.True(token.Length >= TokenStore.TokenLengthMin, line);
            var caller = store.Find(token);
            Assert.NotNull(caller);
            Assert.Equal(parts[0], Roles.Name(caller.Role));
            if (parts.Length == 3) Assert.Equal(parts[1], caller.Participant!.Value.Value);
        }
        // And serve takes the file as it is: it gets as far as starting the node.
        var (exit, started, stderr) = await Run(["serve", "--tokens", Path.Combine(_folder.Path, "secrets", "tokens.json")]);
        Assert.True(started, stderr);
        Assert.Equal(LedgerServer.ExitStartFailed, exit);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }

    private string TokensFile(string json)
    {
        var path = Path.Combine(_folder.Path, $"tokens-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
