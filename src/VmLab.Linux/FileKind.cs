namespace VmLab.Linux;

/// <summary>What a path names, found with stat(2) without opening it: opening a FIFO blocks until someone writes,
/// and a device such as /dev/zero never ends, so a tool that reads or writes users' files asks first.</summary>
public static class FileKind
{
    /// <summary>"regular file", "directory", "character device", "block device", "FIFO", "socket", or null when
    /// nothing is there. Symbolic links are followed. Off Linux: "regular file" or "directory" as .NET sees it.</summary>
    public static string? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
            return Directory.Exists(path) ? "directory" : File.Exists(path) ? "regular file" : null;
        uint? mode = Interop.Stat.ModeOf(path);
        return mode is not { } m ? null : (m & Interop.Stat.S_IFMT) switch
        {
            0x8000 => "regular file",
            0x4000 => "directory",
            0x2000 => "character device",
            0x6000 => "block device",
            0x1000 => "FIFO",
            0xC000 => "socket",
            _ => "special file",
        };
    }

    /// <summary>True when the path names a regular file (following links).</summary>
    public static bool IsRegular(string path) => Of(path) == "regular file";
}
