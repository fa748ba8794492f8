using VmLab.Cli.Framework;
using VmLab.Sim.Elf;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim cc</c>: compile a user's C program into a static ELF the teaching kernel can run.</summary>
internal sealed class CcCommand : ICommand
{
    public string Name => "cc";

    public string Summary => "compile a C program (process_main) into a static x86-64 ELF for the teaching kernel";

    public string Help => """
        usage: vmlab sim cc PROG.c [MORE.c|.S ...] [-o PROG.elf] [--cc COMPILER] [--json]

        Compiles with gcc the way VmLab builds its own programs: -O2 -static -nostdlib -fno-pie -no-pie
        -fno-stack-protector -mgeneral-regs-only -ffreestanding, linked with the user library and a linker
        script that puts code at 0x100000 and data on the next page. The program defines
        'void process_main(void)' and includes "u-lib.h": sys_getpid, sys_yield, sys_page_alloc, sys_fork,
        sys_exit, sys_spawn, sys_pipewrite, sys_piperead, sys_write, console_printf, memcpy and friends;
        the spawn argument is in 'process_arg'. Returning from process_main exits with status 0.
        The compiler's own messages go to stderr. Exit 2 when the program does not compile, 1 without gcc.

          -o PROG.elf      the output (default: the first source with .elf)
          --cc COMPILER    an x86-64 C compiler (default: $VMLAB_CC, else gcc)
          --json           {"output","entry","segments":[{"kind","address","size","file_bytes"}],"diagnostics","command"}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        string? output = ctx.Args.Option("-o") ?? ctx.Args.Option("--output");
        string? compiler = ctx.Args.Option("--cc");
        var sources = ctx.Args.Positionals();
        ctx.Args.End();
        if (sources.Count == 0) throw new UsageException("missing PROG.c");
        foreach (string s in sources.Where(s => !File.Exists(s)))
            throw new UsageException($"cannot read '{s}': no such file");
        output ??= Path.ChangeExtension(sources[0], ".elf");

        var result = UserCompiler.Compile(sources, output, compiler);
        if (result.Diagnostics.Length > 0 && !json) ctx.Err.Write(result.Diagnostics);
        if (result.Outcome == CompileOutcome.CompilerMissing) throw new InvalidOperationException(result.Problem);
        if (result.Outcome == CompileOutcome.Failed)
        {
            if (json) ctx.Err.Write(result.Diagnostics);
            throw new UsageException($"{sources[0]}: {result.Problem}");
        }
        var image = result.Image!;
        var segments = image.Segments.Select(s => new { Kind = s.Kind.ToString().ToLowerInvariant(), s.Address, Size = s.MemorySize, FileBytes = s.Bytes.Length }).ToList();
        if (json)
        {
            ctx.WriteJson(new { Output = output, image.Entry, Segments = segments, result.Diagnostics, result.Command });
            return 0;
        }
        var r = ctx.Report();
        r.Title($"vmlab sim cc: {string.Join(' ', sources)} -> {output}");
        r.Explain("A static x86-64 ELF for the teaching kernel: code read-only and executable, data and bss writable and " +
                  "no-execute, the stack one page below 0x300000, the heap pages the program asks for with sys_page_alloc.");
        r.Table(["segment", "address", "size", "bytes in file"],
            segments.Select(s => (IReadOnlyList<string>)[s.Kind, $"0x{s.Address:x}", s.Size.ToString(), s.FileBytes.ToString()]));
        r.Fact("entry point", $"0x{image.Entry:x}" + (image.LabelAt(image.Entry) is { } l ? $" ({l})" : ""));
        r.Fact("written to", output);
        return 0;
    }
}
