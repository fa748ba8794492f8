using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>What a path names, as stat(2) says: a regular file, a directory, or something whose read may never
/// end (a FIFO waits for a writer before open even returns, /dev/zero never runs dry).</summary>
public enum FileKind
{
    /// <summary>Nothing by that name.</summary>
    Missing,
    /// <summary>A regular file: reading it ends.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A named pipe: opening it for reading waits for a writer.</summary>
    Fifo,
    /// <summary>A character device (/dev/zero, a terminal).</summary>
    CharacterDevice,
    /// <summary>A block device (a disk).</summary>
    BlockDevice,
    /// <summary>A Unix-domain socket.</summary>
    Socket,
    /// <summary>Any other kind.</summary>
    Other,
}

/// <summary>Asks for a file's kind without opening it, so a FIFO or a device can be refused before any read.</summary>
public static class FileKinds
{
    /// <summary>The kind of file <paramref name="path"/> names (a symbolic link is followed). A path that does not
    /// exist, or runs through something that is not a directory, is <see cref="FileKind.Missing"/>; any other
    /// failure (EACCES on a directory on the way, ELOOP, ENAMETOOLONG) throws <see cref="LinuxException"/>.</summary>
    public static FileKind Of(string path)
    {
        Platform.RequireLinux("FileKinds.Of");
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0'))
            return FileKind.Missing;    // no file name holds a NUL: C would see a shorter name
        long mode = Interop.Stat.PathMode(path);
        if (mode < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno is Errno.ENOENT or Errno.ENOTDIR ? FileKind.Missing : throw new LinuxException("stat", errno);
        }
        return ((uint)mode & Interop.Stat.S_IFMT) switch
        {
            Interop.Stat.S_IFREG => FileKind.Regular,
            Interop.Stat.S_IFDIR => FileKind.Directory,
            Interop.Stat.S_IFIFO => FileKind.Fifo,
            Interop.Stat.S_IFCHR => FileKind.CharacterDevice,
            Interop.Stat.S_IFBLK => FileKind.BlockDevice,
            Interop.Stat.S_IFSOCK => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    /// <summary>Where <paramref name="path"/> is, every symbolic link, "." and ".." resolved (realpath(3)): null when
    /// nothing is there. Two names of one file (dir/link/f, /proc/self/cwd/f and its own name) resolve alike.</summary>
    public static string? RealPath(string path)
    {
        Platform.RequireLinux("FileKinds.RealPath");
        ArgumentException.ThrowIfNullOrEmpty(path);
        return path.Contains('\0') ? null : Resolve(Path.GetFullPath(path));
    }

    /// <summary>The directory entry a write-and-rename to <paramref name="path"/> replaces: its directory resolved
    /// (<see cref="RealPath"/>) and its own name kept, a link by that name being replaced, not followed. Null when
    /// the directory does not exist.</summary>
    public static string? EntryPath(string path)
    {
        Platform.RequireLinux("FileKinds.EntryPath");
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0')) return null;
        string full = Path.GetFullPath(path).TrimEnd('/');
        string? dir = Path.GetDirectoryName(full);
        return dir is not null && Resolve(dir) is { } parent ? Path.Join(parent, Path.GetFileName(full)) : null;
    }

    /// <summary>True when <paramref name="path"/> lies below the directory <paramref name="dir"/>, by the names typed or,
    /// on Linux, by the ones the kernel resolves: a link to dir (or dir reached through one, or /proc/self/cwd) is
    /// still dir. (dir itself is not below dir.)</summary>
    public static bool IsInside(string path, string dir)
    {
        static bool Under(string p, string d) => p.StartsWith(d.TrimEnd('/') + "/", StringComparison.Ordinal);
        if (Under(Path.GetFullPath(path), Path.GetFullPath(dir))) return true;
        return OperatingSystem.IsLinux() && EntryPath(path) is { } entry && RealPath(dir) is { } real && Under(entry, real);
    }

    private static string? Resolve(string path)
    {
        nint p = Interop.Stat.realpath(path, 0);
        if (p == 0) return null;
        try
        {
            return Marshal.PtrToStringUTF8(p);
        }
        finally
        {
            Interop.Stat.free(p);
        }
    }

    /// <summary>"a FIFO", "a character device": for "'PATH' is a FIFO, not a regular file".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a regular file",
    };
}
