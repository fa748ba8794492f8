using VmLab.Sim.Asm;
using VmLab.Sim.X86;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim disasm</c>: machine code back to assembler text.</summary>
internal static class DisasmCommand
{
    public static Verb Create()
    {
        var input = new ProgramInput();
        var syntax = Opt.Choice("--syntax", "assembly syntax for an ELF program: gnu (AT&T, as objdump) or intel", "gnu", "gnu", "intel");
        var source = Opt.Flag("--source", "print only reassemblable source (no addresses or bytes)");
        return new Verb("disasm", "disassemble a program image (or source) for the simulated CPU",
            """
            Decodes the program's .text slot by slot, shows .data as bytes and .bss as its size. Labels from the
            symbol table are shown next to their addresses. The text reassembles to the same bytes.
            """,
            """{"file","entry","lines":[{"address","bytes","text","label"}]}""",
            "vmlab sim disasm prog.img", "vmlab sim disasm prog.elf --syntax intel", "vmlab sim disasm --builtin fib --source")
            .Takes([.. input.Symbols, source, syntax]).Does(ctx =>
        {
            if (ctx.Get(source) && ctx.Json)
                throw new UsageException("give --source or --json, not both");
            if (ElfCpu.Read(ctx, input, out string elfName) is { } elf)
                return ctx.Get(source) ? throw new UsageException("--source reassembles the teaching ISA; an ELF program has no such source")
                    : ElfCpu.Disasm(ctx, elfName, elf, ctx.Get(syntax) == "intel" ? X86Syntax.Intel : X86Syntax.Gnu);
            if (ctx.Given(syntax)) throw new UsageException("--syntax applies to ELF programs (x86-64); this input is not ELF");
            var (name, image, _) = input.Read(ctx);
            var lines = Disassembler.Disassemble(image).ToList();
            if (ctx.Get(source))
            {
                ctx.Out.Write(Disassembler.ToSource(image));
                return 0;
            }
            var json = new
            {
                File = name,
                image.Entry,
                Lines = lines.Select(l => new { l.Address, Bytes = ProgramInput.Hex(l.Bytes), l.Text, l.Label }),
            };
            return ctx.Emit(json, true, r =>
            {
                r.Title($"vmlab sim disasm: {name}");
                r.Fact("entry point", $"0x{image.Entry:x}");
                r.Line();
                foreach (var l in lines)
                {
                    if (l.Label is not null) r.Line($"{l.Label}:");
                    string bytes = ProgramInput.Hex(l.Bytes);
                    if (bytes.Length > 24) bytes = bytes[..22] + "..";
                    r.Line($"  {l.Address:x8}  {bytes,-24}  {l.Text}");
                }
            });
        });
    }
}
