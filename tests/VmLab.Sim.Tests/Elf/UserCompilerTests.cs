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

    [Fact]
    public void The_shipped_flags_are_the_ones_the_issue_names()
    {
        Assert.Superset(new HashSet<string> { "-O2", "-static", "-nostdlib", "-fno-pie", "-no-pie", "-fno-stack-protector", "-mgeneral-regs-only" },
            UserCompiler.Flags.ToHashSet());
        Assert.Contains("void process_main(void);", UserCompiler.Library("u-lib.h"));
        Assert.Contains("0x100000", UserCompiler.Library("user.ld"));
    }
}
