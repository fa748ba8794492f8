using VmLab.Sim.Elf;

namespace VmLab.Sim.Tests.Elf;

public class ElfLoaderTests
{
    private static string Error(TinyElf elf) => Error(elf.Build());

    private static string Error(byte[] bytes)
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfLoader.Load(bytes));
        Assert.StartsWith("elf: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void A_well_formed_static_executable_becomes_text_data_and_bss_segments()
    {
        var image = ElfLoader.Load(new TinyElf().Build());
        Assert.Equal(0x100000UL, image.Entry);
        var text = Assert.Single(image.Segments, s => s.Kind == SegmentKind.Text);
        Assert.Equal(0x100000UL, text.Address);
        Assert.Equal(TinyElf.Code, text.Bytes);
        var data = Assert.Single(image.Segments, s => s.Kind == SegmentKind.Data);
        Assert.Equal(0x101000UL, data.Address);
        Assert.Equal(8, data.Bytes.Length);
        Assert.Equal(0x2000UL, data.MemorySize);
        Assert.True(data.Writable);
        Assert.False(text.Writable);
    }

    [Fact]
    public void A_segment_that_does_not_start_on_a_page_is_padded_to_one()
    {
        var elf = new TinyElf { Entry = 0x100010, Headers = [new(1, 5, 0x100010, 16, 16)] };
        var text = Assert.Single(ElfLoader.Load(elf.Build()).Segments);
        Assert.Equal(0x100000UL, text.Address);
        Assert.Equal(0x20UL, text.MemorySize);
        Assert.Equal(TinyElf.Code, text.Bytes[0x10..]);
        Assert.All(text.Bytes[..0x10], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Truncated_files_are_refused()
    {
        byte[] good = new TinyElf().Build();
        Assert.Contains("truncated", Error(good[..40]));
        Assert.Contains("program headers", Error(good[..100]));
        byte[] oneSegment = new TinyElf { Headers = [new(1, 5, 0x100000, 64, 64)] }.Build();
        Assert.Contains("segment 0's 0x40 bytes", Error(oneSegment[..^8]));
        Assert.Contains("truncated", Error(new TinyElf { Headers = [new(1, 5, 0x100000, 16, 16, Offset: 1 << 20)] }));
    }

    [Fact]
    public void Foreign_files_name_what_they_are()
    {
        Assert.Contains("not an ELF file", Error("#!/bin/sh\necho hi\n"u8.ToArray()));
        Assert.Contains("32-bit", Error(new TinyElf { Class = 1 }));
        Assert.Contains("big-endian", Error(new TinyElf { Data = 2 }));
        Assert.Contains("AArch64", Error(new TinyElf { Machine = 183 }));
        Assert.Contains("EM_X86_64", Error(new TinyElf { Machine = 3 }));
        Assert.Contains("ET_DYN", Error(new TinyElf { Type = 3 }));
        Assert.Contains("ET_REL", Error(new TinyElf { Type = 1 }));
        Assert.Contains("static", Error(new TinyElf { Headers = [new(3, 4, 0, 0, 0), .. new TinyElf().Headers] }));
    }

    [Fact]
    public void Segments_must_stay_in_user_program_space()
    {
        Assert.Contains("kernel's range", Error(new TinyElf { Entry = 0x40000, Headers = [new(1, 5, 0x40000, 16, 16)] }));
        Assert.Contains("kernel's range", Error(new TinyElf { Headers = [new(1, 6, 0xb8000, 8, 8), .. new TinyElf().Headers] }));
        Assert.Contains("outside user program space", Error(new TinyElf { Headers = [.. new TinyElf().Headers, new(1, 6, 0x2ff000, 8, 8)] }));
        Assert.Contains("outside user program space", Error(new TinyElf { Headers = [.. new TinyElf().Headers, new(1, 6, 0xffff_8000_0000_0000, 8, 8)] }));
        Assert.Contains("outside user program space", Error(new TinyElf { Headers = [.. new TinyElf().Headers, new(1, 6, 0x2f0000, 8, 0x20000)] }));
    }

    [Fact]
    public void Sizes_are_bounded_before_anything_is_allocated()
    {
        Assert.Contains("huge", Error(new TinyElf { Headers = [new TinyElf().Headers[0], new(1, 6, 0x101000, 8, 1UL << 40)] }));
        Assert.Contains("huge", Error(new TinyElf { Headers = [new TinyElf().Headers[0], new(1, 6, 0x101000, 1UL << 62, 1UL << 62)] }));
        Assert.Contains("larger than its memory size", Error(new TinyElf { Headers = [new TinyElf().Headers[0], new(1, 6, 0x101000, 64, 8)] }));
        Assert.Contains("too big", Error(new byte[ElfLoader.MaxFileSize + 1]));
    }

    [Fact]
    public void Overlapping_or_page_sharing_segments_are_refused()
    {
        Assert.Contains("overlap", Error(new TinyElf { Headers = [new(1, 5, 0x100000, 16, 0x2000), new(1, 6, 0x101000, 8, 8)] }));
        Assert.Contains("share a page", Error(new TinyElf { Headers = [new(1, 5, 0x100000, 16, 16), new(1, 6, 0x100800, 8, 8)] }));
    }

    [Fact]
    public void The_entry_must_be_in_an_executable_segment()
    {
        Assert.Contains("entry point 0x101000", Error(new TinyElf { Entry = 0x101000 }));
        Assert.Contains("entry point 0x0 ", Error(new TinyElf { Entry = 0 }));
        Assert.Contains("W^X", Error(new TinyElf { Headers = [new(1, 7, 0x100000, 16, 16)] }));
        Assert.Contains("no loadable", Error(new TinyElf { Headers = [new(4, 4, 0x100000, 16, 16)] }));
    }

    [Fact]
    public void Damage_anywhere_in_a_real_program_is_an_error_line_or_a_loadable_image_never_a_crash()
    {
        byte[] good = ElfPrograms.Bytes("hello")!;
        var rng = new Random(16);
        for (int round = 0; round < 10000; round++)
        {
            byte[] bad = (byte[])good.Clone();
            int at = round % 3 == 0 ? rng.Next(64 + 2 * 56) : rng.Next(bad.Length);
            bad[at] = (byte)rng.Next(256);
            if (round % 7 == 0) bad = bad[..rng.Next(bad.Length)];
            string? error = ElfLoader.TryLoad(bad, out var image);
            Assert.True(error is null ? image is not null : error.StartsWith("elf: ") && !error.Contains('\n'), error);
        }
    }
}
