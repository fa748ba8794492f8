namespace VmLab.Linux;

/// <summary>What this process may see of real memory.</summary>
public static class Platform
{
    /// <summary>True on Linux; every experiment in this assembly needs it.</summary>
    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>True when running as root. PFNs in /proc/*/pagemap and /proc/kpagecount need CAP_SYS_ADMIN.</summary>
    public static bool IsRoot => IsLinux && Interop.Unistd.geteuid() == 0;

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> with a clear message off Linux.</summary>
    public static void RequireLinux(string what)
    {
        if (!IsLinux)
            throw new PlatformNotSupportedException($"{what} needs Linux (this is {Environment.OSVersion.Platform}); the simulator ('vmlab sim') runs anywhere");
    }
}
