using VmLab.Cli.Framework;
using VmLab.Sim.Asm;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim disasm</c>: machine code back to assembler text.</summary>
internal sealed class DisasmCommand : ICommand
{
    public string Name => "disasm";

    public string Summary => "disassemble a program image (or source) for the simulated CPU";

    public string Help => """
        usage: vmlab sim disasm FILE [--source] [--json]
               vmlab sim disasm --builtin NAME [--source] [--json]

        Decodes the program's .text slot by slot, shows .data as bytes and .bss as its size. Labels from the
        symbol table are shown next to their addresses. The text reassembles to the same bytes.

        """ + ProgramInput.Help + """
          --source         print only reassemblable source (no addresses or bytes)
          --json           {"file","entry","lines":[{"address","bytes","text","label"}]}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        bool sourceOnly = ctx.Args.Flag("--source");
        var (name, image, _) = ProgramInput.Read(ctx.Args);
        ctx.Args.End();
        var lines = Disassembler.Disassemble(image).ToList();
        if (json)
        {
            ctx.WriteJson(new
            {
                File = name,
                image.Entry,
                Lines = lines.Select(l => new { l.Address, Bytes = ProgramInput.Hex(l.Bytes), l.Text, l.Label }),
            });
            return 0;
        }
        if (sourceOnly)
        {
            ctx.Out.Write(Disassembler.ToSource(image));
            return 0;
        }
        var r = ctx.Report();
        r.Title($"vmlab sim disasm: {name}");
        r.Fact("entry point", $"0x{image.Entry:x}");
        r.Line();
        foreach (var l in lines)
        {
            if (l.Label is not null) r.Line($"{l.Label}:");
            string bytes = ProgramInput.Hex(l.Bytes);
            if (bytes.Length > 32) bytes = bytes[..30] + "..";
            r.Line($"  {l.Address:x8}  {bytes,-32}  {l.Text}");
        }
        return 0;
    }
}
