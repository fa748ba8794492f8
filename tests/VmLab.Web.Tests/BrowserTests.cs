using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace VmLab.Web.Tests;

/// <summary>What a student does in the page, in a real browser against a real server.</summary>
public partial class BrowserTests : IClassFixture<BrowserFixture>
{
    private readonly BrowserFixture fixture;

    public BrowserTests(BrowserFixture fixture)
    {
        this.fixture = fixture;
        SetDefaultExpectTimeout(30_000);
    }

    private Task InPage(string name, Func<IPage, Task> test) => fixture.InPage(name, fixture.Server.Url, test, 1400, 1000);

    private static Task Idle(IPage page) => BrowserFixture.Idle(page);

    private static async Task Create(IPage page, string scenario, Func<Task>? options = null)
    {
        await page.SelectOptionAsync("#scenario", scenario);
        if (options is not null) await options();
        await page.ClickAsync("#create");
        await Idle(page);
        await Expect(page.Locator("#step-label")).ToContainTextAsync("step 0 ");
    }

    private static async Task RunToEnd(IPage page)
    {
        await page.FillAsync("#count", "20000000");
        for (int i = 0; i < 20 && await page.Locator("#finished").CountAsync() == 0; i++)
        {
            await page.ClickAsync("#step-n");
            await Idle(page);
        }
        await Expect(page.Locator("#finished")).ToBeVisibleAsync();
    }

    [BrowserFact]
    public Task Fork_with_cow_the_childs_first_write_walks_to_an_explained_copy_on_write_fault() => InPage("fork-cow", async page =>
    {
        await Create(page, "fork", () => page.CheckAsync("#opt-cow"));
        var fault = page.Locator("#events .event.fault");
        for (int i = 0; i < 100 && await fault.CountAsync() == 0; i++)
        {
            await page.ClickAsync("#run-event");
            await Idle(page);
        }
        string text = await fault.First.InnerTextAsync();
        Assert.Contains("copy-on-write", text);
        var m = AddressInFault().Match(text);
        Assert.True(m.Success, text);
        ulong va = Convert.ToUInt64(m.Groups[1].Value, 16) & ~0xFFFUL;
        string pid = m.Groups[2].Value;

        await fault.First.ClickAsync();                  // back to the step of the fault: the write has not happened
        await Idle(page);
        await Expect(page.Locator("#pid")).ToHaveValueAsync(pid);
        await page.SelectOptionAsync("#walk-access", "write");
        await page.ClickAsync($"#virtual .page[data-va='0x{va:x}']");
        await Idle(page);

        await Expect(page.Locator("#walk .level")).ToHaveCountAsync(4);
        await Expect(page.Locator("#walk .level").Last).ToContainTextAsync("PT at");
        await Expect(page.Locator("#walk .level").Last.Locator(".bit.on", new() { HasTextString = "COW" })).ToHaveCountAsync(1);
        await Expect(page.Locator("#walk .level").Last.Locator(".bit.off", new() { HasTextString = "W" }).First).ToBeVisibleAsync();
        await Expect(page.Locator("#walk-fault")).ToContainTextAsync("error code 0x7");
        await Expect(page.Locator("#walk-fault")).ToContainTextAsync("protection violation, write, user");
        await Expect(page.Locator("#walk-fault .explanation")).ToContainTextAsync("copy-on-write");

        // The frame behind the page is shared by parent and child, refcount 2.
        var frame = page.Locator("#physical .frame.shared").First;
        await frame.ClickAsync();
        await Expect(page.Locator("#frame-details")).ToContainTextAsync("refcount 2");

        // The README's picture is retaken only on request (scripts/screenshots.sh sets the folder); a test run
        // never writes into the repository.
        if (Environment.GetEnvironmentVariable("VMLAB_SCREENSHOTS") is { Length: > 0 } shots)
        {
            Directory.CreateDirectory(shots);
            await page.Locator("#walk-panel").ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "web.png") });
        }

        // One instruction later the kernel has copied the page: the walk succeeds.
        await page.ClickAsync("#step");
        await Idle(page);
        await Expect(page.Locator("#walk-result")).ToContainTextAsync("physical address");
    });

    [BrowserFact]
    public Task Friends_on_the_vulnerable_kernel_shows_the_checker_error() => InPage("friends", async page =>
    {
        await Create(page, "friends", () => page.CheckAsync("#opt-vulnerable"));
        await RunToEnd(page);
        await Expect(page.Locator("#checker-errors .checker-error").First).ToBeVisibleAsync();
        Assert.NotEqual("0", await page.InnerTextAsync("#checker-count"));

        await Create(page, "friends");
        await RunToEnd(page);
        await Expect(page.Locator("#checker-errors .checker-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#checker-count")).ToHaveTextAsync("0");
    });

    [BrowserFact]
    public Task Forkexit_runs_to_the_end_with_zero_leaked_frames() => InPage("forkexit", async page =>
    {
        await Create(page, "forkexit", () => page.FillAsync("#opt-count", "300"));
        await RunToEnd(page);
        await Expect(page.Locator("#console")).ToContainTextAsync("forkexit: 300 children forked and exited");
        await Expect(page.Locator("#leaked")).ToHaveTextAsync("0");
        await Expect(page.Locator("#free")).ToContainTextAsync("(347 at boot)");
        await Expect(page.Locator("#free")).ToContainTextAsync("free frames 347 ");

        // The timeline goes back: at step 0 nothing has run yet.
        await page.Locator("#timeline").FillAsync("0");
        await page.Locator("#timeline").DispatchEventAsync("change");
        await Idle(page);
        await Expect(page.Locator("#step-label")).ToContainTextAsync("step 0 of");
        await Expect(page.Locator("#console")).ToHaveTextAsync("");
    });

    [BrowserFact]
    public Task The_exercises_answer_in_the_page_and_the_maze_walk_is_drawn() => InPage("exercises", async page =>
    {
        var check = page.Locator("form.exercise").Nth(0);
        await page.FillAsync("#ex-pairs", "0x0 -> 0x1f000\n0x1000 -> 0x1f000\n0x2000 -> 0x1f000");
        await check.Locator("button").ClickAsync();
        await Expect(check.Locator(".answer")).ToContainTextAsync("valid");
        await page.FillAsync("#ex-pairs", "4095 -> 8193\n4096 -> 0");
        await check.Locator("button").ClickAsync();
        await Expect(check.Locator(".answer")).ToContainTextAsync("not valid");

        var maze = page.Locator("#maze form");
        await maze.Locator("button").ClickAsync();
        await Expect(page.Locator("#maze .edge.walked").First).ToBeAttachedAsync();
        await Expect(maze).ToContainTextAsync("->");
    });

    [GeneratedRegex(@"on (0x[0-9a-f]+) \(pid (\d+)")]
    private static partial Regex AddressInFault();
}
