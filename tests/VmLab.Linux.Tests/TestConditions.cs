using VmLab.Linux;

namespace VmLab.Linux.Tests;

/// <summary>A fact that needs Linux; skipped elsewhere with the reason.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "needs Linux";
    }
}

/// <summary>A fact that needs root (PFNs in pagemap, /proc/kpagecount); skipped otherwise with the reason.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "needs Linux";
        else if (!Platform.IsRoot)
            Skip = "needs root: physical frame numbers read as 0 without CAP_SYS_ADMIN";
    }
}
