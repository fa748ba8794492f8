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

/// <summary>A fact that needs frame numbers in pagemap, i.e. CAP_SYS_ADMIN (not just euid 0: root in a container
/// without the capability reads every PFN as 0); skipped otherwise with the reason.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "needs Linux";
        else if (!Platform.CanReadFrames)
            Skip = "needs CAP_SYS_ADMIN: physical frame numbers read as 0 without it";
    }
}
