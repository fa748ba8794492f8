using VmLab.Cli.Framework;
using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab mmap</c>: the seed's mmap program.</summary>
internal sealed class MmapCommand : ICommand
{
    public string Name => "mmap";

    public string Summary => "MAP_SHARED file mapping: stores into memory land in the file";

    public string Help => """
        usage: vmlab mmap [--bytes SIZE] [--file PATH [--overwrite]] [--json]

        Creates a file, maps it MAP_SHARED, writes a pattern through the mapping (plain memory stores, no
        write()), then msync and munmap, and reads the file back with ordinary file I/O to compare.

          --bytes SIZE   file size (default 64K; K/M suffixes allowed; at most 1G)
          --file PATH    use this new file and keep it afterwards (default: a temp file, deleted at the end).
                         PATH must not exist: vmlab never overwrites a file unless --overwrite is given.
          --overwrite    allow replacing an existing regular file at PATH
          --json         one JSON object: file_matches, bytes, path, page_is_file_backed, ...
        """;

    public TourStep Tour => new(
        "A MAP_SHARED file mapping is a window onto the file's page-cache pages: storing into memory is " +
        "writing the file. No write() call is made; the bytes still end up on disk.");

    public int Run(CommandContext ctx)
    {
        bool json = ctx.Json;
        long bytes = ctx.Args.Bytes("--bytes", 64 * 1024, 64, 1L << 30);
        string? file = ctx.Args.Option("--file");
        bool overwrite = ctx.Args.Flag("--overwrite");
        ctx.Args.End();
        if (file is { Length: 0 })
            throw new UsageException("--file needs a path");
        if (overwrite && file is null)
            throw new UsageException("--overwrite only makes sense with --file PATH");
        FrameText.RequireLinux(Name);
        var r = MmapExperiment.Run(bytes, file, overwrite);
        if (json)
        {
            ctx.WriteJson(r);
            return r.Holds ? 0 : 1;
        }
        var rep = ctx.Report();
        rep.Title("mmap: writing memory writes the file");
        rep.Explain("With MAP_SHARED, the mapping's pages are the file's page-cache pages. Stores into them " +
                    "dirty the file; msync writes them back, and any reader of the file sees the new bytes.");
        rep.Section("observed");
        rep.Fact("file", $"{r.Path}{(r.FileKept ? " (kept)" : " (temporary, now deleted)")}");
        rep.Fact("bytes written through memory", $"{r.Bytes} ({r.Pages} pages)");
        rep.Fact("maps entry", r.MapsSaysShared ? "shared ('s' in /proc/self/maps)" : "not shared");
        rep.Fact("first page in pagemap", $"[{r.FlagsAfterWrite}] frame {FrameText.Pfn(r.Pfn, r.PfnHidden)}");
        rep.Fact("file starts with", $"\"{r.FirstLine}\"");
        rep.Fact("file read back equals the stores", FrameText.YesNo(r.FileMatches));
        rep.Verdict(r.Holds, r.Holds
            ? "every byte stored into the shared mapping is in the file, read back with ordinary I/O"
            : "the file does not hold what was written through the mapping");
        return r.Holds ? 0 : 1;
    }
}
