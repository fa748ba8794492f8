using System.Text;
using VmLab.Sim.Elf;
using VmLab.Sim.Kernel;
using VmLab.Toolchain;

namespace VmLab.Sim.Tests.Elf;

/// <summary>A user's own C program through UserCompiler (the engine of `vmlab sim cc`), then the ELF loader.</summary>
public sealed class UserCompilerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmlab-cc-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Source(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Counter = """
        #include "u-lib.h"

        int counter = 41;                 /* .data */
        static char scratch[300];         /* .bss */

        void process_main(void) {
            counter += (int)process_arg;
            memset(scratch, 'x', sizeof scratch);
            console_printf("counter %d, scratch %c, pid %d\n", counter, scratch[299], sys_getpid());
            sys_exit(counter);
        }
        """;

    [Fact]
    public void A_small_program_compiles_into_an_elf_the_kernel_loads()
    {
        string output = Path.Combine(_dir, "counter.elf");
        var result = UserCompiler.Compile([Source("counter.c", Counter)], output);
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        var image = ElfLoader.Load(File.ReadAllBytes(output));
        Assert.Equal(image.Symbols["_start"], image.Entry);
        Assert.Equal(KernelLayout.ProcStartAddr, image.Segments[0].Address);
        Assert.Contains("counter %d, scratch %c, pid %d\n", Encoding.Latin1.GetString(image.Segments[0].Bytes));
        ulong counter = image.Symbols["counter"];
        var data = image.Segments.Single(s => s.Kind == SegmentKind.Data);
        Assert.Equal(41, BitConverter.ToInt32(data.Bytes, (int)(counter - data.Address)));
        Assert.True(image.Symbols["scratch"] + 300 <= image.Extent.End);

        var k = new VmLab.Sim.Kernel.Kernel();
        int pid = k.Spawn(image, "counter", 1);
        Assert.True(pid > 0);
        Assert.Equal(image.Entry, k.Find(pid)!.Registers.Rip);
    }

    [Fact]
    public void A_program_that_does_not_compile_keeps_the_compilers_own_words()
    {
        string src = Source("broken.c", "#include \"u-lib.h\"\nvoid process_main(void) {\n    int x = ;\n}\n");
        var result = UserCompiler.Compile([src], Path.Combine(_dir, "broken.elf"));
        Assert.Equal(CompileOutcome.Failed, result.Outcome);
        Assert.Contains("broken.c:3", result.Diagnostics);
        Assert.Contains("error", result.Diagnostics);
        Assert.StartsWith("compilation failed", result.Problem);
        Assert.False(File.Exists(Path.Combine(_dir, "broken.elf")));
    }

    [Fact]
    public void A_program_too_big_for_the_space_below_the_heap_is_refused_at_link_time()
    {
        string src = Source("big.c", "#include \"u-lib.h\"\nchar big[128 * 1024] = {1};\nvoid process_main(void) { console_printf(\"%c\", big[5]); }\n");
        var result = UserCompiler.Compile([src], Path.Combine(_dir, "big.elf"));
        Assert.Equal(CompileOutcome.Failed, result.Outcome);
        Assert.Contains("program too big", result.Diagnostics);
    }

    [Fact]
    public void A_missing_compiler_is_named()
    {
        var result = UserCompiler.Compile([Source("counter.c", Counter)], Path.Combine(_dir, "x.elf"), "vmlab-no-such-compiler");
        Assert.Equal(CompileOutcome.CompilerMissing, result.Outcome);
        Assert.Contains("no C compiler 'vmlab-no-such-compiler'", result.Problem);
    }

    private static VmLab.Sim.Kernel.Kernel RunAlone(ProgramImage image, long steps = 2_000_000)
    {
        var k = new VmLab.Sim.Kernel.Kernel();
        Assert.True(k.Spawn(image, "prog") > 0);
        k.Run(steps);
        return k;
    }

    private ProgramImage Ok(CompileResult result)
    {
        Assert.True(result.Outcome == CompileOutcome.Ok, result.Problem + "\n" + result.Diagnostics);
        return result.Image!;
    }

    [Fact]
    public void A_WeensyOS_header_next_to_the_program_does_not_hide_VmLabs()
    {
        // A student compiling inside a WeensyOS checkout: its own u-lib.hh (here a decoy) sits beside the program.
        Source("u-lib.hh", "#error \"WeensyOS's own u-lib.hh was used\"\n");
        Source("mine.hh", "#define GREETING \"from a header of my own\"\n");
        string src = Source("p-hello.cc", """
            #include "u-lib.hh"
            #include "mine.hh"
            void process_main() {
                console_printf(CPOS(3, 0), COLOR_NORMAL, "%s, pid %d\n", GREETING, sys_getpid());
                sys_exit();
            }
            """);
        var k = RunAlone(Ok(UserCompiler.Compile([src], Path.Combine(_dir, "hello.elf"))));
        Assert.Equal("from a header of my own, pid 1\n", k.Console);
        Assert.Equal(0, k.History[0].ExitStatus);
    }

    [Fact]
    public void Cxx_globals_are_constructed_before_process_main_and_C_headers_link_from_Cxx()
    {
        string src = Source("ctor.cpp", """
            #include "u-lib.h"
            struct counter { int n; counter(int start) : n(start * 3) {} };
            counter made(14);
            void process_main(void) { sys_exit(made.n); }
            """);
        var k = RunAlone(Ok(UserCompiler.Compile([src], Path.Combine(_dir, "ctor.elf"))));
        Assert.Equal(42, k.History[0].ExitStatus);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("3")]
    [InlineData("s")]
    [InlineData("g")]
    public void Every_level_defines_and_include_directories_build_a_program_that_runs(string level)
    {
        string inc = Path.Combine(_dir, "inc");
        Directory.CreateDirectory(inc);
        File.WriteAllText(Path.Combine(inc, "scale.h"), "static inline long scale(long x) { return x * FACTOR; }\n");
        string src = Source("flags.c", """
            #include "u-lib.h"
            #include <scale.h>
            void process_main(void) { console_printf("%ld %s\n", scale((long)process_arg + 5), NAME); }
            """);
        var result = UserCompiler.Compile([src], Path.Combine(_dir, $"flags{level}.elf"),
            new CompileOptions { Optimization = level, Defines = ["FACTOR=7", "NAME=\"seven\""], IncludeDirs = [inc], Debug = level == "g" });
        Assert.Contains($"-O{level} ", result.Command);
        var k = RunAlone(Ok(result));
        Assert.Equal("35 seven\n", k.Console);
        byte[] elf = File.ReadAllBytes(Path.Combine(_dir, $"flags{level}.elf"));
        Assert.Equal(level == "g", Encoding.Latin1.GetString(elf).Contains(".debug_info"));
    }

    [Fact]
    public void An_include_of_a_device_is_stopped_by_the_memory_limit_quickly()
    {
        string src = Source("zero.c", "#include \"/dev/zero\"\n");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = UserCompiler.Compile([src], Path.Combine(_dir, "zero.elf"));
        Assert.Equal(CompileOutcome.OverLimit, result.Outcome);
        Assert.Contains("memory", result.Problem);
        Assert.True(clock.Elapsed < UserCompiler.Timeout, $"took {clock.Elapsed}");
        Assert.False(File.Exists(Path.Combine(_dir, "zero.elf")));
    }

    [Fact]
    public void An_include_of_a_FIFO_is_stopped_by_the_time_limit()
    {
        if (!OperatingSystem.IsLinux()) return;
        string fifo = Path.Combine(_dir, "pipe");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        string src = Source("fifo.c", $"#include \"{fifo}\"\n");
        var result = UserCompiler.Compile([src], Path.Combine(_dir, "fifo.elf"), new CompileOptions { TimeLimit = TimeSpan.FromSeconds(2) });
        Assert.Equal(CompileOutcome.OverLimit, result.Outcome);
        Assert.Contains("did not finish within 2 s", result.Problem);
    }

    [Fact]
    public void A_name_gcc_would_not_compile_is_refused_before_gcc_runs()
    {
        string src = Source("notes.txt", "void process_main(void) {}\n");
        var result = UserCompiler.Compile([src], Path.Combine(_dir, "notes.elf"));
        Assert.Equal(CompileOutcome.Failed, result.Outcome);
        Assert.Contains("not a C, C++ or assembler source", result.Problem);
    }

    [Fact]
    public void The_shipped_flags_are_the_ones_the_issue_names()
    {
        Assert.Superset(new HashSet<string> { "-O2", "-static", "-nostdlib", "-fno-pie", "-no-pie", "-fno-stack-protector", "-mgeneral-regs-only" },
            UserCompiler.Flags.ToHashSet());
        Assert.Contains("void process_main(void);", UserCompiler.Library("u-lib.h"));
        Assert.Contains("extern \"C\"", UserCompiler.Library("u-lib.h"));
        Assert.Superset(new HashSet<string> { "-fno-exceptions", "-fno-rtti" }, UserCompiler.CxxFlags.ToHashSet());
        Assert.StartsWith("-std=gnu++", UserCompiler.CxxFlags[0]);
        Assert.Contains("0x100000", UserCompiler.Library("user.ld"));
    }
}
