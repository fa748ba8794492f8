using VmLab.Sim.Asm;
using VmLab.Sim.Cpu;

namespace VmLab.Sim.Tests.Cpu;

/// <summary>A program loaded into a <see cref="PagedTestMemory"/>: text user read-only, data user read/write,
/// a one-page stack under 0x300000; frames are handed out in order.</summary>
internal sealed class PagedMachine
{
    public const ulong StackTop = 0x300000;

    public PagedTestMemory Memory { get; } = new(frames: 256, virtualPages: 1024);

    public Cpu<PagedTestBus> Cpu { get; }

    public ProgramImage Image { get; }

    private int _nextFrame = 1;

    public PagedMachine(string source)
    {
        Image = Assembler.Assemble(source, "test.s");
        foreach (var seg in Image.Segments)
        {
            for (ulong va = seg.Address; va < seg.End; va += 4096)
                MapFresh(va, seg.Writable ? PagePerm.UserRw : PagePerm.UserRo);
            Memory.Poke(seg.Address, seg.Bytes);
        }
        MapFresh(StackTop - 4096, PagePerm.UserRw);
        Cpu = new Cpu<PagedTestBus>(new PagedTestBus(Memory)) { Rip = Image.Entry };
        Cpu[Reg.Rsp] = StackTop;
    }

    /// <summary>Maps the page at va to the next unused frame.</summary>
    public void MapFresh(ulong va, PagePerm perm) => Memory.Map(va & ~4095UL, _nextFrame++, perm);

    public ulong Sym(string name) => Image.Symbols[name];
}
