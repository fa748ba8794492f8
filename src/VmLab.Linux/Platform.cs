namespace VmLab.Linux;

/// <summary>What this process may see of real memory.</summary>
public static class Platform
{
    /// <summary>True on Linux; every experiment in this assembly needs it.</summary>
    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>True when the effective user is root (files such as /proc/kpagecount are root's). Not enough
    /// to see frame numbers: see <see cref="CanReadFrames"/>.</summary>
    public static bool IsRoot => IsLinux && Interop.Unistd.geteuid() == 0;

    /// <summary>Bit of CAP_SYS_ADMIN in the capability sets (linux/capability.h).</summary>
    public const int CapSysAdmin = 21;

    /// <summary>
    /// True when this process has CAP_SYS_ADMIN in its effective set: /proc/*/pagemap then shows frame numbers
    /// (PFNs); without it they read as 0, also for root in a container that dropped the capability.
    /// </summary>
    public static bool CanReadFrames => IsLinux && HasCapability(ReadStatus(), CapSysAdmin);

    /// <summary>Whether the "CapEff:" line of a /proc/PID/status text has <paramref name="bit"/> set; false when
    /// the line is missing or unreadable.</summary>
    public static bool HasCapability(string status, int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bit, 63);
        foreach (string line in status.Split('\n'))
        {
            if (!line.StartsWith("CapEff:", StringComparison.Ordinal))
                continue;
            return ulong.TryParse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong caps)
                && (caps >> bit & 1) == 1;
        }
        return false;
    }

    private static string ReadStatus()
    {
        try { return File.ReadAllText("/proc/self/status"); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> with a clear message off Linux.</summary>
    public static void RequireLinux(string what)
    {
        if (!IsLinux)
            throw new PlatformNotSupportedException($"{what} needs Linux (this is {Environment.OSVersion.Platform}); the simulator ('vmlab sim') runs anywhere");
    }
}
