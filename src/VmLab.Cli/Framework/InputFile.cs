using VmLab.Linux;

namespace VmLab.Cli.Framework;

/// <summary>Reads a user's input file with its kind and size checked before it is opened, and the read itself
/// bounded: a directory, a FIFO, a device such as /dev/zero or a huge file is one clear line, never an
/// out-of-memory crash or a hang.</summary>
internal static class InputFile
{
    public static byte[] Read(string path, long maxBytes)
    {
        RequireRegular(path);
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new UsageException($"cannot read '{Numbers.Clip(path)}': no such file");
        if (info.Length > maxBytes)
            throw TooLarge(path, maxBytes);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            // Devices report length 0 and never end: read at most one byte past the limit.
            var buffer = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int n;
            while ((n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > maxBytes)
                    throw TooLarge(path, maxBytes);
            }
            return buffer.ToArray();
        }
        catch (UnauthorizedAccessException)
        {
            throw new RefusedException($"cannot read '{Numbers.Clip(path)}': permission denied");
        }
        catch (IOException e)
        {
            // .NET's message ends with the path in its own quotes: said once, in ours
            string why = e.Message.Split(" : '")[0];
            throw new RefusedException($"cannot read '{Numbers.Clip(path)}': {why}");
        }
    }

    /// <summary>Refuses, without opening it, anything but an existing regular file: opening a FIFO waits for a
    /// writer that may never come, and a device never ends. Bad input (exit 2) except a path vmlab may not look
    /// into (exit 1).</summary>
    public static void RequireRegular(string path)
    {
        if (path.Length == 0)
            throw new UsageException("the file name is empty");
        if (!OperatingSystem.IsLinux())
        {
            if (Directory.Exists(path))
                throw new UsageException($"'{Numbers.Clip(path)}' is a directory, not a file");
            return;
        }
        FileKind kind;
        try
        {
            kind = FileKinds.Of(path);
        }
        catch (LinuxException e)
        {
            // a link loop or a name too long is the name's fault (bad input); a directory vmlab may not enter is not
            string why = $"cannot read '{Numbers.Clip(path)}': {Errno.Text(e.ErrorNumber)}";
            throw e.ErrorNumber is Errno.EACCES or Errno.EPERM ? new RefusedException(why) : new UsageException(why);
        }
        if (kind == FileKind.Missing)
            throw new UsageException($"cannot read '{Numbers.Clip(path)}': no such file");
        if (kind != FileKind.Regular)
            throw new UsageException($"'{Numbers.Clip(path)}' is {FileKinds.Describe(kind)}, not a regular file");
    }

    public static string ReadText(string path, long maxBytes) => System.Text.Encoding.UTF8.GetString(Read(path, maxBytes));

    private static UsageException TooLarge(string path, long maxBytes) =>
        new($"'{Numbers.Clip(path)}' is larger than {Numbers.FormatSize(maxBytes)}, the limit for input files");
}
