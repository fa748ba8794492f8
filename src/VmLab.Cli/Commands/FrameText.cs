using VmLab.Linux;

namespace VmLab.Cli.Commands;

/// <summary>How the real-Linux verbs print frames and addresses, and what they say when frames are hidden.</summary>
internal static class FrameText
{
    public const string Hidden = "hidden (needs root)";

    /// <summary>"0x1a2b3", "hidden (needs root)" or "none".</summary>
    public static string Pfn(ulong? pfn, bool hidden) => pfn is ulong p ? $"0x{p:x}" : hidden ? Hidden : "none";

    public static string Hex(ulong value) => $"0x{value:x}";

    public static string Hex(ulong? value, string otherwise) => value is ulong v ? $"0x{v:x}" : otherwise;

    /// <summary>The note every verb prints when the kernel hid the frames: exactly what root would add.</summary>
    public static string RootNote(string whatRootAdds) =>
        "frame numbers are hidden: the kernel reports PFN 0 in /proc/self/pagemap to readers without " +
        $"CAP_SYS_ADMIN (JSON shows null). Run as root (sudo) to also see {whatRootAdds}.";

    /// <summary>The root note, when the frames were hidden.</summary>
    public static void RootNote(this Report rep, bool hidden, string whatRootAdds)
    {
        if (hidden)
            rep.Note(RootNote(whatRootAdds));
    }

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>Nanoseconds as people read them: "812 ns", "3.41 µs".</summary>
    public static string Ns(double ns) => ns >= 1000 ? $"{ns / 1000:0.00} µs" : $"{ns:0} ns";
}
