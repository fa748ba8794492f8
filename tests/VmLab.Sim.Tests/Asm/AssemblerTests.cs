using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;
using VmLab.Sim.Programs;

namespace VmLab.Sim.Tests.Asm;

public class AssemblerTests
{
    [Fact]
    public void Segments_are_page_aligned_with_labels_constants_and_entry()
    {
        var image = Assembler.Assemble("""
            .equ N, 3 * 4 + 1          # constants may use arithmetic
            .text
            helper: ret
            _start: mov rax, N
                    mov rbx, table + 8
                    jmp _start
            .data
            table:  .quad 1, -1, helper
            bytes:  .byte 'A', 0x42, N
            .align 8
            words:  .short 0x1234
                    .long 0xdeadbeef
            s:      .asciz "hi\n"
            .bss
            buf:    .zero 100
            """);
        var text = image.Get(SegmentKind.Text)!;
        var data = image.Get(SegmentKind.Data)!;
        var bss = image.Get(SegmentKind.Bss)!;
        Assert.Equal(0x100000UL, text.Address);
        Assert.Equal(32UL, text.MemorySize);
        Assert.Equal(0x101000UL, data.Address);
        Assert.Equal(0x102000UL, bss.Address);
        Assert.Equal(100UL, bss.MemorySize);
        Assert.Empty(bss.Bytes);
        Assert.Equal(0x100008UL, image.Entry);
        Assert.Equal(13UL, image.Symbols["N"]);
        Assert.Equal(Isa.Encode(Opcode.MovI, 0, 0, 13), BitConverter.ToUInt64(text.Bytes, 8));
        Assert.Equal(Isa.Encode(Opcode.MovI, 3, 0, 0x101008), BitConverter.ToUInt64(text.Bytes, 16));
        Assert.Equal(Isa.Encode(Opcode.Jmp, 0, 0, -24), BitConverter.ToUInt64(text.Bytes, 24));
        Assert.Equal(ulong.MaxValue, BitConverter.ToUInt64(data.Bytes, 8));
        Assert.Equal(0x100000UL, BitConverter.ToUInt64(data.Bytes, 16));
        Assert.Equal(new byte[] { 0x41, 0x42, 13 }, data.Bytes[24..27]);
        Assert.Equal(0x102000UL, image.Symbols["buf"]);
        Assert.Equal(32UL, image.Symbols["words"] - 0x101000);
        Assert.Equal("hi\n\0"u8.ToArray(), data.Bytes[38..42]);
    }

    [Fact]
    public void Assignments_and_align_in_text()
    {
        var image = Assembler.Assemble("K = 5\nmov rax, K * 2\n.ascii \"x\"\n.align 8\nhlt\n.align 32\nnop");
        var text = image.Get(SegmentKind.Text)!.Bytes;
        Assert.Equal(Isa.Encode(Opcode.MovI, 0, 0, 10), BitConverter.ToUInt64(text, 0));
        Assert.Equal((byte)'x', text[8]);
        Assert.Equal(Isa.Encode(Opcode.Hlt), BitConverter.ToUInt64(text, 16));
        Assert.Equal(Isa.Encode(Opcode.Nop), BitConverter.ToUInt64(text, 24));   // .align in code pads with nop
        Assert.Equal(40, text.Length);
    }

    [Fact]
    public void Segments_enumerate_their_pages_for_a_loader()
    {
        var image = Assembler.Assemble(".data\n.zero 4100\n.byte 7\n.bss\n.zero 8192");
        var data = image.Get(SegmentKind.Data)!.Pages().ToList();
        Assert.Equal([0x100000UL, 0x101000UL], data.Select(p => p.Va));
        Assert.Equal(4096, data[0].Bytes.Length);
        Assert.Equal(5, data[1].Bytes.Length);
        Assert.Equal(7, data[1].Bytes.Span[4]);
        var bss = image.Get(SegmentKind.Bss)!.Pages().ToList();
        Assert.Equal(2, bss.Count);
        Assert.All(bss, p => Assert.True(p.Bytes.IsEmpty));
    }

    [Fact]
    public void Entry_defaults_to_the_start_of_text_and_can_be_set()
    {
        Assert.Equal(0x100000UL, Assembler.Assemble("nop\nnop").Entry);
        Assert.Equal(0x100008UL, Assembler.Assemble(".entry here\nnop\nhere: nop").Entry);
        Assert.Equal(0x400000UL, Assembler.Assemble("nop", baseAddress: 0x400000).Entry);
    }

    [Theory]
    [InlineData("nop\naddd rax, 1", 2, "addd", "unknown instruction 'addd'")]
    [InlineData("add rax", 1, "add", "cannot take 'rax'")]
    [InlineData("mov rax, nowhere", 1, "nowhere", "undefined symbol 'nowhere'")]
    [InlineData("x: nop\nx: nop", 2, "x", "'x' is already defined")]
    [InlineData("add rax, 0x80000000", 1, "0x80000000", "does not fit in 32 signed bits")]
    [InlineData(".ascii \"abc\"\nnop", 2, "nop", "not a multiple of 8")]
    [InlineData(".bss\n.quad 1", 2, ".quad", "cannot go in .bss")]
    [InlineData(".data\n.ascii \"abc", 2, "\"abc", "unterminated quote")]
    [InlineData(".data\n.frob 1", 2, ".frob", "unknown directive '.frob'")]
    [InlineData("ld8 rax, [8 + rbx]", 1, "[8 + rbx]", "must start with a base register")]
    [InlineData("ld8 rax, [rbx * 2]", 1, "[rbx * 2]", "expected + or -")]
    [InlineData(".data\n.zero later\nlater:", 2, "later", "needs a constant")]
    [InlineData(".equ a, b\n.equ b, a\nmov rax, a", 1, "a", "defined in terms of itself")]
    [InlineData(".data\n.byte 300", 2, "300", "does not fit in 1 byte")]
    [InlineData("mov rax, 12abc", 1, "12abc", "bad number '12abc'")]
    [InlineData(".data\n.align 3", 2, "3", "power of two")]
    [InlineData("rax: nop", 1, "rax", "register name")]
    [InlineData(".data\nnop", 2, "nop", "outside .text")]
    public void Errors_name_the_line_and_the_token(string source, int line, string token, string detail)
    {
        var e = Assert.Throws<AsmException>(() => Assembler.Assemble(source, "bad.s"));
        Assert.Equal(line, e.Line);
        Assert.Equal(token, e.Token);
        Assert.Contains(detail, e.Detail);
        Assert.StartsWith($"bad.s:{line}: ", e.Message);
    }

    [Fact]
    public void Comments_strings_and_characters_do_not_confuse_the_splitter()
    {
        var image = Assembler.Assemble(".data\ns: .ascii \"a;b#c, d\"   ; comment\nc: .byte ',', '#', '\\n', '\\''  # more");
        Assert.Equal("a;b#c, d,#\n'"u8.ToArray(), image.Get(SegmentKind.Data)!.Bytes);
    }

    [Fact]
    public void Listing_has_the_address_and_bytes_of_every_statement()
    {
        var output = Assembler.AssembleWithListing(".text\nmovabs rax, 1\nnop\n.data\n.quad 7");
        Assert.Equal(3, output.Listing.Count);
        Assert.Equal(16, output.Listing[0].Bytes.Length);
        Assert.Equal(0x100010UL, output.Listing[1].Address);
        Assert.Equal(0x101000UL, output.Listing[2].Address);
        Assert.Equal(".quad 7", output.Listing[2].Source);
    }

    [Fact]
    public void Image_survives_save_and_load()
    {
        var image = SamplePrograms.Assemble("memcpy");
        var back = ProgramImage.Load(image.Save());
        Assert.Equal(image.Entry, back.Entry);
        Assert.Equal(image.Segments.Count, back.Segments.Count);
        for (int i = 0; i < image.Segments.Count; i++)
        {
            Assert.Equal(image.Segments[i].Address, back.Segments[i].Address);
            Assert.Equal(image.Segments[i].MemorySize, back.Segments[i].MemorySize);
            Assert.Equal(image.Segments[i].Bytes, back.Segments[i].Bytes);
        }
        Assert.Equal(image.Symbols, back.Symbols);
        Assert.Throws<InvalidDataException>(() => ProgramImage.Load("VMLABIM1\x01"u8.ToArray()));
        Assert.Throws<InvalidDataException>(() => ProgramImage.Load("hello"u8.ToArray()));
    }
}
