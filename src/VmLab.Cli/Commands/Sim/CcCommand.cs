using System.CommandLine;
using System.Text;
using VmLab.Cli.Framework;
using VmLab.Linux;
using VmLab.Sim.Elf;
using VmLab.Toolchain;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim cc</c>: compile a user's C or C++ program into a static ELF the teaching kernel can run.</summary>
internal static class CcCommand
{
    public static Verb Create()
    {
        var level = Opt.Choice("-O", "optimisation level of your sources: 0, 1, 2, 3, s or g (-O0 ... -Os)", "2", [.. CompileOptions.Levels]);
        var defines = new Option<string[]>("-D") { Description = "define a macro, as gcc's -D (repeatable)", HelpName = "NAME[=VALUE]" };
        var includes = new Option<string[]>("-I") { Description = "search DIR for headers after VmLab's (repeatable)", HelpName = "DIR" };
        var debug = Opt.Flag("-g", "keep debug information (DWARF) in the ELF, for gdb and objdump -S");
        return new Verb("cc", "compile a C or C++ program (process_main) into a static x86-64 ELF for the teaching kernel",
            """
            Compiles with gcc the way VmLab builds its own programs: -static -nostdlib -fno-pie -no-pie
            -fno-stack-protector -mgeneral-regs-only -ffreestanding (C: -std=gnu11; .cc/.cpp: -std=gnu++20
            -fno-exceptions -fno-rtti), linked with the user library and a linker script that puts code at
            0x100000 and data on the next page (docs/user-programs.md). The program defines
            'void process_main(void)' and includes "u-lib.h" (C) or WeensyOS's "u-lib.hh" (C++: console,
            CPOS, console_printf(cpos, color, ...), sys_exit(), rand(min, max), round_up, assert...), which
            VmLab ships: a CS61 WeensyOS program such as p-allocator.cc compiles as it is. Your sources are
            built at -O2 unless -O says otherwise. The compiler's own messages go to stderr. A compile is
            stopped after 30 s or 1 GiB. Exit 2 when the program does not compile, 1 without gcc.
            """,
            """{"output","entry","segments":[{"kind","address","size","file_bytes"}],"diagnostics","command","optimization","languages"}""",
            "vmlab sim cc hello.c -o hello.elf", "vmlab sim cc p-allocator.cc -O1 -DALLOC_SLOWDOWN=10", "vmlab sim cc prog.c helper.c --json")
            .Takes(
                Opt.Positionals("PROG.c", "the program's C, C++ (.cc, .cpp) or assembler (.S, .s) files; the first names the default output"),
                Opt.Text("--output", "the ELF file to write (default: the first source with .elf)", "PROG.elf", "-o"),
                level, defines, includes, debug,
                Opt.Text("--cc", "an x86-64 C compiler (default: $VMLAB_CC, else gcc)", "COMPILER"))
            .Does(ctx =>
        {
            string[] files = ctx.Get<string[]>("PROG.c") ?? [];
            if (files.Length == 0) throw new UsageException("missing PROG.c");
            foreach (string f in files) CheckSource(f);
            string outPath = ctx.Get<string?>("--output") ?? Path.ChangeExtension(files[0], ".elf");
            CheckOutput(outPath, files);
            string? cc = ctx.Get<string?>("--cc");
            if (cc is { Length: 0 }) throw new UsageException("--cc needs a compiler name");
            var options = new CompileOptions
            {
                Optimization = ctx.Get(level),
                Defines = CheckAll(ctx.Get(defines) ?? [], "-D"),
                IncludeDirs = CheckAll(ctx.Get(includes) ?? [], "-I"),
                Debug = ctx.Get(debug),
                Compiler = cc,
            };

            var result = UserCompiler.Compile(files, outPath, options);
            if (result.Outcome == CompileOutcome.CompilerMissing) throw new RefusedException(result.Problem!);
            if (result.Outcome == CompileOutcome.OverLimit) throw new UsageException($"{Numbers.Clip(files[0])}: {result.Problem}");
            // gcc's own words, warnings included, on stderr in every mode; the source lines it quotes are shown with
            // their control and bidi characters escaped, not sent to the terminal
            ctx.Err.Write(VmLab.Sim.Text.Printable.Lines(result.Diagnostics));
            if (result.Outcome == CompileOutcome.Failed) throw new UsageException($"{Numbers.Clip(files[0])}: {result.Problem}");
            var image = result.Image!;
            var segments = image.Segments.Select(s => new SegmentInfo(s.Kind.ToString().ToLowerInvariant(), s.Address, s.MemorySize, s.Bytes.Length)).ToList();
            string[] languages = [.. files.Select(f => UserCompiler.LanguageOf(f) switch
            {
                SourceLanguage.C => "c", SourceLanguage.Cxx => "c++", _ => "assembler",
            }).Distinct()];
            var json = new { Output = outPath, image.Entry, Segments = segments, result.Diagnostics, result.Command, Optimization = options.Optimization, Languages = languages };
            return ctx.Emit(json, true, r =>
            {
                r.Title($"vmlab sim cc: {string.Join(' ', files)} -> {outPath}");
                r.Explain("A static x86-64 ELF for the teaching kernel: code read-only and executable, data and bss writable and " +
                          "no-execute, the stack one page below 0x300000, the heap pages the program asks for with sys_page_alloc.");
                r.Table(["segment", "address", "size", "bytes in file"],
                    segments.Select(s => (IReadOnlyList<string>)[s.Kind, $"0x{s.Address:x}", s.Size.ToString(), s.FileBytes.ToString()]));
                r.Fact("entry point", $"0x{image.Entry:x}" + (image.LabelAt(image.Entry) is { } l ? $" ({l})" : ""));
                r.Fact("built as", $"{string.Join(" + ", languages)}, -O{options.Optimization}{(options.Debug ? " -g" : "")}");
                r.Fact("written to", outPath);
            });
        });
    }

    // A source must be a regular file gcc can compile: a FIFO would hang the compile, a device never ends.
    private static void CheckSource(string f)
    {
        var kind = f.Length == 0 ? throw new UsageException("a source file name is empty") : KindOf(f);
        if (kind == FileKind.Missing) throw new UsageException($"cannot read '{Numbers.Clip(f)}': no such file");
        if (kind != FileKind.Regular) throw new UsageException($"'{Numbers.Clip(f)}' is {FileKinds.Describe(kind)}, not a source file");
        if (UserCompiler.LanguageOf(f) is null)
            throw new UsageException($"'{Numbers.Clip(f)}': not a C, C++ or assembler source (name it .c, .cc, .cpp, .S or .s)");
        if (new FileInfo(f).Length > UserCompiler.MaxSourceBytes)
            throw new UsageException($"'{Numbers.Clip(f)}' is larger than {UserCompiler.MaxSourceBytes >> 20} MiB, the limit for a source file");
    }

    // The ELF goes to a regular file (new or replaced), never into a device, a FIFO or one of the sources.
    private static void CheckOutput(string outPath, string[] sources)
    {
        if (outPath.Length == 0) throw new UsageException("--output needs a file name");
        var kind = KindOf(outPath);
        if (kind is not (FileKind.Missing or FileKind.Regular))
            throw new UsageException($"--output: '{Numbers.Clip(outPath)}' is {FileKinds.Describe(kind)}; the program is written to a regular file");
        string full = Path.GetFullPath(outPath);
        // the file the output's rename replaces, compared with where each source really is: a name through a link
        // (same/prog.c, /proc/self/cwd/prog.c) is still the source
        string? entry = OperatingSystem.IsLinux() ? FileKinds.EntryPath(outPath) : full;
        if (sources.Any(s => Path.GetFullPath(s) == full || (OperatingSystem.IsLinux() && entry is not null && FileKinds.RealPath(s) == entry)))
            throw new UsageException($"--output: '{Numbers.Clip(outPath)}' is one of the sources; name another file");
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && KindOf(dir) != FileKind.Directory)
            throw new UsageException($"--output: no directory '{Numbers.Clip(dir)}' to write '{Numbers.Clip(Path.GetFileName(full))}' in");
    }

    // stat(2) on Linux; elsewhere what .NET can tell (no FIFOs or devices to fear from a name there).
    private static FileKind KindOf(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            try { return FileKinds.Of(path); }
            catch (LinuxException e) { throw new RefusedException($"cannot look at '{Numbers.Clip(path)}': {e.Message}"); }
        }
        return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
    }

    private static string[] CheckAll(string[] values, string option)
    {
        foreach (string v in values)
            if (v.Length == 0) throw new UsageException($"{option} needs a value");
        return values;
    }

    private sealed record SegmentInfo(string Kind, ulong Address, ulong Size, int FileBytes);
}
