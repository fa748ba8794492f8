using VmLab.Sim.X86;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim disasm</c>: an x86-64 program's machine code back to assembler text (Iced's formatter).</summary>
internal static class DisasmCommand
{
    public static Verb Create()
    {
        var input = new ProgramInput();
        var syntax = Opt.Choice("--syntax", "assembly syntax: gnu (AT&T, as objdump) or intel", "gnu", "gnu", "intel");
        return new Verb("disasm", "disassemble an x86-64 program (an ELF file or a built-in C program)",
            """
            Decodes each executable segment of the program with Iced, the decoder the simulated CPU uses, and
            prints it in GNU (AT&T) or Intel syntax. Symbols from the ELF symbol table label their addresses;
            branch targets and rip-relative addresses read as objdump -d prints them (100070 <sys_exit+0x10>). FILE comes from 'vmlab sim cc'; --builtin shows one of the kernel's own C
            programs (native/user/p-NAME.c) as gcc compiled it.
            """,
            """{"file","entry","syntax","lines":[{"address","bytes","text","label"}]}""",
            "vmlab sim disasm --builtin hello", "vmlab sim disasm prog.elf --syntax intel", "vmlab sim disasm --builtin forker --json")
            .Takes([.. input.Symbols, syntax]).Does(ctx =>
        {
            var (display, _, image) = input.Read(ctx);
            var style = ctx.Get(syntax) == "intel" ? X86Syntax.Intel : X86Syntax.Gnu;
            string? Symbol(ulong a) => image.LabelAt(a);
            var lines = image.Segments.Where(s => s.Executable)
                .SelectMany(s => X86Disassembler.Disassemble(s.Bytes, s.Address, style, image.SymbolFor)).ToList();
            var json = new
            {
                File = display,
                image.Entry,
                Syntax = style.ToString().ToLowerInvariant(),
                Lines = lines.Select(l => new { l.Address, Bytes = ProgramInput.Hex(l.Bytes), l.Text, Label = Symbol(l.Address) }),
            };
            return ctx.Emit(json, true, r =>
            {
                r.Title($"vmlab sim disasm: {display}");
                r.Fact("entry point", $"0x{image.Entry:x}" + (Symbol(image.Entry) is { } e ? $" ({e})" : ""));
                r.Line();
                foreach (var l in lines)
                {
                    if (Symbol(l.Address) is { } label) r.Line($"{label}:");
                    foreach (string row in l.Listing()) r.Line(row);
                }
            });
        });
    }
}
