using VmLab.Cli.Framework;
using VmLab.Sim.Asm;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim asm</c>: assemble a program and show where every line landed.</summary>
internal sealed class AsmCommand : ICommand
{
    public string Name => "asm";

    public string Summary => "assemble a program for the simulated CPU and show the listing";

    public string Help => """
        usage: vmlab sim asm FILE [-o OUT] [--json]
               vmlab sim asm --builtin NAME [-o OUT] [--json]

        Assembles FILE (the ISA and syntax are in docs/isa.md) into a program image: .text at 0x100000,
        then .data and .bss each on the next page. Shows every line with its address and the bytes it became,
        the segments, and the entry point. An error names the file, the line and the token.

        """ + ProgramInput.Help + """
          -o OUT           also write the image to OUT (run it with 'vmlab sim cpu OUT')
          --json           {"file","entry","segments":[{"kind","address","size","file_bytes"}],"symbols":[{"name","value"}],
                            "listing":[{"line","address","bytes","source"}],"output"}
        """;

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        string? outPath = ctx.Args.Option("-o") ?? ctx.Args.Option("--output");
        var (name, image, assembly) = ProgramInput.Read(ctx.Args);
        ctx.Args.End();
        if (assembly is null) throw new UsageException($"'{name}' is already an image; use 'vmlab sim disasm' to read it");
        if (outPath is not null) File.WriteAllBytes(outPath, image.Save());

        var segments = image.Segments.Select(s => new SegmentInfo(s.Kind.ToString().ToLowerInvariant(), s.Address, s.MemorySize, s.Bytes.Length)).ToList();
        if (json)
        {
            ctx.WriteJson(new
            {
                File = name,
                image.Entry,
                Segments = segments,
                // a list, not an object: symbol names are data and must not go through the key naming policy
                Symbols = image.Symbols.OrderBy(kv => kv.Value).Select(kv => new { Name = kv.Key, kv.Value }),
                Listing = assembly.Listing.Select(l => new { l.Line, l.Address, Bytes = ProgramInput.Hex(l.Bytes), Source = l.Source.Trim() }),
                Output = outPath,
            });
            return 0;
        }
        var r = ctx.Report();
        r.Title($"vmlab sim asm: {name}");
        r.Explain("Each line of source and what it became: the address it will live at in the program's virtual " +
                  "memory and the bytes there. Instructions are 8-byte slots (movabs takes two).");
        foreach (var l in assembly.Listing)
        {
            string bytes = ProgramInput.Hex(l.Bytes);
            if (bytes.Length > 32) bytes = bytes[..30] + "..";
            r.Line($"  {l.Address:x8}  {bytes,-32}  {l.Line,4}  {l.Source.Trim()}");
        }
        r.Section("Segments");
        r.Table(["segment", "address", "size", "bytes in file"],
            segments.Select(s => (IReadOnlyList<string>)[s.Kind, $"0x{s.Address:x}", s.Size.ToString(), s.FileBytes.ToString()]));
        r.Fact("entry point", $"0x{image.Entry:x}" + (image.LabelAt(image.Entry) is { } l2 ? $" ({l2})" : ""));
        if (outPath is not null) r.Fact("image written to", outPath);
        return 0;
    }

    private sealed record SegmentInfo(string Kind, ulong Address, ulong Size, int FileBytes);
}
