using System.Text;
using Microsoft.Win32.SafeHandles;

namespace VmLab.Linux.Experiments;

/// <summary>What <see cref="MmapExperiment"/> observed.</summary>
public sealed record MmapResult(
    string Path,
    long Bytes,
    int Pages,
    bool FileMatches,
    bool FileKept,
    bool PageIsFileBacked,
    bool MapsSaysShared,
    ulong? Pfn,
    bool PfnHidden,
    string FlagsAfterWrite,
    string FirstLine)
{
    /// <summary>
    /// The file holds what was stored, its page is file-backed in pagemap, and /proc/self/maps shows the area shared
    /// ('s').
    /// </summary>
    public bool Holds => FileMatches && PageIsFileBacked && MapsSaysShared;
}

/// <summary>
/// mmap.c: a MAP_SHARED file mapping is the file. Stores into memory reach the file; reading it back with
/// ordinary I/O (after msync and munmap) returns exactly what was written.
/// </summary>
/// <remarks>
/// NOTE: the file rule. Without a path, a fresh temp file is created and deleted afterwards. With a path, the
/// file must not exist yet (it is created with O_EXCL and kept, so you can look at it); an existing file is
/// replaced only when <c>overwrite</c> is set and it is a regular file. vmlab never truncates a file you did
/// not ask it to.
/// </remarks>
public static class MmapExperiment
{
    /// <summary>The first line stored into the mapping (and so into the file); the rest is a repeating pattern.</summary>
    public const string Header = "written through a MAP_SHARED mapping by vmlab mmap\n";

    /// <summary>
    /// Maps <paramref name="bytes"/> of a file MAP_SHARED, stores through memory, msyncs, unmaps and reads the file
    /// back with ordinary I/O. <paramref name="path"/> and <paramref name="overwrite"/> follow the file rule in the
    /// remarks; a path it may not use throws <see cref="InvalidOperationException"/> with a one-line reason, fewer
    /// bytes than <see cref="Header"/> throw <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static unsafe MmapResult Run(long bytes = 64 * 1024, string? path = null, bool overwrite = false)
    {
        Platform.RequireLinux("mmap");
        if (bytes < Header.Length)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"at least {Header.Length} bytes");
        bool keep = path is not null;
        path ??= System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vmlab-mmap-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        bool existed = File.Exists(path);
        byte[] expected = Pattern(bytes);
        PageMapEntry entry;
        MapsEntry? area;
        try
        {
            using (var file = Create(path, overwrite))
            {
                // The file's blocks are claimed before the mapping writes them: a page the file system has no room
                // for would otherwise be SIGBUS at the store into it (a full tmpfs), with the file half written.
                int error = Interop.Unistd.posix_fallocate((int)file.DangerousGetHandle(), 0, bytes);
                if (error is not (0 or Errno.EINVAL or Errno.EOPNOTSUPP))
                {
                    file.Dispose();
                    if (!existed) File.Delete(path);
                    throw new InvalidOperationException($"cannot make {path} {bytes} bytes long: {new LinuxException("posix_fallocate", error).Message}{(existed ? " (the file is as it was)" : "")}");
                }
                RandomAccess.SetLength(file, bytes);
                using var m = Mapping.Map(0, (ulong)bytes, Prot.ReadWrite, MapFlags.MAP_SHARED, (int)file.DangerousGetHandle(), 0);
                expected.CopyTo(new Span<byte>(m.Pointer, checked((int)bytes)));
                using (var map = PageMap.OpenSelf())
                    entry = map.Read(m.Address);
                area = ProcMaps.Find(ProcMaps.ReadSelf(), (ulong)m.Address);
                m.Sync();
            }   // munmap, then close
            byte[] onDisk = File.ReadAllBytes(path);
            return new MmapResult(path, bytes, (int)PageSize.PagesFor((ulong)bytes), onDisk.AsSpan().SequenceEqual(expected), keep,
                entry.IsFileOrSharedAnon, area?.IsShared == true, entry.Pfn, entry.IsPfnHidden, entry.FlagText,
                Encoding.ASCII.GetString(onDisk, 0, Header.Length - 1));
        }
        finally
        {
            if (!keep)
                File.Delete(path);
        }
    }

    /// <summary>The header, then a byte pattern that differs from page to page.</summary>
    internal static byte[] Pattern(long bytes)
    {
        var data = new byte[bytes];
        for (long i = 0; i < bytes; i++)
            data[i] = (byte)((i * 131 + i / 4096 * 7 + 1) & 0xff);
        Encoding.ASCII.GetBytes(Header).CopyTo(data, 0);
        return data;
    }

    private static SafeFileHandle Create(string path, bool overwrite)
    {
        string full = System.IO.Path.GetFullPath(path);
        string dir = System.IO.Path.GetDirectoryName(full) ?? "/";
        if (!Directory.Exists(dir))
            throw new InvalidOperationException($"cannot create {path}: directory {dir} does not exist");
        if (Directory.Exists(full))
            throw new InvalidOperationException($"cannot use {path}: it is a directory");
        if (File.Exists(full) && !overwrite)
            throw new InvalidOperationException($"{path} already exists; vmlab does not overwrite files (add --overwrite to replace it)");
        if (File.Exists(full) && new FileInfo(full).LinkTarget is not null)
            throw new InvalidOperationException($"{path} is a symbolic link; vmlab only replaces regular files");
        try
        {
            // Opened without truncation: only once it is known to be a regular file may its length change.
            var handle = File.OpenHandle(full, overwrite ? FileMode.OpenOrCreate : FileMode.CreateNew, FileAccess.ReadWrite);
            if ((Interop.Stat.Mode((int)handle.DangerousGetHandle()) & Interop.Stat.S_IFMT) != Interop.Stat.S_IFREG)
            {
                handle.Dispose();
                throw new InvalidOperationException($"{path} is not a regular file (a device?); vmlab only replaces regular files");
            }
            return handle;
        }
        catch (UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot create {path}: permission denied (is {dir} read-only?)");
        }
        catch (FileNotFoundException)
        {
            // O_CREAT answered ENOENT although the directory exists: a file system that takes no new files (/proc).
            throw new InvalidOperationException($"cannot create {path}: {dir} does not accept new files");
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"cannot create {path}: {e.Message}");
        }
    }
}
