using VmLab.Cli.Framework;
using VmLab.Sim.Elf;
using VmLab.Toolchain;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim cc</c>: compile a user's C program into a static ELF the teaching kernel can run.</summary>
internal static class CcCommand
{
    public static Verb Create() => new Verb("cc", "compile a C program (process_main) into a static x86-64 ELF for the teaching kernel",
        """
        Compiles with gcc the way VmLab builds its own programs: -O2 -static -nostdlib -fno-pie -no-pie
        -fno-stack-protector -mgeneral-regs-only -ffreestanding, linked with the user library and a linker
        script that puts code at 0x100000 and data on the next page (docs/user-programs.md). The program
        defines 'void process_main(void)' and includes "u-lib.h": sys_getpid, sys_yield, sys_page_alloc,
        sys_fork, sys_exit, sys_spawn, sys_pipewrite, sys_piperead, sys_write, console_printf, memcpy and
        friends; the spawn argument is in 'process_arg'. Returning from process_main exits with status 0.
        The compiler's own messages go to stderr. Exit 2 when the program does not compile, 1 without gcc.
        """,
        """{"output","entry","segments":[{"kind","address","size","file_bytes"}],"diagnostics","command"}""",
        "vmlab sim cc hello.c -o hello.elf", "vmlab sim cc prog.c helper.c --json")
        .Takes(
            Opt.Positionals("PROG.c", "the program's C (or assembler) files; the first names the default output"),
            Opt.Text("--output", "the ELF file to write (default: the first source with .elf)", "PROG.elf", "-o"),
            Opt.Text("--cc", "an x86-64 C compiler (default: $VMLAB_CC, else gcc)", "COMPILER"))
        .Does(ctx =>
    {
        string[] files = ctx.Get<string[]>("PROG.c") ?? [];
        if (files.Length == 0) throw new UsageException("missing PROG.c");
        foreach (string f in files)
        {
            if (Directory.Exists(f)) throw new UsageException($"'{Numbers.Clip(f)}' is a directory, not a file");
            if (!File.Exists(f)) throw new UsageException($"cannot read '{Numbers.Clip(f)}': no such file");
        }
        string outPath = ctx.Get<string?>("--output") ?? Path.ChangeExtension(files[0], ".elf");
        if (outPath.Length == 0) throw new UsageException("--output needs a file name");
        if (Directory.Exists(outPath)) throw new UsageException($"--output: '{Numbers.Clip(outPath)}' is a directory");

        var result = UserCompiler.Compile(files, outPath, ctx.Get<string?>("--cc"));
        ctx.Err.Write(result.Diagnostics);     // gcc's own words, warnings included, on stderr in every mode
        if (result.Outcome == CompileOutcome.CompilerMissing) throw new RefusedException(result.Problem!);
        if (result.Outcome == CompileOutcome.Failed) throw new UsageException($"{Numbers.Clip(files[0])}: {result.Problem}");
        var image = result.Image!;
        var segments = image.Segments.Select(s => new SegmentInfo(s.Kind.ToString().ToLowerInvariant(), s.Address, s.MemorySize, s.Bytes.Length)).ToList();
        var json = new { Output = outPath, image.Entry, Segments = segments, result.Diagnostics, result.Command };
        return ctx.Emit(json, true, r =>
        {
            r.Title($"vmlab sim cc: {string.Join(' ', files)} -> {outPath}");
            r.Explain("A static x86-64 ELF for the teaching kernel: code read-only and executable, data and bss writable and " +
                      "no-execute, the stack one page below 0x300000, the heap pages the program asks for with sys_page_alloc.");
            r.Table(["segment", "address", "size", "bytes in file"],
                segments.Select(s => (IReadOnlyList<string>)[s.Kind, $"0x{s.Address:x}", s.Size.ToString(), s.FileBytes.ToString()]));
            r.Fact("entry point", $"0x{image.Entry:x}" + (image.LabelAt(image.Entry) is { } l ? $" ({l})" : ""));
            r.Fact("written to", outPath);
        });
    });

    private sealed record SegmentInfo(string Kind, ulong Address, ulong Size, int FileBytes);
}
