using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;
using VmLab.Sim.Programs;

namespace VmLab.Sim.Tests.Asm;

public class RoundTripTests
{
    private static void AssertSameImage(ProgramImage a, ProgramImage b)
    {
        Assert.Equal(a.Entry, b.Entry);
        Assert.Equal(a.Segments.Select(s => (s.Kind, s.Address, s.MemorySize)), b.Segments.Select(s => (s.Kind, s.Address, s.MemorySize)));
        for (int i = 0; i < a.Segments.Count; i++)
            Assert.Equal(a.Segments[i].Bytes, b.Segments[i].Bytes);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("loop")]
    [InlineData("fib")]
    [InlineData("memcpy")]
    [InlineData("spin")]
    public void Samples_assemble_disassemble_assemble_to_the_same_bytes(string name)
    {
        var image = SamplePrograms.Assemble(name);
        string source = Disassembler.ToSource(image);
        AssertSameImage(image, Assembler.Assemble(source, "roundtrip.s", image.Segments[0].Address));
    }

    [Fact]
    public void Every_valid_random_slot_round_trips()
    {
        var rng = new Random(61);
        var slots = new List<ulong>();
        while (slots.Count < 4000)
        {
            var op = (Opcode)rng.Next(0, 0x60);
            if (Isa.FormatOf(op) == Format.None) continue;
            ulong slot = Isa.Encode(op, rng.Next(16), rng.Next(16), rng.Next(int.MinValue, int.MaxValue)) & ~Isa.ReservedBits(op);
            Assert.True(Isa.IsValid(slot));
            slots.Add(slot);
            if (op == Opcode.Movabs) slots.Add((ulong)rng.NextInt64() ^ (ulong)rng.Next() << 63);
        }
        byte[] code = slots.SelectMany(BitConverter.GetBytes).ToArray();
        var image = new ProgramImage([new Segment(SegmentKind.Text, 0x100000, code, (ulong)code.Length)], 0x100000, new Dictionary<string, ulong>());
        string source = Disassembler.ToSource(image);
        AssertSameImage(image, Assembler.Assemble(source));
    }

    [Fact]
    public void Invalid_slots_and_odd_tails_disassemble_as_data()
    {
        var (text, len) = Disassembler.Decode(0, null, 0x100000);
        Assert.Equal(".quad 0x0000000000000000", text);
        Assert.Equal(8, len);
        var image = Assembler.Assemble("nop\n.byte 1, 2, 3");
        var lines = Disassembler.Disassemble(image).ToList();
        Assert.Equal("nop", lines[0].Text);
        Assert.Equal(".byte 0x01, 0x02, 0x03", lines[1].Text);
        AssertSameImage(image, Assembler.Assemble(Disassembler.ToSource(image)));
    }

    [Fact]
    public void Disassembly_reads_like_the_source()
    {
        var image = Assembler.Assemble("_start: ld8 rax, [rsp + 16]\nst2 [rbx - 8], rcx\nlds4 rdx, [rsi]\njne _start\nrep movsb\nadd r15, -0x10000");
        var text = Disassembler.Disassemble(image).Select(l => l.Text).ToList();
        Assert.Equal(["ld8 rax, [rsp + 16]", "st2 [rbx - 8], rcx", "lds4 rdx, [rsi]", "jne 0x100000   # _start", "rep movsb", "add r15, -0x10000"], text);
    }
}
