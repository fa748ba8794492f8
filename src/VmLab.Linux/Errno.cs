using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>errno values by their C names, and their text.</summary>
public static class Errno
{
    /// <summary>
    /// errno values from Linux's asm-generic/errno-base.h and errno.h (x86-64), to compare with
    /// <see cref="LinuxException.ErrorNumber"/>: e.g. ENOMEM 12 when mmap finds no room, EFAULT 14 for a bad user
    /// pointer, EINVAL 22 for a misaligned address.
    /// </summary>
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
        ENFILE = 23, EMFILE = 24, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, ERANGE = 34, ENOSYS = 38,
        EOPNOTSUPP = 95;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
        [EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
        [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
        [EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC",
        [ESPIPE] = "ESPIPE", [EROFS] = "EROFS", [ERANGE] = "ERANGE", [ENOSYS] = "ENOSYS", [EOPNOTSUPP] = "EOPNOTSUPP",
    };

    /// <summary>The C name of an errno value ("ENOMEM"), or "errno N" for one without a name here.</summary>
    public static string Name(int errno) => Names.TryGetValue(errno, out var n) ? n : $"errno {errno}";

    /// <summary>strerror's text for an errno value.</summary>
    public static string Text(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}

/// <summary>A failed system call: the call's name and the errno it left, e.g. "mmap: Cannot allocate memory (ENOMEM)".</summary>
public class LinuxException : Exception
{
    /// <summary>
    /// A failure of libc call <paramref name="call"/> (its C name, e.g. "mmap") that set <paramref name="errno"/>;
    /// <paramref name="detail"/> is appended to the call's name in the message, e.g. the length and flags it was given.
    /// </summary>
    public LinuxException(string call, int errno, string? detail = null)
        : base($"{call}{(detail is null ? "" : " " + detail)}: {Errno.Text(errno)} ({Errno.Name(errno)})")
    {
        Call = call;
        ErrorNumber = errno;
    }

    /// <summary>The libc call that failed, by its C name.</summary>
    public string Call { get; }

    /// <summary>The errno it set (never a return value).</summary>
    public int ErrorNumber { get; }

    /// <summary>Throws for the errno of the P/Invoke that just failed (declared with SetLastError = true).</summary>
    internal static LinuxException FromLastError(string call, string? detail = null) =>
        new(call, Marshal.GetLastPInvokeError(), detail);
}
