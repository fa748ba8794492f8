using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VmLab.Labs;
using VmLab.Labs.Build;

namespace VmLab.Cli.Tests;

/// <summary>Student workspaces made once for the class: a fork that shares writable frames, a right fork, a fork that
/// dereferences null, one that does not compile, and one left as `lab init` wrote it.</summary>
public sealed class StudentForks : IDisposable
{
    private readonly TempDir _dir = new("vmlab-ws-");

    public const string Right = """
        using VmLab.Sim.Kernel;
        using VmLab.Sim.Paging;
        using static VmLab.Sim.Kernel.KernelLayout;

        namespace Lab;

        public sealed class MyFork : IFork
        {
            public PageTable? ForkMemory(Kernel k, Process parent, int childPid)
            {
                var child = k.NewPageTable(childPid);
                if (child is null) return null;
                for (var it = parent.PageTable.Iter(ProcStartAddr); it.Va >= ProcStartAddr && it.Va < MemSizeVirtual; it.Next())
                {
                    if (!it.User) continue;
                    ulong perm = it.Entry & Kernel.MappingPerm;
                    bool ok;
                    if (it.Writable) ok = k.MapFresh(child, it.Va, perm, k.Memory.FrameSpan(it.Pa));
                    else if (ok = child.Iter(it.Va).TryMap(it.Pa, perm)) k.Frames.AddReference(it.Pa);
                    if (!ok) return k.Abandon(child);
                }
                return child;
            }
        }
        """;

    /// <summary>Shares every frame, writable ones too: the child's write reaches the parent.</summary>
    public static readonly string Wrong = Right.Replace("if (it.Writable) ok = k.MapFresh(child, it.Va, perm, k.Memory.FrameSpan(it.Pa));\n            else ", "");

    /// <summary>Maps the parent's PML4 where each writable page belongs: the child can write the parent's page table.</summary>
    public static readonly string Tables = Right.Replace("if (it.Writable) ok = k.MapFresh(child, it.Va, perm, k.Memory.FrameSpan(it.Pa));",
        "if (it.Writable) { ok = child.Iter(it.Va).TryMap(parent.PageTable.Root, perm); if (ok) k.Frames.AddReference(parent.PageTable.Root); }");

    /// <summary>Makes a page table for the child twice and keeps the second: the first one's frames leak.</summary>
    public static readonly string Leaking = Right.Replace("var child = k.NewPageTable(childPid);", "k.NewPageTable(childPid);\n        var child = k.NewPageTable(childPid);");

    public static readonly string Null = Right.Replace("var child = k.NewPageTable(childPid);", "PageTable? child = null; child!.Iter(0);");

    public StudentForks()
    {
        Assert.NotEqual(Right, Wrong);
        Assert.NotEqual(Right, Tables);
        Assert.NotEqual(Right, Leaking);
        WrongDir = Make("wrong", Wrong);
        TablesDir = Make("tables", Tables);
        LeakingDir = Make("leaking", Leaking);
        RightDir = Make("right", Right);
        NullDir = Make("null", Null);
        BrokenDir = Make("broken", Right.Replace("return child;", "return child"));
        UntouchedDir = Make("untouched", null);
        // Spins for seconds, far beyond the limits the test sets, then gives up, so no thread spins on for the rest of the run.
        LoopingDir = Make("looping", Right.Replace("var child = k.NewPageTable(childPid);",
            "long spins = 0; while (childPid > 0 && spins < 15_000_000_000L) spins++; var child = k.NewPageTable(childPid);"));
    }

    public string LoopingDir { get; }

    public string WrongDir { get; }
    public string TablesDir { get; }
    public string LeakingDir { get; }
    public string RightDir { get; }
    public string NullDir { get; }
    public string BrokenDir { get; }
    public string UntouchedDir { get; }

    private string Make(string name, string? fork)
    {
        string dir = Path.Combine(_dir.Path, name);
        Workspace.Init(dir, Catalog.Exercises);
        if (fork is not null) File.WriteAllText(Path.Combine(dir, "Fork.cs"), fork);
        return dir;
    }

    public void Dispose() => _dir.Dispose();
}

public class WorkspaceRunTests(StudentForks forks) : IClassFixture<StudentForks>
{
    [Fact]
    public void A_wrong_fork_shows_its_checker_error_at_the_fork()
    {
        var r = CliRunner.Run("sim", "run", "fork", "--workspace", forks.WrongDir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("your seams", r.Out);
        Assert.Contains("fork (yours", r.Out);
        Assert.Contains("right after pid 1 fork(", r.Out);
        Assert.Contains("writable frame shared", r.Out);
        Assert.Contains("NOT CONFIRMED", r.Out);

        var j = CliRunner.Json("sim", "run", "fork", "--workspace", forks.WrongDir);
        Assert.Equal(["fork"], j["student_seams"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(j["passed"]!.GetValue<bool>());
        var finding = j["checker_findings"]!.AsArray()[0]!;
        Assert.StartsWith("writable frame shared", finding["text"]!.GetValue<string>());
        Assert.Equal("syscall", finding["cause"]!["kind"]!.GetValue<string>());
        Assert.Contains("fork(", finding["cause"]!["text"]!.GetValue<string>());
        Assert.Equal(finding["cause"]!["step"]!.GetValue<long>(), finding["step"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("tables", "kernel frame mapped for users: pid 2 0x102000 -> 0x")]
    [InlineData("leaking", "leaked frame: 0x")]
    public void Other_wrong_forks_show_their_checker_error_at_the_fork_with_the_fork_as_cause(string which, string error)
    {
        string dir = which == "tables" ? forks.TablesDir : forks.LeakingDir;
        var r = CliRunner.Run("sim", "run", "fork", "--workspace", dir, "--json");
        Assert.Equal(1, r.ExitCode);
        var j = JsonNode.Parse(r.Out)!;
        Assert.False(j["passed"]!.GetValue<bool>());
        var finding = j["checker_findings"]!.AsArray().First(f => f!["text"]!.GetValue<string>().StartsWith(error, StringComparison.Ordinal))!;
        Assert.Equal("syscall", finding["cause"]!["kind"]!.GetValue<string>());
        Assert.StartsWith("pid 1 fork(", finding["cause"]!["text"]!.GetValue<string>());
        Assert.Equal(finding["cause"]!["step"]!.GetValue<long>(), finding["step"]!.GetValue<long>());
        Assert.Equal(j["checker_findings"]![0]!["step"]!.GetValue<long>(), finding["step"]!.GetValue<long>());     // the first finding is the fork's
    }

    [Fact]
    public void A_right_fork_passes_like_the_reference()
    {
        var mine = CliRunner.Json("sim", "run", "fork", "--workspace", forks.RightDir);
        var reference = CliRunner.Json("sim", "run", "fork");
        Assert.True(mine["passed"]!.GetValue<bool>(), mine["verdict"]!.ToString());
        Assert.Equal(["fork"], mine["student_seams"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(reference["student_seams"]!.AsArray());
        Assert.Equal(reference["console"]!.GetValue<string>(), mine["console"]!.GetValue<string>());
        Assert.Empty(mine["checker_findings"]!.AsArray());
    }

    [Fact]
    public void An_exception_in_the_students_fork_is_a_kernel_panic_with_their_line()
    {
        var r = CliRunner.Run("sim", "run", "fork", "--workspace", forks.NullDir);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("KERNEL PANIC", r.Out);
        Assert.Contains("NullReferenceException", r.Out);
        Assert.Contains("Fork.cs:", r.Out);
        Assert.DoesNotContain("at VmLab.", r.Out + r.Err);      // no stack trace: the student's line alone
        Assert.DoesNotContain("at System.", r.Out + r.Err);
    }

    [Fact]
    public void A_workspace_that_does_not_build_is_bad_input_with_the_compilers_first_error()
    {
        var r = CliRunner.BadInput("sim", "run", "fork", "--workspace", forks.BrokenDir);
        Assert.Contains("Fork.cs does not build: Fork.cs(", r.Err);
        Assert.Contains("error CS1002", r.Err);
        var missing = CliRunner.BadInput("sim", "run", "fork", "--workspace", forks.BrokenDir + "-nowhere\u001b[2J");
        Assert.Contains("is not a directory", missing.Err);
        Assert.DoesNotContain("\u001b", missing.Err);
        CliRunner.BadInput("web", "--port", "0", "--workspace", forks.BrokenDir);
    }

    [Fact]
    public async Task A_fork_that_never_returns_stops_its_machine_not_the_server_nor_the_command()
    {
        var r = CliRunner.Run("sim", "run", "fork", "--workspace", forks.LoopingDir, "--timeout", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("fork: your code did not return within 1 s", r.Err);

        await using var server = await VmLab.Web.WebServer.StartAsync("127.0.0.1", 0, StudentKernel.Build(forks.LoopingDir, callLimit: TimeSpan.FromSeconds(1)));
        using var http = new HttpClient { BaseAddress = server.Url };
        var created = await (await http.PostAsJsonAsync("api/machines", new { scenario = "fork" })).Content.ReadFromJsonAsync<JsonObject>();
        string id = created!["id"]!.GetValue<string>();
        await http.PostAsJsonAsync($"api/machines/{id}/step", new { count = 100000 });
        var state = await http.GetFromJsonAsync<JsonObject>($"api/machines/{id}");
        Assert.Contains("fork: your code did not return within 1 s", state!["panic"]!.GetValue<string>());
        Assert.True(state["finished"]!.GetValue<bool>());
        var other = await (await http.PostAsJsonAsync("api/machines", new { scenario = "hello" })).Content.ReadFromJsonAsync<JsonObject>();
        var stepped = await (await http.PostAsJsonAsync($"api/machines/{other!["id"]}/step", new { count = 1000 })).Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(stepped!["retired"]!.GetValue<long>() > 0);       // the server goes on running other machines
    }

    [Fact]
    public void An_untouched_workspace_runs_the_reference_and_says_so()
    {
        var r = CliRunner.Run("sim", "run", "spawn", "--workspace", forks.UntouchedDir);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("still the stub", string.Join(' ', r.Out.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Sim_memory_draws_the_students_kernel_with_its_findings()
    {
        var j = CliRunner.Run("sim", "memory", "--workspace", forks.WrongDir, "--json");
        Assert.Equal(1, j.ExitCode);
        var json = JsonNode.Parse(j.Out)!;
        Assert.Equal("fork", json["scenario"]!.GetValue<string>());
        Assert.Equal(["fork"], json["student_seams"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.NotEmpty(json["checker_findings"]!.AsArray());
        Assert.Equal(2, json["processes"]!.AsArray().Count);     // drawn when both forker processes were alive
        Assert.Equal(0, CliRunner.Run("sim", "memory", "--workspace", forks.RightDir).ExitCode);
        CliRunner.BadInput("sim", "memory", "--scenario", "fork");
    }

    [Fact]
    public async Task The_web_runs_the_students_fork_and_links_the_finding_to_the_fork()
    {
        var seams = StudentKernel.Build(forks.WrongDir);
        await using var server = await VmLab.Web.WebServer.StartAsync("127.0.0.1", 0, seams);
        using var http = new HttpClient { BaseAddress = server.Url };
        var scenarios = await http.GetFromJsonAsync<JsonObject>("api/scenarios");
        Assert.Equal("fork", scenarios!["student_seams"]![0]!.GetValue<string>());
        var created = await (await http.PostAsJsonAsync("api/machines", new { scenario = "fork" })).Content.ReadFromJsonAsync<JsonObject>();
        string id = created!["id"]!.GetValue<string>();
        await http.PostAsJsonAsync($"api/machines/{id}/step", new { count = 100000 });
        var state = await http.GetFromJsonAsync<JsonObject>($"api/machines/{id}");
        Assert.Equal("fork", state!["student_seams"]![0]!.GetValue<string>());
        var finding = state["checker_findings"]![0]!;
        Assert.Contains("fork(", finding["cause"]!["text"]!.GetValue<string>());
        Assert.Equal(finding["cause"]!["step"]!.GetValue<long>(), finding["step"]!.GetValue<long>());
        Assert.True(state["finished"]!.GetValue<bool>());
        Assert.False(state["passed"]!.GetValue<bool>());
        Assert.Contains("isolation broken", state["verdict"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_web_with_a_workspace_boots_an_uploaded_program_on_the_students_fork_in_a_child()
    {
        using var build = StudentKernel.Prepare(forks.WrongDir);
        await using var server = await VmLab.Web.WebServer.StartAsync("127.0.0.1", 0,
            new VmLab.Web.WebOptions { Hosting = Commands.Sim.WorkspaceSeams.Hosting(build, TimeSpan.FromSeconds(10)) });
        using var http = new HttpClient { BaseAddress = server.Url };
        // fork, then exit(0): the student's fork shares the writable stack page with the child
        var forkExit = TestElf.Build([0xb8, 6, 0, 0, 0, 0x0f, 0x05, 0xb8, 2, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05, 0xeb, 0xfe]);
        var upload = new ByteArrayContent(forkExit);
        upload.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        var created = await (await http.PostAsync("api/programs?name=forker.elf", upload)).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("forker", created!["programs"]![0]!.GetValue<string>());
        string id = created["id"]!.GetValue<string>();
        await http.PostAsJsonAsync($"api/machines/{id}/step", new { count = 1000 });
        var state = await http.GetFromJsonAsync<JsonObject>($"api/machines/{id}");
        Assert.Equal("fork", state!["student_seams"]![0]!.GetValue<string>());
        var finding = state["checker_findings"]![0]!;
        Assert.StartsWith("writable frame shared", finding["text"]!.GetValue<string>());
        Assert.Contains("fork(", finding["cause"]!["text"]!.GetValue<string>());
        var bad = await http.PostAsync("api/programs?name=x", new ByteArrayContent("not a program"u8.ToArray()));
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("is not an ELF file", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_web_runs_a_right_fork_to_the_references_verdict()
    {
        await using var server = await VmLab.Web.WebServer.StartAsync("127.0.0.1", 0, StudentKernel.Build(forks.RightDir));
        using var http = new HttpClient { BaseAddress = server.Url };
        var created = await (await http.PostAsJsonAsync("api/machines", new { scenario = "fork" })).Content.ReadFromJsonAsync<JsonObject>();
        string id = created!["id"]!.GetValue<string>();
        var before = await http.GetFromJsonAsync<JsonObject>($"api/machines/{id}");
        Assert.Null(before!["verdict"]);
        await http.PostAsJsonAsync($"api/machines/{id}/step", new { count = 100000 });
        var state = await http.GetFromJsonAsync<JsonObject>($"api/machines/{id}");
        Assert.True(state!["passed"]!.GetValue<bool>(), state["verdict"]?.ToString());
        Assert.Equal(CliRunner.Json("sim", "run", "fork")["verdict"]!.GetValue<string>(), state["verdict"]!.GetValue<string>());
        Assert.Empty(state["checker_findings"]!.AsArray());
    }

    [Fact]
    public async Task The_pages_quiz_is_vmlab_quizs_own()
    {
        await using var server = await VmLab.Web.WebServer.StartAsync("127.0.0.1", 0, new VmLab.Web.WebOptions { Quiz = Commands.WebCommand.Quiz });
        using var http = new HttpClient { BaseAddress = server.Url };
        var sheet = await http.GetFromJsonAsync<JsonObject>("api/quiz?kind=maze&seed=7");
        var cli = CliRunner.Json("quiz", "maze", "--seed", "7", "--answers");
        var questions = sheet!["questions"]!.AsArray().Select(q => q!.GetValue<string>()).ToList();
        Assert.Equal(cli["problems"]!.AsArray().Select(p => p!["question"]!.GetValue<string>()), questions);
        var answers = VmLab.Labs.Quiz.Quizzes.Make("maze", 7).Problems.Select(p => p.Key).ToList();      // the answers in short
        var marked = await (await http.PostAsJsonAsync("api/quiz/check", new { kind = "maze", seed = 7, answers })).Content.ReadFromJsonAsync<JsonObject>();
        Assert.All(marked!["marks"]!.AsArray(), m => Assert.True(m!["correct"]!.GetValue<bool>(), m.ToJsonString()));
        var wrong = await (await http.PostAsJsonAsync("api/quiz/check", new { kind = "maze", seed = 7, answers = new[] { "room 99" } })).Content.ReadFromJsonAsync<JsonObject>();
        Assert.False(wrong!["marks"]![0]!["correct"]!.GetValue<bool>());
        var bad = await http.GetAsync("api/quiz?kind=nosuch");
        Assert.Equal(400, (int)bad.StatusCode);
        Assert.Contains("must be one of paging, alignment, walk", await bad.Content.ReadAsStringAsync());
    }
}
