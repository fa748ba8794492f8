using Iced.Intel;
using VmLab.Sim.Cpu;
using VmLab.Sim.X86;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>A program assembled with Iced's assembler into a <see cref="PagedTestMemory"/>: code user read-only at
/// <see cref="CodeVa"/>, a one-page stack under <see cref="StackTop"/>; other pages are mapped by the test
/// (frames handed out in order). Programs end at ud2, so a run that completes stops with InvalidOpcode.</summary>
internal sealed class X86TestMachine
{
    public const ulong CodeVa = 0x100000, StackTop = 0x300000;

    private int _nextFrame = 1;

    public PagedTestMemory Memory { get; } = new(frames: 256, virtualPages: 1024);

    public X86Cpu<PagedTestBus> Cpu { get; }

    /// <summary>Address of each instruction, in program order (the closing ud2 last).</summary>
    public IReadOnlyList<ulong> Addresses { get; }

    public X86TestMachine(Action<Assembler> program)
    {
        var asm = new Assembler(64);
        program(asm);
        asm.ud2();
        var writer = new Bytes();
        var result = asm.Assemble(writer, CodeVa, BlockEncoderOptions.ReturnNewInstructionOffsets);
        Addresses = [.. result.Result[0].NewInstructionOffsets.Select(o => CodeVa + o)];
        byte[] code = writer.ToArray();
        for (ulong va = CodeVa; va < CodeVa + (ulong)code.Length; va += 4096) MapFresh(va, PagePerm.UserRo);
        Memory.Poke(CodeVa, code);
        MapFresh(StackTop - 4096, PagePerm.UserRw | PagePerm.NoExecute);
        Cpu = new X86Cpu<PagedTestBus>(new PagedTestBus(Memory)) { Rip = CodeVa };
        Cpu[Reg.Rsp] = StackTop;
    }

    /// <summary>Maps the page at va to the next unused frame.</summary>
    public void MapFresh(ulong va, PagePerm perm) => Memory.Map(va & ~4095UL, _nextFrame++, perm);

    private sealed class Bytes : CodeWriter
    {
        private readonly List<byte> _bytes = [];
        public override void WriteByte(byte value) => _bytes.Add(value);
        public byte[] ToArray() => [.. _bytes];
    }
}
