using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ledger.Benchmarks.Crash;

namespace Ledger.Host.Tests.Support;

/// <summary>
/// <c>ledger serve</c> as its own operating-system process (the crash harness's <see cref="LedgerProcess"/>),
/// on a loopback port, with a tokens file of its own, its output in a log file the test reads.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    public const string Operator = "operator-token-0123456789abcdef";
    public const string Occ = "occ-token-0123456789abcdef01";

    private ServeProcess(LedgerProcess process, string url, string logFile)
    {
        Process = process;
        Url = url;
        LogFile = logFile;
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
    }

    public LedgerProcess Process { get; }

    public string Url { get; }

    public string LogFile { get; }

    public HttpClient Client { get; }

    public static string LedgerDll => LedgerProcess.FindLedgerDll();

    /// <summary>A tokens file in <paramref name="folder"/> with an operator and an OCC token (plain, long enough for any tokens rule).</summary>
    public static string TokensFile(string folder)
    {
        var file = Path.Combine(folder, "tokens.json");
        if (!File.Exists(file))
        {
            File.WriteAllText(file, $$"""
                [{"token":"{{Operator}}","role":"operator"},{"token":"{{Occ}}","role":"occ"}]
                """);
        }
        return file;
    }

    /// <summary>Starts <c>ledger serve --tokens FILE --urls URL</c> plus <paramref name="arguments"/>; its output goes to <paramref name="logFile"/>.</summary>
    public static ServeProcess Start(string workFolder, string logFile, params string[] arguments)
    {
        var url = $"http://127.0.0.1:{LedgerProcess.FreeLoopbackPort()}";
        var process = LedgerProcess.Start(LedgerDll, ["serve", "--tokens", TokensFile(workFolder), "--urls", url, .. arguments], logFile);
        return new ServeProcess(process, url, logFile);
    }

    /// <summary>Runs <c>ledger serve</c> (or another verb) to its end; the exit code, the output and how long it took.</summary>
    public static async Task<(int ExitCode, string Output, TimeSpan Took)> RunToEndAsync(string workFolder, TimeSpan max, params string[] arguments)
    {
        var started = Stopwatch.StartNew();
        string[] full = arguments is ["serve", ..] ? ["serve", "--tokens", TokensFile(workFolder), .. arguments[1..]] : arguments;
        var (exit, output) = await LedgerProcess.RunToEndAsync(LedgerDll, full, workFolder, max);
        return (exit, output, started.Elapsed);
    }

    /// <summary>Waits for <c>/health/ready</c> to answer 200; fails naming the log's tail when the process ends first or time runs out.</summary>
    public async Task WaitReadyAsync(TimeSpan max)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < max)
        {
            if (Process.HasExited) Assert.Fail($"the node exited ({Process.ExitCode}) before it was ready:\n{Tail()}");
            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        Assert.Fail($"not ready within {max.TotalSeconds:0} s:\n{Tail()}");
    }

    public sealed record Answer(int Status, string Body, TimeSpan Took)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

        public string? Rule => Status >= 400 && Body.StartsWith('{') && Json.TryGetProperty("rule", out var rule) ? rule.GetString() : null;

        public override string ToString() => $"{Status} in {Took.TotalMilliseconds:0} ms: {Body}";
    }

    public async Task<Answer> SendAsync(HttpMethod method, string path, string? token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var started = Stopwatch.StartNew();
        using var response = await Client.SendAsync(request);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync(), started.Elapsed);
    }

    public Task<Answer> PutParticipantAsync(string id) =>
        SendAsync(HttpMethod.Put, $"/v1/participants/{id}", Operator,
            """{"name":"Guarded Securities","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""");

    /// <summary>Asks until <paramref name="done"/> holds, at most <paramref name="max"/>; returns the answer that satisfied it.</summary>
    public async Task<Answer> EventuallyAsync(Func<Task<Answer>> ask, Func<Answer, bool> done, TimeSpan max, string what)
    {
        var deadline = Stopwatch.StartNew();
        Answer? last = null;
        while (deadline.Elapsed < max)
        {
            last = await ask();
            if (done(last)) return last;
            await Task.Delay(100);
        }
        Assert.Fail($"{what} did not happen within {max.TotalSeconds:0} s; last answer: {last}\n{Tail()}");
        return last!;
    }

    /// <summary>The log so far (the process appends to it).</summary>
    public string Log()
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public string Tail(int lines = 40) => string.Join('\n', Log().Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
