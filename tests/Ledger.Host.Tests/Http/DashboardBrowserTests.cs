using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ledger.Benchmarks.Crash;
using Ledger.Host.Tests.Support;
using Ledger.TestSupport;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Ledger.Host.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's chromium, driven through its chromedriver, against a
/// real <c>ledger serve --demo-tokens</c> process on a loopback port. It signs in as the operator
/// and as a participant, checks that the figures on the page are the API's, that a deliver order
/// pended after the page is open shows in the recycle queue within 2 s, and that a participant
/// sees the API's refusal for another firm and none of that firm's figures. It saves the
/// screenshots the README shows (docs/screenshots). Without chromium it skips, saying why; under
/// CI=true it fails instead.
/// </summary>
[Collection("real-node")]
public sealed class DashboardBrowserTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private const string Apple = "037833100";

    /// <summary>How soon a change must show on an open page: the dashboard's "live".</summary>
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The page formats as en-US (1,234.50); the invariant culture formats the same way, and the
    /// only one the tests have (the build runs in globalization-invariant mode).
    /// </summary>
    private static readonly CultureInfo Us = CultureInfo.InvariantCulture;

    [SkippableFact]
    public async Task The_dashboard_shows_the_APIs_figures_live_and_a_participant_only_its_own()
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
            throw TestEnvironment.Unavailable("chromium", $"{Chromium} or {ChromeDriver} is missing (apt-get install chromium chromium-driver)");

        using var folder = new TempFolder();
        var url = $"http://127.0.0.1:{LedgerProcess.FreeLoopbackPort()}";
        var log = Path.Combine(folder.Path, "serve.log");
        await using var node = LedgerProcess.Start(LedgerProcess.FindLedgerDll(),
            ["serve", "--demo-tokens", "--urls", url, "--data-dir", Path.Combine(folder.Path, "data")], log);
        using var api = new Api(url);
        await api.WaitReadyAsync(node, log);
        await SetUpDayAsync(api);

        using var browser = StartBrowser(folder.Path);
        var screenshots = ScreenshotFolder();

        // ---- the operator: the Day page ----
        browser.Navigate().GoToUrl(url + "/");
        SignIn(browser, "operator-demo");
        var day = await api.GetAsync("/v1/day", "operator-demo");
        Assert.Equal("operator", day.GetProperty("caller").GetString());
        await WaitAsync(browser, () => Text(browser, "day-date") == day.GetProperty("businessDate").GetString(), "the business date on the Day page");
        // Figures that do not move while nothing is submitted: as the API answers them, formatted.
        await WaitAsync(browser, () => Text(browser, "day-pending-total") == Count(day.GetProperty("pendingTotal").GetInt32()), "the pending total");
        foreach (var reason in day.GetProperty("pendingByReason").EnumerateArray())
        {
            var name = reason.GetProperty("reason").GetString();
            await WaitAsync(browser, () => Cells(browser, $"#day-pending-by-reason tr[data-reason='{name}']")[3] == Count(reason.GetProperty("total").GetInt32()),
                $"pending on {name}");
        }
        var borrower = await api.GetAsync("/v1/participants/0002/account", "operator-demo");
        await WaitAsync(browser, () => Cells(browser, "#day-net-debits tr[data-participant='0002']") is var cells
            && cells[1] == Dollars(borrower.GetProperty("netDebit").GetDecimal()) && cells[2] == Dollars(borrower.GetProperty("netDebitCap").GetDecimal()),
            "0002's net debit against its cap");
        Assert.Equal(day.GetProperty("occFlat").GetBoolean() ? "flat" : "not flat", Text(browser, "day-occ"));
        Assert.True(browser.FindElement(By.Id("day-operator")).Displayed, "the operator's cutoff and close buttons");
        Assert.NotNull(browser.FindElement(By.CssSelector("#rate-chart canvas")));

        // A deliver order that pends (0002 is over its cap) shows in the queue within 2 s of its answer.
        var submitted = await api.SubmitAsync("DASH-NEW", "0001", "0002", 400, 40_000m);
        var shown = await WaitAsync(browser, () => browser.FindElements(By.CssSelector("#day-queue tr[data-deliver-order='DASH-NEW']")).Count == 1,
            "DASH-NEW in the recycle queue", max: TimeSpan.FromSeconds(10));
        var pendedAfter = await api.GetAsync("/v1/deliver-orders/DASH-NEW", "occ-demo");
        Assert.Equal("pending", pendedAfter.GetProperty("status").GetString());
        output.WriteLine($"DASH-NEW showed in the recycle queue {(shown - submitted).TotalMilliseconds:0} ms after the node answered its submission");
        Assert.True(shown - submitted <= Live, $"DASH-NEW showed {(shown - submitted).TotalMilliseconds:0} ms after its answer; live means within {Live.TotalSeconds:0} s");
        // The chart counts it: the accepted total on the page reaches the node's own count.
        var accepted = (await api.GetAsync("/v1/day", "risk-demo")).GetProperty("deliverOrders").GetProperty("acceptedTotal").GetInt64();
        await WaitAsync(browser, () => Text(browser, "day-accepted-total") == Count(accepted), "the accepted total");
        Save(browser, screenshots, "day.png");

        // ---- the operator: an account, replayed ----
        browser.Navigate().GoToUrl(url + "/#account=0002");
        borrower = await api.GetAsync("/v1/participants/0002/account", "operator-demo");
        await WaitAsync(browser, () => Text(browser, "account-balance") == Dollars(borrower.GetProperty("settlementBalance").GetDecimal()), "0002's balance");
        Assert.Equal(Dollars(borrower.GetProperty("collateralMonitor").GetDecimal()), Text(browser, "account-collateral"));
        Assert.Equal(Dollars(borrower.GetProperty("netDebit").GetDecimal()), Text(browser, "account-net-debit"));
        var pendingIds = borrower.GetProperty("pending").EnumerateArray().Select(p => p.GetProperty("deliverOrderId").GetString()).Order(StringComparer.Ordinal).ToList();
        await WaitAsync(browser, () => pendingIds.SequenceEqual(browser.FindElements(By.CssSelector("#account-pending tbody tr[data-deliver-order]"))
            .Select(r => r.GetAttribute("data-deliver-order")).Order(StringComparer.Ordinal)), "0002's pending deliver orders");
        Save(browser, screenshots, "account.png");

        // The replay slider, moved by keyboard, shows the account as the API replays it at the moment it names.
        // (A step of the slider is a ten-thousandth of its span: one step back from now is a few seconds
        // ago, or before the account existed, and the page must show what the API answers either way.)
        var slider = browser.FindElement(By.Id("replay"));
        slider.SendKeys(Keys.End);
        slider.SendKeys(Keys.ArrowLeft);
        await WaitAsync(browser, () => Text(browser, "replay-at") != "now (live)", "the replay moment");
        var asOf = Text(browser, "replay-at");
        var replayed = await api.SendAsync(HttpMethod.Get, $"/v1/participants/0002/account?asOf={Uri.EscapeDataString(asOf)}", "operator-demo");
        if (replayed.Status == 200)
        {
            await WaitAsync(browser, () => Text(browser, "account-asof-note") == $"(replayed as of {asOf})", "the replayed account");
            Assert.Equal(Dollars(replayed.Json.GetProperty("settlementBalance").GetDecimal()), Text(browser, "account-balance"));
            Assert.Equal(Dollars(replayed.Json.GetProperty("netDebit").GetDecimal()), Text(browser, "account-net-debit"));
        }
        else
        {
            var replayProblem = browser.FindElement(By.Id("account-problem"));
            await WaitAsync(browser, () => replayProblem.Displayed && replayProblem.GetAttribute("data-rule") == replayed.Json.GetProperty("rule").GetString(),
                $"the API's answer to the replay ({replayed.Status} {replayed.Body})");
        }
        browser.FindElement(By.Id("replay-live")).Click();

        // ---- the operator: a deliver order's explanation as a timeline ----
        browser.Navigate().GoToUrl(url + "/#do=DASH-CAP");
        var explanation = await api.GetAsync("/v1/deliver-orders/DASH-CAP/explanation", "operator-demo");
        var steps = explanation.GetProperty("steps").GetArrayLength();
        await WaitAsync(browser, () => browser.FindElements(By.CssSelector("#do-timeline > li")).Count == steps, $"{steps} steps of DASH-CAP");
        var sentences = browser.FindElements(By.CssSelector("#do-timeline > li > p:nth-of-type(2)")).Select(p => p.Text).ToList();
        Assert.Equal(explanation.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("sentence").GetString()!).ToList(), sentences);
        Save(browser, screenshots, "deliver-order.png");

        // The cutoff button asks first, and then the node has reached the cutoff.
        browser.Navigate().GoToUrl(url + "/#day");
        await WaitAsync(browser, () => browser.FindElement(By.Id("day-operator")).Displayed, "the operator's buttons");
        browser.FindElement(By.Id("cutoff")).Click();
        var confirm = browser.SwitchTo().Alert();
        Assert.Contains("cutoff", confirm.Text, StringComparison.Ordinal);
        confirm.Accept();
        await WaitAsync(browser, () => Text(browser, "day-operator-result").StartsWith("Cutoff of ", StringComparison.Ordinal), "the cutoff's result");
        // (The summary is computed at most twice a second, so the cutoff shows in it within half a second.)
        await api.EventuallyAsync("/v1/day", "risk-demo", d => d.GetProperty("cutoffReached").GetBoolean(), "the cutoff in the day's summary");
        await WaitAsync(browser, () => Text(browser, "day-cutoff") == "reached", "the cutoff shown as reached");
        browser.FindElement(By.Id("sign-out")).Click();

        // ---- a participant: its own account, and the API's refusal for another firm ----
        await WaitAsync(browser, () => browser.FindElement(By.Id("token")).Displayed, "the sign-in form after signing out");
        Assert.Null(((IJavaScriptExecutor)browser).ExecuteScript("return sessionStorage.getItem('ledger.token')"));
        SignIn(browser, "participant-0002");
        await WaitAsync(browser, () => browser.FindElement(By.Id("page-account")).Displayed, "the Account page for a participant");
        Assert.False(browser.FindElement(By.Id("nav-day")).Displayed, "the Day page is offered only to those /v1/day answers");
        var own = await api.GetAsync("/v1/participants/0002/account", "participant-0002");
        ShowAccount(browser, "0002");
        await WaitAsync(browser, () => Text(browser, "account-balance") == Dollars(own.GetProperty("settlementBalance").GetDecimal()), "0002's own balance");
        Assert.Equal(Dollars(own.GetProperty("collateralMonitor").GetDecimal()), Text(browser, "account-collateral"));

        var refusal = await api.SendAsync(HttpMethod.Get, "/v1/participants/0003/account", "participant-0002");
        Assert.Equal(403, refusal.Status);
        ShowAccount(browser, "0003");
        var problem = browser.FindElement(By.Id("account-problem"));
        await WaitAsync(browser, () => problem.Displayed && problem.GetAttribute("data-rule") == "own-participant", "the API's refusal of 0003's account");
        Assert.Contains(refusal.Json.GetProperty("detail").GetString()!, problem.Text, StringComparison.Ordinal);
        Assert.False(browser.FindElement(By.Id("account-body")).Displayed, "no account stays shown after a refusal");
        // Nothing of 0003 reached the page: neither its name nor any of its figures.
        var outsider = await api.GetAsync("/v1/participants/0003/account", "risk-demo");
        var dom = browser.PageSource;
        Assert.DoesNotContain(outsider.GetProperty("name").GetString()!, dom, StringComparison.Ordinal);
        Assert.DoesNotContain(Dollars(outsider.GetProperty("collateralMonitor").GetDecimal()), dom, StringComparison.Ordinal);
        Assert.DoesNotContain(Count(outsider.GetProperty("positions")[0].GetProperty("shares").GetInt64()), dom, StringComparison.Ordinal);
        Save(browser, screenshots, "participant-refused.png");

        // Another firm's deliver order: the API's refusal, and no step of it.
        browser.Navigate().GoToUrl(url + "/#do=DASH-OUT");
        var doProblem = browser.FindElement(By.Id("do-problem"));
        await WaitAsync(browser, () => doProblem.Displayed && doProblem.GetAttribute("data-rule") == "deliver-order-party", "the refusal of DASH-OUT");
        Assert.Empty(browser.FindElements(By.CssSelector("#do-timeline > li")));

        // The page itself carried no error: no script failed and no policy blocked anything.
        var severe = browser.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level == LogLevel.Severe)
            .Where(e => !e.Message.Contains(" 403 ", StringComparison.Ordinal) && !e.Message.Contains(" 404 ", StringComparison.Ordinal))
            .Select(e => e.Message).ToList();
        Assert.True(severe.Count == 0, "browser errors:\n" + string.Join("\n", severe));
    }

    /// <summary>
    /// OCC 0900, a lender 0001 with 2,000 Apple, a borrower 0002 with an $80,000 cap, and another
    /// firm 0003 (with its own shares and a distinctive name). DASH-DONE completes; DASH-CAP pends
    /// at 0002 on its cap; DASH-OUT (0003 to 0001) is none of 0002's business.
    /// </summary>
    private static async Task SetUpDayAsync(Api api)
    {
        await api.OkAsync(HttpMethod.Put, "/v1/securities/" + Apple, "operator-demo", """{"price":100,"haircut":0.10}""");
        await api.OkAsync(HttpMethod.Put, "/v1/participants/0900", "operator-demo",
            """{"name":"OCC","netDebitCap":0,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":true}""");
        await api.OkAsync(HttpMethod.Put, "/v1/participants/0001", "operator-demo",
            """{"name":"Lender Securities","netDebitCap":1000000,"participantsFund":0,"marketLoanProgram":true,"centralCounterparty":false}""");
        await api.OkAsync(HttpMethod.Put, "/v1/participants/0002", "operator-demo",
            """{"name":"Borrower Capital","netDebitCap":80000,"participantsFund":50000,"marketLoanProgram":true,"centralCounterparty":false}""");
        await api.OkAsync(HttpMethod.Put, "/v1/participants/0003", "operator-demo",
            """{"name":"Quillfeather Outsider Holdings","netDebitCap":700000,"participantsFund":31415.92,"marketLoanProgram":true,"centralCounterparty":false}""");
        await api.OkAsync(HttpMethod.Post, "/v1/participants/0001/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":2000}""");
        await api.OkAsync(HttpMethod.Post, "/v1/participants/0003/deposits", "operator-demo", $$"""{"cusip":"{{Apple}}","shares":7777}""");
        await api.SubmitAsync("DASH-DONE", "0001", "0002", 500, 50_000m);
        await api.EventuallyAsync("/v1/deliver-orders/DASH-DONE", "occ-demo", v => v.GetProperty("status").GetString() == "completed", "DASH-DONE completing");
        await api.SubmitAsync("DASH-CAP", "0001", "0002", 1000, 100_000m);
        await api.EventuallyAsync("/v1/deliver-orders/DASH-CAP", "occ-demo", v => v.GetProperty("status").GetString() == "pending", "DASH-CAP pending");
        await api.SubmitAsync("DASH-OUT", "0003", "0001", 100, 10_000m);
        await api.EventuallyAsync("/v1/deliver-orders/DASH-OUT", "occ-demo", v => v.GetProperty("status").GetString() == "completed", "DASH-OUT completing");
    }

    private static ChromeDriver StartBrowser(string folder)
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // Root in a container: no sandbox. A profile of the test's own, removed with its folder.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1100",
            "--user-data-dir=" + Path.Combine(folder, "chromium"), "--no-first-run", "--disable-extensions");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(30));
    }

    private static void SignIn(IWebDriver browser, string token)
    {
        var input = browser.FindElement(By.Id("token"));
        input.Clear();
        input.SendKeys(token);
        input.SendKeys(Keys.Enter);
    }

    private static void ShowAccount(IWebDriver browser, string participant)
    {
        var input = browser.FindElement(By.Id("account-id"));
        input.Clear();
        input.SendKeys(participant);
        input.SendKeys(Keys.Enter);
    }

    private static string Text(IWebDriver browser, string id) => browser.FindElement(By.Id(id)).Text;

    /// <summary>The texts of a table row's cells (read within <see cref="WaitAsync"/>: a live page may redraw the row between two reads).</summary>
    private static IReadOnlyList<string> Cells(IWebDriver browser, string rowSelector) =>
        browser.FindElement(By.CssSelector(rowSelector)).FindElements(By.TagName("td")).Select(td => td.Text).ToList();

    private static string Dollars(decimal value) => value.ToString("N2", Us);

    private static string Count(long value) => value.ToString("N0", Us);

    /// <summary>Polls the page until <paramref name="done"/> holds; returns when it first did. Fails after <paramref name="max"/> (10 s).</summary>
    private static async Task<DateTime> WaitAsync(IWebDriver browser, Func<bool> done, string what, TimeSpan? max = null)
    {
        var limit = Stopwatch.StartNew();
        Exception? last = null;
        while (limit.Elapsed < (max ?? TimeSpan.FromSeconds(10)))
        {
            try
            {
                if (done()) return DateTime.UtcNow;
            }
            catch (WebDriverException e)
            {
                // The element is being redrawn by the next answer: look again.
                last = e;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{what} did not show within {(max ?? TimeSpan.FromSeconds(10)).TotalSeconds:0} s ({last?.Message}); the page:\n{browser.FindElement(By.TagName("main")).Text}");
    }

    /// <summary>
    /// The repository's docs/screenshots (found from the test's own folder) when
    /// LEDGER_WRITE_SCREENSHOTS=1, to refresh the README's pictures; otherwise a folder under the
    /// system's temp folder, so that a test run leaves the checkout as it was.
    /// </summary>
    private static string ScreenshotFolder()
    {
        if (Environment.GetEnvironmentVariable("LEDGER_WRITE_SCREENSHOTS") != "1")
        {
            var temp = Path.Combine(Path.GetTempPath(), "ledger-screenshots");
            Directory.CreateDirectory(temp);
            return temp;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln")))
            {
                var path = Path.Combine(dir.FullName, "docs", "screenshots");
                Directory.CreateDirectory(path);
                return path;
            }
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The whole page: the window is made as tall as the page for the screenshot, then put back.</summary>
    private static void Save(IWebDriver browser, string folder, string name)
    {
        var window = browser.Manage().Window;
        var size = window.Size;
        var height = Convert.ToInt32(((IJavaScriptExecutor)browser).ExecuteScript("return document.documentElement.scrollHeight"), CultureInfo.InvariantCulture);
        window.Size = new System.Drawing.Size(size.Width, Math.Max(size.Height, height + (size.Height - WindowInnerHeight(browser))));
        ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(folder, name));
        window.Size = size;
    }

    private static int WindowInnerHeight(IWebDriver browser) =>
        Convert.ToInt32(((IJavaScriptExecutor)browser).ExecuteScript("return window.innerHeight"), CultureInfo.InvariantCulture);

    /// <summary>The node's public API, as a script would call it.</summary>
    private sealed class Api(string url) : IDisposable
    {
        private readonly HttpClient _client = new() { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };

        public sealed record Answer(int Status, string Body)
        {
            public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
        }

        public async Task<Answer> SendAsync(HttpMethod method, string path, string token, string? json = null)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await _client.SendAsync(request);
            return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public async Task<JsonElement> OkAsync(HttpMethod method, string path, string token, string? json = null)
        {
            var answer = await SendAsync(method, path, token, json);
            Assert.True(answer.Status == 200, $"{method} {path}: {answer.Status} {answer.Body}");
            return answer.Json;
        }

        public Task<JsonElement> GetAsync(string path, string token) => OkAsync(HttpMethod.Get, path, token);

        /// <summary>Submits one deliver order as OCC; returns when its answer (accepted, durable) came.</summary>
        public async Task<DateTime> SubmitAsync(string id, string deliverer, string receiver, long shares, decimal amount)
        {
            var answer = await OkAsync(HttpMethod.Post, "/v1/deliver-orders", "occ-demo",
                $$"""[{"id":"{{id}}","deliverer":"{{deliverer}}","receiver":"{{receiver}}","cusip":"{{Apple}}","shares":{{shares}},"amount":{{amount.ToString(CultureInfo.InvariantCulture)}},"reasonCode":"SL"}]""");
            var answered = DateTime.UtcNow;
            Assert.True(answer[0].GetProperty("accepted").GetBoolean(), answer.ToString());
            return answered;
        }

        public async Task EventuallyAsync(string path, string token, Func<JsonElement, bool> done, string what)
        {
            var limit = Stopwatch.StartNew();
            Answer? last = null;
            while (limit.Elapsed < TimeSpan.FromSeconds(20))
            {
                last = await SendAsync(HttpMethod.Get, path, token);
                if (last.Status == 200 && done(last.Json)) return;
                await Task.Delay(50);
            }
            Assert.Fail($"{what} did not happen within 20 s; last answer: {last}");
        }

        public async Task WaitReadyAsync(LedgerProcess node, string log)
        {
            var limit = Stopwatch.StartNew();
            while (limit.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (node.HasExited) Assert.Fail($"the node exited ({node.ExitCode}) before it was ready:\n{File.ReadAllText(log)}");
                try
                {
                    using var response = await _client.GetAsync("/health/ready");
                    if (response.IsSuccessStatusCode) return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(100);
            }
            Assert.Fail($"the node was not ready within 60 s:\n{File.ReadAllText(log)}");
        }

        public void Dispose() => _client.Dispose();
    }
}
