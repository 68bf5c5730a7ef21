using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.TestSupport;
using Xunit.Abstractions;

namespace Ledger.Host.Tests;

/// <summary>
/// The README's commands as a newcomer runs them, each as its own process: command 1 (the demo,
/// with a small day that stops instead of serving), then the risk-staff block exactly as the README
/// writes it (the block is read from README.md). They run in a scratch folder that stands for the
/// repository root (so that the test never touches a developer's ./data), with <c>./ledger</c> and
/// <c>src/Ledger.Host</c> pointing into this checkout: every command must find the demo's journal
/// in that folder's ./data, whichever way the program was started.
/// </summary>
[Collection("real-node")]
public sealed class ReadmeSequenceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task The_readme_demo_then_replay_explain_verify_and_what_if_all_use_the_same_data_folder()
    {
        var root = RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        const string demoCommand = "dotnet run --project src/Ledger.Host -c Release -- demo";
        Assert.Contains(demoCommand, readme, StringComparison.Ordinal);
        var riskCommands = RiskStaffCommands(readme);
        Assert.True(riskCommands.Count >= 4, $"the README's risk-staff block holds {riskCommands.Count} commands");

        using var scratch = new TempDirectory("ledger-readme");
        var projectData = Path.Combine(root, "src", "Ledger.Host", "data");
        var projectDataExisted = Directory.Exists(projectData);

        var demo = await RunAsync(scratch.Path, Rooted(demoCommand, root) +
            $" --loans 20 --seed 11 --no-serve --urls http://127.0.0.1:{FreePort()}");
        Assert.True(demo.ExitCode == 0, $"the demo exited {demo.ExitCode}:\n{demo.Output}");
        Assert.True(File.Exists(Path.Combine(scratch.Path, "data", "ledger.db")), "the demo's journal is not in ./data of the folder it was run from");
        if (!projectDataExisted) Assert.False(Directory.Exists(projectData), "dotnet run put a data folder into src/Ledger.Host");

        foreach (var command in riskCommands)
        {
            var run = await RunAsync(scratch.Path, Rooted(command, root));
            Assert.True(run.ExitCode == 0, $"'{command}' exited {run.ExitCode}:\n{run.Output}");
            Assert.DoesNotContain("no journal", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("had no account", run.Output, StringComparison.Ordinal);
        }
        var explain = riskCommands.Single(c => c.Contains(" explain ", StringComparison.Ordinal));
        Assert.Contains("DEMO-00001-B", (await RunAsync(scratch.Path, Rooted(explain, root))).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_verb_that_reads_the_store_says_which_folder_held_no_journal_and_creates_none()
    {
        var root = RepositoryRoot();
        using var scratch = new TempDirectory("ledger-readme-empty");
        foreach (var verb in new[] { "verify", "replay --participant 0007", "explain --deliver-order DEMO-00001-B", "what-if --set 'netDebitCap[0007]=1000'" })
        {
            var run = await RunAsync(scratch.Path, $"{Quote(Path.Combine(root, "ledger"))} {verb}");
            Assert.Equal(3, run.ExitCode);
            Assert.Contains($"no journal at {Path.Combine(scratch.Path, "data", "ledger.db")}", run.Output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(scratch.Path, "data")), $"'ledger {verb}' created a data folder");
        }
    }

    /// <summary>The lines of the fenced block after the README's risk-staff marker, comments and comment-only lines left out.</summary>
    private static List<string> RiskStaffCommands(string readme)
    {
        var marker = readme.IndexOf("<!-- risk-staff-commands", StringComparison.Ordinal);
        Assert.True(marker >= 0, "README.md has no risk-staff-commands block");
        var start = readme.IndexOf("```bash\n", marker, StringComparison.Ordinal) + "```bash\n".Length;
        var end = readme.IndexOf("```", start, StringComparison.Ordinal);
        return readme[start..end].Split('\n')
            .Select(line => line.Split(" #", 2)[0].Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();
    }

    /// <summary>A README command with its paths into this checkout: ./ledger and src/Ledger.Host.</summary>
    private static string Rooted(string command, string root)
    {
        if (command.StartsWith("./ledger ", StringComparison.Ordinal)) return Quote(Path.Combine(root, "ledger")) + command["./ledger".Length..];
        return command.Replace("--project src/Ledger.Host", "--project " + Quote(Path.Combine(root, "src", "Ledger.Host")), StringComparison.Ordinal);
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private async Task<(int ExitCode, string Output)> RunAsync(string folder, string command)
    {
        output.WriteLine($"$ {command}");
        var start = new ProcessStartInfo("bash", ["-c", command])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var text = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{command}' did not end within {CommandTimeout.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes");
        }
        text.Append(await stdout).Append(await stderr);
        var all = text.ToString();
        output.WriteLine(all.Length > 4_000 ? all[..2_000] + "\n...\n" + all[^2_000..] : all);
        return (process.ExitCode, all);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }
}
