using VmLab.Sim.Elf;
using VmLab.Toolchain;
using VmLab.Sim.Kernel;

namespace VmLab.Sim.Tests.Elf;

/// <summary>
/// C++ programs written the way CS61's WeensyOS programs are (native/user/weensy: u-lib.hh, process_main,
/// console_printf(CPOS(...), color, ...), heap pages from `end` up to the stack page, sys_exit() with no status),
/// compiled by UserCompiler as `vmlab sim cc` does and run on the teaching kernel with the memory checker on at
/// every kernel entry that can change memory.
/// </summary>
public sealed class WeensyProgramsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-weensy-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ProgramImage Build(string name, string level = "2", params string[] defines)
    {
        string source = Path.Combine(DifferentialCorpus.RepoRoot, "native/user/weensy", name + ".cc");
        var result = UserCompiler.Compile([source], Path.Combine(_dir, $"{name}-O{level}.elf"),
            new CompileOptions { Optimization = level, Defines = defines });
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        Assert.DoesNotContain("warning", result.Diagnostics);
        return result.Image!;
    }

    [Fact]
    public void The_2025_handouts_name_for_the_process_count_compiles()
    {
        // CS61's 2025 p-fork.cc and p-exit.cc size their tables by MAXNPROC (earlier years: PID_MAX)
        string source = Path.Combine(_dir, "p-nproc.cc");
        File.WriteAllText(source, "#include \"u-lib.hh\"\nstatic pid_t kids[MAXNPROC];\nvoid process_main() {\n    static_assert(MAXNPROC == PID_MAX);\n    kids[0] = sys_getpid();\n    sys_exit();\n}\n");
        var result = UserCompiler.Compile([source], Path.Combine(_dir, "p-nproc.elf"), new CompileOptions());
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
    }

    private static VmLab.Sim.Kernel.Kernel Boot(ProgramImage image, string name, int copies)
    {
        var k = new VmLab.Sim.Kernel.Kernel(new KernelOptions { CheckEvery = 1 });
        for (int i = 0; i < copies; i++) Assert.True(k.Spawn(image, name) > 0);
        return k;
    }

    private static void AssertClean(VmLab.Sim.Kernel.Kernel k)
    {
        Assert.Null(k.Panic);
        Assert.Empty(k.CheckerErrors);
        Assert.Empty(k.Check().LeakedFrames);
        Assert.All(k.History, p => Assert.Null(p.KillReason));
        Assert.DoesNotContain("PANIC", k.Console);
    }

    [Fact]
    public void Four_pagefills_fill_physical_memory_without_a_leak_or_a_checker_error()
    {
        var k = Boot(Build("p-pagefill", "2", "FILL_PACE=10"), "pagefill", 4);
        k.Run(1_500_000);
        AssertClean(k);
        Assert.Equal(0UL, k.MinFreeFrames);
        for (int pid = 1; pid <= 4; pid++)
            Assert.Contains($"pagefill {pid}: ", k.Console);
        Assert.Equal(4, k.Processes.Count);           // as WeensyOS's allocators: still yielding once memory is full
        for (int pid = 1; pid <= 4; pid++) k.Kill(pid, "test over");
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public void Forktree_makes_four_processes_that_copy_multi_page_globals_and_exit(string level)
    {
        var k = Boot(Build("p-forktree", level), "forktree", 1);
        k.Run(5_000_000);
        AssertClean(k);
        Assert.Equal(4, k.History.Count);
        Assert.All(k.History, p => Assert.Equal(0, p.ExitStatus));
        Assert.Contains("forktree 1: fork said 2 then 3\n", k.Console);
        Assert.Equal(4, k.Console.Split('\n').Count(l => l.StartsWith("forktree ", StringComparison.Ordinal)));
        Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
    }

    [Fact]
    public void Forkchurn_runs_out_of_memory_and_gives_every_page_back_at_every_level()
    {
        string? first = null;
        foreach (string level in new[] { "0", "2", "s" })
        {
            var k = Boot(Build("p-forkchurn", level), "forkchurn", 1);
            k.Run(20_000_000);
            AssertClean(k);
            Assert.Empty(k.Processes);
            Assert.Equal(0UL, k.MinFreeFrames);
            Assert.True(k.History.Count > 4, $"only {k.History.Count} processes at -O{level}");
            Assert.Equal(k.FreeFramesAtBoot, k.Frames.FreeFrames);
            Assert.Contains("forkchurn ", k.Console);
            first ??= k.Console;
            Assert.Equal(first, k.Console);       // the same program at every level: the same random story
        }
    }
}
