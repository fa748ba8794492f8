using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;

namespace VmLab.X86.Tests;

/// <summary>A program assembled with Iced's assembler into a <see cref="PagedTestMemory"/>: code user
/// read-only at <see cref="CodeVa"/>, a writable data page at <see cref="DataVa"/>, a one-page stack under
/// <see cref="StackTop"/>. Ends at ud2 by convention, so Run stops with InvalidOpcode there.</summary>
internal sealed class X86Machine
{
    public const ulong CodeVa = 0x400000, DataVa = 0x600000, StackTop = 0x800000;

    private int _nextFrame = 1;

    public PagedTestMemory Memory { get; } = new(frames: 64, virtualPages: 4096);

    public X86Cpu<PagedTestBus> Cpu { get; }

    public int CodeLength { get; }

    public X86Machine(Action<Assembler> program, PagePerm codePerm = PagePerm.UserRo)
    {
        var asm = new Assembler(64);
        program(asm);
        asm.ud2();
        var writer = new CodeWriterImpl();
        asm.Assemble(writer, CodeVa);
        byte[] code = writer.ToArray();
        for (ulong va = CodeVa; va < CodeVa + (ulong)code.Length; va += 4096) MapFresh(va, codePerm);
        CodeLength = code.Length;
        Memory.Poke(CodeVa, code);
        MapFresh(DataVa, PagePerm.UserRw);
        MapFresh(StackTop - 4096, PagePerm.UserRw);
        Cpu = new X86Cpu<PagedTestBus>(new PagedTestBus(Memory)) { Rip = CodeVa };
        Cpu[Reg.Rsp] = StackTop;
    }

    public void MapFresh(ulong va, PagePerm perm) => Memory.Map(va & ~4095UL, _nextFrame++, perm);

    /// <summary>Assembles more code at va (already mapped), for layouts the one program cannot make.</summary>
    public void Assemble(ulong va, Action<Assembler> code)
    {
        var asm = new Assembler(64);
        code(asm);
        var writer = new CodeWriterImpl();
        asm.Assemble(writer, va);
        Memory.Poke(va, writer.ToArray());
    }

    /// <summary>Runs to the closing ud2 (or the first other stop) and returns why it stopped.</summary>
    public StopReason Run(long budget = 1_000_000) => Cpu.Run(budget);

    public ulong this[Reg r] { get => Cpu[r]; set => Cpu[r] = value; }

    public ulong Flags => Cpu.Rflags;

    internal sealed class CodeWriterImpl : CodeWriter
    {
        private readonly List<byte> _bytes = new();
        public override void WriteByte(byte value) => _bytes.Add(value);
        public byte[] ToArray() => _bytes.ToArray();
    }
}
