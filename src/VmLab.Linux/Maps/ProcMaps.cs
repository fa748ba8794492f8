using System.Globalization;

namespace VmLab.Linux;

/// <summary>
/// One line of /proc/PID/maps: a virtual memory area.
/// <c>7f12a000-7f12b000 rw-p 00001000 08:01 1234   /usr/lib/libc.so.6</c>
/// </summary>
public sealed record MapsEntry(ulong Start, ulong End, string Perms, ulong Offset, string Device, ulong Inode, string Path)
{
    // ---- queries ----

    /// <summary>Bytes in the area, End - Start (always whole pages).</summary>
    public ulong Length => End - Start;

    /// <summary>Base pages in the area (<see cref="Length"/> / <see cref="PageSize.Value"/>).</summary>
    public long Pages => (long)(Length / (ulong)PageSize.Value);

    /// <summary>'r' in the first column: PROT_READ.</summary>
    public bool CanRead => Perms.Length > 0 && Perms[0] == 'r';

    /// <summary>'w' in the second column: PROT_WRITE (a private area may still be copy-on-write underneath).</summary>
    public bool CanWrite => Perms.Length > 1 && Perms[1] == 'w';

    /// <summary>'x' in the third column: PROT_EXEC.</summary>
    public bool CanExecute => Perms.Length > 2 && Perms[2] == 'x';

    /// <summary>'s' in the fourth column: MAP_SHARED. 'p' is private (copy-on-write).</summary>
    public bool IsShared => Perms.Length > 3 && Perms[3] == 's';

    /// <summary>No permission at all: a reservation or guard (the .NET GC reserves large ones).</summary>
    public bool IsInaccessible => !CanRead && !CanWrite && !CanExecute;

    /// <summary>No path: anonymous memory (heap-like, not [heap] itself).</summary>
    public bool IsAnonymous => Path.Length == 0;

    /// <summary>A kernel-named area such as [heap], [stack], [vdso], [vsyscall].</summary>
    public bool IsSpecial => Path.StartsWith('[');

    /// <summary>The file was deleted after being mapped (the kernel appends " (deleted)").</summary>
    public bool IsDeleted => Path.EndsWith(" (deleted)", StringComparison.Ordinal);

    /// <summary>True when <paramref name="address"/> lies in [Start, End).</summary>
    public bool Contains(ulong address) => address >= Start && address < End;

    /// <summary>The path, or "[anon]" for anonymous memory.</summary>
    public string Name => Path.Length == 0 ? "[anon]" : Path;

    /// <summary>The line in /proc/PID/maps form, with single spaces (the kernel pads the column before the path).</summary>
    public override string ToString() => $"{Start:x}-{End:x} {Perms} {Offset:x8} {Device} {Inode} {Path}".TrimEnd();
}

/// <summary>/proc/PID/maps, parsed: every area of a process's address space, in address order.</summary>
public static class ProcMaps
{
    /// <summary>This process's areas.</summary>
    public static IReadOnlyList<MapsEntry> ReadSelf() => ReadFile("/proc/self/maps", null);

    /// <summary>
    /// Process <paramref name="pid"/>'s areas. A process that does not exist or may not be inspected is an
    /// <see cref="InvalidOperationException"/> with one clear sentence.
    /// </summary>
    public static IReadOnlyList<MapsEntry> Read(int pid) => ReadFile($"/proc/{pid}/maps", pid);

    /// <summary>The area holding <paramref name="address"/>, or null when it is not mapped.</summary>
    public static MapsEntry? Find(IEnumerable<MapsEntry> entries, ulong address) =>
        entries.FirstOrDefault(e => e.Contains(address));

    /// <summary>Parses the text of a maps file.</summary>
    public static List<MapsEntry> Parse(string text)
    {
        var list = new List<MapsEntry>();
        int n = 0;
        foreach (string line in text.Split('\n'))
        {
            n++;
            if (line.Length == 0)
                continue;
            list.Add(ParseLine(line) ?? throw new FormatException($"maps line {n} is not 'start-end perms offset dev inode [path]': {line}"));
        }
        return list;
    }

    /// <summary>Parses one maps line, or returns null when it does not have the maps shape.</summary>
    public static MapsEntry? ParseLine(string line)
    {
        // Five space-separated fields, then padding, then the path: the path is the rest of the line and may
        // itself contain spaces (and " (deleted)"), so it must not be split.
        var rest = line.AsSpan();
        if (!Field(ref rest, out var range) || !Field(ref rest, out var perms) || !Field(ref rest, out var offset)
            || !Field(ref rest, out var dev) || !Field(ref rest, out var inode))
            return null;
        int dash = range.IndexOf('-');
        if (dash <= 0
            || !ulong.TryParse(range[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(range[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end)
            || end < start
            || perms.Length != 4
            || !ulong.TryParse(offset, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong off)
            || !ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out ulong ino)
            || dev.IndexOf(':') < 0)
            return null;
        return new MapsEntry(start, end, perms.ToString(), off, dev.ToString(), ino, rest.TrimStart(' ').ToString());
    }

    private static bool Field(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> field)
    {
        rest = rest.TrimStart(' ');
        int sp = rest.IndexOf(' ');
        field = sp < 0 ? rest : rest[..sp];
        rest = sp < 0 ? [] : rest[(sp + 1)..];
        return field.Length > 0;
    }

    private static List<MapsEntry> ReadFile(string path, int? pid)
    {
        Platform.RequireLinux("/proc/PID/maps");
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (pid is not null && e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidOperationException($"no process with PID {pid} ({path} does not exist)");
        }
        catch (Exception e) when (pid is not null && e is UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"not allowed to inspect PID {pid} ({path}: permission denied; reading another user's process needs root)");
        }
        catch (IOException e) when (pid is not null)
        {
            // A process that exited between the check and the read, or a kernel thread: the kernel says ESRCH.
            throw new InvalidOperationException($"cannot read {path}: {e.Message}");
        }
    }
}
