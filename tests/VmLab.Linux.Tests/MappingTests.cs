namespace VmLab.Linux.Tests;

public class MappingTests
{
    [LinuxFact]
    public void Anonymous_mapping_is_zero_filled_and_writable()
    {
        using var m = Mapping.Anonymous(3 * 4096);
        Assert.Equal(3, m.Pages);
        Assert.All(m.Span.ToArray(), b => Assert.Equal(0, b));
        m.Span.Fill(0x5a);
        Assert.Equal(0x5a, m.PageSpan(2)[4095]);
    }

    [LinuxFact]
    public void Length_rounds_up_to_whole_pages()
    {
        using var m = Mapping.Anonymous(1);
        Assert.Equal((nuint)PageSize.Value, m.Length);
    }

    [LinuxFact]
    public void Dispose_unmaps_once_and_later_use_throws()
    {
        var m = Mapping.Anonymous(4096);
        m.Dispose();
        m.Dispose();
        Assert.True(m.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => m.Address);
    }

    [LinuxFact]
    public void Failed_mmap_is_a_typed_exception_with_the_call_and_errno_text()
    {
        // An fd that is not open: mmap returns MAP_FAILED with EBADF.
        var e = Assert.Throws<LinuxException>(() => Mapping.Map(0, 4096, Prot.PROT_READ, MapFlags.MAP_SHARED, 12345, 0));
        Assert.Equal("mmap", e.Call);
        Assert.Equal(Errno.EBADF, e.ErrorNumber);
        Assert.Contains("EBADF", e.Message);
        Assert.Contains("Bad file descriptor", e.Message);
    }

    [LinuxFact]
    public void Duplicate_of_a_shared_mapping_sees_the_same_bytes()
    {
        using var a = Mapping.Anonymous(2 * 4096, Prot.ReadWrite, MapFlags.MAP_SHARED);
        using var b = a.Duplicate();
        Assert.NotEqual(a.Address, b.Address);
        a.Span[4100] = 42;
        Assert.Equal(42, b.Span[4100]);
    }

    [LinuxFact]
    public void Duplicate_of_a_private_mapping_fails_with_EINVAL()
    {
        using var a = Mapping.Anonymous(4096);
        var e = Assert.Throws<LinuxException>(() => a.Duplicate());
        Assert.Equal("mremap", e.Call);
        Assert.Equal(Errno.EINVAL, e.ErrorNumber);
    }

    [LinuxFact]
    public void Protect_rejects_unaligned_ranges_before_calling_the_kernel()
    {
        using var m = Mapping.Anonymous(2 * 4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Protect(100, 4096, Prot.PROT_READ));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Protect(4096, 2 * 4096, Prot.PROT_READ));
    }
}
