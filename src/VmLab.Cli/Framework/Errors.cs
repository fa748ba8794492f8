using VmLab.Linux;

namespace VmLab.Cli.Framework;

/// <summary>Bad input from the user: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The machine (or a file) said no: printed as one line, exit code 1.</summary>
internal sealed class RefusedException(string message) : Exception(message);

/// <summary>Exit codes as the help documents them, and the one stderr line for every failure.</summary>
internal static class ExitCode
{
    public const int Ok = 0, NotConfirmed = 1, Refused = 1, Usage = 2, Internal = 70;

    /// <summary>Writes "PATH: message" (escaped, one line, at most 200 bytes) and returns the documented code. Never an exception type name or stack:
    /// an unexpected failure is still one line, with the words it carries.</summary>
    public static int Report(Exception e, string path, TextWriter error)
    {
        (int code, string text) = e switch
        {
            UsageException => (Usage, e.Message),
            FileNotFoundException or DirectoryNotFoundException => (Refused, e.Message),
            RefusedException or LinuxException or PlatformNotSupportedException or IOException
                or UnauthorizedAccessException or InvalidOperationException
                or System.Net.Sockets.SocketException => (Refused, e.Message),
            OutOfMemoryException or InsufficientExecutionStackException => (Refused, "ran out of memory or stack for this input"),
            _ => (Internal, "internal error: " + e.Message),
        };
        Shown.Error(error, path, text);
        return code;
    }

    /// <summary>Folds a message onto one line (some library messages carry newlines).</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
