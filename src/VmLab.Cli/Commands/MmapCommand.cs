using System.CommandLine;
using VmLab.Linux.Experiments;

namespace VmLab.Cli.Commands;

/// <summary><c>vmlab mmap</c>: the seed's mmap program.</summary>
internal static class MmapCommand
{
    public static Verb Create()
    {
        var bytesOption = Opt.Size("--bytes", "file size (K/M suffixes allowed; at most 1G)", 64 * 1024, 64, 1L << 30);
        var fileOption = Opt.Text("--file", "use this new file and keep it afterwards (default: a temp file, deleted at the end); " +
                               "PATH must not exist unless --overwrite is given", "PATH");
        var overwrite = Opt.Flag("--overwrite", "allow replacing an existing regular file at PATH");
        return new Verb("mmap", "MAP_SHARED file mapping: stores into memory land in the file",
            """
            Creates a file, maps it MAP_SHARED, writes a pattern through the mapping (plain memory stores, no
            write()), then msync and munmap, and reads the file back with ordinary file I/O to compare. vmlab never
            overwrites a file unless --overwrite is given.
            """,
            "file_matches, bytes, path, page_is_file_backed, ...",
            "vmlab mmap", "vmlab mmap --bytes 1M --file /tmp/shared.bin")
        {
            Linux = true,
            Tour = new("A MAP_SHARED file mapping is a window onto the file's page-cache pages: storing into memory is " +
                       "writing the file. No write() call is made; the bytes still end up on disk."),
        }.Takes(
            bytesOption,
            fileOption,
            overwrite)
        .Reports(ctx => MmapExperiment.Run(ctx.Get(bytesOption), FilePath(ctx, fileOption, overwrite), ctx.Get(overwrite)), r => r.Holds, (rep, r) =>
        {
            rep.Intro("mmap: writing memory writes the file",
                "With MAP_SHARED, the mapping's pages are the file's page-cache pages. Stores into them " +
                        "dirty the file; msync writes them back, and any reader of the file sees the new bytes.");
            rep.Fact("file", $"{r.Path}{(r.FileKept ? " (kept)" : " (temporary, now deleted)")}");
            rep.Fact("bytes written through memory", $"{r.Bytes} ({r.Pages} pages)");
            rep.Fact("maps entry", r.MapsSaysShared ? "shared ('s' in /proc/self/maps)" : "not shared");
            rep.Fact("first page in pagemap", $"[{r.FlagsAfterWrite}] frame {FrameText.Pfn(r.Pfn, r.PfnHidden)}");
            rep.Fact("file starts with", $"\"{r.FirstLine}\"");
            rep.Fact("file read back equals the stores", FrameText.YesNo(r.FileMatches));
            rep.Verdict(r.Holds, "every byte stored into the shared mapping is in the file, read back with ordinary I/O",
                "the file does not hold what was written through the mapping");
        });
    }

    /// <summary>--file as given; vmlab never overwrites a file unless --overwrite says so.</summary>
    private static string? FilePath(Ctx ctx, Option<string?> file, Option<bool> overwrite) => ctx.Get(file) switch
    {
        { Length: 0 } => throw new UsageException("--file needs a path"),
        null when ctx.Get(overwrite) => throw new UsageException("--overwrite only makes sense with --file PATH"),
        var path => path,
    };
}
