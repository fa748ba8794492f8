namespace VmLab.Linux.Tests;

public class PageMapEntryTests
{
    private const ulong Present = 1UL << 63, Swapped = 1UL << 62, File = 1UL << 61, Guard = 1UL << 58,
        UffdWp = 1UL << 57, Exclusive = 1UL << 56, SoftDirty = 1UL << 55;

    [Fact]
    public void Zero_is_an_unmapped_page_with_no_frame()
    {
        var e = new PageMapEntry(0);
        Assert.False(e.IsPresent);
        Assert.False(e.IsSwapped);
        Assert.Null(e.Pfn);
        Assert.False(e.IsPfnHidden);
        Assert.Equal("-", e.FlagText);
        Assert.Equal("none", e.PfnText);
    }

    [Fact]
    public void Present_page_decodes_its_frame_and_physical_address()
    {
        var e = new PageMapEntry(Present | Exclusive | SoftDirty | 0x1a2b3);
        Assert.True(e.IsPresent);
        Assert.Equal(0x1a2b3UL, e.Pfn);
        Assert.Equal(0x1a2b3UL * (ulong)PageSize.Value, e.PhysicalAddress);
        Assert.True(e.IsExclusive);
        Assert.True(e.IsSoftDirty);
        Assert.False(e.IsFileOrSharedAnon);
        Assert.Equal("present exclusive soft-dirty", e.FlagText);
    }

    [Fact]
    public void Widest_frame_number_uses_bits_0_to_54()
    {
        ulong max = (1UL << 55) - 1;
        var e = new PageMapEntry(Present | SoftDirty | max);
        Assert.Equal(max, e.Pfn);
        Assert.True(e.IsSoftDirty);
    }

    [Fact]
    public void Present_with_zero_frame_is_hidden_never_frame_zero()
    {
        var e = new PageMapEntry(Present | Exclusive);
        Assert.True(e.IsPfnHidden);
        Assert.Null(e.Pfn);
        Assert.Null(e.PhysicalAddress);
        Assert.Equal("hidden (needs root)", e.PfnText);
    }

    [Fact]
    public void Swapped_page_has_swap_type_and_offset_instead_of_a_frame()
    {
        ulong typeAndOffset = (0x1234UL << 5) | 3;
        var e = new PageMapEntry(Swapped | typeAndOffset);
        Assert.True(e.IsSwapped);
        Assert.False(e.IsPresent);
        Assert.Null(e.Pfn);
        Assert.False(e.IsPfnHidden);
        Assert.Equal(3, e.SwapType);
        Assert.Equal(0x1234UL, e.SwapOffset);
        Assert.Equal("swap 3:0x1234", e.PfnText);
    }

    [Theory]
    [InlineData(File, "file/shared")]
    [InlineData(Guard, "guard")]
    [InlineData(UffdWp, "uffd-wp")]
    [InlineData(Exclusive, "exclusive")]
    [InlineData(SoftDirty, "soft-dirty")]
    public void Each_flag_bit_decodes_alone(ulong bit, string word)
    {
        var e = new PageMapEntry(bit);
        Assert.Equal(word, e.FlagText);
        Assert.Equal(bit == File, e.IsFileOrSharedAnon);
        Assert.Equal(bit == Guard, e.IsGuard);
        Assert.Equal(bit == UffdWp, e.IsUffdWriteProtected);
        Assert.Equal(bit == Exclusive, e.IsExclusive);
        Assert.Equal(bit == SoftDirty, e.IsSoftDirty);
        Assert.Null(e.Pfn);
    }

    [Fact]
    public void Translation_adds_the_offset_within_the_page()
    {
        var t = new PageTranslation(0x7f00_0000_1234, new PageMapEntry(Present | 0x10), 2);
        Assert.Equal(0x10UL * (ulong)PageSize.Value + 0x234, t.PhysicalAddress);
        Assert.Contains("PFN 0x10", t.ToString());
        Assert.Contains("mapped 2x", t.ToString());
        Assert.Contains("hidden (needs root)", new PageTranslation(0x1000, new PageMapEntry(Present), null).ToString());
    }

    [Fact]
    public void Kernel_page_flags_are_named()
    {
        Assert.Equal("lru mmap anon", KPageFlags.Describe(KPageFlag.KPF_ANON | KPageFlag.KPF_LRU | KPageFlag.KPF_MMAP));
        Assert.Equal("-", KPageFlags.Describe(KPageFlag.None));
    }
}
