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
    /// <summary>
    /// Bits 0-54: the page frame number (physical address / 4096) when <see cref="PresentBit"/> is set; zero without
    /// CAP_SYS_ADMIN.
    /// </summary>
    public const ulong PfnMask = (1UL << 55) - 1;
    /// <summary>Bit 55: the PTE was written since the last "echo 4 > /proc/PID/clear_refs" (soft-dirty tracking).</summary>
    public const ulong SoftDirtyBit = 1UL << 55;
    /// <summary>Bit 56: the page is mapped exactly once (not shared copy-on-write with another process).</summary>
    public const ulong ExclusiveBit = 1UL << 56;
    /// <summary>Bit 57: the PTE is write-protected by userfaultfd (UFFDIO_WRITEPROTECT).</summary>
    public const ulong UffdWpBit = 1UL << 57;
    /// <summary>Bit 58: a guard region installed with MADV_GUARD_INSTALL (Linux 6.13+): any access faults.</summary>
    public const ulong GuardBit = 1UL << 58;
    /// <summary>Bit 61: a file page or a shared anonymous page (clear for private anonymous memory).</summary>
    public const ulong FileOrSharedAnonBit = 1UL << 61;
    /// <summary>Bit 62: the page is in swap; bits 0-4 then hold the swap type and bits 5-54 the offset.</summary>
    public const ulong SwappedBit = 1UL << 62;
    /// <summary>Bit 63: the page is in RAM (the PTE's P bit, as the kernel reports it).</summary>
    public const ulong PresentBit = 1UL << 63;
    /// <summary>Width in bits of the swap type field (bits 0-4) of a swapped entry; the offset follows it.</summary>
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

    /// <summary>Two entries are equal when all 64 raw bits are equal (same frame and same flags).</summary>
    public bool Equals(PageMapEntry other) => Raw == other.Raw;

    /// <inheritdoc cref="Equals(PageMapEntry)"/>
    public override bool Equals(object? obj) => obj is PageMapEntry e && Equals(e);

    /// <summary>A hash of the 64 raw bits.</summary>
    public override int GetHashCode() => Raw.GetHashCode();

    /// <summary>Equal raw bits.</summary>
    public static bool operator ==(PageMapEntry a, PageMapEntry b) => a.Raw == b.Raw;

    /// <summary>Different raw bits.</summary>
    public static bool operator !=(PageMapEntry a, PageMapEntry b) => a.Raw != b.Raw;

    /// <summary>
    /// "pfn PFN [FLAGS] (raw 0x...)", e.g. "pfn 0x1a2b3 [present exclusive] (raw 0x81...)": the frame, the set flags
    /// and the raw word.
    /// </summary>
    public override string ToString() => $"pfn {PfnText} [{FlagText}] (raw 0x{Raw:x16})";
}
