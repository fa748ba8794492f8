using VmLab.Linux;
using VmLab.Linux.Faults;
using VmLab.Linux.Seams;

namespace VmLab.Labs.Tests;

/// <summary>The primitives the lazy_copy lab builds on, in this process: the split policy and the reference seam.</summary>
public class SplitOnWriteTests
{
    private const int Size = LazyCopySeam.ChunkSize;

    [Fact]
    public void A_write_to_either_view_splits_only_that_view_and_keeps_its_bytes()
    {
        using var source = Mapping.Anonymous(Size, Prot.ReadWrite, MapFlags.MAP_SHARED);
        new Random(1).NextBytes(source.Span);
        byte[] before = source.Span.ToArray();
        source.Protect(Prot.PROT_READ);
        using var copy = source.Duplicate();
        using var s = FaultHandler.Register(source, FaultPolicy.SplitOnWrite);
        using var c = FaultHandler.Register(copy, FaultPolicy.SplitOnWrite);
        Assert.True(copy.Span.SequenceEqual(before));
        Assert.Equal(0, c.Faults);                       // reading never splits

        copy.Span[0x2345] ^= 0xff;                        // anywhere in the chunk, not only its start
        copy.Span[0x2346] ^= 0xff;                        // already split: no second fault
        Assert.Equal(1, c.Faults);
        Assert.True(source.Span.SequenceEqual(before));
        Assert.Equal(before[0x2345] ^ 0xff, copy.Span[0x2345]);
        Assert.True(copy.Span[..0x2345].SequenceEqual(before.AsSpan(0, 0x2345)));

        source.Span[Size - 1] ^= 0x0f;
        Assert.Equal(1, s.Faults);
        Assert.Equal(before[Size - 1], copy.Span[Size - 1]);
        Assert.Equal(before[0x2345] ^ 0xff, copy.Span[0x2345]);
    }

    [Fact]
    public void The_reference_seam_copies_lazily_and_splits_on_write()
    {
        var lazy = LazyCopySeam.Reference();
        nint src = lazy.Allocate();
        var mem = Memory(src);
        Assert.True(mem.IndexOfAnyExcept((byte)0) < 0);
        mem.Fill(7);
        nint copy = lazy.CopyLazy(src);
        Assert.Null(Grading.LazyCopyTests.SharingFailure(src, copy));
        Memory(copy)[100] = 9;
        Assert.Equal(7, mem[100]);
        Assert.NotNull(Grading.LazyCopyTests.SharingFailure(src, copy));
        Assert.Throws<ArgumentException>(() => lazy.CopyLazy(src + 4096));
    }

    private static unsafe Span<byte> Memory(nint a) => new((void*)a, Size);
}
