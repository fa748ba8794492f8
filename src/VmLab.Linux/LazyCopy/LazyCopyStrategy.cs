namespace VmLab.Linux.LazyCopy;

/// <summary>How a lazy copy shares frames and who splits them on the first write.</summary>
public enum LazyCopyStrategy
{
    /// <summary>The seed's method: shared anonymous chunks, mremap(old, 0) views made read-only, and a SIGSEGV
    /// resolver (native) that splits a view on its first write.</summary>
    Segv,

    /// <summary>The same views, write-protected with userfaultfd (UFFDIO_REGISTER_MODE_WP); the writer waits in
    /// the kernel while a fault-server thread splits the view. No signal handler.</summary>
    Uffd,

    /// <summary>Chunks backed by a memfd, copies mapped MAP_PRIVATE: the kernel copies one page at a time on
    /// write.</summary>
    Kcow,
}

/// <summary>Names and availability of the strategies.</summary>
public static class LazyCopyStrategies
{
    /// <summary>Every strategy, in the order reports list them: segv, uffd, kcow.</summary>
    public static IReadOnlyList<LazyCopyStrategy> All { get; } = [LazyCopyStrategy.Segv, LazyCopyStrategy.Uffd, LazyCopyStrategy.Kcow];

    /// <summary>The name used on the command line ("segv", "uffd", "kcow").</summary>
    public static string Name(this LazyCopyStrategy s) => s.ToString().ToLowerInvariant();

    /// <summary>Parses a name from <see cref="Name"/>; false for anything else.</summary>
    public static bool TryParse(string name, out LazyCopyStrategy strategy)
    {
        foreach (var s in All)
        {
            if (s.Name() == name)
            {
                strategy = s;
                return true;
            }
        }
        strategy = default;
        return false;
    }

    /// <summary>True when the strategy can run in this process; otherwise <paramref name="reason"/> says why.</summary>
    public static bool IsAvailable(this LazyCopyStrategy s, out string reason)
    {
        reason = "";
        if (!OperatingSystem.IsLinux())
        {
            reason = "needs Linux";
            return false;
        }
        return s != LazyCopyStrategy.Uffd || Userfaultfd.IsAvailable(out reason);
    }
}

/// <summary>The process ran out of mappings (vm.max_map_count) or memory, or hit the allocator's own limit,
/// while making a chunk or a copy. Nothing was changed: the source chunk is as it was.</summary>
public sealed class ChunkLimitException(string call, int errno, string detail) : LinuxException(call, errno, detail);
