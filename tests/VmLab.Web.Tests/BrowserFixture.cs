using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace VmLab.Web.Tests;

/// <summary>A real Kestrel server on a free loopback port and Debian's headless Chromium driven by Playwright.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    internal WebServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The repository root (where VmLab.slnx is): screenshots go to build/ and docs/ there.</summary>
    public static string RepoRoot { get; } = FindRoot();

    public async Task InitializeAsync()
    {
        Server = await WebServer.StartAsync("127.0.0.1", 0);
        if (!File.Exists(Chromium)) return;       // the tests themselves are skipped (or, on CI, fail): see BrowserFact
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }

    /// <summary>
    /// Opens <paramref name="url"/> in a fresh page of <paramref name="width"/>×<paramref name="height"/>, waits until it
    /// is idle and runs <paramref name="test"/> on it; a script error in the page fails the test. When it fails, the page
    /// is saved as build/web-test-NAME.png under the repository root.
    /// </summary>
    public async Task InPage(string name, Uri url, Func<IPage, Task> test, int width = 1280, int height = 900)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing (CI must install it: scripts/install-test-deps.sh)");
        SetDefaultExpectTimeout(30_000);
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        page.SetDefaultTimeout(60_000);            // a loaded build machine is slow; the waits are for events, not time
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        try
        {
            await page.GotoAsync(url.ToString());
            await Idle(page);
            await test(page);
            Assert.Empty(errors);
        }
        catch
        {
            string dir = Path.Combine(RepoRoot, "build");
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new() { Path = Path.Combine(dir, $"web-test-{name}.png"), FullPage = true });
            throw;
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Waits until the page has no request running (it marks the body busy while one does).</summary>
    public static async Task Idle(IPage page) =>
        await page.WaitForSelectorAsync("body:not([data-busy])", new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VmLab.slnx"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}

/// <summary>A browser test: skipped with the reason when Chromium is missing, except on CI (CI=true), where a
/// missing browser must fail the run instead of hiding it.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(BrowserFixture.Chromium) && !ci)
            Skip = $"{BrowserFixture.Chromium} is missing: install Debian's chromium (scripts/install-test-deps.sh)";
    }
}
