using Microsoft.Playwright;

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
