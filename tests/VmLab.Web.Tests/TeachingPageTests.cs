using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VmLab.Sim.Kernel;
using VmLab.Sim.Paging;
using VmLab.Sim.Scenarios;
using static Microsoft.Playwright.Assertions;
using static VmLab.Sim.Kernel.KernelLayout;

namespace VmLab.Web.Tests;

/// <summary>A student's wrong fork, written as students write it: every user page shared, writable ones too.</summary>
internal sealed class SharingFork : IFork
{
    public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
    {
        if (k.NewPageTable(childPid) is not { } child) return null;
        for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va >= ProcStartAddr && it.Va < MemSizeVirtual; it.Next())
        {
            if (!it.User) continue;
            if (!child.Iter(it.Va).TryMap(it.Pa, it.Entry & Kernel.MappingPerm)) return k.Abandon(child);
            k.Frames.AddReference(it.Pa);
        }
        return child;
    }
}

/// <summary>A server whose machines run a student's wrong fork (what `vmlab web --workspace` hands the web), and a
/// quiz source.</summary>
public sealed class StudentServerFixture : IAsyncLifetime
{
    internal WebServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await WebServer.StartAsync("127.0.0.1", 0, new WebOptions
    {
        Seams = new SeamOverlay("/home/ada/lab1", ["fork"], s => s with { Fork = new SharingFork() }),
        Quiz = new QuizSource([("sum", "add two numbers")],
            (kind, seed) => [$"{seed} + 1?", $"{seed} + 2?"],
            (kind, seed, answers) => [.. answers.Select((a, i) => new QuizMark(a, a.Trim() == $"{seed + i + 1}", $"{seed + i + 1}", $"{seed} + {i + 1} = {seed + i + 1}"))]),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The page that teaches, in Chromium against real servers: the start screen, lessons, landing before events,
/// a student's seams, their programs, the deputy's cause, the maze and the quiz.</summary>
public sealed partial class TeachingPageTests(BrowserFixture browser, StudentServerFixture student)
    : IClassFixture<BrowserFixture>, IClassFixture<StudentServerFixture>
{
    // The README's pictures are retaken only on request (scripts/screenshots.sh names the folder): a test run never
    // writes into the repository.
    private static async Task Picture(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("VMLAB_SCREENSHOTS") is not { Length: > 0 } shots) return;
        Directory.CreateDirectory(shots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, name) });
    }

    private static Task Idle(IPage page) => BrowserFixture.Idle(page);

    private Task InPage(string name, Uri url, Func<IPage, Task> test, int width = 1280, int height = 900) => browser.InPage(name, url, test, width, height);

    internal static async Task<long> Step(IPage page) =>
        long.Parse(StepOf().Match(await page.InnerTextAsync("#step-label")).Groups[1].Value);

    internal static async Task Click(IPage page, string selector)
    {
        await page.ClickAsync(selector);
        await Idle(page);
    }

    [BrowserFact]
    public Task The_start_screen_lists_every_scenario_and_choosing_one_boots_it_with_its_lesson() => InPage("start", browser.Server.Url, async page =>
    {
        foreach (var s in Scenario.All)
            await Expect(page.Locator($"#start-panel .card[data-scenario='{s.Name}']")).ToContainTextAsync(s.Summary);
        await Picture(page, "web-start.png");
        await Expect(page.Locator("#start-panel .card[data-scenario='fork'] .first-look")).ToContainTextAsync("First look:");

        await Click(page, "#start-panel button[data-scenario='inspect']");
        await Expect(page.Locator("#step-label")).ToContainTextAsync("step 0 of 0");
        await Expect(page.Locator("#summary")).ToContainTextAsync("inspect:");
        await Expect(page.Locator("#start-panel")).ToBeHiddenAsync();
        await Expect(page.Locator("#lesson-panel .lesson-text")).ToContainTextAsync(Scenario.Inspect.Lesson);
        await Expect(page.Locator("#lesson-panel .next-step")).ToContainTextAsync("0x40ad0");
        await Expect(page.Locator("#lesson-panel .lesson-table")).ToContainTextAsync("syscall_entry");     // B1-B5's table
        await Expect(page.Locator("#lesson-panel .lesson-table tr")).ToHaveCountAsync(10);

        // Choosing another scenario in the header boots it: Step then steps that machine, not the old one.
        await page.SelectOptionAsync("#scenario", "bigdata");
        await Idle(page);
        await Expect(page.Locator("#summary")).ToContainTextAsync("bigdata:");
        await Expect(page.Locator("#lesson-panel .facts")).ToContainTextAsync("Boo! This big data is boring.");
        await Expect(page.Locator("#lesson-panel .facts")).ToContainTextAsync("CS 61 Is Amazing");
        await Click(page, "#step");
        await Expect(page.Locator("#step-label")).ToContainTextAsync("step 1 of 1");
        await Expect(page.Locator("#processes")).ToContainTextAsync("bigdata");
    });

    [BrowserFact]
    public Task Clicking_an_event_lands_just_before_it_with_it_highlighted_and_step_back_and_the_step_box_move_the_machine() => InPage("events", browser.Server.Url, async page =>
    {
        await page.SelectOptionAsync("#scenario", "fork");
        await Idle(page);
        await page.CheckAsync("#opt-cow");
        await Click(page, "#create");
        for (int i = 0; i < 100 && await page.Locator("#events .event.fault").CountAsync() == 0; i++) await Click(page, "#run-event");
        long furthest = await Step(page);

        // A syscall: land one instruction before it; it is still to come, and one Step makes it happen.
        var fork = page.Locator("#events .event.syscall", new() { HasTextString = "fork(" }).First;
        long forkStep = long.Parse(await fork.GetAttributeAsync("data-step") ?? "");
        await fork.ClickAsync();
        await Idle(page);
        Assert.Equal(forkStep - 1, await Step(page));
        await Expect(page.Locator("#events .event.selected")).ToContainTextAsync("fork(");
        await Expect(page.Locator("#events .event.selected")).ToHaveClassAsync(new Regex("future"));
        await Expect(page.Locator("#message")).ToContainTextAsync("just before");
        await Expect(page.Locator("#events .event.fault")).ToHaveCountAsync(1);        // later events do not vanish
        await Click(page, "#step");
        Assert.Equal(forkStep, await Step(page));
        await Expect(page.Locator("#events .event.syscall", new() { HasTextString = "fork(" }).First).Not.ToHaveClassAsync(new Regex("future"));

        // A fault: at its own step, before the faulting instruction runs; the walk of its address is ready and
        // the walk panel's title is in view below the sticky header.
        var fault = page.Locator("#events .event.fault").First;
        long faultStep = long.Parse(await fault.GetAttributeAsync("data-step") ?? "");
        await fault.ClickAsync();
        await Idle(page);
        Assert.Equal(faultStep, await Step(page));
        await Expect(page.Locator("#walk-fault")).ToContainTextAsync("copy-on-write");
        float header = (await page.Locator("#top").BoundingBoxAsync())!.Height;
        var title = (await page.Locator("#walk-panel h2").BoundingBoxAsync())!;
        Assert.True(title.Y >= header - 1 && title.Y < 900, $"the walk panel's title is at y={title.Y}, the header {header} px high");

        await Click(page, "#step-back");
        Assert.Equal(faultStep - 1, await Step(page));
        await page.FillAsync("#step-box", "5");
        await page.PressAsync("#step-box", "Enter");
        await Idle(page);
        Assert.Equal(5, await Step(page));
        await Expect(page.Locator("#step-label")).ToContainTextAsync($"of {furthest}");
    });

    [BrowserFact]
    public Task A_students_wrong_fork_shows_its_checker_error_at_the_step_of_its_fork() =>
        InPage("student-fork", student.Server.Url, page => WrongForkShowsAtItsStep(page, "/home/ada/lab1", "writable frame shared"));

    /// <summary>A server whose fork is wrong (<paramref name="source"/>: its workspace): the first finding names
    /// <paramref name="error"/> at the fork's step, a click lands just before the fork, one step shows it, and the run
    /// ends NOT CONFIRMED.</summary>
    internal static async Task WrongForkShowsAtItsStep(IPage page, string source, string error, bool picture = true)
    {
        await Expect(page.Locator("#seams-badge")).ToContainTextAsync("your seams: fork");
        await Click(page, "#start-panel button[data-scenario='fork']");
        await Expect(page.Locator("#lesson-panel .seams-note")).ToContainTextAsync(source);
        await Click(page, "#run");
        await Expect(page.Locator("#checker-errors .checker-error").First).ToBeVisibleAsync();
        await Idle(page);
        var finding = page.Locator("#checker-errors .checker-error").First;
        await Expect(finding).ToContainTextAsync(error);
        await Expect(finding.Locator(".cause")).ToContainTextAsync("fork(");
        long at = long.Parse(await finding.GetAttributeAsync("data-step") ?? "");

        await finding.ClickAsync();                           // to just before the fork that caused it
        await Idle(page);
        Assert.Equal(at - 1, await Step(page));
        await Expect(page.Locator("#checker-count")).ToHaveTextAsync("0");
        await Expect(page.Locator("#events .event.selected")).ToContainTextAsync("fork(");
        await Click(page, "#step");                            // the fork runs, and the checker sees it at once
        Assert.Equal(at, await Step(page));
        Assert.NotEqual("0", await page.InnerTextAsync("#checker-count"));
        await Expect(page.Locator("#student-seams")).ToContainTextAsync("fork");
        await page.Locator("#events-panel").ScrollIntoViewIfNeededAsync();
        if (picture) await Picture(page, "web-your-kernel.png");
        await Click(page, "#run");                             // on to the end: the scenario's verdict on this kernel
        await Expect(page.Locator("#verdict")).ToContainTextAsync("NOT CONFIRMED - isolation broken");
    }

    [BrowserFact]
    public Task Friends_marks_eves_page_alloc_as_the_cause_and_the_findings_point_at_it() => InPage("deputy", browser.Server.Url, async page =>
    {
        await page.SelectOptionAsync("#scenario", "friends");
        await Idle(page);
        await page.CheckAsync("#opt-vulnerable");
        await Click(page, "#create");
        await Click(page, "#run");
        await Expect(page.Locator("#checker-errors .checker-error").First).ToBeVisibleAsync();
        await Idle(page);
        var deputy = page.Locator("#events .event.deputy").First;
        await Expect(deputy).ToContainTextAsync("page_alloc(");
        await Expect(deputy.Locator(".deputy-note")).ToContainTextAsync("alice");
        await Expect(page.Locator("#checker-errors .checker-error .cause").First).ToContainTextAsync("confused deputy");
    });

    [BrowserFact]
    public Task The_maze_is_a_directed_graph_with_arrows_self_loops_colours_and_a_readable_pit() => InPage("maze", browser.Server.Url, async page =>
    {
        var maze = VmLab.Sim.Maze.SeedMaze.Load();
        var edges = page.Locator("#maze svg .edge");
        await Expect(edges).ToHaveCountAsync(2 * maze.Count);
        foreach (var e in await edges.AllAsync()) Assert.Equal("url(#arrow)", await e.GetAttributeAsync("marker-end"));
        int loops = Enumerable.Range(0, maze.Count).Sum(r => (maze.Exit(r, 0) == r ? 1 : 0) + (maze.Exit(r, 1) == r ? 1 : 0));
        Assert.True(loops >= 2);
        await Expect(page.Locator("#maze svg .edge.self-loop")).ToHaveCountAsync(loops);
        await Expect(page.Locator("#maze svg .edge.self-loop[data-from='7']")).ToHaveCountAsync(2);     // room 7's exits both lead back to 7
        foreach (int r in maze.RoomsColoured(["red", "blue"]))
            await Expect(page.Locator($"#maze svg circle[data-room='{maze.Name(r)}']")).ToHaveClassAsync(new Regex(maze.Colour(r)));
        string pitText = await page.Locator("#maze svg text.pit").EvaluateAsync<string>("t => getComputedStyle(t).fill");
        string pitFill = await page.Locator("#maze svg circle[data-room='pit']").EvaluateAsync<string>("c => getComputedStyle(c).fill");
        Assert.NotEqual(pitText, pitFill);
        Assert.DoesNotContain("rgb(51, 51, 51)", pitFill);        // no longer black text on near-black
        await page.Locator("#maze svg").ScrollIntoViewIfNeededAsync();
        await Picture(page, "web-maze.png");
    });

    [BrowserFact]
    public Task The_quiz_is_answered_and_marked_in_the_page() => InPage("quiz", student.Server.Url, async page =>
    {
        await page.FillAsync("#quiz-seed", "4");
        await Click(page, "#quiz-new");
        await Expect(page.Locator("#quiz-sheet .quiz-title")).ToContainTextAsync("seed 4");
        await Expect(page.Locator("#quiz-sheet:not([aria-busy]) li")).ToHaveCountAsync(2);
        await page.Locator(".quiz-answer").Nth(0).FillAsync("5");
        await page.Locator(".quiz-answer").Nth(1).FillAsync("7");
        await Click(page, "#quiz-check");
        await Expect(page.Locator("#quiz-sheet .mark.good")).ToHaveCountAsync(1);
        await Expect(page.Locator("#quiz-sheet .mark.bad")).ToContainTextAsync("expected 6");
        await Expect(page.Locator(".quiz-marks")).ToContainTextAsync("1 of 2 right");
    });

    [BrowserFact]
    public Task Problems_asked_for_twice_show_the_last_asked_and_a_late_answer_for_the_first_does_not_wipe_them() => InPage("quiz-late", student.Server.Url, async page =>
    {
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/api/quiz?*seed=4*", async route => { await release.Task; await route.ContinueAsync(); });
        await page.FillAsync("#quiz-seed", "4");
        await page.ClickAsync("#quiz-new");
        await Expect(page.Locator("#quiz-sheet")).ToHaveAttributeAsync("aria-busy", "true");
        await page.FillAsync("#quiz-seed", "5");
        await page.ClickAsync("#quiz-new");
        await Expect(page.Locator("#quiz-sheet .quiz-title")).ToContainTextAsync("seed 5");
        await Expect(page.Locator("#quiz-sheet")).Not.ToHaveAttributeAsync("aria-busy", "true");
        await page.Locator(".quiz-answer").Nth(0).FillAsync("my answer");
        await page.RunAndWaitForResponseAsync(() => { release.SetResult(); return Task.CompletedTask; }, r => r.Url.Contains("seed=4"));
        await page.EvaluateAsync("() => new Promise(r => setTimeout(r, 300))");     // the page has had the late answer
        await Expect(page.Locator("#quiz-sheet .quiz-title")).ToContainTextAsync("seed 5");
        await Expect(page.Locator(".quiz-answer").Nth(0)).ToHaveValueAsync("my answer");
    });

    [BrowserFact]
    public Task Two_columns_from_1200_pixels_and_errors_in_the_pages_words() => InPage("layout", browser.Server.Url, async page =>
    {
        var physical = (await page.Locator("#physical-panel").BoundingBoxAsync())!;
        var virt = (await page.Locator("#virtual-panel").BoundingBoxAsync())!;
        Assert.Equal(physical.Y, virt.Y);
        Assert.True(virt.X > physical.X + 400);
        await page.FillAsync("#walk-va", "zzz");
        await Click(page, "#walk-go");
        await Expect(page.Locator("#message.error")).ToContainTextAsync("'zzz' is not an address: type it in hex");
        await Click(page, "#step");                               // the next action clears the old error
        await Expect(page.Locator("#message.error")).ToHaveCountAsync(0);
        await page.FillAsync("#walk-va", "100000");               // hex without 0x
        await Click(page, "#walk-go");
        await Expect(page.Locator("#walk .walk-head")).ToContainTextAsync("of 0x100000");
        await Expect(page.Locator("#tlb-model")).ToContainTextAsync("direct-mapped");
        await Expect(page.Locator("#tlb-model")).ToContainTextAsync("not instruction fetches");
    }, width: 1200);

    [GeneratedRegex(@"step (\d+) of")]
    private static partial Regex StepOf();
}
