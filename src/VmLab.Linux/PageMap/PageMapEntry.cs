using System.Runtime.InteropServices;

namespace VmLab.Linux;

/// <summary>
/// One 64-bit entry of /proc/PID/pagemap (Documentation/admin-guide/mm/pagemap.rst), decoded. The layout is
/// exactly the kernel's, so a span of entries can be read straight from the file.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct PageMapEntry : IEquatable<PageMapEntry>
{
    // ---- the documented bits ----
    public const ulong PfnMask = (1UL << 55) - 1;         // bits 0-54: page frame number (when present)
    public const ulong SoftDirtyBit = 1UL << 55;           // pte written since the last clear_refs "4"
    public const ulong ExclusiveBit = 1UL << 56;           // page mapped exclusively (one mapper)
    public const ulong UffdWpBit = 1UL << 57;              // userfaultfd write-protected
    public const ulong GuardBit = 1UL << 58;               // guard region (MADV_GUARD_INSTALL)
    public const ulong FileOrSharedAnonBit = 1UL << 61;    // file page or shared anonymous page
    public const ulong SwappedBit = 1UL << 62;             // page is in swap: bits 0-4 type, 5-54 offset
    public const ulong PresentBit = 1UL << 63;             // page is in RAM
    public const int SwapTypeBits = 5;

    /// <summary>Wraps a raw entry as read from pagemap.</summary>
    public PageMapEntry(ulong raw) => Raw = raw;

    /// <summary>The 64 bits exactly as the kernel wrote them.</summary>
    public ulong Raw { get; }

    // ---- queries: where the page is ----

    /// <summary>Bit 63: the page is in RAM.</summary>
    public bool IsPresent => (Raw & PresentBit) != 0;

    /// <summary>Bit 62: the page is in swap (then bits 0-54 hold swap type and offset, not a frame).</summary>
    public bool IsSwapped => (Raw & SwappedBit) != 0;

    /// <summary>Bit 61: a file-backed page or a shared anonymous page (tmpfs/shmem).</summary>
    public bool IsFileOrSharedAnon => (Raw & FileOrSharedAnonBit) != 0;

    /// <summary>Bit 56: only this process maps the page (a copy-on-write page shared after fork is not exclusive).</summary>
    public bool IsExclusive => (Raw & ExclusiveBit) != 0;

    /// <summary>Bit 55: written since soft-dirty bits were last cleared.</summary>
    public bool IsSoftDirty => (Raw & SoftDirtyBit) != 0;

    /// <summary>Bit 57: write-protected through userfaultfd.</summary>
    public bool IsUffdWriteProtected => (Raw & UffdWpBit) != 0;

    /// <summary>Bit 58: a guard region page (any access faults).</summary>
    public bool IsGuard => (Raw & GuardBit) != 0;

    // ---- queries: which frame ----

    /// <summary>
    /// The physical frame number, or null when there is none to tell: not present, swapped, or hidden (the
    /// kernel writes 0 for readers without CAP_SYS_ADMIN). Never a made-up frame.
    /// </summary>
    public ulong? Pfn => IsPresent && !IsSwapped && (Raw & PfnMask) != 0 ? Raw & PfnMask : null;

    /// <summary>True when the page is present but the kernel hid its frame (the reader lacks CAP_SYS_ADMIN).</summary>
    public bool IsPfnHidden => IsPresent && !IsSwapped && (Raw & PfnMask) == 0;

    /// <summary>The physical address of the frame's first byte (PFN × page size), or null like <see cref="Pfn"/>.</summary>
    public ulong? PhysicalAddress => Pfn is ulong pfn ? pfn * (ulong)PageSize.Value : null;

    /// <summary>Swap type (bits 0-4) of a swapped page, else null.</summary>
    public int? SwapType => IsSwapped ? (int)(Raw & ((1UL << SwapTypeBits) - 1)) : null;

    /// <summary>Swap offset (bits 5-54) of a swapped page, else null.</summary>
    public ulong? SwapOffset => IsSwapped ? (Raw & PfnMask) >> SwapTypeBits : null;

    // ---- presentation ----

    /// <summary>The set flags as short words: "present exclusive soft-dirty", or "-" for none.</summary>
    public string FlagText
    {
        get
        {
            var words = new List<string>(7);
            if (IsPresent) words.Add("present");
            if (IsSwapped) words.Add("swapped");
            if (IsFileOrSharedAnon) words.Add("file/shared");
            if (IsExclusive) words.Add("exclusive");
            if (IsSoftDirty) words.Add("soft-dirty");
            if (IsUffdWriteProtected) words.Add("uffd-wp");
            if (IsGuard) words.Add("guard");
            return words.Count == 0 ? "-" : string.Join(' ', words);
        }
    }

    /// <summary>The frame as people read it: "0x1a2b3", "hidden (needs root)", "swap 0:0x12" or "none".</summary>
    public string PfnText => this switch
    {
        { Pfn: ulong pfn } => $"0x{pfn:x}",
        { IsPfnHidden: true } => "hidden (needs root)",
        { IsSwapped: true } => $"swap {SwapType}:0x{SwapOffset:x}",
        _ => "none",
    };

    public bool Equals(PageMapEntry other) => Raw == other.Raw;

    public override bool Equals(object? obj) => obj is PageMapEntry e && Equals(e);

    public override int GetHashCode() => Raw.GetHashCode();

    public static bool operator ==(PageMapEntry a, PageMapEntry b) => a.Raw == b.Raw;

    public static bool operator !=(PageMapEntry a, PageMapEntry b) => a.Raw != b.Raw;

    public override string ToString() => $"pfn {PfnText} [{FlagText}] (raw 0x{Raw:x16})";
}
