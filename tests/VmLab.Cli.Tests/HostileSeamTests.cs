using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using VmLab.Labs;

namespace VmLab.Cli.Tests;

/// <summary>Forks written into today's stub (Fork.cs as `lab init` writes it, its body replaced) that attack the
/// process running them: endless recursion, an endless loop, allocating 10 GB, throwing.</summary>
public sealed class HostileForks : IDisposable
{
    private readonly TempDir _dir = new("vmlab-hostile-");

    public HostileForks()
    {
        Recursing = Make("recursing", "return ForkMemory(k, parent, childPid);");
        Looping = Make("looping", "while (childPid > 0) { }\n        return null;");
        Allocating = Make("allocating", """
            var held = new System.Collections.Generic.List<byte[]>();
            for (int i = 0; i < 10 * 1024; i++) { var mib = new byte[1 << 20]; System.Array.Fill(mib, (byte)1); held.Add(mib); }
            return null;
            """);
        Throwing = Make("throwing", "throw new System.InvalidOperationException(\"the child has no page table yet\");");
    }

    public string Recursing { get; }
    public string Looping { get; }
    public string Allocating { get; }
    public string Throwing { get; }

    private string Make(string name, string body)
    {
        string dir = Path.Combine(_dir.Path, name);
        Workspace.Init(dir, Catalog.Exercises);
        string stub = File.ReadAllText(Path.Combine(dir, "Fork.cs"));
        const string todo = "throw new NotImplementedYetException(\"fork\");";
        Assert.Contains(todo, stub);
        File.WriteAllText(Path.Combine(dir, "Fork.cs"), stub.Replace(todo, body));
        return dir;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>A student's seam runs in a child process: whatever it does to that process, the command ends in bounded
/// time with one line naming the seam and what happened, exit 1.</summary>
public class HostileSeamTests(HostileForks forks) : IClassFixture<HostileForks>
{
    private static CliRunner.Result Refused(TimeSpan within, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run(args);
        Assert.True(clock.Elapsed < within, $"took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.DoesNotMatch(@"\bat (System|VmLab|Lab)\.\w+\.", r.Out + r.Err);      // no stack trace
        Assert.StartsWith("vmlab ", r.Err);
        return r;
    }

    [Fact]
    public void Endless_recursion_is_a_stack_overflow_of_the_fork_not_of_vmlab()
    {
        var r = Refused(TimeSpan.FromSeconds(60), "sim", "run", "fork", "--workspace", forks.Recursing);
        Assert.Equal("vmlab sim run fork: your fork overflowed the stack (infinite recursion?)\n", r.Err);
        Assert.Equal("", r.Out);
        var memory = Refused(TimeSpan.FromSeconds(60), "sim", "memory", "--workspace", forks.Recursing, "--json");
        Assert.Contains("your fork overflowed the stack", memory.Err);
    }

    [Fact]
    public void An_endless_loop_stops_at_the_time_limit_naming_the_fork()
    {
        var r = Refused(TimeSpan.FromSeconds(40), "sim", "run", "fork", "--workspace", forks.Looping, "--timeout", "2");
        Assert.Contains("fork: your code did not return within 2 s (an endless loop?)", r.Err);
        var json = JsonNode.Parse(CliRunner.Run("sim", "run", "fork", "--workspace", forks.Looping, "--timeout", "2", "--json").Out)!;
        Assert.Contains("did not return within 2 s", json["panic"]!.GetValue<string>());
        Assert.Equal(["fork"], json["student_seams"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void Allocating_10_GB_runs_out_of_the_childs_memory_not_the_machines()
    {
        var r = Refused(TimeSpan.FromSeconds(60), "sim", "run", "fork", "--workspace", forks.Allocating);
        // Which of the four the child manages to say depends on where the allocation fails: in the student's
        // code (an exception), in the runtime with a message, or in one of the runtime's own threads (a bare abort,
        // or, once in a CI run, a SIGSEGV where the runtime could not get the memory it needed to report)
        Assert.Matches(@"your fork ran out of memory|fork: your code threw OutOfMemoryException|your fork crashed the process \((SIGABRT: .*when memory runs out|SIGSEGV)\)", r.Err);
    }

    [Fact]
    public void A_thrown_exception_is_one_line_with_the_students_line_and_the_report_shows_the_panic()
    {
        var r = Refused(TimeSpan.FromSeconds(60), "sim", "run", "fork", "--workspace", forks.Throwing);
        Assert.Matches(@"^vmlab sim run fork: fork: your code threw InvalidOperationException at Fork\.cs:\d+: the child has no page table yet\n$", r.Err);
        Assert.Contains("KERNEL PANIC", r.Out);
        Assert.Contains("NOT CONFIRMED", r.Out);
    }
}

/// <summary>web --workspace: each machine's seams in a child process of its own. Whatever a fork does, its machine ends
/// with one line of JSON naming it (422: the kernel panicked in it; 502: it took its process down) and the server goes on.</summary>
public class HostileWebTests(HostileForks forks) : IClassFixture<HostileForks>
{
    [Theory]
    [InlineData("recursing", 502, "your fork overflowed the stack (infinite recursion?)")]
    [InlineData("looping", 422, "fork: your code did not return within 2 s (an endless loop?)")]
    [InlineData("allocating", 0, "fork")]
    [InlineData("throwing", 422, "fork: your code threw InvalidOperationException at Fork.cs:")]
    public async Task A_hostile_fork_ends_its_machine_in_one_line_and_the_server_serves_on(string which, int status, string said)
    {
        string dir = which switch { "recursing" => forks.Recursing, "looping" => forks.Looping, "allocating" => forks.Allocating, _ => forks.Throwing };
        using var build = VmLab.Labs.Build.StudentKernel.Prepare(dir);
        await using var server = await VmLab.Web.WebServer.StartAsync("127.0.0.1", 0,
            new VmLab.Web.WebOptions { Hosting = Commands.Sim.WorkspaceSeams.Hosting(build, TimeSpan.FromSeconds(2)) });
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(90) };
        var scenarios = await http.GetFromJsonAsync<JsonObject>("api/scenarios");
        Assert.Equal("fork", scenarios!["student_seams"]![0]!.GetValue<string>());
        // The machine may already end while it is created (the child that boots it can run out of memory before the
        // first step, depending on when the runtime's threads take theirs): then that answer is the one line.
        var answer = await http.PostAsJsonAsync("api/machines", new { scenario = "fork" });
        if (answer.IsSuccessStatusCode)
        {
            string id = (await answer.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            answer = await http.PostAsJsonAsync($"api/machines/{id}/step", new { count = 100000 });
        }
        else Assert.True(which == "allocating", $"creating the machine failed: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        string text = await answer.Content.ReadAsStringAsync();
        int code = (int)answer.StatusCode;
        // allocating: the seam's own allocation fails (422, naming the fork), the child dies of it (502), or under
        // load another allocation in the child fails first (503, out of memory)
        Assert.True(status != 0 ? code == status : code is 422 or 502 or 503, $"answered {code}: {text}");
        Assert.Single(text.Trim().Split('\n'));
        string error = JsonNode.Parse(text)!["error"]!.GetValue<string>();
        Assert.Contains(code == 503 ? "out of memory" : said, error);
        Assert.DoesNotMatch(@"\bat (System|VmLab|Lab)\.\w+\.", text);

        // the server goes on running other machines
        string created = await (await http.PostAsJsonAsync("api/machines", new { scenario = "hello" })).Content.ReadAsStringAsync();
        string other = JsonNode.Parse(created)?["id"]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException("no machine: " + created);
        string stepped = await (await http.PostAsJsonAsync($"api/machines/{other}/step", new { count = 1000 })).Content.ReadAsStringAsync();
        Assert.True(JsonNode.Parse(stepped)?["retired"]?.GetValue<long>() > 0, "the step answered: " + stepped);
    }
}
