using Microsoft.Playwright;
using VmLab.Labs;
using VmLab.Labs.Build;
using static Microsoft.Playwright.Assertions;

namespace VmLab.Web.Tests;

/// <summary>Servers as `vmlab web --workspace DIR` starts them: the workspace's Fork.cs (today's stub, its body replaced)
/// built as the grader builds it, every machine in a child process hosting it. One workspace shares writable pages,
/// one recurses forever.</summary>
public sealed class WorkspaceServersFixture : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-web-ws-").FullName;
    private readonly List<StudentBuild> _builds = [];

    // Every user page shared, writable ones too: the child's writes reach the parent.
    public const string Sharing = """
        var child = k.NewPageTable(childPid);
                if (child is null) return null;
                for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va >= ProcStartAddr && it.Va < MemSizeVirtual; it.Next())
                {
                    if (!it.User) continue;
                    if (!child.Iter(it.Va).TryMap(it.Pa, it.Entry & Kernel.MappingPerm)) return k.Abandon(child);
                    k.Frames.AddReference(it.Pa);
                }
                return child;
        """;

    internal WebServer Wrong { get; private set; } = null!;

    internal WebServer Recursing { get; private set; } = null!;

    public string WrongDir { get; private set; } = "";

    public async Task InitializeAsync()
    {
        WrongDir = Workspace("wrong", Sharing);
        Wrong = await Serve(WrongDir);
        Recursing = await Serve(Workspace("recursing", "return ForkMemory(k, parent, childPid);"));
    }

    private string Workspace(string name, string body)
    {
        string dir = Path.Combine(_dir, name);
        VmLab.Labs.Workspace.Init(dir, [Catalog.Find("fork")!]);
        string stub = File.ReadAllText(Path.Combine(dir, "Fork.cs"));
        const string todo = "throw new NotImplementedYetException(\"fork\");";
        Assert.Contains(todo, stub);
        File.WriteAllText(Path.Combine(dir, "Fork.cs"), stub.Replace(todo, body));
        return dir;
    }

    private async Task<WebServer> Serve(string dir)
    {
        var build = StudentKernel.Prepare(dir);
        _builds.Add(build);
        return await WebServer.StartAsync("127.0.0.1", 0, new WebOptions
        {
            Hosting = new MachineHosting(build.Source, build.Names,
                async cancel => new Hosted(await SeamServer.StartAsync(build, TimeSpan.FromSeconds(10), cancel))),
        });
    }

    private sealed class Hosted(SeamServer server) : IMachineHost
    {
        public HttpMessageHandler Handler => server.Handler;

        public string? WhyGone() => server.WhyGone();

        public void Dispose() => server.Dispose();
    }

    public async Task DisposeAsync()
    {
        if (Wrong is not null) await Wrong.DisposeAsync();
        if (Recursing is not null) await Recursing.DisposeAsync();
        foreach (var b in _builds) b.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>A student's fork from their workspace in the browser, its seams hosted in a child process per machine.</summary>
public sealed class WorkspacePageTests(BrowserFixture browser, WorkspaceServersFixture servers)
    : IClassFixture<BrowserFixture>, IClassFixture<WorkspaceServersFixture>
{
    [BrowserFact]
    public Task A_wrong_fork_from_a_workspace_shows_its_checker_error_at_the_step_of_its_fork() =>
        browser.InPage("workspace-fork", servers.Wrong.Url, page =>
            TeachingPageTests.WrongForkShowsAtItsStep(page, servers.WrongDir, "writable frame shared", picture: false));

    [BrowserFact]
    public Task A_fork_that_overflows_the_stack_ends_its_machine_in_the_pages_words_and_the_server_serves_on() =>
        browser.InPage("workspace-recursing", servers.Recursing.Url, async page =>
        {
            await TeachingPageTests.Click(page, "#start-panel button[data-scenario='fork']");
            await TeachingPageTests.Click(page, "#run");
            await Expect(page.Locator("#message")).ToContainTextAsync("your fork overflowed the stack (infinite recursion?): this machine is gone");
            await Expect(page.Locator("#message")).Not.ToContainTextAsync("the server failed");
            await page.SelectOptionAsync("#scenario", "hello");     // another machine boots and runs
            await TeachingPageTests.Click(page, "#create");
            await TeachingPageTests.Click(page, "#run");
            await Expect(page.Locator("#verdict")).ToContainTextAsync("CONFIRMED");
        });
}
