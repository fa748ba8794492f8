using VmLab.Cli.Framework;

namespace VmLab.Cli.Commands.Sim;

/// <summary><c>vmlab sim asm</c>: assemble a program and show where every line landed.</summary>
internal static class AsmCommand
{
    public static Verb Create()
    {
        var input = new ProgramInput();
        var output = Opt.Text("--output", "also write the image to OUT (run it with 'vmlab sim cpu OUT')", "OUT", "-o");
        return new Verb("asm", "assemble a program for the simulated CPU and show the listing",
            """
            Assembles FILE (the teaching ISA and its syntax are in docs/isa.md) into a program image: .text at
            0x100000, then .data and .bss each on the next page. Shows every line with its address and the bytes it
            became, the segments, and the entry point. An error names the file, the line and the token.
            """,
            """{"file","entry","segments":[{"kind","address","size","file_bytes"}],"symbols":[{"name","value"}],"listing":[{"line","address","bytes","source"}],"output"}""",
            "vmlab sim asm prog.s -o prog.img", "vmlab sim asm --builtin hello")
            .Takes([.. input.Symbols, output]).Does(ctx =>
        {
            string? outPath = ctx.Get(output);
            if (outPath is { Length: 0 }) throw new UsageException("--output needs a file name");
            var (name, image, assembly) = input.Read(ctx);
            if (assembly is null) throw new UsageException($"'{Numbers.Clip(name)}' is already an image; use 'vmlab sim disasm' to read it");
            if (outPath is not null)
            {
                if (Directory.Exists(outPath)) throw new UsageException($"--output: '{Numbers.Clip(outPath)}' is a directory");
                File.WriteAllBytes(outPath, image.Save());
            }
            var segments = image.Segments.Select(s => new SegmentInfo(s.Kind.ToString().ToLowerInvariant(), s.Address, s.MemorySize, s.Bytes.Length)).ToList();
            var json = new
            {
                File = name,
                image.Entry,
                Segments = segments,
                // a list, not an object: symbol names are data and must not go through the key naming policy
                Symbols = image.Symbols.OrderBy(kv => kv.Value).Select(kv => new { Name = kv.Key, kv.Value }),
                Listing = assembly.Listing.Select(l => new { l.Line, l.Address, Bytes = ProgramInput.Hex(l.Bytes), Source = l.Source.Trim() }),
                Output = outPath,
            };
            return ctx.Emit(json, true, r =>
            {
                r.Title($"vmlab sim asm: {name}");
                r.Explain("Each line of source and what it became: the address it will live at in the program's virtual " +
                          "memory and the bytes there. Instructions are 8-byte slots (movabs takes two).");
                foreach (var l in assembly.Listing)
                {
                    string bytes = ProgramInput.Hex(l.Bytes);
                    if (bytes.Length > 24) bytes = bytes[..22] + "..";
                    r.Line($"  {l.Address:x8}  {bytes,-24}  {l.Line,4}  {l.Source.Trim()}");
                }
                r.Section("Segments");
                r.Table(["segment", "address", "size", "bytes in file"],
                    segments.Select(s => (IReadOnlyList<string>)[s.Kind, $"0x{s.Address:x}", s.Size.ToString(), s.FileBytes.ToString()]));
                r.Fact("entry point", $"0x{image.Entry:x}" + (image.LabelAt(image.Entry) is { } l2 ? $" ({l2})" : ""));
                if (outPath is not null) r.Fact("image written to", outPath);
            });
        });
    }

    private sealed record SegmentInfo(string Kind, ulong Address, ulong Size, int FileBytes);
}
