using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;
using static Iced.Intel.AssemblerRegisters;

namespace VmLab.X86.Tests;

/// <summary>
/// A block longer than a piece is cut where the flags record is whole: after the last instruction among the
/// piece's final quarter that replaces all the flags, so that a rotate just before the cut does not have to work
/// out the flags it keeps at every pass (a piece's end keeps the flags seen). A loop cut that way still stops
/// where the interpreter stops, at every instruction.
/// </summary>
public class TranslatorPieceTests
{
    /// <summary>A loop (ecx from rounds down) of 46 instructions: adds and rotates, the 28th an add and the 29th
    /// to 32nd rotates, so a cut at 32 would fall right after rotates.</summary>
    private static Action<Assembler> RotateLoop(int rounds) => a =>
    {
        var loop = a.CreateLabel();
        a.mov(ecx, rounds);
        a.mov(ebx, 0x12345);
        a.mov(edx, 7);
        a.Label(ref loop);
        for (int k = 0; k < 9; k++)
        {
            a.add(ebx, edx);
            a.rol(ebx, 5);
            a.xor(edx, ebx);
        }
        a.add(ebx, 3);          // the 28th
        a.ror(ebx, 3);
        a.ror(edx, 7);
        a.rol(ebx, 11);
        a.rol(edx, 1);          // the 32nd
        for (int k = 0; k < 5; k++)
        {
            a.add(edx, ebx);
            a.ror(edx, 2);
        }
        a.mov(__dword_ptr[X86Machine.DataVa], ebx);
        a.add(ebx, edx);
        a.dec(ecx);
        a.jnz(loop);
    };

    private static XRegionBlock Block(Action<Assembler> program, ulong from, int count)
    {
        var m = new X86Machine(program);
        byte[] code = m.Memory.Peek(from, 4096 - (int)(from & 0xFFF));
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code), from);
        var ops = new XOp[count];
        for (int i = 0; i < count; i++)
        {
            decoder.Decode(out Instruction ins);
            ops[i] = XDecoder.Decode(ins);
        }
        return new XRegionBlock((int)(from & 0xFFF), ops, count);
    }

    [Fact]
    public void A_long_block_is_cut_after_its_last_whole_flags_writer_near_the_piece_end()
    {
        // the loop's body starts after three 5-byte movs
        XRegionBlock body = Block(RotateLoop(1), X86Machine.CodeVa + 15, 46);
        Assert.Equal(XCode.Jcc, body.Ops[45].Code);
        Assert.Equal(28, XEmitter<PagedTestBus>.PieceLength(body, 0));
        Assert.Equal(18, XEmitter<PagedTestBus>.PieceLength(body, 28));
    }

    [Fact]
    public void A_loop_cut_there_stops_where_the_interpreter_does()
    {
        var (t, i) = TranslatorPair.Of(RotateLoop(3_000));
        t.Cpu.TimerInterval = i.Cpu.TimerInterval = 101;   // prime to the loop: stops fall at every instruction of it
        Assert.Equal(StopReason.InvalidOpcode, TranslatorPair.AlikeAtEveryStop(t, i));
        Assert.Equal(i.Cpu.InstructionCount, t.Cpu.InstructionCount);
        Assert.Equal(i.Memory.Peek(X86Machine.DataVa, 8), t.Memory.Peek(X86Machine.DataVa, 8));
        Assert.True(t.Cpu.TranslationProfile.Translated > t.Cpu.InstructionCount / 2,
            $"{t.Cpu.TranslationProfile.Translated} of {t.Cpu.InstructionCount} instructions ran translated");
    }
}
